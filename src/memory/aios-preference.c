/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading a learned preference's fields (see aios-preference.h), and the
 * two checks its machine form needs: a phrase found only at word
 * boundaries ("Best regards" never matches inside "Best regardsless"), and
 * a word a lead's message lacks or contains, ignoring case.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>

#include "aios-preference.h"

static const char *
get_string (JsonObject *fields,
            const char *name)
{
  JsonNode *node = fields != NULL ? json_object_get_member (fields, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

AiosPreferenceAction
aios_preference_action (JsonObject *fields)
{
  const char *action = get_string (fields, "action");
  const char *phrase = get_string (fields, "phrase");

  if (action == NULL || phrase == NULL || *phrase == '\0')
    return AIOS_PREFERENCE_NONE;
  if (g_str_equal (action, "replace"))
    return get_string (fields, "replacement") != NULL ? AIOS_PREFERENCE_REPLACE : AIOS_PREFERENCE_NONE;
  if (g_str_equal (action, "skip"))
    return AIOS_PREFERENCE_SKIP;
  return AIOS_PREFERENCE_NONE;
}

gboolean
aios_preference_is_enabled (JsonObject *fields)
{
  return g_strcmp0 (get_string (fields, "enabled"), "no") != 0;
}

static gboolean
is_word_char (const char *p)
{
  gunichar c = g_utf8_get_char (p);
  return g_unichar_isalnum (c) || c == '_';
}

static gboolean
at_boundary_before (const char *text,
                    const char *at)
{
  return at == text || !is_word_char (g_utf8_prev_char (at));
}

/**
 * aios_preference_find_phrase:
 *
 * Returns: (nullable): where @phrase first occurs in @text as whole words
 *   (case-sensitive: a preference keeps the operator's capitals)
 */
const char *
aios_preference_find_phrase (const char *text,
                             const char *phrase)
{
  gsize len;

  if (text == NULL || phrase == NULL || *phrase == '\0')
    return NULL;
  len = strlen (phrase);
  for (const char *p = strstr (text, phrase); p != NULL; p = strstr (p + 1, phrase))
    {
      gboolean left = !is_word_char (phrase) || at_boundary_before (text, p);
      gboolean right = p[len] == '\0' || !is_word_char (g_utf8_prev_char (p + len)) || !is_word_char (p + len);

      if (left && right)
        return p;
    }
  return NULL;
}

/**
 * aios_preference_replace_phrase:
 * @out_count: (out) (optional): how many times it was replaced
 *
 * Returns: (transfer full): @text with every whole-word @phrase replaced
 */
char *
aios_preference_replace_phrase (const char *text,
                                const char *phrase,
                                const char *replacement,
                                guint      *out_count)
{
  GString *out = g_string_new (NULL);
  const char *p = text;
  const char *hit;
  guint count = 0;

  while ((hit = aios_preference_find_phrase (p, phrase)) != NULL)
    {
      /* A hit at the start of the rest is a boundary only if the text
       * before it (already copied) ends with a non-word character. */
      if (hit == p && p != text && is_word_char (phrase) && is_word_char (g_utf8_prev_char (p)))
        {
          g_string_append_unichar (out, g_utf8_get_char (p));
          p = g_utf8_next_char (p);
          continue;
        }
      g_string_append_len (out, p, hit - p);
      g_string_append (out, replacement);
      p = hit + strlen (phrase);
      count++;
    }
  g_string_append (out, p);
  if (out_count != NULL)
    *out_count = count;
  return g_string_free (out, FALSE);
}

/* @word as a whole word of @text, ignoring case. */
gboolean
aios_preference_text_has_word (const char *text,
                               const char *word)
{
  g_autofree char *t = NULL;
  g_autofree char *w = NULL;

  if (text == NULL || word == NULL || *word == '\0')
    return FALSE;
  t = g_utf8_casefold (text, -1);
  w = g_utf8_casefold (word, -1);
  return aios_preference_find_phrase (t, w) != NULL;
}

/**
 * aios_preference_skips_lead:
 * @lead: the run's input (name, email, message ...)
 *
 * Returns: whether the enabled skip preference @fields says not to write
 *   to @lead: its `lead_field` (default "message") lacks, or contains, the
 *   word `phrase`. A field the lead does not have lacks every word.
 */
gboolean
aios_preference_skips_lead (JsonObject *fields,
                            JsonObject *lead)
{
  const char *field = get_string (fields, "lead_field");
  const char *condition = get_string (fields, "condition");
  const char *value;
  gboolean has;

  if (aios_preference_action (fields) != AIOS_PREFERENCE_SKIP || !aios_preference_is_enabled (fields))
    return FALSE;
  if (field == NULL || *field == '\0')
    field = "message";
  value = get_string (lead, field);
  has = aios_preference_text_has_word (value, get_string (fields, "phrase"));
  return g_strcmp0 (condition, "contains") == 0 ? has : !has;
}
