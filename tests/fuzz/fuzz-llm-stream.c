/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model's streamed answer (src/exec/aios-llm-wire.c), line by line as
 * aios-llm.c feeds it: Ollama NDJSON chunks when FUZZ_WIRE is OLLAMA,
 * OpenAI Server-Sent Events when it is OPENAI (two targets, one file).
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "exec/aios-llm-wire.h"

#define WIRE_(w) AIOS_LLM_WIRE_##w
#define WIRE(w) WIRE_ (w)

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
piece_cb (const char *piece, gpointer user_data)
{
  g_assert_nonnull (piece);
  (*(gsize *) user_data) += strlen (piece);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_strndup (data, size);
  AiosLlmStream stream;
  gsize pieces = 0;
  gboolean ok = TRUE;
  char *line = text;

  aios_llm_stream_init (&stream, WIRE (FUZZ_WIRE));
  stream.on_piece = piece_cb;
  stream.piece_data = &pieces;
  /* as aios-llm.c splits the body: at '\n', a '\r' before it dropped; a
   * NUL in a line ends it there (the line is a C string from there on) */
  while (ok && line != NULL)
    {
      char *nl = strchr (line, '\n');
      char *problem = NULL;

      if (nl != NULL)
        {
          *nl = '\0';
          if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        }
      ok = aios_llm_stream_feed_line (&stream, line, &problem);
      g_assert_true (ok == (problem == NULL));
      g_free (problem);
      line = nl != NULL ? nl + 1 : NULL;
    }
  if (ok)
    {
      char *problem = NULL;

      ok = aios_llm_stream_end (&stream, &problem);
      g_assert_true (ok == (problem == NULL));
      g_free (problem);
    }
  g_assert_cmpuint (pieces, ==, stream.text->len);
  aios_llm_stream_clear (&stream);
  return 0;
}
