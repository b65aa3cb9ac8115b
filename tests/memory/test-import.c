/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Import and export on real workspace files: CSV (BOM, quoted fields with
 * delimiters, quotes and line breaks, semicolons, header mapping, bad rows
 * by line), wrong encodings, empty files, duplicate emails, 10k rows, vCard
 * 2.1/3.0/4.0 including malformed cards, the workspace JSON round trip, and
 * the `aios import` / `aios export` commands.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "app/aios-workspace.h"
#include "cli/aios-cli.h"
#include "memory/aios-memory-import.h"

static AiosWorkspace *
open_ws (char **out_path)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-import-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  AiosWorkspace *ws = aios_workspace_open (path, &error);

  g_assert_no_error (error);
  if (out_path)
    *out_path = g_steal_pointer (&path);
  return ws;
}

static AiosImportReport *
import_text (AiosWorkspace *ws,
             const char    *text,
             gssize         len,
             GError       **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, len < 0 ? strlen (text) : (gsize) len);
  return aios_memory_import (aios_workspace_get_memory (ws), bytes, AIOS_IMPORT_AUTO, "test.csv",
                             NULL, NULL, error);
}

static gint64
count (AiosWorkspace *ws,
       const char    *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (ws), sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static AiosRecord *
find_email (AiosWorkspace *ws,
            const char    *email)
{
  g_autoptr(GError) error = NULL;
  AiosRecord *r = aios_memory_find (aios_workspace_get_memory (ws), "contact", "email", email, &error);
  g_assert_no_error (error);
  return r;
}

static AiosImportNote *
note (GPtrArray *notes,
      guint      i)
{
  g_assert_cmpuint (notes->len, >, i);
  return g_ptr_array_index (notes, i);
}

static void
test_csv_quoting_and_bom (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  g_autoptr(GError) error = NULL;
  const char *csv =
    "\xEF\xBB\xBF" "Full Name,E-mail Address,Company,Notes,Shoe size\r\n"
    "\"Scully, Dana\",dana@example.com,\"FBI \"\"X\"\" Files\",\"first line\r\nsecond line\",38\r\n"
    "\r\n"
    "Fox Mulder,fox@example.com,FBI,,\r\n"
    "No Email Person,,Acme,,\r\n"
    ",nobody@example.com,,,\r\n"
    "Bad Address,bad@,,,\r\n"
    "Too Many,t@example.com,a,b,c,d\r\n"
    "J\xC3\xBCrgen M\xC3\xBCller,jm@example.de,,,\r\n";
  g_autoptr(AiosImportReport) report = import_text (ws, csv, -1, &error);
  g_autoptr(AiosRecord) dana = NULL;
  g_autoptr(AiosRecord) jm = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (report->format, ==, "csv");
  g_assert_cmpuint (report->imported, ==, 4);
  g_assert_cmpuint (report->skipped, ==, 3);
  /* each skip names its line and the reason */
  g_assert_cmpuint (note (report->skips, 0)->line, ==, 7);
  g_assert_nonnull (strstr (note (report->skips, 0)->message, "“name”"));
  g_assert_cmpuint (note (report->skips, 1)->line, ==, 8);
  g_assert_nonnull (strstr (note (report->skips, 1)->message, "“email”"));
  g_assert_cmpuint (note (report->skips, 2)->line, ==, 9);
  g_assert_nonnull (strstr (note (report->skips, 2)->message, "6 fields"));
  /* the unknown column is kept, and said so */
  g_assert_nonnull (strstr (note (report->notes, 0)->message, "x-shoe-size"));

  dana = find_email (ws, "dana@example.com");
  g_assert_nonnull (dana);
  g_assert_cmpstr (dana->title, ==, "Scully, Dana");
  g_assert_cmpstr (aios_record_get_field (dana, "company"), ==, "FBI \"X\" Files");
  g_assert_cmpstr (aios_record_get_field (dana, "x-shoe-size"), ==, "38");
  g_assert_cmpstr (dana->body, ==, "first line\nsecond line");
  g_assert_cmpstr (dana->author, ==, "import");
  g_assert_cmpstr (dana->rationale, ==, "Imported from test.csv, line 2");
  jm = find_email (ws, "JM@example.de");
  g_assert_cmpstr (jm->title, ==, "Jürgen Müller");
  g_assert_cmpint (count (ws, "SELECT COUNT(*) FROM events WHERE kind = 'memory.imported'"), ==, 1);
}

static void
test_csv_semicolons_and_names (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  g_autoptr(GError) error = NULL;
  const char *csv = "First Name;Last Name;Email;Mobile Phone;Labels\n"
                    "Dana;Scully;dana@example.com;+1 202 555 0100;fbi, x-files\n"
                    "Fox;;fox@example.com;;\n";
  g_autoptr(AiosImportReport) report = import_text (ws, csv, -1, &error);
  g_autoptr(AiosRecord) dana = NULL;
  g_autoptr(AiosRecord) fox = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 2);
  dana = find_email (ws, "dana@example.com");
  fox = find_email (ws, "fox@example.com");
  g_assert_cmpstr (dana->title, ==, "Dana Scully");
  g_assert_cmpstr (aios_record_get_field (dana, "phone"), ==, "+1 202 555 0100");
  g_assert_cmpstr (aios_record_get_field (dana, "tags"), ==, "fbi, x-files");
  g_assert_cmpstr (fox->title, ==, "Fox");
}

static void
test_whole_file_errors (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  struct { const char *text; gssize len; const char *expect; } cases[] = {
    { "", 0, "empty" },
    { "\xEF\xBB\xBF  \r\n\r\n", -1, "empty" },
    { "Name,Email\nJos\xE9,jose@example.com\n", -1, "not UTF-8 text (first bad byte on line 2" },
    { "\xFF\xFEN\0a\0m\0e\0", 10, "UTF-16" },
    { "Email,Company\nx@example.com,Acme\n", -1, "no name column" },
    { "BEGIN:VCARD\nVERSION:3.0\nFN:Ok\nEND:VCARD\n\0\0", 42, "NUL" },  /* 40 + 2 NULs */
    { "{\"not\": \"an export\"}", -1, "not an Aios workspace export" },
    { "{broken json", -1, "not valid JSON" },
    /* found by tests/fuzz/fuzz-workspace-import: json-glib quotes the bad
     * string constant cut inside "í"; the error must still be UTF-8 */
    { "{\"format\":\"aios-workspace\",\"tables\":{\"events\":[\n{\"summary\":\"Contact \xE2\x80\x9CMar\xC3\xAD"
      "a Jos\xC3\xA9 Garc\xC3\xAD" "asummary\":\"Imported\"}]}}", -1, "not valid JSON" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AiosImportReport) report = import_text (ws, cases[i].text, cases[i].len, &error);

      g_assert_null (report);
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].expect);
    }
  g_assert_cmpint (count (ws, "SELECT COUNT(*) FROM records"), ==, 0);
  g_assert_cmpint (count (ws, "SELECT COUNT(*) FROM events"), ==, 0);
}

static void
test_duplicate_emails (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  AiosMemory *memory = aios_workspace_get_memory (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string ("{\"name\": \"Dana Scully\", \"email\": \"dana@example.com\", "
                                               "\"phone\": \"+1 202 555 0100\"}", NULL);
  gint64 id = aios_memory_put (memory, 0, "contact", json_node_get_object (node), "Existing notes",
                               &(AiosProvenance) { "operator", 0, NULL }, NULL, &error);
  const char *csv = "Name,Email,Company\n"
                    "Dana Scully,DANA@example.com,FBI\n"       /* updates the existing contact */
                    "Dana Scully,DANA@example.com,FBI\n"       /* now equal: unchanged */
                    "Fox Mulder,fox@example.com,FBI\n"         /* new */
                    "F. Mulder,fox@example.com,\n";            /* same email as line 4 */
  g_autoptr(AiosImportReport) report = import_text (ws, csv, -1, &error);
  g_autoptr(AiosRecord) dana = NULL;
  g_autoptr(AiosRecord) fox = NULL;
  g_autoptr(GPtrArray) history = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);
  g_assert_cmpuint (report->updated, ==, 2);
  g_assert_cmpuint (report->unchanged, ==, 1);
  g_assert_cmpuint (report->skipped, ==, 0);
  g_assert_cmpuint (note (report->updates, 0)->line, ==, 2);
  g_assert_cmpint (note (report->updates, 0)->id, ==, id);
  g_assert_nonnull (strstr (note (report->updates, 0)->message, "company “FBI”"));
  g_assert_nonnull (strstr (note (report->updates, 1)->message, "same email as line 4"));

  dana = find_email (ws, "dana@example.com");
  g_assert_cmpint (dana->id, ==, id);
  g_assert_cmpint (dana->version, ==, 2);
  /* nothing lost: the phone and notes the file did not have are kept */
  g_assert_cmpstr (aios_record_get_field (dana, "phone"), ==, "+1 202 555 0100");
  g_assert_cmpstr (dana->body, ==, "Existing notes");
  g_assert_cmpstr (aios_record_get_field (dana, "email"), ==, "DANA@example.com");
  history = aios_memory_history (memory, id, &error);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpstr (((AiosRecord *) history->pdata[0])->author, ==, "operator");

  fox = find_email (ws, "fox@example.com");
  g_assert_cmpstr (fox->title, ==, "F. Mulder");
  g_assert_cmpstr (aios_record_get_field (fox, "company"), ==, "FBI");   /* empty cell kept the value */
  g_assert_cmpint (count (ws, "SELECT COUNT(*) FROM records"), ==, 2);
}

static void
progress_cb (guint    done,
             guint    total,
             gpointer data)
{
  guint *last = data;
  g_assert_cmpuint (done, >=, *last);
  g_assert_cmpuint (done, <=, total);
  *last = done;
}

static void
test_ten_thousand_rows (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("Name,Email,Company,Phone\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(AiosImportReport) report = NULL;
  guint last = 0;
  gint64 t0;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (csv, "Person %u,person%u@example.com,Company %u,+49 30 %07u\n", i, i, i % 97, i);
  g_string_append (csv, "Broken Row,\"never closed,x\n");
  bytes = g_bytes_new (csv->str, csv->len);
  t0 = g_get_monotonic_time ();
  report = aios_memory_import (aios_workspace_get_memory (ws), bytes, AIOS_IMPORT_CSV, "big.csv",
                               progress_cb, &last, &error);
  g_assert_no_error (error);
  g_test_message ("10k rows imported in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (report->imported, ==, 10000);
  g_assert_cmpuint (report->skipped, ==, 1);
  g_assert_cmpuint (note (report->skips, 0)->line, ==, 10002);
  g_assert_nonnull (strstr (note (report->skips, 0)->message, "not closed"));
  g_assert_cmpuint (last, ==, 10001);
  g_assert_cmpint (count (ws, "SELECT COUNT(*) FROM records WHERE kind = 'contact'"), ==, 10000);
  {
    g_autoptr(AiosRecord) r = find_email (ws, "person9999@example.com");
    g_assert_cmpstr (r->title, ==, "Person 9999");
  }
}

static void
test_vcard (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws (NULL);
  g_autoptr(GError) error = NULL;
  const char *vcf =
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Walter Skinner\r\n"
    "N:Skinner;Walter;;;\r\n"
    "EMAIL;TYPE=INTERNET:walter@home.example\r\n"
    "item1.EMAIL;TYPE=INTERNET,PREF:ws@example.com\r\n"
    "TEL;TYPE=CELL:+1 202 555 0199\r\n"
    "ORG:FBI;Assistant Director\r\n"
    "ADR;TYPE=WORK:;;935 Pennsylvania Ave;Washington\\, DC;;20535;USA\r\n"
    "NOTE:Boss.\\nLikes reports on ti\r\n"
    " me.\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
    "TEL;WORK;VOICE:030 1234567\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Line one=0D=0ALine=\r\n"
    " two\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Monica Reyes\r\n"
    "EMAIL;PREF=1:mailto:monica@example.com\r\n"
    "TEL;VALUE=uri;TYPE=voice:tel:+1-555-555-0123\r\n"
    "URL:https://reyes.example\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "this line is not a property\r\n"
    "FN:Broken Card\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:5.0\r\n"
    "FN:Future Card\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "EMAIL:nameless@example.com\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Unclosed\r\n";
  g_autoptr(GBytes) bytes = g_bytes_new (vcf, strlen (vcf));
  g_autoptr(AiosImportReport) report = aios_memory_import (aios_workspace_get_memory (ws), bytes,
                                                           AIOS_IMPORT_AUTO, "contacts.vcf", NULL, NULL, &error);
  g_autoptr(AiosRecord) ws_rec = NULL;
  g_autoptr(AiosRecord) monica = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (report->format, ==, "vcard");
  g_assert_cmpuint (report->imported, ==, 3);
  g_assert_cmpuint (report->skipped, ==, 4);
  g_assert_cmpuint (note (report->skips, 0)->line, ==, 28);
  g_assert_nonnull (strstr (note (report->skips, 0)->message, "line 30 is not a vCard property"));
  g_assert_nonnull (strstr (note (report->skips, 1)->message, "5.0"));
  g_assert_nonnull (strstr (note (report->skips, 2)->message, "no name"));
  g_assert_nonnull (strstr (note (report->skips, 3)->message, "END:VCARD"));
  g_assert_nonnull (strstr (note (report->notes, 0)->message, "photo"));

  ws_rec = find_email (ws, "ws@example.com");
  g_assert_nonnull (ws_rec);
  g_assert_cmpstr (ws_rec->title, ==, "Walter Skinner");
  g_assert_cmpstr (aios_record_get_field (ws_rec, "company"), ==, "FBI");
  g_assert_cmpstr (aios_record_get_field (ws_rec, "x-department"), ==, "Assistant Director");
  g_assert_cmpstr (aios_record_get_field (ws_rec, "x-other-emails"), ==, "walter@home.example");
  g_assert_cmpstr (aios_record_get_field (ws_rec, "address"), ==, "935 Pennsylvania Ave, Washington, DC, 20535, USA");
  g_assert_cmpstr (ws_rec->body, ==, "Boss.\nLikes reports on time.");
  {
    g_autoptr(GPtrArray) hits = aios_memory_search (aios_workspace_get_memory (ws), "müller", NULL, 5, &error);
    g_autoptr(AiosRecord) jm = NULL;
    g_assert_cmpuint (hits->len, ==, 1);
    jm = aios_memory_get (aios_workspace_get_memory (ws), ((AiosMemoryHit *) hits->pdata[0])->id, &error);
    g_assert_cmpstr (jm->title, ==, "Jürgen Müller");
    g_assert_cmpstr (aios_record_get_field (jm, "phone"), ==, "030 1234567");
    g_assert_cmpstr (jm->body, ==, "Line one\r\nLine two");
  }
  monica = find_email (ws, "monica@example.com");
  g_assert_cmpstr (aios_record_get_field (monica, "phone"), ==, "+1-555-555-0123");
  g_assert_cmpstr (aios_record_get_field (monica, "website"), ==, "https://reyes.example");
}

static char *
export_to_string (AiosWorkspace *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_true (aios_memory_export (aios_workspace_get_memory (ws), out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_workspace_round_trip (void)
{
  g_autoptr(AiosWorkspace) a = open_ws (NULL);
  g_autoptr(AiosWorkspace) b = open_ws (NULL);
  g_autoptr(AiosWorkspace) c = open_ws (NULL);
  AiosMemory *ma = aios_workspace_get_memory (a);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) f1 = json_from_string ("{\"name\": \"Dana Scully\", \"email\": \"dana@example.com\"}", NULL);
  g_autoptr(JsonNode) f2 = json_from_string ("{\"name\": \"Dana Scully\", \"email\": \"dana@fbi.example\"}", NULL);
  g_autoptr(JsonNode) f3 = json_from_string ("{\"title\": \"Only in A\"}", NULL);
  g_autoptr(JsonNode) f4 = json_from_string ("{\"title\": \"Only in C\"}", NULL);
  AiosProvenance agent = { "agent:outreach", 412, "newer address" };
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  gint64 id;

  id = aios_memory_put (ma, 0, "contact", json_node_get_object (f1), "notes", &(AiosProvenance) { "operator", 0, NULL }, NULL, &error);
  aios_memory_put (ma, id, NULL, json_node_get_object (f2), NULL, &agent, NULL, &error);
  aios_memory_put (ma, 0, "note", json_node_get_object (f3), "body \"quoted\"\nline", &agent, NULL, &error);
  aios_config_set (aios_workspace_get_config (a), "smtp.from", "me@example.com", "operator", &error);
  g_assert_no_error (error);
  json = export_to_string (a);
  g_assert_nonnull (strstr (json, "\"format\":\"aios-workspace\""));

  /* into an empty workspace: everything back, ids and history included */
  {
    g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
    g_autoptr(AiosImportReport) report = aios_memory_import (aios_workspace_get_memory (b), bytes, AIOS_IMPORT_AUTO,
                                                             "export.json", NULL, NULL, &error);
    g_autoptr(GPtrArray) history = NULL;
    g_autoptr(GPtrArray) hits = NULL;
    g_autofree char *from = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (report->format, ==, "workspace");
    g_assert_cmpuint (report->imported, ==, 2);
    history = aios_memory_history (aios_workspace_get_memory (b), id, &error);
    g_assert_cmpuint (history->len, ==, 2);
    g_assert_cmpstr (((AiosRecord *) history->pdata[1])->author, ==, "agent:outreach");
    g_assert_cmpint (((AiosRecord *) history->pdata[1])->run_id, ==, 412);
    hits = aios_memory_search (aios_workspace_get_memory (b), "fbi", NULL, 5, &error);
    g_assert_cmpuint (hits->len, ==, 1);
    {
      g_autoptr(AiosRecord) found = aios_memory_find (aios_workspace_get_memory (b), "contact", "email",
                                                      "dana@fbi.example", &error);
      g_assert_nonnull (found);
    }
    from = aios_config_get (aios_workspace_get_config (b), "smtp.from");
    g_assert_cmpstr (from, ==, "me@example.com");
    g_assert_cmpint (count (b, "SELECT COUNT(*) FROM events WHERE kind = 'memory.written'"), ==, 3);
    /* the restored workspace exports the same tables again */
    json2 = export_to_string (b);
    g_assert_nonnull (strstr (json2, "body \\\"quoted\\\"\\nline"));
  }

  /* into a workspace with data: memory records merged, nothing else */
  aios_memory_put (aios_workspace_get_memory (c), 0, "note", json_node_get_object (f4), NULL,
                   &(AiosProvenance) { "operator", 0, NULL }, NULL, &error);
  {
    g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
    g_autoptr(AiosImportReport) report = aios_memory_import (aios_workspace_get_memory (c), bytes, AIOS_IMPORT_AUTO,
                                                             "export.json", NULL, NULL, &error);
    g_autoptr(AiosImportReport) again = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (report->imported, ==, 2);
    g_assert_cmpint (count (c, "SELECT COUNT(*) FROM records"), ==, 3);
    g_assert_nonnull (strstr (note (report->notes, 0)->message, "merged"));
    again = aios_memory_import (aios_workspace_get_memory (c), bytes, AIOS_IMPORT_AUTO, "export.json", NULL, NULL, &error);
    g_assert_cmpuint (again->imported, ==, 0);
    g_assert_cmpuint (again->unchanged, ==, 2);
  }
}

static void
test_commands (void)
{
  g_autofree char *path = NULL;
  g_autoptr(AiosWorkspace) ws = open_ws (&path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *csv_path = g_build_filename (dir, "people.csv", NULL);
  g_autofree char *export_path = g_build_filename (dir, "export.json", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (csv_path, "Name,Email\nDana Scully,dana@example.com\nBad,nope\n", -1, &error);
  {
    const char *argv[] = { "import", csv_path, "--json", NULL };
    g_autoptr(AiosCliCall) call = aios_cli_call_new (ws, NULL, argv);
    g_autoptr(JsonNode) out = NULL;
    JsonObject *o;

    g_assert_cmpint (aios_cli_run (call), ==, 0);
    out = json_from_string (aios_cli_call_get_output (call), &error);
    g_assert_no_error (error);
    o = json_node_get_object (out);
    g_assert_cmpint (json_object_get_int_member (o, "imported"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "skipped"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (o, "skips"), 0), "line"), ==, 3);
  }
  {
    const char *argv[] = { "memory", "search", "scully", "--json", NULL };
    g_autoptr(AiosCliCall) call = aios_cli_call_new (ws, NULL, argv);
    g_autoptr(JsonNode) out = NULL;
    JsonObject *o;

    g_assert_cmpint (aios_cli_run (call), ==, 0);
    out = json_from_string (aios_cli_call_get_output (call), &error);
    g_assert_no_error (error);
    o = json_node_get_object (out);
    g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Dana Scully");
    g_assert_cmpstr (json_object_get_string_member (o, "author"), ==, "import");
    g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
    g_assert_nonnull (strstr (json_object_get_string_member (o, "snippet"), "[Scully]"));
  }
  {
    const char *argv[] = { "memory", "put", "1", "--field", "company=FBI", "--rationale", "from her card", NULL };
    const char *show[] = { "memory", "show", "1", "--json", NULL };
    const char *hist[] = { "memory", "history", "1", NULL };
    const char *bad[] = { "memory", "put", "contact", "--field", "email=x", NULL };
    g_autoptr(AiosCliCall) call = aios_cli_call_new (ws, NULL, argv);
    g_autoptr(AiosCliCall) call2 = aios_cli_call_new (ws, NULL, show);
    g_autoptr(AiosCliCall) call3 = aios_cli_call_new (ws, NULL, hist);
    g_autoptr(AiosCliCall) call4 = aios_cli_call_new (ws, NULL, bad);

    g_assert_cmpint (aios_cli_run (call), ==, 0);
    g_assert_cmpstr (aios_cli_call_get_output (call), ==, "1 2\n");
    g_assert_cmpint (aios_cli_run (call2), ==, 0);
    g_assert_nonnull (strstr (aios_cli_call_get_output (call2), "\"company\":\"FBI\""));
    g_assert_nonnull (strstr (aios_cli_call_get_output (call2), "\"rationale\":\"from her card\""));
    g_assert_cmpint (aios_cli_run (call3), ==, 0);
    g_assert_nonnull (strstr (aios_cli_call_get_output (call3), "v2    written by operator"));
    g_assert_cmpint (aios_cli_run (call4), ==, 1);
    g_assert_true (g_str_has_prefix (aios_cli_call_get_errors (call4), "aios: Field “"));
  }
  g_clear_object (&ws);

  /* the real binary: export to a file, then show that it holds the record */
  {
    g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
    const char *argv[] = { aios, "--workspace", path, "export", export_path, NULL };
    const char *argv2[] = { aios, "--workspace", path, "import", csv_path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *contents = NULL;
    int status = -1;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_file_get_contents (export_path, &contents, NULL, &error));
    g_assert_nonnull (strstr (contents, "Dana Scully"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_true (g_spawn_sync (NULL, (char **) argv2, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "0 imported, 0 updated, 1 unchanged, 1 skipped"));
    g_assert_nonnull (strstr (out, "line 3: skipped:"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/import/csv-quoting-and-bom", test_csv_quoting_and_bom);
  g_test_add_func ("/import/csv-semicolons-and-names", test_csv_semicolons_and_names);
  g_test_add_func ("/import/whole-file-errors", test_whole_file_errors);
  g_test_add_func ("/import/duplicate-emails", test_duplicate_emails);
  g_test_add_func ("/import/ten-thousand-rows", test_ten_thousand_rows);
  g_test_add_func ("/import/vcard", test_vcard);
  g_test_add_func ("/import/workspace-round-trip", test_workspace_round_trip);
  g_test_add_func ("/import/commands", test_commands);
  return g_test_run ();
}
