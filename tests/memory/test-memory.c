/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The memory service on real workspace files: versions, provenance, the
 * journal in the same transaction, validation naming the field, revert,
 * soft delete, lookups, session records, run rollback and diffs.
 */
#include "config.h"

#include <string.h>

#include "app/aios-workspace.h"
#include "store/aios-journal.h"

static const AiosProvenance operator = { "operator", 0, NULL };

static AiosWorkspace *
open_ws (char **out_path)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-memory-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  AiosWorkspace *ws = aios_workspace_open (path, &error);

  g_assert_no_error (error);
  if (out_path)
    *out_path = g_steal_pointer (&path);
  return ws;
}

static JsonObject *
obj (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static gint64
count (AiosStore  *store,
       const char *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static void
test_versions_and_provenance (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AiosWorkspace) ws = open_ws (&path);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) f1 = obj ("{\"name\": \"Dana Scully\", \"email\": \"dana@example.com\", \"company\": \"FBI\"}");
  g_autoptr(JsonObject) f2 = obj ("{\"name\": \"Dana Scully\", \"email\": \"dana@fbi.example\", \"company\": \"FBI\"}");
  AiosProvenance agent = { "agent:outreach", 412, "Found a newer address in her signature" };
  gint64 id, v = 0;

  id = aios_memory_put (memory, 0, "contact", f1, "Met at the conference.", &operator, &v, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (v, ==, 1);
  g_assert_cmpint (aios_memory_put (memory, id, NULL, f2, NULL, &agent, &v, &error), ==, id);
  g_assert_no_error (error);
  g_assert_cmpint (v, ==, 2);

  /* Reopen the file: everything was committed. */
  g_clear_object (&ws);
  ws = aios_workspace_open (path, &error);
  g_assert_no_error (error);
  memory = aios_workspace_get_memory (ws);
  store = aios_workspace_get_store (ws);

  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_autoptr(AiosRecord) r1 = aios_memory_get_version (memory, id, 1, &error);
    g_autoptr(GPtrArray) history = aios_memory_history (memory, id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (r->kind, ==, "contact");
    g_assert_cmpstr (r->title, ==, "Dana Scully");
    g_assert_cmpstr (r->layer, ==, "durable");
    g_assert_cmpint (r->version, ==, 2);
    g_assert_cmpstr (aios_record_get_field (r, "email"), ==, "dana@fbi.example");
    g_assert_cmpstr (r->body, ==, "Met at the conference.");   /* NULL body kept it */
    g_assert_cmpstr (r->author, ==, "agent:outreach");
    g_assert_cmpint (r->run_id, ==, 412);
    g_assert_cmpstr (r->rationale, ==, "Found a newer address in her signature");
    g_assert_cmpint (r->ts, >, 0);
    g_assert_cmpstr (aios_record_get_field (r1, "email"), ==, "dana@example.com");
    g_assert_cmpstr (r1->author, ==, "operator");
    g_assert_cmpuint (history->len, ==, 2);
    g_assert_cmpint (((AiosRecord *) history->pdata[0])->version, ==, 1);
  }

  /* Each write journaled, linked to ("record", id, version). */
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events WHERE kind = 'memory.written'"), ==, 2);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM event_links l JOIN events e ON e.id = l.event_id "
                                 "WHERE l.target_kind = 'record' AND l.version = 2 AND e.run_id = 412 "
                                 "AND e.actor = 'agent:outreach'"), ==, 1);
  {
    g_autoptr(GPtrArray) events = aios_journal_list (store, 412, 0, 0, &error);
    AiosEvent *ev;
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 1);
    ev = events->pdata[0];
    g_assert_nonnull (strstr (ev->summary, "Dana Scully"));
    g_assert_nonnull (strstr (ev->payload_json, "\"changed\":[\"email\"]"));
  }

  /* Not found. */
  g_assert_null (aios_memory_get (memory, 9999, &error));
  g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (aios_memory_get_version (memory, id, 7, &error));
  g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND);
}

static void
test_validation (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  struct { const char *kind, *json, *field; int code; } cases[] = {
    { "contact", "{\"email\": \"a@b.example\"}", "name", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contact", "{\"name\": \"A\", \"email\": \"not an address\"}", "email", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contact", "{\"name\": \"A\", \"phone\": \"call me\"}", "phone", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contact", "{\"name\": \"A\", \"favourite\": \"tea\"}", "favourite", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contract", "{\"client\": \"ACME\", \"rate\": \"lots\", \"currency\": \"EUR\"}", "rate", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contract", "{\"client\": \"ACME\", \"rate\": 90, \"currency\": \"euro\"}", "currency", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "contract", "{\"client\": \"ACME\", \"rate\": 90, \"currency\": \"EUR\", \"billing_cadence\": \"hourly\"}", "billing_cadence", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "project", "{\"name\": \"P\", \"due\": \"2026-02-30\"}", "due", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "decision", "{\"subject\": \"Discount\"}", "rationale", AIOS_MEMORY_ERROR_INVALID_FIELD },
    { "gossip", "{}", "gossip", AIOS_MEMORY_ERROR_UNKNOWN_KIND },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) f = obj (cases[i].json);
      g_autofree char *quoted = g_strdup_printf ("“%s”", cases[i].field);

      g_assert_cmpint (aios_memory_put (memory, 0, cases[i].kind, f, NULL, &operator, NULL, &error), ==, 0);
      g_assert_error (error, AIOS_MEMORY_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, quoted));
    }
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records"), ==, 0);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events"), ==, 0);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) ok = obj ("{\"client\": \"ACME\", \"rate\": \"95.50\", \"currency\": \"EUR\", "
                                    "\"billing_cadence\": \"monthly\", \"x-po-number\": \"PO-7\", \"tags\": [\"retainer\"]}");
    gint64 id = aios_memory_put (memory, 0, "contract", ok, "Net 30.", &operator, NULL, &error);
    g_autoptr(AiosRecord) r = NULL;

    g_assert_no_error (error);
    r = aios_memory_get (memory, id, &error);
    g_assert_cmpstr (r->title, ==, "Contract with ACME");
    /* the kind cannot change */
    g_assert_cmpint (aios_memory_put (memory, id, "note", ok, NULL, &operator, NULL, &error), ==, 0);
    g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD);
  }
}

static void
test_transaction_participation (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) f = obj ("{\"title\": \"Call back Monday\"}");
  AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "step.succeeded", .summary = (char *) "x" };

  /* The caller rolls back: the record, its version and its event vanish. */
  g_assert_true (aios_store_begin (store, &error));
  g_assert_cmpint (aios_memory_put (memory, 0, "note", f, NULL, &operator, NULL, &error), >, 0);
  g_assert_cmpint (aios_journal_append (store, &ev, &error), >, 0);
  aios_store_rollback (store);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records"), ==, 0);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM record_versions"), ==, 0);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events"), ==, 0);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records_fts"), ==, 0);

  /* The caller commits: both land together. */
  g_assert_true (aios_store_begin (store, &error));
  g_assert_cmpint (aios_memory_put (memory, 0, "note", f, NULL, &operator, NULL, &error), >, 0);
  g_assert_cmpint (aios_journal_append (store, &ev, &error), >, 0);
  g_assert_true (aios_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records"), ==, 1);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events"), ==, 2);
}

static void
test_revert_delete_restore (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) a = obj ("{\"name\": \"Fox Mulder\", \"email\": \"fox@example.com\"}");
  g_autoptr(JsonObject) b = obj ("{\"name\": \"Fox W. Mulder\", \"email\": \"fox@example.com\", \"phone\": \"+1 202 555 0100\"}");
  gint64 id, v = 0;
  AiosProvenance why = { "operator", 0, "The agent got it wrong" };

  id = aios_memory_put (memory, 0, "contact", a, "line one\nline two\n", &operator, NULL, &error);
  aios_memory_put (memory, id, NULL, b, "line one\nline 2\nline three\n", &operator, NULL, &error);
  g_assert_no_error (error);

  v = aios_memory_revert (memory, id, 1, &why, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v, ==, 3);
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_autoptr(GPtrArray) h = aios_memory_history (memory, id, &error);
    g_assert_cmpstr (r->title, ==, "Fox Mulder");
    g_assert_null (aios_record_get_field (r, "phone"));
    g_assert_cmpstr (r->body, ==, "line one\nline two\n");
    g_assert_cmpstr (r->rationale, ==, "The agent got it wrong");
    g_assert_cmpuint (h->len, ==, 3);   /* nothing erased */
  }
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events WHERE kind = 'memory.reverted' "
                                 "AND payload_json LIKE '%\"reverted_to\":1%'"), ==, 1);

  /* Diff between version 2 and 3 */
  {
    g_autoptr(AiosRecordDiff) d = aios_memory_diff (memory, id, 2, 3, &error);
    AiosFieldChange *c0, *c1;
    g_assert_no_error (error);
    g_assert_cmpuint (d->fields->len, ==, 2);
    c0 = d->fields->pdata[0];
    c1 = d->fields->pdata[1];
    g_assert_cmpstr (c0->field, ==, "name");
    g_assert_cmpstr (c0->old_value, ==, "Fox W. Mulder");
    g_assert_cmpstr (c0->new_value, ==, "Fox Mulder");
    g_assert_cmpstr (c1->field, ==, "phone");
    g_assert_cmpstr (c1->new_value, ==, "");
    g_assert_true (d->body_changed);
    g_assert_cmpuint (d->body_lines->len, ==, 4);
    g_assert_cmpstr (d->body_lines->pdata[0], ==, "  line one");
    g_assert_cmpstr (d->body_lines->pdata[1], ==, "- line 2");
    g_assert_cmpstr (d->body_lines->pdata[2], ==, "- line three");
    g_assert_cmpstr (d->body_lines->pdata[3], ==, "+ line two");
  }

  /* Soft delete: gone from lookups and the index, history kept. */
  {
    g_autoptr(AiosRecord) found = aios_memory_find (memory, "contact", "email", "FOX@example.com", &error);
    g_assert_nonnull (found);
  }
  g_assert_true (aios_memory_delete (memory, id, &operator, &error));
  g_assert_no_error (error);
  g_assert_null (aios_memory_find (memory, "contact", "email", "fox@example.com", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records_fts"), ==, 0);
  g_assert_false (aios_memory_delete (memory, id, &operator, &error));
  g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_DELETED);
  g_clear_error (&error);
  g_assert_cmpint (aios_memory_put (memory, id, NULL, b, NULL, &operator, NULL, &error), ==, 0);
  g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_DELETED);
  g_clear_error (&error);
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_assert_true (r->deleted);
    g_assert_cmpint (r->version, ==, 4);
  }
  g_assert_true (aios_memory_restore (memory, id, &operator, &error));
  g_assert_no_error (error);
  {
    g_autoptr(AiosRecord) found = aios_memory_find (memory, "contact", "email", "fox@example.com", &error);
    g_assert_nonnull (found);
    g_assert_cmpint (found->version, ==, 5);
    g_assert_false (found->deleted);
  }
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records_fts"), ==, 1);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events WHERE kind IN ('memory.deleted', 'memory.restored')"), ==, 2);

  /* Revert to the deleted version 4 deletes again: revert restores a state. */
  g_assert_cmpint (aios_memory_revert (memory, id, 4, &operator, &error), ==, 6);
  g_assert_null (aios_memory_find (memory, "contact", "email", "fox@example.com", &error));
}

static void
test_sessions (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) f = obj ("{\"title\": \"Scratch: prices compared\"}");
  AiosProvenance run7 = { "agent:researcher", 7, NULL };
  AiosProvenance run8 = { "agent:researcher", 8, NULL };
  guint n = 99;
  gint64 s1, s2, s3;

  g_assert_cmpint (aios_memory_put_session (memory, "note", f, NULL, &operator, NULL, &error), ==, 0);
  g_assert_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD);
  g_clear_error (&error);

  s1 = aios_memory_put_session (memory, "note", f, "a", &run7, NULL, &error);
  s2 = aios_memory_put_session (memory, "note", f, "b", &run7, NULL, &error);
  s3 = aios_memory_put_session (memory, "note", f, "c", &run8, NULL, &error);
  g_assert_no_error (error);
  /* an update by someone else keeps it in run 7's session */
  g_assert_cmpint (aios_memory_put (memory, s1, NULL, NULL, "a2", &operator, NULL, &error), ==, s1);
  g_assert_cmpint (aios_memory_promote (memory, s2, &run7, &error), ==, 2);

  g_assert_true (aios_memory_end_session (memory, 7, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_null (aios_memory_get (memory, s1, &error));
  g_clear_error (&error);
  {
    g_autoptr(AiosRecord) kept = aios_memory_get (memory, s2, &error);
    g_autoptr(AiosRecord) other = aios_memory_get (memory, s3, &error);
    g_assert_cmpstr (kept->layer, ==, "durable");
    g_assert_cmpstr (other->layer, ==, "session");
  }
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM record_versions"), ==, 3);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM records_fts"), ==, 2);
  g_assert_cmpint (count (store, "SELECT COUNT(*) FROM events WHERE kind = 'memory.session-ended' "
                                 "AND run_id = 7 AND payload_json LIKE '%Scratch%'"), ==, 1);
  g_assert_true (aios_memory_end_session (memory, 7, &n, &error));
  g_assert_cmpuint (n, ==, 0);
}

static void
test_rollback_run (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) lead = obj ("{\"name\": \"Walter Skinner\", \"status\": \"new\"}");
  g_autoptr(JsonObject) lead2 = obj ("{\"name\": \"Walter Skinner\", \"status\": \"contacted\"}");
  g_autoptr(JsonObject) lead3 = obj ("{\"name\": \"Walter Skinner\", \"status\": \"qualified\"}");
  g_autoptr(JsonObject) other = obj ("{\"name\": \"Alex Krycek\", \"status\": \"new\"}");
  g_autoptr(JsonObject) third = obj ("{\"name\": \"John Doggett\", \"status\": \"new\"}");
  AiosProvenance run = { "agent:qualifier", 21, NULL };
  AiosProvenance rollback = { "operator", 0, "Roll back run 21" };
  g_autoptr(GArray) conflicts = NULL;
  gint64 a, b, c;
  guint restored = 0;

  a = aios_memory_put (memory, 0, "lead", lead, NULL, &operator, NULL, &error);
  aios_memory_put (memory, a, NULL, lead2, NULL, &run, NULL, &error);
  aios_memory_put (memory, a, NULL, lead3, NULL, &run, NULL, &error);
  b = aios_memory_put (memory, 0, "lead", other, NULL, &run, NULL, &error);
  c = aios_memory_put (memory, 0, "lead", third, NULL, &operator, NULL, &error);
  aios_memory_put (memory, c, NULL, lead2, NULL, &run, NULL, &error);
  /* the operator changes c after the run: rollback must not undo that */
  aios_memory_put (memory, c, NULL, third, NULL, &operator, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (aios_memory_rollback_run (memory, 21, &rollback, &restored, &conflicts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (restored, ==, 2);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpint (g_array_index (conflicts, gint64, 0), ==, c);
  {
    g_autoptr(AiosRecord) ra = aios_memory_get (memory, a, &error);
    g_autoptr(AiosRecord) rb = aios_memory_get (memory, b, &error);
    g_assert_cmpstr (aios_record_get_field (ra, "status"), ==, "new");
    g_assert_cmpint (ra->version, ==, 4);
    g_assert_cmpstr (ra->author, ==, "operator");
    g_assert_true (rb->deleted);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory/versions-and-provenance", test_versions_and_provenance);
  g_test_add_func ("/memory/validation", test_validation);
  g_test_add_func ("/memory/transaction-participation", test_transaction_participation);
  g_test_add_func ("/memory/revert-delete-restore", test_revert_delete_restore);
  g_test_add_func ("/memory/sessions", test_sessions);
  g_test_add_func ("/memory/rollback-run", test_rollback_run);
  return g_test_run ();
}
