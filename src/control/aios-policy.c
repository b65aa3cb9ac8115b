/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosPolicy: which outward actions may run without asking. Rules live in
 * the workspace (`policy_rules`), each named, for one connector (or "*"),
 * allowing or denying when all its conditions hold on the request:
 *
 *   name "small-invoices", connector "invoice", effect allow, conditions
 *   [ { "field": "amount", "op": "lt", "value": 50 },
 *     { "field": "currency", "op": "eq", "value": "EUR" },
 *     { "field": "customer.email", "op": "known", "kind": "client", "match": "email" } ]
 *
 * ("invoices under 50 EUR to existing clients"). The conditions are read on
 * the connector's facts of the request (aios_connector_get_policy_facts():
 * an invoice's total in major units as "amount", its currency in capitals),
 * which the coordinator passes in. Ops: eq, ne, lt, lte, gt,
 * gte, in, contains, exists, known (a current memory record of `kind` whose
 * `match` field equals the value). Fail closed: deny rules win over allow
 * rules, a condition that cannot be evaluated does not hold, and with no
 * matching rule the answer is "ask the operator".
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-coordinator.h"
#include "aios-policy.h"
#include "agents/aios-template.h"
#include "store/aios-journal.h"

struct _AiosPolicy
{
  GObject     parent_instance;
  AiosStore  *store;
  AiosMemory *memory;
};

G_DEFINE_FINAL_TYPE (AiosPolicy, aios_policy, G_TYPE_OBJECT)

static const char * const ops[] = { "eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "exists", "known", NULL };

static void
aios_policy_dispose (GObject *object)
{
  AiosPolicy *self = AIOS_POLICY (object);

  g_clear_object (&self->store);
  g_clear_object (&self->memory);
  G_OBJECT_CLASS (aios_policy_parent_class)->dispose (object);
}

static void
aios_policy_class_init (AiosPolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_policy_dispose;
}

static void
aios_policy_init (AiosPolicy *self)
{
}

/**
 * aios_policy_new:
 * @memory: (nullable): for "known" conditions (without it they never hold)
 */
AiosPolicy *
aios_policy_new (AiosStore  *store,
                 AiosMemory *memory)
{
  AiosPolicy *self = g_object_new (AIOS_TYPE_POLICY, NULL);

  self->store = g_object_ref (store);
  self->memory = memory ? g_object_ref (memory) : NULL;
  return self;
}

const char *
aios_policy_decision_to_string (AiosPolicyDecision decision)
{
  switch (decision)
    {
    case AIOS_POLICY_ALLOW:
      return "allow";
    case AIOS_POLICY_DENY:
      return "deny";
    case AIOS_POLICY_ASK:
    default:
      return "ask";
    }
}

static gboolean
is_type (JsonNode *node,
         GType     type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
is_number (JsonNode *node)
{
  return is_type (node, G_TYPE_INT64) || is_type (node, G_TYPE_DOUBLE);
}

/**
 * aios_policy_check_conditions:
 *
 * Validates a rule's conditions, naming the one at fault.
 */
gboolean
aios_policy_check_conditions (JsonArray  *conditions,
                              GError    **error)
{
  for (guint i = 0; i < json_array_get_length (conditions); i++)
    {
      JsonNode *node = json_array_get_element (conditions, i);
      JsonObject *c;
      const char *op;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("$[%u]: expected an object"), i);
          return FALSE;
        }
      c = json_node_get_object (node);
      if (!is_type (json_object_get_member (c, "field"), G_TYPE_STRING))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("$[%u].field: expected a dotted path into the request, such as “amount”"), i);
          return FALSE;
        }
      op = is_type (json_object_get_member (c, "op"), G_TYPE_STRING) ? json_object_get_string_member (c, "op") : NULL;
      if (op == NULL || !g_strv_contains (ops, op))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("$[%u].op: expected one of eq, ne, lt, lte, gt, gte, in, contains, exists, known"), i);
          return FALSE;
        }
      if (g_str_equal (op, "known") &&
          (!is_type (json_object_get_member (c, "kind"), G_TYPE_STRING) ||
           !is_type (json_object_get_member (c, "match"), G_TYPE_STRING)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("$[%u]: “known” needs “kind” (e.g. client) and “match” (the record field, e.g. email)"), i);
          return FALSE;
        }
      if (!g_str_equal (op, "exists") && !g_str_equal (op, "known") && !json_object_has_member (c, "value"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("$[%u].value: expected a value"), i);
          return FALSE;
        }
      if (g_str_equal (op, "in") && !JSON_NODE_HOLDS_ARRAY (json_object_get_member (c, "value")))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("$[%u].value: expected an array"), i);
          return FALSE;
        }
      if ((g_str_equal (op, "lt") || g_str_equal (op, "lte") || g_str_equal (op, "gt") || g_str_equal (op, "gte")) &&
          !is_number (json_object_get_member (c, "value")))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("$[%u].value: expected a number"), i);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
values_equal (JsonNode *a,
              JsonNode *b)
{
  if (is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);
  return json_node_equal (a, b);
}

/* Numbers compare as numbers only when both sides are numbers: "49" is not
 * less than 50 (a text amount is suspicious, so the rule does not hold). */
static gboolean
condition_holds (AiosPolicy *self,
                 JsonObject *c,
                 JsonObject *request)
{
  const char *op = json_object_get_string_member (c, "op");
  JsonNode *actual = aios_template_lookup (request, json_object_get_string_member (c, "field"));
  JsonNode *expected = json_object_get_member (c, "value");

  if (g_str_equal (op, "exists"))
    return actual != NULL && !JSON_NODE_HOLDS_NULL (actual);
  if (actual == NULL || JSON_NODE_HOLDS_NULL (actual))
    return FALSE;
  if (g_str_equal (op, "eq"))
    return values_equal (actual, expected);
  if (g_str_equal (op, "ne"))
    return !values_equal (actual, expected);
  if (g_str_equal (op, "in"))
    {
      JsonArray *array = json_node_get_array (expected);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (values_equal (actual, json_array_get_element (array, i)))
          return TRUE;
      return FALSE;
    }
  if (g_str_equal (op, "contains"))
    return is_type (actual, G_TYPE_STRING) && is_type (expected, G_TYPE_STRING) &&
           strstr (json_node_get_string (actual), json_node_get_string (expected)) != NULL;
  if (g_str_equal (op, "known"))
    {
      g_autoptr(AiosRecord) record = NULL;

      if (self->memory == NULL || !is_type (actual, G_TYPE_STRING))
        return FALSE;
      record = aios_memory_find (self->memory, json_object_get_string_member (c, "kind"),
                                 json_object_get_string_member (c, "match"), json_node_get_string (actual), NULL);
      return record != NULL;
    }
  if (!is_number (actual) || !is_number (expected))
    return FALSE;
  if (g_str_equal (op, "lt"))
    return json_node_get_double (actual) < json_node_get_double (expected);
  if (g_str_equal (op, "lte"))
    return json_node_get_double (actual) <= json_node_get_double (expected);
  if (g_str_equal (op, "gt"))
    return json_node_get_double (actual) > json_node_get_double (expected);
  if (g_str_equal (op, "gte"))
    return json_node_get_double (actual) >= json_node_get_double (expected);
  return FALSE;
}

/**
 * aios_policy_evaluate:
 * @connector: the action's connector name
 * @request: the request as it would be sent
 * @rule_name: (out) (optional): the deciding rule's name (allow or deny)
 *
 * Returns: allow (a named rule allows it), deny (a named rule forbids it) or
 *   ask (no rule decides, or the rules could not be read: fail closed)
 */
AiosPolicyDecision
aios_policy_evaluate (AiosPolicy  *self,
                      const char  *connector,
                      JsonObject  *request,
                      char       **rule_name,
                      GError     **error)
{
  AiosPolicyDecision decision = AIOS_POLICY_ASK;
  g_autofree char *decider = NULL;
  g_autoptr(JsonArray) rules = NULL;

  g_return_val_if_fail (AIOS_IS_POLICY (self), AIOS_POLICY_ASK);

  rules = aios_policy_list_rules (self, error);
  if (rules == NULL)
    return AIOS_POLICY_ASK;

  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (rules, i);
      const char *rule_connector = json_object_get_string_member (rule, "connector");
      gboolean allow = g_str_equal (json_object_get_string_member (rule, "effect"), "allow");
      JsonArray *conditions = json_object_get_array_member (rule, "conditions");
      gboolean holds = json_object_get_boolean_member (rule, "enabled");

      if (!g_str_equal (rule_connector, "*") && g_strcmp0 (rule_connector, connector) != 0)
        continue;
      if (conditions == NULL || !aios_policy_check_conditions (conditions, NULL))
        continue;
      for (guint c = 0; holds && c < json_array_get_length (conditions); c++)
        holds = condition_holds (self, json_array_get_object_element (conditions, c), request);
      if (!holds)
        continue;

      if (!allow)
        {
          decision = AIOS_POLICY_DENY;
          g_free (decider);
          decider = g_strdup (json_object_get_string_member (rule, "name"));
          break;
        }
      if (decision == AIOS_POLICY_ASK)
        {
          decision = AIOS_POLICY_ALLOW;
          decider = g_strdup (json_object_get_string_member (rule, "name"));
        }
    }

  if (rule_name != NULL)
    *rule_name = g_steal_pointer (&decider);
  return decision;
}

/**
 * aios_policy_list_rules:
 *
 * Returns: (transfer full) (nullable): the rules as JSON objects
 *   `{name, connector, effect, conditions, description, enabled}`
 */
JsonArray *
aios_policy_list_rules (AiosPolicy  *self,
                        GError     **error)
{
  g_autoptr(JsonArray) rules = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (self->store,
                             "SELECT name, connector, effect, conditions_json, description, enabled, id "
                             "FROM policy_rules ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) rule = json_object_new ();
      JsonNode *conditions = json_from_string ((const char *) sqlite3_column_text (stmt, 3), NULL);

      json_object_set_int_member (rule, "id", sqlite3_column_int64 (stmt, 6));
      json_object_set_string_member (rule, "name", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (rule, "connector", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_string_member (rule, "effect", (const char *) sqlite3_column_text (stmt, 2));
      if (conditions != NULL && JSON_NODE_HOLDS_ARRAY (conditions))
        json_object_set_member (rule, "conditions", conditions);
      else
        {
          g_clear_pointer (&conditions, json_node_unref);
          json_object_set_null_member (rule, "conditions");
        }
      json_object_set_string_member (rule, "description",
                                     sqlite3_column_text (stmt, 4) ? (const char *) sqlite3_column_text (stmt, 4) : "");
      json_object_set_boolean_member (rule, "enabled", sqlite3_column_int (stmt, 5));
      json_array_add_object_element (rules, g_steal_pointer (&rule));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("read the policy rules"));
      return NULL;
    }
  return g_steal_pointer (&rules);
}

/* A rule's change, in the journal, inside the caller's transaction. */
static gboolean
journal_rule_change (AiosPolicy  *self,
                     const char  *actor,
                     const char  *kind,
                     const char  *summary,
                     const char  *rationale,
                     const char  *payload_json,
                     GError     **error)
{
  AiosEvent ev = { 0 };

  ev.actor = (char *) actor;
  ev.kind = (char *) kind;
  ev.summary = (char *) summary;
  ev.rationale = (char *) rationale;
  ev.payload_json = (char *) payload_json;
  return aios_journal_append (self->store, &ev, error) > 0;
}

/**
 * aios_policy_add_rule:
 * @connector: a connector name, or "*" for any
 * @allow: %TRUE for an allow rule, %FALSE for a deny rule
 * @conditions: all must hold for the rule to apply (an empty array always holds)
 *
 * Adds a named rule, journaled ("policy.rule-added").
 *
 * Returns: the rule's id, or 0 with @error set
 */
gint64
aios_policy_add_rule (AiosPolicy  *self,
                      const char  *name,
                      const char  *connector,
                      gboolean     allow,
                      JsonArray   *conditions,
                      const char  *description,
                      const char  *actor,
                      GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *conditions_json = NULL;
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  gint64 id;
  int rc;

  g_return_val_if_fail (AIOS_IS_POLICY (self), 0);

  if (name == NULL || *name == '\0' || connector == NULL || *connector == '\0')
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_INVALID, _("A rule needs a name and a connector"));
      return 0;
    }
  if (!aios_policy_check_conditions (conditions, error))
    return 0;
  node = json_node_init_array (json_node_alloc (), conditions);
  conditions_json = json_to_string (node, FALSE);

  if (!aios_store_begin (self->store, error))
    return 0;
  stmt = aios_store_prepare (self->store,
                             "INSERT INTO policy_rules (name, connector, effect, conditions_json, description, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, connector, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, allow ? "allow" : "deny", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, conditions_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, description, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, aios_store_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("add the policy rule"));
      goto fail;
    }
  id = sqlite3_last_insert_rowid (aios_store_get_db (self->store));
  summary = g_strdup_printf ("Policy rule “%s” added: %s %s actions", name, allow ? "allow" : "deny", connector);
  if (!journal_rule_change (self, actor, "policy.rule-added", summary, description, conditions_json, error))
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;
  return id;

fail:
  aios_store_rollback (self->store);
  return 0;
}

gboolean
aios_policy_remove_rule (AiosPolicy  *self,
                         const char  *name,
                         const char  *actor,
                         GError     **error)
{
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!aios_store_begin (self->store, error))
    return FALSE;
  stmt = aios_store_prepare (self->store, "DELETE FROM policy_rules WHERE name = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("remove the policy rule"));
      goto fail;
    }
  if (sqlite3_changes (aios_store_get_db (self->store)) == 0)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_NOT_FOUND, _("There is no policy rule “%s”"), name);
      goto fail;
    }
  summary = g_strdup_printf ("Policy rule “%s” removed", name);
  if (!journal_rule_change (self, actor, "policy.rule-removed", summary, NULL, NULL, error))
    goto fail;
  return aios_store_commit (self->store, error);

fail:
  aios_store_rollback (self->store);
  return FALSE;
}
