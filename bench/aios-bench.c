/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator's benchmark (prints figures; never a test). On a file
 * database with the workspace's pragmas (WAL, synchronous=FULL):
 *
 *   1. the raw limit: plain durable single-row commits per second;
 *   2. 2000 runs x 3 steps, each step a durable journaled transition:
 *      steps/s, p50/p99 step latency, peak RSS, and the ratio to (1);
 *   3. 16 concurrent runs: group commit against one transaction per step;
 *   4. crash-resume: 1000 runs in flight in a child process, SIGKILL, and
 *      the time until the first step and all runs have resumed;
 *   5. opening the workspace (what every command pays) with 1k and 1M
 *      journal events side by side, and once after an unclean end (when the
 *      full integrity check runs);
 *   6. `aios stats` (the repair-cost meter, 4 weeks) on a journal of 1k and
 *      1M events of a used workspace: runs of 20 events each spread over
 *      two years (with their send step and its approval), every 10th with a
 *      retry, every 25th failed.
 *
 * Usage: aios-bench [--runs N] [--open-events N] [--only-open] [--only-stats] [--machine]
 *        (bench/run adds the LangGraph peer)
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "app/aios-workspace.h"
#include "control/aios-stats.h"
#include "store/aios-journal.h"

/* ---- a bench agent: answers at once, or never (until cancelled) ---- */

#define BENCH_TYPE_AGENT (bench_agent_get_type ())
G_DECLARE_FINAL_TYPE (BenchAgent, bench_agent, BENCH, AGENT, AiosAgent)

struct _BenchAgent
{
  AiosAgent parent_instance;
  gboolean  hang;
};

G_DEFINE_FINAL_TYPE (BenchAgent, bench_agent, AIOS_TYPE_AGENT)

static void
bench_agent_run_async (AiosAgent           *agent,
                       JsonObject          *context,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (agent, cancellable, callback, user_data);
  g_autoptr(JsonObject) out = json_object_new ();

  if (BENCH_AGENT (agent)->hang)
    {
      /* Held until the process is killed. */
      g_object_set_data_full (G_OBJECT (agent), g_strdup_printf ("t%p", task), task, g_object_unref);
      return;
    }
  json_object_set_boolean_member (out, "ok", TRUE);
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static JsonNode *
bench_agent_run_finish (AiosAgent     *agent,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
bench_agent_class_init (BenchAgentClass *klass)
{
  AIOS_AGENT_CLASS (klass)->run_async = bench_agent_run_async;
  AIOS_AGENT_CLASS (klass)->run_finish = bench_agent_run_finish;
}

static void
bench_agent_init (BenchAgent *self)
{
}

static AiosAgent *
bench_agent_new (gboolean hang)
{
  BenchAgent *agent = g_object_new (BENCH_TYPE_AGENT, "role", "bench", NULL);

  agent->hang = hang;
  return AIOS_AGENT (agent);
}

/* ---- helpers ---- */

static char *flows_dir;
static gboolean machine;

static const char flow3[] =
  "{\"id\":\"bench3\",\"title\":\"Bench\",\"steps\":["
  " {\"name\":\"a\",\"agent\":\"bench\"},"
  " {\"name\":\"b\",\"agent\":\"template\",\"config\":{\"template\":\"{{input.n}}-b\"}},"
  " {\"name\":\"c\",\"agent\":\"template\",\"config\":{\"template\":\"{{steps.b.text}}-c\"}}]}";

static void
write_flows (void)
{
  g_autoptr(GString) longer = g_string_new ("{\"id\":\"bench20\",\"title\":\"Bench 20\",\"steps\":[");
  g_autofree char *p3 = g_build_filename (flows_dir, "bench3.json", NULL);
  g_autofree char *p20 = g_build_filename (flows_dir, "bench20.json", NULL);

  for (guint i = 0; i < 20; i++)
    g_string_append_printf (longer, "%s{\"name\":\"s%u\",\"agent\":\"template\",\"config\":{\"template\":\"%u\"}}",
                            i ? "," : "", i, i);
  g_string_append (longer, "]}");
  g_mkdir_with_parents (flows_dir, 0700);
  g_file_set_contents (p3, flow3, -1, NULL);
  g_file_set_contents (p20, longer->str, -1, NULL);
}

static AiosWorkspace *
open_ws (const char *path,
         gboolean    hang)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosAgent) agent = bench_agent_new (hang);
  AiosWorkspace *ws = aios_workspace_open (path, &error);

  if (ws == NULL)
    g_error ("%s", error->message);
  aios_agent_registry_add (aios_workspace_get_agents (ws), agent);
  aios_flow_registry_set_user_dir (aios_workspace_get_flows (ws), flows_dir);
  return ws;
}

static void
submit_many (AiosWorkspace *ws,
             const char    *flow,
             guint          n)
{
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;

  /* One transaction for the set-up, so it does not count as workload. */
  aios_store_begin (store, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":%u}", i);
      g_autoptr(JsonNode) input = json_from_string (text, NULL);

      if (aios_coordinator_submit (aios_workspace_get_coordinator (ws), flow, input, "operator", &error) == 0)
        g_error ("%s", error->message);
    }
  if (!aios_store_commit (store, &error))
    g_error ("%s", error->message);
}

static gint64
count (AiosWorkspace *ws,
       const char    *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  sqlite3_prepare_v2 (aios_store_get_db (aios_workspace_get_store (ws)), sql, -1, &stmt, NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static GPtrArray *temp_dirs;

static char *
temp_path (const char *name)
{
  char *dir = g_dir_make_tmp ("aios-bench-XXXXXX", NULL);

  if (temp_dirs == NULL)
    temp_dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (temp_dirs, dir);
  return g_build_filename (dir, name, NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
remove_temp_dirs (void)
{
  for (guint i = 0; temp_dirs != NULL && i < temp_dirs->len; i++)
    remove_tree (g_ptr_array_index (temp_dirs, i));
  remove_tree (flows_dir);
}

/* ---- 1. the raw limit ---- */

static double
raw_limit (guint n)
{
  g_autofree char *path = temp_path ("raw.db");
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 t0;

  sqlite3_open (path, &db);
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO t (v) VALUES ('a single durable row')", -1, &stmt, NULL);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  {
    double s = (g_get_monotonic_time () - t0) / 1e6;
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return n / s;
  }
}

/* ---- 2. 2000 runs x 3 steps ---- */

typedef struct {
  GHashTable *last;        /* run → µs of its last durable step */
  GArray     *latencies;   /* µs, steps after the first of each run */
  guint       steps;
  gint64      first_at;
  GHashTable *resumed;     /* crash-resume: runs that finished a step */
} Watch;

static void
step_finished_cb (AiosCoordinator *coordinator,
                  gint64           run_id,
                  gint64           step_id,
                  const char      *status,
                  Watch           *w)
{
  gint64 now = g_get_monotonic_time ();
  gpointer prev = NULL;

  if (!g_str_equal (status, "succeeded"))
    return;
  w->steps++;
  if (w->first_at == 0)
    w->first_at = now;
  if (w->resumed != NULL)
    g_hash_table_add (w->resumed, GINT_TO_POINTER ((int) run_id));
  if (g_hash_table_lookup_extended (w->last, GINT_TO_POINTER ((int) run_id), NULL, &prev))
    {
      gint64 lat = now - GPOINTER_TO_SIZE (prev);
      g_array_append_val (w->latencies, lat);
    }
  g_hash_table_insert (w->last, GINT_TO_POINTER ((int) run_id), GSIZE_TO_POINTER ((gsize) now));
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_gint64);
  return g_array_index (values, gint64, MIN (values->len - 1, (guint) (p * values->len))) / 1000.0;
}

static void
watch_init (Watch *w)
{
  memset (w, 0, sizeof *w);
  w->last = g_hash_table_new (g_direct_hash, g_direct_equal);
  w->latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
watch_clear (Watch *w)
{
  g_hash_table_unref (w->last);
  g_array_unref (w->latencies);
  g_clear_pointer (&w->resumed, g_hash_table_unref);
}

/* Runs @n_runs of @flow to the end; returns steps/s. */
static double
run_workload (const char *flow,
              guint       n_runs,
              guint       steps_per_run,
              guint       max_batch,
              double     *p50,
              double     *p99)
{
  g_autofree char *path = temp_path ("ws.db");
  g_autoptr(AiosWorkspace) ws = open_ws (path, FALSE);
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (ws);
  g_autoptr(GError) error = NULL;
  Watch w;
  gint64 t0;
  double seconds;

  watch_init (&w);
  aios_coordinator_set_max_batch (coordinator, max_batch);
  submit_many (ws, flow, n_runs);
  g_signal_connect (coordinator, "step-finished", G_CALLBACK (step_finished_cb), &w);

  t0 = g_get_monotonic_time ();
  if (!aios_coordinator_start (coordinator, &error))
    g_error ("%s", error->message);
  while (w.steps < n_runs * steps_per_run)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - t0) / 1e6;

  if (count (ws, "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'") != n_runs ||
      count (ws, "SELECT COUNT(*) FROM events WHERE kind = 'step.succeeded'") != n_runs * steps_per_run)
    g_error ("the workload did not finish as it should");
  if (p50 != NULL)
    *p50 = percentile (w.latencies, 0.50);
  if (p99 != NULL)
    *p99 = percentile (w.latencies, 0.99);
  g_signal_handlers_disconnect_by_data (coordinator, &w);
  watch_clear (&w);
  return (n_runs * steps_per_run) / seconds;
}

/* ---- 4. crash-resume ---- */

static int
worker (const char *path,
        guint       n_runs)
{
  g_autoptr(AiosWorkspace) ws = open_ws (path, TRUE);
  g_autoptr(GError) error = NULL;

  if (!aios_coordinator_start (aios_workspace_get_coordinator (ws), &error))
    g_error ("%s", error->message);
  for (;;)
    {
      g_main_context_iteration (NULL, TRUE);
      if (count (ws, "SELECT COUNT(*) FROM steps WHERE status = 'running'") >= n_runs)
        break;
    }
  g_print ("READY\n");
  for (;;)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

static void
crash_resume (const char *self_exe,
              guint       n_runs,
              double     *first_ms,
              double     *all_ms)
{
  g_autofree char *path = temp_path ("ws.db");
  g_autofree char *n = g_strdup_printf ("%u", n_runs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  Watch w;
  gint64 t0;

  {
    g_autoptr(AiosWorkspace) ws = open_ws (path, FALSE);
    submit_many (ws, "bench3", n_runs);
  }

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--worker", path, n, NULL);
  if (child == NULL)
    g_error ("%s", error->message);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  if (g_strcmp0 (line, "READY") != 0)
    g_error ("the worker did not get %u runs in flight", n_runs);
  g_subprocess_send_signal (child, SIGKILL);
  g_subprocess_wait (child, NULL, NULL);

  /* Restart: open, recover, resume; the clock runs from opening the file. */
  watch_init (&w);
  w.resumed = g_hash_table_new (g_direct_hash, g_direct_equal);
  t0 = g_get_monotonic_time ();
  {
    g_autoptr(AiosWorkspace) ws = open_ws (path, FALSE);
    AiosCoordinator *coordinator = aios_workspace_get_coordinator (ws);

    g_signal_connect (coordinator, "step-finished", G_CALLBACK (step_finished_cb), &w);
    if (!aios_coordinator_start (coordinator, &error))
      g_error ("%s", error->message);
    while (g_hash_table_size (w.resumed) < n_runs)
      g_main_context_iteration (NULL, TRUE);
    *first_ms = (w.first_at - t0) / 1000.0;
    *all_ms = (g_get_monotonic_time () - t0) / 1000.0;
    if (count (ws, "SELECT COUNT(*) FROM events WHERE kind = 'step.interrupted'") != n_runs)
      g_error ("not every in-flight step was interrupted and resumed");
    g_signal_handlers_disconnect_by_data (coordinator, &w);
  }
  watch_clear (&w);
}

/* ---- 5. opening the workspace at 1k and 1M events ---- */

static char *
workspace_with_events (guint n_events)
{
  char *path = temp_path ("ws.db");
  g_autoptr(AiosWorkspace) ws = open_ws (path, FALSE);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "bench.filler",
                   .summary = (char *) "an event of the kind a long-used workspace holds" };

  for (guint done = 0; done < n_events; )
    {
      /* in transactions of 10k, so the set-up does not take long */
      if (!aios_store_begin (store, &error))
        g_error ("%s", error->message);
      for (guint i = 0; i < 10000 && done < n_events; i++, done++)
        if (aios_journal_append (store, &ev, &error) <= 0)
          g_error ("%s", error->message);
      if (!aios_store_commit (store, &error))
        g_error ("%s", error->message);
    }
  return path;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The median of @times opens and closes, in ms. */
static double
time_open (const char *path,
           guint       times)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < times; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      AiosWorkspace *ws = aios_workspace_open (path, &error);
      double took;

      if (ws == NULL)
        g_error ("%s", error->message);
      g_object_unref (ws);
      took = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (ms, took);
    }
  g_array_sort (ms, compare_double);
  return g_array_index (ms, double, ms->len / 2);
}

static void
open_scaling (guint   big,
              double *small_ms,
              double *big_ms,
              double *unclean_ms)
{
  g_autofree char *small_path = workspace_with_events (1000);
  g_autofree char *big_path = workspace_with_events (big);
  g_autofree char *marker = g_strconcat (big_path, "-open", NULL);

  time_open (small_path, 3);   /* warm the page cache for both */
  time_open (big_path, 3);
  *small_ms = time_open (small_path, 21);
  *big_ms = time_open (big_path, 21);

  /* What a process that was killed leaves behind: the next open checks. */
  if (!g_file_set_contents (marker, "", 0, NULL))
    g_error ("could not write %s", marker);
  *unclean_ms = time_open (big_path, 1);
}

/* ---- 6. aios stats at 1k and 1M events ---- */

#define EVENTS_PER_RUN 20

static char *
workspace_with_history (guint n_events)
{
  static const char *const kinds[EVENTS_PER_RUN] = {
    "run.created", "step.started", "step.succeeded", "step.started", "step.succeeded", "step.started",
    "step.succeeded", "step.started", "step.succeeded", "approval.requested", "approval.approved",
    "outbox.prepared", "outbox.sending", "outbox.sent", "step.succeeded", "step.started", "step.succeeded",
    "step.started", "step.succeeded", "run.succeeded",
  };
  char *path = temp_path ("ws.db");
  g_autoptr(AiosWorkspace) ws = open_ws (path, FALSE);
  AiosStore *store = aios_workspace_get_store (ws);
  sqlite3 *db = aios_store_get_db (store);
  g_autoptr(GError) error = NULL;
  guint n_runs = MAX (n_events / EVENTS_PER_RUN, 1);
  gint64 now = aios_store_now_ms (), span = (gint64) 2 * 365 * 24 * 3600 * 1000;
  sqlite3_stmt *run_stmt = NULL, *step_stmt = NULL, *approval_stmt = NULL;
  guint done = 0;

  sqlite3_prepare_v2 (db, "INSERT INTO runs (id, flow_id, flow_version, status, input_json, created_at, updated_at) "
                          "VALUES (?, ?, 1, 'succeeded', '{}', ?, ?)", -1, &run_stmt, NULL);
  /* each run's send step and its approval, decided a minute later */
  sqlite3_prepare_v2 (db, "INSERT INTO steps (id, run_id, idx, name, agent, status) "
                          "VALUES (?1, ?1, 0, 'send', 'template', 'succeeded')", -1, &step_stmt, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO approvals (run_id, step_id, action_kind, preview_json, status, decided_at, "
                          "decided_by, created_at, expires_at) "
                          "VALUES (?1, ?1, 'email', '{}', 'approved', ?2 + 60000, 'operator', ?2, ?2 + 259200000)",
                      -1, &approval_stmt, NULL);
  for (guint r = 1; done < n_events; r++)
    {
      gint64 ts = now - span + span * (gint64) r / n_runs;

      if (done % 10000 < EVENTS_PER_RUN && !aios_store_begin (store, &error))
        g_error ("%s", error->message);
      sqlite3_bind_int64 (run_stmt, 1, r);
      sqlite3_bind_text (run_stmt, 2, r % 3 == 0 ? "content" : "lead-outreach", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (run_stmt, 3, ts);
      sqlite3_bind_int64 (run_stmt, 4, ts);
      if (sqlite3_step (run_stmt) != SQLITE_DONE)
        g_error ("%s", sqlite3_errmsg (db));
      sqlite3_reset (run_stmt);
      sqlite3_bind_int64 (step_stmt, 1, r);
      sqlite3_bind_int64 (approval_stmt, 1, r);
      sqlite3_bind_int64 (approval_stmt, 2, ts);
      if (sqlite3_step (step_stmt) != SQLITE_DONE || sqlite3_step (approval_stmt) != SQLITE_DONE)
        g_error ("%s", sqlite3_errmsg (db));
      sqlite3_reset (step_stmt);
      sqlite3_reset (approval_stmt);
      for (guint e = 0; e < EVENTS_PER_RUN && done < n_events; e++, done++)
        {
          AiosEvent ev = { .ts = ts + e, .run_id = r, .step_id = r, .actor = (char *) "system",
                           .kind = (char *) kinds[e], .summary = (char *) "an event of a run" };

          if (e == 12 && r % 10 == 0)
            ev.kind = (char *) "step.retry-scheduled";
          if (e == 18 && r % 25 == 0)
            {
              ev.kind = (char *) "step.failed";
              ev.payload_json = (char *) "{\"attempt\":1,\"retryable\":false}";
            }
          if (aios_journal_append (store, &ev, &error) <= 0)
            g_error ("%s", error->message);
        }
      if ((done % 10000 < EVENTS_PER_RUN || done >= n_events) && !aios_store_commit (store, &error))
        g_error ("%s", error->message);
    }
  sqlite3_finalize (run_stmt);
  sqlite3_finalize (step_stmt);
  sqlite3_finalize (approval_stmt);
  return path;
}

/* The median of @times computations of the meter, in ms. */
static double
time_stats (const char *path,
            guint       times,
            guint      *runs)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);

  if (ws == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < times; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(AiosStats) stats = aios_stats_compute (aios_workspace_get_store (ws), 4, aios_store_now_ms (), &error);
      double took;

      if (stats == NULL)
        g_error ("%s", error->message);
      took = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (ms, took);
      *runs = stats->total.runs;
    }
  g_array_sort (ms, compare_double);
  return g_array_index (ms, double, ms->len / 2);
}

static void
stats_scaling (guint big)
{
  g_autofree char *small_path = workspace_with_history (1000);
  g_autofree char *big_path = workspace_with_history (big);
  guint small_runs = 0, big_runs = 0;
  double small_ms, big_ms;

  time_stats (small_path, 3, &small_runs);
  time_stats (big_path, 3, &big_runs);
  small_ms = time_stats (small_path, 11, &small_runs);
  big_ms = time_stats (big_path, 11, &big_runs);
  g_print ("aios stats           1k events %.2f ms (%u runs in 4 weeks), %uk events %.2f ms (%u runs in 4 weeks); "
           "budget 50 ms (median of 11)\n", small_ms, small_runs, big / 1000, big_ms, big_runs);
}

int
main (int   argc,
      char *argv[])
{
  guint n_runs = 2000, open_events = 1000000;
  gboolean only_open = FALSE, only_stats = FALSE;
  double open_small, open_big, open_unclean;
  double raw, steps_s, p50 = 0, p99 = 0, p50_16 = 0, p99_16 = 0, single_all, group, single, first_ms, all_ms;
  struct rusage usage;

  flows_dir = g_build_filename (g_get_tmp_dir (), "aios-bench-flows", NULL);
  write_flows ();

  if (argc == 4 && g_str_equal (argv[1], "--worker"))
    return worker (argv[2], atoi (argv[3]));
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--runs") && i + 1 < argc)
        n_runs = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--open-events") && i + 1 < argc)
        open_events = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--only-open"))
        only_open = TRUE;
      else if (g_str_equal (argv[i], "--only-stats"))
        only_stats = TRUE;
      else if (g_str_equal (argv[i], "--machine"))
        machine = TRUE;
    }

  if (only_stats)
    {
      stats_scaling (open_events);
      remove_temp_dirs ();
      return 0;
    }
  if (only_open)
    {
      open_scaling (open_events, &open_small, &open_big, &open_unclean);
      g_print ("workspace open       1k events %.2f ms, %uk events %.2f ms = %.2f x (target <= 1.2 x; median of 21); "
               "after an unclean end (full check) %.1f ms\n",
               open_small, open_events / 1000, open_big, open_big / open_small, open_unclean);
      remove_temp_dirs ();
      return 0;
    }

  g_print ("Aios coordinator benchmark: file database, WAL, synchronous=FULL (as the workspace)\n");
  raw = raw_limit (3000);
  g_print ("raw limit            %8.0f single-row durable commits/s\n", raw);

  steps_s = run_workload ("bench3", n_runs, 3, 128, &p50, &p99);
  getrusage (RUSAGE_SELF, &usage);
  g_print ("coordinator          %8.0f steps/s  (%u runs x 3 steps, group commit)  = %.2f x the raw limit\n",
           steps_s, n_runs, steps_s / raw);
  g_print ("step latency         p50 %.2f ms, p99 %.2f ms (due -> durable, steps 2-3 of each run)\n", p50, p99);
  g_print ("peak RSS             %.1f MiB\n", usage.ru_maxrss / 1024.0);

  single_all = run_workload ("bench3", n_runs, 3, 1, NULL, NULL);
  g_print ("  same, one transaction per step %.0f steps/s (= %.2f x the raw limit)\n", single_all, single_all / raw);

  group = run_workload ("bench20", 16, 20, 128, &p50_16, &p99_16);
  single = run_workload ("bench20", 16, 20, 1, NULL, NULL);
  g_print ("16 concurrent runs   group commit %.0f steps/s, one transaction per step %.0f steps/s (%.2f x); "
           "group commit latency p50 %.2f ms, p99 %.2f ms\n",
           group, single, group / single, p50_16, p99_16);

  crash_resume (argv[0], 1000, &first_ms, &all_ms);
  g_print ("crash-resume         1000 in-flight runs after SIGKILL: first step %.1f ms, all resumed %.1f ms "
           "(from opening the workspace)\n", first_ms, all_ms);

  open_scaling (open_events, &open_small, &open_big, &open_unclean);
  g_print ("workspace open       1k events %.2f ms, %uk events %.2f ms = %.2f x (target <= 1.2 x; median of 21); "
           "after an unclean end (full check) %.1f ms\n",
           open_small, open_events / 1000, open_big, open_big / open_small, open_unclean);

  stats_scaling (open_events);

  remove_temp_dirs ();
  if (machine)
    g_print ("MACHINE raw=%.0f steps=%.0f single_all=%.0f p50=%.3f p99=%.3f rss_kib=%ld group=%.0f single=%.0f first_ms=%.1f all_ms=%.1f"
             " open_small_ms=%.2f open_big_ms=%.2f\n",
             raw, steps_s, single_all, p50, p99, usage.ru_maxrss, group, single, first_ms, all_ms,
             open_small, open_big);
  return 0;
}
