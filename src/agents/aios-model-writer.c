/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model path shared by the writer roles (outreach writer, content
 * writer, the billing agent's line wording). A writer first makes its draft
 * with the built-in engine, as always; when its role's tier is set
 * (agents.ROLE.tier, local by default once a tier has a URL) it then asks
 * the model to write the draft's text:
 *
 *   - the context comes from aios_memory_assemble_context() within
 *     CONTEXT_TOKENS (recent records in full, older ones summarised), with
 *     the records the draft is about always in it;
 *   - the answer must satisfy the writer's JSON schema (text fields only),
 *     with one repair attempt when it does not;
 *   - the answer can only fill text fields: the writer's apply function
 *     copies those and nothing else, so recipients, amounts and the approval
 *     checkpoint stay what memory and the flow say, whatever the model (or a
 *     lead's message quoted to it) asks for;
 *   - when the server fails (an HTTP error, a timeout, an answer invalid
 *     twice) or a budget stops the call, the built-in engine's draft stands;
 *   - the rationale begins with which engine wrote it, and the output's
 *     "prompts_used" lists every prompts row the call wrote, which the
 *     coordinator links from the step's event.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-model-writer.h"
#include "aios-learned-preferences.h"
#include "exec/aios-connector.h"

#define CONTEXT_TOKENS 1200

AiosModelSpec *
aios_model_spec_new (void)
{
  AiosModelSpec *spec = g_new0 (AiosModelSpec, 1);

  spec->related = g_array_new (FALSE, FALSE, sizeof (gint64));
  return spec;
}

void
aios_model_spec_free (AiosModelSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->system);
  g_free (spec->prompt);
  g_free (spec->query);
  g_clear_pointer (&spec->related, g_array_unref);
  g_clear_pointer (&spec->schema, json_node_unref);
  g_free (spec);
}

/* A memory record as the step's context carries it ({"id": ...}). */
void
aios_model_spec_add_related (AiosModelSpec *spec,
                             JsonObject    *record)
{
  gint64 id = record != NULL ? json_object_get_int_member_with_default (record, "id", 0) : 0;

  if (id > 0)
    g_array_append_val (spec->related, id);
}

/**
 * aios_model_writer_wanted:
 *
 * Returns: whether @agent's role should ask a model (its tier is not
 *   offline and it was given a model client)
 */
gboolean
aios_model_writer_wanted (AiosAgent *agent)
{
  AiosLlm *llm = aios_agent_get_llm (agent);
  g_autofree char *tier = NULL;

  if (llm == NULL || aios_agent_get_memory (agent) == NULL)
    return FALSE;
  tier = aios_llm_get_tier_for_role (llm, aios_agent_get_role (agent));
  return !g_str_equal (tier, "offline");
}

static void
set_why (JsonObject *draft,
         const char *why,
         const char *engine,
         const char *model)
{
  const char *before = json_object_get_string_member_with_default (draft, "rationale", NULL);
  g_autofree char *rationale = NULL;

  if (before == NULL || *before == '\0')
    rationale = g_strdup (why);
  else if (model != NULL)
    /* Translators: who wrote a draft, then how the built-in engine's draft it started from was made */
    rationale = g_strdup_printf (_("%s, from the built-in engine's draft: %s"), why, before);
  else
    rationale = g_strdup_printf ("%s. %s", why, before);

  json_object_set_string_member (draft, "rationale", rationale);
  json_object_set_string_member (draft, "engine", engine);
  if (model != NULL)
    json_object_set_string_member (draft, "model", model);
  else
    json_object_remove_member (draft, "model");
}

/**
 * aios_model_writer_note_builtin:
 *
 * Says in @draft's rationale that the built-in engine wrote it, no model
 * being set for the role.
 */
void
aios_model_writer_note_builtin (JsonObject *draft)
{
  set_why (draft, _("Written by the built-in engine (no model is set for this role)"), "offline", NULL);
}

typedef struct
{
  JsonObject    *draft;
  AiosModelSpec *spec;
  GArray        *prompt_ids;
  AiosContext   *memory_context;
} Write;

static void
write_free (Write *w)
{
  g_clear_pointer (&w->draft, json_object_unref);
  g_clear_pointer (&w->spec, aios_model_spec_free);
  g_clear_pointer (&w->prompt_ids, g_array_unref);
  g_clear_pointer (&w->memory_context, aios_context_free);
  g_free (w);
}

/* "The model qwen-test did not …" → "the model qwen-test did not …" */
static char *
lower_first (const char *s)
{
  if (s[0] != '\0' && g_ascii_isupper (s[0]) && !g_ascii_isupper (s[1]))
    {
      char *out = g_strdup (s);
      out[0] = g_ascii_tolower (out[0]);
      return out;
    }
  return g_strdup (s);
}

static char *
fallback_why (const GError *error)
{
  g_autofree char *reason = lower_first (error->message);
  char *body = strstr (reason, " {");

  /* "… answered 500 Internal Server Error {"error": …}": the words, not the
   * server's JSON (the prompts row keeps the whole error) */
  if (body != NULL)
    *body = '\0';

  if (error->domain == AIOS_CONNECTOR_ERROR && error->code == AIOS_CONNECTOR_ERROR_NOT_CONFIGURED)
    return g_strdup_printf (_("Written by the built-in engine: %s"), reason);
  if (strstr (error->message, "budget") != NULL)
    return g_strdup_printf (_("Written by the built-in engine: a budget stopped the model call (%s)"), reason);
  if (strstr (error->message, "valid answer") != NULL)
    return g_strdup_printf (_("Written by the built-in engine: %s"), reason);
  return g_strdup_printf (_("Written by the built-in engine: the model server failed (%s)"), reason);
}

static char *
engine_why (const AiosLlmResult *r)
{
  if (g_str_equal (r->tier, "local"))
    return r->cached ? g_strdup_printf (_("Written by %s on your local Ollama (its recorded answer to the same request)"), r->model)
                     : g_strdup_printf (_("Written by %s on your local Ollama"), r->model);
  return r->cached ? g_strdup_printf (_("Written by %s on your cloud model (its recorded answer to the same request)"), r->model)
                   : g_strdup_printf (_("Written by %s on your cloud model"), r->model);
}

static gboolean
already_used (JsonArray *used,
              gint64     id,
              gint64     version)
{
  for (guint i = 0; i < json_array_get_length (used); i++)
    {
      JsonObject *o = json_array_get_object_element (used, i);
      if (o != NULL && json_object_get_int_member_with_default (o, "id", 0) == id &&
          json_object_get_int_member_with_default (o, "version", 0) == version)
        return TRUE;
    }
  return FALSE;
}

/* The context's record versions join the draft's memory_used. */
static void
add_context_used (JsonObject        *draft,
                  const AiosContext *ctx)
{
  JsonArray *used;

  if (ctx == NULL)
    return;
  if (!json_object_has_member (draft, "memory_used") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (draft, "memory_used")))
    json_object_set_array_member (draft, "memory_used", json_array_new ());
  used = json_object_get_array_member (draft, "memory_used");
  for (guint i = 0; i < ctx->items->len; i++)
    {
      AiosContextItem *item = &g_array_index (ctx->items, AiosContextItem, i);
      JsonObject *ref;

      if (already_used (used, item->id, item->version))
        continue;
      ref = json_object_new ();
      json_object_set_string_member (ref, "as", "context");
      json_object_set_int_member (ref, "id", item->id);
      json_object_set_int_member (ref, "version", item->version);
      json_array_add_object_element (used, ref);
    }
}

static void
completed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Write *w = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r = aios_llm_complete_finish (AIOS_LLM (source), result, &error);
  g_autoptr(JsonArray) prompts = json_array_new ();
  g_autofree char *why = NULL;

  if (r == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (r != NULL && r->json != NULL && JSON_NODE_HOLDS_OBJECT (r->json))
    {
      w->spec->apply (w->draft, json_node_get_object (r->json));
      why = engine_why (r);
      set_why (w->draft, why, r->tier, r->model);
      add_context_used (w->draft, w->memory_context);
    }
  else
    {
      if (error == NULL)
        error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                             _("The model answered without the structured draft"));
      g_debug ("The built-in engine writes instead of the model: %s", error->message);
      why = fallback_why (error);
      set_why (w->draft, why, "offline", NULL);
    }
  for (guint i = 0; i < w->prompt_ids->len; i++)
    json_array_add_int_element (prompts, g_array_index (w->prompt_ids, gint64, i));
  json_object_set_array_member (w->draft, "prompts_used", g_steal_pointer (&prompts));
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), w->draft),
                         (GDestroyNotify) json_node_unref);
}

/**
 * aios_model_writer_write:
 * @draft: (transfer full): the built-in engine's draft
 * @spec: (transfer full): what to ask
 * @task: (transfer full): the writer's task; it returns the final draft
 *
 * Asks @agent's model to write @draft's text fields; falls back to @draft
 * as it is when the call fails. Either way the rationale says which engine
 * wrote it.
 */
void
aios_model_writer_write (AiosAgent     *agent,
                         JsonObject    *context,
                         JsonObject    *draft,
                         AiosModelSpec *spec,
                         GTask         *task)
{
  Write *w = g_new0 (Write, 1);
  AiosLlmRequest request = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) prompt = g_string_new (spec->prompt);

  w->draft = draft;
  w->spec = spec;
  w->prompt_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_set_task_data (task, w, (GDestroyNotify) write_free);

  w->memory_context = aios_memory_assemble_context (aios_agent_get_memory (agent), spec->query, CONTEXT_TOKENS,
                                                    NULL, (const gint64 *) spec->related->data,
                                                    spec->related->len, &error);
  if (w->memory_context == NULL)
    g_warning ("No memory context for the %s: %s", aios_agent_get_role (agent), error->message);
  else if (w->memory_context->text != NULL && *w->memory_context->text != '\0')
    g_string_append_printf (prompt, "\n\nWhat the company's memory says (recent records in full, older ones "
                                    "summarised):\n%s", w->memory_context->text);
  /* What the operator taught by their edits and rejections, as instructions
   * with an example each (aios-learned-preferences.c). */
  {
    g_autofree char *learned = aios_learned_preferences_render_prompt (context);

    if (learned != NULL)
      g_string_append_printf (prompt, "\n\n%s", learned);
  }

  request.role = aios_agent_get_role (agent);
  request.system = spec->system;
  request.prompt = prompt->str;
  request.schema = spec->schema;
  request.run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  request.step_id = json_object_get_int_member_with_default (context, "step_id", 0);
  request.max_repairs = 1;
  request.prompt_ids = w->prompt_ids;
  aios_llm_complete_async (aios_agent_get_llm (agent), &request, g_task_get_cancellable (task),
                           completed_cb, task);
}
