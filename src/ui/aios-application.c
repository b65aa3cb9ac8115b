/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosApplication is the window app: an AdwApplication whose command lines
 * are served by AiosAppCore (shared with the headless service) and which
 * opens an AiosWindow on the workspace.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-application.h"
#include "aios-inbox-page.h"
#include "aios-preferences-window.h"
#include "aios-window.h"
#include "app/aios-app-core.h"

struct _AiosApplication
{
  AdwApplication  parent_instance;

  AiosAppCore    *core;
};

G_DEFINE_FINAL_TYPE (AiosApplication, aios_application, ADW_TYPE_APPLICATION)

static AiosWindow *
find_window (AiosApplication *self,
             AiosWorkspace   *workspace)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (AIOS_IS_WINDOW (l->data) && aios_window_get_workspace (l->data) == workspace)
      return l->data;
  return NULL;
}

static gboolean
open_window_cb (AiosAppCore     *core,
                AiosWorkspace   *workspace,
                AiosApplication *self)
{
  AiosWindow *window = find_window (self, workspace);

  if (window == NULL)
    window = aios_window_new (self, workspace);
  gtk_window_present (GTK_WINDOW (window));
  return TRUE;
}

/* A notification's Open button: that approval, in the Inbox. */
static gboolean
show_approval_cb (AiosAppCore     *core,
                  AiosWorkspace   *workspace,
                  gint64           approval_id,
                  AiosApplication *self)
{
  AiosWindow *window = find_window (self, workspace);
  GtkWidget *inbox;

  if (window == NULL)
    window = aios_window_new (self, workspace);
  aios_window_show_page (window, "inbox");
  inbox = adw_view_stack_get_child_by_name (aios_window_get_stack (window), "inbox");
  if (AIOS_IS_INBOX_PAGE (inbox))
    aios_inbox_page_select_approval (AIOS_INBOX_PAGE (inbox), approval_id);
  gtk_window_present (GTK_WINDOW (window));
  return TRUE;
}

static void
aios_application_activate (GApplication *application)
{
  AiosApplication *self = AIOS_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace = aios_app_core_get_workspace (self->core, NULL, &error);

  if (workspace == NULL)
    {
      g_printerr ("aios: %s\n", error->message);
      return;
    }
  open_window_cb (self->core, workspace, self);
}

/* Quit (Ctrl+Q). When this process is `aios --headless` that a window
 * attached to, quitting closes the windows and leaves the coordinator
 * running: the service is stopped as it was started (SIGTERM, systemctl). */
static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AiosApplication *self = AIOS_APPLICATION (user_data);
  GList *windows;

  if (!aios_app_core_get_headless (self->core))
    {
      g_application_quit (G_APPLICATION (self));
      return;
    }
  /* Held, as destroying one may destroy the dialogs it carries. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free_full (windows, g_object_unref);
}

/* The window the operator is looking at, or any; NULL when none is open. */
static AiosWindow *
current_window (AiosApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (AIOS_IS_WINDOW (window))
    return AIOS_WINDOW (window);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (AIOS_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  AiosApplication *self = AIOS_APPLICATION (user_data);
  AiosWindow *window = current_window (self);
  AiosPreferencesWindow *preferences;

  if (window == NULL)
    return;

  /* One preferences window per main window. */
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (AIOS_IS_PREFERENCES_WINDOW (l->data) &&
        gtk_window_get_transient_for (l->data) == GTK_WINDOW (window))
      {
        gtk_window_present (l->data);
        g_list_free (l);
        return;
      }

  preferences = aios_preferences_window_new (GTK_WINDOW (window), aios_window_get_workspace (window));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  AiosApplication *self = AIOS_APPLICATION (user_data);
  static const char *developers[] = { "The Aios developers", NULL };
  AiosWindow *window = current_window (self);
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", window != NULL,
                        "application-icon", APPLICATION_ID,
                        "application-name", _("Aios"),
                        "developer-name", _("The Aios developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("The operating system of a one-person company: agents do the work, "
                                      "you approve what goes out, and the journal says why."),
                        "website", "https://aios.example.com/",
                        "issue-url", "https://aios.example.com/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Aios developers",
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
};

static void
aios_application_startup (GApplication *application)
{
  static const struct {
    const char *action;
    const char *accels[2];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.show-page::today", { "<Control>1", NULL } },
    { "win.show-page::inbox", { "<Control>2", NULL } },
    { "win.show-page::timeline", { "<Control>3", NULL } },
    { "win.show-page::memory", { "<Control>4", NULL } },
    { "win.show-page::runs", { "<Control>5", NULL } },
  };

  G_APPLICATION_CLASS (aios_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APPLICATION_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  /* win.show-help-overlay and Ctrl+? come with gtk/help-overlay.ui. */
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                           accels[i].action, accels[i].accels);
}

static void
aios_application_dispose (GObject *object)
{
  AiosApplication *self = AIOS_APPLICATION (object);

  g_clear_object (&self->core);
  G_OBJECT_CLASS (aios_application_parent_class)->dispose (object);
}

static void
aios_application_class_init (AiosApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = aios_application_dispose;
  app_class->activate = aios_application_activate;
  app_class->startup = aios_application_startup;
}

static void
aios_application_init (AiosApplication *self)
{
  self->core = aios_app_core_new (G_APPLICATION (self));
  g_signal_connect_object (self->core, "open-window", G_CALLBACK (open_window_cb), self, 0);
  g_signal_connect_object (self->core, "show-approval", G_CALLBACK (show_approval_cb), self, 0);
}

AiosApplication *
aios_application_new (void)
{
  return g_object_new (AIOS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/com/example/Aios",
                       NULL);
}
