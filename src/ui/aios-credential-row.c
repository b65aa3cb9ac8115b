/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Credential rows for Preferences → Connectors & Credentials (and the cloud
 * model's key on the Models page): AiosCredentialRow, an AdwEntryRow whose
 * text is masked as a password entry's is (AdwPasswordEntryRow is final),
 * with a button to peek, Test and Remove. Keyring calls are async; a missing
 * or locked keyring shows its message and leaves the rest of the page working.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-credential-row.h"
#include "app/aios-connection-test.h"

struct _AiosCredentialRow
{
  AdwEntryRow    parent_instance;

  AiosWorkspace *workspace;
  char          *name;
  char          *title;
  char          *status;
  GtkWidget     *peek_button;
  GtkWidget     *test_button;
  GtkWidget     *remove_button;
  GCancellable  *cancellable;
};

G_DEFINE_FINAL_TYPE (AiosCredentialRow, aios_credential_row, ADW_TYPE_ENTRY_ROW)

/* A row whose asynchronous call ended after it was disposed has no
 * workspace any more: the answer is dropped. */
static AiosCredentialRow *
get_state (GtkWidget *row)
{
  AiosCredentialRow *self = AIOS_CREDENTIAL_ROW (row);

  return self->workspace != NULL ? self : NULL;
}

static void
aios_credential_row_dispose (GObject *object)
{
  AiosCredentialRow *self = AIOS_CREDENTIAL_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_credential_row_parent_class)->dispose (object);
}

static void
aios_credential_row_finalize (GObject *object)
{
  AiosCredentialRow *self = AIOS_CREDENTIAL_ROW (object);

  g_free (self->name);
  g_free (self->title);
  g_free (self->status);
  G_OBJECT_CLASS (aios_credential_row_parent_class)->finalize (object);
}

static void
aios_credential_row_class_init (AiosCredentialRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_credential_row_dispose;
  G_OBJECT_CLASS (klass)->finalize = aios_credential_row_finalize;
}

static GtkText *
text_of (AiosCredentialRow *self)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (self));

  return GTK_IS_TEXT (delegate) ? GTK_TEXT (delegate) : NULL;
}

/* Shows or masks the secret being typed, as a password entry's eye does. */
static void
peek_toggled_cb (GtkToggleButton   *button,
                 AiosCredentialRow *self)
{
  gboolean shown = gtk_toggle_button_get_active (button);
  GtkText *text = text_of (self);

  if (text != NULL)
    gtk_text_set_visibility (text, shown);
  gtk_button_set_icon_name (GTK_BUTTON (button), shown ? "view-conceal-symbolic" : "view-reveal-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), shown ? _("Hide Text") : _("Show Text"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  shown ? _("Hide Text") : _("Show Text"), -1);
}

static void
aios_credential_row_init (AiosCredentialRow *self)
{
  GtkText *text;

  self->cancellable = g_cancellable_new ();
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self), GTK_INPUT_PURPOSE_PASSWORD);
  text = text_of (self);
  if (text != NULL)
    {
      gtk_text_set_visibility (text, FALSE);
      gtk_text_set_enable_emoji_completion (text, FALSE);
    }

  self->peek_button = gtk_toggle_button_new ();
  gtk_widget_set_valign (self->peek_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->peek_button, "flat");
  g_signal_connect (self->peek_button, "toggled", G_CALLBACK (peek_toggled_cb), self);
  peek_toggled_cb (GTK_TOGGLE_BUTTON (self->peek_button), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (self), self->peek_button);
}

static void
toast (AiosCredentialRow *state,
       const char        *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (state));

  if (root != NULL && ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (message));
}

static void
set_status (AiosCredentialRow *state,
            const char        *status,
            gboolean           error)
{
  g_free (state->status);
  state->status = g_strdup (status);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (state), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (state), "error");
}

static void
refresh (AiosCredentialRow *state)
{
  gboolean stored = aios_credentials_has_reference (aios_workspace_get_credentials (state->workspace), state->name);
  g_autofree char *title = g_strdup_printf (stored ? _("%s — stored in the keyring") : _("%s — not set"),
                                            state->title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (GTK_WIDGET (state)), title);
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
  AiosCredentialRow *state = get_state (row);
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
  AiosCredentialRow *state = user_data;
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
                                  state->cancellable, stored_cb, g_object_ref (GTK_WIDGET (state)));
  memset (secret, 0, strlen (secret));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  AiosCredentialRow *state = get_state (row);
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
  AiosCredentialRow *state = user_data;

  aios_credentials_clear_async (aios_workspace_get_credentials (state->workspace), state->name,
                                state->cancellable, removed_cb, g_object_ref (GTK_WIDGET (state)));
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  AiosCredentialRow *state = get_state (row);
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
  AiosCredentialRow *state = user_data;

  gtk_widget_set_sensitive (state->test_button, FALSE);
  aios_connection_test_async (state->workspace, state->name, state->cancellable, tested_cb,
                              g_object_ref (GTK_WIDGET (state)));
}

GtkWidget *
aios_credential_row_new (AiosWorkspace *workspace,
                         const char    *name,
                         const char    *title)
{
  AiosCredentialRow *state;
  GtkWidget *row;

  g_return_val_if_fail (AIOS_IS_WORKSPACE (workspace), NULL);

  state = g_object_new (AIOS_TYPE_CREDENTIAL_ROW, NULL);
  row = GTK_WIDGET (state);
  state->workspace = g_object_ref (workspace);
  state->name = g_strdup (name);
  state->title = g_strdup (title);

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
  g_return_val_if_fail (AIOS_IS_CREDENTIAL_ROW (row), NULL);
  return AIOS_CREDENTIAL_ROW (row)->name;
}

const char *
aios_credential_row_get_status (GtkWidget *row)
{
  g_return_val_if_fail (AIOS_IS_CREDENTIAL_ROW (row), NULL);
  return AIOS_CREDENTIAL_ROW (row)->status;
}
