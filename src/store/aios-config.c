/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosConfig holds the workspace's connector settings (`aios config`): the
 * keys named in ARCHITECTURE.md's contract, validated on write, stored in the
 * workspace file (so each workspace has its own) and journaled. Unset means
 * "not configured": there is never a guessed default host. Secrets never come
 * here; they live in the keyring.
 *
 * Window state (size, last page) is GSettings' business, not this.
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-config.h"
#include "aios-journal.h"

struct _AiosConfig
{
  GObject    parent_instance;
  AiosStore *store;
};

G_DEFINE_FINAL_TYPE (AiosConfig, aios_config, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-config-error-quark, aios_config_error)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  VALUE_SMTP_URL,
  VALUE_HTTP_URL,
  VALUE_EMAIL,
  VALUE_TEXT,
  VALUE_AMOUNT,
  VALUE_BOOLEAN,
  VALUE_PORT,
  VALUE_SECONDS,
  VALUE_TIER,
  VALUE_POINTS,
  VALUE_IMAP_URL,
} ValueKind;

typedef struct {
  const char *key;
  ValueKind   kind;
  const char *description;
} KeyInfo;

static const KeyInfo keys[] = {
  { "smtp.url",         VALUE_SMTP_URL, N_("SMTP server: smtp://host:port (STARTTLS) or smtps://host:port (TLS)") },
  { "smtp.from",        VALUE_EMAIL,    N_("The sender address of outgoing email") },
  { "llm.local.url",    VALUE_HTTP_URL, N_("An Ollama server's base URL, e.g. http://127.0.0.1:11434") },
  { "llm.local.model",  VALUE_TEXT,     N_("The local model to ask for") },
  { "llm.cloud.url",    VALUE_HTTP_URL, N_("An OpenAI-compatible base URL ending in /v1") },
  { "llm.cloud.model",  VALUE_TEXT,     N_("The cloud model to ask for") },
  { "llm.embed.model",  VALUE_TEXT,     N_("The embedding model for hybrid memory search (on the local tier, or cloud when only it is set); without it nothing is embedded") },
  { "invoice.url",      VALUE_HTTP_URL, N_("A Stripe-compatible API base URL, e.g. https://api.stripe.com") },
  { "webhook.url",      VALUE_HTTP_URL, N_("Where the generic webhook POSTs") },
  { "publish.url",      VALUE_HTTP_URL, N_("A WordPress site's base URL (its REST API is under /wp-json/wp/v2/)") },
  { "budget.daily",     VALUE_AMOUNT,   N_("Daily spending limit for model calls, in the workspace currency") },
  { "budget.monthly",   VALUE_AMOUNT,   N_("Monthly spending limit for model calls, in the workspace currency") },
  { "intake.enabled",   VALUE_BOOLEAN,  N_("Accept leads and notes on the local intake endpoint (true/false)") },
  { "intake.port",      VALUE_PORT,     N_("The loopback port of the intake endpoint") },
  { "agents.content-writer.tier",  VALUE_TIER, N_("Which model writes posts: local, cloud or offline (the built-in engine); local when unset") },
  { "agents.outreach-writer.tier", VALUE_TIER, N_("Which model writes outreach emails: local, cloud or offline (the built-in engine); local when unset") },
  { "agents.billing.tier",         VALUE_TIER, N_("Which model words invoice lines: local, cloud or offline (the built-in engine); local when unset") },
  { "smtp.from_name",   VALUE_TEXT,     N_("The sender's display name, as in “Robin Keller <robin@example.com>”") },
  { "imap.url",         VALUE_IMAP_URL, N_("IMAP server for replies: imaps://host:port (TLS) or imap://host:port (STARTTLS)") },
  { "imap.mailbox",     VALUE_TEXT,     N_("The mailbox to watch for replies (INBOX when unset)") },
  { "imap.new_leads",   VALUE_BOOLEAN,  N_("Start lead outreach for mail that answers no run (true/false)") },
  { "imap.poll_s",      VALUE_SECONDS,  N_("Seconds between mailbox checks when the server has no IDLE (60 when unset)") },
  { "approvals.undo_s", VALUE_SECONDS,  N_("Seconds an approved action waits before it is sent, so it can be taken back (0: at once; 5 when unset)") },
  { "leads.margin",     VALUE_POINTS,   N_("Points below a lead threshold within which you decide instead of a decline (10 when unset; 0: never ask)") },
};

static const KeyInfo *
lookup_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_strcmp0 (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

/**
 * aios_config_list_keys:
 *
 * Returns: (transfer none): the known keys, %NULL-terminated
 */
const char *const *
aios_config_list_keys (void)
{
  static const char *names[G_N_ELEMENTS (keys) + 1];

  if (names[0] == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
      names[i] = keys[i].key;
  return names;
}

const char *
aios_config_describe (const char *key)
{
  const KeyInfo *info = lookup_key (key);
  return info != NULL ? _(info->description) : NULL;
}

static gboolean
validate_url (const char  *key,
              const char  *value,
              const char  *const *schemes,
              GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    goto bad;
  for (gsize i = 0; schemes[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_uri_get_scheme (uri), schemes[i]) == 0)
      return TRUE;

bad:
  {
    g_autofree char *list = g_strjoinv ("://, ", (char **) schemes);
    g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                 _("%s must be a URL starting with %s:// (got “%s”)"), key, list, value);
  }
  return FALSE;
}

gboolean
aios_config_validate (const char  *key,
                      const char  *value,
                      GError     **error)
{
  static const char *smtp_schemes[] = { "smtp", "smtps", NULL };
  static const char *http_schemes[] = { "http", "https", NULL };
  static const char *imap_schemes[] = { "imap", "imaps", NULL };
  const KeyInfo *info = lookup_key (key);

  if (info == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) aios_config_list_keys ());
      g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_UNKNOWN_KEY,
                   _("Unknown setting “%s”. Known settings: %s"), key, known);
      return FALSE;
    }

  switch (info->kind)
    {
    case VALUE_SMTP_URL:
      return validate_url (key, value, smtp_schemes, error);
    case VALUE_HTTP_URL:
      return validate_url (key, value, http_schemes, error);
    case VALUE_IMAP_URL:
      return validate_url (key, value, imap_schemes, error);
    case VALUE_EMAIL:
      {
        const char *at = strchr (value, '@');
        if (at == NULL || at == value || strchr (at + 1, '.') == NULL ||
            strpbrk (value, " \t\r\n<>,;\"") != NULL)
          {
            g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                         _("%s must be an email address like you@example.com (got “%s”)"), key, value);
            return FALSE;
          }
        return TRUE;
      }
    case VALUE_AMOUNT:
      {
        char *end = NULL;
        double amount = g_ascii_strtod (value, &end);
        if (end == value || *end != '\0' || amount < 0)
          {
            g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                         _("%s must be an amount of zero or more, like 20 or 12.50 (got “%s”)"), key, value);
            return FALSE;
          }
        return TRUE;
      }
    case VALUE_BOOLEAN:
      if (g_strcmp0 (value, "true") != 0 && g_strcmp0 (value, "false") != 0)
        {
          g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                       _("%s must be true or false (got “%s”)"), key, value);
          return FALSE;
        }
      return TRUE;
    case VALUE_PORT:
      {
        guint64 port = 0;
        if (!g_ascii_string_to_unsigned (value, 10, 1, 65535, &port, NULL))
          {
            g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                         _("%s must be a port number from 1 to 65535 (got “%s”)"), key, value);
            return FALSE;
          }
        return TRUE;
      }
    case VALUE_SECONDS:
      {
        guint64 seconds = 0;
        if (!g_ascii_string_to_unsigned (value, 10, 0, AIOS_CONFIG_MAX_SECONDS, &seconds, NULL))
          {
            g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                         _("%s must be a number of seconds from 0 to %d (got “%s”)"), key,
                         AIOS_CONFIG_MAX_SECONDS, value);
            return FALSE;
          }
        return TRUE;
      }
    case VALUE_TIER:
      if (g_strcmp0 (value, "local") != 0 && g_strcmp0 (value, "cloud") != 0 && g_strcmp0 (value, "offline") != 0)
        {
          g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                       _("%s must be local, cloud or offline (got “%s”)"), key, value);
          return FALSE;
        }
      return TRUE;
    case VALUE_POINTS:
      {
        guint64 points = 0;
        if (!g_ascii_string_to_unsigned (value, 10, 0, 1000, &points, NULL))
          {
            g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                         _("%s must be a whole number of points from 0 to 1000 (got “%s”)"), key, value);
            return FALSE;
          }
        return TRUE;
      }
    case VALUE_TEXT:
    default:
      if (*value == '\0' || strchr (value, '\n') != NULL)
        {
          g_set_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE,
                       _("%s must be one non-empty line"), key);
          return FALSE;
        }
      return TRUE;
    }
}

static void
aios_config_finalize (GObject *object)
{
  AiosConfig *self = AIOS_CONFIG (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_config_parent_class)->finalize (object);
}

static void
aios_config_class_init (AiosConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_config_finalize;

  /**
   * AiosConfig::changed:
   * @key: the key that changed (also the signal's detail)
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
aios_config_init (AiosConfig *self)
{
}

AiosConfig *
aios_config_new (AiosStore *store)
{
  AiosConfig *self = g_object_new (AIOS_TYPE_CONFIG, NULL);

  self->store = g_object_ref (store);
  return self;
}

/**
 * aios_config_get:
 *
 * Returns: (transfer full) (nullable): the value, or %NULL when not set
 */
char *
aios_config_get (AiosConfig *self,
                 const char *key)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  g_return_val_if_fail (AIOS_IS_CONFIG (self), NULL);

  stmt = aios_store_prepare (self->store, "SELECT value FROM config WHERE key = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

static gboolean
write_value (AiosConfig  *self,
             const char  *key,
             const char  *value,
             const char  *actor,
             GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  AiosEvent ev = { 0 };
  int rc;

  if (!aios_store_begin (self->store, error))
    return FALSE;

  if (value != NULL)
    {
      stmt = aios_store_prepare (self->store,
                                 "INSERT INTO config (key, value, updated_at) VALUES (?,?,?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                                 "updated_at = excluded.updated_at", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, aios_store_now_ms ());
    }
  else
    {
      stmt = aios_store_prepare (self->store, "DELETE FROM config WHERE key = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
    }
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("save the setting"));
      goto fail;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, key);
  json_builder_set_member_name (b, "value");
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  payload = json_to_string (root, FALSE);

  summary = value != NULL ? g_strdup_printf ("Setting %s changed", key)
                          : g_strdup_printf ("Setting %s cleared", key);
  ev.actor = (char *) (actor ? actor : "operator");
  ev.kind = (char *) "config.changed";
  ev.summary = summary;
  ev.payload_json = payload;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;

  if (!aios_store_commit (self->store, error))
    return FALSE;

  g_signal_emit (self, signals[CHANGED], g_quark_from_string (key), key);
  return TRUE;

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/**
 * aios_config_set:
 * @actor: (nullable): who changes it; "operator" when %NULL
 *
 * Validates and stores @value; the change is journaled.
 */
gboolean
aios_config_set (AiosConfig  *self,
                 const char  *key,
                 const char  *value,
                 const char  *actor,
                 GError     **error)
{
  g_return_val_if_fail (AIOS_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (!aios_config_validate (key, value, error))
    return FALSE;
  return write_value (self, key, value, actor, error);
}

gboolean
aios_config_unset (AiosConfig  *self,
                   const char  *key,
                   const char  *actor,
                   GError     **error)
{
  g_return_val_if_fail (AIOS_IS_CONFIG (self), FALSE);

  if (lookup_key (key) == NULL)
    return aios_config_validate (key, "", error);
  return write_value (self, key, NULL, actor, error);
}

/**
 * aios_config_get_seconds:
 * @key: a key that takes seconds ("approvals.undo_s")
 * @unset: what an unset (or unreadable) key means
 *
 * Returns: the key's number of seconds, or @unset
 */
gint64
aios_config_get_seconds (AiosConfig *self,
                         const char *key,
                         gint64      unset)
{
  g_autofree char *value = aios_config_get (self, key);
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, AIOS_CONFIG_MAX_SECONDS, &seconds, NULL))
    return unset;
  return (gint64) seconds;
}
