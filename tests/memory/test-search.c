/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Search with provenance on a real workspace file: BM25 field weights,
 * kind filter, prefix matching, recency, link strength from the journal,
 * hybrid ranking with stored vectors, the reader connection, and context
 * assembly within a token budget.
 */
#include "config.h"

#include <string.h>

#include "app/aios-workspace.h"
#include "store/aios-journal.h"

static const AiosProvenance operator = { "operator", 0, NULL };

static AiosWorkspace *
open_ws (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-search-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  AiosWorkspace *ws = aios_workspace_open (path, &error);

  g_assert_no_error (error);
  return ws;
}

static gint64
put (AiosMemory           *memory,
     const char           *kind,
     const char           *json,
     const char           *body,
     const AiosProvenance *prov)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  gint64 id;

  g_assert_no_error (error);
  id = aios_memory_put (memory, 0, kind, json_node_get_object (node), body, prov ? prov : &operator, NULL, &error);
  g_assert_no_error (error);
  return id;
}

static void
age (AiosStore *store,
     gint64     id,
     int        days)
{
  sqlite3_stmt *stmt = aios_store_prepare (store,
                                           "UPDATE records SET updated_at = updated_at - ?2 WHERE id = ?1", NULL);
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, (gint64) days * 24 * 3600 * 1000);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);
  stmt = aios_store_prepare (store, "UPDATE record_versions SET ts = ts - ?2 WHERE record_id = ?1", NULL);
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, (gint64) days * 24 * 3600 * 1000);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);
}

static void
use_in_run (AiosStore *store,
            gint64     run_id,
            gint64     id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  AiosEvent ev = { .run_id = run_id, .actor = (char *) "agent:writer", .kind = (char *) "step.succeeded",
                   .summary = (char *) "used" };
  AiosEventLink link = { "record", target, 1 };

  g_assert_cmpint (aios_journal_append_linked (store, &ev, &link, 1, &error), >, 0);
  g_assert_no_error (error);
}

static AiosMemoryHit *
hit (GPtrArray *hits,
     guint      i)
{
  g_assert_cmpuint (hits->len, >, i);
  return g_ptr_array_index (hits, i);
}

static void
test_ranking_with_provenance (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  g_autoptr(GError) error = NULL;
  AiosProvenance agent = { "agent:qualifier", 412, "Scored from the web form" };
  gint64 in_body, in_title, lead;

  in_body = put (memory, "note", "{\"title\": \"Weekly review\"}",
                 "Talked about the Harbourview redesign and the budget.", NULL);
  in_title = put (memory, "project", "{\"name\": \"Harbourview redesign\", \"status\": \"active\"}",
                  "New site for the marina.", NULL);
  lead = put (memory, "lead", "{\"name\": \"Harbourview Marina\", \"email\": \"ops@harbourview.example\"}",
              NULL, &agent);
  put (memory, "contact", "{\"name\": \"Unrelated Person\"}", "Nothing to see.", NULL);

  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "harbourview", NULL, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 3);
    /* title matches outrank a body mention */
    g_assert_cmpint (hit (hits, 2)->id, ==, in_body);
    g_assert_nonnull (strstr (hit (hits, 2)->snippet, "[Harbourview]"));
    g_assert_cmpstr (hit (hits, 2)->author, ==, "operator");
    g_assert_cmpint (hit (hits, 2)->version, ==, 1);
  }
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "harbourview", "lead", 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpint (hit (hits, 0)->id, ==, lead);
    g_assert_cmpstr (hit (hits, 0)->author, ==, "agent:qualifier");
    g_assert_cmpint (hit (hits, 0)->run_id, ==, 412);
    g_assert_cmpstr (hit (hits, 0)->kind, ==, "lead");
  }
  {
    /* all words must match; the last is a prefix; the email is a phrase */
    g_autoptr(GPtrArray) a = aios_memory_search (memory, "harbourview redes", NULL, 10, &error);
    g_autoptr(GPtrArray) b = aios_memory_search (memory, "ops@harbourview.example", NULL, 10, &error);
    g_autoptr(GPtrArray) c = aios_memory_search (memory, "\"harbour* OR NEAR(", NULL, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (a->len, ==, 2);
    g_assert_cmpint (hit (a, 0)->id, ==, in_title);
    g_assert_cmpuint (b->len, ==, 1);
    g_assert_cmpint (hit (b, 0)->id, ==, lead);
    g_assert_nonnull (c);   /* never a syntax error */
  }
  {
    /* the kind is a filter, not text: "lead" finds no record for being a lead */
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "lead", NULL, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 0);
  }
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "x", "gossip", 10, &error);
    g_assert_null (hits);
    g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND);
    g_clear_error (&error);
  }
  /* deleted records leave the index; an edit is found by its new words only */
  g_assert_true (aios_memory_delete (memory, in_body, &operator, &error));
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "harbourview", NULL, 10, &error);
    g_assert_cmpuint (hits->len, ==, 2);
  }
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "", NULL, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 3);   /* browsing: recent first */
  }
}

static void
test_recency_and_links (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  gint64 old, fresh, a, b, anchor;

  old = put (memory, "note", "{\"title\": \"Pricing policy\"}", "Day rate 800.", NULL);
  fresh = put (memory, "note", "{\"title\": \"Pricing policy\"}", "Day rate 800.", NULL);
  age (store, old, 365);
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "pricing", NULL, 10, &error);
    g_assert_cmpint (hit (hits, 0)->id, ==, fresh);
    g_assert_cmpfloat (hit (hits, 0)->recency, >, hit (hits, 1)->recency);
  }

  /* used in more runs → ranked higher among equals */
  a = put (memory, "template", "{\"name\": \"Follow-up email\"}", "Hi {name},", NULL);
  b = put (memory, "template", "{\"name\": \"Follow-up email\"}", "Hi {name},", NULL);
  use_in_run (store, 1, b);
  use_in_run (store, 2, b);
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (memory, "follow-up", NULL, 10, &error);
    g_assert_cmpint (hit (hits, 0)->id, ==, b);
    g_assert_cmpfloat (hit (hits, 0)->usage, >, 0.5);
  }

  /* used together with the record the task is about → ranked higher */
  anchor = put (memory, "client", "{\"name\": \"Skyline Bakery\"}", NULL, NULL);
  use_in_run (store, 3, anchor);
  use_in_run (store, 3, a);
  use_in_run (store, 4, a);
  use_in_run (store, 5, b);
  {
    AiosSearchOptions o = { .query = "follow-up", .related = &anchor, .n_related = 1 };
    g_autoptr(GPtrArray) plain = aios_memory_search (memory, "follow-up", NULL, 10, &error);
    g_autoptr(GPtrArray) hits = aios_memory_search_full (memory, &o, &error);
    g_assert_no_error (error);
    g_assert_cmpint (hit (plain, 0)->id, ==, b);  /* 3 runs beat 2 */
    g_assert_cmpint (hit (hits, 0)->id, ==, a);   /* but a was used with the bakery */
  }
}

static void
test_reader_and_vectors (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  gint64 cat, dog;
  sqlite3 *reader;
  float v_cat[3] = { 1, 0, 0 }, v_dog[3] = { 0, 1, 0 }, q[3] = { 0.1f, 0.9f, 0 };

  cat = put (memory, "note", "{\"title\": \"Feline care\"}", "Brush weekly.", NULL);
  dog = put (memory, "note", "{\"title\": \"Canine walking schedule\"}", "Twice a day.", NULL);
  for (int i = 0; i < 2; i++)
    {
      sqlite3_stmt *stmt = aios_store_prepare (store,
                                               "INSERT INTO record_embeddings (record_id, version, model, vector) "
                                               "VALUES (?, 1, 'test-model', ?)", NULL);
      sqlite3_bind_int64 (stmt, 1, i == 0 ? cat : dog);
      sqlite3_bind_blob (stmt, 2, i == 0 ? v_cat : v_dog, sizeof v_cat, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }

  reader = aios_store_open_reader (store, &error);
  g_assert_no_error (error);
  {
    AiosSearchOptions lexical = { .query = "pet" };
    AiosSearchOptions hybrid = { .query = "pet", .query_vector = q, .n_dims = 3, .vector_model = "test-model" };
    AiosSearchOptions feline = { .query = "feline", .query_vector = q, .n_dims = 3, .vector_model = "test-model" };
    g_autoptr(GPtrArray) none = aios_memory_search_on (reader, &lexical, &error);
    g_autoptr(GPtrArray) near = aios_memory_search_on (reader, &hybrid, &error);
    g_autoptr(GPtrArray) both = aios_memory_search_on (reader, &feline, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (none->len, ==, 0);
    g_assert_cmpuint (near->len, ==, 2);          /* found by meaning alone */
    g_assert_cmpint (hit (near, 0)->id, ==, dog);
    g_assert_cmpfloat (hit (near, 0)->similarity, >, 0.9);
    g_assert_cmpint (hit (both, 0)->id, ==, cat); /* the word still counts */
  }
  sqlite3_close (reader);
}

static void
test_context_assembly (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  const char *ephemeral[] = { "Inbound email: Can you send the invoice for October?", NULL };
  g_autofree char *long_body = NULL;
  GString *b = g_string_new (NULL);
  gint64 client, contract, old_note, tone;

  for (int i = 0; i < 80; i++)
    g_string_append (b, "The invoice terms were negotiated at length in many meetings. ");
  long_body = g_string_free (b, FALSE);

  client = put (memory, "client", "{\"name\": \"Skyline Bakery\", \"email\": \"billing@skyline.example\"}",
                "Pays on time.", NULL);
  contract = put (memory, "contract", "{\"client\": \"Skyline Bakery\", \"rate\": 95, \"currency\": \"EUR\", "
                  "\"billing_cadence\": \"monthly\"}", long_body, NULL);
  old_note = put (memory, "note", "{\"title\": \"Skyline invoice dispute 2024\"}",
                  "They disputed one invoice in 2024; resolved with a discount.", NULL);
  tone = put (memory, "template", "{\"name\": \"Invoice email\", \"purpose\": \"invoice\", \"tone\": \"warm, brief\"}",
              "Hi {name}, here is the invoice for {month}.", NULL);
  age (store, old_note, 400);

  {
    g_autoptr(AiosContext) ctx = aios_memory_assemble_context (memory, "Send the Skyline Bakery invoice for October",
                                                               300, ephemeral, NULL, 0, &error);
    g_autoptr(GPtrArray) links = NULL;
    gboolean saw_old = FALSE, saw_contract = FALSE;

    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (ctx->text, "Inbound email:"));
    g_assert_cmpuint (ctx->tokens, <=, 300);
    g_assert_cmpuint (ctx->items->len, ==, 4);
    for (guint i = 0; i < ctx->items->len; i++)
      {
        AiosContextItem *item = &g_array_index (ctx->items, AiosContextItem, i);
        if (item->id == old_note)
          saw_old = item->summarised;     /* old: summarised, not dropped */
        if (item->id == contract)
          saw_contract = item->summarised; /* too long for the budget: summarised */
        g_assert_cmpint (item->version, ==, 1);
      }
    g_assert_true (saw_old);
    g_assert_true (saw_contract);
    g_assert_cmpuint (ctx->n_full, >=, 1);
    g_assert_nonnull (strstr (ctx->text, "billing@skyline.example"));
    links = aios_context_dup_links (ctx);
    g_assert_cmpuint (links->len, ==, 4);
    g_assert_cmpstr (((AiosEventLink *) links->pdata[0])->target_kind, ==, "record");
  }
  {
    /* a tiny budget still says what exists, within the budget */
    g_autoptr(AiosContext) ctx = aios_memory_assemble_context (memory, "Skyline invoice", 60, NULL, NULL, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ctx->tokens, <=, 60);
    g_assert_cmpuint (ctx->n_summarised + ctx->n_full, >=, 1);
    g_assert_cmpuint (ctx->n_left_out, >=, 1);
  }
  (void) client;
  (void) tone;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/search/ranking-with-provenance", test_ranking_with_provenance);
  g_test_add_func ("/search/recency-and-links", test_recency_and_links);
  g_test_add_func ("/search/reader-and-vectors", test_reader_and_vectors);
  g_test_add_func ("/search/context-assembly", test_context_assembly);
  return g_test_run ();
}
