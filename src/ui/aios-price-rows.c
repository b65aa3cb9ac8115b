/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences → Models → Prices and Spending: the editable price table
 * (model_prices) for the configured models, and what was spent today and
 * this month against budget.daily and budget.monthly.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-price-rows.h"

#define STATE_KEY "aios-price-rows"

typedef struct
{
  AdwPreferencesGroup *group;     /* unowned */
  AiosWorkspace       *workspace;
  GPtrArray           *rows;      /* the rows we added */
} State;

static void
state_free (State *state)
{
  g_clear_object (&state->workspace);
  g_ptr_array_unref (state->rows);
  g_free (state);
}

static char *
price_text (AiosWorkspace *workspace,
            const char    *model)
{
  g_autoptr(AiosModelPrice) price = aios_llm_get_price (aios_workspace_get_llm (workspace), model);

  if (price == NULL)
    return NULL;
  return g_strdup_printf ("%.4g %.4g", price->input_micros_per_mtok / 1e6, price->output_micros_per_mtok / 1e6);
}

static void
apply_cb (AdwEntryRow *row,
          State       *state)
{
  const char *model = g_object_get_data (G_OBJECT (row), "model");
  g_auto(GStrv) words = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (row)), " \t", -1);
  g_autoptr(GError) error = NULL;
  double in = -1, out = -1;
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      char *end = NULL;
      double v;

      if (*words[i] == '\0')
        continue;
      v = g_ascii_strtod (words[i], &end);
      if (end == NULL || *end != '\0')
        n = 99;
      else if (n == 0)
        in = v;
      else if (n == 1)
        out = v;
      n++;
    }
  if (n != 2 || in < 0 || out < 0)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      return;
    }
  if (!aios_llm_set_price (aios_workspace_get_llm (state->workspace), model,
                           (gint64) (in * 1e6 + 0.5), (gint64) (out * 1e6 + 0.5), &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      g_message ("%s", error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static char *
spending_text (AiosWorkspace *workspace)
{
  AiosLlm *llm = aios_workspace_get_llm (workspace);
  g_autofree char *daily = aios_config_get (aios_workspace_get_config (workspace), "budget.daily");
  g_autofree char *monthly = aios_config_get (aios_workspace_get_config (workspace), "budget.monthly");

  g_autofree char *today = daily ? g_strdup_printf (_("today %.2f of %s"), aios_llm_spent_micros (llm, FALSE) / 1e6, daily)
                                  : g_strdup_printf (_("today %.2f (no daily budget)"), aios_llm_spent_micros (llm, FALSE) / 1e6);
  g_autofree char *month = monthly ? g_strdup_printf (_("this month %.2f of %s"), aios_llm_spent_micros (llm, TRUE) / 1e6, monthly)
                                   : g_strdup_printf (_("this month %.2f (no monthly budget)"), aios_llm_spent_micros (llm, TRUE) / 1e6);

  /* TRANSLATORS: the two parts of the spending line, "today …, this month …" */
  return g_strdup_printf (_("%s, %s"), today, month);
}

static void
rebuild (State *state)
{
  AiosConfig *config = aios_workspace_get_config (state->workspace);
  const char *keys[] = { "llm.local.model", "llm.cloud.model" };
  GtkWidget *spending;
  g_autofree char *spent = spending_text (state->workspace);

  for (guint i = 0; i < state->rows->len; i++)
    adw_preferences_group_remove (state->group, state->rows->pdata[i]);
  g_ptr_array_set_size (state->rows, 0);

  spending = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (spending), _("Spent on Models"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (spending), spent);
  adw_preferences_group_add (state->group, spending);
  g_ptr_array_add (state->rows, spending);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *model = aios_config_get (config, keys[i]);
      g_autofree char *title = NULL;
      g_autofree char *text = NULL;
      GtkWidget *row;

      if (model == NULL)
        continue;
      title = g_strdup_printf (_("%s: input and output price per million tokens"), model);
      text = price_text (state->workspace, model);
      row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
      gtk_widget_set_tooltip_text (row, _("Two amounts, like 0.15 0.60. Without a price, a budget blocks paid calls to this model."));
      g_object_set_data_full (G_OBJECT (row), "model", g_steal_pointer (&model), g_free);
      g_signal_connect (row, "apply", G_CALLBACK (apply_cb), state);
      adw_preferences_group_add (state->group, row);
      g_ptr_array_add (state->rows, row);
    }
}

static void
config_changed_cb (AiosConfig *config,
                   const char *key,
                   GObject    *group)
{
  State *state = g_object_get_data (group, STATE_KEY);

  if (state != NULL && (g_str_has_suffix (key, ".model") || g_str_has_prefix (key, "budget.")))
    rebuild (state);
}

void
aios_price_rows_attach (AdwPreferencesGroup *group,
                        AiosWorkspace       *workspace)
{
  State *state = g_new0 (State, 1);

  state->group = group;
  state->workspace = g_object_ref (workspace);
  state->rows = g_ptr_array_new ();
  g_object_set_data_full (G_OBJECT (group), STATE_KEY, state, (GDestroyNotify) state_free);
  /* disconnected when the group goes away */
  g_signal_connect_object (aios_workspace_get_config (workspace), "changed", G_CALLBACK (config_changed_cb),
                           group, 0);
  rebuild (state);
}
