/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosPreferencesWindow gathers the preferences pages of one workspace:
 * Models, Connectors & Credentials, Policies & Budgets and Workspace. Each
 * page is its own widget (other rooms extend Connectors and Policies).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-preferences-window.h"
#include "aios-accessible.h"
#include "aios-connectors-preferences.h"
#include "aios-models-preferences.h"
#include "aios-policies-preferences.h"
#include "aios-workspace-preferences.h"

struct _AiosPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AiosWorkspace        *workspace;
};

G_DEFINE_FINAL_TYPE (AiosPreferencesWindow, aios_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_preferences_window_constructed (GObject *object)
{
  AiosPreferencesWindow *self = AIOS_PREFERENCES_WINDOW (object);
  AdwPreferencesWindow *window = ADW_PREFERENCES_WINDOW (self);

  G_OBJECT_CLASS (aios_preferences_window_parent_class)->constructed (object);

  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (aios_models_preferences_new (self->workspace)));
  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (aios_connectors_preferences_new (self->workspace)));
  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (aios_policies_preferences_new (self->workspace)));
  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (aios_workspace_preferences_new (self->workspace)));
  aios_accessible_name_controls (GTK_WIDGET (self), TRUE);
}

static void
aios_preferences_window_dispose (GObject *object)
{
  AiosPreferencesWindow *self = AIOS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_preferences_window_parent_class)->dispose (object);
}

static void
aios_preferences_window_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  AiosPreferencesWindow *self = AIOS_PREFERENCES_WINDOW (object);

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
aios_preferences_window_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  AiosPreferencesWindow *self = AIOS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_preferences_window_class_init (AiosPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = aios_preferences_window_constructed;
  object_class->dispose = aios_preferences_window_dispose;
  object_class->get_property = aios_preferences_window_get_property;
  object_class->set_property = aios_preferences_window_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aios_preferences_window_init (AiosPreferencesWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _("Preferences"));
  /* wide enough for the four page titles side by side */
  gtk_window_set_default_size (GTK_WINDOW (self), 800, 640);
}

AiosPreferencesWindow *
aios_preferences_window_new (GtkWindow     *parent,
                             AiosWorkspace *workspace)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (workspace), NULL);

  return g_object_new (AIOS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "workspace", workspace,
                       NULL);
}

AiosWorkspace *
aios_preferences_window_get_workspace (AiosPreferencesWindow *self)
{
  g_return_val_if_fail (AIOS_IS_PREFERENCES_WINDOW (self), NULL);
  return self->workspace;
}
