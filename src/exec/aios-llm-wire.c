/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two chat wire formats of the model tiers: the request body and the
 * streamed answer of Ollama (/api/chat, one JSON object per line, the last
 * with "done": true and the token counts) and of OpenAI-compatible APIs
 * (/chat/completions, Server-Sent Events of chat.completion.chunk objects,
 * usage in the last chunk, then "data: [DONE]").
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-llm-wire.h"

/**
 * aios_llm_wire_build_body:
 * @messages: the chat so far (role and content objects)
 * @schema: (nullable): the JSON schema the answer must follow
 *
 * Returns: (transfer full): the streaming chat request body of @wire
 */
char *
aios_llm_wire_build_body (AiosLlmWire  wire,
                          const char  *model,
                          JsonArray   *messages,
                          JsonNode    *schema,
                          gint64       max_output_tokens)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonNode *messages_node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (messages_node, messages);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model);
  json_builder_set_member_name (b, "messages");
  json_builder_add_value (b, messages_node);
  json_builder_set_member_name (b, "stream");
  json_builder_add_boolean_value (b, TRUE);
  if (wire == AIOS_LLM_WIRE_OLLAMA)
    {
      if (schema != NULL)
        {
          json_builder_set_member_name (b, "format");
          json_builder_add_value (b, json_node_copy (schema));
        }
      json_builder_set_member_name (b, "options");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "temperature");
      json_builder_add_int_value (b, 0);
      json_builder_set_member_name (b, "num_predict");
      json_builder_add_int_value (b, max_output_tokens);
      json_builder_end_object (b);
    }
  else
    {
      json_builder_set_member_name (b, "stream_options");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "include_usage");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "temperature");
      json_builder_add_int_value (b, 0);
      json_builder_set_member_name (b, "max_tokens");
      json_builder_add_int_value (b, max_output_tokens);
      if (schema != NULL)
        {
          json_builder_set_member_name (b, "response_format");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, "json_schema");
          json_builder_set_member_name (b, "json_schema");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, "output");
          json_builder_set_member_name (b, "schema");
          json_builder_add_value (b, json_node_copy (schema));
          json_builder_end_object (b);
          json_builder_end_object (b);
        }
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

const char *
aios_llm_wire_chat_path (AiosLlmWire wire)
{
  return wire == AIOS_LLM_WIRE_OLLAMA ? "/api/chat" : "/chat/completions";
}

/* The content type of a streamed answer: anything else is not such an API. */
const char *
aios_llm_wire_content_type (AiosLlmWire wire)
{
  return wire == AIOS_LLM_WIRE_OLLAMA ? "application/x-ndjson" : "text/event-stream";
}

void
aios_llm_stream_init (AiosLlmStream *stream,
                      AiosLlmWire    wire)
{
  memset (stream, 0, sizeof *stream);
  stream->wire = wire;
  stream->text = g_string_new (NULL);
  stream->sse_data = g_string_new (NULL);
}

/* Ready for another attempt: nothing of the last answer is kept. */
void
aios_llm_stream_reset (AiosLlmStream *stream)
{
  g_string_truncate (stream->text, 0);
  g_string_truncate (stream->sse_data, 0);
  stream->tokens_in = stream->tokens_out = 0;
  stream->done_seen = FALSE;
}

void
aios_llm_stream_clear (AiosLlmStream *stream)
{
  if (stream->text != NULL)
    g_string_free (stream->text, TRUE);
  if (stream->sse_data != NULL)
    g_string_free (stream->sse_data, TRUE);
  stream->text = stream->sse_data = NULL;
}

/* A piece of the answer: kept, and passed on to whoever streams it. */
void
aios_llm_stream_add_text (AiosLlmStream *stream,
                          const char    *piece)
{
  if (piece == NULL || *piece == '\0')
    return;
  g_string_append (stream->text, piece);
  if (stream->on_piece != NULL)
    stream->on_piece (piece, stream->piece_data);
}

/* A peer's answer is any JSON: a member of the wrong type (a string where
 * an object belongs, a number for a text) counts as absent, never as a
 * GLib critical. */
static gboolean
holds_object (JsonParser *parser,
              const char *text)
{
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root);
}

static JsonNode *
value_member (JsonObject *o,
              const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? node : NULL;
}

static JsonObject *
object_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
string_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = value_member (o, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static gboolean
bool_member (JsonObject *o,
             const char *name)
{
  JsonNode *node = value_member (o, name);

  return node != NULL && json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gint64
int_member (JsonObject *o,
            const char *name)
{
  JsonNode *node = value_member (o, name);

  if (node != NULL && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (node != NULL && json_node_get_value_type (node) == G_TYPE_DOUBLE &&
      json_node_get_double (node) >= 0 && json_node_get_double (node) < 1e15)
    return (gint64) json_node_get_double (node);
  return 0;
}

static gboolean
ollama_line (AiosLlmStream  *s,
             const char     *line,
             char          **problem)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  /* a line of only blanks carries nothing, like an empty one */
  if (line[strspn (line, " \t\r")] == '\0')
    return TRUE;
  if (!holds_object (parser, line))
    {
      *problem = g_strdup (_("malformed JSON in the answer stream"));
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (o, "error"))
    {
      const char *message = string_member (o, "error");
      *problem = g_strdup (message != NULL ? message : "error");
      return FALSE;
    }
  aios_llm_stream_add_text (s, string_member (object_member (o, "message"), "content"));
  if (bool_member (o, "done"))
    {
      s->done_seen = TRUE;
      s->tokens_in = int_member (o, "prompt_eval_count");
      s->tokens_out = int_member (o, "eval_count");
    }
  return TRUE;
}

static gboolean
sse_event (AiosLlmStream  *s,
           const char     *data,
           char          **problem)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (g_str_equal (data, "[DONE]"))
    {
      s->done_seen = TRUE;
      return TRUE;
    }
  if (data[strspn (data, " \t\r\n")] == '\0')
    return TRUE;
  if (!holds_object (parser, data))
    {
      *problem = g_strdup (_("malformed JSON in the answer stream"));
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (o, "error"))
    {
      JsonNode *e = json_object_get_member (o, "error");
      const char *message = JSON_NODE_HOLDS_OBJECT (e) ? string_member (json_node_get_object (e), "message") : NULL;
      *problem = g_strdup (message != NULL ? message : "error");
      return FALSE;
    }
  if (json_object_has_member (o, "choices") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "choices")))
    {
      JsonArray *choices = json_object_get_array_member (o, "choices");
      if (json_array_get_length (choices) > 0)
        {
          JsonNode *first = json_array_get_element (choices, 0);
          JsonObject *choice = JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
          if (choice && json_object_has_member (choice, "delta") &&
              JSON_NODE_HOLDS_OBJECT (json_object_get_member (choice, "delta")))
            {
              JsonObject *delta = json_object_get_object_member (choice, "delta");
              aios_llm_stream_add_text (s, string_member (delta, "content"));
            }
        }
    }
  if (json_object_has_member (o, "usage") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "usage")))
    {
      JsonObject *usage = json_object_get_object_member (o, "usage");
      s->tokens_in = int_member (usage, "prompt_tokens");
      s->tokens_out = int_member (usage, "completion_tokens");
    }
  return TRUE;
}

/**
 * aios_llm_stream_feed_line:
 * @line: one line of the answer, without its line ending
 *
 * Returns: %FALSE with @problem set when the line says the stream is broken
 */
gboolean
aios_llm_stream_feed_line (AiosLlmStream  *s,
                           const char     *line,
                           char          **problem)
{
  if (s->wire == AIOS_LLM_WIRE_OLLAMA)
    return ollama_line (s, line, problem);
  if (*line == '\0')
    {
      gboolean ok = TRUE;

      if (s->sse_data->len > 0)
        {
          ok = sse_event (s, s->sse_data->str, problem);
          g_string_truncate (s->sse_data, 0);
        }
      return ok;
    }
  if (g_str_has_prefix (line, "data:"))
    {
      const char *data = line + 5;
      if (*data == ' ')
        data++;
      if (s->sse_data->len > 0)
        g_string_append_c (s->sse_data, '\n');
      g_string_append (s->sse_data, data);
    }
  /* other SSE fields (event:, id:, retry:, ": comments") carry nothing for us */
  return TRUE;
}

/**
 * aios_llm_stream_end:
 *
 * The stream has closed: an event without its blank line still counts, and
 * an answer that never said it was complete was cut off.
 *
 * Returns: %FALSE with @problem set when the answer is incomplete or broken
 */
gboolean
aios_llm_stream_end (AiosLlmStream  *s,
                     char          **problem)
{
  if (s->wire == AIOS_LLM_WIRE_OPENAI && s->sse_data->len > 0)
    {
      gboolean ok = sse_event (s, s->sse_data->str, problem);

      g_string_truncate (s->sse_data, 0);
      if (!ok)
        return FALSE;
    }
  if (!s->done_seen)
    {
      *problem = g_strdup (_("the answer stream was cut off"));
      return FALSE;
    }
  return TRUE;
}
