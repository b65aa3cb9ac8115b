/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Test connection" behind Preferences → Connectors & Credentials and
 * `aios credentials test NAME`.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-connection-test.h"
#include "exec/aios-email-connector.h"
#include "exec/aios-invoice-connector.h"
#include "aios-workspace.h"

static void
email_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = aios_email_connector_test_finish (AIOS_EMAIL_CONNECTOR (source), result, &error);
  JsonObject *o;

  if (summary == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  o = json_node_get_object (summary);
  g_task_return_pointer (task,
                         g_strdup_printf (_("SMTP server answered%s%s"),
                                          json_object_get_boolean_member (o, "tls") ? _(", encrypted") : _(", not encrypted (loopback)"),
                                          json_object_get_boolean_member (o, "authenticated") ? _(", login accepted") : _(", no login")),
                         g_free);
}

static void
invoice_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) balance = aios_invoice_connector_test_finish (AIOS_INVOICE_CONNECTOR (source), result, &error);

  if (balance == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_strdup (_("The invoicing API accepted the key (balance read)")), g_free);
}

static void
models_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) models = aios_llm_list_models_finish (AIOS_LLM (source), result, &error);

  if (models == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task,
                           g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The model service lists %u model",
                                                         "The model service lists %u models",
                                                         g_strv_length (models)),
                                            g_strv_length (models)),
                           g_free);
}

static void
secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_finish (AIOS_CREDENTIALS (source), result, &error);

  if (secret == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  secret_password_free (secret);
  g_task_return_pointer (task, g_strdup (_("The keyring gives the secret (this connector has no harmless call to make)")),
                         g_free);
}

void
aios_connection_test_async (AiosWorkspace       *workspace,
                            const char          *name,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (workspace, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, aios_connection_test_async);
  if (!aios_credentials_validate (name, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
    }
  else if (g_str_equal (name, "smtp"))
    aios_email_connector_test_async (AIOS_EMAIL_CONNECTOR (aios_workspace_get_connector (workspace, "email")),
                                     cancellable, email_cb, task);
  else if (g_str_equal (name, "invoice"))
    aios_invoice_connector_test_async (AIOS_INVOICE_CONNECTOR (aios_workspace_get_connector (workspace, "invoice")),
                                       cancellable, invoice_cb, task);
  else if (g_str_equal (name, "llm.cloud"))
    aios_llm_list_models_async (aios_workspace_get_llm (workspace), "cloud", cancellable, models_cb, task);
  else
    aios_credentials_lookup_async (aios_workspace_get_credentials (workspace), name, cancellable, secret_cb, task);
}

/**
 * aios_connection_test_finish:
 *
 * Returns: (transfer full): what the test saw, in words
 */
char *
aios_connection_test_finish (AiosWorkspace  *workspace,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, workspace), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
