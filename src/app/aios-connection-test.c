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
#include "aios-workspace.h"

static void
connector_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *words = aios_connector_test_finish (AIOS_CONNECTOR (source), result, &error);

  if (words == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, words, g_free);
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
  AiosConnector *connector = NULL;

  g_task_set_source_tag (task, aios_connection_test_async);
  if (!aios_credentials_validate (name, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
    }
  else if ((connector = aios_connector_registry_find_by_credential (aios_workspace_get_connectors (workspace),
                                                                     name)) != NULL &&
           aios_connector_can_test (connector))
    /* The connector's own harmless call (an SMTP greeting, a balance read). */
    aios_connector_test_async (connector, cancellable, connector_cb, task);
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
