/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model's structured answer, checked as aios-llm.c checks it: the text
 * parsed as JSON, then aios_json_schema_validate (src/exec/aios-json-schema.c).
 * Input "SCHEMA\0ANSWER" fuzzes the schema too; without a NUL the answer is
 * checked against a fixed schema using every keyword the validator knows.
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "exec/aios-json-schema.h"

static JsonNode *fixed_schema;

static const char FIXED_SCHEMA[] =
  "{\"type\":\"object\",\"required\":[\"subject\",\"body\",\"score\"],\"additionalProperties\":false,"
  " \"properties\":{"
  "  \"subject\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":120,\"pattern\":\"^[^\\\\n]*$\"},"
  "  \"body\":{\"type\":\"string\"},"
  "  \"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
  "  \"ratio\":{\"type\":\"number\",\"minimum\":-1.5,\"maximum\":1e300},"
  "  \"qualified\":{\"type\":\"boolean\"},"
  "  \"tone\":{\"enum\":[\"warm\",\"formal\",null,1]},"
  "  \"version\":{\"const\":{\"v\":[1,2]}},"
  "  \"note\":{\"type\":[\"string\",\"null\"]},"
  "  \"tags\":{\"type\":\"array\",\"minItems\":0,\"maxItems\":5,\"items\":{\"type\":\"string\",\"maxLength\":20}},"
  "  \"nested\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}"
  " }}";

static JsonNode *
parse (const char *text, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  /* as finish_answer() in aios-llm.c: the answer text as a C string */
  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_copy (root) : NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  fixed_schema = parse (FIXED_SCHEMA, NULL);
  g_assert_nonnull (fixed_schema);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  g_autofree char *schema_text = nul != NULL ? fuzz_strndup (data, nul - data) : NULL;
  g_autofree char *answer = nul != NULL ? fuzz_strndup (nul + 1, size - (nul - data) - 1)
                                        : fuzz_strndup (data, size);
  g_autoptr(JsonNode) schema = NULL;
  g_autoptr(JsonNode) instance = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (schema_text != NULL)
    {
      schema = parse (schema_text, NULL);
      if (schema == NULL)
        return 0;
    }
  /* an answer of only blanks parses to no value at all: validated as
   * finish_answer() does, which must say so, not fail an assertion */
  instance = parse (answer, &error);
  if (error != NULL)
    return 0;
  ok = aios_json_schema_validate (schema != NULL ? schema : fixed_schema, instance, &error);
  /* FALSE always says why, in valid UTF-8 */
  g_assert_true (ok == (error == NULL));
  if (error != NULL)
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  return 0;
}
