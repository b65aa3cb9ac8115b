/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workspace's connectors by name. The built-in ones are made on first
 * use; a test (or a plug-in) can add its own with
 * aios_connector_registry_add(), which replaces a built-in of the same name.
 * They share one SoupSession (one connection pool).
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include "aios-connector-registry.h"
#include "aios-imap-watcher.h"
#include "aios-email-connector.h"
#include "aios-http.h"
#include "aios-invoice-connector.h"
#include "aios-publish-connector.h"
#include "aios-webhook-connector.h"

struct _AiosConnectorRegistry
{
  GObject          parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
  GHashTable      *connectors;   /* name → AiosConnector */
};

G_DEFINE_FINAL_TYPE (AiosConnectorRegistry, aios_connector_registry, G_TYPE_OBJECT)

/* The built-in connectors: a new connector is its file and one line here. */
typedef struct {
  const char     *name;
  GType         (*get_type) (void);
  AiosConnector *(*create)  (AiosConfig      *config,
                             AiosCredentials *credentials,
                             SoupSession     *session);
} Builtin;

static const Builtin builtins[] = {
  { "email",   aios_email_connector_get_type,   aios_email_connector_new },
  { "invoice", aios_invoice_connector_get_type, aios_invoice_connector_new },
  { "webhook", aios_webhook_connector_get_type, aios_webhook_connector_new },
  { "publish", aios_publish_connector_get_type, aios_publish_connector_new },
};

/**
 * aios_connector_registry_ensure_types:
 *
 * Makes the built-in connector classes, so what they declare (their
 * keyring credentials) is known before any connector exists.
 */
void
aios_connector_registry_ensure_types (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (builtins); i++)
        {
          AiosConnectorClass *klass = g_type_class_ref (builtins[i].get_type ());

          if (klass->credential != NULL)
            aios_credentials_declare (klass->credential);
          g_type_class_unref (klass);
        }
      /* Not a connector (it takes nothing outward), but a credential too. */
      aios_imap_watcher_declare_credential ();
      g_once_init_leave (&done, 1);
    }
}

static gboolean
is_builtin (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (builtins); i++)
    if (g_str_equal (builtins[i].name, name))
      return TRUE;
  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static void
aios_connector_registry_dispose (GObject *object)
{
  AiosConnectorRegistry *self = AIOS_CONNECTOR_REGISTRY (object);

  g_clear_pointer (&self->connectors, g_hash_table_unref);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->credentials);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (aios_connector_registry_parent_class)->dispose (object);
}

static void
aios_connector_registry_class_init (AiosConnectorRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_connector_registry_dispose;
}

static void
aios_connector_registry_init (AiosConnectorRegistry *self)
{
  self->connectors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

AiosConnectorRegistry *
aios_connector_registry_new (AiosConfig      *config,
                             AiosCredentials *credentials)
{
  AiosConnectorRegistry *self = g_object_new (AIOS_TYPE_CONNECTOR_REGISTRY, NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->session = aios_http_session_new ();
  return self;
}

/**
 * aios_connector_registry_get:
 * @name: "email", "invoice" or "webhook"
 *
 * Returns: (transfer none) (nullable): the connector, or %NULL for an
 *   unknown name. A connector exists even when it is not configured: its
 *   prepare() then fails with %AIOS_CONNECTOR_ERROR_NOT_CONFIGURED.
 */
AiosConnector *
aios_connector_registry_get (AiosConnectorRegistry *self,
                             const char            *name)
{
  AiosConnector *connector = NULL;

  g_return_val_if_fail (AIOS_IS_CONNECTOR_REGISTRY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  connector = g_hash_table_lookup (self->connectors, name);
  if (connector != NULL)
    return connector;

  for (gsize i = 0; i < G_N_ELEMENTS (builtins) && connector == NULL; i++)
    if (g_str_equal (name, builtins[i].name))
      connector = builtins[i].create (self->config, self->credentials, self->session);

  if (connector != NULL)
    g_hash_table_insert (self->connectors, g_strdup (name), connector);
  return connector;
}

/**
 * aios_connector_registry_add:
 *
 * Adds @connector under its name, replacing any connector of that name.
 */
void
aios_connector_registry_add (AiosConnectorRegistry *self,
                             AiosConnector         *connector)
{
  g_return_if_fail (AIOS_IS_CONNECTOR_REGISTRY (self));
  g_return_if_fail (AIOS_IS_CONNECTOR (connector));
  g_return_if_fail (aios_connector_get_name (connector) != NULL);

  g_hash_table_replace (self->connectors, g_strdup (aios_connector_get_name (connector)),
                        g_object_ref (connector));
}

/**
 * aios_connector_registry_list_names:
 *
 * Returns: (transfer full) (element-type utf8): built-in and added names, sorted
 */
GPtrArray *
aios_connector_registry_list_names (AiosConnectorRegistry *self)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *name;

  for (gsize i = 0; i < G_N_ELEMENTS (builtins); i++)
    g_ptr_array_add (names, g_strdup (builtins[i].name));
  g_hash_table_iter_init (&iter, self->connectors);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!is_builtin (name))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

/**
 * aios_connector_registry_find_by_credential:
 * @credential: a keyring credential name ("smtp")
 *
 * Returns: (transfer none) (nullable): the connector that reads @credential
 */
AiosConnector *
aios_connector_registry_find_by_credential (AiosConnectorRegistry *self,
                                            const char            *credential)
{
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (AIOS_IS_CONNECTOR_REGISTRY (self), NULL);
  names = aios_connector_registry_list_names (self);
  for (guint i = 0; i < names->len; i++)
    {
      AiosConnector *connector = aios_connector_registry_get (self, g_ptr_array_index (names, i));
      const AiosCredentialSpec *spec = connector != NULL ? aios_connector_get_credential (connector) : NULL;

      if (spec != NULL && g_strcmp0 (spec->name, credential) == 0)
        return connector;
    }
  return NULL;
}

AiosCredentials *
aios_connector_registry_get_credentials (AiosConnectorRegistry *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR_REGISTRY (self), NULL);
  return self->credentials;
}

AiosConfig *
aios_connector_registry_get_config (AiosConnectorRegistry *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR_REGISTRY (self), NULL);
  return self->config;
}
