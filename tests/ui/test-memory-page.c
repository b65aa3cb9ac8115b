/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Memory page in the real window, under tests/with-session.sh: create a
 * contact through the form, see a validation error in place, edit it with a
 * rationale, revert it with the history's Revert button, delete and
 * restore it, and import a CSV file with a bad row — checking the
 * workspace database after each step, and rendering the page to PNG.
 */
#include "config.h"

#include <string.h>

#include "aios-ui-test.h"
#include "agents/aios-learned-preferences.h"
#include "app/aios-demo.h"
#include "control/aios-runs.h"
#include "ui/aios-memory-page.h"
#include "ui/aios-window.h"

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_entry_row (GtkWidget  *root,
                const char *title)
{
  if (ADW_IS_ENTRY_ROW (root) && gtk_widget_get_visible (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_entry_row (c, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_type (GtkWidget *root,
              GType      type,
              GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_type (c, type, out);
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect_type (root, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      return buttons->pdata[i];
  return NULL;
}

static void
set_row (GtkWidget  *page,
         const char *title,
         const char *text)
{
  GtkWidget *row = find_entry_row (page, title);

  if (row == NULL)
    g_error ("no entry row “%s” in the editor", title);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gint64
db_int (AiosWorkspace *ws,
        const char    *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (ws), sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

typedef struct {
  AiosRecordList *list;
  guint           n;
} ListWait;

static gboolean
list_has (gpointer data)
{
  ListWait *w = data;
  return !aios_record_list_is_loading (w->list) && g_list_model_get_n_items (G_LIST_MODEL (w->list)) == w->n;
}

static gboolean
report_shown (gpointer data)
{
  GtkRevealer *revealer = data;
  return gtk_revealer_get_reveal_child (revealer);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  aios_workspace_settle_finish (AIOS_WORKSPACE (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* A declined lead's decision record has Write Anyway: it starts a new run
 * that drafts the email, and the record then says overturned. */
static void
test_write_anyway (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRecord) decision = NULL;
  g_autoptr(AiosRecord) after = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  GtkWidget *window, *page, *button;
  gboolean done = FALSE;
  guint n = 0;

  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_true (aios_demo_load (workspace, &n, &error));
  g_assert_no_error (error);
  aios_workspace_settle_async (workspace, NULL, settled_cb, &done);
  g_assert_true (aios_ui_test_wait (flag_set, &done, 60000));
  decision = aios_memory_find (aios_workspace_get_memory (workspace), "decision", "subject", "No outreach to Pat", &error);
  g_assert_no_error (error);

  window = GTK_WIDGET (aios_window_new (aios_ui_test_application (), workspace));
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (AIOS_WINDOW (window), "memory");
  page = find_type (window, AIOS_TYPE_MEMORY_PAGE);
  aios_memory_page_show_record (AIOS_MEMORY_PAGE (page), decision->id);
  aios_ui_test_wait_frame (window);
  button = find_button (page, "_Write Anyway");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));

  g_signal_emit_by_name (button, "clicked");
  after = aios_memory_get (aios_workspace_get_memory (workspace), decision->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aios_record_get_field (after, "outcome"), ==, "overturned");
  g_assert_false (gtk_widget_get_visible (button));
  runs = aios_run_info_list (aios_workspace_get_store (workspace), FALSE, 0, 0, &error);
  g_assert_cmpuint (runs->len, ==, n + 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_create_edit_revert (void)
{
  g_autoptr(AiosWorkspace) ws = aios_ui_test_workspace_new ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosWindow *window = aios_window_new (aios_ui_test_application (), ws);
  GtkWidget *page, *error_label, *revert;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expanders = g_ptr_array_new ();
  gint64 id;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (window, "memory");
  page = find_type (GTK_WIDGET (window), AIOS_TYPE_MEMORY_PAGE);
  g_assert_nonnull (page);
  aios_ui_test_wait_frame (GTK_WIDGET (window));

  /* create, through the form */
  g_assert_true (gtk_widget_activate_action (page, "memory.new-record", "s", "contact"));
  set_row (page, "Name *", "Dana Scully");
  set_row (page, "Email", "dana@example.com");
  set_row (page, "Company", "FBI");
  g_assert_true (gtk_widget_activate_action (page, "memory.save", NULL));
  spin ();
  id = aios_memory_page_get_record_id (AIOS_MEMORY_PAGE (page));
  g_assert_cmpint (id, >, 0);
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r->version, ==, 1);
    g_assert_cmpstr (r->author, ==, "operator");
    g_assert_cmpstr (aios_record_get_field (r, "email"), ==, "dana@example.com");
    g_assert_cmpstr (aios_record_get_field (r, "company"), ==, "FBI");
  }

  /* a bad value: the error is shown in place and nothing is written */
  set_row (page, "Email", "not an address");
  g_assert_true (gtk_widget_activate_action (page, "memory.save", NULL));
  spin ();
  error_label = NULL;
  {
    g_autoptr(GPtrArray) labels = g_ptr_array_new ();
    collect_type (page, GTK_TYPE_LABEL, labels);
    for (guint i = 0; i < labels->len; i++)
      if (gtk_widget_has_css_class (labels->pdata[i], "error"))
        error_label = labels->pdata[i];
  }
  g_assert_nonnull (error_label);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "“email”"));
  g_assert_cmpint (db_int (ws, "SELECT current_version FROM records"), ==, 1);

  /* edit with a rationale */
  set_row (page, "Email", "dana@fbi.example");
  set_row (page, "Why this change (optional)", "From her business card");
  g_assert_true (gtk_widget_activate_action (page, "memory.save", NULL));
  spin ();
  g_assert_false (gtk_widget_get_visible (error_label));
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_assert_cmpint (r->version, ==, 2);
    g_assert_cmpstr (aios_record_get_field (r, "email"), ==, "dana@fbi.example");
    g_assert_cmpstr (r->rationale, ==, "From her business card");
  }

  /* the list shows it */
  {
    ListWait w = { aios_memory_page_get_records (AIOS_MEMORY_PAGE (page)), 1 };
    g_assert_true (aios_ui_test_wait (list_has, &w, 10000));
  }

  /* history: two versions, the older with a Revert button; click it */
  collect_type (page, ADW_TYPE_EXPANDER_ROW, expanders);
  g_assert_cmpuint (expanders->len, ==, 2);
  revert = find_button (page, "Revert");
  g_assert_nonnull (revert);
  g_signal_emit_by_name (revert, "clicked");
  spin ();
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_assert_cmpint (r->version, ==, 3);
    g_assert_cmpstr (aios_record_get_field (r, "email"), ==, "dana@example.com");
    g_assert_cmpstr (r->rationale, ==, "Reverted to version 1");
  }
  g_assert_cmpint (db_int (ws, "SELECT COUNT(*) FROM events WHERE kind = 'memory.reverted'"), ==, 1);
  g_ptr_array_set_size (expanders, 0);
  collect_type (page, ADW_TYPE_EXPANDER_ROW, expanders);
  g_assert_cmpuint (expanders->len, ==, 3);

  /* delete, then restore */
  g_assert_true (gtk_widget_activate_action (page, "memory.delete", NULL));
  spin ();
  g_assert_cmpint (db_int (ws, "SELECT deleted FROM records"), ==, 1);
  g_assert_nonnull (find_button (page, "_Restore"));
  g_assert_true (gtk_widget_activate_action (page, "memory.delete", NULL));
  spin ();
  g_assert_cmpint (db_int (ws, "SELECT deleted FROM records"), ==, 0);
  g_assert_cmpint (db_int (ws, "SELECT current_version FROM records"), ==, 5);

  {
    g_autoptr(GdkTexture) texture = NULL;
    g_autofree char *path = aios_ui_test_artifact_path ("memory-page.png");
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    texture = aios_ui_test_render (GTK_WIDGET (window));
    g_assert_true (gdk_texture_save_to_png (texture, path));
    g_test_message ("rendered %s", path);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
test_import_in_place (void)
{
  g_autoptr(AiosWorkspace) ws = aios_ui_test_workspace_new ();
  AiosWindow *window = aios_window_new (aios_ui_test_application (), ws);
  g_autofree char *dir = g_path_get_dirname (aios_workspace_get_path (ws));
  g_autofree char *csv = g_build_filename (dir, "people.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (csv);
  g_autoptr(GError) error = NULL;
  GtkWidget *page;
  GtkRevealer *report;
  g_autoptr(GPtrArray) revealers = g_ptr_array_new ();
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  gboolean saw = FALSE;

  g_file_set_contents (csv, "Name,Email\nDana Scully,dana@example.com\nFox Mulder,fox@example.com\nBad,nope\n",
                       -1, &error);
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (window, "memory");
  page = find_type (GTK_WIDGET (window), AIOS_TYPE_MEMORY_PAGE);

  aios_memory_page_import_file (AIOS_MEMORY_PAGE (page), file);
  collect_type (page, GTK_TYPE_REVEALER, revealers);
  report = revealers->pdata[1];   /* progress, then the report */
  g_assert_true (aios_ui_test_wait (report_shown, report, 20000));
  g_assert_cmpint (db_int (ws, "SELECT COUNT(*) FROM records"), ==, 2);
  {
    ListWait w = { aios_memory_page_get_records (AIOS_MEMORY_PAGE (page)), 2 };
    g_assert_true (aios_ui_test_wait (list_has, &w, 10000));
  }
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  aios_ui_test_collect_labels (page, labels);
  for (guint i = 0; i < labels->len; i++)
    if (strstr (labels->pdata[i], "2 imported") != NULL && strstr (labels->pdata[i], "Line 4 skipped") != NULL)
      saw = TRUE;
  g_assert_true (saw);

  /* The report's close button hides it (it once put the button's address
   * in the label as text and kept it shown). */
  {
    GtkWidget *close = gtk_revealer_get_child (report);
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

    collect_type (close, GTK_TYPE_BUTTON, buttons);
    g_assert_cmpuint (buttons->len, >, 0);
    g_signal_emit_by_name (buttons->pdata[buttons->len - 1], "clicked");
    g_assert_false (gtk_revealer_get_reveal_child (report));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static GtkWidget *
find_kind_row (GtkWidget  *root,
               const char *label)
{
  if (GTK_IS_LIST_BOX_ROW (root))
    {
      g_autoptr(GPtrArray) labels = g_ptr_array_new ();
      collect_type (root, GTK_TYPE_LABEL, labels);
      if (labels->len > 0 && g_strcmp0 (gtk_label_get_text (labels->pdata[0]), label) == 0)
        return root;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_kind_row (c, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Learned preferences are a kind of their own in the sidebar; the operator
 * reads one, changes it through the form and deletes it, and a deleted one
 * no longer applies. */
static void
test_learned_preferences (void)
{
  g_autoptr(AiosWorkspace) ws = aios_ui_test_workspace_new ();
  AiosMemory *memory = aios_workspace_get_memory (ws);
  AiosWindow *window = aios_window_new (aios_ui_test_application (), ws);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GError) error = NULL;
  AiosProvenance prov = { "agent:preferences", 0, "Learned from decision 1" };
  GtkWidget *page, *row, *rule;
  gint64 id;

  json_object_set_string_member (fields, "rule", "In outreach emails, write “Warm wishes” instead of “Best regards”");
  json_object_set_string_member (fields, "applies_to", "email");
  json_object_set_string_member (fields, "action", "replace");
  json_object_set_string_member (fields, "phrase", "Best regards");
  json_object_set_string_member (fields, "replacement", "Warm wishes");
  json_object_set_string_member (fields, "enabled", "yes");
  id = aios_memory_put (memory, 0, "preference", fields, NULL, &prov, NULL, &error);
  g_assert_no_error (error);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (window, "memory");
  page = find_type (GTK_WIDGET (window), AIOS_TYPE_MEMORY_PAGE);
  aios_ui_test_wait_frame (GTK_WIDGET (window));

  row = find_kind_row (page, "Learned preferences");
  g_assert_nonnull (row);
  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (row)), GTK_LIST_BOX_ROW (row));
  {
    ListWait w = { aios_memory_page_get_records (AIOS_MEMORY_PAGE (page)), 1 };
    g_assert_true (aios_ui_test_wait (list_has, &w, 10000));
    g_assert_cmpstr (aios_record_list_get_kind (w.list), ==, "preference");
  }

  aios_memory_page_show_record (AIOS_MEMORY_PAGE (page), id);
  spin ();
  rule = find_entry_row (page, "Rule *");
  g_assert_nonnull (rule);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (rule)), ==,
                   "In outreach emails, write “Warm wishes” instead of “Best regards”");
  g_assert_nonnull (find_entry_row (page, "Learned from (decision records)"));

  /* change it */
  set_row (page, "Write instead", "Kind regards");
  g_assert_true (gtk_widget_activate_action (page, "memory.save", NULL));
  spin ();
  {
    g_autoptr(AiosRecord) r = aios_memory_get (memory, id, &error);
    g_autoptr(JsonObject) screened = aios_learned_preferences_screen (memory, "email", NULL, &error);
    JsonArray *learned = json_object_get_array_member (screened, AIOS_LEARNED_PREFERENCES_MEMBER);

    g_assert_no_error (error);
    g_assert_cmpstr (aios_record_get_field (r, "replacement"), ==, "Kind regards");
    g_assert_cmpuint (json_array_get_length (learned), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (learned, 0), "replacement"), ==,
                     "Kind regards");
  }

  /* delete it: it no longer applies */
  g_assert_true (gtk_widget_activate_action (page, "memory.delete", NULL));
  spin ();
  {
    g_autoptr(JsonObject) screened = aios_learned_preferences_screen (memory, "email", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (screened, AIOS_LEARNED_PREFERENCES_MEMBER)),
                      ==, 0);
    g_assert_true (json_object_get_boolean_member (screened, "write"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  g_test_add_func ("/memory-page/create-edit-revert", test_create_edit_revert);
  g_test_add_func ("/memory-page/write-anyway", test_write_anyway);
  g_test_add_func ("/memory-page/import-in-place", test_import_in_place);
  g_test_add_func ("/memory-page/learned-preferences", test_learned_preferences);
  return g_test_run ();
}
