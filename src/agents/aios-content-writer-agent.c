/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "content-writer" role: a post from a brief. Config `mode`:
 *
 *   "brief"      the run's input names a brief (`brief_id`) or gives its
 *                fields (topic, audience, key_points — a list or one per
 *                line —, length in words, call_to_action, client, notes):
 *                the brief is read, or written to memory, and its fields
 *                are the step's output
 *   "draft"      the post: title, body in Markdown, excerpt and tags, from
 *                steps.brief and the tone guideline (memory.tone, a template
 *                with purpose "tone"). The offline engine writes it
 *                (aios_content_writer_draft_offline()); a model-backed
 *                writer fills the same fields. The output names every
 *                memory version it used (memory_used).
 *   "published"  the post went out: the brief gets a new version with the
 *                post's id and link and the text as published (read from
 *                the publish connector's answer in the outbox)
 *
 * Writes go through AiosMemory with provenance (agent:content-writer, the
 * run, a rationale) and are idempotent per run, so a step run again after a
 * crash adds no second version.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-content-writer-agent.h"
#include "aios-learned-preferences.h"
#include "aios-model-writer.h"
#include "aios-template.h"
#include "memory/aios-markdown.h"
#include "store/aios-json.h"

#define AUTHOR "agent:content-writer"
#define MAX_POINTS 20

struct _AiosContentWriterAgent
{
  AiosAgent   parent_instance;

  AiosMemory *memory;
  AiosStore  *store;
};

G_DEFINE_FINAL_TYPE (AiosContentWriterAgent, aios_content_writer_agent, AIOS_TYPE_AGENT)

static const char *const modes[] = { "brief", "draft", "published", NULL };

static gboolean
aios_content_writer_agent_check_config (AiosAgent   *agent,
                                        JsonObject  *config,
                                        GError     **error)
{
  const char *mode = config != NULL && json_object_has_member (config, "mode")
                       ? json_object_get_string_member_with_default (config, "mode", NULL) : NULL;

  if (mode == NULL || !g_strv_contains (modes, mode))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".mode: expected “brief”, “draft” or “published”"));
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
object_at (JsonObject *scope,
           const char *path)
{
  JsonNode *node = aios_template_lookup (scope, path);
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
str (JsonObject *obj,
     const char *member)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

static gint64
number (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return json_node_get_int (node);
}

/* A list given as a JSON array or as text, one item per line (or comma). */
static JsonArray *
string_list (JsonNode   *node,
             const char *separators)
{
  JsonArray *list = json_array_new ();

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (in) && i < MAX_POINTS; i++)
        {
          JsonNode *e = json_array_get_element (in, i);
          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
            {
              g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (e)));
              if (*s != '\0')
                json_array_add_string_element (list, s);
            }
        }
    }
  else if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_auto(GStrv) parts = g_strsplit_set (json_node_get_string (node), separators, -1);
      for (guint i = 0; parts[i] != NULL && json_array_get_length (list) < MAX_POINTS; i++)
        {
          char *s = g_strstrip (parts[i]);
          if (*s == '-' || *s == '*')
            s = g_strstrip (s + 1);
          if (*s != '\0')
            json_array_add_string_element (list, s);
        }
    }
  return list;
}

static JsonNode *
ref_node (gint64 id,
          gint64 version)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_int_member (obj, "id", id);
  json_object_set_int_member (obj, "version", version);
  return json_node_init_object (json_node_alloc (), obj);
}

static JsonObject *
copy_fields (const AiosRecord *record)
{
  JsonObject *fields = json_object_new ();

  if (record != NULL && record->fields != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, record->fields);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (fields, name, json_node_copy (value));
    }
  return fields;
}

static gboolean
same_content (const AiosRecord *record,
              JsonObject       *fields,
              const char       *body)
{
  g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), record->fields);
  g_autoptr(JsonNode) b = json_node_init_object (json_node_alloc (), fields);

  return json_node_equal (a, b) && g_strcmp0 (record->body ? record->body : "", body ? body : "") == 0;
}

/* Writes a version unless it would say what the current one says. */
static gint64
put_once (AiosContentWriterAgent  *self,
          AiosRecord              *current,
          JsonObject              *fields,
          const char              *body,
          gint64                   run_id,
          const char              *rationale,
          gint64                  *out_version,
          GError                 **error)
{
  AiosProvenance provenance = { AUTHOR, run_id, rationale };

  if (current != NULL && same_content (current, fields, body))
    {
      *out_version = current->version;
      return current->id;
    }
  return aios_memory_put (self->memory, current ? current->id : 0, "brief", fields, body,
                          &provenance, out_version, error);
}

static JsonNode *
brief_output (const AiosRecord *brief)
{
  g_autoptr(JsonObject) out = json_object_new ();
  JsonObject *fields = brief->fields;
  g_autofree char *points = NULL;

  json_object_set_member (out, "brief", ref_node (brief->id, brief->version));
  json_object_set_string_member (out, "title", brief->title ? brief->title : "");
  json_object_set_string_member (out, "topic", str (fields, "topic"));
  json_object_set_string_member (out, "audience", str (fields, "audience"));
  json_object_set_array_member (out, "key_points",
                                string_list (fields ? json_object_get_member (fields, "key_points") : NULL, "\n"));
  json_object_set_int_member (out, "length", number (fields ? json_object_get_member (fields, "length") : NULL));
  json_object_set_string_member (out, "call_to_action", str (fields, "call_to_action"));
  json_object_set_string_member (out, "client", str (fields, "client"));
  json_object_set_array_member (out, "tags", string_list (fields ? json_object_get_member (fields, "tags") : NULL, ",\n"));
  json_object_set_string_member (out, "notes", brief->body ? brief->body : "");
  return aios_json_node_take_object (g_steal_pointer (&out));
}

static JsonNode *
read_brief (AiosContentWriterAgent  *self,
            JsonObject              *context,
            gint64                   run_id,
            GError                 **error)
{
  JsonObject *input = object_at (context, "input");
  JsonNode *id_node = input != NULL ? json_object_get_member (input, "brief_id") : NULL;
  g_autoptr(AiosRecord) brief = NULL;
  g_autoptr(AiosRecord) current = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonArray) points = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *rationale = NULL;
  const char *topic = str (input, "topic");
  gint64 id, version = 0;
  static const char * const texts[] = { "audience", "call_to_action", "client", NULL };

  if (id_node != NULL)
    {
      id = number (id_node);
      brief = id > 0 ? aios_memory_get (self->memory, id, NULL) : NULL;
      if (brief == NULL || g_strcmp0 (brief->kind, "brief") != 0)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("There is no brief #%" PRId64 " in memory to write the post from"), id);
          return NULL;
        }
      return brief_output (brief);
    }

  if (*topic == '\0')
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The input names no brief: give “brief_id”, or the brief itself with at least a “topic”"));
      return NULL;
    }

  current = aios_memory_find (self->memory, "brief", "topic", topic, &local_error);
  if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  fields = copy_fields (current);
  json_object_set_string_member (fields, "topic", topic);
  for (guint i = 0; texts[i] != NULL; i++)
    if (json_object_has_member (input, texts[i]))
      json_object_set_string_member (fields, texts[i], str (input, texts[i]));
  if (json_object_has_member (input, "key_points"))
    {
      g_autoptr(GString) text = g_string_new (NULL);
      points = string_list (json_object_get_member (input, "key_points"), "\n");
      for (guint i = 0; i < json_array_get_length (points); i++)
        g_string_append_printf (text, "%s%s", i ? "\n" : "", json_array_get_string_element (points, i));
      json_object_set_string_member (fields, "key_points", text->str);
    }
  if (json_object_has_member (input, "length"))
    json_object_set_int_member (fields, "length", number (json_object_get_member (input, "length")));

  rationale = g_strdup (_("Brief submitted for a post"));
  id = put_once (self, current, fields,
                 json_object_has_member (input, "notes") ? str (input, "notes") : (current ? current->body : NULL),
                 run_id, rationale, &version, error);
  if (id == 0)
    return NULL;
  brief = aios_memory_get (self->memory, id, error);
  return brief != NULL ? brief_output (brief) : NULL;
}

static void
add_used (JsonArray  *used,
          JsonObject *ref,
          const char *as,
          const char *title)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_string_member (obj, "as", as);
  json_object_set_int_member (obj, "id", json_object_get_int_member_with_default (ref, "id", 0));
  json_object_set_int_member (obj, "version", json_object_get_int_member_with_default (ref, "version", 0));
  json_object_set_string_member (obj, "title", title);
  json_array_add_object_element (used, g_steal_pointer (&obj));
}

/* "Writing for small teams" → "writing for small teams", for mid-sentence use. */
static char *
lower_first (const char *s)
{
  gunichar c = g_utf8_get_char (s);
  g_autofree char *rest = g_strdup (g_utf8_next_char (s));
  char buf[8] = { 0 };

  if (*s == '\0')
    return g_strdup ("");
  /* Keep acronyms ("GDPR basics") as written. */
  if (g_unichar_isupper (g_utf8_get_char (rest)))
    return g_strdup (s);
  g_unichar_to_utf8 (g_unichar_tolower (c), buf);
  return g_strconcat (buf, rest, NULL);
}

static char *
sentence (const char *s)
{
  gsize len = strlen (s);

  if (len > 0 && strchr (".!?", s[len - 1]) != NULL)
    return g_strdup (s);
  return g_strconcat (s, ".", NULL);
}

static void
add_paragraph (GPtrArray  *blocks,
               const char *text)
{
  g_ptr_array_add (blocks, g_strdup (text));
}

static char *
join_blocks (GPtrArray *blocks)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < blocks->len; i++)
    if (g_ptr_array_index (blocks, i) != NULL)
      g_string_append_printf (out, "%s%s", out->len ? "\n\n" : "", (char *) g_ptr_array_index (blocks, i));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
plain_excerpt (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  glong chars;

  for (const char *p = text; *p != '\0'; p++)
    if (*p != '*' && *p != '_' && *p != '`' && *p != '#')
      g_string_append_c (out, *p);
  chars = g_utf8_strlen (out->str, -1);
  if (chars > 160)
    {
      const char *cut = g_utf8_offset_to_pointer (out->str, 157);
      g_string_truncate (out, cut - out->str);
      while (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_truncate (out, out->len - 1);
      g_string_truncate (out, out->len > 0 ? out->len - 1 : 0);
      g_string_append (out, "…");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * aios_content_writer_draft_offline:
 * @brief: the "brief" step's output
 * @tone: (nullable): the tone guideline record
 *
 * A deterministic post from the brief: an opening for the audience, the
 * writer's notes, the key points as a list under a heading, and the call to
 * action under its own. Over the brief's length, the optional paragraphs go first.
 *
 * Returns: (transfer full) (nullable): the draft
 */
JsonObject *
aios_content_writer_draft_offline (JsonObject  *brief,
                                   JsonObject  *tone,
                                   GError     **error)
{
  const char *topic = str (brief, "topic");
  const char *audience = str (brief, "audience");
  const char *cta = str (brief, "call_to_action");
  const char *notes = str (brief, "notes");
  JsonArray *points = json_object_has_member (brief, "key_points") &&
                      JSON_NODE_HOLDS_ARRAY (json_object_get_member (brief, "key_points"))
                      ? json_object_get_array_member (brief, "key_points") : NULL;
  gint64 length = json_object_get_int_member_with_default (brief, "length", 0);
  JsonObject *ref = object_at (brief, "brief");
  g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) used = json_array_new ();
  g_autoptr(JsonArray) tags = json_array_new ();
  g_autofree char *lower = NULL;
  g_autofree char *opening = NULL;
  g_autofree char *body = NULL;
  g_autofree char *excerpt = NULL;
  g_autofree char *rationale = NULL;
  g_autoptr(GString) list = g_string_new (NULL);
  guint n_points = points ? json_array_get_length (points) : 0;
  guint closing_at, notes_at, bridge_at;

  if (*topic == '\0')
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The brief has no topic, so there is nothing to write about"));
      return NULL;
    }

  /* The title is the post's own heading (WordPress shows it as the page's
   * h1); the body's headings are its sections. */
  lower = lower_first (topic);
  if (*audience != '\0')
    opening = g_strdup_printf (_("This post is for %s. It covers %s, in plain words, "
                                 "with what you can do about it this week."), audience, lower);
  else
    opening = g_strdup_printf (_("This post covers %s, in plain words, "
                                 "with what you can do about it this week."), lower);
  add_paragraph (blocks, opening);
  notes_at = blocks->len;
  if (*notes != '\0')
    add_paragraph (blocks, notes);
  else
    g_ptr_array_add (blocks, NULL);

  if (n_points > 0)
    {
      g_autofree char *sub = g_strdup (n_points == 1 ? _("## The one thing to know") : _("## What matters"));
      add_paragraph (blocks, sub);
      for (guint i = 0; i < n_points; i++)
        {
          g_autofree char *point = sentence (json_array_get_string_element (points, i));
          g_string_append_printf (list, "%s- %s", i ? "\n" : "", point);
        }
      add_paragraph (blocks, list->str);
    }
  bridge_at = blocks->len;
  if (n_points > 1)
    {
      add_paragraph (blocks, _("None of these takes long on its own. Together they make the difference "
                               "between a plan that works and one that stalls."));
    }
  else
    g_ptr_array_add (blocks, NULL);

  closing_at = blocks->len;
  if (*cta != '\0')
    {
      g_autofree char *cta_sentence = sentence (cta);
      add_paragraph (blocks, _("## Next step"));
      add_paragraph (blocks, cta_sentence);
    }

  /* Over the brief's length: leave out the bridge, then the notes. */
  body = join_blocks (blocks);
  if (length > 0 && aios_markdown_count_words (body) > (guint) length && g_ptr_array_index (blocks, bridge_at))
    {
      g_free (g_ptr_array_index (blocks, bridge_at));
      g_ptr_array_index (blocks, bridge_at) = NULL;
      g_free (body);
      body = join_blocks (blocks);
    }
  if (length > 0 && aios_markdown_count_words (body) > (guint) length && g_ptr_array_index (blocks, notes_at))
    {
      g_free (g_ptr_array_index (blocks, notes_at));
      g_ptr_array_index (blocks, notes_at) = NULL;
      g_free (body);
      body = join_blocks (blocks);
    }
  (void) closing_at;

  excerpt = plain_excerpt (opening);

  if (json_object_has_member (brief, "tags") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (brief, "tags")) &&
      json_array_get_length (json_object_get_array_member (brief, "tags")) > 0)
    {
      JsonArray *given = json_object_get_array_member (brief, "tags");
      for (guint i = 0; i < json_array_get_length (given); i++)
        json_array_add_string_element (tags, json_array_get_string_element (given, i));
    }
  else
    {
      g_auto(GStrv) words = g_strsplit_set (topic, " ,:;-", -1);
      for (guint i = 0; words[i] != NULL && json_array_get_length (tags) < 3; i++)
        if (g_utf8_strlen (words[i], -1) > 4)
          {
            g_autofree char *tag = g_utf8_strdown (words[i], -1);
            json_array_add_string_element (tags, tag);
          }
    }

  if (ref != NULL)
    add_used (used, ref, "brief", topic);
  if (tone != NULL)
    {
      g_autoptr(JsonObject) tone_ref = json_object_new ();
      json_object_set_int_member (tone_ref, "id", json_object_get_int_member_with_default (tone, "id", 0));
      json_object_set_int_member (tone_ref, "version", json_object_get_int_member_with_default (tone, "version", 0));
      add_used (used, tone_ref, "tone", json_object_get_string_member_with_default (tone, "title", ""));
    }

  rationale = tone != NULL
              ? g_strdup_printf (_("From the brief “%s”, following the tone guideline “%s”"),
                                 topic, json_object_get_string_member_with_default (tone, "title", ""))
              : g_strdup_printf (_("From the brief “%s”"), topic);

  json_object_set_string_member (out, "title", topic);
  json_object_set_string_member (out, "body", body);
  json_object_set_string_member (out, "excerpt", excerpt);
  json_object_set_array_member (out, "tags", g_steal_pointer (&tags));
  json_object_set_string_member (out, "engine", "offline");
  json_object_set_string_member (out, "rationale", rationale);
  json_object_set_array_member (out, "memory_used", g_steal_pointer (&used));
  return g_steal_pointer (&out);
}

static JsonNode *
draft_post (JsonObject  *context,
            GError     **error)
{
  JsonObject *brief = object_at (context, "steps.brief");
  JsonObject *tone = object_at (context, "memory.tone");
  JsonObject *draft;

  if (brief == NULL)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _("This step needs the output of a “brief” step (inputs.steps: [\"brief\"])"));
      return NULL;
    }
  draft = aios_content_writer_draft_offline (brief, tone, error);
  if (draft != NULL)
    aios_learned_preferences_apply (context, draft);
  return draft != NULL ? json_node_init_object (json_node_alloc (), draft) : NULL;
}

static JsonNode *
record_published (AiosContentWriterAgent  *self,
                  JsonObject              *context,
                  gint64                   run_id,
                  GError                 **error)
{
  gint64 id = number (aios_template_lookup (context, "steps.brief.brief.id"));
  g_autoptr(JsonNode) response = aios_agent_get_sent_response (AIOS_AGENT (self), self->store, run_id, "publish");
  JsonObject *post = response != NULL && JSON_NODE_HOLDS_OBJECT (response) ? json_node_get_object (response) : NULL;
  g_autoptr(AiosRecord) brief = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autofree char *post_id = NULL;
  g_autofree char *rationale = NULL;
  gint64 version = 0;

  if (id <= 0)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _("This step needs the output of a “brief” step (inputs.steps: [\"brief\"])"));
      return NULL;
    }
  if (post == NULL || !json_object_has_member (post, "id"))
    {
      /* Fail closed: never say a brief was published without the answer on record. */
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The outbox has no published post for this run, so the brief was not marked published"));
      return NULL;
    }
  brief = aios_memory_get (self->memory, id, error);
  if (brief == NULL)
    return NULL;

  post_id = g_strdup_printf ("%" PRId64, number (json_object_get_member (post, "id")));
  fields = copy_fields (brief);
  json_object_set_string_member (fields, "post_id", post_id);
  if (*str (post, "link") != '\0')
    json_object_set_string_member (fields, "post_url", str (post, "link"));
  json_object_set_string_member (fields, "published", str (post, "markdown"));

  rationale = g_strdup_printf (_("Published as post %s at %s"), post_id,
                               *str (post, "link") ? str (post, "link") : _("an unknown address"));
  id = put_once (self, brief, fields, brief->body, run_id, rationale, &version, error);
  if (id == 0)
    return NULL;

  json_object_set_member (out, "brief", ref_node (id, version));
  json_object_set_string_member (out, "post_id", post_id);
  json_object_set_string_member (out, "link", str (post, "link"));
  json_object_set_string_member (out, "rationale", rationale);
  return aios_json_node_take_object (g_steal_pointer (&out));
}

static void
aios_content_writer_agent_run_async (AiosAgent           *agent,
                                     JsonObject          *context,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  AiosContentWriterAgent *self = AIOS_CONTENT_WRITER_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  gint64 run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  g_autoptr(GError) error = NULL;
  JsonNode *out = NULL;
  const char *mode;

  g_task_set_source_tag (task, aios_content_writer_agent_run_async);

  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  mode = json_object_get_string_member (config, "mode");

  if (g_str_equal (mode, "brief"))
    out = read_brief (self, context, run_id, &error);
  else if (g_str_equal (mode, "draft"))
    {
      out = draft_post (context, &error);
      /* With a model for the role it writes the title, body, excerpt and tags. */
      if (out != NULL && aios_model_writer_wanted (agent))
        {
          JsonObject *draft = json_object_ref (json_node_get_object (out));
          json_node_unref (out);
          aios_model_writer_write (agent, context, draft, aios_model_spec_for_post (context, draft),
                                   g_steal_pointer (&task));
          return;
        }
      if (out != NULL)
        aios_model_writer_note_builtin (json_node_get_object (out));
    }
  else
    out = record_published (self, context, run_id, &error);

  if (out == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, out, (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_content_writer_agent_run_finish (AiosAgent     *agent,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_content_writer_agent_dispose (GObject *object)
{
  AiosContentWriterAgent *self = AIOS_CONTENT_WRITER_AGENT (object);

  g_clear_object (&self->memory);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_content_writer_agent_parent_class)->dispose (object);
}

static void
aios_content_writer_agent_class_init (AiosContentWriterAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_content_writer_agent_dispose;
  agent_class->check_config = aios_content_writer_agent_check_config;
  agent_class->run_async = aios_content_writer_agent_run_async;
  agent_class->run_finish = aios_content_writer_agent_run_finish;
}

static void
aios_content_writer_agent_init (AiosContentWriterAgent *self)
{
}

AiosAgent *
aios_content_writer_agent_new (AiosMemory *memory,
                               AiosStore  *store)
{
  AiosContentWriterAgent *self = g_object_new (AIOS_TYPE_CONTENT_WRITER_AGENT, "role", "content-writer", NULL);

  self->memory = g_object_ref (memory);
  self->store = g_object_ref (store);
  return AIOS_AGENT (self);
}
