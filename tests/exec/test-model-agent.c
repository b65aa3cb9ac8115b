/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "model" agent role: a flow step that asks the configured model tier
 * (against the local Ollama-speaking peer), with the flow's offline
 * fallback when no tier is set — directly, and end to end through a flow
 * run by the coordinator.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "control/aios-coordinator.h"

#define SCHEMA "{\"type\":\"object\",\"required\":[\"summary\",\"score\"]," \
               "\"properties\":{\"summary\":{\"type\":\"string\"},\"score\":{\"type\":\"integer\",\"minimum\":2}}}"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static JsonNode *
run_agent (AiosWorkspace  *ws,
           const char     *context_json,
           GError        **error)
{
  AiosAgent *agent = aios_agent_registry_lookup (aios_workspace_get_agents (ws), "model");
  g_autoptr(JsonObject) context = exec_json_object (context_json);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (agent);
  aios_agent_run_async (agent, context, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_agent_run_finish (agent, result, error);
}

static void
test_direct (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) offline = NULL;
  g_autoptr(JsonNode) none = NULL;
  g_autoptr(JsonNode) text = NULL;
  g_autoptr(JsonNode) structured = NULL;
  g_autoptr(JsonNode) limited = NULL;
  g_autofree char *url = exec_peer_url (peer, "ok", "");
  g_autofree char *busy = exec_peer_url (peer, "e429", "");
  AiosAgent *agent = aios_agent_registry_lookup (aios_workspace_get_agents (ws), "model");
  g_autoptr(JsonObject) bad = exec_json_object ("{\"prompt\": 3}");

  g_assert_false (aios_agent_check_config (agent, bad, &error));
  g_assert_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  /* No tier: the flow's own offline answer, or a clear error without one. */
  offline = run_agent (ws, "{\"run_id\":1,\"step\":\"draft\",\"config\":{\"prompt\":\"hi\","
                           "\"fallback\":{\"summary\":\"offline\"}}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (offline), "summary"), ==, "offline");
  none = run_agent (ws, "{\"run_id\":1,\"step\":\"draft\",\"config\":{\"prompt\":\"hi\"}}", &error);
  g_assert_null (none);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);

  exec_set (ws, "llm.local.url", url);
  exec_set (ws, "llm.local.model", "qwen-test");
  text = run_agent (ws, "{\"run_id\":1,\"step\":\"draft\",\"config\":{\"prompt\":\"hello there\","
                        "\"fallback\":{\"summary\":\"offline\"}}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (text), "text"), ==, "Echo: hello there");

  structured = run_agent (ws, "{\"run_id\":1,\"step\":\"score\",\"config\":{\"prompt\":\"score it\",\"schema\":" SCHEMA "}}",
                          &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (structured), "score"), ==, 2);

  /* Model errors keep their connector classification. */
  exec_set (ws, "llm.local.url", busy);
  limited = run_agent (ws, "{\"run_id\":1,\"step\":\"draft\",\"config\":{\"prompt\":\"again\"}}", &error);
  g_assert_null (limited);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE);
  g_assert_cmpint (aios_connector_error_get_retry_after_ms (error), ==, 7000);

  exec_peer_stop (peer);
  exec_workspace_free (ws, path);
}

/* Found by tests/fuzz/fuzz-json-schema: a step's schema with a keyword of
 * the wrong type ("required" an object) raised a GLib critical when the
 * answer was checked; it is a bad schema, said in words. */
static void
test_bad_schema (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = NULL;
  g_autofree char *url = exec_peer_url (peer, "ok", "");

  exec_set (ws, "llm.local.url", url);
  exec_set (ws, "llm.local.model", "qwen-test");
  out = run_agent (ws, "{\"run_id\":1,\"step\":\"score\",\"config\":{\"prompt\":\"score it\","
                       "\"schema\":{\"type\":\"object\",\"required\":{\"summary\":1},"
                       "\"properties\":{\"summary\":{\"type\":\"string\"}}}}}", &error);
  g_assert_null (out);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“required” must be a list of names"));

  exec_peer_stop (peer);
  exec_workspace_free (ws, path);
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_flow (void)
{
  g_autofree char *flows = g_build_filename (g_get_user_config_dir (), "aios", "flows", NULL);
  g_autofree char *file = g_build_filename (flows, "ask-model.json", NULL);
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autofree char *url = exec_peer_url (peer, "ok", "");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) input = NULL;
  char *path = NULL;
  AiosWorkspace *ws;
  gint64 run;
  gboolean settled = FALSE;
  sqlite3_stmt *stmt;
  g_autofree char *output = NULL;

  g_assert_cmpint (g_mkdir_with_parents (flows, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file,
    "{\"id\":\"ask-model\",\"title\":\"Ask a model\",\"description\":\"Scores a note with a model.\","
    "\"input_schema\":{\"required\":[\"note\"],\"properties\":{\"note\":{\"type\":\"string\"}}},"
    "\"steps\":[{\"name\":\"score\",\"agent\":\"model\",\"config\":{\"role\":\"classifier\","
    "\"prompt\":\"Score this note: {{input.note}}\",\"schema\":" SCHEMA ","
    "\"fallback\":{\"summary\":\"offline\",\"score\":2}},\"inputs\":{\"run\":true}}]}", -1, &error));
  g_assert_no_error (error);

  ws = exec_workspace_new (&path);
  exec_set (ws, "llm.local.url", url);
  exec_set (ws, "llm.local.model", "qwen-test");
  input = json_from_string ("{\"note\":\"call Ada back\"}", &error);
  run = aios_coordinator_submit (aios_workspace_get_coordinator (ws), "ask-model", input, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (aios_workspace_start (ws, &error));
  aios_workspace_settle_async (ws, NULL, settled_cb, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);

  stmt = aios_store_prepare (aios_workspace_get_store (ws),
                             "SELECT r.status, s.output_json FROM runs r JOIN steps s ON s.run_id = r.id WHERE r.id = ?", NULL);
  sqlite3_bind_int64 (stmt, 1, run);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "succeeded");
  output = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  g_assert_cmpstr (output, ==, "{\"summary\":\"x\",\"score\":2}");

  /* The prompt is recorded for this run, and its journal event is in the run's timeline. */
  stmt = aios_store_prepare (aios_workspace_get_store (ws),
                             "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'prompt.completed' "
                             "AND actor = 'agent:classifier'", NULL);
  sqlite3_bind_int64 (stmt, 1, run);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 1);
  sqlite3_reset (stmt);

  exec_workspace_free (ws, path);
  exec_peer_stop (peer);
  g_unlink (file);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/exec/model-agent/direct", test_direct);
  g_test_add_func ("/exec/model-agent/flow", test_flow);
  g_test_add_func ("/exec/model-agent/bad-schema", test_bad_schema);
  return g_test_run ();
}
