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

static gboolean
ollama_line (AiosLlmStream  *s,
             const char     *line,
             char          **problem)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;

  if (*line == '\0')
    return TRUE;
  if (!json_parser_load_from_data (parser, line, -1, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *problem = g_strdup (_("malformed JSON in the answer stream"));
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (o, "error"))
    {
      *problem = g_strdup (json_object_get_string_member_with_default (o, "error", "error"));
      return FALSE;
    }
  if (json_object_has_member (o, "message"))
    aios_llm_stream_add_text (s, json_object_get_string_member_with_default (json_object_get_object_member (o, "message"),
                                                              "content", NULL));
  if (json_object_get_boolean_member_with_default (o, "done", FALSE))
    {
      s->done_seen = TRUE;
      s->tokens_in = json_object_get_int_member_with_default (o, "prompt_eval_count", 0);
      s->tokens_out = json_object_get_int_member_with_default (o, "eval_count", 0);
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
  if (!json_parser_load_from_data (parser, data, -1, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *problem = g_strdup (_("malformed JSON in the answer stream"));
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (o, "error"))
    {
      JsonNode *e = json_object_get_member (o, "error");
      const char *message = JSON_NODE_HOLDS_OBJECT (e)
                            ? json_object_get_string_member_with_default (json_node_get_object (e), "message", "error")
                            : "error";
      *problem = g_strdup (message);
      return FALSE;
    }
  if (json_object_has_member (o, "choices") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "choices")))
    {
      JsonArray *choices = json_object_get_array_member (o, "choices");
      if (json_array_get_length (choices) > 0)
        {
          JsonObject *choice = json_array_get_object_element (choices, 0);
          if (choice && json_object_has_member (choice, "delta") &&
              JSON_NODE_HOLDS_OBJECT (json_object_get_member (choice, "delta")))
            {
              JsonObject *delta = json_object_get_object_member (choice, "delta");
              JsonNode *content = json_object_get_member (delta, "content");
              if (content && JSON_NODE_HOLDS_VALUE (content))
                aios_llm_stream_add_text (s, json_node_get_string (content));
            }
        }
    }
  if (json_object_has_member (o, "usage") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "usage")))
    {
      JsonObject *usage = json_object_get_object_member (o, "usage");
      s->tokens_in = json_object_get_int_member_with_default (usage, "prompt_tokens", 0);
      s->tokens_out = json_object_get_int_member_with_default (usage, "completion_tokens", 0);
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
