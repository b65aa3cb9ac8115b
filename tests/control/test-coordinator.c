/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator on real workspace files: the runs/steps state machine and
 * its journal, retries with backoff, permanent errors parked for the
 * operator, persisted retry timers, recovery of interrupted steps,
 * cancellation, one active coordinator per workspace, group commit, and the
 * command line as a real process.
 */
#include "config.h"

#include <string.h>

#include "control-test-util.h"
#include "control/aios-run-info.h"
#include "cli/aios-cli.h"
#include "store/aios-journal.h"

typedef struct {
  char          *dir;
  char          *flows_dir;
  char          *path;
  AiosWorkspace *ws;
} Fixture;

static const char chain_flow[] =
  "{\"id\":\"chain\",\"title\":\"Chain\",\"steps\":["
  " {\"name\":\"one\",\"agent\":\"test\",\"config\":{\"echo\":\"{{input.word}}\",\"counter\":\"one\"}},"
  " {\"name\":\"two\",\"agent\":\"template\",\"config\":{\"template\":\"{{steps.one.echo}}-two\"}},"
  " {\"name\":\"three\",\"agent\":\"test\",\"config\":{\"echo\":\"{{steps.two.text}}\",\"counter\":\"three\"}}]}";

static const char flaky_flow[] =
  "{\"id\":\"flaky\",\"title\":\"Flaky\",\"steps\":["
  " {\"name\":\"try\",\"agent\":\"test\",\"retry\":{\"max_attempts\":3,\"initial_delay_ms\":10,\"max_delay_ms\":40},"
  "  \"config\":{\"fail_times\":\"{{input.fail}}\",\"code\":\"{{input.code}}\",\"counter\":\"{{input.counter}}\"}}]}";

static const char slow_flow[] =
  "{\"id\":\"slow\",\"title\":\"Slow\",\"steps\":["
  " {\"name\":\"wait\",\"agent\":\"test\",\"config\":{\"delay_ms\":\"{{input.delay}}\",\"counter\":\"slow\"}},"
  " {\"name\":\"after\",\"agent\":\"template\",\"config\":{\"template\":\"done\"}}]}";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  test_agent_reset ();
  f->dir = test_temp_dir ();
  f->flows_dir = g_build_filename (f->dir, "flows", NULL);
  f->path = g_build_filename (f->dir, "ws.db", NULL);
  test_write_file (f->flows_dir, "chain.json", chain_flow);
  test_write_file (f->flows_dir, "flaky.json", flaky_flow);
  test_write_file (f->flows_dir, "slow.json", slow_flow);
  f->ws = test_open_workspace (f->path, f->flows_dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->ws);
  g_free (f->dir);
  g_free (f->flows_dir);
  g_free (f->path);
}

static gint64
submit (Fixture    *f,
        const char *flow,
        const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = input ? test_json (input) : NULL;
  gint64 id = aios_coordinator_submit (aios_workspace_get_coordinator (f->ws), flow, node, "operator", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_coordinator_start (aios_workspace_get_coordinator (f->ws), &error));
  g_assert_no_error (error);
}

static char *
run_status (Fixture *f,
            gint64   run)
{
  return test_query_text (aios_workspace_get_store (f->ws), "SELECT status FROM runs WHERE id = ?", run);
}

static char *
journal_kinds (Fixture *f,
               gint64   run)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autoptr(GPtrArray) events = aios_journal_list (store, run, 0, 0, NULL);
  g_autoptr(GString) kinds = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    g_string_append_printf (kinds, "%s%s", i ? " " : "", ((AiosEvent *) events->pdata[i])->kind);
  return g_string_free (g_steal_pointer (&kinds), FALSE);
}

static void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autofree char *status = NULL;
  g_autofree char *output = NULL;
  g_autofree char *kinds = NULL;
  gint64 run;

  run = submit (f, "chain", "{\"word\":\"alpha\"}");
  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "queued");
  g_clear_pointer (&status, g_free);

  start (f);
  test_settle (f->ws);

  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "succeeded");
  output = test_query_text (store, "SELECT output_json FROM steps WHERE run_id = ? AND idx = 2", run);
  g_assert_cmpstr (output, ==, "{\"ok\":true,\"attempt\":1,\"echo\":\"alpha-two\"}");
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM steps WHERE run_id = ? AND status = 'succeeded'", run),
                   ==, 3);
  kinds = journal_kinds (f, run);
  g_assert_cmpstr (kinds, ==,
                   "run.created run.running step.started step.succeeded step.started step.succeeded "
                   "step.started step.succeeded run.succeeded");
}

static void
test_retry_backoff (Fixture       *f,
                    gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autofree char *status = NULL;
  g_autofree char *kinds = NULL;
  gint64 run, first_retry_ts, second_start_ts;

  run = submit (f, "flaky", "{\"fail\":2,\"code\":\"retryable\",\"counter\":\"r1\"}");
  start (f);
  /* Settling does not wait for timers in the future: wait for the run. */
  for (guint i = 0; i < 200; i++)
    {
      g_free (status);
      status = run_status (f, run);
      if (g_str_equal (status, "succeeded"))
        break;
      test_wait_ms (10);
    }
  g_assert_cmpstr (status, ==, "succeeded");
  g_assert_cmpuint (test_agent_calls ("r1"), ==, 3);
  g_assert_cmpint (test_query_int (store, "SELECT attempt FROM steps WHERE run_id = ?", run), ==, 3);
  g_assert_cmpint (test_query_int (store, "SELECT next_attempt_at IS NULL FROM steps WHERE run_id = ?", run), ==, 1);
  kinds = journal_kinds (f, run);
  g_assert_cmpstr (kinds, ==,
                   "run.created run.running step.started step.retry-scheduled run.waiting "
                   "run.running step.started step.retry-scheduled run.waiting "
                   "run.running step.started step.succeeded run.succeeded");

  /* The delay respected the backoff (at least half the 10 ms base), and the
   * step did not start again before its next attempt was due. (The event's
   * own ts is stamped at the group commit, after the delay was chosen, so
   * the two timestamps alone undercount it under load.) */
  first_retry_ts = test_query_int (store, "SELECT json_extract (payload_json, '$.delay_ms') FROM events "
                                   "WHERE run_id = ? AND kind = 'step.retry-scheduled' ORDER BY id LIMIT 1", run);
  g_assert_cmpint (first_retry_ts, >=, 5);
  first_retry_ts = test_query_int (store, "SELECT json_extract (payload_json, '$.next_attempt_at') FROM events "
                                   "WHERE run_id = ? AND kind = 'step.retry-scheduled' ORDER BY id LIMIT 1", run);
  second_start_ts = test_query_int (store, "SELECT ts FROM events WHERE run_id = ? AND kind = 'step.started' "
                                    "ORDER BY id LIMIT 1 OFFSET 1", run);
  /* 1 ms for the wall clock read after the monotonic timer fired */
  g_assert_cmpint (second_start_ts, >=, first_retry_ts - 1);
}

static void
test_exhausted (Fixture       *f,
                gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autoptr(AiosRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  gint64 run;

  run = submit (f, "flaky", "{\"fail\":10,\"code\":\"retryable\",\"counter\":\"r2\"}");
  start (f);
  for (guint i = 0; i < 200 && test_agent_calls ("r2") < 3; i++)
    test_wait_ms (10);
  test_settle (f->ws);

  info = aios_run_info_get (store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (info->attention);
  g_assert_nonnull (strstr (info->attention, "Step “try” failed 3 times; the last error: test agent failure 3"));
  g_assert_cmpuint (test_agent_calls ("r2"), ==, 3);
}

static void
test_permanent (Fixture       *f,
                gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autoptr(AiosRunInfo) info = NULL;
  g_autofree char *kinds = NULL;
  gint64 run;

  run = submit (f, "flaky", "{\"fail\":1,\"code\":\"permanent\",\"counter\":\"p\"}");
  start (f);
  test_settle (f->ws);

  info = aios_run_info_get (store, run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_cmpstr (info->attention, ==, "Step “try” failed: test agent failure 1 (permanent)");
  g_assert_cmpuint (test_agent_calls ("p"), ==, 1);
  kinds = journal_kinds (f, run);
  g_assert_cmpstr (kinds, ==, "run.created run.running step.started step.failed run.failed");
}

static void
test_timer_survives_restart (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *status = NULL;
  gint64 run, next_at;

  test_write_file (f->flows_dir, "later.json",
                   "{\"id\":\"later\",\"title\":\"Later\",\"steps\":[{\"name\":\"try\",\"agent\":\"test\","
                   "\"retry\":{\"max_attempts\":2,\"initial_delay_ms\":600,\"max_delay_ms\":600},"
                   "\"config\":{\"fail_times\":1,\"counter\":\"later\"}}]}");
  run = submit (f, "later", NULL);
  start (f);
  test_settle (f->ws);   /* the retry is due later: settled now */

  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "waiting");
  next_at = test_query_int (aios_workspace_get_store (f->ws), "SELECT next_attempt_at FROM steps WHERE run_id = ?", run);
  g_assert_cmpint (next_at, >, aios_store_now_ms ());

  /* Stop (the process "exits"), then start again with a new workspace. */
  g_clear_object (&f->ws);
  f->ws = test_open_workspace (f->path, f->flows_dir);
  start (f);
  while (aios_store_now_ms () <= next_at + 50)
    test_wait_ms (20);
  test_settle (f->ws);

  g_clear_pointer (&status, g_free);
  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "succeeded");
  g_assert_cmpuint (test_agent_calls ("later"), ==, 2);
  g_assert_cmpint (test_query_int (aios_workspace_get_store (f->ws),
                                   "SELECT MIN(ts) FROM events WHERE run_id = ? AND kind = 'step.succeeded'", run),
                   >=, next_at);
}

static void
test_resume_interrupted (Fixture       *f,
                         gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autofree char *status = NULL;
  g_autofree char *kinds = NULL;
  gint64 run;

  run = submit (f, "slow", "{\"delay\":5000}");
  start (f);
  /* Let the slow step start, then stop mid-attempt. */
  while (test_query_int (store, "SELECT COUNT(*) FROM steps WHERE run_id = ? AND status = 'running'", run) == 0)
    test_wait_ms (5);
  g_clear_object (&f->ws);

  f->ws = test_open_workspace (f->path, f->flows_dir);
  store = aios_workspace_get_store (f->ws);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM steps WHERE run_id = ? AND status = 'running'", run),
                   ==, 1);
  /* The next attempt is quick. */
  g_assert_true (aios_store_exec (store, "UPDATE runs SET input_json = '{\"delay\":1}'", NULL));
  start (f);
  test_settle (f->ws);

  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "succeeded");
  kinds = journal_kinds (f, run);
  g_assert_cmpstr (kinds, ==,
                   "run.created run.running step.started step.interrupted step.started step.succeeded "
                   "step.started step.succeeded run.succeeded");
  /* The finished step is not run again. */
  g_assert_cmpint (test_query_int (store, "SELECT attempt FROM steps WHERE run_id = ? AND idx = 1", run), ==, 1);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (f->ws);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 run;

  run = submit (f, "slow", "{\"delay\":300}");
  start (f);
  while (test_query_int (store, "SELECT COUNT(*) FROM steps WHERE run_id = ? AND status = 'running'", run) == 0)
    test_wait_ms (5);
  g_assert_true (aios_coordinator_cancel (coordinator, run, "operator", &error));
  g_assert_no_error (error);
  test_settle (f->ws);
  test_wait_ms (400);
  test_settle (f->ws);

  status = run_status (f, run);
  g_assert_cmpstr (status, ==, "cancelled");
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM steps WHERE run_id = ?", run), ==, 1);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'step.succeeded'",
                                   run), ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'run.cancelled'",
                                   run), ==, 1);

  /* Cancelling again says why not. */
  g_assert_false (aios_coordinator_cancel (coordinator, run, "operator", &error));
  g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE);
}

static void
test_one_coordinator (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(AiosWorkspace) other = test_open_workspace (f->path, f->flows_dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 run;

  start (f);
  g_assert_false (aios_coordinator_start (aios_workspace_get_coordinator (other), &error));
  g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_LOCKED);
  g_clear_error (&error);

  /* A run written by the other connection is noticed and carried on. */
  run = aios_coordinator_submit (aios_workspace_get_coordinator (other), "chain", test_json ("{\"word\":\"w\"}"),
                                 "operator", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 300; i++)
    {
      g_free (status);
      status = run_status (f, run);
      if (g_str_equal (status, "succeeded"))
        break;
      test_wait_ms (10);
    }
  g_assert_cmpstr (status, ==, "succeeded");
}

static void
count_commit (AiosStore *store,
              guint     *commits)
{
  (*commits)++;
}

static guint
run_batch (Fixture *f,
           guint    max_batch,
           guint    n_runs)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  guint commits = 0;
  gulong handler;

  aios_coordinator_set_max_batch (aios_workspace_get_coordinator (f->ws), max_batch);
  for (guint i = 0; i < n_runs; i++)
    submit (f, "chain", "{\"word\":\"g\"}");
  handler = g_signal_connect (store, "committed", G_CALLBACK (count_commit), &commits);
  start (f);
  test_settle (f->ws);
  g_signal_handler_disconnect (store, handler);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'", 0), ==, n_runs);
  return commits;
}

static void
test_group_commit (Fixture       *f,
                   gconstpointer  data)
{
  guint commits = run_batch (f, 128, 16);

  /* 16 runs x 3 steps: a handful of shared transactions, not 48. */
  g_assert_cmpuint (commits, <=, 12);
}

static void
test_one_transaction_per_step (Fixture       *f,
                               gconstpointer  data)
{
  guint commits = run_batch (f, 1, 16);

  g_assert_cmpuint (commits, >=, 48);
}

static void
test_cli_process (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
  g_autofree char *input = g_build_filename (f->dir, "input.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) runs = NULL;
  int status = 0;
  const char *argv_submit[] = { aios, "--workspace", f->path, "submit", "greeting", "--input", input, "--json", NULL };
  const char *argv_runs[] = { aios, "--workspace", f->path, "runs", "--json", NULL };
  const char *argv_bad[] = { aios, "--workspace", f->path, "submit", "greeting", NULL };
  const char *argv_cancel[] = { aios, "--workspace", f->path, "cancel", "1", NULL };
  JsonObject *run;

  g_clear_object (&f->ws);
  test_write_file (f->dir, "input.json", "{\"name\":\"Dana\"}");

  g_assert_true (g_spawn_sync (NULL, (char **) argv_submit, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, "{\"run_id\": 1}\n");
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The one-shot process carried its run to the end before exiting. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv_runs, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  runs = test_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (runs)), ==, 1);
  run = json_array_get_object_element (json_node_get_array (runs), 0);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (run, "flow"), ==, "greeting");
  g_assert_false (json_object_get_boolean_member (run, "needs_attention"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A missing required input: one clear line, exit 1, nothing created. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv_bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "aios: The input of flow “greeting” needs “name” ($.name is missing)\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_spawn_sync (NULL, (char **) argv_cancel, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "aios: Run 1 has already succeeded\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/coordinator/chain", test_chain);
  ADD ("/coordinator/retry-backoff", test_retry_backoff);
  ADD ("/coordinator/exhausted", test_exhausted);
  ADD ("/coordinator/permanent", test_permanent);
  ADD ("/coordinator/timer-survives-restart", test_timer_survives_restart);
  ADD ("/coordinator/resume-interrupted", test_resume_interrupted);
  ADD ("/coordinator/cancel", test_cancel);
  ADD ("/coordinator/one-coordinator", test_one_coordinator);
  ADD ("/coordinator/group-commit", test_group_commit);
  ADD ("/coordinator/one-transaction-per-step", test_one_transaction_per_step);
  ADD ("/coordinator/cli-process", test_cli_process);
#undef ADD
  return g_test_run ();
}
