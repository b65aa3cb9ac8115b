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
 *    goes down as they are decided, and it is withdrawn with the last;
 *  - at most one per approval, ever: each announcement is journaled
 *    ("approval.announced", with the approval id), and an approval already
 *    announced is not announced again by a later start;
 *  - none while the operator looks at the window (its badge and toasts
 *    say it): an approval that arrives while a window of this application
 *    has the focus counts as seen, and the notifications still showing are
 *    withdrawn when a window gets the focus.
 *
 * The window is known without GTK: a GtkApplication has an
 * "active-window" property and a GtkWindow an "is-active" one, read here
 * through GObject; a plain GApplication (headless) has neither, so there
 * the operator is never looking.
 *
 * It listens to the coordinator's "run-changed" signal and reads the
 * approvals of that run; nothing is polled.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approval-notifier.h"
#include "store/aios-journal.h"
#include "store/aios-journal-query.h"
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
  GHashTable    *seen;         /* approval ids that arrived while the operator looked */
  GArray        *fresh;        /* approval ids to announce at the next flush */
  guint          flush_source;
  GObject       *watched_window;  /* the active window whose focus we follow */
  gulong         focus_handler;
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

#define ANNOUNCED_KIND "approval.announced"

/* Whether @info was announced before, by this process or an earlier one:
 * the newest announcement of its step names it. (A step asks again after an
 * undo or a fork, with a new approval id, which is announced anew.) */
static gboolean
was_announced (AiosApprovalNotifier   *self,
               const AiosApprovalInfo *info)
{
  g_autoptr(AiosEvent) event = aios_journal_find_latest (aios_workspace_get_store (self->workspace),
                                                         ANNOUNCED_KIND, info->run_id, info->step_id);
  g_autofree char *expected = NULL;

  if (event == NULL || event->payload_json == NULL)
    return FALSE;
  expected = g_strdup_printf ("{\"approval_id\":%" PRId64 "}", info->id);
  return g_str_equal (event->payload_json, expected);
}

static void
journal_announced (AiosApprovalNotifier   *self,
                   const AiosApprovalInfo *info,
                   gboolean                batched)
{
  g_autofree char *payload = g_strdup_printf ("{\"approval_id\":%" PRId64 "}", info->id);
  g_autofree char *summary = batched
    ? g_strdup_printf (_("Told you on the desktop that approval %" PRId64 " waits, with the others"), info->id)
    : g_strdup_printf (_("Told you on the desktop that approval %" PRId64 " waits"), info->id);
  g_autoptr(GError) error = NULL;
  AiosEvent ev = {
    .run_id = info->run_id,
    .step_id = info->step_id,
    .actor = (char *) "system",
    .kind = (char *) ANNOUNCED_KIND,
    .summary = summary,
    .payload_json = payload,
  };

  /* Not fatal: at worst the next start announces it once more. */
  if (aios_journal_append (aios_workspace_get_store (self->workspace), &ev, &error) == 0)
    g_warning ("Could not journal the notification of approval %" PRId64 ": %s", info->id, error->message);
}

/* A window of this application has the keyboard focus. */
static gboolean
operator_is_looking (AiosApprovalNotifier *self)
{
  g_autoptr(GObject) window = NULL;
  gboolean active = FALSE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (self->application), "active-window") == NULL)
    return FALSE;
  g_object_get (self->application, "active-window", &window, NULL);
  if (window == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (window), "is-active") == NULL)
    return FALSE;
  g_object_get (window, "is-active", &active, NULL);
  return active;
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
  journal_announced (self, info, FALSE);
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
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_approval_info_free);
  gboolean looking = operator_is_looking (self);

  self->flush_source = 0;

  /* Still waiting, and never announced: the rest is seen or known. */
  for (guint i = 0; i < self->fresh->len; i++)
    {
      gint64 id = g_array_index (self->fresh, gint64, i);
      g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (store, id, NULL);

      if (info == NULL || g_strcmp0 (info->status, "pending") != 0)
        continue;
      if (looking || was_announced (self, info))
        g_hash_table_add (self->seen, g_memdup2 (&id, sizeof id));
      else
        g_ptr_array_add (due, g_steal_pointer (&info));
    }
  g_array_set_size (self->fresh, 0);

  if (due->len > BATCH_ABOVE)
    {
      /* Many at once: one notification for all of them. */
      for (guint i = 0; i < due->len; i++)
        {
          const AiosApprovalInfo *info = due->pdata[i];

          g_hash_table_add (self->batched, g_memdup2 (&info->id, sizeof info->id));
          journal_announced (self, info, TRUE);
        }
      update_batch (self);
    }
  else
    for (guint i = 0; i < due->len; i++)
      send_one (self, due->pdata[i]);

  return G_SOURCE_REMOVE;
}

/* The operator came to the window: what the notifications said is in front
 * of them now. The approvals stay announced; only the popups go. */
static void
window_focus_cb (GObject              *window,
                 GParamSpec           *pspec,
                 AiosApprovalNotifier *self)
{
  g_autoptr(GList) ids = NULL;

  if (!operator_is_looking (self))
    return;
  ids = g_hash_table_get_keys (self->shown);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      gint64 id = *(gint64 *) l->data;
      g_autofree char *notification = notification_id (id);

      g_hash_table_add (self->seen, g_memdup2 (&id, sizeof id));
      withdraw_notification (self, notification);
    }
  g_hash_table_remove_all (self->shown);
  if (g_hash_table_size (self->batched) > 0)
    {
      g_autoptr(GList) batched = g_hash_table_get_keys (self->batched);

      for (GList *l = batched; l != NULL; l = l->next)
        g_hash_table_add (self->seen, g_memdup2 (l->data, sizeof (gint64)));
      g_hash_table_remove_all (self->batched);
      update_batch (self);
    }
}

static void
active_window_cb (GObject              *application,
                  GParamSpec           *pspec,
                  AiosApprovalNotifier *self)
{
  g_autoptr(GObject) window = NULL;

  g_object_get (application, "active-window", &window, NULL);
  if (window == self->watched_window)
    return;
  if (self->watched_window != NULL)
    {
      g_clear_signal_handler (&self->focus_handler, self->watched_window);
      g_object_remove_weak_pointer (self->watched_window, (gpointer *) &self->watched_window);
      self->watched_window = NULL;
    }
  if (window == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (window), "is-active") == NULL)
    return;
  self->watched_window = window;
  g_object_add_weak_pointer (window, (gpointer *) &self->watched_window);
  self->focus_handler = g_signal_connect (window, "notify::is-active", G_CALLBACK (window_focus_cb), self);
  window_focus_cb (window, NULL, self);
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

      if (pending && !known && !g_hash_table_contains (self->seen, &id))
        g_array_append_val (fresh, id);
      else if (!pending && known)
        g_array_append_val (decided, id);
      if (!pending)
        g_hash_table_remove (self->seen, &id);
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
  if (self->watched_window != NULL)
    {
      g_clear_signal_handler (&self->focus_handler, self->watched_window);
      g_object_remove_weak_pointer (self->watched_window, (gpointer *) &self->watched_window);
      self->watched_window = NULL;
    }
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->batched, g_hash_table_unref);
  g_clear_pointer (&self->seen, g_hash_table_unref);
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
  self->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
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
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (application), "active-window") != NULL)
    g_signal_connect_object (application, "notify::active-window", G_CALLBACK (active_window_cb), self, 0);

  pending = aios_approval_info_list (aios_workspace_get_store (workspace), TRUE, 0, 0, NULL);
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    queue_fresh (self, ((AiosApprovalInfo *) pending->pdata[i])->id);
  return self;
}
