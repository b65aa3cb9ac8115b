/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workspace: where the workspace file and its backups are, and a button to
 * take a backup now, whose result (the new file, or what went wrong) is shown
 * in place.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-workspace-preferences.h"

struct _AiosWorkspacePreferences
{
  AdwPreferencesPage  parent_instance;

  AiosWorkspace      *workspace;

  AdwActionRow       *path_row;
  AdwActionRow       *backup_dir_row;
  AdwActionRow       *result_row;
  GtkImage           *result_icon;
};

G_DEFINE_FINAL_TYPE (AiosWorkspacePreferences, aios_workspace_preferences, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_result (AiosWorkspacePreferences *self,
             gboolean                  ok,
             const char               *title,
             const char               *detail)
{
  GtkWidget *row = GTK_WIDGET (self->result_row);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->result_row), title);
  adw_action_row_set_subtitle (self->result_row, detail);
  gtk_image_set_from_icon_name (self->result_icon, ok ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), ok ? "success" : "error");
  gtk_widget_set_visible (row, TRUE);
}

/**
 * aios_workspace_preferences_back_up:
 *
 * Takes a backup into the backup folder and shows the outcome on the page.
 *
 * Returns: whether the backup was written
 */
gboolean
aios_workspace_preferences_back_up (AiosWorkspacePreferences *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *time = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (AIOS_IS_WORKSPACE_PREFERENCES (self), FALSE);
  g_return_val_if_fail (self->workspace != NULL, FALSE);

  /* An online SQLite backup of a one-person company's workspace takes
   * milliseconds; the store's connection is not shared with threads. */
  path = aios_workspace_backup (self->workspace, NULL, &error);
  if (path == NULL)
    {
      show_result (self, FALSE, _("The Backup Failed"), error->message);
      return FALSE;
    }

  now = g_date_time_new_now_local ();
  time = g_date_time_format (now, "%X");
  /* Translators: %s is the time of day the backup was taken */
  title = g_strdup_printf (_("Backed up at %s"), time);
  show_result (self, TRUE, title, path);
  return TRUE;
}

static void
backup_clicked_cb (AiosWorkspacePreferences *self)
{
  aios_workspace_preferences_back_up (self);
}

static void
aios_workspace_preferences_dispose (GObject *object)
{
  AiosWorkspacePreferences *self = AIOS_WORKSPACE_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_WORKSPACE_PREFERENCES);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_workspace_preferences_parent_class)->dispose (object);
}

static void
aios_workspace_preferences_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  AiosWorkspacePreferences *self = AIOS_WORKSPACE_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_workspace (AiosWorkspacePreferences *self,
               AiosWorkspace            *workspace)
{
  g_autofree char *backup_dir = NULL;

  self->workspace = workspace != NULL ? g_object_ref (workspace) : NULL;
  if (workspace == NULL)
    return;
  backup_dir = aios_workspace_get_backup_dir (workspace);
  adw_action_row_set_subtitle (self->path_row, aios_workspace_get_path (workspace));
  adw_action_row_set_subtitle (self->backup_dir_row, backup_dir);
}

static void
aios_workspace_preferences_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  AiosWorkspacePreferences *self = AIOS_WORKSPACE_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_workspace_preferences_class_init (AiosWorkspacePreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_workspace_preferences_dispose;
  object_class->get_property = aios_workspace_preferences_get_property;
  object_class->set_property = aios_workspace_preferences_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-workspace-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosWorkspacePreferences, path_row);
  gtk_widget_class_bind_template_child (widget_class, AiosWorkspacePreferences, backup_dir_row);
  gtk_widget_class_bind_template_child (widget_class, AiosWorkspacePreferences, result_row);
  gtk_widget_class_bind_template_child (widget_class, AiosWorkspacePreferences, result_icon);
  gtk_widget_class_bind_template_callback (widget_class, backup_clicked_cb);
}

static void
aios_workspace_preferences_init (AiosWorkspacePreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_workspace_preferences_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_WORKSPACE_PREFERENCES, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_workspace_preferences_get_workspace (AiosWorkspacePreferences *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE_PREFERENCES (self), NULL);
  return self->workspace;
}
