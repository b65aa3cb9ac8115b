/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Credential rows for Preferences → Connectors & Credentials (and the cloud
 * model's key on the Models page). AdwPasswordEntryRow is final, so this is
 * a configured AdwPasswordEntryRow with its state attached rather than a
 * subclass. Keyring calls are async; a missing or locked keyring shows its
 * message and leaves the rest of the page working.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-credential-row.h"
#include "app/aios-connection-test.h"

#define STATE_KEY "aios-credential-row"

typedef struct
{
  GtkWidget     *row;       /* unowned */
  AiosWorkspace *workspace;
  char          *name;
  char          *title;
  char          *status;
  GtkWidget     *test_button;
  GtkWidget     *remove_button;
  GCancellable  *cancellable;
} State;

static void
state_free (State *state)
{
  g_cancellable_cancel (state->cancellable);
  g_clear_object (&state->cancellable);
  g_clear_object (&state->workspace);
  g_free (state->name);
  g_free (state->title);
  g_free (state->status);
  g_free (state);
}

static State *
get_state (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), STATE_KEY);
}

static void
toast (State      *state,
       const char *message)
{
  GtkRoot *root = gtk_widget_get_root (state->row);

  if (root != NULL && ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (message));
}

static void
set_status (State      *state,
            const char *status,
            gboolean    error)
{
  g_free (state->status);
  state->status = g_strdup (status);
  if (error)
    gtk_widget_add_css_class (state->row, "error");
  else
    gtk_widget_remove_css_class (state->row, "error");
}

static void
refresh (State *state)
{
  gboolean stored = aios_credentials_has_reference (aios_workspace_get_credentials (state->workspace), state->name);
  g_autofree char *title = g_strdup_printf (stored ? _("%s — stored in the keyring") : _("%s — not set"),
                                            state->title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (state->row), title);
  gtk_widget_set_sensitive (state->remove_button, stored);
  gtk_widget_set_sensitive (state->test_button, stored);
  set_status (state, stored ? "stored" : "not set", FALSE);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  State *state = get_state (row);
  g_autoptr(GError) error = NULL;

  if (!aios_credentials_store_finish (AIOS_CREDENTIALS (source), result, &error))
    {
      if (state == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_status (state, error->message, TRUE);
      toast (state, error->message);
      return;
    }
  if (state == NULL)
    return;
  refresh (state);
  toast (state, _("Saved in the keyring"));
}

static void
apply_cb (AdwEntryRow *entry,
          gpointer     user_data)
{
  State *state = user_data;
  g_autofree char *secret = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autoptr(GError) error = NULL;

  /* The secret leaves the widget at once; only the keyring keeps it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  if (!aios_credentials_validate (state->name, secret, &error))
    {
      set_status (state, error->message, TRUE);
      toast (state, error->message);
    }
  else
    aios_credentials_store_async (aios_workspace_get_credentials (state->workspace), state->name, secret,
                                  state->cancellable, stored_cb, g_object_ref (state->row));
  memset (secret, 0, strlen (secret));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  State *state = get_state (row);
  g_autoptr(GError) error = NULL;

  if (!aios_credentials_clear_finish (AIOS_CREDENTIALS (source), result, &error))
    {
      if (state == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_status (state, error->message, TRUE);
      toast (state, error->message);
      return;
    }
  if (state == NULL)
    return;
  refresh (state);
  toast (state, _("Removed from the keyring"));
}

static void
remove_clicked_cb (GtkButton *button,
                   gpointer   user_data)
{
  State *state = user_data;

  aios_credentials_clear_async (aios_workspace_get_credentials (state->workspace), state->name,
                                state->cancellable, removed_cb, g_object_ref (state->row));
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  State *state = get_state (row);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = aios_connection_test_finish (AIOS_WORKSPACE (source), result, &error);

  if (state == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (state->test_button, TRUE);
  if (summary == NULL)
    {
      set_status (state, error->message, TRUE);
      toast (state, error->message);
      return;
    }
  set_status (state, summary, FALSE);
  toast (state, summary);
}

static void
test_clicked_cb (GtkButton *button,
                 gpointer   user_data)
{
  State *state = user_data;

  gtk_widget_set_sensitive (state->test_button, FALSE);
  aios_connection_test_async (state->workspace, state->name, state->cancellable, tested_cb,
                              g_object_ref (state->row));
}

GtkWidget *
aios_credential_row_new (AiosWorkspace *workspace,
                         const char    *name,
                         const char    *title)
{
  GtkWidget *row = adw_password_entry_row_new ();
  State *state = g_new0 (State, 1);

  g_return_val_if_fail (AIOS_IS_WORKSPACE (workspace), NULL);

  state->row = row;
  state->workspace = g_object_ref (workspace);
  state->name = g_strdup (name);
  state->title = g_strdup (title);
  state->cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (row), STATE_KEY, state, (GDestroyNotify) state_free);

  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, aios_credentials_describe (name));

  state->test_button = gtk_button_new_with_label (_("Test"));
  gtk_widget_set_valign (state->test_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (state->test_button, _("Make a real, harmless call with this credential"));
  gtk_widget_add_css_class (state->test_button, "flat");
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), state->test_button);

  state->remove_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (state->remove_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (state->remove_button, _("Remove from the keyring"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (state->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove from the keyring"), -1);
  gtk_widget_add_css_class (state->remove_button, "flat");
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), state->remove_button);

  g_signal_connect (row, "apply", G_CALLBACK (apply_cb), state);
  g_signal_connect (state->test_button, "clicked", G_CALLBACK (test_clicked_cb), state);
  g_signal_connect (state->remove_button, "clicked", G_CALLBACK (remove_clicked_cb), state);
  refresh (state);
  return row;
}

const char *
aios_credential_row_get_name (GtkWidget *row)
{
  State *state = get_state (row);
  return state ? state->name : NULL;
}

const char *
aios_credential_row_get_status (GtkWidget *row)
{
  State *state = get_state (row);
  return state ? state->status : NULL;
}
