/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "fuzz-util.h"

static AiosWorkspace *workspace;
static char *workspace_dir;

static void
remove_workspace (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&workspace);
  if (workspace_dir == NULL)
    return;
  dir = g_dir_open (workspace_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (workspace_dir, name, NULL);
      g_remove (file);
    }
  g_rmdir (workspace_dir);
  g_clear_pointer (&workspace_dir, g_free);
}

/* A warning or critical is a finding: abort(), which libFuzzer catches
 * (it keeps the input as crash-*), unlike GLib's breakpoint trap. */
static GLogWriterOutput
fatal_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_init (void)
{
  g_log_set_writer_func (fatal_writer, NULL, NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
}

AiosWorkspace *
fuzz_workspace (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (workspace != NULL)
    return workspace;
  workspace_dir = g_dir_make_tmp ("aios-fuzz-XXXXXX", &error);
  if (workspace_dir == NULL)
    g_error ("fuzz: no temporary folder: %s", error->message);
  path = g_build_filename (workspace_dir, "workspace.db", NULL);
  workspace = aios_workspace_open (path, &error);
  if (workspace == NULL)
    g_error ("fuzz: cannot open a workspace: %s", error->message);
  atexit (remove_workspace);
  return workspace;
}

char *
fuzz_strndup (const uint8_t *data,
              size_t         size)
{
  char *s = g_malloc (size + 1);

  if (size > 0)
    memcpy (s, data, size);
  s[size] = '\0';
  return s;
}
