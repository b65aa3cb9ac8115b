/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Crash recovery with real processes: `aios --headless` works through a
 * few hundred runs (each ending in an outward webhook action) and is
 * SIGKILLed at random moments, many times; between kills the operator
 * approves what waits. Afterwards every run has finished, the journal has
 * no gaps and no duplicate transitions, the webhook receiver never saw an
 * idempotency key twice, and nothing reached it without an approval or an
 * allow rule.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <signal.h>
#include <string.h>

#include "control-test-util.h"
#include "control/aios-approvals.h"

#define N_RUNS     500
#define N_KILLS    14

static const char crash_flow[] =
  "{\"id\":\"crash\",\"title\":\"Crash\",\"steps\":["
  " {\"name\":\"score\",\"agent\":\"rules\",\"config\":{\"threshold\":50,\"rules\":"
  "   [{\"field\":\"input.amount\",\"op\":\"lt\",\"value\":50,\"score\":60,\"reason\":\"small\"}]}},"
  " {\"name\":\"draft\",\"agent\":\"template\",\"config\":{\"template\":{\"text\":\"Invoice {{input.n}} for {{input.amount}}\"}}},"
  " {\"name\":\"send\",\"agent\":\"template\",\"config\":{\"template\":{\"ok\":true}},\"checkpoint\":\"policy\","
  "  \"retry\":{\"max_attempts\":5,\"initial_delay_ms\":50,\"max_delay_ms\":200},"
  "  \"action\":{\"connector\":\"webhook\",\"request\":{\"event\":\"crash.test\",\"body\":{\"n\":\"{{input.n}}\","
  "   \"amount\":\"{{input.amount}}\",\"text\":\"{{steps.draft.text}}\"}}}}]}";

typedef struct {
  char *config_home;
  char *flows_dir;
  char *path;
} Env;

static GSubprocess *
spawn_headless (Env *env)
{
  g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
  /* stderr stays: a child's warning or crash report ends up in the test log. */
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", env->config_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  g_subprocess_launcher_setenv (launcher, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, aios, "--headless", "--workspace", env->path, NULL);
  g_assert_no_error (error);
  return child;
}

/* Waits until @child holds the workspace's coordinator lock: it has
 * started for real (a fixed sleep is too short on a loaded machine or
 * under AddressSanitizer, and a SIGTERM before the handler kills it). */
static void
wait_for_coordinator (Env         *env,
                      GSubprocess *child)
{
  g_autofree char *lock = g_strconcat (env->path, ".coordinator.lock", NULL);

  for (guint i = 0; i < 1000 && g_subprocess_get_identifier (child) != NULL; i++)
    {
      int fd = open (lock, O_RDWR | O_CLOEXEC);
      gboolean held = fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) != 0;

      if (fd >= 0)
        close (fd);   /* also drops our lock, if we got it */
      if (held)
        return;
      g_usleep (20 * 1000);
    }
  g_error ("the headless process did not take the coordinator lock within 20 s");
}

static AiosWorkspace *
open_ws (Env *env)
{
  return test_open_workspace (env->path, env->flows_dir);
}

/* The operator, between crashes: approves whatever waits. */
static guint
approve_pending (Env *env)
{
  g_autoptr(AiosWorkspace) ws = open_ws (env);
  g_autoptr(GPtrArray) pending = aios_approval_info_list (aios_workspace_get_store (ws), TRUE, 0, 0, NULL);
  guint approved = 0;

  for (guint i = 0; i < pending->len; i++)
    {
      AiosApprovalInfo *info = g_ptr_array_index (pending, i);
      g_autoptr(GError) error = NULL;

      if (aios_coordinator_approve (aios_workspace_get_coordinator (ws), info->id, NULL, "operator", "ok", &error))
        approved++;
      else
        g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE);
    }
  return approved;
}

static gint64
open_runs (Env *env)
{
  g_autoptr(AiosWorkspace) ws = open_ws (env);

  return test_query_int (aios_workspace_get_store (ws),
                         "SELECT COUNT(*) FROM runs WHERE status IN ('queued','running','waiting')", 0);
}

static void
check_journal (AiosStore *store)
{
  /* No gaps: the append-only journal's ids are dense. */
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM events", 0), ==,
                   test_query_int (store, "SELECT MAX(id) FROM events", 0));

  /* No duplicate transitions. */
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM (SELECT step_id, json_extract (payload_json, '$.attempt') a "
                                   "FROM events WHERE kind = 'step.started' GROUP BY step_id, a HAVING COUNT(*) > 1)", 0),
                   ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM (SELECT step_id FROM events WHERE kind = 'step.succeeded' "
                                   "GROUP BY step_id HAVING COUNT(*) > 1)", 0), ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM (SELECT run_id FROM events WHERE kind IN "
                                   "('run.succeeded','run.failed','run.cancelled') GROUP BY run_id HAVING COUNT(*) != 1)", 0),
                   ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(DISTINCT run_id) FROM events WHERE kind IN "
                                   "('run.succeeded','run.failed','run.cancelled')", 0), ==, N_RUNS);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM (SELECT run_id FROM events WHERE kind = 'run.created' "
                                   "GROUP BY run_id HAVING COUNT(*) != 1)", 0), ==, 0);

  /* Every run's state is the last state its journal says. */
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM runs r WHERE 'run.' || r.status != "
                                   "(SELECT kind FROM events e WHERE e.run_id = r.id AND kind IN ('run.running','run.waiting',"
                                   "'run.succeeded','run.failed','run.cancelled') ORDER BY id DESC LIMIT 1)", 0), ==, 0);
  /* Every finished step's success is journaled once, every step row has its start. */
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM steps s WHERE s.status = 'succeeded' AND NOT EXISTS "
                                   "(SELECT 1 FROM events e WHERE e.step_id = s.id AND e.kind = 'step.succeeded')", 0), ==, 0);
}

static void
check_wire (AiosStore *store,
            TestPeer  *peer)
{
  g_autoptr(JsonObject) stats = test_peer_stats (peer);
  JsonObject *keys = json_object_get_object_member (stats, "keys");
  JsonObjectIter iter;
  const char *key;
  JsonNode *count;
  gint64 sent = test_query_int (store, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 0);
  gint64 unknown = test_query_int (store, "SELECT COUNT(*) FROM outbox WHERE status = 'unknown'", 0);

  g_assert_cmpint (json_object_get_int_member (stats, "without_key"), ==, 0);
  json_object_iter_init (&iter, keys);
  while (json_object_iter_next (&iter, &key, &count))
    {
      sqlite3_stmt *stmt = NULL;
      gboolean allowed = FALSE;

      /* Never the same action twice. */
      g_assert_cmpint (json_node_get_int (count), ==, 1);

      /* Only with an approval or an allow rule. */
      g_assert_cmpint (sqlite3_prepare_v2 (aios_store_get_db (store),
                                           "SELECT o.policy_rule, a.status, json_extract (o.request_json, '$.body.amount') "
                                           "FROM outbox o LEFT JOIN approvals a ON a.id = o.approval_id "
                                           "WHERE o.idempotency_key = ?", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      if (sqlite3_column_text (stmt, 0) != NULL)
        allowed = g_str_equal ((const char *) sqlite3_column_text (stmt, 0), "small") &&
                  sqlite3_column_int64 (stmt, 2) < 50;
      else
        allowed = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "approved") == 0;
      sqlite3_finalize (stmt);
      g_assert_true (allowed);
    }
  /* Every sent item arrived; an unknown one arrived at most once. */
  g_assert_cmpint (json_object_get_size (keys), >=, sent);
  g_assert_cmpint (json_object_get_size (keys), <=, sent + unknown);
}

static void
test_crash_many (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = NULL;
  g_autoptr(GSubprocess) last = NULL;
  g_autoptr(JsonNode) rule = test_json ("[{\"field\":\"body.amount\",\"op\":\"lt\",\"value\":50}]");
  TestPeer *peer = test_peer_start ();
  Env env;
  gint64 succeeded, unknown;

  env.config_home = g_build_filename (dir, "config", NULL);
  env.flows_dir = g_build_filename (env.config_home, "aios", "flows", NULL);
  env.path = g_build_filename (dir, "ws.db", NULL);
  test_write_file (env.flows_dir, "crash.json", crash_flow);

  ws = open_ws (&env);
  url = test_peer_url (peer, "ok");
  g_assert_true (aios_config_set (aios_workspace_get_config (ws), "webhook.url", url, "operator", &error));
  g_assert_cmpint (aios_policy_add_rule (aios_coordinator_get_policy (aios_workspace_get_coordinator (ws)), "small",
                                         "webhook", TRUE, json_node_get_array (rule), NULL, "operator", &error), >, 0);
  for (guint i = 0; i < N_RUNS; i++)
    {
      g_autofree char *input = g_strdup_printf ("{\"n\":%u,\"amount\":%u}", i, i % 2 ? 100 : 10);
      g_autoptr(JsonNode) node = test_json (input);

      g_assert_cmpint (aios_coordinator_submit (aios_workspace_get_coordinator (ws), "crash", node, "operator",
                                                &error), >, 0);
      g_assert_no_error (error);
    }
  g_clear_object (&ws);

  for (guint k = 0; k < N_KILLS; k++)
    {
      g_autoptr(GSubprocess) child = spawn_headless (&env);

      g_usleep (g_random_int_range (5, 200) * 1000);
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, NULL);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
      approve_pending (&env);
    }

  /* A last start carries everything to the end. */
  last = spawn_headless (&env);
  wait_for_coordinator (&env, last);   /* then its SIGTERM handler is installed too */
  for (guint i = 0; i < 2400 && open_runs (&env) > 0 && g_subprocess_get_identifier (last) != NULL; i++)
    {
      approve_pending (&env);
      g_usleep (50 * 1000);
    }
  if (g_subprocess_get_identifier (last) == NULL)
    {
      g_subprocess_wait (last, NULL, NULL);
      g_error ("the last headless process died early (%s %d)",
               g_subprocess_get_if_signaled (last) ? "signal" : "exit status",
               g_subprocess_get_if_signaled (last) ? g_subprocess_get_term_sig (last)
                                                   : g_subprocess_get_exit_status (last));
    }
  g_subprocess_send_signal (last, SIGTERM);
  g_subprocess_wait (last, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (last));

  ws = open_ws (&env);
  g_assert_cmpint (open_runs (&env), ==, 0);
  succeeded = test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'", 0);
  unknown = test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM outbox WHERE status = 'unknown'", 0);
  /* Runs end succeeded, except those whose send was cut: they wait for
   * the operator (needs attention), never resent. */
  g_assert_cmpint (succeeded + unknown, ==, N_RUNS);
  g_assert_cmpint (test_query_int (aios_workspace_get_store (ws),
                                   "SELECT COUNT(*) FROM runs WHERE status = 'failed' AND attention IS NOT NULL", 0), ==, unknown);
  g_test_message ("%d runs, %d kills: %" G_GINT64_FORMAT " succeeded, %" G_GINT64_FORMAT " unknown outcomes, "
                  "%" G_GINT64_FORMAT " interrupted steps resumed", N_RUNS, N_KILLS, succeeded, unknown,
                  test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM events WHERE kind = 'step.interrupted'", 0));
  check_journal (aios_workspace_get_store (ws));
  check_wire (aios_workspace_get_store (ws), peer);

  test_peer_stop (peer);
  g_free (env.config_home);
  g_free (env.flows_dir);
  g_free (env.path);
}

/* SIGTERM while an action is being sent: the service lets it finish and
 * records it as sent, instead of leaving it "unknown". */
static void
test_sigterm_finishes_sends (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(JsonNode) rule = test_json ("[]");
  g_autoptr(JsonNode) input = test_json ("{\"n\":1,\"amount\":10}");
  TestPeer *peer = test_peer_start ();
  Env env;
  gint64 run;

  env.config_home = g_build_filename (dir, "config", NULL);
  env.flows_dir = g_build_filename (env.config_home, "aios", "flows", NULL);
  env.path = g_build_filename (dir, "ws.db", NULL);
  test_write_file (env.flows_dir, "crash.json", crash_flow);
  {
    g_autoptr(AiosWorkspace) ws = open_ws (&env);

    url = test_peer_url (peer, "slow");
    g_assert_true (aios_config_set (aios_workspace_get_config (ws), "webhook.url", url, "operator", &error));
    g_assert_cmpint (aios_policy_add_rule (aios_coordinator_get_policy (aios_workspace_get_coordinator (ws)), "all",
                                           "webhook", TRUE, json_node_get_array (rule), NULL, "operator", &error), >, 0);
    run = aios_coordinator_submit (aios_workspace_get_coordinator (ws), "crash", input, "operator", &error);
    g_assert_no_error (error);
  }

  child = spawn_headless (&env);
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(AiosWorkspace) ws = open_ws (&env);
      if (test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM outbox WHERE status = 'sending'", 0) == 1)
        break;
      g_usleep (20 * 1000);
    }
  g_usleep (200 * 1000);   /* the request is on its way to the slow receiver */
  g_subprocess_send_signal (child, SIGTERM);
  g_subprocess_wait (child, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);

  {
    g_autoptr(AiosWorkspace) ws = open_ws (&env);
    g_autofree char *status = test_query_text (aios_workspace_get_store (ws), "SELECT status FROM runs WHERE id = ?", run);

    g_assert_cmpint (test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM outbox WHERE status = 'sent'",
                                     0), ==, 1);
    g_assert_cmpstr (status, ==, "succeeded");
  }
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (peer), "total"), ==, 1);

  test_peer_stop (peer);
  g_free (env.config_home);
  g_free (env.flows_dir);
  g_free (env.path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/many-kills", test_crash_many);
  g_test_add_func ("/crash/sigterm-finishes-sends", test_sigterm_finishes_sends);
  return g_test_run ();
}
