/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Policy, approvals and the outbox on real files and a real HTTP receiver
 * (tests/peers/control-outbox-peer.py): nothing goes out without an allow
 * rule or an approval; decisions are journaled and kept as decision
 * records; each action is sent once with the step's idempotency key,
 * retried with the same key, Retry-After honoured; an outcome left unknown
 * by a stop is never resent; approvals expire.
 */
#include "config.h"

#include <string.h>

#include "control-test-util.h"
#include "control/aios-approvals.h"
#include "control/aios-run-info.h"
#include "cli/aios-cli.h"

typedef struct {
  char          *dir;
  char          *flows_dir;
  char          *path;
  AiosWorkspace *ws;
  TestPeer      *peer;
} Fixture;

static const char notify_flow[] =
  "{\"id\":\"notify\",\"title\":\"Notify\",\"steps\":["
  " {\"name\":\"draft\",\"agent\":\"template\",\"config\":{\"template\":{\"amount\":\"{{input.amount}}\",\"to\":\"{{input.to}}\"}}},"
  " {\"name\":\"send\",\"agent\":\"template\",\"config\":{\"template\":{\"note\":\"n\"}},\"checkpoint\":\"policy\","
  "  \"retry\":{\"max_attempts\":4,\"initial_delay_ms\":10,\"max_delay_ms\":50},"
  "  \"action\":{\"connector\":\"{{CONNECTOR}}\",\"request\":{\"event\":\"test.notify\",\"body\":{\"amount\":\"{{steps.draft.amount}}\","
  "   \"to\":\"{{steps.draft.to}}\",\"note\":\"{{output.note}}\",\"run\":\"{{run.id}}\"}}}},"
  " {\"name\":\"after\",\"agent\":\"template\",\"config\":{\"template\":\"done {{steps.draft.to}}\"}}]}";

static const char review_flow[] =
  "{\"id\":\"review\",\"title\":\"Review\",\"steps\":["
  " {\"name\":\"draft\",\"agent\":\"template\",\"checkpoint\":\"approval\",\"config\":{\"template\":{\"text\":\"first draft\"}}},"
  " {\"name\":\"use\",\"agent\":\"template\",\"config\":{\"template\":\"{{steps.draft.text}}!\"}}]}";

static void
write_notify (Fixture    *f,
              const char *connector)
{
  g_autoptr(GString) text = g_string_new (notify_flow);

  g_string_replace (text, "{{CONNECTOR}}", connector, 1);
  test_write_file (f->flows_dir, "notify.json", text->str);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  test_agent_reset ();
  f->dir = test_temp_dir ();
  f->flows_dir = g_build_filename (f->dir, "flows", NULL);
  f->path = g_build_filename (f->dir, "ws.db", NULL);
  write_notify (f, "webhook");
  test_write_file (f->flows_dir, "review.json", review_flow);
  f->peer = test_peer_start ();
  f->ws = test_open_workspace (f->path, f->flows_dir);
  url = test_peer_url (f->peer, data ? data : "ok");
  g_assert_true (aios_config_set (aios_workspace_get_config (f->ws), "webhook.url", url, "operator", &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->ws);
  test_peer_stop (f->peer);
  g_free (f->dir);
  g_free (f->flows_dir);
  g_free (f->path);
}

static AiosCoordinator *
coordinator (Fixture *f)
{
  return aios_workspace_get_coordinator (f->ws);
}

static AiosStore *
store (Fixture *f)
{
  return aios_workspace_get_store (f->ws);
}

static gint64
submit (Fixture    *f,
        const char *flow,
        const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = input ? test_json (input) : NULL;
  gint64 id = aios_coordinator_submit (coordinator (f), flow, node, "operator", &error);

  g_assert_no_error (error);
  return id;
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_coordinator_start (coordinator (f), &error));
  g_assert_no_error (error);
}

static char *
status_of (Fixture *f,
           gint64   run)
{
  return test_query_text (store (f), "SELECT status FROM runs WHERE id = ?", run);
}

static void
wait_for_status (Fixture    *f,
                 gint64      run,
                 const char *status)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *now = status_of (f, run);
      if (g_strcmp0 (now, status) == 0)
        return;
      test_wait_ms (10);
    }
  g_error ("run %" G_GINT64_FORMAT " never became %s", run, status);
}

static char *
key_of (Fixture *f,
        gint64   run)
{
  return test_query_text (store (f), "SELECT idempotency_key FROM steps WHERE run_id = ? AND name = 'send'", run);
}

static gint64
pending_approval (Fixture *f,
                  gint64   run)
{
  return test_query_int (store (f), "SELECT id FROM approvals WHERE run_id = ? AND status = 'pending'", run);
}

static void
add_rule (Fixture    *f,
          const char *name,
          gboolean    allow,
          const char *conditions)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = test_json (conditions);

  g_assert_cmpint (aios_policy_add_rule (aios_coordinator_get_policy (coordinator (f)), name, "webhook", allow,
                                         json_node_get_array (node), NULL, "operator", &error), >, 0);
  g_assert_no_error (error);
}

static void
test_ask_approve_edit (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autoptr(JsonNode) edits = test_json ("{\"body\":{\"amount\":42}}");
  g_autoptr(AiosRecord) decision = NULL;
  g_autofree char *key = NULL;
  g_autofree char *request = NULL;
  g_autofree char *diff = NULL;
  g_autofree char *approval_str = NULL;
  gint64 run, approval;

  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  test_settle (f->ws);

  /* No rule allows it: the run waits for the operator; nothing was sent. */
  wait_for_status (f, run, "waiting");
  approval = pending_approval (f, run);
  g_assert_cmpint (approval, >, 0);
  info = aios_approval_info_get (store (f), approval, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->action_kind, ==, "webhook");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (info->preview), "method"), ==, "POST");
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (info->preview), "body"),
                            "\"amount\":120"));
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 0);

  g_assert_true (aios_coordinator_approve (coordinator (f), approval, edits, "operator", "Agreed on 42", &error));
  g_assert_no_error (error);
  test_settle (f->ws);
  wait_for_status (f, run, "succeeded");

  key = key_of (f, run);
  g_assert_cmpint (test_peer_count (f->peer, key), ==, 1);
  request = test_query_text (store (f), "SELECT request_json FROM outbox WHERE run_id = ?", run);
  g_assert_nonnull (strstr (request, "\"amount\":42"));
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE run_id = ? AND status = 'sent' "
                                   "AND approval_id IS NOT NULL", run), ==, 1);
  diff = test_query_text (store (f), "SELECT edit_diff_json FROM approvals WHERE id = ?", approval);
  g_assert_cmpstr (diff, ==, "[{\"path\":\"$.body.amount\",\"from\":120,\"to\":42}]");
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE kind = 'approval.approved' "
                                   "AND rationale = 'Agreed on 42' AND payload_json LIKE '%body.amount%'", 0), ==, 1);

  /* The decision is a memory record agents can learn from. */
  approval_str = g_strdup_printf ("%" G_GINT64_FORMAT, approval);
  decision = aios_memory_find (aios_workspace_get_memory (f->ws), "decision", "approval_id", approval_str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decision);
  g_assert_cmpstr (aios_record_get_field (decision, "outcome"), ==, "edited");
  g_assert_cmpstr (aios_record_get_field (decision, "rationale"), ==, "Agreed on 42");
  g_assert_cmpint (decision->run_id, ==, run);

  /* A second decision on the same approval is refused. */
  g_assert_false (aios_coordinator_approve (coordinator (f), approval, NULL, "operator", NULL, &error));
  g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE);
}

static void
test_policy_allow (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *small_key = NULL;
  gint64 small, big;

  add_rule (f, "small-amounts", TRUE, "[{\"field\":\"body.amount\",\"op\":\"lt\",\"value\":50}]");
  small = submit (f, "notify", "{\"amount\":20,\"to\":\"a@example.com\"}");
  big = submit (f, "notify", "{\"amount\":80,\"to\":\"b@example.com\"}");
  start (f);
  wait_for_status (f, small, "succeeded");
  wait_for_status (f, big, "waiting");
  test_settle (f->ws);

  small_key = key_of (f, small);
  g_assert_cmpint (test_peer_count (f->peer, small_key), ==, 1);
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 1);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE run_id = ? "
                                   "AND policy_rule = 'small-amounts' AND approval_id IS NULL", small), ==, 1);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'policy.allowed' "
                                   "AND rationale = 'small-amounts'", small), ==, 1);
  g_assert_cmpint (pending_approval (f, big), >, 0);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE run_id = ?", big), ==, 0);

  /* A text amount does not pass a numeric rule (fail closed). */
  big = submit (f, "notify", "{\"amount\":\"10\",\"to\":\"c@example.com\"}");
  wait_for_status (f, big, "waiting");
  g_assert_cmpint (pending_approval (f, big), >, 0);
  test_settle (f->ws);
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 1);
}

static void
test_policy_known_client (Fixture       *f,
                          gconstpointer  data)
{
  AiosMemory *memory = aios_workspace_get_memory (f->ws);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GError) error = NULL;
  AiosProvenance prov = { "operator", 0, "a client" };
  gint64 known, stranger;

  /* "Small amounts to existing clients": both conditions must hold. */
  json_object_set_string_member (fields, "name", "Acme");
  json_object_set_string_member (fields, "email", "billing@acme.example");
  g_assert_cmpint (aios_memory_put (memory, 0, "client", fields, NULL, &prov, NULL, &error), >, 0);
  g_assert_no_error (error);
  add_rule (f, "small-to-clients", TRUE,
            "[{\"field\":\"body.amount\",\"op\":\"lt\",\"value\":50},"
            " {\"field\":\"body.to\",\"op\":\"known\",\"kind\":\"client\",\"match\":\"email\"}]");

  known = submit (f, "notify", "{\"amount\":20,\"to\":\"billing@acme.example\"}");
  stranger = submit (f, "notify", "{\"amount\":20,\"to\":\"someone@else.example\"}");
  start (f);
  wait_for_status (f, known, "succeeded");
  wait_for_status (f, stranger, "waiting");
  g_assert_cmpint (pending_approval (f, stranger), >, 0);
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 1);

  /* A rule with a condition that makes no sense is refused when added. */
  {
    g_autoptr(JsonNode) bad = test_json ("[{\"field\":\"body.amount\",\"op\":\"about\",\"value\":1}]");
    g_assert_cmpint (aios_policy_add_rule (aios_coordinator_get_policy (coordinator (f)), "bad", "webhook", TRUE,
                                           json_node_get_array (bad), NULL, "operator", &error), ==, 0);
    g_assert_nonnull (strstr (error->message, "$[0].op: expected one of"));
  }
}

static void
test_policy_deny (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AiosRunInfo) info = NULL;
  gint64 run;

  add_rule (f, "allow-all", TRUE, "[]");
  add_rule (f, "never-to-example-org", FALSE, "[{\"field\":\"body.to\",\"op\":\"contains\",\"value\":\"example.org\"}]");
  run = submit (f, "notify", "{\"amount\":1,\"to\":\"x@example.org\"}");
  start (f);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (strstr (info->attention, "Policy rule “never-to-example-org” denies this webhook action"));
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 0);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox", 0), ==, 0);
}

static void
test_reject (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRecord) decision = NULL;
  g_autofree char *approval_str = NULL;
  g_autofree char *status = NULL;
  gint64 run, approval;

  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  wait_for_status (f, run, "waiting");
  approval = pending_approval (f, run);

  g_assert_false (aios_coordinator_reject (coordinator (f), approval, "operator", "", &error));
  g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE);
  g_clear_error (&error);
  g_assert_true (aios_coordinator_reject (coordinator (f), approval, "operator", "Wrong client", &error));
  g_assert_no_error (error);
  test_settle (f->ws);

  status = status_of (f, run);
  g_assert_cmpstr (status, ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 0);
  approval_str = g_strdup_printf ("%" G_GINT64_FORMAT, approval);
  decision = aios_memory_find (aios_workspace_get_memory (f->ws), "decision", "approval_id", approval_str, &error);
  g_assert_nonnull (decision);
  g_assert_cmpstr (aios_record_get_field (decision, "outcome"), ==, "rejected");
  g_assert_cmpstr (aios_record_get_field (decision, "rationale"), ==, "Wrong client");
}

/* A decision whose record cannot be written is not committed, even when
 * the caller asks for no error. */
static void
test_decision_record_failure (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 run, approval;

  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  wait_for_status (f, run, "waiting");
  approval = pending_approval (f, run);
  g_assert_true (aios_store_exec (store (f), "CREATE TEMP TRIGGER no_decisions BEFORE INSERT ON records "
                                  "WHEN NEW.kind = 'decision' BEGIN SELECT RAISE (ABORT, 'no room for decisions'); END",
                                  &error));
  g_assert_no_error (error);

  g_assert_false (aios_coordinator_reject (coordinator (f), approval, "operator", "Wrong client", NULL));
  g_assert_false (aios_coordinator_approve (coordinator (f), approval, NULL, "operator", NULL, NULL));
  g_assert_cmpint (pending_approval (f, run), ==, approval);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE approval_id = ?", approval), ==, 0);

  /* With the record writable again, the same decision goes through. */
  g_assert_true (aios_store_exec (store (f), "DROP TRIGGER no_decisions", &error));
  g_assert_true (aios_coordinator_reject (coordinator (f), approval, "operator", "Wrong client", &error));
  g_assert_no_error (error);
  test_settle (f->ws);
  status = status_of (f, run);
  g_assert_cmpstr (status, ==, "cancelled");
}

static void
test_expire (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) info = NULL;
  gint64 run, approval;

  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  wait_for_status (f, run, "waiting");
  approval = pending_approval (f, run);
  /* A webhook approval waits a day by default. */
  g_assert_cmpint (test_query_int (store (f), "SELECT expires_at - created_at FROM approvals WHERE id = ?", approval),
                   ==, 24 * 3600 * 1000);

  /* Time passes (while Aios is stopped). */
  g_clear_object (&f->ws);
  f->ws = test_open_workspace (f->path, f->flows_dir);
  g_assert_true (aios_store_exec (store (f), "UPDATE approvals SET expires_at = created_at", NULL));
  start (f);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (strstr (info->attention, "expired without a decision; nothing was sent"));
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM approvals WHERE status = 'expired'", 0), ==, 1);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE kind = 'approval.expired'", 0), ==, 1);
  g_assert_false (aios_coordinator_approve (coordinator (f), approval, NULL, "operator", NULL, &error));
  g_assert_nonnull (strstr (error->message, "already expired"));
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 0);
}

static void
test_retry_same_key (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *key = NULL;
  gint64 run;

  add_rule (f, "allow-all", TRUE, "[]");
  run = submit (f, "notify", "{\"amount\":1,\"to\":\"a@example.com\"}");
  start (f);
  wait_for_status (f, run, "succeeded");

  key = key_of (f, run);
  stats = test_peer_stats (f->peer);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "keys"), key), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "accepted"), key), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "without_key"), ==, 0);
  g_assert_cmpint (test_query_int (store (f), "SELECT attempts FROM outbox WHERE run_id = ?", run), ==, 3);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? "
                                   "AND kind = 'outbox.retry-scheduled'", run), ==, 2);
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  gint64 run;

  add_rule (f, "allow-all", TRUE, "[]");
  run = submit (f, "notify", "{\"amount\":1,\"to\":\"a@example.com\"}");
  start (f);
  wait_for_status (f, run, "succeeded");

  /* 429 with Retry-After: 1 → the next attempt waited at least a second,
   * though the flow's own backoff is 10-50 ms. */
  g_assert_cmpint (test_query_int (store (f), "SELECT json_extract (payload_json, '$.delay_ms') FROM events "
                                   "WHERE run_id = ? AND kind = 'step.retry-scheduled'", run), >=, 1000);
  g_assert_cmpint (test_query_int (store (f), "SELECT json_extract (payload_json, '$.retry_after_ms') FROM events "
                                   "WHERE run_id = ? AND kind = 'step.retry-scheduled'", run), ==, 1000);
}

static void
test_permanent (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AiosRunInfo) info = NULL;
  gint64 run;

  add_rule (f, "allow-all", TRUE, "[]");
  run = submit (f, "notify", "{\"amount\":1,\"to\":\"a@example.com\"}");
  start (f);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (info->attention);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE status = 'failed'", 0), ==, 1);
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 1);
}

static void
test_unknown_never_resent (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) info = NULL;
  gint64 run, approval;

  /* Decided while no coordinator runs: the item is prepared. */
  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  wait_for_status (f, run, "waiting");
  g_clear_object (&f->ws);
  f->ws = test_open_workspace (f->path, f->flows_dir);
  approval = pending_approval (f, run);
  g_assert_true (aios_coordinator_approve (coordinator (f), approval, NULL, "operator", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE status = 'prepared'", 0), ==, 1);

  /* What a stop between "sending" and the answer leaves behind. */
  g_assert_true (aios_store_exec (store (f), "UPDATE outbox SET status = 'sending', attempts = 1;"
                                  "UPDATE steps SET status = 'running', attempt = attempt + 1 WHERE name = 'send'",
                                  NULL));
  start (f);
  test_settle (f->ws);
  test_wait_ms (100);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (strstr (info->attention, "may or may not have happened"));
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM outbox WHERE status = 'unknown'", 0), ==, 1);
  g_assert_cmpint (json_object_get_int_member (test_peer_stats (f->peer), "total"), ==, 0);
}

static void
test_no_connector (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AiosRunInfo) info = NULL;
  gint64 run;

  write_notify (f, "carrier-pigeon");
  add_rule (f, "allow-all", TRUE, "[]");
  run = submit (f, "notify", "{\"amount\":1,\"to\":\"a@example.com\"}");
  start (f);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (strstr (info->attention, "No connector named “carrier-pigeon” is available; nothing was sent"));
}

static void
test_output_checkpoint (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) edits = test_json ("{\"text\":\"second draft\"}");
  g_autofree char *output = NULL;
  gint64 run, approval;

  run = submit (f, "review", NULL);
  start (f);
  wait_for_status (f, run, "waiting");
  approval = pending_approval (f, run);
  g_assert_true (aios_coordinator_approve (coordinator (f), approval, edits, "operator", NULL, &error));
  g_assert_no_error (error);
  wait_for_status (f, run, "succeeded");
  output = test_query_text (store (f), "SELECT output_json FROM steps WHERE run_id = ? AND name = 'use'", run);
  g_assert_cmpstr (output, ==, "{\"text\":\"second draft!\"}");
}

static char *
cli (Fixture     *f,
     int         *status,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(AiosCliCall) call = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) first);
  va_start (args, first);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  call = aios_cli_call_new (f->ws, NULL, (const char * const *) argv->pdata);
  *status = aios_cli_run (call);
  return g_strconcat (aios_cli_call_get_output (call), aios_cli_call_get_errors (call), NULL);
}

static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *edit = g_build_filename (f->dir, "edit.json", NULL);
  g_autofree char *rule = g_build_filename (f->dir, "rule.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) list = NULL;
  int status;
  gint64 run;

  run = submit (f, "notify", "{\"amount\":120,\"to\":\"dana@example.com\"}");
  start (f);
  wait_for_status (f, run, "waiting");

  out = cli (f, &status, "approvals", "--json", NULL);
  g_assert_cmpint (status, ==, 0);
  list = test_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (list), 0),
                                                  "action"), ==, "webhook");
  g_clear_pointer (&out, g_free);
  out = cli (f, &status, "approvals", NULL);
  /* One compact block: the id, what, its status and age; then the flow. */
  g_assert_true (g_str_has_prefix (out, "1  "));
  g_assert_nonnull (strstr (out, "(pending, just now)\n"));
  g_assert_nonnull (strstr (out, "   flow     notify, run 1, step send\n"));
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), <=, 6);
  }
  g_clear_pointer (&out, g_free);

  out = cli (f, &status, "reject", "1", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "aios: A rejection needs a reason (it is kept as a decision record)\n");
  g_clear_pointer (&out, g_free);

  test_write_file (f->dir, "edit.json", "{\"body\":{\"to\":\"dana@example.net\"}}");
  out = cli (f, &status, "approve", "1", "--edit", edit, "--reason", "new address", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "Approved; the running Aios sends it to webhook now\n");
  g_clear_pointer (&out, g_free);
  wait_for_status (f, run, "succeeded");

  test_write_file (f->dir, "rule.json", "[{\"field\":\"body.amount\",\"op\":\"lt\",\"value\":50}]");
  out = cli (f, &status, "policy", "add", "small", "--connector", "webhook", "--allow", "--when", rule, NULL);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  out = cli (f, &status, "policy", "list", NULL);
  g_assert_nonnull (strstr (out, "small"));
  g_assert_nonnull (strstr (out, "allow"));
  g_clear_pointer (&out, g_free);
  out = cli (f, &status, "approve", "99", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "aios: There is no approval 99; “aios approvals” lists them\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, mode, func) g_test_add (path, Fixture, mode, fixture_setup, func, fixture_teardown)
  ADD ("/approvals/ask-approve-edit", NULL, test_ask_approve_edit);
  ADD ("/approvals/policy-allow", NULL, test_policy_allow);
  ADD ("/approvals/policy-deny", NULL, test_policy_deny);
  ADD ("/approvals/policy-known-client", NULL, test_policy_known_client);
  ADD ("/approvals/reject", NULL, test_reject);
  ADD ("/approvals/decision-record-failure", NULL, test_decision_record_failure);
  ADD ("/approvals/expire", NULL, test_expire);
  ADD ("/approvals/output-checkpoint", NULL, test_output_checkpoint);
  ADD ("/approvals/cli", NULL, test_cli);
  ADD ("/outbox/retry-same-key", "fail503x2", test_retry_same_key);
  ADD ("/outbox/retry-after", "e429", test_retry_after);
  ADD ("/outbox/permanent", "e400", test_permanent);
  ADD ("/outbox/unknown-never-resent", NULL, test_unknown_never_resent);
  ADD ("/outbox/no-connector", NULL, test_no_connector);
#undef ADD
  return g_test_run ();
}
