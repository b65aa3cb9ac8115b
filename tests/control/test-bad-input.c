/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bad ground under the workspace, with the real `aios` binary: a truncated
 * file, a folder that cannot be written, a full disk (RLIMIT_FSIZE in the
 * child). Each gives one clear line and exit status 1, and nothing that
 * was committed is lost or changed.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "control-test-util.h"

typedef struct {
  gboolean drop_root;
  rlim_t   fsize;
} ChildSetup;

static void
child_setup (gpointer user_data)
{
  ChildSetup *setup = user_data;

  if (setup->fsize > 0)
    {
      struct rlimit limit = { setup->fsize, setup->fsize };
      setrlimit (RLIMIT_FSIZE, &limit);
    }
  if (setup->drop_root && getuid () == 0)
    {
      /* Root writes anywhere: act as an unprivileged user instead. */
      if (setgid (65534) != 0 || setuid (65534) != 0)
        _exit (99);
    }
}

/* The binary as the child can run it: a child that drops root to act
 * unprivileged cannot reach a build folder under a private home (/root is
 * 0700), so it runs a copy from a folder everyone can enter. */
static char *
runnable_aios (ChildSetup *setup)
{
  g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GFile) from = NULL;
  g_autoptr(GFile) to = NULL;
  g_autoptr(GError) error = NULL;

  if (!setup->drop_root || getuid () != 0)
    return g_steal_pointer (&aios);
  dir = test_temp_dir ();
  copy = g_build_filename (dir, "aios", NULL);
  from = g_file_new_for_path (aios);
  to = g_file_new_for_path (copy);
  g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (copy, 0755), ==, 0);
  return g_steal_pointer (&copy);
}

static int
run_aios (ChildSetup  *setup,
          char       **out,
          char       **err,
          const char  *first,
          ...)
{
  g_autofree char *aios = runnable_aios (setup);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  int status = 0;
  va_list args;

  g_ptr_array_add (argv, aios);
  g_ptr_array_add (argv, (char *) first);
  va_start (args, first);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync ("/", (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, child_setup, setup,
                               out, err, &status, &error));
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

/* A workspace with a few finished runs; returns its path. */
static char *
make_workspace (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_coordinator_start (aios_workspace_get_coordinator (ws), &error));
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(JsonNode) input = test_json ("{\"name\":\"Dana\"}");
      g_assert_cmpint (aios_coordinator_submit (aios_workspace_get_coordinator (ws), "greeting", input,
                                                "operator", &error), >, 0);
    }
  test_settle (ws);
  g_assert_cmpint (test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'",
                                   0), ==, 20);
  return g_steal_pointer (&path);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static void
test_truncated (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = make_workspace (dir);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  ChildSetup setup = { FALSE, 0 };
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size / 2), ==, 0);
  before = checksum_file (path);

  g_assert_cmpint (run_aios (&setup, &out, &err, "--workspace", path, "runs", NULL), ==, 1);
  expected = g_strdup_printf ("%s is damaged", path);
  g_assert_true (g_str_has_prefix (err, "aios: "));
  if (strstr (err, expected) == NULL)
    g_error ("unexpected: %s", err);
  g_assert_nonnull (strstr (err, "It was left untouched; restore a backup"));
  g_assert_cmpuint (strlen (err), ==, strchr (err, '\n') - err + 1);   /* one line */

  /* Never overwritten or "repaired". */
  after = checksum_file (path);
  g_assert_cmpstr (before, ==, after);
}

static void
test_read_only (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = make_workspace (dir);
  g_autofree char *input = g_build_filename (dir, "input.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  ChildSetup setup = { TRUE, 0 };

  test_write_file (dir, "input.json", "{\"name\":\"Eve\"}");
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (input, 0644), ==, 0);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  if (getuid () != 0)
    g_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  g_assert_cmpint (run_aios (&setup, &out, &err, "--workspace", path, "submit", "greeting", "--input", input, NULL),
                   ==, 1);
  g_assert_true (g_str_has_prefix (err, "aios: "));
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "cannot be written"));
  g_assert_nonnull (strstr (err, path));
  g_assert_cmpstr (out, ==, "");
  g_chmod (dir, 0700);

  {
    g_autoptr(AiosWorkspace) ws = test_open_workspace (path, dir);
    g_assert_cmpint (test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs", 0), ==, 20);
  }
}

static void
test_full_disk (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = make_workspace (dir);
  g_autofree char *input = g_build_filename (dir, "big.json", NULL);
  g_autoptr(GString) big = g_string_new ("{\"name\":\"");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *checked = NULL;
  ChildSetup setup = { FALSE, 0 };
  GStatBuf st;

  for (guint i = 0; i < 3 * 1024 * 1024; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"}");
  test_write_file (dir, "big.json", big->str);

  /* Room for the workspace as it is, not for 3 MB more. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  setup.fsize = st.st_size + 512 * 1024;
  g_assert_cmpint (run_aios (&setup, &out, &err, "--workspace", path, "submit", "greeting", "--input", input, NULL),
                   ==, 1);
  g_test_message ("%s", err);
  g_assert_true (g_str_has_prefix (err, "aios: Could not "));
  g_assert_nonnull (strstr (err, "is full"));
  g_assert_nonnull (strstr (err, "Nothing was changed"));
  g_assert_cmpstr (out, ==, "");

  /* What was committed is all there, and the file is healthy. */
  {
    g_autoptr(AiosWorkspace) ws = test_open_workspace (path, dir);
    AiosStore *store = aios_workspace_get_store (ws);

    g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM runs", 0), ==, 20);
    g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM runs WHERE status = 'succeeded'", 0), ==, 20);
    checked = test_query_text (store, "PRAGMA integrity_check", 0);
    g_assert_cmpstr (checked, ==, "ok");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bad-input/truncated", test_truncated);
  g_test_add_func ("/bad-input/read-only", test_read_only);
  g_test_add_func ("/bad-input/full-disk", test_full_disk);
  return g_test_run ();
}
