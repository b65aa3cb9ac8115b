/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The two chat wire formats a model tier speaks. */
typedef enum {
  AIOS_LLM_WIRE_OLLAMA,  /* POST /api/chat, streaming NDJSON */
  AIOS_LLM_WIRE_OPENAI,  /* POST /chat/completions, streaming Server-Sent Events */
} AiosLlmWire;

char        *aios_llm_wire_build_body    (AiosLlmWire  wire,
                                          const char  *model,
                                          JsonArray   *messages,
                                          JsonNode    *schema,
                                          gint64       max_output_tokens);
const char  *aios_llm_wire_chat_path     (AiosLlmWire  wire);
const char  *aios_llm_wire_content_type  (AiosLlmWire  wire);

typedef void (*AiosLlmPieceFunc) (const char *piece,
                                  gpointer    user_data);

/* An answer arriving line by line, in either format. */
typedef struct {
  AiosLlmWire       wire;
  GString          *text;       /* the answer so far */
  GString          *sse_data;   /* an SSE event's data lines, until its blank line */
  gint64            tokens_in;
  gint64            tokens_out;
  gboolean          done_seen;  /* the stream said it is complete */
  AiosLlmPieceFunc  on_piece;
  gpointer          piece_data;
} AiosLlmStream;

void         aios_llm_stream_init        (AiosLlmStream *stream,
                                          AiosLlmWire    wire);
void         aios_llm_stream_reset       (AiosLlmStream *stream);
void         aios_llm_stream_clear       (AiosLlmStream *stream);
void         aios_llm_stream_add_text    (AiosLlmStream *stream,
                                          const char    *piece);
/* Each returns FALSE and sets @problem (what is wrong, in words) when the
 * stream is broken. */
gboolean     aios_llm_stream_feed_line   (AiosLlmStream *stream,
                                          const char    *line,
                                          char         **problem);
gboolean     aios_llm_stream_end         (AiosLlmStream *stream,
                                          char         **problem);

G_END_DECLS
