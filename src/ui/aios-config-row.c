/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosConfigRow edits one workspace setting (an AiosConfig key such as
 * smtp.url) in an AdwEntryRow: the value is validated with
 * aios_config_validate() when applied, an invalid one keeps the row in the
 * error style and is reported in a toast of the enclosing preferences window,
 * a valid one is saved (an empty one unsets the key, "not configured"). The
 * row follows changes made elsewhere, e.g. by `aios config set`.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-config-row.h"

struct _AiosConfigRow
{
  AdwEntryRow  parent_instance;

  AiosConfig  *config;
  char        *key;
  gboolean     loading;
};

G_DEFINE_FINAL_TYPE (AiosConfigRow, aios_config_row, ADW_TYPE_ENTRY_ROW)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_KEY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (AiosConfigRow *self,
            const char    *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwToast *toast;

  if (!ADW_IS_PREFERENCES_WINDOW (root))
    return;
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 4);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
}

/* Shows the stored value, without marking the row as edited. */
static void
load (AiosConfigRow *self)
{
  g_autofree char *value = NULL;

  if (self->config != NULL && self->key != NULL)
    value = aios_config_get (self->config, self->key);

  /* Hiding the apply button while loading keeps a loaded value from
   * looking like an unsaved edit. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self)), value != NULL ? value : "") != 0)
    {
      self->loading = TRUE;
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self), FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self), value != NULL ? value : "");
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self), TRUE);
      self->loading = FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
}

static void
config_changed_cb (AiosConfigRow *self,
                   const char    *key)
{
  if (g_strcmp0 (key, self->key) == 0)
    load (self);
}

/**
 * aios_config_row_apply:
 *
 * Validates and saves the row's text (empty unsets the key). On failure the
 * row shows the error style and the reason as its tooltip, @error says why,
 * and nothing is saved.
 */
gboolean
aios_config_row_apply (AiosConfigRow  *self,
                       GError        **error)
{
  g_autofree char *value = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (AIOS_IS_CONFIG_ROW (self), FALSE);
  g_return_val_if_fail (self->config != NULL && self->key != NULL, FALSE);

  value = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self))));
  if (*value == '\0')
    ok = aios_config_unset (self->config, self->key, "operator", &local_error);
  else
    ok = aios_config_validate (self->key, value, &local_error) &&
         aios_config_set (self->config, self->key, value, "operator", &local_error);

  if (ok)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
      return TRUE;
    }

  /* a toast may be cut short; the whole reason stays on the row */
  gtk_widget_add_css_class (GTK_WIDGET (self), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), local_error->message);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
apply_cb (AiosConfigRow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!aios_config_row_apply (self, &error))
    {
      show_toast (self, error->message);
      return;
    }
  /* Translators: %s is a setting's title, e.g. "Server" */
  text = g_strdup_printf (_("%s saved"), adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self)));
  show_toast (self, text);
}

static void
text_changed_cb (AiosConfigRow *self)
{
  /* Editing after an error clears it; the value is judged again on apply. */
  if (!self->loading)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
    }
}

static void
aios_config_row_dispose (GObject *object)
{
  AiosConfigRow *self = AIOS_CONFIG_ROW (object);

  g_clear_object (&self->config);
  G_OBJECT_CLASS (aios_config_row_parent_class)->dispose (object);
}

static void
aios_config_row_finalize (GObject *object)
{
  AiosConfigRow *self = AIOS_CONFIG_ROW (object);

  g_free (self->key);
  G_OBJECT_CLASS (aios_config_row_parent_class)->finalize (object);
}

static void
aios_config_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AiosConfigRow *self = AIOS_CONFIG_ROW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_config_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AiosConfigRow *self = AIOS_CONFIG_ROW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      aios_config_row_set_config (self, g_value_get_object (value));
      break;
    case PROP_KEY:
      g_assert (self->key == NULL);
      self->key = g_value_dup_string (value);
      load (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_config_row_class_init (AiosConfigRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aios_config_row_dispose;
  object_class->finalize = aios_config_row_finalize;
  object_class->get_property = aios_config_row_get_property;
  object_class->set_property = aios_config_row_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, AIOS_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aios_config_row_init (AiosConfigRow *self)
{
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self), TRUE);
  g_signal_connect (self, "apply", G_CALLBACK (apply_cb), NULL);
  g_signal_connect (self, "changed", G_CALLBACK (text_changed_cb), NULL);
}

GtkWidget *
aios_config_row_new (AiosConfig *config,
                     const char *key)
{
  return g_object_new (AIOS_TYPE_CONFIG_ROW, "config", config, "key", key, NULL);
}

AiosConfig *
aios_config_row_get_config (AiosConfigRow *self)
{
  g_return_val_if_fail (AIOS_IS_CONFIG_ROW (self), NULL);
  return self->config;
}

void
aios_config_row_set_config (AiosConfigRow *self,
                            AiosConfig    *config)
{
  g_return_if_fail (AIOS_IS_CONFIG_ROW (self));

  if (self->config == config)
    return;
  if (self->config != NULL)
    g_signal_handlers_disconnect_by_func (self->config, config_changed_cb, self);
  g_set_object (&self->config, config);
  if (config != NULL)
    g_signal_connect_object (config, "changed", G_CALLBACK (config_changed_cb), self, G_CONNECT_SWAPPED);
  load (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

const char *
aios_config_row_get_key (AiosConfigRow *self)
{
  g_return_val_if_fail (AIOS_IS_CONFIG_ROW (self), NULL);
  return self->key;
}

/**
 * aios_config_row_bind_all:
 * @widget: a widget whose descendants include config rows
 * @config: (nullable): the settings they edit
 *
 * Sets @config on every AiosConfigRow inside @widget, so a preferences page
 * lists its rows in its template and hands them the workspace's settings.
 */
void
aios_config_row_bind_all (GtkWidget  *widget,
                          AiosConfig *config)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (AIOS_IS_CONFIG_ROW (widget))
    aios_config_row_set_config (AIOS_CONFIG_ROW (widget), config);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    aios_config_row_bind_all (child, config);
}
