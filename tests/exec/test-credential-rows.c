/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences → Connectors & Credentials, the credential rows, in a real
 * window (through tests/with-session.sh: Xvfb, a private bus and an
 * unlocked gnome-keyring-daemon): add, test, replace, remove; a wrong shape
 * refused; the secret gone from the widget and never in the database.
 */
#include "config.h"

#include <libsecret/secret.h>

#include "exec-test-util.h"
#include "ui/aios-connectors-preferences.h"
#include "ui/aios-credential-row.h"
#include "ui/aios-models-preferences.h"

static GtkWidget *
find_toggle (GtkWidget *widget)
{
  if (GTK_IS_TOGGLE_BUTTON (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *hit = find_toggle (child);
      if (hit)
        return hit;
    }
  return NULL;
}

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *name)
{
  if (AIOS_IS_CREDENTIAL_ROW (widget) && g_strcmp0 (aios_credential_row_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *hit = find_row (child, name);
      if (hit)
        return hit;
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *tooltip)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *hit = find_button (child, tooltip);
      if (hit)
        return hit;
    }
  return NULL;
}

static void
wait_status (GtkWidget  *row,
             const char *prefix)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!g_str_has_prefix (aios_credential_row_get_status (row), prefix) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_cmpstr (aios_credential_row_get_status (row), ==,
                   g_str_has_prefix (aios_credential_row_get_status (row), prefix)
                   ? aios_credential_row_get_status (row) : prefix);
}

static char *
lookup (AiosWorkspace *ws,
        const char    *name)
{
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_sync (aios_workspace_get_credentials (ws), name, &error);
  char *copy = g_strdup (secret);

  if (secret)
    secret_password_free (secret);
  return copy;
}

static void
test_rows (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = aios_connectors_preferences_new (ws);
  GtkWidget *webhook, *smtp, *intake;
  g_autofree char *got = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));

  webhook = find_row (page, "webhook");
  smtp = find_row (page, "smtp");
  intake = find_row (page, "intake");
  g_assert_nonnull (webhook);
  g_assert_nonnull (smtp);
  g_assert_nonnull (intake);
  g_assert_nonnull (find_row (page, "invoice"));
  g_assert_cmpstr (aios_credential_row_get_status (webhook), ==, "not set");
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (webhook)), "not set"));
  g_assert_false (gtk_widget_get_sensitive (find_button (webhook, "Remove from the keyring")));

  /* The secret is masked as it is typed, and shows only while peeking. */
  {
    GtkText *text = GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (webhook)));
    GtkWidget *peek = find_toggle (webhook);

    g_assert_false (gtk_text_get_visibility (text));
    g_assert_cmpint (gtk_text_get_input_purpose (text), ==, GTK_INPUT_PURPOSE_PASSWORD);
    g_assert_nonnull (peek);
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (peek), TRUE);
    g_assert_true (gtk_text_get_visibility (text));
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (peek), FALSE);
    g_assert_false (gtk_text_get_visibility (text));
  }

  /* Add */
  gtk_editable_set_text (GTK_EDITABLE (webhook), "whsec-ui-first");
  g_signal_emit_by_name (webhook, "apply");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (webhook)), ==, "");
  wait_status (webhook, "stored");
  got = lookup (ws, "webhook");
  g_assert_cmpstr (got, ==, "whsec-ui-first");
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (webhook)), "stored in the keyring"));

  /* Test: the webhook has no harmless call, the keyring answers */
  gtk_widget_activate (find_button (webhook, "Make a real, harmless call with this credential"));
  wait_status (webhook, "The keyring gives the secret");

  /* Replace */
  gtk_editable_set_text (GTK_EDITABLE (webhook), "whsec-ui-second");
  g_signal_emit_by_name (webhook, "apply");
  wait_status (webhook, "stored");
  g_free (got);
  got = lookup (ws, "webhook");
  g_assert_cmpstr (got, ==, "whsec-ui-second");

  /* A wrong shape is refused and nothing is stored */
  gtk_editable_set_text (GTK_EDITABLE (smtp), "no-colon-here");
  g_signal_emit_by_name (smtp, "apply");
  g_assert_true (g_str_has_prefix (aios_credential_row_get_status (smtp), "The smtp credential must be user:password"));
  g_assert_true (gtk_widget_has_css_class (smtp, "error"));
  g_free (got);
  got = lookup (ws, "smtp");
  g_assert_null (got);

  /* Remove */
  gtk_widget_activate (find_button (webhook, "Remove from the keyring"));
  wait_status (webhook, "not set");
  got = lookup (ws, "webhook");
  g_assert_null (got);

  g_assert_false (exec_file_contains (path, "whsec-ui"));
  g_assert_false (exec_file_contains (wal, "whsec-ui"));

  gtk_window_destroy (GTK_WINDOW (window));
  exec_workspace_free (ws, path);
}

static GtkWidget *
find_entry_titled (GtkWidget  *widget,
                   const char *prefix)
{
  if (ADW_IS_ENTRY_ROW (widget) && !AIOS_IS_CREDENTIAL_ROW (widget) &&
      g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), prefix))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *hit = find_entry_titled (child, prefix);
      if (hit)
        return hit;
    }
  return NULL;
}

static void
test_prices (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = NULL;
  GtkWidget *row;
  sqlite3_stmt *stmt;

  exec_set (ws, "llm.cloud.url", "http://127.0.0.1:9/v1");
  exec_set (ws, "llm.cloud.model", "gpt-test");
  page = aios_models_preferences_new (ws);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_nonnull (find_row (page, "llm.cloud"));

  row = find_entry_titled (page, "gpt-test:");
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "0.15 abc");
  g_signal_emit_by_name (row, "apply");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  gtk_editable_set_text (GTK_EDITABLE (row), "0.15 0.6");
  g_signal_emit_by_name (row, "apply");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  stmt = aios_store_prepare (aios_workspace_get_store (ws),
                             "SELECT input_micros_per_mtok, output_micros_per_mtok FROM model_prices WHERE model = 'gpt-test'", NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 150000);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, 600000);
  sqlite3_reset (stmt);

  /* A model set elsewhere gets its row at once. */
  exec_set (ws, "llm.cloud.model", "gpt-other");
  g_assert_nonnull (find_entry_titled (page, "gpt-other:"));
  g_assert_null (find_entry_titled (page, "gpt-test:"));

  gtk_window_destroy (GTK_WINDOW (window));
  exec_workspace_free (ws, path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/exec/credential-rows", test_rows);
  g_test_add_func ("/exec/price-rows", test_prices);
  return g_test_run ();
}
