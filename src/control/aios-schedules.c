/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Schedules: a flow may carry one ("schedule" in its file), and the
 * coordinator starts a run of it once per interval.
 *
 *   { "every": "weekday", "at": "09:00" }        Monday to Friday at 09:00
 *   { "every": "day", "at": "18:30" }            every day
 *   { "every": "month", "day": 1, "at": "08:00" } the first of each month
 *   { "every": "30s" }                           every 30 s (s, m, h, d; for tests)
 *   "input": { ... }                             the run's input (optional)
 *
 * Calendar times are in the operator's time zone (the process's local
 * one, TZ). The table keeps the definition and the last tick (the
 * scheduled time that ran), never only a stored "next time": the next
 * tick is always computed from the two, so editing a schedule takes effect
 * and a tick missed while the machine slept or the clock jumped runs once
 * on wake (the last tick then moves to the latest time that has passed,
 * not one interval on). The claim of a tick is a compare-and-set on the
 * last tick in the same transaction as the run it starts: exactly once.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-flow.h"
#include "aios-flow-registry.h"
#include "aios-schedules.h"

#define MAX_SCAN_DAYS 400

void
aios_schedule_info_free (AiosScheduleInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->flow_id);
  g_free (info->spec_json);
  g_free (info->input_json);
  g_free (info);
}

typedef struct {
  char   kind;       /* 'i' interval, 'd' day, 'w' weekday, 'm' month */
  gint64 interval_ms;
  int    hour, minute;
  int    day;
} Spec;

static gboolean
parse_spec (const char  *spec_json,
            Spec        *spec,
            GError     **error)
{
  g_autoptr(JsonNode) node = spec_json ? json_from_string (spec_json, NULL) : NULL;
  static const char * const allowed[] = { "every", "at", "day", "input", "description", NULL };
  JsonObject *obj;
  const char *every, *at;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  memset (spec, 0, sizeof *spec);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID, _("expected a schedule object"));
      return FALSE;
    }
  obj = json_node_get_object (node);
  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &member))
    if (!g_strv_contains (allowed, name))
      {
        g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
                     _("unknown member “%.32s”; expected every, at, day, input"), name);
        return FALSE;
      }
  every = json_object_get_string_member_with_default (obj, "every", NULL);
  at = json_object_get_string_member_with_default (obj, "at", "09:00");
  if (json_object_has_member (obj, "input") && !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "input")))
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID, _(".input: expected an object"));
      return FALSE;
    }
  if (every == NULL)
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
                   _(".every: expected “day”, “weekday”, “month” or a duration such as “30s”"));
      return FALSE;
    }
  if (strlen (at) != 5 || !g_ascii_isdigit (at[0]) || !g_ascii_isdigit (at[1]) || at[2] != ':' ||
      !g_ascii_isdigit (at[3]) || !g_ascii_isdigit (at[4]) ||
      (spec->hour = (at[0] - '0') * 10 + at[1] - '0') > 23 ||
      (spec->minute = (at[3] - '0') * 10 + at[4] - '0') > 59)
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID, _(".at: expected a time such as “09:00”"));
      return FALSE;
    }
  if (g_str_equal (every, "day"))
    spec->kind = 'd';
  else if (g_str_equal (every, "weekday"))
    spec->kind = 'w';
  else if (g_str_equal (every, "month"))
    {
      spec->kind = 'm';
      spec->day = json_object_get_int_member_with_default (obj, "day", 1);
      if (spec->day < 1 || spec->day > 31)
        {
          g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID, _(".day: expected a day of the month, 1 to 31"));
          return FALSE;
        }
    }
  else if ((spec->interval_ms = aios_flow_parse_duration (every)) >= 1000)
    spec->kind = 'i';
  else
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
                   _(".every: expected “day”, “weekday”, “month” or a duration of at least 1 s such as “30s”, got “%.32s”"),
                   every);
      return FALSE;
    }
  return TRUE;
}

/**
 * aios_schedule_spec_check:
 *
 * Returns: %TRUE when @spec_json is a schedule this module understands
 */
gboolean
aios_schedule_spec_check (const char  *spec_json,
                          GError     **error)
{
  Spec spec;
  return parse_spec (spec_json, &spec, error);
}

static gboolean
matches_day (const Spec *spec,
             GDateTime  *day)
{
  int dom = g_date_time_get_day_of_month (day);

  switch (spec->kind)
    {
    case 'w':
      return g_date_time_get_day_of_week (day) <= 5;
    case 'm':
      {
        /* The 31st in a shorter month is its last day. */
        g_autoptr(GDateTime) next = g_date_time_add_days (day, 1);
        gboolean last = g_date_time_get_month (next) != g_date_time_get_month (day);
        return dom == spec->day || (last && dom < spec->day);
      }
    default:
      return TRUE;
    }
}

/**
 * aios_schedule_next_after:
 * @anchor_ms: where an interval schedule counts from (its creation)
 * @after_ms: a time
 *
 * Returns: the first tick of the schedule strictly after @after_ms, in ms
 *   (calendar schedules in the local time zone; a time that does not exist
 *   on a spring-forward day runs at the first one after it), or 0 when
 *   the schedule is not valid
 */
gint64
aios_schedule_next_after (const char *spec_json,
                          gint64      anchor_ms,
                          gint64      after_ms)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) start = NULL;
  Spec spec;

  if (!parse_spec (spec_json, &spec, NULL))
    return 0;
  if (spec.kind == 'i')
    {
      gint64 n;
      if (after_ms < anchor_ms)
        return anchor_ms + spec.interval_ms;
      n = (after_ms - anchor_ms) / spec.interval_ms + 1;
      return anchor_ms + n * spec.interval_ms;
    }

  start = g_date_time_new_from_unix_local (after_ms / 1000);
  for (int i = 0; i < MAX_SCAN_DAYS && start != NULL; i++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (start, i);
      g_autoptr(GDateTime) at = NULL;
      gint64 ms;

      if (day == NULL || !matches_day (&spec, day))
        continue;
      at = g_date_time_new (tz, g_date_time_get_year (day), g_date_time_get_month (day),
                            g_date_time_get_day_of_month (day), spec.hour, spec.minute, 0);
      if (at == NULL)
        continue;
      ms = g_date_time_to_unix (at) * 1000;
      if (ms > after_ms)
        return ms;
    }
  return 0;
}

/**
 * aios_schedule_describe:
 *
 * Returns: (transfer full): the schedule in words ("every weekday at 09:00")
 */
char *
aios_schedule_describe (const char *spec_json)
{
  g_autoptr(JsonNode) node = spec_json ? json_from_string (spec_json, NULL) : NULL;
  Spec spec;

  if (!parse_spec (spec_json, &spec, NULL))
    return g_strdup (_("an invalid schedule"));
  switch (spec.kind)
    {
    case 'd':
      return g_strdup_printf (_("every day at %02d:%02d"), spec.hour, spec.minute);
    case 'w':
      return g_strdup_printf (_("every weekday at %02d:%02d"), spec.hour, spec.minute);
    case 'm':
      return g_strdup_printf (_("on day %d of every month at %02d:%02d"), spec.day, spec.hour, spec.minute);
    default:
      return g_strdup_printf (_("every %s"),
                              json_object_get_string_member (json_node_get_object (node), "every"));
    }
}

/**
 * aios_schedules_sync:
 * @spec_json: (nullable): the flow's schedule now, or %NULL when it has none
 *
 * Keeps the row of @flow_id in step with its definition: added, its
 * definition replaced (the last tick kept, so an edit neither repeats nor
 * skips a tick), or removed.
 */
gboolean
aios_schedules_sync (AiosStore   *store,
                     const char  *flow_id,
                     const char  *spec_json,
                     GError     **error)
{
  gint64 now = aios_store_now_ms ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *input_json = NULL;

  if (spec_json == NULL)
    return aios_store_run (store, _("update the schedules"), error,
                           "DELETE FROM schedules WHERE flow_id = ?", "s", flow_id);
  node = json_from_string (spec_json, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
      json_object_has_member (json_node_get_object (node), "input"))
    input_json = json_to_string (json_object_get_member (json_node_get_object (node), "input"), FALSE);
  return aios_store_run (store, _("update the schedules"), error,
                         "INSERT INTO schedules (flow_id, spec, input_json, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (flow_id) DO UPDATE SET "
                         "spec = excluded.spec, input_json = excluded.input_json, "
                         "updated_at = excluded.updated_at WHERE spec != excluded.spec",
                         "sssii", flow_id, spec_json, input_json ? input_json : "{}", now, now);
}

/**
 * aios_schedules_sync_all:
 *
 * Brings the table in step with every flow's schedule, in one transaction.
 */
gboolean
aios_schedules_sync_all (AiosStore         *store,
                         AiosFlowRegistry  *flows,
                         GError           **error)
{
  g_autoptr(GPtrArray) list = aios_flow_registry_list (flows);
  g_autoptr(GPtrArray) rows = aios_schedules_list (store, error);
  gboolean same = rows != NULL;

  if (rows == NULL)
    return FALSE;
  /* Nothing to write (the usual case): no write transaction at all, so a
   * start of Aios does not contend with another process for the lock. */
  for (guint i = 0; same && list != NULL && i < list->len; i++)
    {
      AiosFlow *flow = list->pdata[i];
      const char *spec = aios_flow_get_schedule_json (flow);
      const AiosScheduleInfo *row = NULL;

      for (guint k = 0; k < rows->len && row == NULL; k++)
        if (g_str_equal (((AiosScheduleInfo *) rows->pdata[k])->flow_id, aios_flow_get_id (flow)))
          row = rows->pdata[k];
      same = spec == NULL ? row == NULL : row != NULL && g_str_equal (row->spec_json, spec);
    }
  if (same)
    return TRUE;

  if (!aios_store_begin (store, error))
    return FALSE;
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      AiosFlow *flow = list->pdata[i];

      if (!aios_schedules_sync (store, aios_flow_get_id (flow), aios_flow_get_schedule_json (flow), error))
        {
          aios_store_rollback (store);
          return FALSE;
        }
    }
  return aios_store_commit (store, error);
}

static AiosScheduleInfo *
read_schedule (sqlite3_stmt *stmt)
{
  AiosScheduleInfo *info = g_new0 (AiosScheduleInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->flow_id = aios_store_column_dup (stmt, 1);
  info->spec_json = aios_store_column_dup (stmt, 2);
  info->input_json = aios_store_column_dup (stmt, 3);
  info->paused = sqlite3_column_int64 (stmt, 4) != 0;
  info->last_tick_at = sqlite3_column_int64 (stmt, 5);
  info->last_run_id = sqlite3_column_int64 (stmt, 6);
  info->created_at = sqlite3_column_int64 (stmt, 7);
  info->next_at = aios_schedule_next_after (info->spec_json, info->created_at,
                                            info->last_tick_at > 0 ? info->last_tick_at : info->created_at);
  return info;
}

/**
 * aios_schedules_list:
 *
 * Returns: (transfer full) (element-type AiosScheduleInfo): every schedule,
 *   by flow id, with its next time
 */
GPtrArray *
aios_schedules_list (AiosStore  *store,
                     GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT id, flow_id, spec, input_json, paused, COALESCE (last_tick_at, 0), "
                                         "COALESCE (last_run_id, 0), created_at FROM schedules ORDER BY flow_id",
                                         error, "");
  return aios_store_collect (store, stmt, _("read the schedules"), (AiosStoreRowFunc) read_schedule,
                             (GDestroyNotify) aios_schedule_info_free, error);
}

/**
 * aios_schedules_set_paused:
 *
 * Pauses or resumes @flow_id's schedule. Resuming counts from now: the
 * ticks that passed while paused do not run.
 */
gboolean
aios_schedules_set_paused (AiosStore   *store,
                           const char  *flow_id,
                           gboolean     paused,
                           GError     **error)
{
  gint64 now = aios_store_now_ms ();

  /* Its own commit, so the pages and the running coordinator hear of it. */
  if (!aios_store_begin (store, error))
    return FALSE;
  if (aios_store_get_int64 (store, _("read the schedules"), 0, NULL,
                            "SELECT COUNT (*) FROM schedules WHERE flow_id = ?", "s", flow_id) == 0)
    {
      aios_store_rollback (store);
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_NOT_FOUND,
                   _("The flow “%s” has no schedule; `aios schedules` lists those that do"), flow_id);
      return FALSE;
    }
  if (!aios_store_run (store, _("pause a schedule"), error,
                       paused ? "UPDATE schedules SET paused = 1, updated_at = ?1 WHERE flow_id = ?2"
                              : "UPDATE schedules SET paused = 0, updated_at = ?1, "
                                "last_tick_at = MAX (COALESCE (last_tick_at, 0), ?1) WHERE flow_id = ?2 AND paused = 1",
                       "is", now, flow_id))
    {
      aios_store_rollback (store);
      return FALSE;
    }
  return aios_store_commit (store, error);
}

/**
 * aios_schedules_claim_tick:
 * @old_last_tick_at: the last tick the caller read (0: never)
 * @claimed: (out): whether this call took the tick
 *
 * Moves the last tick from @old_last_tick_at to @new_last_tick_at, in the
 * caller's transaction, only when nobody moved it meanwhile.
 */
gboolean
aios_schedules_claim_tick (AiosStore   *store,
                           gint64       schedule_id,
                           gint64       old_last_tick_at,
                           gint64       new_last_tick_at,
                           gboolean    *claimed,
                           GError     **error)
{
  *claimed = FALSE;
  if (!aios_store_run (store, _("record a schedule's tick"), error,
                       "UPDATE schedules SET last_tick_at = ?, updated_at = ? "
                       "WHERE id = ? AND COALESCE (last_tick_at, 0) = ? AND paused = 0",
                       "iiii", new_last_tick_at, aios_store_now_ms (), schedule_id, old_last_tick_at))
    return FALSE;
  *claimed = aios_store_changes (store) == 1;
  return TRUE;
}

gboolean
aios_schedules_set_run (AiosStore   *store,
                        gint64       schedule_id,
                        gint64       run_id,
                        GError     **error)
{
  return aios_store_run (store, _("record a schedule's tick"), error,
                         "UPDATE schedules SET last_run_id = ? WHERE id = ?", "ii", run_id, schedule_id);
}
