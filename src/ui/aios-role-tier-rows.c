/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences → Models → Agent Roles: one combo row per writer role, saved
 * as its settings key agents.ROLE.tier (local, cloud or offline). An unset
 * key shows as the local model, the roles' default; a tier without a URL
 * gives way to the other one, and with neither the built-in engine writes.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-role-tier-rows.h"

static const char *const tiers[] = { "local", "cloud", "offline" };

static const struct {
  const char *key;
  const char *title;
  const char *subtitle;
} roles[] = {
  { "agents.content-writer.tier",  N_("Content Writer"),  N_("Drafts posts from your briefs") },
  { "agents.outreach-writer.tier", N_("Outreach Writer"), N_("Drafts replies to new leads") },
  { "agents.billing.tier",         N_("Billing"),         N_("Words invoice lines; amounts always come from the contract") },
};

static guint
tier_index (const char *tier)
{
  for (guint i = 0; i < G_N_ELEMENTS (tiers); i++)
    if (g_strcmp0 (tier, tiers[i]) == 0)
      return i;
  return 0;   /* unset: local, the default */
}

static void
show_current (AdwComboRow *row,
              AiosConfig  *config)
{
  g_autofree char *value = aios_config_get (config, g_object_get_data (G_OBJECT (row), "key"));
  guint index = tier_index (value);

  if (adw_combo_row_get_selected (row) != index)
    adw_combo_row_set_selected (row, index);
}

static void
selected_cb (AdwComboRow *row,
             GParamSpec  *pspec,
             AiosConfig  *config)
{
  const char *key = g_object_get_data (G_OBJECT (row), "key");
  guint index = adw_combo_row_get_selected (row);
  g_autofree char *current = aios_config_get (config, key);
  g_autoptr(GError) error = NULL;

  if (index >= G_N_ELEMENTS (tiers) || g_strcmp0 (current, tiers[index]) == 0 ||
      (current == NULL && index == 0))
    return;
  if (!aios_config_set (config, key, tiers[index], "operator", &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), NULL);
}

static void
config_changed_cb (AiosConfig  *config,
                   const char  *key,
                   AdwComboRow *row)
{
  show_current (row, config);
}

/**
 * aios_role_tier_rows_attach:
 *
 * Adds the writer roles' rows to @group.
 */
void
aios_role_tier_rows_attach (AdwPreferencesGroup *group,
                            AiosWorkspace       *workspace)
{
  AiosConfig *config = aios_workspace_get_config (workspace);

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);
      g_autofree char *detail = g_strconcat ("changed::", roles[i].key, NULL);
      GtkWidget *row = adw_combo_row_new ();

      gtk_string_list_append (choices, _("Local model"));
      gtk_string_list_append (choices, _("Cloud model"));
      gtk_string_list_append (choices, _("Built-in engine"));
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (choices));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(roles[i].title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(roles[i].subtitle));
      g_object_set_data (G_OBJECT (row), "key", (gpointer) roles[i].key);
      gtk_widget_set_name (row, roles[i].key);
      show_current (ADW_COMBO_ROW (row), config);
      g_signal_connect_object (row, "notify::selected", G_CALLBACK (selected_cb), config, 0);
      g_signal_connect_object (config, detail, G_CALLBACK (config_changed_cb), row, 0);
      adw_preferences_group_add (group, row);
    }
}
