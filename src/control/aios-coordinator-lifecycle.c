/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator's life cycle: start (the workspace lock, recovery of the
 * steps a crash interrupted, the poll that notices other processes'
 * writes), stop, drain (finish what is in flight, claim nothing new) and
 * settle (wait until every due step has finished and is durable).
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "aios-coordinator-private.h"
#include "aios-runs.h"
#include "store/aios-journal.h"

#define POLL_INTERVAL_MS    250

static gboolean
poll_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;
  gint64 version = aios_store_get_data_version (self->store);

  if (version != self->data_version)
    {
      self->data_version = version;
      aios_coordinator_wake (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- start-up and recovery ---- */

static char *
lock_path (const char *workspace_path)
{
  return g_strconcat (workspace_path, ".coordinator.lock", NULL);
}

static gboolean
take_lock (AiosCoordinator  *self,
           GError          **error)
{
  g_autofree char *path = lock_path (aios_store_get_path (self->store));
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("Could not create %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_LOCKED,
                   _("Another Aios process is running the coordinator of %s"),
                   aios_store_get_path (self->store));
      return FALSE;
    }
  self->lock_fd = fd;
  return TRUE;
}

/* Steps left "running" by a previous process were interrupted mid-attempt.
 * Agent work is re-run (agents have no side effects); the outbox keeps
 * outward actions from repeating. */
static gboolean
recover_interrupted (AiosCoordinator  *self,
                     GError          **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (!aios_runs_list_interrupted_steps (self->store, ids, runs, error))
    return FALSE;
  if (ids->len == 0)
    return TRUE;

  if (!aios_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      gint64 run = g_array_index (runs, gint64, i);

      if (!aios_runs_requeue_step (self->store, id, error))
        goto fail;
      if (!aios_coordinator_journal (self->store, run, id, "system", "step.interrupted",
                                     "Step interrupted by a stop; it runs again", NULL, NULL, error))
        goto fail;
    }
  return aios_store_commit (self->store, error);

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/**
 * aios_coordinator_start:
 *
 * Becomes this workspace's active coordinator: takes the workspace's
 * coordinator lock, resumes every non-terminal run (steps already finished
 * are not run again), and from then on carries runs forward on the main
 * loop. Fails with %AIOS_COORDINATOR_ERROR_LOCKED when another process is
 * the coordinator (that one then does the work). Starting twice is harmless.
 */
gboolean
aios_coordinator_start (AiosCoordinator  *self,
                        GError          **error)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (self->active)
    return TRUE;
  if (!take_lock (self, error))
    return FALSE;
  if (!aios_store_begin (self->store, error))
    {
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }
  if (!aios_coordinator_tx_recover_sending (self, error))
    {
      aios_store_rollback (self->store);
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }
  if (!aios_store_commit (self->store, error) || !recover_interrupted (self, error))
    {
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }

  self->active = TRUE;
  self->started_at = g_get_real_time ();
  self->data_version = aios_store_get_data_version (self->store);
  self->poll_source = g_timeout_add_full (G_PRIORITY_DEFAULT, POLL_INTERVAL_MS, poll_cb, self, NULL);
  aios_coordinator_sync_schedules (self);
  aios_coordinator_wake (self);
  return TRUE;
}

gboolean
aios_coordinator_is_active (AiosCoordinator *self)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);
  return self->active;
}

/**
 * aios_coordinator_get_started_at:
 *
 * Returns: when this coordinator became active (g_get_real_time()), 0 when
 *   it is not
 */
gint64
aios_coordinator_get_started_at (AiosCoordinator *self)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);
  return self->active ? self->started_at : 0;
}

/**
 * aios_coordinator_find_holder:
 * @workspace_path: the workspace file
 *
 * Looks, without taking it, for the process that holds the coordinator lock
 * of @workspace_path (the kernel's table of flock() locks, /proc/locks, names
 * it). Taking the lock to test it would make a coordinator starting at that
 * moment fail.
 *
 * Returns: the pid of the process that runs the coordinator, 0 when none
 *   does (or it cannot be told)
 */
GPid
aios_coordinator_find_holder (const char *workspace_path)
{
  g_autofree char *path = lock_path (workspace_path);
  g_autofree char *locks = NULL;
  g_auto(GStrv) lines = NULL;
  struct stat st;

  if (g_stat (path, &st) != 0 || !g_file_get_contents ("/proc/locks", &locks, NULL, NULL))
    return 0;

  /* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (the device in hex) */
  lines = g_strsplit (locks, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned int major, minor;
      unsigned long long inode;
      char kind[16], mode[16], access[16];
      long pid;

      if (sscanf (lines[i], "%*d: %15s %15s %15s %ld %x:%x:%llu",
                  kind, mode, access, &pid, &major, &minor, &inode) != 7)
        continue;
      if (g_str_equal (kind, "FLOCK") && g_str_equal (access, "WRITE") && pid > 0 &&
          inode == (unsigned long long) st.st_ino &&
          major == major (st.st_dev) && minor == minor (st.st_dev))
        return (GPid) pid;
    }
  return 0;
}

static gboolean
remove_if_null (gpointer key,
                gpointer value,
                gpointer user_data)
{
  return value == NULL;
}

/**
 * aios_coordinator_stop:
 *
 * Stops carrying runs forward (work in flight is abandoned and resumes at
 * the next start) and releases the lock.
 */
void
aios_coordinator_stop (AiosCoordinator *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (AIOS_IS_COORDINATOR (self));

  g_clear_handle_id (&self->pump_source, g_source_remove);
  g_clear_handle_id (&self->timer_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->stall_source, g_source_remove);
  g_clear_handle_id (&self->settle_source, g_source_remove);
  self->stalled = FALSE;
  self->active = FALSE;
  self->started_at = 0;
  if (self->drain_waiters != NULL && self->drain_waiters->len > 0)
    aios_coordinator_finish_drain (self);

  /* In-flight executions keep a pointer to us; cancel them and let their
   * callbacks land in the completions list, which is dropped here. */
  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != NULL && ((Exec *) value)->cancellable != NULL)
      g_cancellable_cancel (((Exec *) value)->cancellable);
  g_queue_clear (&self->ready);
  while (!g_queue_is_empty (&self->send_waiting))
    g_hash_table_remove (self->known, g_queue_pop_head (&self->send_waiting));
  g_hash_table_foreach_remove (self->known, (GHRFunc) (void *) remove_if_null, NULL);

  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
  aios_coordinator_check_settled (self);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;

  self->drain_source = 0;
  g_message ("Stopping with work still in flight: it resumes at the next start "
             "(an action being sent becomes “unknown” for the operator)");
  aios_coordinator_finish_drain (self);
  return G_SOURCE_REMOVE;
}

/**
 * aios_coordinator_drain_async:
 * @timeout_ms: how long to wait at most
 *
 * Before a graceful stop: claims nothing new and completes once the steps
 * in flight (agents, and above all outward actions being sent) have
 * finished and their outcomes are durable, or after @timeout_ms. So
 * SIGTERM does not leave sent actions "unknown". The caller then stops.
 */
void
aios_coordinator_drain_async (AiosCoordinator     *self,
                              guint                timeout_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_coordinator_drain_async);
  self->draining = TRUE;
  g_ptr_array_add (self->drain_waiters, task);
  if (self->drain_source == 0)
    self->drain_source = g_timeout_add (timeout_ms, drain_timeout_cb, self);
  aios_coordinator_schedule_pump (self);
  aios_coordinator_check_settled (self);
}

gboolean
aios_coordinator_drain_finish (AiosCoordinator  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aios_coordinator_settle_async:
 *
 * Completes once no work is due now: every run is finished, waiting for the
 * operator, or waiting for a retry timer in the future. Completes at once
 * when this coordinator is not active.
 */
void
aios_coordinator_settle_async (AiosCoordinator     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_coordinator_settle_async);
  g_ptr_array_add (self->settle_waiters, task);
  if (self->active)
    aios_coordinator_wake (self);
  aios_coordinator_check_settled (self);
}

gboolean
aios_coordinator_settle_finish (AiosCoordinator  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
