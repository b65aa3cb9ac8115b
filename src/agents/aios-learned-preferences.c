/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Learned preferences: derived from the operator's decisions, applied to
 * later drafts. Everything here is deterministic and offline; the rules
 * (HACKING.md, "Learned preferences") are:
 *
 * - An approval with an edit: each text field of the request it changed
 *   (subject, body, title, excerpt) is compared word by word with what the
 *   agent drafted (a longest-common-subsequence diff over words and
 *   punctuation). Each changed stretch that replaced at most six words by
 *   at most six others, on one line, is a phrase substitution ("Best
 *   regards" → "Warm wishes"); a field rewritten with no word in common
 *   teaches nothing. A stretch that names the lead (its name,
 *   email or company) is a correction about that lead, not a preference,
 *   and pure insertions or deletions teach nothing. One edit is enough to
 *   create the preference (the next draft shows it, with its origin, and
 *   the operator can delete it); the same substitution again strengthens
 *   it (its decision joins `learned_from`, the rule names both dates).
 *   An edit that undoes a learned substitution (writes A back where the
 *   preference wrote B) turns that preference off.
 * - A rejection whose reason says what the lead lacked ("no budget",
 *   "without a timeline", "doesn't mention a budget": one word after such
 *   an opening) becomes a skip rule: don't write to leads whose message
 *   lacks that word. It is learned only if it would have stopped the
 *   rejected lead itself (its message really lacks the word).
 * - A preference the operator turned off (enabled: no) or deleted does not
 *   apply; a rule text the operator rewrote is kept as written.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-learned-preferences.h"
#include "aios-template.h"
#include "memory/aios-memory-kinds.h"
#include "memory/aios-preference.h"

#define AUTHOR "agent:preferences"
#define MAX_WORDS 6
#define MAX_PHRASE 80
#define MAX_CELLS (1200 * 1200)

/* ---- the word diff ------------------------------------------------------- */

typedef struct {
  const char *start;
  gsize       len;
} Token;

static gboolean
word_char (const char *p)
{
  gunichar c = g_utf8_get_char (p);
  return g_unichar_isalnum (c) || c == '_' || c == '\'' || c == 0x2019;
}

/* Words and single punctuation marks; spaces separate them. */
static GArray *
tokenize (const char *text)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *p = text;

  while (*p != '\0')
    {
      Token t;

      if (g_unichar_isspace (g_utf8_get_char (p)))
        {
          p = g_utf8_next_char (p);
          continue;
        }
      t.start = p;
      if (word_char (p))
        while (*p != '\0' && word_char (p))
          p = g_utf8_next_char (p);
      else
        p = g_utf8_next_char (p);
      t.len = p - t.start;
      g_array_append_val (tokens, t);
    }
  return tokens;
}

static gboolean
token_equal (const Token *a,
             const Token *b)
{
  return a->len == b->len && memcmp (a->start, b->start, a->len) == 0;
}

static void
add_substitution (JsonArray   *subs,
                  const Token *old_first,
                  const Token *old_last,
                  guint        n_old,
                  const Token *new_first,
                  const Token *new_last,
                  guint        n_new)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr(JsonArray) pair = NULL;

  if (n_old == 0 || n_new == 0 || n_old > MAX_WORDS || n_new > MAX_WORDS)
    return;
  from = g_strndup (old_first->start, old_last->start + old_last->len - old_first->start);
  to = g_strndup (new_first->start, new_last->start + new_last->len - new_first->start);
  if (strchr (from, '\n') || strchr (to, '\n') || strlen (from) > MAX_PHRASE || strlen (to) > MAX_PHRASE ||
      !word_char (from) || !word_char (to) || g_str_equal (from, to))
    return;
  pair = json_array_new ();
  json_array_add_string_element (pair, from);
  json_array_add_string_element (pair, to);
  json_array_add_array_element (subs, g_steal_pointer (&pair));
}

JsonArray *
aios_learned_preferences_substitutions (const char *before,
                                        const char *after)
{
  JsonArray *subs = json_array_new ();
  g_autoptr(GArray) a = tokenize (before ? before : "");
  g_autoptr(GArray) b = tokenize (after ? after : "");
  guint n = a->len, m = b->len;
  g_autofree guint16 *lcs = NULL;
  guint i = 0, j = 0;

  if ((gsize) (n + 1) * (m + 1) > MAX_CELLS)
    return subs;
  /* lcs[i][j]: the longest common subsequence of a[i..] and b[j..]. */
  lcs = g_new0 (guint16, (gsize) (n + 1) * (m + 1));
#define L(x, y) lcs[(gsize) (x) * (m + 1) + (y)]
  for (guint x = n; x-- > 0;)
    for (guint y = m; y-- > 0;)
      L (x, y) = token_equal (&g_array_index (a, Token, x), &g_array_index (b, Token, y))
                   ? L (x + 1, y + 1) + 1 : MAX (L (x + 1, y), L (x, y + 1));

  /* A field rewritten from scratch is not a phrase substitution. */
  if (L (0, 0) == 0)
    return subs;
  while (i < n || j < m)
    {
      guint oi = i, oj = j;

      if (i < n && j < m && token_equal (&g_array_index (a, Token, i), &g_array_index (b, Token, j)))
        {
          i++, j++;
          continue;
        }
      /* A changed stretch: advance until the two sides match again. */
      while ((i < n || j < m) &&
             !(i < n && j < m && token_equal (&g_array_index (a, Token, i), &g_array_index (b, Token, j)) &&
               L (i, j) == L (i + 1, j + 1) + 1))
        {
          if (j >= m || (i < n && L (i + 1, j) >= L (i, j + 1)))
            i++;
          else
            j++;
        }
      if (i > oi && j > oj)
        add_substitution (subs, &g_array_index (a, Token, oi), &g_array_index (a, Token, i - 1), i - oi,
                          &g_array_index (b, Token, oj), &g_array_index (b, Token, j - 1), j - oj);
    }
#undef L
  return subs;
}

/* ---- reading and writing preference records ------------------------------ */

const char *
aios_learned_preferences_draft_kind (const char *action_kind)
{
  if (g_strcmp0 (action_kind, "email") == 0)
    return "email";
  if (g_strcmp0 (action_kind, "publish") == 0)
    return "post";
  if (g_strcmp0 (action_kind, "invoice") == 0)
    return "invoice";
  return NULL;
}

static const char *
field_text (JsonObject *fields,
            const char *name)
{
  JsonNode *node = fields ? json_object_get_member (fields, name) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The learned_from entries as written: "12" or "12 (Pat)". */
typedef struct {
  gint64  id;
  char   *label;   /* the name in parentheses, or NULL */
} Source;

static void
source_clear (gpointer p)
{
  g_free (((Source *) p)->label);
}

static void
parse_source (GArray     *sources,
              const char *part)
{
  g_autofree char *s = g_strstrip (g_strdup (part));
  const char *p = s;
  char *end = NULL;
  Source src = { 0, NULL };
  const char *open, *close;

  while (*p == '#')
    p++;
  src.id = g_ascii_strtoll (p, &end, 10);
  if (end == p || src.id <= 0)
    return;
  for (guint i = 0; i < sources->len; i++)
    if (g_array_index (sources, Source, i).id == src.id)
      return;
  open = strchr (end, '(');
  close = open ? strrchr (open, ')') : NULL;
  if (open != NULL && close != NULL && close > open + 1)
    src.label = g_strstrip (g_strndup (open + 1, close - open - 1));
  g_array_append_val (sources, src);
}

static GArray *
read_sources (JsonObject *fields)
{
  GArray *sources = g_array_new (FALSE, TRUE, sizeof (Source));
  JsonNode *node = fields ? json_object_get_member (fields, "learned_from") : NULL;

  g_array_set_clear_func (sources, source_clear);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *t = aios_memory_value_to_text (json_array_get_element (array, i));
          parse_source (sources, t);
        }
    }
  else if (node != NULL)
    {
      g_autofree char *t = aios_memory_value_to_text (node);
      g_auto(GStrv) parts = g_strsplit (t, ",", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        parse_source (sources, parts[i]);
    }
  return sources;
}

static char *
format_sources (GArray *sources)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < sources->len; i++)
    {
      const Source *src = &g_array_index (sources, Source, i);
      g_string_append_printf (s, "%s%" PRId64, i ? ", " : "", src->id);
      if (src->label != NULL)
        g_string_append_printf (s, " (%s)", src->label);
    }
  return g_string_free (s, FALSE);
}

/* "a", "a and b", "a, b and c" */
static char *
join_list (GPtrArray *items)
{
  g_autofree char *head = NULL;

  if (items->len == 0)
    return g_strdup ("");
  if (items->len == 1)
    return g_strdup (items->pdata[0]);
  {
    GString *s = g_string_new (NULL);
    for (guint i = 0; i + 1 < items->len; i++)
      g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) items->pdata[i]);
    head = g_string_free (s, FALSE);
  }
  /* Translators: the last two items of a list, e.g. "2, 3 and 4 December" */
  return g_strdup_printf (_("%s and %s"), head, (char *) items->pdata[items->len - 1]);
}

static int
compare_dates (gconstpointer a,
               gconstpointer b)
{
  return g_date_time_compare (*(GDateTime * const *) a, *(GDateTime * const *) b);
}

/* "2 and 4 December": the days the decisions were made, each once, the
 * month said once per run of days in the same month. */
static char *
format_dates (AiosMemory *memory,
              GArray     *sources)
{
  g_autoptr(GPtrArray) dates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_date_time_unref);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < sources->len; i++)
    {
      /* The day of the decision: its first version. */
      g_autoptr(AiosRecord) d = aios_memory_get_version (memory, g_array_index (sources, Source, i).id, 1, NULL);
      GDateTime *dt;
      gboolean seen = FALSE;

      if (d == NULL || !g_str_equal (d->kind, "decision"))
        continue;
      dt = g_date_time_new_from_unix_local (d->ts / 1000);
      for (guint j = 0; j < dates->len && !seen; j++)
        seen = g_date_time_get_year (dates->pdata[j]) == g_date_time_get_year (dt) &&
               g_date_time_get_day_of_year (dates->pdata[j]) == g_date_time_get_day_of_year (dt);
      if (seen)
        g_date_time_unref (dt);
      else
        g_ptr_array_add (dates, dt);
    }
  g_ptr_array_sort (dates, compare_dates);
  for (guint i = 0; i < dates->len; i++)
    {
      GDateTime *dt = dates->pdata[i];
      GDateTime *next = i + 1 < dates->len ? dates->pdata[i + 1] : NULL;
      gboolean same_month = next != NULL && g_date_time_get_year (next) == g_date_time_get_year (dt) &&
                            g_date_time_get_month (next) == g_date_time_get_month (dt);

      /* Translators: a day of the month alone (%-d) or with its month (%-d %B), as in "2 and 4 December" */
      g_ptr_array_add (texts, g_date_time_format (dt, same_month ? _("%-d") : _("%-d %B")));
    }
  return join_list (texts);
}

static char *
format_names (GArray *sources)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < sources->len; i++)
    {
      const char *label = g_array_index (sources, Source, i).label;
      if (label != NULL && !g_ptr_array_find_with_equal_func (names, label, g_str_equal, NULL))
        g_ptr_array_add (names, (gpointer) label);
    }
  if (names->len == 0)
    g_ptr_array_add (names, (gpointer) _("a lead"));
  return join_list (names);
}

static char *
replace_rule (AiosMemory *memory,
              const char *kind,
              const char *phrase,
              const char *replacement,
              GArray     *sources)
{
  g_autofree char *dates = format_dates (memory, sources);
  guint n = MAX (sources->len, 1);

  if (g_str_equal (kind, "email"))
    return g_strdup_printf (ngettext ("In outreach emails, write “%s” instead of “%s” — learned from your edit of %s",
                                      "In outreach emails, write “%s” instead of “%s” — learned from your edits of %s", n),
                            replacement, phrase, dates);
  if (g_str_equal (kind, "post"))
    return g_strdup_printf (ngettext ("In posts, write “%s” instead of “%s” — learned from your edit of %s",
                                      "In posts, write “%s” instead of “%s” — learned from your edits of %s", n),
                            replacement, phrase, dates);
  if (g_str_equal (kind, "invoice"))
    return g_strdup_printf (ngettext ("In invoices, write “%s” instead of “%s” — learned from your edit of %s",
                                      "In invoices, write “%s” instead of “%s” — learned from your edits of %s", n),
                            replacement, phrase, dates);
  return g_strdup_printf (ngettext ("In drafts, write “%s” instead of “%s” — learned from your edit of %s",
                                    "In drafts, write “%s” instead of “%s” — learned from your edits of %s", n),
                          replacement, phrase, dates);
}

static char *
skip_rule (const char *word,
           GArray     *sources)
{
  g_autofree char *names = format_names (sources);

  return g_strdup_printf (ngettext ("Don't write to leads whose message doesn't mention “%s” — learned from your rejection of %s",
                                    "Don't write to leads whose message doesn't mention “%s” — learned from your rejections of %s",
                                    MAX (sources->len, 1)),
                          word, names);
}

static char *
generate_rule (AiosMemory *memory,
               JsonObject *fields,
               GArray     *sources)
{
  const char *kind = field_text (fields, "applies_to");
  const char *phrase = field_text (fields, "phrase");

  switch (aios_preference_action (fields))
    {
    case AIOS_PREFERENCE_REPLACE:
      return replace_rule (memory, kind ? kind : "other", phrase, field_text (fields, "replacement"), sources);
    case AIOS_PREFERENCE_SKIP:
      return skip_rule (phrase, sources);
    case AIOS_PREFERENCE_NONE:
    default:
      return NULL;
    }
}

/* The preference of @kind with this machine form, if there is one. */
static AiosRecord *
find_preference (AiosMemory  *memory,
                 const char  *kind,
                 const char  *action,
                 const char  *phrase,
                 const char  *replacement,
                 GError     **error)
{
  g_autoptr(GPtrArray) all = aios_memory_find_all (memory, "preference", "applies_to", kind, error);

  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      AiosRecord *r = all->pdata[i];
      if (g_strcmp0 (field_text (r->fields, "action"), action) == 0 &&
          g_strcmp0 (field_text (r->fields, "phrase"), phrase) == 0 &&
          (replacement == NULL || g_strcmp0 (field_text (r->fields, "replacement"), replacement) == 0))
        return aios_record_copy (r);
    }
  return NULL;
}

static JsonObject *
copy_fields (JsonObject *fields)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_copy (value));
  return copy;
}

/* Creates the preference @fields describes (learned from @source), or
 * adds @source to the one with the same machine form. */
static gboolean
learn_one (AiosMemory              *memory,
           const AiosDecisionFacts *facts,
           JsonObject              *fields,
           const char              *label,
           GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AiosRecord) existing = NULL;
  g_autoptr(GArray) sources = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_autofree char *learned = NULL;
  g_autofree char *rule = NULL;
  g_autofree char *rationale = NULL;
  AiosProvenance prov = { AUTHOR, facts->run_id, NULL };
  Source src = { facts->decision_id, g_strdup (label) };

  existing = find_preference (memory, field_text (fields, "applies_to"), field_text (fields, "action"),
                              field_text (fields, "phrase"), field_text (fields, "replacement"), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      g_free (src.label);
      return FALSE;
    }
  if (existing != NULL)
    {
      g_autofree char *old_rule = NULL;

      sources = read_sources (existing->fields);
      for (guint i = 0; i < sources->len; i++)
        if (g_array_index (sources, Source, i).id == src.id)
          {
            g_free (src.label);
            return TRUE;
          }
      old_rule = generate_rule (memory, existing->fields, sources);
      out = copy_fields (existing->fields);
      g_array_append_val (sources, src);
      learned = format_sources (sources);
      json_object_set_string_member (out, "learned_from", learned);
      /* The operator's own words stay; a generated rule names the new date. */
      if (g_strcmp0 (existing->author, AUTHOR) == 0 || g_strcmp0 (old_rule, field_text (existing->fields, "rule")) == 0)
        {
          rule = generate_rule (memory, out, sources);
          json_object_set_string_member (out, "rule", rule);
        }
      rationale = g_strdup_printf (_("Strengthened by decision %" PRId64), facts->decision_id);
      prov.rationale = rationale;
      return aios_memory_put (memory, existing->id, "preference", out, existing->body, &prov, NULL, error) > 0;
    }

  sources = g_array_new (FALSE, TRUE, sizeof (Source));
  g_array_set_clear_func (sources, source_clear);
  g_array_append_val (sources, src);
  out = copy_fields (fields);
  learned = format_sources (sources);
  json_object_set_string_member (out, "learned_from", learned);
  json_object_set_string_member (out, "enabled", "yes");
  rule = generate_rule (memory, out, sources);
  json_object_set_string_member (out, "rule", rule);
  rationale = g_strdup_printf (_("Learned from decision %" PRId64), facts->decision_id);
  prov.rationale = rationale;
  return aios_memory_put (memory, 0, "preference", out, NULL, &prov, NULL, error) > 0;
}

/* An edit that writes A back where a learned preference wrote B turns the
 * preference off: the operator does not want it. */
static gboolean
turn_off_reverse (AiosMemory              *memory,
                  const AiosDecisionFacts *facts,
                  const char              *kind,
                  const char              *from,
                  const char              *to,
                  GError                 **error)
{
  g_autoptr(AiosRecord) reverse = find_preference (memory, kind, "replace", to, from, NULL);
  g_autoptr(JsonObject) out = NULL;
  g_autofree char *rationale = NULL;
  AiosProvenance prov = { AUTHOR, facts->run_id, NULL };

  if (reverse == NULL || !aios_preference_is_enabled (reverse->fields))
    return TRUE;
  out = copy_fields (reverse->fields);
  json_object_set_string_member (out, "enabled", "no");
  rationale = g_strdup_printf (_("Turned off: decision %" PRId64 " undid it"), facts->decision_id);
  prov.rationale = rationale;
  return aios_memory_put (memory, reverse->id, "preference", out, reverse->body, &prov, NULL, error) > 0;
}

static gboolean
mentions (const char *text,
          const char *value)
{
  g_autofree char *t = NULL;
  g_autofree char *v = NULL;

  if (text == NULL || value == NULL || strlen (value) < 2)
    return FALSE;
  t = g_utf8_casefold (text, -1);
  v = g_utf8_casefold (value, -1);
  return strstr (t, v) != NULL;
}

/* A substitution that names the lead corrects that draft only. */
static gboolean
about_lead (const AiosDecisionFacts *facts,
            const char              *from,
            const char              *to)
{
  static const char * const lead_fields[] = { "name", "email", "company", "referrer", NULL };

  if (facts->run_name != NULL)
    {
      g_auto(GStrv) words = g_strsplit (facts->run_name, " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        if (mentions (from, words[i]) || mentions (to, words[i]))
          return TRUE;
    }
  for (guint i = 0; facts->input != NULL && lead_fields[i] != NULL; i++)
    {
      const char *value = field_text (facts->input, lead_fields[i]);
      if (value != NULL && (mentions (from, value) || mentions (to, value)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
learn_edit (AiosMemory              *memory,
            const AiosDecisionFacts *facts,
            const char              *kind,
            GError                 **error)
{
  static const char * const text_paths[] = { "$.subject", "$.body", "$.title", "$.excerpt", NULL };

  for (guint i = 0; i < json_array_get_length (facts->diff); i++)
    {
      JsonNode *element = json_array_get_element (facts->diff, i);
      JsonObject *change = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *path = change ? field_text (change, "path") : NULL;
      g_autoptr(JsonArray) subs = NULL;

      if (path == NULL || !g_strv_contains (text_paths, path) ||
          field_text (change, "from") == NULL || field_text (change, "to") == NULL)
        continue;
      subs = aios_learned_preferences_substitutions (field_text (change, "from"), field_text (change, "to"));
      for (guint k = 0; k < json_array_get_length (subs); k++)
        {
          JsonArray *pair = json_array_get_array_element (subs, k);
          const char *from = json_array_get_string_element (pair, 0);
          const char *to = json_array_get_string_element (pair, 1);
          g_autoptr(JsonObject) fields = NULL;

          if (about_lead (facts, from, to))
            continue;
          fields = json_object_new ();
          json_object_set_string_member (fields, "applies_to", kind);
          json_object_set_string_member (fields, "action", "replace");
          json_object_set_string_member (fields, "phrase", from);
          json_object_set_string_member (fields, "replacement", to);
          if (!turn_off_reverse (memory, facts, kind, from, to, error) ||
              !learn_one (memory, facts, fields, NULL, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* "no budget" → "budget"; NULL when the reason does not say, in one word,
 * what the lead lacked. */
static char *
reason_word (const char *reason)
{
  static const char * const openings[] = {
    "no mention of ", "doesn't mention ", "does not mention ", "didn't mention ", "did not mention ",
    "never mentions ", "not mentioning ", "without ", "missing ", "lacks ", "lacking ", "no ", NULL
  };
  static const char * const articles[] = { "a ", "an ", "any ", "the ", NULL };
  g_autofree char *r = g_strstrip (g_utf8_strdown (reason, -1));
  gsize len = strlen (r);
  const char *rest = NULL;

  while (len > 0 && strchr (".!;:", r[len - 1]) != NULL)
    r[--len] = '\0';
  for (guint i = 0; openings[i] != NULL && rest == NULL; i++)
    if (g_str_has_prefix (r, openings[i]))
      rest = r + strlen (openings[i]);
  if (rest == NULL)
    return NULL;
  for (guint i = 0; articles[i] != NULL; i++)
    if (g_str_has_prefix (rest, articles[i]))
      {
        rest += strlen (articles[i]);
        break;
      }
  if (g_utf8_strlen (rest, -1) < 3)
    return NULL;
  for (const char *p = rest; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isalnum (g_utf8_get_char (p)) && *p != '-')
      return NULL;
  return g_strdup (rest);
}

static gboolean
learn_rejection (AiosMemory              *memory,
                 const AiosDecisionFacts *facts,
                 GError                 **error)
{
  g_autofree char *word = facts->reason ? reason_word (facts->reason) : NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autofree char *label = NULL;

  if (word == NULL || facts->input == NULL ||
      aios_preference_text_has_word (field_text (facts->input, "message"), word))
    return TRUE;
  fields = json_object_new ();
  json_object_set_string_member (fields, "applies_to", "email");
  json_object_set_string_member (fields, "action", "skip");
  json_object_set_string_member (fields, "phrase", word);
  json_object_set_string_member (fields, "lead_field", "message");
  json_object_set_string_member (fields, "condition", "lacks");
  if (facts->run_name != NULL)
    label = g_strdelimit (g_strdup (facts->run_name), ",()", ' ');
  return learn_one (memory, facts, fields, label, error);
}

/**
 * aios_learned_preferences_learn:
 *
 * Derives or strengthens preferences from one decision, inside the
 * caller's transaction (see the top of this file for the rules), all or
 * nothing. A decision that teaches nothing leaves memory as it is.
 */
gboolean
aios_learned_preferences_learn (AiosMemory              *memory,
                                const AiosDecisionFacts *facts,
                                GError                 **error)
{
  const char *kind = aios_learned_preferences_draft_kind (facts->action_kind);
  AiosStore *store;
  gboolean ok = TRUE;

  if (memory == NULL || kind == NULL || facts->decision_id <= 0)
    return TRUE;
  store = aios_memory_get_store (memory);
  if (!aios_store_begin (store, error))
    return FALSE;
  if (g_strcmp0 (facts->outcome, "edited") == 0 && facts->diff != NULL)
    ok = learn_edit (memory, facts, kind, error);
  else if (g_strcmp0 (facts->outcome, "rejected") == 0 && g_str_equal (kind, "email"))
    ok = learn_rejection (memory, facts, error);
  if (!ok)
    {
      aios_store_rollback (store);
      return FALSE;
    }
  return aios_store_commit (store, error);
}

/* ---- applying them ------------------------------------------------------- */

static JsonArray *
learned_in_context (JsonObject *context)
{
  JsonNode *steps = json_object_get_member (context, "steps");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (steps == NULL || !JSON_NODE_HOLDS_OBJECT (steps))
    return NULL;
  json_object_iter_init (&iter, json_node_get_object (steps));
  while (json_object_iter_next (&iter, &name, &value))
    if (JSON_NODE_HOLDS_OBJECT (value))
      {
        JsonNode *list = json_object_get_member (json_node_get_object (value), AIOS_LEARNED_PREFERENCES_MEMBER);
        if (list != NULL && JSON_NODE_HOLDS_ARRAY (list))
          return json_node_get_array (list);
      }
  return NULL;
}

static void
add_used (JsonArray  *used,
          const char *as,
          JsonObject *ref)
{
  JsonObject *copy = json_object_new ();

  json_object_set_string_member (copy, "as", as);
  json_object_set_int_member (copy, "id", json_object_get_int_member_with_default (ref, "id", 0));
  json_object_set_int_member (copy, "version", json_object_get_int_member_with_default (ref, "version", 0));
  json_object_set_string_member (copy, "title", json_object_get_string_member_with_default (ref, "title", ""));
  json_array_add_object_element (used, copy);
}

guint
aios_learned_preferences_apply (JsonObject *context,
                                JsonObject *draft)
{
  static const char * const text_fields[] = { "subject", "title", "body", "excerpt", NULL };
  JsonArray *learned = context ? learned_in_context (context) : NULL;
  g_autoptr(GString) why = g_string_new (NULL);
  JsonArray *used;
  JsonArray *applied;
  guint n_applied = 0;

  if (learned == NULL || draft == NULL)
    return 0;
  if (!json_object_has_member (draft, "memory_used"))
    json_object_set_array_member (draft, "memory_used", json_array_new ());
  used = json_object_get_array_member (draft, "memory_used");
  if (!json_object_has_member (draft, "preferences_applied"))
    json_object_set_array_member (draft, "preferences_applied", json_array_new ());
  applied = json_object_get_array_member (draft, "preferences_applied");

  for (guint i = 0; i < json_array_get_length (learned); i++)
    {
      JsonObject *pref = json_array_get_object_element (learned, i);
      const char *phrase = json_object_get_string_member_with_default (pref, "phrase", NULL);
      const char *replacement = json_object_get_string_member_with_default (pref, "replacement", NULL);
      JsonArray *decisions;
      guint count = 0;

      if (pref == NULL || g_strcmp0 (json_object_get_string_member_with_default (pref, "action", ""), "replace") != 0 ||
          phrase == NULL || replacement == NULL)
        continue;
      for (guint f = 0; text_fields[f] != NULL; f++)
        {
          const char *text = json_object_get_string_member_with_default (draft, text_fields[f], NULL);
          g_autofree char *changed = NULL;
          guint n = 0;

          if (text == NULL)
            continue;
          changed = aios_preference_replace_phrase (text, phrase, replacement, &n);
          if (n > 0)
            json_object_set_string_member (draft, text_fields[f], changed);
          count += n;
        }
      if (count == 0)
        continue;
      n_applied++;
      g_string_append_c (why, ' ');
      g_string_append_printf (why, _("Wrote “%s” instead of “%s”, as you prefer (learned from %s)."),
                              replacement, phrase,
                              json_object_get_string_member_with_default (pref, "learned", _("your decisions")));
      add_used (used, "preference", pref);
      decisions = json_object_has_member (pref, "decisions") ? json_object_get_array_member (pref, "decisions") : NULL;
      for (guint d = 0; decisions != NULL && d < json_array_get_length (decisions); d++)
        add_used (used, "learned_from", json_array_get_object_element (decisions, d));
      json_array_add_int_element (applied, json_object_get_int_member_with_default (pref, "id", 0));
    }
  if (n_applied > 0)
    {
      const char *rationale = json_object_get_string_member_with_default (draft, "rationale", "");
      gsize len = strlen (rationale);
      gboolean ends = len == 0 || strchr (".!?", rationale[len - 1]) != NULL;
      g_autofree char *joined = g_strconcat (rationale, ends ? "" : ".", why->str + (len ? 0 : 1), NULL);
      json_object_set_string_member (draft, "rationale", joined);
    }
  return n_applied;
}

char *
aios_learned_preferences_render_prompt (JsonObject *context)
{
  JsonArray *learned = context ? learned_in_context (context) : NULL;
  g_autoptr(GString) text = NULL;

  if (learned == NULL || json_array_get_length (learned) == 0)
    return NULL;
  text = g_string_new (_("The operator taught these preferences by editing and rejecting earlier drafts. "
                         "Follow them:"));
  g_string_append_c (text, '\n');
  for (guint i = 0; i < json_array_get_length (learned); i++)
    {
      JsonObject *pref = json_array_get_object_element (learned, i);
      const char *phrase = json_object_get_string_member_with_default (pref, "phrase", "");
      const char *replacement = json_object_get_string_member_with_default (pref, "replacement", "");
      const char *rule = json_object_get_string_member_with_default (pref, "rule", "");

      if (*rule == '\0')
        continue;
      g_string_append_printf (text, "- %s\n", rule);
      if (g_strcmp0 (json_object_get_string_member_with_default (pref, "action", ""), "replace") == 0)
        g_string_append_printf (text, _("  Example: where you would write “%s”, write “%s”.\n"), phrase, replacement);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- screening a run ----------------------------------------------------- */

static JsonObject *
ref_object (gint64      id,
            gint64      version,
            const char *title)
{
  JsonObject *ref = json_object_new ();

  json_object_set_int_member (ref, "id", id);
  json_object_set_int_member (ref, "version", version);
  json_object_set_string_member (ref, "title", title ? title : "");
  return ref;
}

/* "your edit of 2 December", "your rejection of Pat" */
static char *
learned_text (AiosMemory *memory,
              JsonObject *fields,
              GArray     *sources)
{
  guint n = MAX (sources->len, 1);

  if (aios_preference_action (fields) == AIOS_PREFERENCE_SKIP)
    {
      g_autofree char *names = format_names (sources);
      return g_strdup_printf (ngettext ("your rejection of %s", "your rejections of %s", n), names);
    }
  {
    g_autofree char *dates = format_dates (memory, sources);
    return g_strdup_printf (ngettext ("your edit of %s", "your edits of %s", n), dates);
  }
}

/**
 * aios_learned_preferences_screen:
 * @kind: the kind of draft ("email", "post" ...)
 * @lead: (nullable): the run's input, which skip preferences check
 *
 * Reads the enabled preferences for @kind (oldest first) and says whether
 * to write at all: { "write": bool, "learned_preferences": [the replace
 * preferences, each with its rule, phrase, replacement, "learned" (your
 * edit of …) and "decisions" (refs)], "skipped_by": {the skip preference
 * that stops it}, "memory_used": [...], "rationale": "..." }.
 *
 * Returns: (transfer full): the screening, or %NULL with @error set
 */
JsonObject *
aios_learned_preferences_screen (AiosMemory  *memory,
                                 const char  *kind,
                                 JsonObject  *lead,
                                 GError     **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) learned = json_array_new ();
  g_autoptr(JsonArray) used = json_array_new ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *skipped_by = NULL;
  g_autofree char *rationale = NULL;

  all = aios_memory_find_all (memory, "preference", "applies_to", kind, &local_error);
  if (all == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  for (guint i = 0; i < all->len; i++)
    {
      AiosRecord *r = all->pdata[i];
      AiosPreferenceAction action = aios_preference_action (r->fields);
      g_autoptr(GArray) sources = NULL;
      g_autoptr(JsonArray) decisions = NULL;
      g_autofree char *from = NULL;
      JsonObject *entry;

      if (action == AIOS_PREFERENCE_NONE || !aios_preference_is_enabled (r->fields))
        continue;
      if (action == AIOS_PREFERENCE_SKIP && (skipped_by != NULL || lead == NULL ||
                                             !aios_preference_skips_lead (r->fields, lead)))
        continue;

      sources = read_sources (r->fields);
      decisions = json_array_new ();
      for (guint k = 0; k < sources->len; k++)
        {
          g_autoptr(AiosRecord) d = aios_memory_get (memory, g_array_index (sources, Source, k).id, NULL);
          if (d != NULL && !d->deleted && g_str_equal (d->kind, "decision"))
            {
              json_array_add_object_element (decisions, ref_object (d->id, d->version, d->title));
              add_used (used, "learned_from", json_array_get_object_element (decisions, json_array_get_length (decisions) - 1));
            }
        }
      from = learned_text (memory, r->fields, sources);
      entry = ref_object (r->id, r->version, r->title);
      add_used (used, "preference", entry);
      json_object_set_string_member (entry, "rule", field_text (r->fields, "rule"));
      json_object_set_string_member (entry, "action", field_text (r->fields, "action"));
      json_object_set_string_member (entry, "phrase", field_text (r->fields, "phrase"));
      if (field_text (r->fields, "replacement") != NULL)
        json_object_set_string_member (entry, "replacement", field_text (r->fields, "replacement"));
      json_object_set_string_member (entry, "learned", from);
      json_object_set_array_member (entry, "decisions", g_steal_pointer (&decisions));
      if (action == AIOS_PREFERENCE_SKIP)
        skipped_by = entry;
      else
        json_array_add_object_element (learned, entry);
    }

  if (skipped_by != NULL)
    rationale = g_strdup_printf (_("Wrote nothing: the learned preference “%s” matches"),
                                 json_object_get_string_member (skipped_by, "rule"));
  else if (json_array_get_length (learned) > 0)
    rationale = g_strdup_printf (ngettext ("%u learned preference applies to this draft",
                                           "%u learned preferences apply to this draft",
                                           json_array_get_length (learned)),
                                 json_array_get_length (learned));
  else
    rationale = g_strdup (_("No learned preference applies"));

  json_object_set_boolean_member (out, "write", skipped_by == NULL);
  json_object_set_array_member (out, AIOS_LEARNED_PREFERENCES_MEMBER, g_steal_pointer (&learned));
  if (skipped_by != NULL)
    json_object_set_object_member (out, "skipped_by", skipped_by);
  json_object_set_array_member (out, "memory_used", g_steal_pointer (&used));
  json_object_set_string_member (out, "rationale", rationale);
  return g_steal_pointer (&out);
}
