/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "qa" role checks a draft before it can reach the operator's inbox.
 * Config:
 *
 *   { "draft": {...}               the draft (usually "{{steps.draft}}")
 *     "recipient": "..."           who it must go to
 *     "max_subject": 120, "max_body": 5000 }
 *
 * It fails (permanently, so the run waits for the operator as "needs
 * attention" with every reason in words) when a placeholder is left
 * unfilled, the recipient is not the expected one, the subject or body is
 * empty or too long, or the body breaks the tone guideline's hard rules
 * that can be checked offline (no exclamation marks when it says so).
 * A phrase the tone guideline asks to avoid (memory.tone, its "avoid"
 * field, when the step reads it) is a warning, not a failure: the draft
 * goes on to the operator's approval with the warning as the step's
 * reason, so the operator decides with it in view.
 *
 * With "mode": "content" it checks a post instead (config: "draft", and
 * "max_words", the brief's length, 0 for no limit): a title and a body,
 * the body within the length, none of the phrases the tone guideline
 * (memory.tone, its "avoid" field: a list, or text with one phrase per
 * comma) rules out, and nothing unfinished: no {{placeholder}}, [TODO] or
 * lorem ipsum in the title, body or excerpt.
 * With "mode": "invoice" it checks a suggested invoice against its
 * contract instead (aios-qa-invoice.c).
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-qa-agent.h"
#include "aios-template.h"
#include "memory/aios-markdown.h"
#include "aios-qa-invoice.h"
#include "store/aios-json.h"

struct _AiosQaAgent
{
  AiosAgent parent_instance;
};

G_DEFINE_FINAL_TYPE (AiosQaAgent, aios_qa_agent, AIOS_TYPE_AGENT)

static gboolean
aios_qa_agent_check_config (AiosAgent   *agent,
                            JsonObject  *config,
                            GError     **error)
{
  gboolean content = config != NULL &&
                     g_strcmp0 (json_object_get_string_member_with_default (config, "mode", ""), "content") == 0;

  if (config != NULL && g_strcmp0 (json_object_get_string_member_with_default (config, "mode", NULL), "invoice") == 0)
    {
      if (json_object_has_member (config, "invoice") && json_object_has_member (config, "contract"))
        return TRUE;
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".invoice and .contract: expected the invoice to check and the contract it follows"));
      return FALSE;
    }
  if (content && json_object_has_member (config, "draft"))
    return TRUE;
  if (content)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".draft: expected the post to check"));
      return FALSE;
    }
  if (config == NULL || !json_object_has_member (config, "draft") ||
      !json_object_has_member (config, "recipient"))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".draft and .recipient: expected the draft to check and its intended recipient"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_placeholder (const char *text)
{
  const char *open = text ? strstr (text, "{{") : NULL;
  return open != NULL && strstr (open, "}}") != NULL;
}

static gboolean
unfinished (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text ? text : "", -1);

  return has_placeholder (text) || strstr (lower, "[todo") != NULL || strstr (lower, "lorem") != NULL ||
         strstr (lower, "[tbd") != NULL;
}

static JsonArray *
avoided_phrases (JsonObject *context)
{
  JsonNode *node = aios_template_lookup (context, "memory.tone.fields.avoid");
  JsonArray *list = json_array_new ();

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (in); i++)
        {
          JsonNode *e = json_array_get_element (in, i);
          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING &&
              *json_node_get_string (e) != '\0')
            json_array_add_string_element (list, json_node_get_string (e));
        }
    }
  else if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_auto(GStrv) parts = g_strsplit_set (json_node_get_string (node), ",\n", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        if (*g_strstrip (parts[i]) != '\0')
          json_array_add_string_element (list, parts[i]);
    }
  return list;
}

static void
check_post (GTask      *task,
            JsonObject *context,
            JsonObject *config,
            JsonObject *draft)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) passed = json_array_new ();
  g_autoptr(JsonArray) avoid = avoided_phrases (context);
  const char *title = json_object_get_string_member_with_default (draft, "title", "");
  const char *body = json_object_get_string_member_with_default (draft, "body", "");
  const char *excerpt = json_object_get_string_member_with_default (draft, "excerpt", "");
  JsonNode *max_node = json_object_get_member (config, "max_words");
  gint64 max_words = 0;
  guint words = aios_markdown_count_words (body);
  g_autofree char *all = g_strjoin ("\n", title, body, excerpt, NULL);
  g_autofree char *all_lower = g_utf8_casefold (all, -1);
  gboolean clean = TRUE;

  if (max_node != NULL && JSON_NODE_HOLDS_VALUE (max_node))
    max_words = json_node_get_value_type (max_node) == G_TYPE_STRING
                ? g_ascii_strtoll (json_node_get_string (max_node), NULL, 10)
                : json_node_get_value_type (max_node) == G_TYPE_DOUBLE
                ? (gint64) json_node_get_double (max_node) : json_node_get_int (max_node);

  if (*title == '\0')
    g_ptr_array_add (problems, g_strdup (_("the post has no title")));
  else if (g_utf8_strlen (title, -1) > 200)
    g_ptr_array_add (problems, g_strdup (_("the title is longer than 200 characters")));
  else
    json_array_add_string_element (passed, _("the title is within limits"));

  if (*body == '\0')
    g_ptr_array_add (problems, g_strdup (_("the post is empty")));
  else if (max_words > 0 && words > max_words)
    g_ptr_array_add (problems, g_strdup_printf (_("the post has %u words, more than the brief's %" PRId64),
                                                words, max_words));
  else
    json_array_add_string_element (passed, _("the post is within the brief's length"));

  if (unfinished (title) || unfinished (body) || unfinished (excerpt))
    g_ptr_array_add (problems, g_strdup (_("it has unfinished text (a {{placeholder}}, [TODO] or lorem ipsum)")));
  else
    json_array_add_string_element (passed, _("nothing is left unfinished"));

  for (guint i = 0; i < json_array_get_length (avoid); i++)
    {
      const char *phrase = json_array_get_string_element (avoid, i);
      g_autofree char *folded = g_utf8_casefold (phrase, -1);

      if (strstr (all_lower, folded) != NULL)
        {
          g_ptr_array_add (problems, g_strdup_printf (_("it says “%s”, which the tone guideline rules out"), phrase));
          clean = FALSE;
        }
    }
  if (clean)
    json_array_add_string_element (passed, _("it uses no phrase the tone guideline rules out"));

  if (problems->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (problems, NULL);
      list = g_strjoinv ("; ", (char **) problems->pdata);
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                               _("Quality check failed: %s"), list);
      return;
    }

  json_object_set_boolean_member (out, "passed", TRUE);
  json_object_set_int_member (out, "words", words);
  json_object_set_array_member (out, "checks", g_steal_pointer (&passed));
  json_object_set_string_member (out, "rationale", _("The post passed every check"));
  g_task_return_pointer (task, aios_json_node_take_object (g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
}

static void
aios_qa_agent_run_async (AiosAgent           *agent,
                         JsonObject          *context,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) passed = json_array_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *draft_node;
  JsonObject *draft;
  const char *to, *subject, *body, *recipient, *tone;
  gint64 max_subject, max_body;

  g_task_set_source_tag (task, aios_qa_agent_run_async);

  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (config, "mode", NULL), "invoice") == 0)
    {
      JsonNode *checked = aios_qa_check_invoice (config, &error);

      if (checked == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, checked, (GDestroyNotify) json_node_unref);
      return;
    }

  draft_node = json_object_get_member (config, "draft");
  if (!JSON_NODE_HOLDS_OBJECT (draft_node))
    {
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                               _("Quality check failed: there is no draft to check"));
      return;
    }
  draft = json_node_get_object (draft_node);
  if (g_strcmp0 (json_object_get_string_member_with_default (config, "mode", ""), "content") == 0)
    {
      check_post (task, context, config, draft);
      return;
    }
  to = json_object_get_string_member_with_default (draft, "to", "");
  subject = json_object_get_string_member_with_default (draft, "subject", "");
  body = json_object_get_string_member_with_default (draft, "body", "");
  tone = json_object_get_string_member_with_default (draft, "tone", "");
  recipient = json_object_get_string_member_with_default (config, "recipient", "");
  max_subject = json_object_get_int_member_with_default (config, "max_subject", 120);
  max_body = json_object_get_int_member_with_default (config, "max_body", 5000);

  if (has_placeholder (subject) || has_placeholder (body))
    g_ptr_array_add (problems, g_strdup (_("a placeholder is left unfilled")));
  else
    json_array_add_string_element (passed, _("every placeholder is filled"));

  if (*recipient == '\0' || g_ascii_strcasecmp (to, recipient) != 0)
    g_ptr_array_add (problems, g_strdup_printf (_("it is addressed to “%s”, not to the lead “%s”"), to, recipient));
  else
    json_array_add_string_element (passed, _("the recipient is the lead"));

  if (*subject == '\0')
    g_ptr_array_add (problems, g_strdup (_("the subject is empty")));
  else if (g_utf8_strlen (subject, -1) > max_subject)
    g_ptr_array_add (problems, g_strdup_printf (_("the subject is longer than %" PRId64 " characters"), max_subject));
  else
    json_array_add_string_element (passed, _("the subject is within limits"));

  if (*body == '\0')
    g_ptr_array_add (problems, g_strdup (_("the body is empty")));
  else if (g_utf8_strlen (body, -1) > max_body)
    g_ptr_array_add (problems, g_strdup_printf (_("the body is longer than %" PRId64 " characters"), max_body));
  else
    json_array_add_string_element (passed, _("the body is within limits"));

  if (strstr (tone, "exclamation") != NULL && (strchr (subject, '!') || strchr (body, '!')))
    g_ptr_array_add (problems, g_strdup (_("it uses an exclamation mark, which the tone guideline rules out")));

  if (problems->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (problems, NULL);
      list = g_strjoinv ("; ", (char **) problems->pdata);
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                               _("Quality check failed: %s"), list);
      return;
    }

  {
    g_autoptr(JsonArray) avoid = avoided_phrases (context);
    g_autoptr(JsonArray) warnings = json_array_new ();
    g_autofree char *all = g_strjoin ("\n", subject, body, NULL);
    g_autofree char *all_lower = g_utf8_casefold (all, -1);
    g_autoptr(GString) said = g_string_new (NULL);

    for (guint i = 0; i < json_array_get_length (avoid); i++)
      {
        const char *phrase = json_array_get_string_element (avoid, i);
        g_autofree char *lower = g_utf8_casefold (phrase, -1);

        if (strstr (all_lower, lower) != NULL)
          {
            g_autofree char *warning = g_strdup_printf (_("it says “%s”, which the tone guideline asks to avoid"), phrase);
            g_string_append_printf (said, "%s%s", said->len ? "; " : "", warning);
            json_array_add_string_element (warnings, warning);
          }
      }
    json_object_set_boolean_member (out, "passed", TRUE);
    json_object_set_boolean_member (out, "warned", json_array_get_length (warnings) > 0);
    json_object_set_array_member (out, "checks", g_steal_pointer (&passed));
    if (said->len > 0)
      {
        g_autofree char *rationale = g_strdup_printf (_("Passed with a warning for you to weigh: %s"), said->str);
        json_object_set_string_member (out, "rationale", rationale);
      }
    else
      json_object_set_string_member (out, "rationale", _("The draft passed every check"));
    json_object_set_array_member (out, "warnings", g_steal_pointer (&warnings));
  }
  g_task_return_pointer (task, aios_json_node_take_object (g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_qa_agent_run_finish (AiosAgent     *agent,
                          GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_qa_agent_class_init (AiosQaAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  agent_class->check_config = aios_qa_agent_check_config;
  agent_class->run_async = aios_qa_agent_run_async;
  agent_class->run_finish = aios_qa_agent_run_finish;
}

static void
aios_qa_agent_init (AiosQaAgent *self)
{
}

AiosAgent *
aios_qa_agent_new (void)
{
  return g_object_new (AIOS_TYPE_QA_AGENT, "role", "qa", NULL);
}
