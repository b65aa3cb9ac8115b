/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosApprovalNotifier announces approvals on the desktop, for the
 * long-lived process that runs the coordinator (the window or
 * `aios --headless`). Per UX.md:
 *
 *  - the title names the action and the person ("Approve email to Dana
 *    Whitfield?"), the body the subject; buttons Approve (app.approve) and
 *    Open (app.show-approval), which work with no window open;
 *  - one notification per approval, withdrawn once it is decided anywhere
 *    in this process (window, command line, a button);
 *  - batched when many arrive at once (or are already waiting at start):
 *    one "5 approvals wait for you" with Open instead of five; its count
 *    goes down as they are decided, and it is withdrawn with the last.
 *
 * It listens to the coordinator's "run-changed" signal and reads the
 * approvals of that run; nothing is polled.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approval-notifier.h"
#include "control/aios-approvals.h"
#include "control/aios-coordinator.h"
#include "control/aios-runs.h"

#define BATCH_ABOVE 3
#define FLUSH_MS 400
#define BATCH_ID "approvals-waiting"

struct _AiosApprovalNotifier
{
  GObject        parent_instance;

  GApplication  *application;  /* weak: it outlives us */
  AiosWorkspace *workspace;
  GHashTable    *shown;        /* approval ids with a notification of their own */
  GHashTable    *batched;      /* approval ids announced by the batch notification */
  GArray        *fresh;        /* approval ids to announce at the next flush */
  guint          flush_source;
};

G_DEFINE_FINAL_TYPE (AiosApprovalNotifier, aios_approval_notifier, G_TYPE_OBJECT)

/* Without a session bus (a headless service in a container, the tests'
 * DBUS_SESSION_BUS_ADDRESS=disabled:) there is no one to notify: GLib's
 * notification backends need the connection. */
static void
send_notification (AiosApprovalNotifier *self,
                   const char           *id,
                   GNotification        *notification)
{
  if (g_application_get_dbus_connection (self->application) != NULL)
    g_application_send_notification (self->application, id, notification);
}

static void
withdraw_notification (AiosApprovalNotifier *self,
                       const char           *id)
{
  if (g_application_get_dbus_connection (self->application) != NULL)
    g_application_withdraw_notification (self->application, id);
}

static char *
notification_id (gint64 approval_id)
{
  return g_strdup_printf ("approval-%" PRId64, approval_id);
}

static void
send_one (AiosApprovalNotifier   *self,
          const AiosApprovalInfo *info)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(AiosActionDescription) description =
    aios_approval_info_describe (info, aios_workspace_get_connectors (self->workspace));
  g_autofree char *id = notification_id (info->id);
  g_autofree char *target = g_strdup_printf ("%" PRId64, info->id);

  /* The connector's own words: "Approve email to Dana Whitfield?", the subject. */
  notification = g_notification_new (description->question);
  if (description->subtitle != NULL)
    g_notification_set_body (notification, description->subtitle);
  g_notification_set_default_action_and_target (notification, "app.show-approval", "s", target);
  g_notification_add_button_with_target (notification, _("Approve"), "app.approve", "s", target);
  g_notification_add_button_with_target (notification, _("Open"), "app.show-approval", "s", target);
  send_notification (self, id, notification);
  g_hash_table_add (self->shown, g_memdup2 (&info->id, sizeof info->id));
}

/* One notification for every batched approval still waiting, or none. */
static void
update_batch (AiosApprovalNotifier *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *target = NULL;
  guint count = g_hash_table_size (self->batched);
  gint64 first_id = G_MAXINT64;
  GHashTableIter iter;
  gpointer key;

  if (count == 0)
    {
      withdraw_notification (self, BATCH_ID);
      return;
    }

  g_hash_table_iter_init (&iter, self->batched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    first_id = MIN (first_id, *(gint64 *) key);

  title = g_strdup_printf (ngettext ("%u approval waits for you", "%u approvals wait for you", count), count);
  target = g_strdup_printf ("%" PRId64, first_id);
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("Open Aios to see each one and decide."));
  g_notification_set_default_action_and_target (notification, "app.show-approval", "s", target);
  g_notification_add_button_with_target (notification, _("Open"), "app.show-approval", "s", target);
  send_notification (self, BATCH_ID, notification);
}

static gboolean
flush_cb (gpointer user_data)
{
  AiosApprovalNotifier *self = user_data;
  AiosStore *store = aios_workspace_get_store (self->workspace);

  self->flush_source = 0;

  if (self->fresh->len > BATCH_ABOVE)
    {
      /* Many at once: one notification for all of them. */
      for (guint i = 0; i < self->fresh->len; i++)
        g_hash_table_add (self->batched, g_memdup2 (&g_array_index (self->fresh, gint64, i), sizeof (gint64)));
      update_batch (self);
    }
  else
    for (guint i = 0; i < self->fresh->len; i++)
      {
        g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (store, g_array_index (self->fresh, gint64, i), NULL);
        if (info != NULL && g_strcmp0 (info->status, "pending") == 0)
          send_one (self, info);
      }

  g_array_set_size (self->fresh, 0);
  return G_SOURCE_REMOVE;
}

static void
queue_fresh (AiosApprovalNotifier *self,
             gint64                approval_id)
{
  for (guint i = 0; i < self->fresh->len; i++)
    if (g_array_index (self->fresh, gint64, i) == approval_id)
      return;
  g_array_append_val (self->fresh, approval_id);
  if (self->flush_source == 0)
    self->flush_source = g_timeout_add (FLUSH_MS, flush_cb, self);
}

static void
withdraw (AiosApprovalNotifier *self,
          gint64                approval_id)
{
  if (g_hash_table_remove (self->shown, &approval_id))
    {
      g_autofree char *id = notification_id (approval_id);
      withdraw_notification (self, id);
    }
  if (g_hash_table_remove (self->batched, &approval_id))
    update_batch (self);
}

static void
run_changed_cb (AiosCoordinator      *coordinator,
                gint64                run_id,
                AiosApprovalNotifier *self)
{
  AiosStore *store = aios_workspace_get_store (self->workspace);
  g_autoptr(GPtrArray) approvals = aios_approval_info_list_run (store, run_id, NULL);
  g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) decided = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (approvals == NULL)
    return;
  for (guint i = 0; i < approvals->len; i++)
    {
      const AiosApprovalInfo *info = approvals->pdata[i];
      gint64 id = info->id;
      gboolean pending = g_strcmp0 (info->status, "pending") == 0;

      gboolean known = g_hash_table_contains (self->shown, &id) || g_hash_table_contains (self->batched, &id);

      if (pending && !known)
        g_array_append_val (fresh, id);
      else if (!pending && known)
        g_array_append_val (decided, id);
    }

  for (guint i = 0; i < fresh->len; i++)
    queue_fresh (self, g_array_index (fresh, gint64, i));
  for (guint i = 0; i < decided->len; i++)
    withdraw (self, g_array_index (decided, gint64, i));
}

static void
aios_approval_notifier_dispose (GObject *object)
{
  AiosApprovalNotifier *self = AIOS_APPROVAL_NOTIFIER (object);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->batched, g_hash_table_unref);
  g_clear_pointer (&self->fresh, g_array_unref);
  G_OBJECT_CLASS (aios_approval_notifier_parent_class)->dispose (object);
}

static void
aios_approval_notifier_class_init (AiosApprovalNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_approval_notifier_dispose;
}

static void
aios_approval_notifier_init (AiosApprovalNotifier *self)
{
  self->shown = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->batched = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->fresh = g_array_new (FALSE, FALSE, sizeof (gint64));
}

/**
 * aios_approval_notifier_new:
 *
 * Starts announcing @workspace's approvals through @application; what
 * already waits is announced once, batched when there are many.
 *
 * Returns: (transfer full): the notifier
 */
AiosApprovalNotifier *
aios_approval_notifier_new (GApplication  *application,
                            AiosWorkspace *workspace)
{
  AiosApprovalNotifier *self = g_object_new (AIOS_TYPE_APPROVAL_NOTIFIER, NULL);
  g_autoptr(GPtrArray) pending = NULL;

  self->application = application;
  self->workspace = g_object_ref (workspace);
  g_signal_connect_object (aios_workspace_get_coordinator (workspace), "run-changed",
                           G_CALLBACK (run_changed_cb), self, 0);

  pending = aios_approval_info_list (aios_workspace_get_store (workspace), TRUE, 0, 0, NULL);
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    queue_fresh (self, ((AiosApprovalInfo *) pending->pdata[i])->id);
  return self;
}
