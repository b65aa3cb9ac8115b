/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the exec room's tests: start a python test peer from
 * tests/peers/ and read back what it received; run a connector to the end.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"

static ExecPeer *
peer_start_argv (const char *script,
                 GPtrArray  *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("AIOS_SOURCE_DIR"), "tests", "peers", script, NULL);
  ExecPeer *peer = g_new0 (ExecPeer, 1);
  GInputStream *out;
  g_autoptr(GDataInputStream) lines = NULL;

  g_ptr_array_insert (argv, 0, (gpointer) "/usr/bin/python3");
  g_ptr_array_insert (argv, 1, path);
  g_ptr_array_add (argv, NULL);
  peer->name = g_strdup (script);
  peer->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error);
  g_assert_no_error (error);
  out = g_subprocess_get_stdout_pipe (peer->process);
  lines = g_data_input_stream_new (out);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "CA "))
        {
          peer->ca = g_strdup (line + 3);
          continue;
        }
      g_assert_true (g_str_has_prefix (line, "PORT "));
      peer->port = atoi (line + 5);
      break;
    }
  g_assert_cmpuint (peer->port, >, 0);
  return peer;
}

ExecPeer *
exec_peer_start (const char *script)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  return peer_start_argv (script, argv);
}

ExecPeer *
exec_peer_start_args (const char *script,
                      const char *first_arg,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  va_start (args, first_arg);
  for (const char *a = first_arg; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  return peer_start_argv (script, argv);
}

void
exec_peer_stop (ExecPeer *peer)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (peer->process), NULL, NULL);
  if (!g_subprocess_wait (peer->process, NULL, &error))
    g_subprocess_force_exit (peer->process);
  g_object_unref (peer->process);
  if (peer->ca != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (peer->ca);
      g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
      g_unlink (key);
      g_unlink (peer->ca);
      g_rmdir (dir);
      g_free (peer->ca);
    }
  g_free (peer->name);
  g_free (peer);
}

char *
exec_peer_url (ExecPeer   *peer,
               const char *mode,
               const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u/%s%s", peer->port, mode, path);
}

static GBytes *
peer_request (ExecPeer   *peer,
              const char *method,
              const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", peer->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *bytes = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return bytes;
}

JsonArray *
exec_peer_log (ExecPeer *peer)
{
  g_autoptr(GBytes) bytes = peer_request (peer, "GET", "/_log");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

void
exec_peer_reset (ExecPeer *peer)
{
  g_autoptr(GBytes) bytes = peer_request (peer, "POST", "/_reset");
}

AiosWorkspace *
exec_workspace_new (char **out_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("aios-exec-XXXXXX", &error);
  char *path;
  AiosWorkspace *ws;

  g_assert_no_error (error);
  path = g_build_filename (dir, "workspace.db", NULL);
  ws = aios_workspace_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (aios_config_set (aios_workspace_get_config (ws), "approvals.undo_s", "0", "operator", &error));
  *out_path = path;
  return ws;
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

void
exec_workspace_free (AiosWorkspace *ws,
                     char          *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_object_unref (ws);
  remove_tree (dir);
  g_free (path);
}

void
exec_set (AiosWorkspace *ws,
          const char    *key,
          const char    *value)
{
  g_autoptr(GError) error = NULL;

  aios_config_set (aios_workspace_get_config (ws), key, value, "operator", &error);
  g_assert_no_error (error);
}

JsonObject *
exec_json_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

JsonNode *
exec_execute (AiosConnector *connector,
              const char    *request_json,
              const char    *key,
              GError       **error)
{
  g_autoptr(JsonObject) request = exec_json_object (request_json);
  g_autoptr(GAsyncResult) result = NULL;

  aios_connector_execute_async (connector, request, key, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_connector_execute_finish (connector, result, error);
}

gboolean
exec_file_contains (const char *path,
                    const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  for (gsize n = strlen (needle), i = 0; n > 0 && i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}
