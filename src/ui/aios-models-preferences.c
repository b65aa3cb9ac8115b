/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Models: where the agent roles get their language models. With no URL set,
 * the built-in offline engine answers. Each row validates its value with aios_config_validate() and saves it
 * on apply (see AiosConfigRow).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-models-preferences.h"
#include "aios-config-row.h"
#include "aios-credential-row.h"
#include "aios-price-rows.h"
#include "aios-role-tier-rows.h"

struct _AiosModelsPreferences
{
  AdwPreferencesPage  parent_instance;

  AiosWorkspace      *workspace;

  AdwPreferencesGroup *cloud_group;
  AdwPreferencesGroup *roles_group;
  AdwPreferencesGroup *prices_group;
};

G_DEFINE_FINAL_TYPE (AiosModelsPreferences, aios_models_preferences, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_models_preferences_dispose (GObject *object)
{
  AiosModelsPreferences *self = AIOS_MODELS_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_MODELS_PREFERENCES);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_models_preferences_parent_class)->dispose (object);
}

static void
aios_models_preferences_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  AiosModelsPreferences *self = AIOS_MODELS_PREFERENCES (object);

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
aios_models_preferences_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  AiosModelsPreferences *self = AIOS_MODELS_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
      aios_config_row_bind_all (GTK_WIDGET (self),
                                self->workspace != NULL ? aios_workspace_get_config (self->workspace) : NULL);
      if (self->workspace != NULL)
        {
          adw_preferences_group_add (self->cloud_group,
                                     aios_credential_row_new (self->workspace, "llm.cloud", _("API Key")));
          aios_role_tier_rows_attach (self->roles_group, self->workspace);
          aios_price_rows_attach (self->prices_group, self->workspace);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_models_preferences_class_init (AiosModelsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_models_preferences_dispose;
  object_class->get_property = aios_models_preferences_get_property;
  object_class->set_property = aios_models_preferences_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AIOS_TYPE_CONFIG_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-models-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosModelsPreferences, cloud_group);
  gtk_widget_class_bind_template_child (widget_class, AiosModelsPreferences, roles_group);
  gtk_widget_class_bind_template_child (widget_class, AiosModelsPreferences, prices_group);
}

static void
aios_models_preferences_init (AiosModelsPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_models_preferences_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_MODELS_PREFERENCES, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_models_preferences_get_workspace (AiosModelsPreferences *self)
{
  g_return_val_if_fail (AIOS_IS_MODELS_PREFERENCES (self), NULL);
  return self->workspace;
}
