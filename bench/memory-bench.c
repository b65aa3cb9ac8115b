/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Memory benchmark (prints figures; not a test): a workspace with 100k
 * synthetic but realistic records, then search latency (p50/p95/max over
 * a mix of queries people type), context assembly, CSV import rate, the
 * Memory page's list model from open to first rows, and RSS.
 *
 *   build/bench/memory-bench [N_RECORDS]     (default 100000)
 *   AIOS_BENCH_KEEP=1 keeps the workspace file for a closer look.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>
#include <string.h>
#include <glib/gstdio.h>

#include "app/aios-workspace.h"
#include "memory/aios-memory-import.h"
#include "memory/aios-record-list.h"
#include "store/aios-journal.h"

static const char *first_names[] = {
  "Anna", "Ben", "Carla", "Dana", "Elif", "Fox", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Lukas",
  "Maria", "Nils", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tanja", "Uwe", "Vera", "Walter", "Xenia",
  "Yusuf", "Zoe", "Ahmed", "Beatriz", "Chen", "Dmitri", "Emma", "Farid", "Giulia", "Hannah", "Ivan",
  "Julia", "Kenji", "Lea", "Mateo", "Nora", "Omar", "Priya", "Rafael", "Sofia", "Tomas", "Ulrike",
};
static const char *last_names[] = {
  "Schmidt", "Müller", "Scully", "Mulder", "Garcia", "Rossi", "Novak", "Kowalski", "Jensen", "Dubois",
  "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein",
  "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Hartmann", "Krüger", "Lange",
  "Silva", "Nakamura", "Okafor", "Haddad", "Lindqvist", "O'Brien", "Petrov", "Yilmaz", "Costa",
};
static const char *company_words[] = {
  "Harbour", "Skyline", "Bakery", "Digital", "Nordic", "Green", "Atlas", "Blue", "River", "Pixel",
  "Summit", "Oak", "Copper", "Lumen", "Vertex", "Maple", "Coastal", "Bright", "Iron", "Silver",
  "Meadow", "Granite", "Falcon", "Orchid", "Quantum", "Harvest", "Beacon", "Cedar", "Marina", "Studio",
};
static const char *company_suffix[] = { "GmbH", "Ltd", "& Co", "Studio", "Labs", "Partners", "AG", "Works" };
static const char *cities[] = { "Berlin", "Hamburg", "Munich", "Vienna", "Zurich", "Lisbon", "Madrid", "Paris",
                                "Amsterdam", "Copenhagen", "Prague", "Warsaw", "Dublin", "Milan" };
static const char *roles[] = { "CEO", "Marketing lead", "Office manager", "CTO", "Founder", "Head of sales",
                               "Product owner", "Bookkeeper", "Designer", "Purchasing" };
static const char *topics[] = {
  "website redesign", "newsletter", "logo refresh", "quarterly report", "invoice", "retainer",
  "product photos", "workshop", "SEO audit", "social media plan", "brand guidelines", "landing page",
  "podcast", "trade fair booth", "annual review", "price increase", "onboarding", "translation",
};
static const char *sentences[] = {
  "Met at the %s in %s; interested in a %s.",
  "Asked for a quote on the %s before the end of the month (%s office).",
  "Prefers email over calls. Discussed the %s, follow up after the holidays in %s.",
  "Paid the last invoice late; the %s is on hold until %s confirms the budget.",
  "Referred by a client in %s. Wants a %s with a fixed price.",
  "Call notes: happy with the %s, next step is the %s in %s.",
};

static const char *
pick (const char **list,
      gsize        n,
      GRand       *rand)
{
  return list[g_rand_int_range (rand, 0, (gint32) n)];
}
#define PICK(list) pick (list, G_N_ELEMENTS (list), rand)

static char *
sentence (GRand *rand)
{
  const char *fmt = PICK (sentences);
  return g_strdup_printf (fmt, PICK (topics), PICK (cities), PICK (topics));
}

static char *
company (GRand *rand)
{
  return g_strdup_printf ("%s %s %s", PICK (company_words), PICK (company_words), PICK (company_suffix));
}

static JsonObject *
make_fields (const char *kind,
             guint       i,
             GRand      *rand,
             char      **body)
{
  JsonObject *f = json_object_new ();
  g_autofree char *name = g_strdup_printf ("%s %s", PICK (first_names), PICK (last_names));
  g_autofree char *co = company (rand);
  g_autofree char *s1 = sentence (rand);
  g_autofree char *s2 = sentence (rand);
  g_autofree char *email = NULL;
  g_autofree char *lower = g_utf8_strdown (name, -1);

  g_strdelimit (lower, " '", '.');
  email = g_strdup_printf ("%s.%u@example.com", lower, i);
  *body = g_strdup_printf ("%s %s", s1, s2);

  if (g_str_equal (kind, "contact") || g_str_equal (kind, "lead"))
    {
      json_object_set_string_member (f, "name", name);
      json_object_set_string_member (f, "email", email);
      json_object_set_string_member (f, "company", co);
      if (g_str_equal (kind, "contact"))
        json_object_set_string_member (f, "role", PICK (roles));
      else
        json_object_set_string_member (f, "status", (const char *[]) { "new", "contacted", "qualified" }[i % 3]);
      json_object_set_string_member (f, "phone", "+49 30 5550 1234");
    }
  else if (g_str_equal (kind, "client"))
    {
      json_object_set_string_member (f, "name", co);
      json_object_set_string_member (f, "email", email);
      json_object_set_string_member (f, "contact", name);
      json_object_set_string_member (f, "currency", "EUR");
    }
  else if (g_str_equal (kind, "project"))
    {
      g_autofree char *pname = g_strdup_printf ("%s for %s", PICK (topics), co);
      json_object_set_string_member (f, "name", pname);
      json_object_set_string_member (f, "client", co);
      json_object_set_string_member (f, "status", "active");
    }
  else if (g_str_equal (kind, "contract"))
    {
      json_object_set_string_member (f, "client", co);
      json_object_set_int_member (f, "rate", 60 + i % 90);
      json_object_set_string_member (f, "currency", "EUR");
      json_object_set_string_member (f, "billing_cadence", "monthly");
    }
  else if (g_str_equal (kind, "template"))
    {
      g_autofree char *tname = g_strdup_printf ("%s email %u", PICK (topics), i);
      json_object_set_string_member (f, "name", tname);
      json_object_set_string_member (f, "tone", "warm, brief");
    }
  else if (g_str_equal (kind, "decision"))
    {
      g_autofree char *subject = g_strdup_printf ("Discount on the %s for %s", PICK (topics), co);
      json_object_set_string_member (f, "subject", subject);
      json_object_set_string_member (f, "rationale", s1);
      json_object_set_string_member (f, "outcome", "approved");
    }
  else
    {
      g_autofree char *title = g_strdup_printf ("Notes on the %s (%s)", PICK (topics), PICK (cities));
      json_object_set_string_member (f, "title", title);
    }
  return f;
}

/* CPU time of this thread: on a machine shared with other work, wall time
 * measures the neighbours too; both are printed. */
static double
cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
print_rss (const char *when)
{
  g_autofree char *status = NULL;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *rss = strstr (status, "VmRSS:");
      const char *hwm = strstr (status, "VmHWM:");
      int a = 0, b = 0;
      if (rss)
        sscanf (rss, "VmRSS: %d", &a);
      if (hwm)
        sscanf (hwm, "VmHWM: %d", &b);
      printf ("RSS %-34s %6.1f MB (peak %.1f MB)\n", when, a / 1024.0, b / 1024.0);
    }
}

static void
loaded_cb (AiosRecordList *list,
           const char     *error,
           gboolean       *done)
{
  if (error != NULL)
    g_printerr ("list: %s\n", error);
  *done = TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  g_autofree char *dir = g_dir_make_tmp ("aios-bench-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  AiosMemory *memory;
  AiosStore *store;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const char *kinds[] = { "contact", "contact", "contact", "contact", "contact", "contact", "lead", "lead",
                          "client", "project", "note", "note", "decision", "contract", "template" };
  const char *queries[] = {
    "dana", "scully", "müller", "schmidt garcia", "harbour", "skyline bakery", "website redesign",
    "invoice", "sch", "sky", "newsletter berlin", "price increase", "retainer", "dana.scully",
    "marina studio", "quote end of month", "podcast", "vienna", "okafor", "workshop lisbon",
  };
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *cpu = g_array_new (FALSE, FALSE, sizeof (double));
  AiosProvenance prov = { "system", 0, "benchmark data" };
  gint64 t0, t1;

  if (ws == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  memory = aios_workspace_get_memory (ws);
  store = aios_workspace_get_store (ws);
  printf ("Aios memory benchmark: %u records in %s\n\n", n, path);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) f = NULL;
      g_autofree char *body = NULL;
      const char *kind = kinds[i % G_N_ELEMENTS (kinds)];

      if (i % 1000 == 0 && !aios_store_begin (store, &error))
        break;
      prov.run_id = i % 7 == 0 ? 1 + i / 50 : 0;   /* some records written by runs */
      f = make_fields (kind, i, rand, &body);
      if (aios_memory_put (memory, 0, kind, f, body, &prov, NULL, &error) == 0)
        break;
      if ((i % 1000 == 999 || i + 1 == n) && !aios_store_commit (store, &error))
        break;
    }
  if (error != NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  t1 = g_get_monotonic_time ();
  printf ("write %u records (1000 per transaction)  %8.0f ms  %8.0f records/s\n", n,
          (t1 - t0) / 1000.0, n / ((t1 - t0) / 1e6));
  print_rss ("after writing");

  /* search */
  for (int round = 0; round < 10; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        const char *kind = round % 3 == 2 ? "contact" : NULL;
        g_autoptr(GPtrArray) hits = NULL;
        double ms, c0 = cpu_ms (), c1;

        t0 = g_get_monotonic_time ();
        hits = aios_memory_search (memory, queries[q], kind, 20, &error);
        t1 = g_get_monotonic_time ();
        c1 = cpu_ms () - c0;
        g_array_append_val (cpu, c1);
        if (hits == NULL)
          {
            g_printerr ("%s\n", error->message);
            return 1;
          }
        ms = (t1 - t0) / 1000.0;
        g_array_append_val (times, ms);
        if (round == 0 || round == 2)
          printf ("  search %-22s %-8s %4u hits  %6.2f ms (cpu %.2f ms)\n", queries[q], kind ? kind : "",
                  hits->len, ms, c1);
      }
  g_array_sort (times, compare_double);
  g_array_sort (cpu, compare_double);
  printf ("search (%u queries, limit 20)  wall  p50 %.2f ms  p95 %.2f ms  max %.2f ms\n", times->len,
          g_array_index (times, double, times->len / 2),
          g_array_index (times, double, times->len * 95 / 100),
          g_array_index (times, double, times->len - 1));
  printf ("search (%u queries, limit 20)  cpu   p50 %.2f ms  p95 %.2f ms  max %.2f ms\n", cpu->len,
          g_array_index (cpu, double, cpu->len / 2),
          g_array_index (cpu, double, cpu->len * 95 / 100),
          g_array_index (cpu, double, cpu->len - 1));
  g_array_set_size (times, 0);

  /* context assembly */
  for (int i = 0; i < 20; i++)
    {
      g_autoptr(AiosContext) ctx = NULL;
      double ms;
      t0 = g_get_monotonic_time ();
      ctx = aios_memory_assemble_context (memory, "Write a follow-up email to Dana Scully about the website redesign invoice",
                                          2000, NULL, NULL, 0, &error);
      t1 = g_get_monotonic_time ();
      ms = (t1 - t0) / 1000.0;
      g_array_append_val (times, ms);
      if (i == 0)
        printf ("context (2000 tokens): %u full, %u summarised, %u left out, %u tokens\n",
                ctx->n_full, ctx->n_summarised, ctx->n_left_out, ctx->tokens);
    }
  g_array_sort (times, compare_double);
  printf ("context assembly                          p50 %.2f ms  p95 %.2f ms\n",
          g_array_index (times, double, times->len / 2), g_array_index (times, double, times->len * 95 / 100));

  /* the Memory page's list model: open → count and first rows */
  {
    gboolean done = FALSE;
    g_autoptr(AiosRecordList) list = NULL;
    double first_ms, kind_ms, search_ms, scroll_ms;

    t0 = g_get_monotonic_time ();
    list = aios_record_list_new (memory);
    g_signal_connect (list, "loaded", G_CALLBACK (loaded_cb), &done);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
    for (guint i = 0; i < 50; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
    first_ms = (g_get_monotonic_time () - t0) / 1000.0;

    done = FALSE;
    t0 = g_get_monotonic_time ();
    aios_record_list_set_filter (list, "lead", NULL);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
    for (guint i = 0; i < 50; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
    kind_ms = (g_get_monotonic_time () - t0) / 1000.0;

    /* scrolling: pages on demand by keyset */
    t0 = g_get_monotonic_time ();
    for (guint i = 0; i < MIN (5000u, g_list_model_get_n_items (G_LIST_MODEL (list))); i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
    scroll_ms = (g_get_monotonic_time () - t0) / 1000.0;

    done = FALSE;
    t0 = g_get_monotonic_time ();
    aios_record_list_set_filter (list, NULL, "skyline");
    while (!done)
      g_main_context_iteration (NULL, TRUE);
    search_ms = (g_get_monotonic_time () - t0) / 1000.0;

    printf ("list model: open to 50 rows (all %u)     %.1f ms\n", n, first_ms);
    printf ("list model: switch kind to leads          %.1f ms\n", kind_ms);
    printf ("list model: scroll 5000 rows (keyset)     %.1f ms\n", scroll_ms);
    printf ("list model: search \"skyline\" (%u hits)    %.1f ms\n",
            g_list_model_get_n_items (G_LIST_MODEL (list)), search_ms);
  }
  print_rss ("after search and list");

  /* CSV import into the big workspace */
  {
    g_autoptr(GString) csv = g_string_new ("Name,Email,Company,Phone,Notes\n");
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(AiosImportReport) report = NULL;
    guint rows = 10000;

    for (guint i = 0; i < rows; i++)
      {
        g_autofree char *co = company (rand);
        g_autofree char *s = sentence (rand);
        g_string_append_printf (csv, "\"%s %s\",import%u@example.org,%s,+43 1 555 %04u,\"%s\"\n",
                                PICK (first_names), PICK (last_names), i, co, i, s);
      }
    bytes = g_bytes_new (csv->str, csv->len);
    t0 = g_get_monotonic_time ();
    report = aios_memory_import (memory, bytes, AIOS_IMPORT_CSV, "bench.csv", NULL, NULL, &error);
    t1 = g_get_monotonic_time ();
    if (report == NULL)
      {
        g_printerr ("%s\n", error->message);
        return 1;
      }
    printf ("CSV import %u rows into %u records       %.0f ms  %.0f rows/s (%u imported)\n", rows, n,
            (t1 - t0) / 1000.0, rows / ((t1 - t0) / 1e6), report->imported);
  }
  print_rss ("at the end");

  {
    GStatBuf st;
    if (g_stat (path, &st) == 0)
      printf ("workspace file                            %.1f MB\n", st.st_size / 1048576.0);
  }
  g_array_unref (times);
  g_array_unref (cpu);
  g_clear_object (&ws);
  if (g_getenv ("AIOS_BENCH_KEEP") != NULL)
    {
      printf ("kept %s\n", path);
      return 0;
    }
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
  return 0;
}
