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
#include "aios-window.h"
#include "cli/aios-app-core.h"

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

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
};

static void
aios_application_startup (GApplication *application)
{
  G_APPLICATION_CLASS (aios_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
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
