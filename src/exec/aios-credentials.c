/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Credentials live in the system keyring only (libsecret, the
 * "com.example.Aios.Credential" schema with "connector" and "account"
 * attributes). The workspace keeps a reference — the name and when it was
 * stored — so it can say "a secret was set but the keyring is locked"
 * instead of silently working without it. Secrets never reach the
 * database, the journal or the log.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-connector.h"
#include "aios-credentials.h"
#include "aios-connector-registry.h"
#include "store/aios-journal.h"

#define ACCOUNT "default"

struct _AiosCredentials
{
  GObject    parent_instance;
  AiosStore *store;
};

G_DEFINE_FINAL_TYPE (AiosCredentials, aios_credentials, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-credentials-error-quark, aios_credentials_error)

/* The credentials that belong to no connector; the connectors' own are
 * declared by their classes (aios_connector_registry_ensure_types()). */
static const AiosCredentialSpec builtin_specs[] = {
  { "llm.cloud", N_("API Key"), N_("API key of the cloud model service"), FALSE },
  { "intake",    N_("Bearer Token"), N_("Bearer token of the local intake endpoint"), FALSE },
};

G_LOCK_DEFINE_STATIC (specs);
static GPtrArray *specs;   /* const AiosCredentialSpec*, declared order */
static GPtrArray *names;   /* const char*, NULL-terminated */

/**
 * aios_credentials_declare:
 * @spec: (transfer none): a static description; it must outlive the process
 *
 * Makes @spec's name a credential `aios credentials` and the keyring accept.
 * Declaring a name twice keeps the first.
 */
void
aios_credentials_declare (const AiosCredentialSpec *spec)
{
  g_return_if_fail (spec != NULL && spec->name != NULL);

  G_LOCK (specs);
  if (specs == NULL)
    {
      specs = g_ptr_array_new ();
      names = g_ptr_array_new ();
      g_ptr_array_add (names, NULL);
    }
  for (guint i = 0; i < specs->len; i++)
    if (g_str_equal (((const AiosCredentialSpec *) g_ptr_array_index (specs, i))->name, spec->name))
      {
        G_UNLOCK (specs);
        return;
      }
  g_ptr_array_add (specs, (gpointer) spec);
  g_ptr_array_index (names, names->len - 1) = (gpointer) spec->name;
  g_ptr_array_add (names, NULL);
  G_UNLOCK (specs);
}

static void
ensure_specs (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      aios_connector_registry_ensure_types ();
      for (gsize i = 0; i < G_N_ELEMENTS (builtin_specs); i++)
        aios_credentials_declare (&builtin_specs[i]);
      g_once_init_leave (&done, 1);
    }
}

/**
 * aios_credentials_get_spec:
 * @name: a credential name
 *
 * Returns: (transfer none) (nullable): what @name is, or %NULL when no
 *   connector or built-in part of Aios uses it
 */
const AiosCredentialSpec *
aios_credentials_get_spec (const char *name)
{
  const AiosCredentialSpec *found = NULL;

  ensure_specs ();
  if (name == NULL)
    return NULL;
  G_LOCK (specs);
  for (guint i = 0; i < specs->len && found == NULL; i++)
    if (g_str_equal (((const AiosCredentialSpec *) g_ptr_array_index (specs, i))->name, name))
      found = g_ptr_array_index (specs, i);
  G_UNLOCK (specs);
  return found;
}

static const SecretSchema *
credential_schema (void)
{
  static const SecretSchema schema = {
    "com.example.Aios.Credential", SECRET_SCHEMA_NONE,
    {
      { "connector", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static void
aios_credentials_dispose (GObject *object)
{
  AiosCredentials *self = AIOS_CREDENTIALS (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_credentials_parent_class)->dispose (object);
}

static void
aios_credentials_class_init (AiosCredentialsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_credentials_dispose;
}

static void
aios_credentials_init (AiosCredentials *self)
{
}

AiosCredentials *
aios_credentials_new (AiosStore *store)
{
  AiosCredentials *self = g_object_new (AIOS_TYPE_CREDENTIALS, NULL);

  self->store = g_object_ref (store);
  return self;
}

/**
 * aios_credentials_list_names:
 *
 * Returns: (transfer none): the credential names `aios credentials` knows
 */
const char *const *
aios_credentials_list_names (void)
{
  ensure_specs ();
  return (const char *const *) names->pdata;
}

const char *
aios_credentials_describe (const char *name)
{
  const AiosCredentialSpec *spec = aios_credentials_get_spec (name);

  return spec != NULL ? _(spec->description) : NULL;
}

gboolean
aios_credentials_validate (const char  *name,
                           const char  *secret,
                           GError     **error)
{
  const AiosCredentialSpec *spec = aios_credentials_get_spec (name);
  const char *colon;

  if (spec == NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) aios_credentials_list_names ());
      g_set_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_UNKNOWN_NAME,
                   _("Unknown credential “%s”. Known credentials: %s"), name, list);
      return FALSE;
    }
  if (secret == NULL)
    return TRUE;
  if (*secret == '\0')
    {
      g_set_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_INVALID,
                   _("The secret for %s is empty"), name);
      return FALSE;
    }
  if (strpbrk (secret, "\r\n") != NULL)
    {
      g_set_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_INVALID,
                   _("The secret for %s must be one line"), name);
      return FALSE;
    }
  if (spec->user_password &&
      ((colon = strchr (secret, ':')) == NULL || colon == secret || colon[1] == '\0'))
    {
      g_set_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_INVALID,
                   _("The %s credential must be user:password"), name);
      return FALSE;
    }
  return TRUE;
}

typedef enum {
  USE,
  STORE,
  REMOVE,
} Action;

static GError *
keyring_error_for (Action        action,
                   const char   *name,
                   const GError *error)
{
  const char *format = action == STORE ? _("The keyring is not available, so the %s credential cannot be stored: %s")
                     : action == REMOVE ? _("The keyring is not available, so the %s credential cannot be removed: %s")
                     : _("The keyring is not available, so the %s credential cannot be used: %s");

  return g_error_new (AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_UNAVAILABLE, format, name, error->message);
}

#define keyring_error(name, error) keyring_error_for (USE, name, error)

gboolean
aios_credentials_has_reference (AiosCredentials *self,
                                const char      *name)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  g_return_val_if_fail (AIOS_IS_CREDENTIALS (self), FALSE);

  stmt = aios_store_prepare (self->store, "SELECT 1 FROM credential_refs WHERE name = ?", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/**
 * aios_credentials_list_references:
 *
 * Returns: (transfer full) (element-type utf8): names of the credentials
 *   that were stored through Aios (never their secrets)
 */
GPtrArray *
aios_credentials_list_references (AiosCredentials *self)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AIOS_IS_CREDENTIALS (self), names);

  stmt = aios_store_prepare (self->store, "SELECT name FROM credential_refs ORDER BY name", NULL);
  if (stmt == NULL)
    return names;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return names;
}

static gboolean
record_reference (AiosCredentials  *self,
                  const char       *name,
                  gboolean          stored,
                  GError          **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  AiosEvent ev = { 0 };
  int rc;

  if (!aios_store_begin (self->store, error))
    return FALSE;

  if (stored)
    stmt = aios_store_prepare (self->store,
                               "INSERT INTO credential_refs (name, account, stored_at) VALUES (?,?,?) "
                               "ON CONFLICT (name) DO UPDATE SET account = excluded.account, "
                               "stored_at = excluded.stored_at", error);
  else
    stmt = aios_store_prepare (self->store, "DELETE FROM credential_refs WHERE name = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (stored)
    {
      sqlite3_bind_text (stmt, 2, ACCOUNT, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, aios_store_now_ms ());
    }
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("record the credential reference"));
      goto fail;
    }

  summary = stored ? g_strdup_printf ("Credential %s stored in the keyring", name)
                   : g_strdup_printf ("Credential %s removed from the keyring", name);
  payload = g_strdup_printf ("{\"credential\":\"%s\",\"keyring\":\"com.example.Aios.Credential\"}", name);
  ev.actor = (char *) "operator";
  ev.kind = (char *) (stored ? "credential.stored" : "credential.cleared");
  ev.summary = summary;
  ev.payload_json = payload;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;

  return aios_store_commit (self->store, error);

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/* Lookup */

/* A locked keyring may wait for a password prompt nobody answers: give
 * up after a while and say so, so a connector never waits forever. */
#define LOOKUP_TIMEOUT_S 15

typedef struct
{
  char         *name;
  GCancellable *inner;
  GCancellable *outer;
  gulong        outer_handler;
  guint         timeout;
  gboolean      timed_out;
} Lookup;

static void
lookup_free (Lookup *l)
{
  g_clear_handle_id (&l->timeout, g_source_remove);
  if (l->outer_handler != 0)
    g_cancellable_disconnect (l->outer, l->outer_handler);
  g_clear_object (&l->outer);
  g_clear_object (&l->inner);
  g_free (l->name);
  g_free (l);
}

static gboolean
lookup_timeout_cb (gpointer user_data)
{
  Lookup *l = user_data;

  l->timeout = 0;
  l->timed_out = TRUE;
  g_cancellable_cancel (l->inner);
  return G_SOURCE_REMOVE;
}

static void
lookup_outer_cancelled_cb (GCancellable *cancellable,
                           Lookup       *l)
{
  g_cancellable_cancel (l->inner);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *l = g_task_get_task_data (task);
  const char *name = l->name;
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  g_clear_handle_id (&l->timeout, g_source_remove);
  if (l->timed_out)
    {
      if (secret != NULL)
        secret_password_free (secret);
      g_task_return_new_error (task, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_UNAVAILABLE,
                               _("The keyring did not answer within %d s (is it locked?), so the %s credential cannot be used"),
                               LOOKUP_TIMEOUT_S, name);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (error != NULL)
    g_task_return_error (task, keyring_error (name, error));
  else if (secret == NULL)
    g_task_return_new_error (task, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND,
                             _("No %s credential in the keyring (set it with “aios credentials set %s”)"),
                             name, name);
  else
    g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
}

/**
 * aios_credentials_lookup_async:
 *
 * Reads a secret from the keyring. Fails with NOT_FOUND when none is stored
 * and UNAVAILABLE when the keyring cannot be reached or stays locked.
 */
void
aios_credentials_lookup_async (AiosCredentials     *self,
                               const char          *name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Lookup *l = g_new0 (Lookup, 1);

  g_task_set_source_tag (task, aios_credentials_lookup_async);
  g_task_set_check_cancellable (task, FALSE);
  l->name = g_strdup (name);
  l->inner = g_cancellable_new ();
  g_task_set_task_data (task, l, (GDestroyNotify) lookup_free);
  if (!aios_credentials_validate (name, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cancellable != NULL)
    {
      l->outer = g_object_ref (cancellable);
      l->outer_handler = g_cancellable_connect (cancellable, G_CALLBACK (lookup_outer_cancelled_cb), l, NULL);
    }
  l->timeout = g_timeout_add_seconds (LOOKUP_TIMEOUT_S, lookup_timeout_cb, l);
  secret_password_lookup (credential_schema (), l->inner, lookup_cb, g_steal_pointer (&task),
                          "connector", name, "account", ACCOUNT, NULL);
}

/**
 * aios_credentials_lookup_finish:
 *
 * Returns: (transfer full): the secret; free it with secret_password_free()
 */
char *
aios_credentials_lookup_finish (AiosCredentials  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aios_credentials_lookup_optional_finish:
 * @name: the credential that was looked up
 * @out_secret: (out) (transfer full) (nullable): the secret (free it with
 *   secret_password_free()), or %NULL when none is stored
 *
 * For a connector whose credential may be absent (a webhook without a
 * signing secret, a local SMTP sink without a login): no secret stored is
 * not an error. But a secret that was stored and cannot be read now (the
 * keyring is locked or gone) stops the action with
 * %AIOS_CONNECTOR_ERROR_NOT_CONFIGURED — going on without it would be a
 * silent downgrade — and a cancellation stays a cancellation.
 *
 * Returns: %FALSE with @error set when the caller must not go on
 */
gboolean
aios_credentials_lookup_optional_finish (AiosCredentials  *self,
                                         GAsyncResult     *result,
                                         const char       *name,
                                         char            **out_secret,
                                         GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  *out_secret = aios_credentials_lookup_finish (self, result, &local_error);
  if (*out_secret != NULL)
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!g_error_matches (local_error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND) &&
      aios_credentials_has_reference (self, name))
    {
      g_set_error_literal (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                           local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Store */

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AiosCredentials *self = g_task_get_source_object (task);
  const char *name = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, keyring_error_for (STORE, name, error));
  else if (!record_reference (self, name, TRUE, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static char *
label_for (const char *name)
{
  return g_strdup_printf (_("Aios: %s credential"), name);
}

void
aios_credentials_store_async (AiosCredentials     *self,
                              const char          *name,
                              const char          *secret,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *label = label_for (name);

  g_task_set_source_tag (task, aios_credentials_store_async);
  g_task_set_task_data (task, g_strdup (name), g_free);
  if (!aios_credentials_validate (name, secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  secret_password_store (credential_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "connector", name, "account", ACCOUNT, NULL);
}

gboolean
aios_credentials_store_finish (AiosCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Clear */

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AiosCredentials *self = g_task_get_source_object (task);
  const char *name = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, keyring_error_for (REMOVE, name, error));
  else if (!record_reference (self, name, FALSE, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
aios_credentials_clear_async (AiosCredentials     *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, aios_credentials_clear_async);
  g_task_set_task_data (task, g_strdup (name), g_free);
  if (!aios_credentials_validate (name, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  secret_password_clear (credential_schema (), cancellable, clear_cb, g_steal_pointer (&task),
                         "connector", name, "account", ACCOUNT, NULL);
}

gboolean
aios_credentials_clear_finish (AiosCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Blocking variants: the one-shot command line has nothing else to do. */

char *
aios_credentials_lookup_sync (AiosCredentials  *self,
                              const char       *name,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  char *secret;

  if (!aios_credentials_validate (name, NULL, error))
    return NULL;
  secret = secret_password_lookup_sync (credential_schema (), NULL, &local_error,
                                        "connector", name, "account", ACCOUNT, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, keyring_error (name, local_error));
      return NULL;
    }
  if (secret == NULL)
    g_set_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND,
                 _("No %s credential in the keyring (set it with “aios credentials set %s”)"),
                 name, name);
  return secret;
}

gboolean
aios_credentials_store_sync (AiosCredentials  *self,
                             const char       *name,
                             const char       *secret,
                             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = label_for (name);

  if (!aios_credentials_validate (name, secret, error))
    return FALSE;
  if (!secret_password_store_sync (credential_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                                   NULL, &local_error, "connector", name, "account", ACCOUNT, NULL))
    {
      g_propagate_error (error, keyring_error_for (STORE, name, local_error));
      return FALSE;
    }
  return record_reference (self, name, TRUE, error);
}

gboolean
aios_credentials_clear_sync (AiosCredentials  *self,
                             const char       *name,
                             GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!aios_credentials_validate (name, NULL, error))
    return FALSE;
  secret_password_clear_sync (credential_schema (), NULL, &local_error,
                              "connector", name, "account", ACCOUNT, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, keyring_error_for (REMOVE, name, local_error));
      return FALSE;
    }
  return record_reference (self, name, FALSE, error);
}
