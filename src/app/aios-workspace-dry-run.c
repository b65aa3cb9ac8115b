/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `aios submit FLOW --dry-run` and Start a Run's Dry Run: the whole flow on
 * a scratch copy of the workspace (an online SQLite backup in a private
 * temporary directory), with the dry-run engine of control/aios-dry-run.c.
 *
 * Why a copy and not a run marked "dry" in the workspace: a dry run must
 * never send, and must leave no trace an operator would have to clean up.
 * A journaled run would be one the coordinator could resume, retry or
 * resolve into a real send after a crash, and would show in the Inbox, the
 * Runs page and the repair-cost meter. In memory it has no row to resume;
 * on a copy the agents that write memory as they go (lead intake, the
 * content writer, billing) write into the copy, which is deleted when the
 * dry run ends. The copy's coordinator is never started and its connectors
 * are only asked for their previews (prepare), never to execute.
 *
 * What still happens for real: a model-backed agent role calls the model
 * tier it is configured for, as it would in a run (and that call is
 * journaled in the copy, not in the workspace).
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "aios-workspace-dry-run.h"

typedef struct {
  char          *dir;
  AiosWorkspace *copy;
} Scratch;

static void
scratch_free (Scratch *s)
{
  g_clear_object (&s->copy);
  if (s->dir != NULL)
    {
      g_autoptr(GDir) d = g_dir_open (s->dir, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (s->dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (s->dir);
      g_free (s->dir);
    }
  g_free (s);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *steps = aios_dry_run_finish (AIOS_COORDINATOR (source), result, &error);

  if (steps == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, steps, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * aios_workspace_dry_run_async:
 * @input: (nullable): the run's input
 *
 * Dry-runs @flow_id on a scratch copy of the workspace (see above).
 */
void
aios_workspace_dry_run_async (AiosWorkspace       *self,
                              const char          *flow_id,
                              JsonNode            *input,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Scratch *s = g_new0 (Scratch, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(AiosFlow) flow = NULL;

  g_task_set_source_tag (task, aios_workspace_dry_run_async);
  g_task_set_task_data (task, s, (GDestroyNotify) scratch_free);

  /* Refuse an unknown flow or a bad input before copying anything. */
  flow = aios_flow_registry_lookup (aios_workspace_get_flows (self), flow_id, &error);
  if (flow == NULL || (input != NULL && !aios_flow_check_input (flow, input, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  s->dir = g_dir_make_tmp ("aios-dry-run-XXXXXX", &error);
  if (s->dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  path = g_build_filename (s->dir, "workspace.db", NULL);
  if (!aios_store_backup (aios_workspace_get_store (self), path, &error) ||
      (s->copy = aios_workspace_open (path, &error)) == NULL)
    {
      g_prefix_error (&error, _("Could not make the dry run's scratch copy of the workspace: "));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  aios_dry_run_async (aios_workspace_get_coordinator (s->copy), flow_id, input, cancellable, done_cb, task);
}

/**
 * aios_workspace_dry_run_finish:
 *
 * Returns: (transfer container) (element-type AiosDryRunStep): the steps
 */
GPtrArray *
aios_workspace_dry_run_finish (AiosWorkspace  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
