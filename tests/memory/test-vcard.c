/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vCards as phones and mail clients really write them (the files in
 * tests/memory/vcards/: iOS with CR CR LF line ends, Outlook 2003's 2.1
 * quoted-printable in Windows-1252 with soft line breaks, Android 2.1,
 * Gmail 3.0, Thunderbird 4.0 with LF, a Mac OS 9 file with CR, and the
 * examples of RFC 6350 and RFC 2426): exact names and e-mail addresses, and
 * every contact found by search by name, company and e-mail. Then the
 * limits: unfolding is linear, a field and a file have a size cap.
 */
#include "config.h"

#include <string.h>

#include "app/aios-workspace.h"
#include "memory/aios-memory-import.h"

static AiosWorkspace *
open_ws (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-vcard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  AiosWorkspace *ws = aios_workspace_open (path, &error);

  g_assert_no_error (error);
  return ws;
}

static AiosImportReport *
import_bytes (AiosWorkspace *ws,
              const char    *data,
              gsize          len,
              const char    *name,
              GError       **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, len);
  return aios_memory_import (aios_workspace_get_memory (ws), bytes, AIOS_IMPORT_AUTO, name, NULL, NULL, error);
}

static AiosImportReport *
import_fixture (AiosWorkspace *ws,
                const char    *name,
                guint          expect_imported)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "memory", "vcards", name, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  AiosImportReport *report;

  g_assert_true (g_file_get_contents (path, &text, &len, &error));
  g_assert_no_error (error);
  report = import_bytes (ws, text, len, name, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpstr (report->format, ==, "vcard");
  for (guint i = 0; i < report->skips->len; i++)
    g_test_message ("%s: skipped line %u: %s", name, ((AiosImportNote *) report->skips->pdata[i])->line,
                    ((AiosImportNote *) report->skips->pdata[i])->message);
  g_assert_cmpuint (report->skipped, ==, 0);
  g_assert_cmpuint (report->imported, ==, expect_imported);
  return report;
}

static AiosRecord *
contact (AiosWorkspace *ws,
         const char    *email,
         const char    *name)
{
  g_autoptr(GError) error = NULL;
  AiosRecord *r = aios_memory_find (aios_workspace_get_memory (ws), "contact", "email", email, &error);

  g_assert_no_error (error);
  if (r == NULL)
    g_error ("no contact with the e-mail address %s", email);
  g_assert_cmpstr (r->title, ==, name);
  g_assert_cmpstr (aios_record_get_field (r, "email"), ==, email);
  return r;
}

/* The search finds @name's record when asked for @query (a name, a
 * company, an address), as the one best hit among contacts. */
static void
assert_found (AiosWorkspace *ws,
              const char    *query,
              const char    *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = aios_memory_search (aios_workspace_get_memory (ws), query, "contact", 10, &error);
  gboolean found = FALSE;

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  for (guint i = 0; i < hits->len; i++)
    if (g_strcmp0 (((AiosMemoryHit *) hits->pdata[i])->title, name) == 0)
      found = TRUE;
  if (!found)
    g_error ("searching for “%s” did not find %s (%u hits)", query, name, hits->len);
  g_assert_cmpstr (((AiosMemoryHit *) hits->pdata[0])->title, ==, name);
}

/* @title found by a name typed (@name), its company and its e-mail. */
static void
assert_searchable (AiosWorkspace *ws,
                   const char    *title,
                   const char    *name,
                   const char    *company,
                   const char    *email)
{
  assert_found (ws, name, title);
  if (company != NULL)
    assert_found (ws, company, title);
  assert_found (ws, email, title);
}

static void
test_ios (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) report = import_fixture (ws, "ios-17.vcf", 2);
  g_autoptr(AiosRecord) johnny = contact (ws, "johnny_appleseed@mac.example", "Johnny Appleseed");
  g_autoptr(AiosRecord) doe = contact (ws, "dr.doe@practice.example", "Dr. John Q. Doe Jr.");

  g_assert_cmpstr (aios_record_get_field (johnny, "company"), ==, "Apple Inc.");
  g_assert_cmpstr (aios_record_get_field (johnny, "role"), ==, "Chief Orchardist");
  g_assert_cmpstr (aios_record_get_field (johnny, "phone"), ==, "+1 (408) 555-0199");
  g_assert_cmpstr (aios_record_get_field (johnny, "x-other-emails"), ==, "johnny@home.example");
  g_assert_cmpstr (aios_record_get_field (johnny, "address"), ==, "1 Infinite Loop, Cupertino, CA, 95014, United States");
  g_assert_cmpstr (aios_record_get_field (doe, "company"), ==, "Doe Family Practice");
  g_assert_cmpstr (doe->body, ==, "Referred by Johnny.");
  assert_searchable (ws, "Johnny Appleseed", "Johnny Appleseed", "Apple", "johnny_appleseed@mac.example");
  assert_searchable (ws, "Dr. John Q. Doe Jr.", "John Doe", "Doe Family Practice", "dr.doe@practice.example");
}

static void
test_outlook_2003 (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) report = import_fixture (ws, "outlook-2003.vcf", 2);
  g_autoptr(AiosRecord) jm = contact (ws, "juergen.mueller@baeckerei-mueller.example", "Prof. Dr. Jürgen Müller");
  g_autoptr(AiosRecord) nino = contact (ws, "jm.nino@example.es", "José María Niño");

  g_assert_cmpstr (aios_record_get_field (jm, "company"), ==, "Bäckerei Müller & Söhne GmbH");
  g_assert_cmpstr (aios_record_get_field (jm, "x-department"), ==, "Einkauf");
  g_assert_cmpstr (aios_record_get_field (jm, "phone"), ==, "+49 221 1234567");
  g_assert_cmpstr (aios_record_get_field (jm, "x-other-emails"), ==, "j.mueller@privat.example");
  g_assert_cmpstr (aios_record_get_field (jm, "address"), ==, "Hauptstraße 5, Köln, 50667, Deutschland");
  g_assert_cmpstr (aios_record_get_field (jm, "website"), ==, "http://www.baeckerei-mueller.example");
  g_assert_cmpstr (jm->body, ==,
                   "Erster Kontakt auf der Messe in Köln, bitte im Frühjahr wieder anrufen.\r\nZweite Zeile: € 100 Rabatt.");
  assert_searchable (ws, "Prof. Dr. Jürgen Müller", "Jürgen Müller", "Bäckerei", "juergen.mueller@baeckerei-mueller.example");
  assert_found (ws, "Muller", "Prof. Dr. Jürgen Müller");   /* without the accent too */
  assert_searchable (ws, "José María Niño", "José Niño", NULL, "jm.nino@example.es");
}

static void
test_android (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) report = import_fixture (ws, "android-2.1.vcf", 2);
  g_autoptr(AiosRecord) cs = contact (ws, "cestmir.skoda@example.cz", "Čestmír Škoda");
  g_autoptr(AiosRecord) anna = contact (ws, "anna@home.example", "Anna Smith");

  g_assert_cmpstr (aios_record_get_field (cs, "company"), ==, "Strojírny Brno a.s.");
  g_assert_cmpstr (aios_record_get_field (cs, "phone"), ==, "+420 601 234 567");
  g_assert_cmpstr (cs->body, ==, "Žluťoučký kůň úpěl ďábelské ódy.");
  g_assert_cmpstr (aios_record_get_field (anna, "phone"), ==, "+1 555 0100");
  g_assert_cmpstr (aios_record_get_field (anna, "x-other-emails"), ==, "anna.smith@example.com");
  g_assert_nonnull (strstr (((AiosImportNote *) report->notes->pdata[0])->message, "photo"));
  assert_searchable (ws, "Čestmír Škoda", "Čestmír Škoda", "Strojírny", "cestmir.skoda@example.cz");
  assert_searchable (ws, "Anna Smith", "Anna Smith", NULL, "anna.smith@example.com");
}

static void
test_gmail (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) report = import_fixture (ws, "gmail-3.0.vcf", 2);
  g_autoptr(AiosRecord) mj = contact (ws, "mj.garcia@empresa.example", "María José García");
  g_autoptr(AiosRecord) kenji = contact (ws, "kenji.watanabe@tokyo-trading.example", "Kenji Watanabe");

  g_assert_cmpstr (aios_record_get_field (mj, "company"), ==, "Empresa Ejemplo S.A.");
  g_assert_cmpstr (aios_record_get_field (mj, "x-other-emails"), ==, "mariajose@gmail.example");
  g_assert_cmpstr (aios_record_get_field (mj, "website"), ==, "https://empresa.example/equipo");
  g_assert_cmpstr (aios_record_get_field (mj, "address"), ==, "Calle Mayor 1, Madrid, 28013, España");
  g_assert_cmpstr (mj->body, ==, "Conocida en la feria, contactar en octubre.");
  g_assert_cmpstr (aios_record_get_field (kenji, "company"), ==, "Tokyo Trading K.K.");
  assert_searchable (ws, "María José García", "María José García", "Empresa Ejemplo", "mj.garcia@empresa.example");
  assert_searchable (ws, "Kenji Watanabe", "Kenji Watanabe", "Tokyo Trading", "kenji.watanabe@tokyo-trading.example");
}

static void
test_thunderbird_and_mac (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) tb = import_fixture (ws, "thunderbird-4.0.vcf", 1);
  g_autoptr(AiosImportReport) mac = import_fixture (ws, "macos-classic.vcf", 1);
  g_autoptr(AiosRecord) sven = contact (ws, "sven@lindqvist.example", "Sven Lindqvist");
  g_autoptr(AiosRecord) laurene = contact (ws, "laurene@classic.example", "Laurene Jobs");

  g_assert_cmpstr (aios_record_get_field (sven, "company"), ==, "Nordic Tools AB");
  g_assert_cmpstr (aios_record_get_field (sven, "role"), ==, "CTO");
  g_assert_cmpstr (aios_record_get_field (sven, "x-other-emails"), ==, "s.lindqvist@nordic-tools.example");
  g_assert_cmpstr (aios_record_get_field (sven, "website"), ==, "https://nordic-tools.example");
  g_assert_cmpstr (aios_record_get_field (laurene, "company"), ==, "Classic Computing");
  assert_searchable (ws, "Sven Lindqvist", "Sven Lindqvist", "Nordic Tools", "sven@lindqvist.example");
  assert_searchable (ws, "Laurene Jobs", "Laurene Jobs", "Classic Computing", "laurene@classic.example");
}

static void
test_rfc_examples (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(AiosImportReport) r6350 = import_fixture (ws, "rfc6350-example.vcf", 1);
  g_autoptr(AiosImportReport) r2426 = import_fixture (ws, "rfc2426-example.vcf", 3);
  g_autoptr(AiosRecord) simon = contact (ws, "simon.perreault@viagenie.ca", "Simon Perreault");
  g_autoptr(AiosRecord) frank = contact (ws, "Frank_Dawson@Lotus.com", "Frank Dawson");
  g_autoptr(AiosRecord) tim = contact (ws, "howes@netscape.com", "Tim Howes");
  g_autoptr(AiosRecord) john = contact (ws, "jstevenson@example.com",
                                        "Dr. John Philip Paul Stevenson Jr., M.D., A.C.P.");

  g_assert_cmpstr (aios_record_get_field (simon, "company"), ==, "Viagenie");
  g_assert_cmpstr (aios_record_get_field (simon, "phone"), ==, "+1-418-656-9254 ext. 102");
  g_assert_cmpstr (aios_record_get_field (simon, "address"), ==,
                   "Suite D2-630, 2875 Laurier, Quebec, QC, G1V 2M2, Canada");
  g_assert_cmpstr (aios_record_get_field (frank, "company"), ==, "Lotus Development Corporation");
  g_assert_cmpstr (aios_record_get_field (frank, "x-other-emails"), ==, "fdawson@earthlink.net");
  g_assert_cmpstr (aios_record_get_field (frank, "address"), ==, "6544 Battleford Drive, Raleigh, NC, 27613-3502, U.S.A.");
  g_assert_cmpstr (aios_record_get_field (tim, "address"), ==, "501 E. Middlefield Rd., Mountain View, CA, 94043, U.S.A.");

  assert_searchable (ws, "Simon Perreault", "Simon Perreault", "Viagenie", "simon.perreault@viagenie.ca");
  assert_found (ws, "Perreault", "Simon Perreault");
  assert_searchable (ws, "Frank Dawson", "Frank Dawson", "Lotus Development", "Frank_Dawson@Lotus.com");
  assert_found (ws, "fdawson@earthlink.net", "Frank Dawson");
  assert_searchable (ws, "Tim Howes", "Tim Howes", "Netscape Communications", "howes@netscape.com");
  assert_searchable (ws, "Dr. John Philip Paul Stevenson Jr., M.D., A.C.P.", "John Stevenson", NULL, "jstevenson@example.com");
}

/* N builds the name only without FN: in the order people write it, each
 * part a comma list. */
static void
test_names (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(GError) error = NULL;
  const char *vcf =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;Q.;Dr.;Jr.\r\nEMAIL:doe@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Johnny D.\r\nN:Doe;Jonathan;;Mr.;\r\nEMAIL:jd@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;Cher;;;\r\nEMAIL:cher@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:O\\;Brien\\, the second;Pat\r\nEMAIL:pat@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Ng;An;;;\r\nFN:\r\nEMAIL:an@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Stevenson;John;Philip,Paul;Dr.;Jr.,M.D.,A.C.P.\r\n"
    "EMAIL:js@example.com\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith\\, Jr.;Al\r\nEMAIL:al@example.com\r\nEND:VCARD\r\n"
    /* A label that does not match: the file is UTF-8, so is what it holds as it is. */
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1:Müller;Jürgen\r\nEMAIL:jm@example.com\r\nEND:VCARD\r\n"
    /* A charset iconv does not know, over UTF-8 in quoted-printable. */
    "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UNKNOWN-8BIT;ENCODING=QUOTED-PRINTABLE:Bj=C3=B6rk\r\n"
    "EMAIL:bjork@example.com\r\nEND:VCARD\r\n"
    /* A 7-bit charset written as it is. */
    "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-7:Caf+AOk-\r\nEMAIL:cafe@example.com\r\nEND:VCARD\r\n";
  g_autoptr(AiosImportReport) report = import_bytes (ws, vcf, strlen (vcf), "names.vcf", &error);
  g_autoptr(AiosRecord) doe = NULL, jd = NULL, cher = NULL, pat = NULL, an = NULL;
  g_autoptr(AiosRecord) js = NULL, al = NULL, jm = NULL, bjork = NULL, cafe = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (report->skipped, ==, 0);
  g_assert_cmpuint (report->imported, ==, 10);
  doe = contact (ws, "doe@example.com", "Dr. John Q. Doe Jr.");
  jd = contact (ws, "jd@example.com", "Johnny D.");
  cher = contact (ws, "cher@example.com", "Cher");
  pat = contact (ws, "pat@example.com", "Pat O;Brien, the second");
  an = contact (ws, "an@example.com", "An Ng");
  js = contact (ws, "js@example.com", "Dr. John Philip Paul Stevenson Jr., M.D., A.C.P.");
  al = contact (ws, "al@example.com", "Al Smith, Jr.");
  jm = contact (ws, "jm@example.com", "Jürgen Müller");
  bjork = contact (ws, "bjork@example.com", "Björk");
  cafe = contact (ws, "cafe@example.com", "Café");
}

/* Grouped properties ("item1.EMAIL") read as ungrouped ones, whatever
 * the case of their parameters. */
static void
test_groups (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(GError) error = NULL;
  const char *vcf =
    "BEGIN:VCARD\nVERSION:3.0\n"
    "item1.FN:Grouped Person\n"
    "item1.EMAIL;type=INTERNET:first@grouped.example\n"
    "item2.EMAIL;type=INTERNET;type=pref:pref@grouped.example\n"
    "item2.X-ABLabel:_$!<Work>!$_\n"
    "item3.ORG:Grouped Ltd.;\n"
    "item4.TEL;type=CELL:+44 20 7946 0000\n"
    "item5.TITLE:Grouper\n"
    "END:VCARD\n";
  g_autoptr(AiosImportReport) report = import_bytes (ws, vcf, strlen (vcf), "groups.vcf", &error);
  g_autoptr(AiosRecord) r = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);
  r = contact (ws, "pref@grouped.example", "Grouped Person");
  g_assert_cmpstr (aios_record_get_field (r, "x-other-emails"), ==, "first@grouped.example");
  g_assert_cmpstr (aios_record_get_field (r, "company"), ==, "Grouped Ltd.");
  g_assert_cmpstr (aios_record_get_field (r, "phone"), ==, "+44 20 7946 0000");
  g_assert_cmpstr (aios_record_get_field (r, "role"), ==, "Grouper");
}

/* Every line ending, mixed in one file. */
static void
test_line_endings (void)
{
  const char *endings[] = { "\n", "\r\n", "\r", "\r\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (endings); i++)
    {
      g_autoptr(AiosWorkspace) ws = open_ws ();
      g_autoptr(GError) error = NULL;
      const char *e = endings[i];
      g_autofree char *vcf = g_strconcat ("BEGIN:VCARD", e, "VERSION:2.1", e, "N:Lee;Ada", e,
                                          "NOTE;ENCODING=QUOTED-PRINTABLE:one=", e, "two", e,
                                          "EMAIL;INTERNET:ada@", e, " example.com", e, "END:VCARD", e, e,
                                          "BEGIN:VCARD", e, "VERSION:3.0", e, "FN:Bo Kim", e,
                                          "EMAIL:bo@example.com", e, "END:VCARD", NULL);
      g_autoptr(AiosImportReport) report = import_bytes (ws, vcf, strlen (vcf), "endings.vcf", &error);
      g_autoptr(AiosRecord) ada = NULL, bo = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (report->imported, ==, 2);
      g_assert_cmpuint (report->skipped, ==, 0);
      ada = contact (ws, "ada@example.com", "Ada Lee");
      g_assert_cmpstr (ada->body, ==, "onetwo");
      bo = contact (ws, "bo@example.com", "Bo Kim");
    }
}

/* A property folded over 50,000 lines of 74 characters (3.7 MB), and one
 * softly broken as often in quoted-printable, unfold in one pass: when each
 * fold copied the line so far this took minutes. The value is then cut to
 * the field cap. */
static void
test_long_fold (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) vcf = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Folded Person\r\nEMAIL:folded@example.com\r\nNOTE:");
  g_autoptr(GString) qp = g_string_new ("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Soft;Broken\r\nEMAIL:soft@example.com\r\n"
                                        "NOTE;ENCODING=QUOTED-PRINTABLE:");
  g_autoptr(AiosImportReport) report = NULL;
  g_autoptr(AiosImportReport) qp_report = NULL;
  g_autoptr(AiosRecord) folded = NULL;
  g_autoptr(AiosRecord) soft = NULL;
  const char *chunk = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789";   /* 72 */
  gint64 start, took;

  for (guint i = 0; i < 50000; i++)
    g_string_append_printf (vcf, "%s\r\n ", chunk);
  g_string_append (vcf, "end\r\nEND:VCARD\r\n");
  for (guint i = 0; i < 50000; i++)
    g_string_append_printf (qp, "%s=\r\n", chunk);
  g_string_append (qp, "end\r\nEND:VCARD\r\n");

  start = g_get_monotonic_time ();
  report = import_bytes (ws, vcf->str, vcf->len, "folded.vcf", &error);
  g_assert_no_error (error);
  qp_report = import_bytes (ws, qp->str, qp->len, "soft.vcf", &error);
  g_assert_no_error (error);
  took = g_get_monotonic_time () - start;
  g_test_message ("2 x 50,000 folded lines (7.4 MB) in %.2f s", took / 1e6);
  g_assert_cmpint (took, <, 5 * G_USEC_PER_SEC);

  folded = contact (ws, "folded@example.com", "Folded Person");
  g_assert_cmpuint (strlen (folded->body), ==, AIOS_IMPORT_MAX_FIELD);
  g_assert_true (g_str_has_prefix (folded->body, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef"));
  soft = contact (ws, "soft@example.com", "Broken Soft");
  g_assert_cmpuint (strlen (soft->body), ==, AIOS_IMPORT_MAX_FIELD);
  g_assert_true (g_str_has_prefix (soft->body, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef"));
}

/* A field is kept up to 64 KiB, with a note for its row; a file beyond the
 * cap is refused whole with a clear error. */
static void
test_caps (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) vcf = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Note\r\nEMAIL:big@example.com\r\nNOTE:");
  g_autoptr(AiosImportReport) report = NULL;
  g_autoptr(AiosRecord) big = NULL;
  gboolean noted = FALSE;
  gsize cap = AIOS_IMPORT_VCARD_MAX_FILE;
  char *huge;

  /* 8 MiB of text in one NOTE, with a multi-byte character across the cut. */
  for (gsize i = 0; i < 65535; i++)
    g_string_append_c (vcf, 'n');
  g_string_append (vcf, "é");
  while (vcf->len < 8 * 1024 * 1024)
    g_string_append (vcf, "0123456789abcdef");
  g_string_append (vcf, "\r\nEND:VCARD\r\n");
  report = import_bytes (ws, vcf->str, vcf->len, "big.vcf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);
  big = contact (ws, "big@example.com", "Big Note");
  g_assert_cmpuint (strlen (big->body), ==, 65535);
  g_assert_true (g_utf8_validate (big->body, -1, NULL));
  for (guint i = 0; i < report->notes->len; i++)
    {
      AiosImportNote *n = report->notes->pdata[i];
      g_test_message ("line %u: %s", n->line, n->message);
      if (n->line == 1 && strstr (n->message, "NOTE value on line 5") != NULL && strstr (n->message, "64") != NULL)
        noted = TRUE;
    }
  g_assert_true (noted);

  /* One byte over the file cap: nothing imported, one clear error. */
  huge = g_malloc (cap + 1);
  memset (huge, ' ', cap + 1);
  {
    const char *card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Too Big\r\nEMAIL:toobig@example.com\r\nEND:VCARD\r\n";
    memcpy (huge, card, strlen (card));
  }
  g_clear_pointer (&report, aios_import_report_free);
  report = import_bytes (ws, huge, cap + 1, "huge.vcf", &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "huge.vcf"));
  g_assert_nonnull (strstr (error->message, "128.0")); /* g_format_size: a no-break space */
  g_assert_nonnull (strstr (error->message, "MiB"));
  g_assert_null (aios_memory_find (aios_workspace_get_memory (ws), "contact", "email", "toobig@example.com", NULL));
  g_free (huge);
}

/* Found by tests/fuzz/fuzz-vcard (a leak, and the reason a card is skipped
 * for was the last of its problems): a card with two problems is skipped
 * for its first one, as a line that is not a property always was. */
static void
test_first_problem (void)
{
  g_autoptr(AiosWorkspace) ws = open_ws ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosImportReport) report = NULL;
  const char *vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Two Problems\r\nthis is no property\r\n"
                    "VERSION:9.9\r\nEMAIL:two@example.com\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:7.0\r\nFN:Bad Version\r\nVERSION:8.0\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good\r\nEMAIL:good@example.com\r\nEND:VCARD\r\n";
  AiosImportNote *first, *second;

  report = import_bytes (ws, vcf, strlen (vcf), "two-problems.vcf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 1);
  g_assert_cmpuint (report->skipped, ==, 2);
  first = report->skips->pdata[0];
  second = report->skips->pdata[1];
  g_test_message ("line %u: %s; line %u: %s", first->line, first->message, second->line, second->message);
  g_assert_cmpuint (first->line, ==, 1);
  g_assert_nonnull (strstr (first->message, "line 4 is not a vCard property"));
  g_assert_cmpuint (second->line, ==, 8);
  g_assert_nonnull (strstr (second->message, "vCard version 7.0 is not supported"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vcard/ios", test_ios);
  g_test_add_func ("/vcard/outlook-2003", test_outlook_2003);
  g_test_add_func ("/vcard/android", test_android);
  g_test_add_func ("/vcard/gmail", test_gmail);
  g_test_add_func ("/vcard/thunderbird-and-mac", test_thunderbird_and_mac);
  g_test_add_func ("/vcard/rfc-examples", test_rfc_examples);
  g_test_add_func ("/vcard/names", test_names);
  g_test_add_func ("/vcard/groups", test_groups);
  g_test_add_func ("/vcard/line-endings", test_line_endings);
  g_test_add_func ("/vcard/long-fold", test_long_fold);
  g_test_add_func ("/vcard/caps", test_caps);
  g_test_add_func ("/vcard/first-problem", test_first_problem);
  return g_test_run ();
}
