/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Language models, in two tiers:
 *   local  an Ollama server (llm.local.url): POST /api/chat streaming NDJSON,
 *          /api/embed, GET /api/tags
 *   cloud  an OpenAI-compatible API (llm.cloud.url, ending in /v1; API key
 *          from the "llm.cloud" credential): POST /chat/completions
 *          streaming Server-Sent Events, response_format json_schema,
 *          /embeddings, GET /models
 * Each agent role is on a tier (llm_roles; local by default); when its tier
 * is not configured the other one is used; with neither, the role is
 * "offline" and the agents' built-in engine answers.
 *
 * Every call is one row in `prompts` (the exact request body, the answer,
 * tokens, cost) and one journal event in the same transaction, linked to it.
 * Identical requests are answered from that table (the response cache).
 * Before a paid call the daily and monthly budgets are checked against the
 * worst case (the prompt's size and the output limit); a call that could
 * exceed one is refused (fail closed) and journaled as budget.exceeded, so
 * the operator decides: raise the budget or wait.
 *
 * Model calls only read: a failure before a complete answer is retryable;
 * a wrong content type means the URL is not such an API (permanent).
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <inttypes.h>

#include <math.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-connector.h"
#include "aios-http.h"
#include "aios-json-schema.h"
#include "aios-llm.h"
#include "aios-llm-private.h"
#include "aios-llm-wire.h"
#include "store/aios-journal.h"

#define DEFAULT_TIMEOUT_MS 120000
#define MAX_OUTPUT_TOKENS 2048
#define MAX_REPAIRS 2
#define MAX_LINE (1024 * 1024)


G_DEFINE_FINAL_TYPE (AiosLlm, aios_llm, G_TYPE_OBJECT)

void
aios_llm_result_free (AiosLlmResult *r)
{
  g_free (r->text);
  g_clear_pointer (&r->json, json_node_unref);
  g_free (r->tier);
  g_free (r->model);
  g_free (r);
}

static void
aios_llm_dispose (GObject *object)
{
  AiosLlm *self = AIOS_LLM (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->credentials);
  g_clear_object (&self->config);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_llm_parent_class)->dispose (object);
}

static void
aios_llm_class_init (AiosLlmClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_llm_dispose;
}

static void
aios_llm_init (AiosLlm *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}

AiosLlm *
aios_llm_new (AiosStore       *store,
              AiosConfig      *config,
              AiosCredentials *credentials)
{
  AiosLlm *self = g_object_new (AIOS_TYPE_LLM, NULL);

  self->store = g_object_ref (store);
  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->session = aios_http_session_new ();
  return self;
}

void
aios_llm_set_timeout_ms (AiosLlm *self,
                         guint    timeout_ms)
{
  g_return_if_fail (AIOS_IS_LLM (self));
  self->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

/* Tiers */

static gboolean
tier_configured (AiosLlm    *self,
                 const char *tier)
{
  g_autofree char *key = g_strdup_printf ("llm.%s.url", tier);
  g_autofree char *url = aios_config_get (self->config, key);
  return url != NULL;
}

/* The settings key of a role's tier (agents.ROLE.tier) when the settings
 * know one for it: the built-in writers. Other roles (a flow's own "model"
 * steps) keep theirs in llm_roles. */
static char *
role_tier_key (const char *role)
{
  g_autofree char *key = NULL;

  if (role == NULL || *role == '\0')
    return NULL;
  key = g_strdup_printf ("agents.%s.tier", role);
  return aios_config_describe (key) != NULL ? g_steal_pointer (&key) : NULL;
}

/**
 * aios_llm_get_tier_for_role:
 *
 * The role's tier: its settings key agents.ROLE.tier, else its llm_roles
 * row, else local. "offline" when the role is set to it or when neither
 * tier has a URL; a tier without one gives way to the other.
 */
char *
aios_llm_get_tier_for_role (AiosLlm    *self,
                            const char *role)
{
  g_autofree char *wanted = NULL;
  g_autofree char *key = role_tier_key (role);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AIOS_IS_LLM (self), NULL);

  if (key != NULL)
    wanted = aios_config_get (self->config, key);
  if (wanted != NULL && g_str_equal (wanted, "offline"))
    return g_steal_pointer (&wanted);
  if (wanted == NULL)
    {
      stmt = aios_store_prepare (self->store, "SELECT tier FROM llm_roles WHERE role = ?", NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_text (stmt, 1, role ? role : "", -1, SQLITE_TRANSIENT);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            wanted = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          sqlite3_reset (stmt);
        }
    }
  if (wanted == NULL || (!g_str_equal (wanted, "local") && !g_str_equal (wanted, "cloud")))
    {
      g_free (wanted);
      wanted = g_strdup ("local");
    }
  if (tier_configured (self, wanted))
    return g_steal_pointer (&wanted);
  if (tier_configured (self, g_str_equal (wanted, "local") ? "cloud" : "local"))
    return g_strdup (g_str_equal (wanted, "local") ? "cloud" : "local");
  return g_strdup ("offline");
}

/**
 * aios_llm_set_role_tier:
 * @tier: "local" or "cloud"; "offline" too for a role with a settings key
 *
 * A built-in role's tier is its settings key agents.ROLE.tier (journaled
 * as a setting); any other role's is its llm_roles row.
 */
gboolean
aios_llm_set_role_tier (AiosLlm     *self,
                        const char  *role,
                        const char  *tier,
                        GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *summary = NULL;
  g_autofree char *key = role_tier_key (role);
  AiosEvent ev = { 0 };
  int rc;

  g_return_val_if_fail (AIOS_IS_LLM (self), FALSE);
  if (key != NULL && g_strcmp0 (tier, "offline") == 0)
    return aios_config_set (self->config, key, tier, "operator", error);
  if (g_strcmp0 (tier, "local") != 0 && g_strcmp0 (tier, "cloud") != 0)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   key != NULL ? _("A role's tier is local, cloud or offline (got “%s”)")
                               : _("A role's tier is local or cloud (got “%s”)"), tier);
      return FALSE;
    }
  if (key != NULL)
    return aios_config_set (self->config, key, tier, "operator", error);
  if (!aios_store_begin (self->store, error))
    return FALSE;
  stmt = aios_store_prepare (self->store,
                             "INSERT INTO llm_roles (role, tier) VALUES (?,?) "
                             "ON CONFLICT (role) DO UPDATE SET tier = excluded.tier", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, role, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, tier, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("save the role's tier"));
      goto fail;
    }
  summary = g_strdup_printf ("Role %s now uses the %s model tier", role, tier);
  ev.actor = (char *) "operator";
  ev.kind = (char *) "llm.role-tier-changed";
  ev.summary = summary;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;
  return aios_store_commit (self->store, error);
fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/* The call */

typedef struct
{
  char             *role;
  char             *system;
  char             *prompt;
  JsonNode         *schema;
  gint64            run_id;
  gint64            step_id;

  char             *tier;
  gboolean          ollama;
  char             *base_url;
  char             *model;
  char             *api_key;

  JsonArray        *messages;
  guint             attempt;
  guint             max_repairs;
  GArray           *prompt_ids;

  char             *body;
  char             *hash;
  SoupMessage      *msg;
  GDataInputStream *lines;
  AiosLlmStream     stream;

  GCancellable     *inner;
  GCancellable     *outer;
  gulong            outer_handler;
  guint             deadline;
  gboolean          timed_out;
  guint             timeout_ms;

  AiosLlmResult    *result;
} Call;

static void
call_free (Call *c)
{
  g_clear_handle_id (&c->deadline, g_source_remove);
  if (c->outer_handler != 0)
    g_cancellable_disconnect (c->outer, c->outer_handler);
  g_clear_object (&c->outer);
  g_clear_object (&c->inner);
  g_free (c->role);
  g_free (c->system);
  g_free (c->prompt);
  g_clear_pointer (&c->schema, json_node_unref);
  g_free (c->tier);
  g_free (c->base_url);
  g_free (c->model);
  if (c->api_key != NULL)
    {
      memset (c->api_key, 0, strlen (c->api_key));
      g_free (c->api_key);
    }
  g_clear_pointer (&c->messages, json_array_unref);
  g_clear_pointer (&c->prompt_ids, g_array_unref);
  g_free (c->body);
  g_free (c->hash);
  g_clear_object (&c->msg);
  g_clear_object (&c->lines);
  aios_llm_stream_clear (&c->stream);
  g_clear_pointer (&c->result, aios_llm_result_free);
  g_free (c);
}

static void
add_message (JsonArray  *messages,
             const char *role,
             const char *content)
{
  JsonObject *m = json_object_new ();

  json_object_set_string_member (m, "role", role);
  json_object_set_string_member (m, "content", content);
  json_array_add_object_element (messages, m);
}

static char *
endpoint (Call       *c,
          const char *path)
{
  gsize len = strlen (c->base_url);

  while (len > 0 && c->base_url[len - 1] == '/')
    len--;
  return g_strdup_printf ("%.*s%s", (int) len, c->base_url, path);
}

/* Recording: one prompts row and one journal event, in one transaction. */

/**
 * aios_llm_record_call:
 * @kind: the journal event's kind ("prompt.completed", "embedding.failed" ...)
 *
 * Returns: the prompts row, or 0 with @error set
 */
gint64
aios_llm_record_call (AiosLlm                *self,
                      const AiosLlmCallInfo  *info,
                      const char             *kind,
                      const char             *summary,
                      const char             *response_json,
                      const char             *error_text,
                      gint64                  tokens_in,
                      gint64                  tokens_out,
                      gint64                  cost,
                      gint64                  cached_from,
                      GError                **error)
{
  gint64 id;
  g_autofree char *actor = info->role != NULL && *info->role != '\0'
                           ? g_strdup_printf ("agent:%s", info->role) : g_strdup ("system");
  g_autofree char *id_text = NULL;
  AiosEvent ev = { 0 };
  AiosEventLink link = { "prompt", NULL, 0 };

  if (!aios_store_begin (self->store, error))
    return 0;
  id = aios_store_insert (self->store, _("record the prompt"), error,
                          "INSERT INTO prompts (ts, hash, tier, role, model, run_id, step_id, request_json, "
                          "response_json, error, tokens_in, tokens_out, cost_micros, cached_from) "
                          "VALUES (?,?,?,?,?,NULLIF (?, 0),NULLIF (?, 0),?,?,?,?,?,?,NULLIF (?, 0))",
                          "issssiisssiiii",
                          aios_store_now_ms (), info->hash, info->tier, info->role, info->model,
                          info->run_id, info->step_id, info->request_json, response_json, error_text,
                          cached_from ? (gint64) 0 : tokens_in, cached_from ? (gint64) 0 : tokens_out, cost,
                          cached_from);
  if (id == 0)
    goto fail;

  id_text = g_strdup_printf ("%" PRId64, id);
  link.target_id = id_text;
  ev.run_id = info->run_id;
  ev.step_id = info->step_id;
  ev.actor = actor;
  ev.kind = (char *) kind;
  ev.summary = (char *) summary;
  ev.cost_micros = cost;
  if (aios_journal_append_linked (self->store, &ev, &link, 1, error) == 0)
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;
  if (info->prompt_ids != NULL)
    g_array_append_val (info->prompt_ids, id);
  return id;

fail:
  aios_store_rollback (self->store);
  return 0;
}

static gint64
record_prompt (AiosLlm     *self,
               Call        *c,
               const char  *response_json,
               const char  *error_text,
               gint64       cost,
               gint64       cached_from,
               GError     **error)
{
  AiosLlmCallInfo info = { c->tier, c->role, c->model, c->hash, c->body, c->run_id, c->step_id, c->prompt_ids };
  g_autofree char *summary = NULL;

  if (error_text != NULL)
    summary = g_strdup_printf ("Model %s (%s) failed: %s", c->model, c->tier, error_text);
  else if (cached_from)
    summary = g_strdup_printf ("Model %s (%s) answered from the cache", c->model, c->tier);
  else
    summary = g_strdup_printf ("Model %s (%s) answered: %" PRId64 " tokens in, %"
                               PRId64 " out", c->model, c->tier, c->stream.tokens_in, c->stream.tokens_out);
  return aios_llm_record_call (self, &info,
                               error_text ? "prompt.failed" : cached_from ? "prompt.cached" : "prompt.completed",
                               summary, response_json, error_text, c->stream.tokens_in, c->stream.tokens_out,
                               cost, cached_from, error);
}

static char *
response_json_for (const char *text)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static void attempt (GTask *task);

static void
fail_call (GTask  *task,
           GError *error)
{
  AiosLlm *self = g_task_get_source_object (task);
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) record_error = NULL;
  g_autofree char *partial = c->stream.text && c->stream.text->len ? response_json_for (c->stream.text->str) : NULL;

  g_clear_handle_id (&c->deadline, g_source_remove);
  if (c->body != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    if (record_prompt (self, c, partial, error->message, 0, 0, &record_error) == 0)
      g_warning ("Could not record a failed prompt: %s", record_error->message);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The answer is complete: record it, then check it against the schema. */
static void
finish_answer (GTask  *task,
               gint64  cached_from)
{
  AiosLlm *self = g_task_get_source_object (task);
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *response = response_json_for (c->stream.text->str);
  gint64 in_price, out_price, cost = 0, id;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) invalid = NULL;

  g_clear_handle_id (&c->deadline, g_source_remove);
  if (!cached_from)
    {
      aios_llm_get_price_micros (self, c->model, &in_price, &out_price);
      cost = aios_llm_cost_of (in_price, out_price, c->stream.tokens_in, c->stream.tokens_out);
    }
  id = record_prompt (self, c, response, NULL, cost, cached_from, &error);
  if (id == 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  if (c->result == NULL)
    {
      c->result = g_new0 (AiosLlmResult, 1);
      c->result->tier = g_strdup (c->tier);
      c->result->model = g_strdup (c->model);
    }
  c->result->prompt_id = id;
  c->result->attempts = c->attempt + 1;
  c->result->cached = cached_from != 0;
  c->result->tokens_in += cached_from ? 0 : c->stream.tokens_in;
  c->result->tokens_out += cached_from ? 0 : c->stream.tokens_out;
  c->result->cost_micros += cost;
  g_free (c->result->text);
  c->result->text = g_strdup (c->stream.text->str);

  if (c->schema != NULL)
    {
      parser = json_parser_new ();
      if (json_parser_load_from_data (parser, c->stream.text->str, -1, &invalid) &&
          aios_json_schema_validate (c->schema, json_parser_get_root (parser), &invalid))
        c->result->json = json_node_copy (json_parser_get_root (parser));
      else
        {
          g_autofree char *note = g_strdup_printf ("invalid output: %s", invalid->message);
          sqlite3_stmt *stmt = aios_store_prepare (self->store,
                                                   "UPDATE prompts SET error = ? WHERE id = ?", NULL);
          if (stmt != NULL)
            {
              sqlite3_bind_text (stmt, 1, note, -1, SQLITE_TRANSIENT);
              sqlite3_bind_int64 (stmt, 2, id);
              sqlite3_step (stmt);
              sqlite3_reset (stmt);
            }
          if (c->attempt < c->max_repairs)
            {
              g_autofree char *ask = g_strdup_printf ("Your answer was not valid (%s). Reply again with only "
                                                      "JSON that satisfies the schema, nothing else.",
                                                      invalid->message);
              add_message (c->messages, "assistant", c->stream.text->str);
              add_message (c->messages, "user", ask);
              c->attempt++;
              attempt (task);
              return;
            }
          g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                   _("The model %s did not give a valid answer after %u attempts: %s"),
                                   c->model, c->attempt + 1, invalid->message);
          g_object_unref (task);
          return;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&c->result), (GDestroyNotify) aios_llm_result_free);
  g_object_unref (task);
}

static GError *
stream_error (Call       *c,
              const char *what)
{
  return aios_connector_error_new_retry (-1, _("The model %s: %s"), c->model, what);
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &len, &error);
  g_autofree char *problem = NULL;

  if (line == NULL)
    {
      if (error != NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !c->timed_out)
            fail_call (task, g_steal_pointer (&error));
          else if (c->timed_out)
            fail_call (task, aios_connector_error_new_retry (-1, _("The model %s did not finish within %u s"),
                                                             c->model, c->timeout_ms / 1000));
          else
            fail_call (task, stream_error (c, error->message));
          return;
        }
      /* End of stream */
      if (!aios_llm_stream_end (&c->stream, &problem))
        {
          fail_call (task, stream_error (c, problem));
          return;
        }
      finish_answer (task, 0);
      return;
    }
  if (len > MAX_LINE)
    {
      fail_call (task, stream_error (c, _("a line of the answer stream is too long")));
      return;
    }
  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';

  if (!aios_llm_stream_feed_line (&c->stream, line, &problem))
    {
      fail_call (task, stream_error (c, problem));
      return;
    }

  g_data_input_stream_read_line_async (c->lines, G_PRIORITY_DEFAULT, c->inner, line_cb, task);
}

static void
error_body_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Call *c = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (c->base_url, G_URI_FLAGS_NONE, NULL);

  aios_http_check_status (c->msg, body, uri ? g_uri_get_host (uri) : c->base_url, &error);
  fail_call (task, g_steal_pointer (&error));
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  const char *type;
  guint status;

  if (stream == NULL)
    {
      if (c->timed_out)
        fail_call (task, aios_connector_error_new_retry (-1, _("The model %s did not answer within %u s"),
                                                         c->model, c->timeout_ms / 1000));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail_call (task, g_steal_pointer (&error));
      else
        fail_call (task, aios_connector_error_new_retry (-1, _("The model server is not reachable: %s"),
                                                         error->message));
      return;
    }
  status = soup_message_get_status (c->msg);
  if (status < 200 || status >= 300)
    {
      g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT, c->inner, error_body_cb, task);
      return;
    }
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (c->msg), NULL);
  if (type == NULL ||
      (c->ollama && g_ascii_strcasecmp (type, "application/x-ndjson") != 0 &&
       g_ascii_strcasecmp (type, "application/json") != 0) ||
      (!c->ollama && g_ascii_strcasecmp (type, "text/event-stream") != 0))
    {
      const char *answered = type != NULL ? type : _("no content type");

      fail_call (task, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                    c->ollama ? _("%s does not look like an Ollama server: it answered %s")
                                              : _("%s does not look like an OpenAI-compatible API: it answered %s"),
                                    c->base_url, answered));
      return;
    }
  c->lines = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (c->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_data_input_stream_read_line_async (c->lines, G_PRIORITY_DEFAULT, c->inner, line_cb, task);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Call *c = user_data;

  c->deadline = 0;
  c->timed_out = TRUE;
  g_cancellable_cancel (c->inner);
  return G_SOURCE_REMOVE;
}

static gint64
cached_answer (AiosLlm     *self,
               Call        *c,
               char       **text)
{
  sqlite3_stmt *stmt = aios_store_prepare (self->store,
                                           "SELECT id, response_json FROM prompts WHERE hash = ? AND error IS NULL "
                                           "AND cached_from IS NULL AND response_json IS NOT NULL "
                                           "ORDER BY id DESC LIMIT 1", NULL);
  gint64 id = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, c->hash, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *json = (const char *) sqlite3_column_text (stmt, 1);
      if (json_parser_load_from_data (parser, json, -1, NULL) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *o = json_node_get_object (json_parser_get_root (parser));
          *text = g_strdup (json_object_get_string_member_with_default (o, "text", ""));
          id = sqlite3_column_int64 (stmt, 0);
        }
    }
  sqlite3_reset (stmt);
  return id;
}

/**
 * aios_llm_check_budget:
 * @worst_in, @worst_out: the most tokens the call can take and give
 *
 * Fail closed: refuses a call whose worst case would pass a budget (and
 * journals budget.exceeded).
 */
gboolean
aios_llm_check_budget (AiosLlm                *self,
                       const AiosLlmCallInfo  *info,
                       gint64                  worst_in,
                       gint64                  worst_out,
                       GError                **error)
{
  gint64 daily = aios_llm_budget_micros (self, "budget.daily");
  gint64 monthly = aios_llm_budget_micros (self, "budget.monthly");
  gint64 in_price, out_price, worst;
  gboolean priced;

  if (daily < 0 && monthly < 0)
    return TRUE;
  priced = aios_llm_get_price_micros (self, info->model, &in_price, &out_price);
  if (!priced && g_str_equal (info->tier, "local"))
    return TRUE;  /* a local model costs nothing unless given a price */
  if (!priced)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A budget is set but the model %s has no price, so its cost cannot be bounded; "
                     "set its price (aios prices set %s IN OUT)"), info->model, info->model);
    }
  else
    {
      worst = aios_llm_cost_of (in_price, out_price, worst_in, worst_out);
      for (int month = 0; month < 2; month++)
        {
          gint64 limit = month ? monthly : daily;
          gint64 spent;
          if (limit < 0 || worst == 0)
            continue;
          spent = aios_llm_spent_micros (self, month);
          if (spent + worst > limit)
            {
              g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                           month ? _("The monthly budget would be exceeded: spent %.2f of %.2f, this call may cost up to %.2f. "
                                     "Raise budget.monthly to continue.")
                                 : _("The daily budget would be exceeded: spent %.2f of %.2f, this call may cost up to %.2f. "
                                     "Raise budget.daily or wait until tomorrow."),
                           spent / 1e6, limit / 1e6, worst / 1e6);
              break;
            }
        }
    }
  if (error != NULL && *error != NULL)
    {
      g_autofree char *actor = info->role != NULL && *info->role != '\0'
                               ? g_strdup_printf ("agent:%s", info->role) : g_strdup ("system");
      AiosEvent ev = { 0 };
      ev.run_id = info->run_id;
      ev.step_id = info->step_id;
      ev.actor = (char *) "system";
      ev.kind = (char *) "budget.exceeded";
      ev.summary = (*error)->message;
      ev.rationale = actor;
      aios_journal_append (self->store, &ev, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_budget (AiosLlm  *self,
              Call     *c,
              GError  **error)
{
  AiosLlmCallInfo info = { c->tier, c->role, c->model, c->hash, c->body, c->run_id, c->step_id, c->prompt_ids };

  return aios_llm_check_budget (self, &info, strlen (c->body) / 3 + 1, MAX_OUTPUT_TOKENS, error);
}

static void
attempt (GTask *task)
{
  AiosLlm *self = g_task_get_source_object (task);
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *keyed = NULL;
  g_autofree char *cached = NULL;
  gint64 cached_id;
  g_autoptr(GBytes) bytes = NULL;

  g_free (c->body);
  c->body = aios_llm_wire_build_body (c->stream.wire, c->model, c->messages, c->schema, MAX_OUTPUT_TOKENS);
  keyed = g_strconcat (c->tier, "\n", c->base_url, "\n", c->body, NULL);
  g_free (c->hash);
  c->hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, keyed, -1);
  aios_llm_stream_reset (&c->stream);
  g_clear_object (&c->lines);

  cached_id = cached_answer (self, c, &cached);
  if (cached_id != 0)
    {
      aios_llm_stream_add_text (&c->stream, cached);
      finish_answer (task, cached_id);
      return;
    }

  if (!check_budget (self, c, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  url = endpoint (c, aios_llm_wire_chat_path (c->stream.wire));
  g_clear_object (&c->msg);
  c->msg = soup_message_new ("POST", url);
  if (c->msg == NULL)
    {
      fail_call (task, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                                    _("Not a valid model URL: %s"), url));
      return;
    }
  soup_message_add_flags (c->msg, SOUP_MESSAGE_NO_REDIRECT);
  if (c->api_key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", c->api_key, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Authorization", auth);
      memset (auth, 0, strlen (auth));
    }
  soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Accept",
                                aios_llm_wire_content_type (c->stream.wire));
  bytes = g_bytes_new (c->body, strlen (c->body));
  soup_message_set_request_body_from_bytes (c->msg, "application/json", bytes);

  g_clear_handle_id (&c->deadline, g_source_remove);
  c->timed_out = FALSE;
  if (g_cancellable_is_cancelled (c->inner))
    {
      g_object_unref (c->inner);
      c->inner = g_cancellable_new ();
    }
  c->deadline = g_timeout_add (c->timeout_ms, deadline_cb, c);
  soup_session_send_async (self->session, c->msg, G_PRIORITY_DEFAULT, c->inner, sent_cb, task);
}

static void
key_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GTask *task = user_data;
  Call *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "llm.cloud", &secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (secret != NULL)
    {
      c->api_key = g_strdup (secret);
      secret_password_free (secret);
    }
  attempt (task);
}

static void
outer_cancelled_cb (GCancellable *cancellable,
                    Call         *c)
{
  g_cancellable_cancel (c->inner);
}

static Call *
call_new (AiosLlm     *self,
          const char  *role,
          GTask       *task,
          GError     **error)
{
  Call *c = g_new0 (Call, 1);
  g_autofree char *url_key = NULL;
  g_autofree char *model_key = NULL;

  c->tier = aios_llm_get_tier_for_role (self, role);
  if (g_str_equal (c->tier, "offline"))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("No language model is configured (set llm.local.url or llm.cloud.url); "
                     "the built-in engine answers instead"));
      call_free (c);
      return NULL;
    }
  c->ollama = g_str_equal (c->tier, "local");
  url_key = g_strdup_printf ("llm.%s.url", c->tier);
  model_key = g_strdup_printf ("llm.%s.model", c->tier);
  c->base_url = aios_config_get (self->config, url_key);
  c->model = aios_config_get (self->config, model_key);
  if (c->model == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("%s is set but %s is not: which model should be asked?"), url_key, model_key);
      call_free (c);
      return NULL;
    }
  c->role = g_strdup (role);
  c->inner = g_cancellable_new ();
  c->timeout_ms = self->timeout_ms;
  aios_llm_stream_init (&c->stream, c->ollama ? AIOS_LLM_WIRE_OLLAMA : AIOS_LLM_WIRE_OPENAI);
  g_task_set_task_data (task, c, (GDestroyNotify) call_free);
  g_task_set_check_cancellable (task, FALSE);
  if (g_task_get_cancellable (task) != NULL)
    {
      c->outer = g_object_ref (g_task_get_cancellable (task));
      c->outer_handler = g_cancellable_connect (c->outer, G_CALLBACK (outer_cancelled_cb), c, NULL);
    }
  return c;
}

/**
 * aios_llm_complete_async:
 *
 * Asks the role's tier. Fails with %AIOS_CONNECTOR_ERROR_NOT_CONFIGURED when
 * no tier is configured (the caller then uses the built-in engine),
 * %AIOS_CONNECTOR_ERROR_PERMANENT when a budget would be exceeded, the
 * answer never satisfied the schema, or the server refused the request, and
 * %AIOS_CONNECTOR_ERROR_RETRYABLE for 429/5xx, timeouts and broken streams.
 */
void
aios_llm_complete_async (AiosLlm              *self,
                         const AiosLlmRequest *request,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Call *c;

  g_return_if_fail (AIOS_IS_LLM (self));
  g_return_if_fail (request != NULL && request->prompt != NULL);

  g_task_set_source_tag (task, aios_llm_complete_async);
  c = call_new (self, request->role, task, &error);
  if (c == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  c->system = g_strdup (request->system);
  c->prompt = g_strdup (request->prompt);
  c->schema = request->schema ? json_node_copy (request->schema) : NULL;
  c->run_id = request->run_id;
  c->step_id = request->step_id;
  c->max_repairs = request->max_repairs > 0 ? MIN (request->max_repairs, MAX_REPAIRS) : MAX_REPAIRS;
  c->prompt_ids = request->prompt_ids ? g_array_ref (request->prompt_ids) : NULL;
  c->stream.on_piece = request->on_token;
  c->stream.piece_data = request->token_data;
  c->messages = json_array_new ();
  if (c->system != NULL)
    add_message (c->messages, "system", c->system);
  add_message (c->messages, "user", c->prompt);

  if (c->ollama)
    attempt (task);
  else
    aios_credentials_lookup_async (self->credentials, "llm.cloud", c->inner, key_cb, task);
}

AiosLlmResult *
aios_llm_complete_finish (AiosLlm       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
