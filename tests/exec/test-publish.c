/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The publish connector against the WordPress-compatible peer
 * (tests/peers/wordpress-peer.py), with the application password in a real
 * keyring: the POST on the wire (Basic auth, HTML content, the keyed slug),
 * a publish resumed with the same outbox key finding its post by slug instead
 * of making a second, Test Connection, and what it refuses before the network.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "exec/aios-publish-connector.h"

#define PASSWORD "abcd efgh ijkl mnop qrst uvwx"

typedef struct {
  AiosWorkspace *ws;
  char          *path;
  ExecPeer      *peer;
  char          *dump;
  AiosConnector *connector;
} Fixture;

static const char *post_request =
  "{\"title\": \"Five things to fix\", \"excerpt\": \"For owners of small businesses.\","
  " \"body\": \"This post is for *owners*.\\n\\n## What matters\\n\\n- Know your pages.\\n- <b>Bold</b> claims.\"}";

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  int fd = g_file_open_tmp ("wordpress-XXXXXX.json", &f->dump, &error);

  g_assert_no_error (error);
  close (fd);
  f->ws = exec_workspace_new (&f->path);
  f->peer = exec_peer_start_args ("wordpress-peer.py", "--dump", f->dump, "--password", PASSWORD, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/", f->peer->port);
  exec_set (f->ws, "publish.url", url);
  aios_credentials_store_sync (aios_workspace_get_credentials (f->ws), "publish",
                               data != NULL ? data : "editor:" PASSWORD, &error);
  g_assert_no_error (error);
  f->connector = aios_workspace_get_connector (f->ws, "publish");
  g_assert_nonnull (f->connector);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  exec_peer_stop (f->peer);
  g_unlink (f->dump);
  g_free (f->dump);
  exec_workspace_free (f->ws, f->path);
}

static JsonObject *
peer_state (Fixture *f)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (f->dump, &text, NULL, &error));
  return exec_json_object (text);
}

static guint
count (JsonObject *state,
       const char *member,
       const char *method)
{
  JsonArray *list = json_object_get_array_member (state, member);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (list); i++)
    if (method == NULL ||
        g_strcmp0 (json_object_get_string_member (json_array_get_object_element (list, i), "method"), method) == 0)
      n++;
  return n;
}

static void
test_publish_and_resume (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = exec_execute (f->connector, post_request, "run-3/step-4", &error);
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonObject) state = NULL;
  g_autofree char *slug = aios_publish_slug ("Five things to fix", "run-3/step-4");
  g_autofree char *basic = g_base64_encode ((const guchar *) "editor:" PASSWORD, strlen ("editor:" PASSWORD));
  g_autofree char *auth = g_strconcat ("Basic ", basic, NULL);
  JsonObject *post, *sent;

  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (first), "id"), ==, 101);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (first), "slug"), ==, slug);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (first), "found_existing"));

  state = peer_state (f);
  g_assert_cmpuint (count (state, "posts", NULL), ==, 1);
  post = json_array_get_object_element (json_object_get_array_member (state, "posts"), 0);
  g_assert_cmpstr (json_object_get_string_member (post, "status"), ==, "publish");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (post, "content"), "raw"), ==,
                   "<p>This post is for <em>owners</em>.</p>\n<h2>What matters</h2>\n"
                   "<ul>\n<li>Know your pages.</li>\n<li>&lt;b&gt;Bold&lt;/b&gt; claims.</li>\n</ul>");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (post, "excerpt"), "raw"), ==,
                   "For owners of small businesses.");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (post, "tags")), ==, 0);
  sent = json_array_get_object_element (json_object_get_array_member (state, "requests"), 1);
  g_assert_cmpstr (json_object_get_string_member (sent, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (sent, "authorization"), ==, auth);
  g_clear_pointer (&state, json_object_unref);

  /* Resumed with the same key (a restart, "send again"): found by its slug. */
  again = exec_execute (f->connector, post_request, "run-3/step-4", &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (again), "found_existing"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (again), "id"), ==, 101);
  state = peer_state (f);
  g_assert_cmpuint (count (state, "posts", NULL), ==, 1);
  g_assert_cmpuint (count (state, "requests", "POST"), ==, 1);
}

static void
got_test (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
connection_test (Fixture  *f,
                 GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aios_connector_test_async (f->connector, NULL, got_test, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_connector_test_finish (f->connector, result, error);
}

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *said = connection_test (f, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (said, ==, "Signed in to 127.0.0.1 as Editor");
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) out = exec_execute (f->connector, post_request, "k1", &error);
  g_autofree char *said = NULL;

  g_assert_null (out);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "incorrect_password"));
  g_assert_nonnull (strstr (error->message, "application password"));
  g_assert_null (strstr (error->message, "not the password"));
  g_clear_error (&error);
  said = connection_test (f, &error);
  g_assert_null (said);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
}

static void
test_refused_before_network (Fixture       *f,
                             gconstpointer  data)
{
  static const char *bad[] = {
    "{\"body\": \"text\"}",
    "{\"title\": \"Two\\nlines\", \"body\": \"text\"}",
    "{\"title\": \"A title\"}",
    "{\"title\": \"A title\", \"body\": \"text\", \"status\": \"future\"}",
  };
  g_autoptr(JsonObject) state = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) out = exec_execute (f->connector, bad[i], "k", &error);

      g_assert_null (out);
      g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
    }
  state = peer_state (f);
  g_assert_cmpuint (count (state, "requests", NULL), ==, 0);

  g_assert_true (aios_config_unset (aios_workspace_get_config (f->ws), "publish.url", "operator", NULL));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) out = exec_execute (f->connector, post_request, "k", &error);

    g_assert_null (out);
    g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  }
}

static void
test_slug (void)
{
  g_autofree char *a = aios_publish_slug ("Héllo, World! — 2026", "key-1");
  g_autofree char *b = aios_publish_slug ("Héllo, World! — 2026", "key-2");
  g_autofree char *c = aios_publish_slug ("???", "key-1");

  g_assert_true (g_str_has_prefix (a, "hello-world-2026-"));
  g_assert_cmpuint (strlen (a), ==, strlen ("hello-world-2026-") + 8);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (g_str_has_prefix (c, "post-"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/publish/publish-and-resume", Fixture, NULL, fixture_set_up, test_publish_and_resume, fixture_tear_down);
  g_test_add ("/publish/connection", Fixture, NULL, fixture_set_up, test_connection, fixture_tear_down);
  g_test_add ("/publish/wrong-password", Fixture, "editor:not the password", fixture_set_up, test_wrong_password,
              fixture_tear_down);
  g_test_add ("/publish/refused-before-network", Fixture, NULL, fixture_set_up, test_refused_before_network,
              fixture_tear_down);
  g_test_add_func ("/publish/slug", test_slug);
  return g_test_run ();
}
