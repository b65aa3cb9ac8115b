/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences over a real workspace: opened through app.preferences, its
 * four pages, settings rows that refuse invalid values in place and save
 * valid ones to the workspace (journaled), follow changes made elsewhere,
 * the writer roles' engine rows (agents.ROLE.tier), and the Back Up Now
 * button that writes a backup and says where.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "aios-ui-test.h"
#include "store/aios-journal.h"
#include "ui/aios-config-row.h"
#include "ui/aios-preferences-window.h"
#include "ui/aios-window.h"
#include "ui/aios-workspace-preferences.h"

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static AiosPreferencesWindow *
find_preferences (void)
{
  AiosPreferencesWindow *found = NULL;
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (AIOS_IS_PREFERENCES_WINDOW (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static gboolean
preferences_shown (gpointer data)
{
  AiosPreferencesWindow *preferences = find_preferences ();
  return preferences != NULL && gtk_widget_get_mapped (GTK_WIDGET (preferences));
}

static void
find_widgets (GtkWidget *widget,
              GType      type,
              GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    find_widgets (child, type, found);
}

static AiosConfigRow *
find_row (GtkWidget  *root,
          const char *key)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  find_widgets (root, AIOS_TYPE_CONFIG_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (aios_config_row_get_key (rows->pdata[i]), key) == 0)
      return rows->pdata[i];
  g_error ("no row for %s", key);
}

static gint64
count_events (AiosWorkspace *workspace,
              const char    *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = aios_journal_list (aios_workspace_get_store (workspace), 0, 0, 0, &error);
  gint64 n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (((AiosEvent *) events->pdata[i])->kind, kind))
      n++;
  return n;
}

/* Keeps a picture of the preferences in build/tests/artifacts/ to look at. */
static void
render (AiosPreferencesWindow *preferences,
        const char            *name)
{
  g_autofree char *path = aios_ui_test_artifact_path (name);
  g_autoptr(GdkTexture) texture = NULL;

  aios_ui_test_wait_frame (GTK_WIDGET (preferences));
  texture = aios_ui_test_render (GTK_WIDGET (preferences));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
}

static void
apply (AiosConfigRow *row,
       const char    *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

typedef struct {
  AiosWorkspace         *workspace;
  AiosWindow            *window;
  AiosPreferencesWindow *preferences;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->workspace = aios_ui_test_workspace_new ();
  f->window = aios_window_new (aios_ui_test_application (), f->workspace);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (aios_ui_test_wait (is_mapped, f->window, 10000));

  g_action_group_activate_action (G_ACTION_GROUP (aios_ui_test_application ()), "preferences", NULL);
  g_assert_true (aios_ui_test_wait (preferences_shown, NULL, 10000));
  f->preferences = find_preferences ();
  g_assert_true (aios_preferences_window_get_workspace (f->preferences) == f->workspace);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (f->preferences)) == GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->preferences));
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->workspace);
}

static void
test_pages (Fixture       *f,
            gconstpointer  data)
{
  static const char *titles[] = { "Models", "Connectors & Credentials", "Policies & Budgets", "Workspace" };
  static const char *keys[] = { "llm.local.url", "llm.local.model", "llm.cloud.url", "llm.cloud.model",
                                "smtp.url", "smtp.from", "invoice.url", "webhook.url", "publish.url",
                                "budget.daily", "budget.monthly" };
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();

  find_widgets (GTK_WIDGET (f->preferences), ADW_TYPE_PREFERENCES_PAGE, pages);
  /* only ours: the window has an internal page of its own for search */
  for (guint i = pages->len; i > 0; i--)
    if (!g_str_has_prefix (G_OBJECT_TYPE_NAME (pages->pdata[i - 1]), "Aios"))
      g_ptr_array_remove_index (pages, i - 1);
  g_assert_cmpuint (pages->len, ==, G_N_ELEMENTS (titles));
  for (guint i = 0; i < pages->len; i++)
    g_assert_cmpstr (adw_preferences_page_get_title (pages->pdata[i]), ==, titles[i]);

  render (f->preferences, "preferences-models.png");

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (aios_config_row_get_config (find_row (GTK_WIDGET (f->preferences), keys[i])) ==
                   aios_workspace_get_config (f->workspace));

  /* a second request presents the same window */
  g_action_group_activate_action (G_ACTION_GROUP (aios_ui_test_application ()), "preferences", NULL);
  g_assert_true (find_preferences () == f->preferences);
}

static void
test_invalid_value_refused (Fixture       *f,
                            gconstpointer  data)
{
  AiosConfig *config = aios_workspace_get_config (f->workspace);
  AiosConfigRow *row = find_row (GTK_WIDGET (f->preferences), "smtp.url");
  AiosConfigRow *budget = find_row (GTK_WIDGET (f->preferences), "budget.daily");
  gint64 before = count_events (f->workspace, "config.changed");
  g_autofree char *stored = NULL;

  apply (row, "ftp://mail.example.com");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (row)), "smtp.url"));
  stored = aios_config_get (config, "smtp.url");
  g_assert_null (stored);

  apply (budget, "lots");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (budget), "error"));
  g_clear_pointer (&stored, g_free);
  stored = aios_config_get (config, "budget.daily");
  g_assert_null (stored);

  g_assert_cmpint (count_events (f->workspace, "config.changed"), ==, before);

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->preferences), "connectors");
  render (f->preferences, "preferences-invalid.png");

  /* editing again clears the error style until the next apply */
  gtk_editable_set_text (GTK_EDITABLE (row), "smtps://mail.example.com:465");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (row)));
}

static void
test_valid_value_saved (Fixture       *f,
                        gconstpointer  data)
{
  AiosConfig *config = aios_workspace_get_config (f->workspace);
  AiosConfigRow *row = find_row (GTK_WIDGET (f->preferences), "smtp.url");
  AiosConfigRow *model = find_row (GTK_WIDGET (f->preferences), "llm.local.model");
  AiosConfigRow *monthly = find_row (GTK_WIDGET (f->preferences), "budget.monthly");
  gint64 before = count_events (f->workspace, "config.changed");
  g_autofree char *stored = NULL;

  apply (row, "smtps://mail.example.com:465");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  stored = aios_config_get (config, "smtp.url");
  g_assert_cmpstr (stored, ==, "smtps://mail.example.com:465");

  apply (model, "  llama3.2  ");
  g_clear_pointer (&stored, g_free);
  stored = aios_config_get (config, "llm.local.model");
  g_assert_cmpstr (stored, ==, "llama3.2");

  apply (monthly, "40");
  g_clear_pointer (&stored, g_free);
  stored = aios_config_get (config, "budget.monthly");
  g_assert_nonnull (stored);

  g_assert_cmpint (count_events (f->workspace, "config.changed"), ==, before + 3);

  /* empty means "not configured" */
  apply (row, "");
  g_clear_pointer (&stored, g_free);
  stored = aios_config_get (config, "smtp.url");
  g_assert_null (stored);
}

static void
test_follows_changes_elsewhere (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AiosConfigRow *row = find_row (GTK_WIDGET (f->preferences), "webhook.url");

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");
  g_assert_true (aios_config_set (aios_workspace_get_config (f->workspace), "webhook.url",
                                  "https://hooks.example.com/aios", "operator", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "https://hooks.example.com/aios");
}

static void
test_back_up_now (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *backup_dir = aios_workspace_get_backup_dir (f->workspace);
  AdwActionRow *result = NULL;
  const char *path;

  find_widgets (GTK_WIDGET (f->preferences), AIOS_TYPE_WORKSPACE_PREFERENCES, pages);
  g_assert_cmpuint (pages->len, ==, 1);

  g_assert_true (aios_workspace_preferences_back_up (pages->pdata[0]));

  find_widgets (pages->pdata[0], ADW_TYPE_ACTION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      const char *subtitle = adw_action_row_get_subtitle (rows->pdata[i]);

      if (gtk_widget_get_visible (rows->pdata[i]) && subtitle != NULL &&
          g_str_has_prefix (subtitle, backup_dir) && !g_str_equal (subtitle, backup_dir))
        result = rows->pdata[i];
    }
  g_assert_nonnull (result);
  path = adw_action_row_get_subtitle (result);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (result)), "Backed up at "));
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->preferences), "workspace");
  render (f->preferences, "preferences-workspace.png");
  g_assert_cmpint (count_events (f->workspace, "workspace.backed-up"), ==, 1);

  /* The workspace page names the file and the folder. */
  {
    gboolean has_path = FALSE, has_dir = FALSE;

    for (guint i = 0; i < rows->len; i++)
      {
        const char *subtitle = adw_action_row_get_subtitle (rows->pdata[i]);
        has_path |= g_strcmp0 (subtitle, aios_workspace_get_path (f->workspace)) == 0;
        has_dir |= g_strcmp0 (subtitle, backup_dir) == 0;
      }
    g_assert_true (has_path);
    g_assert_true (has_dir);
  }
}

static AdwComboRow *
find_tier_row (GtkWidget  *root,
               const char *key)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  find_widgets (root, ADW_TYPE_COMBO_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (gtk_widget_get_name (rows->pdata[i]), key) == 0)
      return rows->pdata[i];
  g_error ("no tier row for %s", key);
}

/* Models → Agent Roles: a row per writer role, local by default, saved as
 * agents.ROLE.tier and following changes made elsewhere (aios config set). */
static void
test_role_tiers (Fixture       *f,
                 gconstpointer  data)
{
  static const char *keys[] = { "agents.content-writer.tier", "agents.outreach-writer.tier", "agents.billing.tier" };
  AiosConfig *config = aios_workspace_get_config (f->workspace);
  AdwComboRow *content = find_tier_row (GTK_WIDGET (f->preferences), "agents.content-writer.tier");
  GListModel *choices = adw_combo_row_get_model (content);
  g_autofree char *stored = NULL;
  g_autofree char *tier = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpuint (adw_combo_row_get_selected (find_tier_row (GTK_WIDGET (f->preferences), keys[i])), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (choices), ==, 3);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), 0), ==, "Local model");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), 1), ==, "Cloud model");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), 2), ==, "Built-in engine");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (content)), ==, "Content Writer");

  adw_combo_row_set_selected (content, 2);
  stored = aios_config_get (config, "agents.content-writer.tier");
  g_assert_cmpstr (stored, ==, "offline");
  tier = aios_llm_get_tier_for_role (aios_workspace_get_llm (f->workspace), "content-writer");
  g_assert_cmpstr (tier, ==, "offline");

  g_assert_true (aios_config_set (config, "agents.billing.tier", "cloud", "operator", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (adw_combo_row_get_selected (find_tier_row (GTK_WIDGET (f->preferences), "agents.billing.tier")),
                    ==, 1);
  render (f->preferences, "preferences-models-roles.png");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

#define ADD(name, func) \
  g_test_add ("/preferences/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("pages", test_pages);
  ADD ("invalid-value-refused", test_invalid_value_refused);
  ADD ("valid-value-saved", test_valid_value_saved);
  ADD ("follows-changes-elsewhere", test_follows_changes_elsewhere);
  ADD ("back-up-now", test_back_up_now);
  ADD ("role-tiers", test_role_tiers);
#undef ADD

  return g_test_run ();
}
