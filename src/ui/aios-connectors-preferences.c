/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connectors & Credentials: where outward actions go (SMTP, the invoicing
 * API, the webhook, the local intake). Each settings row validates its value with
 * aios_config_validate() and saves it on apply (see AiosConfigRow); each
 * credential row keeps its secret in the keyring (see aios-credential-row.c).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-connectors-preferences.h"
#include "aios-config-row.h"
#include "aios-credential-row.h"

struct _AiosConnectorsPreferences
{
  AdwPreferencesPage  parent_instance;

  AiosWorkspace      *workspace;

  AdwPreferencesGroup *email_group;
  AdwPreferencesGroup *invoice_group;
  AdwPreferencesGroup *webhook_group;
  AdwPreferencesGroup *publish_group;
  AdwPreferencesGroup *intake_group;
};

G_DEFINE_FINAL_TYPE (AiosConnectorsPreferences, aios_connectors_preferences, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_connectors_preferences_dispose (GObject *object)
{
  AiosConnectorsPreferences *self = AIOS_CONNECTORS_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_CONNECTORS_PREFERENCES);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_connectors_preferences_parent_class)->dispose (object);
}

/* A keyring credential's row, titled as its connector's class says. */
static void
add_credential_row (AiosConnectorsPreferences *self,
                    AdwPreferencesGroup       *group,
                    const AiosCredentialSpec  *spec)
{
  if (spec != NULL)
    adw_preferences_group_add (group, aios_credential_row_new (self->workspace, spec->name, _(spec->label)));
}

static const AiosCredentialSpec *
connector_credential (AiosConnectorsPreferences *self,
                      const char                *connector)
{
  AiosConnector *found = aios_workspace_get_connector (self->workspace, connector);

  return found != NULL ? aios_connector_get_credential (found) : NULL;
}

/* The keyring credentials, beside the settings they go with. */
static void
add_credential_rows (AiosConnectorsPreferences *self)
{
  add_credential_row (self, self->email_group, connector_credential (self, "email"));
  add_credential_row (self, self->invoice_group, connector_credential (self, "invoice"));
  add_credential_row (self, self->webhook_group, connector_credential (self, "webhook"));
  add_credential_row (self, self->publish_group, connector_credential (self, "publish"));
  add_credential_row (self, self->intake_group, aios_credentials_get_spec ("intake"));
}

static void
aios_connectors_preferences_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  AiosConnectorsPreferences *self = AIOS_CONNECTORS_PREFERENCES (object);

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
aios_connectors_preferences_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  AiosConnectorsPreferences *self = AIOS_CONNECTORS_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
      aios_config_row_bind_all (GTK_WIDGET (self),
                                self->workspace != NULL ? aios_workspace_get_config (self->workspace) : NULL);
      if (self->workspace != NULL)
        add_credential_rows (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_connectors_preferences_class_init (AiosConnectorsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_connectors_preferences_dispose;
  object_class->get_property = aios_connectors_preferences_get_property;
  object_class->set_property = aios_connectors_preferences_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AIOS_TYPE_CONFIG_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-connectors-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosConnectorsPreferences, email_group);
  gtk_widget_class_bind_template_child (widget_class, AiosConnectorsPreferences, invoice_group);
  gtk_widget_class_bind_template_child (widget_class, AiosConnectorsPreferences, webhook_group);
  gtk_widget_class_bind_template_child (widget_class, AiosConnectorsPreferences, publish_group);
  gtk_widget_class_bind_template_child (widget_class, AiosConnectorsPreferences, intake_group);
}

static void
aios_connectors_preferences_init (AiosConnectorsPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_connectors_preferences_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_CONNECTORS_PREFERENCES, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_connectors_preferences_get_workspace (AiosConnectorsPreferences *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTORS_PREFERENCES (self), NULL);
  return self->workspace;
}
