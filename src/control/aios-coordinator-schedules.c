/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator's side of schedules (aios-schedules.c has the table and
 * the arithmetic): at start the flows' schedules are copied into the
 * workspace, and whenever the one timer fires the due ones tick: the claim
 * of the tick and the run it starts commit together, so a tick runs once
 * however often the process restarts, and a tick missed while asleep (or
 * skipped over by the clock) runs once, not once per missed interval.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-coordinator-private.h"
#include "aios-schedules.h"
#include "store/aios-journal.h"

void
aios_coordinator_sync_schedules (AiosCoordinator *self)
{
  g_autoptr(GError) error = NULL;

  if (!aios_schedules_sync_all (self->store, self->flows, &error))
    g_warning ("Could not update the schedules: %s", error->message);
}

/* The latest tick at or before @now, from the first due one. */
static gint64
latest_passed (const AiosScheduleInfo *info,
               gint64                  due,
               gint64                  now)
{
  gint64 tick = due;

  for (guint i = 0; i < 1000000; i++)
    {
      gint64 next = aios_schedule_next_after (info->spec_json, info->created_at, tick);
      if (next == 0 || next > now)
        break;
      tick = next;
    }
  return tick;
}

static gboolean
tick_one (AiosCoordinator        *self,
          const AiosScheduleInfo *info,
          gint64                  tick,
          GError                **error)
{
  g_autoptr(JsonNode) input = json_from_string (info->input_json ? info->input_json : "{}", NULL);
  g_autofree char *when = aios_store_format_time (tick);
  g_autofree char *what = aios_schedule_describe (info->spec_json);
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  gboolean claimed = FALSE;
  gint64 run_id;

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!aios_schedules_claim_tick (self->store, info->id, info->last_tick_at, tick, &claimed, error))
    goto fail;
  if (!claimed)
    {
      aios_store_rollback (self->store);
      return TRUE;
    }
  run_id = aios_coordinator_submit (self, info->flow_id, input, "system", error);
  if (run_id == 0 || !aios_schedules_set_run (self->store, info->id, run_id, error))
    goto fail;
  summary = g_strdup_printf ("Scheduled run of %s (%s), due %s", info->flow_id, what, when);
  payload = g_strdup_printf ("{\"schedule\":%" PRId64 ",\"tick_at\":%" PRId64 "}", info->id, tick);
  if (!aios_coordinator_journal (self->store, run_id, 0, "system", "schedule.ticked", summary, NULL, payload, error))
    goto fail;
  return aios_store_commit (self->store, error);

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

void
aios_coordinator_tick_schedules (AiosCoordinator *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 now = aios_store_now_ms ();
  gint64 next = 0;

  if (!self->active)
    return;
  list = aios_schedules_list (self->store, &error);
  if (list == NULL)
    {
      g_warning ("Could not read the schedules: %s", error->message);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    {
      AiosScheduleInfo *info = list->pdata[i];
      gint64 due = info->next_at;

      if (info->paused || due == 0)
        continue;
      if (due <= now)
        {
          gint64 tick = latest_passed (info, due, now);

          if (!tick_one (self, info, tick, &error))
            {
              /* A run the flow refuses (its input) is said once per tick, and the
               * tick is not retried in a loop: the timer comes back in a minute. */
              g_warning ("The schedule of %s could not start a run: %s", info->flow_id, error->message);
              g_clear_error (&error);
              due = now + 60 * 1000;
            }
          else
            due = aios_schedule_next_after (info->spec_json, info->created_at, tick);
        }
      if (due > 0 && (next == 0 || due < next))
        next = due;
    }
  self->next_schedule_at = next;
}
