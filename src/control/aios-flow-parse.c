/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading a flow file into an AiosFlow. Flow
 * files come from people (and from anywhere on disk), so validation is
 * strict and hostile input is bounded: size, nesting depth, string length,
 * unknown members, unknown agents, and steps that read steps which do not
 * run before them (the only way to write a cycle) are all refused with an
 * error naming the file, the JSON path and what was expected.
 *
 * The format:
 *   { "id": "lead-followup", "title": "...", "description": "...",
 *     "input_schema": { "required": ["name"], "properties": { "name": { "type": "string" } } },
 *     "steps": [ { "name": "score", "agent": "rules", "config": {...},
 *                  "inputs": { "run": true, "steps": ["..."],
 *                              "memory": [ { "as": "contact", "kind": "contact",
 *                                            "field": "email", "value": "{{input.email}}" } ] },
 *                  "retry": { "max_attempts": 3, "initial_delay_ms": 1000, "max_delay_ms": 300000 },
 *                  "checkpoint": "none" | "approval" | "policy",
 *                  "approval_expiry_s": 86400,
 *                  "action": { "connector": "webhook", "request": { ... },
 *                              "key": "billing/{{input.client}}/{{output.period}}" } } ] }
 *
 * An action's optional "key" names what it is about: the idempotency key of
 * its outbox item is then the workspace's id and that text instead of the
 * run and step, so no two runs can send the same one (a second is refused
 * before it reaches the operator; see aios_coordinator_tx_checkpoint()).
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-flow.h"
#include "aios-flow-private.h"
#include "aios-schedules.h"
#include "agents/aios-template.h"

#define MAX_FILE_BYTES   (1024 * 1024)
#define MAX_DEPTH        32
#define MAX_STRING_BYTES (64 * 1024)
#define MAX_STEPS        64
#define MAX_NAME         64

typedef struct {
  const char  *source;
  GError     **error;
} Check;

static gboolean G_GNUC_PRINTF (3, 4)
fail (Check      *check,
      const char *path,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (check->error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
               "%s: %s: %s", check->source, path, what);
  return FALSE;
}

static const char *
type_name (JsonNode *node)
{
  if (node == NULL)
    return _("nothing");
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_ARRAY:
      return _("an array");
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return _("a string");
        case G_TYPE_BOOLEAN:
          return _("a boolean");
        default:
          return _("a number");
        }
    }
}

static gboolean
is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_identifier (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > MAX_NAME || !g_ascii_isalnum (s[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
      return FALSE;
  return TRUE;
}

/* Depth and string limits over the raw text, before the parser recurses. */
static gboolean
check_raw (Check      *check,
           const char *data,
           gsize       length)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  if (length > MAX_FILE_BYTES)
    return fail (check, "$", _("the file is %" G_GSIZE_FORMAT " bytes; a flow may have at most %d"),
                 length, MAX_FILE_BYTES);
  if (!g_utf8_validate (data, length, NULL))
    return fail (check, "$", _("expected UTF-8 text"));

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_DEPTH)
            return fail (check, "$", _("nested more than %d levels deep"), MAX_DEPTH);
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

static gboolean
check_strings (Check      *check,
               JsonNode   *node,
               const char *path)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;
        const char *name;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            g_autofree char *sub = g_strdup_printf ("%s.%s", path, name);
            if (strlen (name) > MAX_NAME * 4)
              return fail (check, path, _("a member name is longer than %d bytes"), MAX_NAME * 4);
            if (!check_strings (check, member, sub))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);
            if (!check_strings (check, json_array_get_element (array, i), sub))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING &&
          strlen (json_node_get_string (node)) > MAX_STRING_BYTES)
        return fail (check, path, _("a string longer than %d bytes"), MAX_STRING_BYTES);
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static gboolean
check_members (Check              *check,
               JsonObject         *object,
               const char         *path,
               const char * const *allowed)
{
  JsonObjectIter iter;
  JsonNode *member;
  const char *name;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    if (!g_strv_contains (allowed, name))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) allowed);
        g_autofree char *sub = g_strdup_printf ("%s.%s", path, name);
        return fail (check, sub, _("unknown member; expected one of: %s"), list);
      }
  return TRUE;
}

static gboolean
get_string (Check       *check,
            JsonObject  *object,
            const char  *path,
            const char  *member,
            gboolean     required,
            const char **out)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *sub = g_strdup_printf ("%s.%s", path, member);

  *out = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (!is_string (node))
    return fail (check, sub, _("expected a string, got %s"), type_name (node));
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_uint (Check      *check,
          JsonObject *object,
          const char *path,
          const char *member,
          gint64      min,
          gint64      max,
          gint64      fallback,
          gint64     *out)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *sub = g_strdup_printf ("%s.%s", path, member);

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    return fail (check, sub, _("expected an integer from %" PRId64 " to %" PRId64 ", got %s"),
                 min, max, JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
                             ? _("a number out of range") : type_name (node));
  *out = json_node_get_int (node);
  return TRUE;
}

typedef struct {
  Check        *check;
  AiosFlow     *flow;
  AiosFlowStep *step;
  guint         index;
  const char   *path;
  gboolean      ok;
  gboolean      allow_steps;   /* memory query values may not read step outputs */
  gboolean      allow_output;  /* an action's request reads the step's own output */
} RefCheck;

static void
check_ref (const char *ref,
           gpointer    user_data)
{
  RefCheck *rc = user_data;
  g_auto(GStrv) parts = NULL;

  if (!rc->ok)
    return;
  parts = g_strsplit (ref, ".", 3);

  if (g_strcmp0 (parts[0], "input") == 0)
    {
      if (!rc->step->reads_input)
        rc->ok = fail (rc->check, rc->path,
                       _("{{%s}} reads the run input, but the step's inputs.run is false"), ref);
    }
  else if (g_strcmp0 (parts[0], "output") == 0 && rc->allow_output)
    ;
  else if (g_strcmp0 (parts[0], "run") == 0)
    {
      if (g_strcmp0 (parts[1], "id") != 0)
        rc->ok = fail (rc->check, rc->path, _("{{%s}}: expected run.id"), ref);
    }
  else if (g_strcmp0 (parts[0], "steps") == 0 && rc->allow_steps)
    {
      int target = parts[1] ? aios_flow_find_step (rc->flow, parts[1]) : -1;

      if (parts[1] == NULL || target < 0 || (guint) target >= rc->index)
        rc->ok = fail (rc->check, rc->path,
                       _("{{%s}} refers to step “%s”, which does not run before this one "
                         "(steps run in order and read only earlier steps)"),
                       ref, parts[1] ? parts[1] : "");
      else if (!g_strv_contains ((const char * const *) rc->step->reads_steps, parts[1]))
        rc->ok = fail (rc->check, rc->path,
                       _("{{%s}} reads step “%s”, which is not in the step's inputs.steps"),
                       ref, parts[1]);
    }
  else if (g_strcmp0 (parts[0], "memory") == 0 && rc->allow_steps)
    {
      gboolean found = FALSE;

      for (guint i = 0; rc->step->memory_queries && parts[1] &&
                        i < json_array_get_length (rc->step->memory_queries); i++)
        {
          JsonObject *q = json_array_get_object_element (rc->step->memory_queries, i);
          found |= g_strcmp0 (json_object_get_string_member (q, "as"), parts[1]) == 0;
        }
      if (!found)
        rc->ok = fail (rc->check, rc->path,
                       _("{{%s}} refers to a memory query that the step's inputs.memory does not name"),
                       ref);
    }
  else
    rc->ok = fail (rc->check, rc->path,
                   rc->allow_output
                     ? _("{{%s}}: expected a placeholder starting with output., input., steps., memory. or run.")
                     : _("{{%s}}: expected a placeholder starting with input., steps., memory. or run."),
                   ref);
}

static gboolean
check_refs (RefCheck *rc,
            JsonNode *node,
            const char *path)
{
  g_autoptr(GError) error = NULL;

  rc->path = path;
  rc->ok = TRUE;
  if (!aios_template_foreach_ref (node, check_ref, rc, &error))
    return fail (rc->check, path, "%s", error->message);
  return rc->ok;
}

static gboolean
parse_inputs (Check        *check,
              AiosFlow     *flow,
              AiosFlowStep *step,
              guint         index,
              JsonObject   *object,
              const char   *path)
{
  static const char * const allowed[] = { "run", "steps", "memory", NULL };
  JsonNode *inputs = json_object_get_member (object, "inputs");
  g_autofree char *ipath = g_strdup_printf ("%s.inputs", path);
  JsonObject *in;
  JsonNode *node;

  step->reads_input = TRUE;
  if (inputs == NULL)
    {
      /* By default a step reads the run input and every earlier step. */
      GStrvBuilder *b = g_strv_builder_new ();
      for (guint i = 0; i < index; i++)
        g_strv_builder_add (b, ((AiosFlowStep *) flow->steps->pdata[i])->name);
      step->reads_steps = g_strv_builder_end (b);
      g_strv_builder_unref (b);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (inputs))
    return fail (check, ipath, _("expected an object, got %s"), type_name (inputs));
  in = json_node_get_object (inputs);
  if (!check_members (check, in, ipath, allowed))
    return FALSE;

  node = json_object_get_member (in, "run");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          g_autofree char *rpath = g_strdup_printf ("%s.run", ipath);
          return fail (check, rpath, _("expected true or false, got %s"), type_name (node));
        }
      step->reads_input = json_node_get_boolean (node);
    }

  node = json_object_get_member (in, "steps");
  if (node == NULL)
    step->reads_steps = g_new0 (char *, 1);
  else
    {
      g_autofree char *spath = g_strdup_printf ("%s.steps", ipath);
      GStrvBuilder *b;
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail (check, spath, _("expected an array of step names, got %s"), type_name (node));
      array = json_node_get_array (node);
      b = g_strv_builder_new ();
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *name = json_array_get_element (array, i);
          g_autofree char *epath = g_strdup_printf ("%s[%u]", spath, i);
          int target;

          if (!is_string (name))
            {
              g_strv_builder_unref (b);
              return fail (check, epath, _("expected a step name, got %s"), type_name (name));
            }
          target = aios_flow_find_step (flow, json_node_get_string (name));
          if (target < 0 || (guint) target >= index)
            {
              g_strv_builder_unref (b);
              return fail (check, epath,
                           _("“%s” is not a step that runs before this one "
                             "(steps run in order and read only earlier steps)"),
                           json_node_get_string (name));
            }
          g_strv_builder_add (b, json_node_get_string (name));
        }
      step->reads_steps = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }

  node = json_object_get_member (in, "memory");
  if (node != NULL)
    {
      static const char * const qallowed[] = { "as", "kind", "field", "value", NULL };
      g_autofree char *mpath = g_strdup_printf ("%s.memory", ipath);
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail (check, mpath, _("expected an array of memory queries, got %s"), type_name (node));
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *qnode = json_array_get_element (array, i);
          g_autofree char *qpath = g_strdup_printf ("%s[%u]", mpath, i);
          const char *as, *kind, *field, *value;
          JsonObject *q;
          RefCheck rc = { check, flow, step, index, NULL, TRUE, FALSE, FALSE };

          if (!JSON_NODE_HOLDS_OBJECT (qnode))
            return fail (check, qpath, _("expected an object, got %s"), type_name (qnode));
          q = json_node_get_object (qnode);
          if (!check_members (check, q, qpath, qallowed) ||
              !get_string (check, q, qpath, "as", TRUE, &as) ||
              !get_string (check, q, qpath, "kind", TRUE, &kind) ||
              !get_string (check, q, qpath, "field", TRUE, &field) ||
              !get_string (check, q, qpath, "value", TRUE, &value))
            return FALSE;
          if (!is_identifier (as) || strchr (as, '.') != NULL)
            {
              g_autofree char *apath = g_strdup_printf ("%s.as", qpath);
              return fail (check, apath, _("expected a short name (letters, digits, - and _)"));
            }
          if (!check_refs (&rc, json_object_get_member (q, "value"), qpath))
            return FALSE;
        }
      step->memory_queries = json_array_ref (array);
    }
  return TRUE;
}

/* "when": "steps.qualify.qualified" runs the step only when that value is
 * truthy; "unless" only when it is not. A skipped step is journaled as
 * such and takes no action. The path must be one the step reads. */
static gboolean
parse_condition (Check        *check,
                 RefCheck     *rc,
                 JsonObject   *object,
                 const char   *path,
                 AiosFlowStep *step)
{
  const char *key = json_object_has_member (object, "when") ? "when" : "unless";
  g_autofree char *sub = g_strdup_printf ("%s.%s", path, key);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  JsonNode *member;

  if (!json_object_has_member (object, key))
    return TRUE;
  if (json_object_has_member (object, "when") && json_object_has_member (object, "unless"))
    return fail (check, sub, _("expected either “when” or “unless”, not both"));
  member = json_object_get_member (object, key);
  if (JSON_NODE_HOLDS_ARRAY (member))
    {
      /* A list: the step runs when any of the paths is truthy ("unless": none). */
      JsonArray *array = json_node_get_array (member);

      if (json_array_get_length (array) == 0 || json_array_get_length (array) > 8)
        return fail (check, sub, _("expected from 1 to 8 paths"));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          if (!is_string (element))
            return fail (check, sub, _("expected a path such as “steps.qualify.qualified”, got %s"),
                         type_name (element));
          g_ptr_array_add (paths, json_node_dup_string (element));
        }
    }
  else if (is_string (member))
    g_ptr_array_add (paths, json_node_dup_string (member));
  else
    return fail (check, sub, _("expected a path or a list of paths, got %s"), type_name (member));

  for (guint i = 0; i < paths->len; i++)
    {
      const char *value = paths->pdata[i];
      g_autofree char *placeholder = NULL;
      g_autoptr(JsonNode) ref = NULL;

      if (!g_str_has_prefix (value, "steps.") && !g_str_has_prefix (value, "input."))
        return fail (check, sub, _("expected a path such as “steps.qualify.qualified” or “input.company”, got “%.64s”"),
                     value);
      /* The same check as a placeholder in the config: it must name something
       * the step reads. */
      placeholder = g_strdup_printf ("{{%s}}", value);
      ref = json_node_init_string (json_node_alloc (), placeholder);
      if (!check_refs (rc, ref, sub))
        return FALSE;
    }

  step->when = g_strdup (paths->pdata[0]);
  g_ptr_array_add (paths, NULL);
  step->when_any = (GStrv) g_ptr_array_steal (paths, NULL);
  step->when_negated = g_str_equal (key, "unless");
  return TRUE;
}

/* "wait": { "after": "{{memory.template.fields.cadence}}", "part": 1,
 *           "label": "Follow-up 1" }
 * Before its agent runs, the step waits: "after" renders to a duration
 * ("3d") or a comma list of them ("3d,7d"), of which "part" (from 1) picks
 * one; nothing there means no wait. The wait is a durable timer (the
 * step's next attempt time); "label" names it in Runs ("Follow-up 1 due
 * Thursday 10:00"). */
static gboolean
parse_wait (Check        *check,
            RefCheck     *rc,
            JsonObject   *object,
            const char   *path,
            AiosFlowStep *step)
{
  static const char * const wallowed[] = { "after", "part", "label", NULL };
  g_autofree char *sub = g_strdup_printf ("%s.wait", path);
  JsonNode *member = json_object_get_member (object, "wait");
  JsonObject *wait;
  const char *after, *label;
  gint64 part;

  if (member == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (member))
    return fail (check, sub, _("expected an object, got %s"), type_name (member));
  wait = json_node_get_object (member);
  if (!check_members (check, wait, sub, wallowed) ||
      !get_string (check, wait, sub, "after", TRUE, &after) ||
      !get_string (check, wait, sub, "label", FALSE, &label) ||
      !get_uint (check, wait, sub, "part", 1, 32, 1, &part))
    return FALSE;
  if (strstr (after, "{{") == NULL && after[0] != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (after, ",", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        if (aios_flow_parse_duration (parts[i]) < 0)
          return fail (check, sub, _("expected durations such as “3d,7d” or “5s”, got “%.64s”"), after);
    }
  if (!check_refs (rc, member, sub))
    return FALSE;
  step->wait = json_node_copy (member);
  return TRUE;
}

static gboolean
parse_step (Check             *check,
            AiosFlow          *flow,
            AiosAgentRegistry *agents,
            JsonNode          *node,
            guint              index)
{
  static const char * const allowed[] = { "name", "agent", "config", "inputs", "retry", "checkpoint",
                                          "approval_expiry_s", "action", "description", "when",
                                          "unless", "wait", NULL };
  g_autofree char *path = g_strdup_printf ("$.steps[%u]", index);
  g_autoptr(GError) agent_error = NULL;
  AiosFlowStep *step;
  JsonObject *object;
  JsonNode *member;
  const char *name, *agent_name, *checkpoint;
  AiosAgent *agent;
  gint64 value;
  RefCheck rc = { check, flow, NULL, index, NULL, TRUE, TRUE, FALSE };

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (check, path, _("expected a step object, got %s"), type_name (node));
  object = json_node_get_object (node);
  if (!check_members (check, object, path, allowed) ||
      !get_string (check, object, path, "name", TRUE, &name) ||
      !get_string (check, object, path, "agent", TRUE, &agent_name))
    return FALSE;

  if (!is_identifier (name) || strchr (name, '.') != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.name", path);
      return fail (check, sub, _("expected a short name (letters, digits, - and _), got “%.64s”"), name);
    }
  if (aios_flow_find_step (flow, name) >= 0)
    {
      g_autofree char *sub = g_strdup_printf ("%s.name", path);
      return fail (check, sub, _("another step is already named “%s”"), name);
    }

  agent = aios_agent_registry_lookup (agents, agent_name);
  if (agent == NULL)
    {
      g_auto(GStrv) roles = aios_agent_registry_list_roles (agents);
      g_autofree char *list = g_strjoinv (", ", roles);
      g_autofree char *sub = g_strdup_printf ("%s.agent", path);
      return fail (check, sub, _("unknown agent “%.64s”; expected one of: %s"), agent_name, list);
    }

  step = g_new0 (AiosFlowStep, 1);
  step->name = g_strdup (name);
  step->agent = g_strdup (agent_name);
  rc.step = step;
  /* Added now so lookups see it; validation failures drop the whole flow. */
  g_ptr_array_add (flow->steps, step);

  member = json_object_get_member (object, "config");
  if (member == NULL)
    step->config = json_from_string ("{}", NULL);
  else if (!JSON_NODE_HOLDS_OBJECT (member))
    {
      g_autofree char *sub = g_strdup_printf ("%s.config", path);
      return fail (check, sub, _("expected an object, got %s"), type_name (member));
    }
  else
    step->config = json_node_copy (member);

  if (!aios_agent_check_config (agent, json_node_get_object (step->config), &agent_error))
    {
      g_autofree char *sub = g_strdup_printf ("%s.config", path);
      g_set_error (check->error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
                   "%s: %s%s", check->source, sub, agent_error->message);
      return FALSE;
    }

  if (!parse_inputs (check, flow, step, index, object, path))
    return FALSE;

  {
    g_autofree char *sub = g_strdup_printf ("%s.config", path);
    if (!check_refs (&rc, step->config, sub))
      return FALSE;
  }

  member = json_object_get_member (object, "retry");
  step->max_attempts = 3;
  step->initial_delay_ms = 1000;
  step->max_delay_ms = 5 * 60 * 1000;
  if (member != NULL)
    {
      static const char * const rallowed[] = { "max_attempts", "initial_delay_ms", "max_delay_ms", NULL };
      g_autofree char *rpath = g_strdup_printf ("%s.retry", path);
      JsonObject *retry;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return fail (check, rpath, _("expected an object, got %s"), type_name (member));
      retry = json_node_get_object (member);
      if (!check_members (check, retry, rpath, rallowed))
        return FALSE;
      if (!get_uint (check, retry, rpath, "max_attempts", 1, 20, 3, &value))
        return FALSE;
      step->max_attempts = value;
      if (!get_uint (check, retry, rpath, "initial_delay_ms", 1, 3600 * 1000, 1000, &value))
        return FALSE;
      step->initial_delay_ms = value;
      if (!get_uint (check, retry, rpath, "max_delay_ms", step->initial_delay_ms, 24 * 3600 * 1000,
                     MAX (step->initial_delay_ms, 5 * 60 * 1000), &value))
        return FALSE;
      step->max_delay_ms = value;
    }

  if (!get_string (check, object, path, "checkpoint", FALSE, &checkpoint))
    return FALSE;
  if (checkpoint == NULL || g_str_equal (checkpoint, "none"))
    step->checkpoint = AIOS_CHECKPOINT_NONE;
  else if (g_str_equal (checkpoint, "approval"))
    step->checkpoint = AIOS_CHECKPOINT_APPROVAL;
  else if (g_str_equal (checkpoint, "policy"))
    step->checkpoint = AIOS_CHECKPOINT_POLICY;
  else
    {
      g_autofree char *sub = g_strdup_printf ("%s.checkpoint", path);
      return fail (check, sub, _("expected “none”, “approval” or “policy”, got “%.64s”"), checkpoint);
    }

  if (!get_uint (check, object, path, "approval_expiry_s", 60, 90 * 24 * 3600, 0, &value))
    return FALSE;
  step->approval_expiry_s = value;

  if (!parse_condition (check, &rc, object, path, step) ||
      !parse_wait (check, &rc, object, path, step))
    return FALSE;

  member = json_object_get_member (object, "action");
  if (member != NULL)
    {
      static const char * const aallowed[] = { "connector", "request", "key", NULL };
      g_autofree char *apath = g_strdup_printf ("%s.action", path);
      g_autofree char *qpath = g_strdup_printf ("%s.request", apath);
      const char *connector;
      JsonObject *action;
      JsonNode *request;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return fail (check, apath, _("expected an object, got %s"), type_name (member));
      action = json_node_get_object (member);
      if (!check_members (check, action, apath, aallowed) ||
          !get_string (check, action, apath, "connector", TRUE, &connector))
        return FALSE;
      if (!is_identifier (connector))
        {
          g_autofree char *sub = g_strdup_printf ("%s.connector", apath);
          return fail (check, sub, _("expected a connector name such as “webhook”"));
        }
      request = json_object_get_member (action, "request");
      if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
        return fail (check, qpath, _("expected an object, got %s"), type_name (request));
      rc.allow_output = TRUE;
      if (!check_refs (&rc, request, qpath))
        return FALSE;
      if (json_object_has_member (action, "key"))
        {
          g_autofree char *kpath = g_strdup_printf ("%s.key", apath);
          JsonNode *key = json_object_get_member (action, "key");

          if (!JSON_NODE_HOLDS_VALUE (key) || json_node_get_value_type (key) != G_TYPE_STRING ||
              *json_node_get_string (key) == '\0' || strlen (json_node_get_string (key)) > 120)
            return fail (check, kpath, _("expected a text of up to 120 bytes with placeholders, got %s"),
                         type_name (key));
          if (!check_refs (&rc, key, kpath))
            return FALSE;
          step->action_key = json_node_dup_string (key);
        }
      if (step->checkpoint == AIOS_CHECKPOINT_NONE)
        {
          g_autofree char *sub = g_strdup_printf ("%s.checkpoint", path);
          return fail (check, sub,
                       _("a step with an outward action needs “policy” or “approval” "
                         "(outward actions never run unchecked)"));
        }
      step->action_connector = g_strdup (connector);
      step->action_request = json_node_copy (request);
    }
  return TRUE;
}

static gboolean
parse_input_schema (Check      *check,
                    AiosFlow   *flow,
                    JsonObject *root)
{
  static const char * const allowed[] = { "type", "required", "properties", "description", NULL };
  static const char * const types[] = { "string", "number", "integer", "boolean", "object", "array", NULL };
  JsonNode *node = json_object_get_member (root, "input_schema");
  JsonObject *schema, *props = NULL;
  JsonNode *member;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (check, "$.input_schema", _("expected an object, got %s"), type_name (node));
  schema = json_node_get_object (node);
  if (!check_members (check, schema, "$.input_schema", allowed))
    return FALSE;

  member = json_object_get_member (schema, "properties");
  if (member != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *prop;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        return fail (check, "$.input_schema.properties", _("expected an object, got %s"), type_name (member));
      props = json_node_get_object (member);
      json_object_iter_init (&iter, props);
      while (json_object_iter_next (&iter, &name, &prop))
        {
          g_autofree char *ppath = g_strdup_printf ("$.input_schema.properties.%s", name);
          g_autofree char *tpath = g_strdup_printf ("%s.type", ppath);
          JsonNode *type;

          if (!JSON_NODE_HOLDS_OBJECT (prop))
            return fail (check, ppath, _("expected an object, got %s"), type_name (prop));
          type = json_object_get_member (json_node_get_object (prop), "type");
          if (type != NULL && (!is_string (type) || !g_strv_contains (types, json_node_get_string (type))))
            return fail (check, tpath,
                         _("expected one of string, number, integer, boolean, object, array"));
        }
    }

  member = json_object_get_member (schema, "required");
  if (member != NULL)
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (member))
        return fail (check, "$.input_schema.required", _("expected an array of names, got %s"),
                     type_name (member));
      array = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!is_string (json_array_get_element (array, i)))
          {
            g_autofree char *sub = g_strdup_printf ("$.input_schema.required[%u]", i);
            return fail (check, sub, _("expected a name, got %s"),
                         type_name (json_array_get_element (array, i)));
          }
    }

  flow->input_schema = json_object_ref (schema);
  return TRUE;
}

/**
 * aios_flow_new_from_data:
 * @source: where the text came from, for messages ("lead-followup.json")
 * @agents: the roles steps may name
 *
 * Parses and validates a flow definition.
 *
 * Returns: (transfer full) (nullable): the flow, or %NULL with an
 *   %AIOS_FLOW_ERROR_INVALID error naming @source, the JSON path and what
 *   was expected
 */
AiosFlow *
aios_flow_new_from_data (const char         *data,
                         gssize              length,
                         const char         *source,
                         AiosAgentRegistry  *agents,
                         GError            **error)
{
  static const char * const allowed[] = { "id", "title", "description", "input_schema", "steps", "schedule", NULL };
  g_autoptr(AiosFlow) self = g_object_new (AIOS_TYPE_FLOW, NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  Check check = { source, error };
  JsonObject *root;
  JsonNode *node;
  const char *id, *title, *description;
  JsonArray *steps;

  g_return_val_if_fail (data != NULL, NULL);
  if (length < 0)
    length = strlen (data);

  if (!check_raw (&check, data, length))
    return NULL;
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      fail (&check, "$", _("not valid JSON (%s)"), parse_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (&check, "$", _("expected an object, got %s"), type_name (node));
      return NULL;
    }
  if (!check_strings (&check, node, "$"))
    return NULL;

  root = json_node_get_object (node);
  if (!check_members (&check, root, "$", allowed) ||
      !get_string (&check, root, "$", "id", TRUE, &id) ||
      !get_string (&check, root, "$", "title", TRUE, &title) ||
      !get_string (&check, root, "$", "description", FALSE, &description))
    return NULL;
  if (!is_identifier (id))
    {
      fail (&check, "$.id", _("expected a short name (letters, digits, ., - and _), got “%.64s”"), id);
      return NULL;
    }
  self->id = g_strdup (id);
  self->title = g_strdup (title);
  self->description = g_strdup (description ? description : "");
  self->source = g_strdup (source);

  if (!parse_input_schema (&check, self, root))
    return NULL;
  node = json_object_get_member (root, "schedule");
  if (node != NULL)
    {
      g_autoptr(GError) schedule_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fail (&check, "$.schedule", _("expected an object, got %s"), type_name (node));
          return NULL;
        }
      self->schedule_json = json_to_string (node, FALSE);
      if (!aios_schedule_spec_check (self->schedule_json, &schedule_error))
        {
          fail (&check, "$.schedule", "%s", schedule_error->message);
          return NULL;
        }
    }

  node = json_object_get_member (root, "steps");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (&check, "$.steps", _("expected an array of steps, got %s"), type_name (node));
      return NULL;
    }
  steps = json_node_get_array (node);
  if (json_array_get_length (steps) == 0 || json_array_get_length (steps) > MAX_STEPS)
    {
      fail (&check, "$.steps", _("expected from 1 to %d steps, got %u"), MAX_STEPS,
            json_array_get_length (steps));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (steps); i++)
    if (!parse_step (&check, self, agents, json_array_get_element (steps, i), i))
      return NULL;

  /* The version is the hash of the canonical text: whitespace and member
   * order in the file do not matter, content does. */
  generator = json_generator_new ();
  json_generator_set_root (generator, json_parser_get_root (parser));
  self->canonical = json_generator_to_data (generator, NULL);
  self->hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->canonical, -1);

  return g_steal_pointer (&self);
}

