/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hybrid search with a real embedding endpoint: the exec room's AiosLlm
 * (the workspace's provider) against tests/peers/exec-api-peer.py speaking
 * Ollama's /api/embed. Records are embedded and stored per model, stale
 * vectors are redone after an edit, search asks for the query's vector and
 * blends it in, and a failing or missing model leaves search by text.
 */
#include "config.h"

#include <string.h>

#include "app/aios-workspace.h"
#include "exec-test-util.h"

static const AiosProvenance operator = { "operator", 0, NULL };

static gint64
put (AiosMemory *memory,
     gint64      id,
     const char *json,
     const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  gint64 r = aios_memory_put (memory, id, id ? NULL : "note", json_node_get_object (node), body, &operator, NULL, &error);

  g_assert_no_error (error);
  return r;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gint64
db_int (AiosWorkspace *ws,
        const char    *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (ws), sql, NULL);
  gint64 n;

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static guint
index_all (AiosMemory *memory)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  aios_memory_index_async (memory, 0, NULL, store_result, &result);
  g_assert_true (aios_memory_index_finish (memory, wait_result (&result), &n, &error));
  g_assert_no_error (error);
  return n;
}

static GPtrArray *
search_async (AiosMemory *memory,
              const char *query,
              gboolean   *hybrid)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AiosSearchOptions o = { .query = query };
  GPtrArray *hits;

  aios_memory_search_async (memory, &o, NULL, store_result, &result);
  hits = aios_memory_search_finish (memory, wait_result (&result), hybrid, &error);
  g_assert_no_error (error);
  return hits;
}

static void
test_hybrid_with_ollama_peer (void)
{
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autofree char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  g_autofree char *url = exec_peer_url (peer, "ok", "");
  g_autofree char *bad = exec_peer_url (peer, "e500", "");
  gint64 a, b;
  gboolean hybrid = TRUE;

  a = put (memory, 0, "{\"title\": \"Harbour invoice\"}", "Sent in March.");
  b = put (memory, 0, "{\"title\": \"Bakery pricing\"}", "Day rate 800.");

  /* nothing configured: text only, nothing embedded */
  g_assert_false (aios_memory_can_embed (memory));
  {
    g_autoptr(GPtrArray) hits = search_async (memory, "harbour", &hybrid);
    g_assert_false (hybrid);
    g_assert_cmpuint (hits->len, ==, 1);
  }

  exec_set (ws, "llm.local.url", url);
  exec_set (ws, "llm.local.model", "qwen-test");
  exec_set (ws, "llm.embed.model", "embed-test");
  g_assert_true (aios_memory_can_embed (memory));
  exec_peer_reset (peer);

  g_assert_cmpuint (index_all (memory), ==, 2);
  g_assert_cmpint (db_int (ws, "SELECT COUNT(*) FROM record_embeddings WHERE model = 'embed-test' "
                               "AND length (vector) = 32"), ==, 2);
  g_assert_cmpuint (index_all (memory), ==, 0);   /* nothing stale */
  put (memory, a, "{\"title\": \"Harbour invoice (paid)\"}", NULL);
  g_assert_cmpuint (index_all (memory), ==, 1);   /* the new version only */
  g_assert_cmpint (db_int (ws, "SELECT version FROM record_embeddings WHERE record_id = 1"), ==, 2);
  {
    g_autoptr(JsonArray) log = exec_peer_log (peer);
    JsonObject *first = json_array_get_object_element (log, 0);
    g_assert_cmpuint (json_array_get_length (log), ==, 2);
    g_assert_nonnull (strstr (json_object_get_string_member (first, "path"), "/api/embed"));
  }

  /* search asks for the query's vector and blends it in */
  exec_peer_reset (peer);
  {
    g_autoptr(GPtrArray) hits = search_async (memory, "harbour", &hybrid);
    g_autoptr(JsonArray) log = exec_peer_log (peer);
    AiosMemoryHit *top;
    g_assert_true (hybrid);
    g_assert_cmpuint (json_array_get_length (log), ==, 1);
    /* the peer's vectors are hashes: "harbour" is 0.43 from record a's
     * text and points away from b's, which is therefore no hit */
    g_assert_cmpuint (hits->len, ==, 1);
    top = hits->pdata[0];
    g_assert_cmpint (top->id, ==, a);
    g_assert_cmpfloat (top->lexical, >, 0.9);
    g_assert_cmpfloat (top->similarity, >, 0.43);
    g_assert_cmpfloat (top->similarity, <, 0.44);
  }

  /* a failing model: search still answers, by text */
  exec_set (ws, "llm.local.url", bad);
  {
    g_autoptr(GPtrArray) hits = search_async (memory, "bakery", &hybrid);
    g_assert_false (hybrid);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpint (((AiosMemoryHit *) hits->pdata[0])->id, ==, b);
  }

  exec_workspace_free (ws, g_steal_pointer (&path));
  exec_peer_stop (peer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/embed/hybrid-with-ollama-peer", test_hybrid_with_ollama_peer);
  return g_test_run ();
}
