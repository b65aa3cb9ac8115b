/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers shared by the control tests: temporary workspaces on real files,
 * running the main loop until the coordinator settles, a scriptable agent.
 */
#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "control-test-util.h"

static GHashTable *counters;
static AiosMemory *test_memory;

void
test_agent_set_memory (AiosMemory *memory)
{
  test_memory = memory;
}

#define TEST_TYPE_AGENT (test_agent_get_type ())
G_DECLARE_FINAL_TYPE (TestAgent, test_agent, TEST, AGENT, AiosAgent)

struct _TestAgent
{
  AiosAgent parent_instance;
};

G_DEFINE_FINAL_TYPE (TestAgent, test_agent, AIOS_TYPE_AGENT)

typedef struct {
  GTask *task;
  guint  source;
  gulong cancel_id;
} Pending;

static gboolean
answer_cb (gpointer user_data)
{
  GTask *task = user_data;
  JsonObject *context = g_task_get_task_data (task);
  JsonObject *config = json_object_get_object_member (context, "config");
  const char *counter = json_object_has_member (config, "counter")
                          ? json_object_get_string_member (config, "counter") : "default";
  gint64 fail_times = json_object_has_member (config, "fail_times")
                        ? json_object_get_int_member (config, "fail_times") : 0;
  const char *code = json_object_has_member (config, "code")
                       ? json_object_get_string_member (config, "code") : "retryable";
  guint calls;

  if (counters == NULL)
    counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  calls = GPOINTER_TO_UINT (g_hash_table_lookup (counters, counter)) + 1;
  g_hash_table_insert (counters, g_strdup (counter), GUINT_TO_POINTER (calls));

  if (g_task_return_error_if_cancelled (task))
    ;
  else if ((gint64) calls <= fail_times)
    g_task_return_new_error (task, AIOS_AGENT_ERROR,
                             g_str_equal (code, "permanent") ? AIOS_AGENT_ERROR_PERMANENT
                                                             : AIOS_AGENT_ERROR_RETRYABLE,
                             "test agent failure %u (%s)", calls, code);
  else
    {
      g_autoptr(JsonObject) out = json_object_new ();

      if (json_object_has_member (config, "remember") && test_memory != NULL)
        {
          JsonObject *r = json_object_get_object_member (config, "remember");
          AiosProvenance prov = { "agent:test", json_object_get_int_member (context, "run_id"), "test" };
          g_autoptr(GError) error = NULL;
          gint64 id = aios_memory_put (test_memory, json_object_get_int_member (r, "id"),
                                       json_object_get_string_member (r, "kind"),
                                       json_object_get_object_member (r, "fields"), NULL, &prov, NULL, &error);
          g_assert_no_error (error);
          json_object_set_int_member (out, "record", id);
        }
      json_object_set_boolean_member (out, "ok", TRUE);
      json_object_set_int_member (out, "attempt", json_object_get_int_member (context, "attempt"));
      if (json_object_has_member (config, "echo"))
        json_object_set_member (out, "echo", json_node_copy (json_object_get_member (config, "echo")));
      g_task_return_pointer (task, json_node_init_object (json_node_alloc (), out),
                             (GDestroyNotify) json_node_unref);
    }
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
test_agent_run_async (AiosAgent           *agent,
                      JsonObject          *context,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  gint64 delay = json_object_has_member (config, "delay_ms") ? json_object_get_int_member (config, "delay_ms") : 0;

  g_task_set_task_data (task, json_object_ref (context), (GDestroyNotify) json_object_unref);
  if (delay > 0)
    g_timeout_add (delay, answer_cb, task);
  else
    g_idle_add (answer_cb, task);
}

static JsonNode *
test_agent_run_finish (AiosAgent     *agent,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_agent_class_init (TestAgentClass *klass)
{
  AIOS_AGENT_CLASS (klass)->run_async = test_agent_run_async;
  AIOS_AGENT_CLASS (klass)->run_finish = test_agent_run_finish;
}

static void
test_agent_init (TestAgent *self)
{
}

AiosAgent *
test_agent_new (void)
{
  return g_object_new (TEST_TYPE_AGENT, "role", "test", NULL);
}

guint
test_agent_calls (const char *counter)
{
  return counters ? GPOINTER_TO_UINT (g_hash_table_lookup (counters, counter)) : 0;
}

void
test_agent_reset (void)
{
  g_clear_pointer (&counters, g_hash_table_unref);
}

static GPtrArray *temp_dirs;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Temporary folders go when the test program ends normally; a failing
 * test aborts and leaves them for a look. */
static void
remove_temp_dirs (void)
{
  for (guint i = 0; temp_dirs != NULL && i < temp_dirs->len; i++)
    remove_tree (g_ptr_array_index (temp_dirs, i));
}

char *
test_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("aios-control-XXXXXX", &error);

  g_assert_no_error (error);
  if (temp_dirs == NULL)
    {
      temp_dirs = g_ptr_array_new_with_free_func (g_free);
      atexit (remove_temp_dirs);
    }
  g_ptr_array_add (temp_dirs, g_strdup (dir));
  return dir;
}

/**
 * test_open_workspace:
 * @flows_dir: (nullable): the user flows folder
 *
 * Opens a workspace with the test agent registered.
 */
AiosWorkspace *
test_open_workspace (const char *path,
                     const char *flows_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosAgent) agent = test_agent_new ();
  AiosWorkspace *ws = aios_workspace_open (path, &error);
  g_autofree char *undo_s = NULL;

  g_assert_no_error (error);
  /* Approved actions go at once here; the undo grace has its own tests. */
  undo_s = aios_config_get (aios_workspace_get_config (ws), "approvals.undo_s");
  if (undo_s == NULL)
    g_assert_true (aios_config_set (aios_workspace_get_config (ws), "approvals.undo_s", "0", "operator", NULL));
  aios_agent_registry_add (aios_workspace_get_agents (ws), agent);
  if (flows_dir != NULL)
    aios_flow_registry_set_user_dir (aios_workspace_get_flows (ws), flows_dir);
  return ws;
}

void
test_write_file (const char *dir,
                 const char *name,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  aios_coordinator_settle_finish (AIOS_COORDINATOR (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

/* Runs the main loop until the coordinator has no work due now. */
void
test_settle (AiosWorkspace *workspace)
{
  gboolean done = FALSE;

  aios_coordinator_settle_async (aios_workspace_get_coordinator (workspace), NULL, settled_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
wake_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, wake_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gint64
test_query_int (AiosStore  *store,
                const char *sql,
                gint64      arg)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (aios_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, arg);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

char *
test_query_text (AiosStore  *store,
                 const char *sql,
                 gint64      arg)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (aios_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, arg);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

JsonNode *
test_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

#include <libsoup/soup.h>

TestPeer *
test_peer_start (void)
{
  g_autofree char *script = g_build_filename (g_getenv ("AIOS_SOURCE_DIR"), "tests", "peers",
                                              "control-outbox-peer.py", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  TestPeer *peer = g_new0 (TestPeer, 1);

  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "/usr/bin/python3", script, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  peer->port = atoi (line + 5);
  return peer;
}

void
test_peer_stop (TestPeer *peer)
{
  g_subprocess_force_exit (peer->process);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_object_unref (peer->process);
  g_free (peer);
}

char *
test_peer_url (TestPeer   *peer,
               const char *mode)
{
  return g_strdup_printf ("http://127.0.0.1:%u/%s/hook", peer->port, mode);
}

JsonObject *
test_peer_stats (TestPeer *peer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/_stats", peer->port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonNode) node = NULL;

  g_assert_no_error (error);
  node = json_from_string (g_bytes_get_data (body, NULL), &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

gint64
test_peer_count (TestPeer   *peer,
                 const char *key)
{
  g_autoptr(JsonObject) stats = test_peer_stats (peer);
  JsonObject *keys = json_object_get_object_member (stats, "keys");

  return json_object_has_member (keys, key) ? json_object_get_int_member (keys, key) : 0;
}
