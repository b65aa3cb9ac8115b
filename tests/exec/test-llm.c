/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model tiers against a local peer speaking Ollama's and the OpenAI
 * API's wire formats (NDJSON and Server-Sent Events streaming), with the
 * prompts table, the response cache, schemas with repair, budgets,
 * embeddings, model lists and each fault classified.
 */
#include "config.h"

#include <stdio.h>

#include "exec-test-util.h"
#include "exec/aios-llm.h"
#include "store/aios-journal.h"

typedef struct
{
  ExecPeer      *peer;
  AiosWorkspace *ws;
  char          *path;
  AiosLlm       *llm;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->peer = exec_peer_start ("exec-api-peer.py");
  f->ws = exec_workspace_new (&f->path);
  f->llm = aios_workspace_get_llm (f->ws);
  aios_llm_set_timeout_ms (f->llm, 1500);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  exec_workspace_free (f->ws, f->path);
  exec_peer_stop (f->peer);
}

static void
use_local (Fixture    *f,
           const char *mode)
{
  g_autofree char *url = exec_peer_url (f->peer, mode, "");
  exec_set (f->ws, "llm.local.url", url);
  exec_set (f->ws, "llm.local.model", "qwen-test");
}

static void
use_cloud (Fixture    *f,
           const char *mode)
{
  g_autofree char *url = exec_peer_url (f->peer, mode, "/v1");
  exec_set (f->ws, "llm.cloud.url", url);
  exec_set (f->ws, "llm.cloud.model", "gpt-test");
}

static void
on_token (const char *piece,
          gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (piece));
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static AiosLlmResult *
complete (Fixture     *f,
          const char  *role,
          const char  *prompt,
          const char  *schema_json,
          GPtrArray   *pieces,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  AiosLlmRequest request = { 0 };

  request.role = role;
  request.system = "You are terse.";
  request.prompt = prompt;
  request.run_id = 7;
  request.step_id = 3;
  if (schema_json != NULL)
    {
      json_parser_load_from_data (parser, schema_json, -1, NULL);
      request.schema = json_parser_get_root (parser);
    }
  if (pieces != NULL)
    {
      request.on_token = on_token;
      request.token_data = pieces;
    }
  aios_llm_complete_async (f->llm, &request, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_llm_complete_finish (f->llm, result, error);
}

static gint64
count (Fixture    *f,
       const char *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (f->ws), sql, NULL);
  gint64 n = -1;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static guint
peer_requests (Fixture *f)
{
  g_autoptr(JsonArray) log = exec_peer_log (f->peer);
  return json_array_get_length (log);
}

static const char *
last_request_body (Fixture *f)
{
  g_autoptr(JsonArray) log = exec_peer_log (f->peer);
  JsonObject *req = json_array_get_object_element (log, json_array_get_length (log) - 1);
  return g_intern_string (json_object_get_string_member (req, "body"));
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tier = aios_llm_get_tier_for_role (f->llm, "drafter");
  g_autoptr(AiosLlmResult) r = NULL;

  g_assert_cmpstr (tier, ==, "offline");
  g_assert_false (aios_llm_can_embed (f->llm));
  r = complete (f, "drafter", "hello", NULL, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts"), ==, 0);
}

static void
test_tiers (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;

  use_local (f, "ok");
  t1 = aios_llm_get_tier_for_role (f->llm, "drafter");
  g_assert_cmpstr (t1, ==, "local");
  g_assert_true (aios_llm_set_role_tier (f->llm, "drafter", "cloud", &error));
  g_assert_no_error (error);
  t2 = aios_llm_get_tier_for_role (f->llm, "drafter");
  g_assert_cmpstr (t2, ==, "local");            /* cloud not configured: falls back */
  use_cloud (f, "ok");
  t3 = aios_llm_get_tier_for_role (f->llm, "drafter");
  g_assert_cmpstr (t3, ==, "cloud");
  t4 = aios_llm_get_tier_for_role (f->llm, "classifier");
  g_assert_cmpstr (t4, ==, "local");            /* roles default to local */
  g_assert_false (aios_llm_set_role_tier (f->llm, "drafter", "gpu", &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
}

static void
check_streamed_and_cached (Fixture    *f,
                           const char *role)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(AiosLlmResult) r = complete (f, role, "hello world", NULL, pieces, &error);
  g_autoptr(AiosLlmResult) again = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) links = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *id = NULL;
  AiosEvent *last;
  guint before;

  g_assert_no_error (error);
  g_assert_cmpstr (r->text, ==, "Echo: hello world");
  g_assert_cmpuint (pieces->len, ==, 3);                /* streamed piece by piece */
  g_ptr_array_add (pieces, NULL);
  joined = g_strjoinv ("", (char **) pieces->pdata);
  g_assert_cmpstr (joined, ==, r->text);
  g_assert_cmpint (r->tokens_in, ==, 5);                /* "You are terse." + "hello world" */
  g_assert_cmpint (r->tokens_out, ==, 3);
  g_assert_false (r->cached);
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE tokens_in = 5 AND tokens_out = 3 "
                             "AND run_id = 7 AND step_id = 3 AND error IS NULL"), ==, 1);

  /* One journal event per prompt, linked to its row. */
  events = aios_journal_list (aios_workspace_get_store (f->ws), 7, 0, 100, &error);
  g_assert_no_error (error);
  last = events->pdata[events->len - 1];
  g_assert_cmpstr (last->kind, ==, "prompt.completed");
  g_assert_true (g_str_has_prefix (last->actor, "agent:"));
  links = aios_journal_list_links (aios_workspace_get_store (f->ws), last->id, &error);
  g_assert_cmpuint (links->len, ==, 1);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, r->prompt_id);
  g_assert_cmpstr (((AiosEventLink *) links->pdata[0])->target_id, ==, id);

  /* The identical request is answered from the cache, with no call. */
  before = peer_requests (f);
  again = complete (f, role, "hello world", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (again->cached);
  g_assert_cmpstr (again->text, ==, r->text);
  g_assert_cmpint (again->cost_micros, ==, 0);
  g_assert_cmpuint (peer_requests (f), ==, before);
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE cached_from IS NOT NULL"), ==, 1);
}

static void
test_ollama_stream (Fixture       *f,
                    gconstpointer  data)
{
  use_local (f, "ok");
  check_streamed_and_cached (f, "classifier");
  g_assert_nonnull (strstr (last_request_body (f), "\"stream\":true"));
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE tier = 'local' AND model = 'qwen-test'"), ==, 2);
}

static void
test_openai_stream_and_cost (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  use_cloud (f, "ok");
  /* 1.00 per million tokens in, 2.00 out: 5 in + 3 out = 11 micros */
  g_assert_true (aios_llm_set_price (f->llm, "gpt-test", 1000000, 2000000, &error));
  check_streamed_and_cached (f, "drafter");
  g_assert_nonnull (strstr (last_request_body (f), "\"include_usage\":true"));
  g_assert_cmpint (count (f, "SELECT cost_micros FROM prompts WHERE cached_from IS NULL"), ==, 11);
  g_assert_cmpint (aios_llm_spent_micros (f->llm, FALSE), ==, 11);
  g_assert_cmpint (count (f, "SELECT SUM(cost_micros) FROM events WHERE kind LIKE 'prompt.%'"), ==, 11);
}

#define SCHEMA "{\"type\":\"object\",\"required\":[\"summary\",\"score\"],\"additionalProperties\":false," \
               "\"properties\":{\"summary\":{\"type\":\"string\",\"minLength\":1}," \
               "\"score\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5}}}"

static void
test_schema (Fixture       *f,
             gconstpointer  data)
{
  for (int cloud = 0; cloud < 2; cloud++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AiosLlmResult) r = NULL;
      JsonObject *o;

      if (cloud)
        {
          use_cloud (f, "ok");
          aios_llm_set_role_tier (f->llm, "scorer", "cloud", &error);
        }
      else
        use_local (f, "ok");
      r = complete (f, "scorer", "score this lead", SCHEMA, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r->json);
      o = json_node_get_object (r->json);
      g_assert_cmpint (json_object_get_int_member (o, "score"), ==, 1);
      g_assert_cmpuint (r->attempts, ==, 1);
      if (cloud)
        g_assert_nonnull (strstr (last_request_body (f), "\"response_format\":{\"type\":\"json_schema\""));
      else
        g_assert_nonnull (strstr (last_request_body (f), "\"format\":{\"type\":\"object\""));
    }
}

static void
test_repair (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r = NULL;
  g_autoptr(AiosLlmResult) bad = NULL;

  use_local (f, "badjson");
  r = complete (f, "scorer", "score this lead", SCHEMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->attempts, ==, 2);
  g_assert_nonnull (r->json);
  g_assert_cmpuint (peer_requests (f), ==, 2);
  g_assert_nonnull (strstr (last_request_body (f), "was not valid"));
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE error LIKE 'invalid output:%'"), ==, 1);

  /* Bounded: after the repairs, a permanent error, every attempt recorded. */
  exec_peer_reset (f->peer);
  use_local (f, "alwaysbad");
  bad = complete (f, "scorer", "score another lead", SCHEMA, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_cmpuint (peer_requests (f), ==, 3);
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE error LIKE 'invalid output:%'"), ==, 4);
}

typedef struct
{
  const char *mode;
  int         code;
  gint64      retry_after_ms;
} Fault;

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  static const Fault faults[] = {
    { "e500",      AIOS_CONNECTOR_ERROR_RETRYABLE, -1 },
    { "e429",      AIOS_CONNECTOR_ERROR_RETRYABLE, 7000 },
    { "e400",      AIOS_CONNECTOR_ERROR_PERMANENT, -1 },
    { "wrongtype", AIOS_CONNECTOR_ERROR_PERMANENT, -1 },
    { "malformed", AIOS_CONNECTOR_ERROR_RETRYABLE, -1 },
    { "truncated", AIOS_CONNECTOR_ERROR_RETRYABLE, -1 },
    { "slow",      AIOS_CONNECTOR_ERROR_RETRYABLE, -1 },
    { "reset",     AIOS_CONNECTOR_ERROR_RETRYABLE, -1 },
  };
  gint64 recorded = 0;

  for (int cloud = 0; cloud < 2; cloud++)
    for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(AiosLlmResult) r = NULL;
        g_autofree char *prompt = g_strdup_printf ("fault %s %d", faults[i].mode, cloud);

        g_test_message ("%s %s", cloud ? "cloud" : "local", faults[i].mode);
        if (cloud)
          {
            use_cloud (f, faults[i].mode);
            aios_config_unset (aios_workspace_get_config (f->ws), "llm.local.url", NULL, NULL);
          }
        else
          use_local (f, faults[i].mode);
        r = complete (f, "drafter", prompt, NULL, NULL, &error);
        g_assert_null (r);
        g_assert_error (error, AIOS_CONNECTOR_ERROR, faults[i].code);
        g_assert_cmpint (aios_connector_error_get_retry_after_ms (error), ==, faults[i].retry_after_ms);
        g_assert_cmpstr (error->message, !=, "");
        /* nothing lost: the failed call is a row with its request and error */
        recorded++;
        g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE error IS NOT NULL"), ==, recorded);
      }
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM events WHERE kind = 'prompt.failed'"), ==, recorded);
}

static void
test_budget (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r1 = NULL;
  g_autoptr(AiosLlmResult) r2 = NULL;
  g_autoptr(AiosLlmResult) r3 = NULL;

  use_cloud (f, "ok");
  exec_set (f->ws, "budget.daily", "0.01");        /* 10000 micros */
  /* No price for a cloud model: its cost cannot be bounded, so no call. */
  r1 = complete (f, "drafter", "hello", NULL, NULL, &error);
  g_assert_null (r1);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "no price"));
  g_clear_error (&error);

  /* 10.00 per million output tokens: the 2048-token worst case is 0.02 > 0.01 */
  g_assert_true (aios_llm_set_price (f->llm, "gpt-test", 1000000, 10000000, &error));
  r2 = complete (f, "drafter", "hello", NULL, NULL, &error);
  g_assert_null (r2);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "daily budget"));
  g_clear_error (&error);
  g_assert_cmpuint (peer_requests (f), ==, 0);
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM events WHERE kind = 'budget.exceeded'"), ==, 2);

  /* The operator raises the budget: the call goes through. */
  exec_set (f->ws, "budget.daily", "1");
  r3 = complete (f, "drafter", "hello", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (peer_requests (f), ==, 1);
}

static void
embed_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_embed (Fixture       *f,
            gconstpointer  data)
{
  const char *texts[] = { "invoice for Ada", "lunch with Bob", NULL };

  for (int cloud = 0; cloud < 2; cloud++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) vectors = NULL;
      g_autofree char *model = NULL;
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, texts[0], -1);
      int first_byte;

      if (cloud)
        {
          aios_config_unset (aios_workspace_get_config (f->ws), "llm.local.url", NULL, NULL);
          use_cloud (f, "ok");
        }
      else
        use_local (f, "ok");
      exec_set (f->ws, "llm.embed.model", "embed-test");
      g_assert_true (aios_llm_can_embed (f->llm));
      aios_llm_embed_async (f->llm, texts, NULL, embed_done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      vectors = aios_llm_embed_finish (f->llm, result, &model, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (model, ==, "embed-test");
      g_assert_cmpuint (vectors->len, ==, 2);
      g_assert_cmpuint (((GArray *) vectors->pdata[0])->len, ==, 8);
      sscanf (sha, "%2x", &first_byte);
      g_assert_cmpfloat_with_epsilon (g_array_index ((GArray *) vectors->pdata[0], gfloat, 0),
                                      (first_byte - 128) / 128.0, 0.001);
    }
}

/* Found by tests/fuzz/fuzz-llm-ollama and fuzz-llm-openai: stream chunks
 * with a blank line or members of the wrong type raised GLib criticals
 * (fatal in the headless service's tests); they carry nothing and the
 * answer around them comes through. */
static void
test_odd_chunks (Fixture       *f,
                 gconstpointer  data)
{
  for (int cloud = 0; cloud < 2; cloud++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AiosLlmResult) r = NULL;

      if (cloud)
        {
          use_cloud (f, "oddchunks");
          aios_llm_set_role_tier (f->llm, "writer", "cloud", &error);
          g_assert_no_error (error);
        }
      else
        use_local (f, "oddchunks");
      r = complete (f, "writer", cloud ? "hello cloud" : "hello local", NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (r->text, ==, cloud ? "Echo: hello cloud" : "Echo: hello local");
    }
}

/* Found by tests/fuzz/fuzz-json-schema: a structured answer of only blanks
 * parses to no JSON value; checking it failed an assertion and then read
 * the message of an error that was never set. It is an invalid answer,
 * repaired and then refused like any other. */
static void
test_blank_answer (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r = NULL;

  use_local (f, "blankanswer");
  r = complete (f, "scorer", "score this lead", SCHEMA, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "holds no JSON value"));
  g_assert_cmpint (count (f, "SELECT COUNT(*) FROM prompts WHERE error LIKE 'invalid output:%no JSON value%'"), ==, 3);
}

/* Found by tests/fuzz/fuzz-http-error: a 200 JSON answer whose body is
 * only a line end parsed to no value, and aios_http_parse_json returned
 * NULL without an error (a critical, then a crash in the caller). */
static void
test_embed_blank_json (Fixture       *f,
                       gconstpointer  data)
{
  const char *texts[] = { "invoice for Ada", NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vectors = NULL;
  g_autofree char *model = NULL;

  use_local (f, "blankjson");
  exec_set (f->ws, "llm.embed.model", "embed-test");
  aios_llm_embed_async (f->llm, texts, NULL, embed_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  vectors = aios_llm_embed_finish (f->llm, result, &model, &error);
  g_assert_null (vectors);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE);
  g_assert_nonnull (strstr (error->message, "malformed JSON"));
}

static void
models_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_models (Fixture       *f,
             gconstpointer  data)
{
  use_local (f, "ok");
  use_cloud (f, "ok");
  for (int cloud = 0; cloud < 2; cloud++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) models = NULL;

      aios_llm_list_models_async (f->llm, cloud ? "cloud" : "local", NULL, models_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      models = aios_llm_list_models_finish (f->llm, result, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (models[0], ==, cloud ? "gpt-test" : "qwen-test:latest");
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/exec/llm/offline", test_offline);
  ADD ("/exec/llm/tiers", test_tiers);
  ADD ("/exec/llm/ollama-stream", test_ollama_stream);
  ADD ("/exec/llm/openai-stream-cost", test_openai_stream_and_cost);
  ADD ("/exec/llm/schema", test_schema);
  ADD ("/exec/llm/repair", test_repair);
  ADD ("/exec/llm/faults", test_faults);
  ADD ("/exec/llm/budget", test_budget);
  ADD ("/exec/llm/embed", test_embed);
  ADD ("/exec/llm/models", test_models);
  ADD ("/exec/llm/odd-chunks", test_odd_chunks);
  ADD ("/exec/llm/blank-answer", test_blank_answer);
  ADD ("/exec/llm/embed-blank-json", test_embed_blank_json);
#undef ADD
  return g_test_run ();
}
