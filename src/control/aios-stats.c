/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The repair-cost meter: per flow and per ISO week (the operator's local
 * time zone), the runs, the failures by class, the operator's interventions
 * and the time items waited in the inbox for a decision, plus the
 * integration cost (first start to the first approved action).
 *
 * It reads only through the owners: the runs (aios-runs.c), the decisions
 * (aios-approvals.c) and the counted journal events (store/aios-journal-
 * stats.c, through the kind index), so it costs what the window's events
 * cost, not the length of the journal.
 *
 * The waiting time is from the moment an item reached the inbox to its
 * decision: time it waited for the operator, not time spent on it. Active
 * time in the editor is not measured (nothing records it honestly), so it
 * is left out and the output says so.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approvals.h"
#include "aios-runs.h"
#include "aios-stats.h"
#include "store/aios-journal-stats.h"

static const char *const class_names[AIOS_N_FAILURE_CLASSES] = {
  "retryable_recovered", "permanent", "retries_exhausted", "unknown_outcome",
  "budget_stop", "policy_denial", "qa_failure", "approval_expired",
};

const char *
aios_failure_class_to_string (AiosFailureClass klass)
{
  g_return_val_if_fail (klass < AIOS_N_FAILURE_CLASSES, NULL);
  return class_names[klass];
}

const char *
aios_failure_class_to_words (AiosFailureClass klass)
{
  switch (klass)
    {
    case AIOS_FAILURE_RETRYABLE_RECOVERED: return _("retried and recovered");
    case AIOS_FAILURE_PERMANENT:           return _("permanent");
    case AIOS_FAILURE_RETRIES_EXHAUSTED:   return _("retries used up");
    case AIOS_FAILURE_UNKNOWN_OUTCOME:     return _("unknown outcome");
    case AIOS_FAILURE_BUDGET_STOP:         return _("budget stop");
    case AIOS_FAILURE_POLICY_DENIAL:       return _("policy denial");
    case AIOS_FAILURE_QA:                  return _("quality check failed");
    case AIOS_FAILURE_APPROVAL_EXPIRED:    return _("approval expired");
    case AIOS_N_FAILURE_CLASSES:
    default:                               return NULL;
    }
}

/**
 * aios_failure_class_count:
 *
 * Returns: @n failures of @klass in words: "1 unknown outcome", "2 policy denials"
 */
char *
aios_failure_class_count (AiosFailureClass klass,
                          guint            n)
{
  const char *format;

  switch (klass)
    {
    case AIOS_FAILURE_RETRYABLE_RECOVERED:
      format = g_dngettext (GETTEXT_PACKAGE, "%u retried and recovered", "%u retried and recovered", n); break;
    case AIOS_FAILURE_PERMANENT:
      format = g_dngettext (GETTEXT_PACKAGE, "%u permanent", "%u permanent", n); break;
    case AIOS_FAILURE_RETRIES_EXHAUSTED:
      format = g_dngettext (GETTEXT_PACKAGE, "%u with its retries used up", "%u with their retries used up", n); break;
    case AIOS_FAILURE_UNKNOWN_OUTCOME:
      format = g_dngettext (GETTEXT_PACKAGE, "%u unknown outcome", "%u unknown outcomes", n); break;
    case AIOS_FAILURE_BUDGET_STOP:
      format = g_dngettext (GETTEXT_PACKAGE, "%u budget stop", "%u budget stops", n); break;
    case AIOS_FAILURE_POLICY_DENIAL:
      format = g_dngettext (GETTEXT_PACKAGE, "%u policy denial", "%u policy denials", n); break;
    case AIOS_FAILURE_QA:
      format = g_dngettext (GETTEXT_PACKAGE, "%u failed quality check", "%u failed quality checks", n); break;
    case AIOS_FAILURE_APPROVAL_EXPIRED:
      format = g_dngettext (GETTEXT_PACKAGE, "%u expired approval", "%u expired approvals", n); break;
    case AIOS_N_FAILURE_CLASSES:
    default:
      return g_strdup_printf ("%u", n);
    }
  return g_strdup_printf (format, n);
}

guint
aios_stats_figures_failed (const AiosStatsFigures *f)
{
  guint n = 0;

  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    if (i != AIOS_FAILURE_RETRYABLE_RECOVERED)
      n += f->failures[i];
  return n;
}

guint
aios_stats_figures_decisions (const AiosStatsFigures *f)
{
  return f->approvals + f->rejections;
}

guint
aios_stats_figures_interventions (const AiosStatsFigures *f)
{
  return f->approvals + f->rejections + f->undos + f->retries + f->replays + f->manual_fixes + f->resolutions;
}

static void
figures_add (AiosStatsFigures       *to,
             const AiosStatsFigures *f)
{
  to->runs += f->runs;
  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    to->failures[i] += f->failures[i];
  to->approvals += f->approvals;
  to->edits += f->edits;
  to->rejections += f->rejections;
  to->undos += f->undos;
  to->retries += f->retries;
  to->replays += f->replays;
  to->manual_fixes += f->manual_fixes;
  to->resolutions += f->resolutions;
  to->waiting_ms += f->waiting_ms;
}

static void
stats_flow_free (AiosStatsFlow *flow)
{
  g_free (flow->flow_id);
  g_free (flow);
}

static void
stats_week_free (AiosStatsWeek *week)
{
  g_free (week->label);
  g_ptr_array_unref (week->flows);
  g_free (week);
}

void
aios_stats_free (AiosStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->time_zone);
  g_ptr_array_unref (stats->weeks);
  g_ptr_array_unref (stats->flows);
  g_array_unref (stats->top_failure_runs);
  g_free (stats);
}

/* ---- computing ---- */

typedef struct {
  AiosStore   *store;
  AiosStats   *stats;
  GArray      *bounds;     /* gint64: n_weeks + 1 week boundaries (ms) */
  GHashTable  *run_flows;  /* run id → flow id (owned) */
  GHashTable  *cells;      /* "week\tflow" → AiosStatsFigures * (borrowed from the weeks) */
} Meter;

static int
week_of (Meter  *m,
         gint64  ts)
{
  for (guint i = 0; i + 1 < m->bounds->len; i++)
    if (ts >= g_array_index (m->bounds, gint64, i) && ts < g_array_index (m->bounds, gint64, i + 1))
      return (int) i;
  return -1;
}

static const char *
flow_of_run (Meter  *m,
             gint64  run_id)
{
  const char *flow = g_hash_table_lookup (m->run_flows, &run_id);

  if (flow == NULL && run_id > 0)
    {
      char *found = aios_runs_get_flow_id (m->store, run_id, NULL);
      gint64 *key = g_new (gint64, 1);

      *key = run_id;
      g_hash_table_insert (m->run_flows, key, found ? found : g_strdup (""));
      flow = g_hash_table_lookup (m->run_flows, &run_id);
    }
  return flow != NULL && *flow != '\0' ? flow : NULL;
}

/* The figures of @flow in the week holding @ts, or NULL outside the window. */
static AiosStatsFigures *
cell (Meter      *m,
      gint64      ts,
      const char *flow)
{
  int w = week_of (m, ts);
  AiosStatsWeek *week;
  AiosStatsFlow *entry;
  g_autofree char *key = NULL;
  AiosStatsFigures *f;

  if (w < 0 || flow == NULL)
    return NULL;
  week = m->stats->weeks->pdata[w];
  key = g_strdup_printf ("%d\t%s", w, flow);
  f = g_hash_table_lookup (m->cells, key);
  if (f != NULL)
    return f;
  entry = g_new0 (AiosStatsFlow, 1);
  entry->flow_id = g_strdup (flow);
  g_ptr_array_add (week->flows, entry);
  g_hash_table_insert (m->cells, g_steal_pointer (&key), &entry->figures);
  return &entry->figures;
}

static int
compare_flow_ids (gconstpointer a,
                  gconstpointer b)
{
  const AiosStatsFlow *x = *(AiosStatsFlow **) a, *y = *(AiosStatsFlow **) b;

  return g_strcmp0 (x->flow_id, y->flow_id);
}

static guint
cost_of (const AiosStatsFigures *f)
{
  return aios_stats_figures_interventions (f) + aios_stats_figures_failed (f);
}

static int
compare_cost (gconstpointer a,
              gconstpointer b)
{
  const AiosStatsFlow *x = *(AiosStatsFlow **) a, *y = *(AiosStatsFlow **) b;
  guint cx = cost_of (&x->figures), cy = cost_of (&y->figures);

  if (cx != cy)
    return cx > cy ? -1 : 1;
  if (x->figures.waiting_ms != y->figures.waiting_ms)
    return x->figures.waiting_ms > y->figures.waiting_ms ? -1 : 1;
  return g_strcmp0 (x->flow_id, y->flow_id);
}

static gboolean
step_in (GHashTable *set,
         gint64      step_id)
{
  return step_id > 0 && g_hash_table_contains (set, &step_id);
}

static void
set_add (GHashTable *set,
         gint64      id)
{
  gint64 *key;

  if (id <= 0 || g_hash_table_contains (set, &id))
    return;
  key = g_new (gint64, 1);
  *key = id;
  g_hash_table_add (set, key);
}

static gboolean
count_facts (Meter    *m,
             gint64    since,
             GArray   *failure_runs[AIOS_N_FAILURE_CLASSES],
             GError  **error)
{
  g_autoptr(GPtrArray) facts = aios_journal_stats_facts (m->store, since, error);
  g_autoptr(GHashTable) unknown = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) budget = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) denied = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) expired = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  /* step id → its last retry fact */
  g_autoptr(GHashTable) retried = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  if (facts == NULL)
    return FALSE;

  for (guint i = 0; i < facts->len; i++)
    {
      AiosJournalFact *fact = facts->pdata[i];

      if (g_str_equal (fact->kind, "outbox.unknown"))
        set_add (unknown, fact->step_id);
      else if (g_str_equal (fact->kind, "budget.exceeded"))
        set_add (budget, fact->step_id);
      else if (g_str_equal (fact->kind, "policy.denied"))
        set_add (denied, fact->step_id);
      else if (g_str_equal (fact->kind, "approval.expired"))
        set_add (expired, fact->step_id);
      else if (g_str_equal (fact->kind, "step.retry-scheduled") && fact->step_id > 0)
        {
          gint64 *key = g_new (gint64, 1);

          *key = fact->step_id;
          g_hash_table_replace (retried, key, fact);
        }
    }

  for (guint i = 0; i < facts->len; i++)
    {
      AiosJournalFact *fact = facts->pdata[i];
      AiosStatsFigures *f = cell (m, fact->ts, flow_of_run (m, fact->run_id));
      int klass = -1;

      if (f == NULL)
        continue;
      if (g_str_equal (fact->kind, "step.failed"))
        {
          if (step_in (unknown, fact->step_id))
            klass = AIOS_FAILURE_UNKNOWN_OUTCOME;
          else if (step_in (budget, fact->step_id))
            klass = AIOS_FAILURE_BUDGET_STOP;
          else if (step_in (denied, fact->step_id))
            klass = AIOS_FAILURE_POLICY_DENIAL;
          else if (step_in (expired, fact->step_id))
            klass = AIOS_FAILURE_APPROVAL_EXPIRED;
          else if (g_strcmp0 (fact->actor, "agent:qa") == 0)
            klass = AIOS_FAILURE_QA;
          else if (fact->retryable)
            klass = AIOS_FAILURE_RETRIES_EXHAUSTED;
          else
            klass = AIOS_FAILURE_PERMANENT;
        }
      else if (g_str_equal (fact->kind, "approval.undone"))
        f->undos++;
      else if (g_str_equal (fact->kind, "run.retried"))
        f->retries++;
      else if (g_str_equal (fact->kind, "run.rolled-back"))
        f->manual_fixes++;
      else if (g_str_equal (fact->kind, "outbox.resend") || g_str_equal (fact->kind, "outbox.sent"))
        f->resolutions++;
      else if (g_str_equal (fact->kind, "step.retry-scheduled") &&
               g_hash_table_lookup (retried, &fact->step_id) == fact)
        {
          /* Counted once per step, in the week of its last retry, when the
           * step got through in the end. */
          g_autoptr(AiosStepInfo) step = aios_runs_get_step (m->store, fact->step_id, NULL, NULL);

          if (step != NULL && g_strcmp0 (step->status, "succeeded") == 0)
            klass = AIOS_FAILURE_RETRYABLE_RECOVERED;
        }
      if (klass >= 0)
        {
          f->failures[klass]++;
          g_array_append_val (failure_runs[klass], fact->run_id);
        }
    }
  return TRUE;
}

static gboolean
count_runs (Meter   *m,
            gint64   since,
            GError **error)
{
  g_autoptr(GPtrArray) runs = aios_runs_list_created_since (m->store, since, error);

  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      AiosRunStamp *run = runs->pdata[i];
      gint64 *key = g_new (gint64, 1);
      AiosStatsFigures *f;

      *key = run->id;
      g_hash_table_replace (m->run_flows, key, g_strdup (run->flow_id));
      f = cell (m, run->created_at, run->flow_id);
      if (f != NULL)
        f->runs++;
      if (f != NULL && g_strcmp0 (run->fork_kind, "replay") == 0)
        f->replays++;
    }
  return TRUE;
}

static gboolean
count_decisions (Meter   *m,
                 gint64   since,
                 GError **error)
{
  g_autoptr(GPtrArray) decided = aios_approvals_list_decided_since (m->store, since, error);

  if (decided == NULL)
    return FALSE;
  for (guint i = 0; i < decided->len; i++)
    {
      AiosApprovalStamp *a = decided->pdata[i];
      AiosStatsFigures *f = cell (m, a->decided_at, a->flow_id);

      if (f == NULL || g_str_equal (a->status, "expired"))
        continue;
      if (g_str_equal (a->status, "approved"))
        {
          f->approvals++;
          f->edits += a->edited;
        }
      else
        f->rejections++;
      f->waiting_ms += MAX (a->decided_at - a->created_at, 0);
    }
  return TRUE;
}

static void
add_week_bounds (Meter  *m,
                 guint   n_weeks,
                 gint64  now_ms)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_ms / 1000);
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                        g_date_time_get_day_of_month (now), 0, 0, 0);
  g_autoptr(GDateTime) monday = g_date_time_add_days (midnight, 1 - g_date_time_get_day_of_week (midnight));

  for (guint i = 0; i <= n_weeks; i++)
    {
      g_autoptr(GDateTime) start = g_date_time_add_weeks (monday, (int) i - (int) n_weeks + 1);
      gint64 ms = g_date_time_to_unix (start) * 1000;

      g_array_append_val (m->bounds, ms);
      if (i < n_weeks)
        {
          AiosStatsWeek *week = g_new0 (AiosStatsWeek, 1);

          week->label = g_date_time_format (start, "%G-W%V");
          week->start_ms = ms;
          week->flows = g_ptr_array_new_with_free_func ((GDestroyNotify) stats_flow_free);
          g_ptr_array_add (m->stats->weeks, week);
        }
    }
}

/**
 * aios_stats_compute:
 * @n_weeks: how many weeks back, this one included (at least 1)
 * @now_ms: the time it is (aios_store_now_ms())
 *
 * Returns: (transfer full): the figures, or %NULL with @error set
 */
AiosStats *
aios_stats_compute (AiosStore  *store,
                    guint       n_weeks,
                    gint64      now_ms,
                    GError    **error)
{
  g_autoptr(AiosStats) stats = g_new0 (AiosStats, 1);
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GHashTable) totals = g_hash_table_new (g_str_hash, g_str_equal);
  GArray *failure_runs[AIOS_N_FAILURE_CLASSES];
  Meter m = { store, stats, NULL, NULL, NULL };
  gint64 since, first_event;
  guint best = 0;
  gboolean ok;

  g_return_val_if_fail (store != NULL, NULL);

  n_weeks = CLAMP (n_weeks, 1, 520);
  stats->generated_at = now_ms;
  stats->time_zone = g_strdup (g_time_zone_get_identifier (tz));
  stats->weeks = g_ptr_array_new_with_free_func ((GDestroyNotify) stats_week_free);
  stats->flows = g_ptr_array_new_with_free_func ((GDestroyNotify) stats_flow_free);
  stats->top_failure = -1;
  stats->top_failure_runs = g_array_new (FALSE, FALSE, sizeof (gint64));
  m.bounds = g_array_new (FALSE, FALSE, sizeof (gint64));
  m.run_flows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  m.cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    failure_runs[i] = g_array_new (FALSE, FALSE, sizeof (gint64));

  add_week_bounds (&m, n_weeks, now_ms);
  since = g_array_index (m.bounds, gint64, 0);
  ok = count_runs (&m, since, error) && count_decisions (&m, since, error) &&
       count_facts (&m, since, failure_runs, error);

  stats->first_start_at = aios_store_get_created_at (store);
  first_event = aios_journal_stats_first_ts (store, NULL);
  if (first_event > 0 && (stats->first_start_at == 0 || first_event < stats->first_start_at))
    stats->first_start_at = first_event;
  if (ok)
    stats->first_approved_at = aios_approvals_first_approved_at (store, NULL);

  for (guint w = 0; ok && w < stats->weeks->len; w++)
    {
      AiosStatsWeek *week = stats->weeks->pdata[w];

      g_ptr_array_sort (week->flows, compare_flow_ids);
      for (guint i = 0; i < week->flows->len; i++)
        {
          AiosStatsFlow *flow = week->flows->pdata[i];
          AiosStatsFlow *total = g_hash_table_lookup (totals, flow->flow_id);

          if (total == NULL)
            {
              total = g_new0 (AiosStatsFlow, 1);
              total->flow_id = g_strdup (flow->flow_id);
              g_ptr_array_add (stats->flows, total);
              g_hash_table_insert (totals, total->flow_id, total);
            }
          figures_add (&total->figures, &flow->figures);
          figures_add (&week->total, &flow->figures);
        }
      figures_add (&stats->total, &week->total);
    }
  g_ptr_array_sort (stats->flows, compare_cost);

  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    {
      if (i != AIOS_FAILURE_RETRYABLE_RECOVERED && stats->total.failures[i] > best)
        {
          best = stats->total.failures[i];
          stats->top_failure = (int) i;
        }
    }
  if (stats->top_failure >= 0)
    {
      GArray *runs = failure_runs[stats->top_failure];

      for (guint i = runs->len; i > 0; i--)
        {
          gint64 id = g_array_index (runs, gint64, i - 1);
          gboolean seen = FALSE;

          for (guint j = 0; j < stats->top_failure_runs->len && !seen; j++)
            seen = g_array_index (stats->top_failure_runs, gint64, j) == id;
          if (!seen && id > 0)
            g_array_append_val (stats->top_failure_runs, id);
        }
    }

  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    g_array_unref (failure_runs[i]);
  g_array_unref (m.bounds);
  g_hash_table_unref (m.run_flows);
  g_hash_table_unref (m.cells);
  return ok ? g_steal_pointer (&stats) : NULL;
}

/* ---- JSON ---- */

static JsonNode *
figures_to_json (const AiosStatsFigures *f)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "runs");
  json_builder_add_int_value (b, f->runs);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, aios_stats_figures_failed (f));
  json_builder_set_member_name (b, "failures");
  json_builder_begin_object (b);
  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    {
      json_builder_set_member_name (b, class_names[i]);
      json_builder_add_int_value (b, f->failures[i]);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "interventions");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, aios_stats_figures_interventions (f));
  json_builder_set_member_name (b, "decisions");
  json_builder_add_int_value (b, aios_stats_figures_decisions (f));
  json_builder_set_member_name (b, "approvals");
  json_builder_add_int_value (b, f->approvals);
  json_builder_set_member_name (b, "edits");
  json_builder_add_int_value (b, f->edits);
  json_builder_set_member_name (b, "rejections");
  json_builder_add_int_value (b, f->rejections);
  json_builder_set_member_name (b, "undos");
  json_builder_add_int_value (b, f->undos);
  json_builder_set_member_name (b, "retries");
  json_builder_add_int_value (b, f->retries);
  json_builder_set_member_name (b, "replays");
  json_builder_add_int_value (b, f->replays);
  json_builder_set_member_name (b, "manual_fixes");
  json_builder_add_int_value (b, f->manual_fixes);
  json_builder_set_member_name (b, "resolutions");
  json_builder_add_int_value (b, f->resolutions);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "waiting_s");
  json_builder_add_int_value (b, f->waiting_ms / 1000);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
add_flows (JsonBuilder *b,
           GPtrArray   *flows)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < flows->len; i++)
    {
      AiosStatsFlow *flow = flows->pdata[i];
      JsonNode *node = figures_to_json (&flow->figures);

      json_object_set_string_member (json_node_get_object (node), "flow", flow->flow_id);
      json_builder_add_value (b, node);
    }
  json_builder_end_array (b);
}

/**
 * aios_stats_to_json:
 *
 * The stable JSON of `aios stats --json`. Times in ms since the epoch
 * (UTC), durations in whole seconds.
 */
JsonNode *
aios_stats_to_json (const AiosStats *stats)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "generated_at");
  json_builder_add_int_value (b, stats->generated_at);
  json_builder_set_member_name (b, "time_zone");
  json_builder_add_string_value (b, stats->time_zone);
  json_builder_set_member_name (b, "waiting_is");
  json_builder_add_string_value (b, "inbox-to-decision");
  json_builder_set_member_name (b, "active_time_measured");
  json_builder_add_boolean_value (b, FALSE);

  json_builder_set_member_name (b, "integration");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "first_start_at");
  json_builder_add_int_value (b, stats->first_start_at);
  json_builder_set_member_name (b, "first_approved_at");
  if (stats->first_approved_at > 0)
    json_builder_add_int_value (b, stats->first_approved_at);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "seconds");
  if (stats->first_approved_at > 0 && stats->first_start_at > 0)
    json_builder_add_int_value (b, MAX (stats->first_approved_at - stats->first_start_at, 0) / 1000);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "weeks");
  json_builder_begin_array (b);
  for (guint w = 0; w < stats->weeks->len; w++)
    {
      AiosStatsWeek *week = stats->weeks->pdata[w];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "week");
      json_builder_add_string_value (b, week->label);
      json_builder_set_member_name (b, "start");
      json_builder_add_int_value (b, week->start_ms);
      json_builder_set_member_name (b, "total");
      json_builder_add_value (b, figures_to_json (&week->total));
      json_builder_set_member_name (b, "flows");
      add_flows (b, week->flows);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "flows");
  add_flows (b, stats->flows);
  json_builder_set_member_name (b, "total");
  json_builder_add_value (b, figures_to_json (&stats->total));

  json_builder_set_member_name (b, "top_failure");
  if (stats->top_failure >= 0)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, class_names[stats->top_failure]);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, stats->total.failures[stats->top_failure]);
      json_builder_set_member_name (b, "runs");
      json_builder_begin_array (b);
      for (guint i = 0; i < stats->top_failure_runs->len; i++)
        json_builder_add_int_value (b, g_array_index (stats->top_failure_runs, gint64, i));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- words ---- */

/**
 * aios_stats_format_duration:
 *
 * Returns: "3 h 10 min", "12 min", "40 s", "2 d 3 h"
 */
char *
aios_stats_format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s < 60)
    return g_strdup_printf (_("%" PRId64 " s"), s);
  if (s < 3600)
    return g_strdup_printf (_("%" PRId64 " min"), s / 60);
  if (s < 86400)
    {
      if ((s % 3600) / 60 == 0)
        return g_strdup_printf (_("%" PRId64 " h"), s / 3600);
      return g_strdup_printf (_("%" PRId64 " h %" PRId64 " min"), s / 3600, (s % 3600) / 60);
    }
  if ((s % 86400) / 3600 == 0)
    return g_strdup_printf (_("%" PRId64 " d"), s / 86400);
  return g_strdup_printf (_("%" PRId64 " d %" PRId64 " h"), s / 86400, (s % 86400) / 3600);
}

/* "1 unknown outcome, 1 permanent" */
static char *
failure_list (const AiosStatsFigures *f)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < AIOS_N_FAILURE_CLASSES; i++)
    {
      if (i == AIOS_FAILURE_RETRYABLE_RECOVERED || f->failures[i] == 0)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      {
        g_autofree char *counted = aios_failure_class_count (i, f->failures[i]);
        g_string_append (out, counted);
      }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
flow_sentence (const char             *flow_id,
               const AiosStatsFigures *f)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint failed = aios_stats_figures_failed (f);
  guint decisions = aios_stats_figures_decisions (f);
  guint other = f->undos + f->retries + f->replays + f->manual_fixes + f->resolutions;

  g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%u run of %s", "%u runs of %s", f->runs),
                          f->runs, flow_id);
  if (failed > 0)
    {
      g_autofree char *list = failure_list (f);

      g_string_append (s, ", ");
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%u failed (%s)", "%u failed (%s)", failed),
                              failed, list);
    }
  else
    g_string_append_printf (s, _(", none failed"));
  if (f->failures[AIOS_FAILURE_RETRYABLE_RECOVERED] > 0)
    g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, ", %u recovered on its own after a retry",
                                            ", %u recovered on their own after a retry",
                                            f->failures[AIOS_FAILURE_RETRYABLE_RECOVERED]),
                            f->failures[AIOS_FAILURE_RETRYABLE_RECOVERED]);
  if (decisions > 0)
    {
      g_autofree char *edits = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u edit", "%u edits", f->edits),
                                                f->edits);
      g_autofree char *rejections = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u rejection", "%u rejections",
                                                                  f->rejections), f->rejections);

      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, ", you decided %u approval", ", you decided %u approvals",
                                              decisions), decisions);
      /* TRANSLATORS: after "you decided 9 approvals": "(2 edits, 1 rejection)" */
      g_string_append_printf (s, _(" (%s, %s)"), edits, rejections);
    }
  if (other > 0)
    g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, ", and fixed things by hand %u time",
                                            ", and fixed things by hand %u times", other), other);
  if (decisions > 0)
    {
      g_autofree char *waited = aios_stats_format_duration (f->waiting_ms);

      g_string_append_printf (s, _("; items waited %s for you in total"), waited);
    }
  g_string_append_c (s, '.');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/**
 * aios_stats_describe_week:
 *
 * Returns: one sentence per flow of @week ("This week: 12 runs of
 *   lead-outreach, 2 failed (1 unknown outcome, 1 permanent), you decided 9
 *   approvals (2 edits, 1 rejection); items waited 3 h 10 min for you in
 *   total."), one a line, or a sentence saying nothing happened
 */
char *
aios_stats_describe_week (const AiosStats     *stats,
                          const AiosStatsWeek *week)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean this_week = stats->weeks->len > 0 && stats->weeks->pdata[stats->weeks->len - 1] == week;
  g_autofree char *when = this_week ? g_strdup_printf (_("This week (%s)"), week->label)
                                    : g_strdup_printf (_("Week %s"), week->label);

  if (week->flows->len == 0)
    {
      g_string_append_printf (out, _("%s: no runs and nothing for you to do."), when);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  for (guint i = 0; i < week->flows->len; i++)
    {
      const AiosStatsFlow *flow = week->flows->pdata[i];
      g_autofree char *sentence = flow_sentence (flow->flow_id, &flow->figures);

      if (i > 0)
        g_string_append_c (out, '\n');
      /* TRANSLATORS: "This week (2026-W49): 12 runs of lead-outreach, ..." */
      g_string_append_printf (out, _("%s: %s"), when, sentence);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
