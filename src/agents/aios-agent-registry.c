/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The agent roles a workspace knows, by name. It starts with the built-in
 * offline engine (template, rules); other roles (and test agents) are added
 * with aios_agent_registry_add(). Flows naming an unknown role fail to load.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include "aios-agent-registry.h"
#include "aios-content-writer-agent.h"
#include "aios-billing-agent.h"
#include "aios-cadence-agent.h"
#include "aios-lead-intake-agent.h"
#include "aios-model-agent.h"
#include "aios-outreach-writer-agent.h"
#include "aios-preferences-agent.h"
#include "aios-qa-agent.h"
#include "aios-rules-agent.h"
#include "aios-template-agent.h"

struct _AiosAgentRegistry
{
  GObject     parent_instance;
  GHashTable *agents;   /* role → AiosAgent */
};

G_DEFINE_FINAL_TYPE (AiosAgentRegistry, aios_agent_registry, G_TYPE_OBJECT)

static void
aios_agent_registry_finalize (GObject *object)
{
  AiosAgentRegistry *self = AIOS_AGENT_REGISTRY (object);

  g_clear_pointer (&self->agents, g_hash_table_unref);
  G_OBJECT_CLASS (aios_agent_registry_parent_class)->finalize (object);
}

static void
aios_agent_registry_class_init (AiosAgentRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_agent_registry_finalize;
}

static void
aios_agent_registry_init (AiosAgentRegistry *self)
{
  self->agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * aios_agent_registry_new:
 *
 * Returns: (transfer full): a registry holding the built-in agents
 */
AiosAgentRegistry *
aios_agent_registry_new (void)
{
  AiosAgentRegistry *self = g_object_new (AIOS_TYPE_AGENT_REGISTRY, NULL);
  g_autoptr(AiosAgent) tmpl = aios_template_agent_new ();
  g_autoptr(AiosAgent) rules = aios_rules_agent_new ();

  aios_agent_registry_add (self, tmpl);
  aios_agent_registry_add (self, rules);
  return self;
}

/**
 * aios_agent_registry_new_builtin:
 * @memory: the memory the workflow roles read and write
 * @store: the workspace's store
 * @llm: the model client of the "model" role
 *
 * The one place every built-in agent role is registered: the offline
 * engine (template, rules), the workflow roles and the model role.
 *
 * Returns: (transfer full): a registry holding every built-in role
 */
AiosAgentRegistry *
aios_agent_registry_new_builtin (AiosMemory *memory,
                                 AiosStore  *store,
                                 AiosLlm    *llm)
{
  AiosAgentRegistry *self = aios_agent_registry_new ();
  AiosAgent *roles[] = {
    aios_lead_intake_agent_new (memory, store),
    aios_outreach_writer_agent_new (),
    aios_qa_agent_new (),
    aios_model_agent_new (llm),
    aios_content_writer_agent_new (memory, store),
    aios_billing_agent_new (memory, store),
    aios_preferences_agent_new (memory, store),
    aios_cadence_agent_new (store),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      /* the writers use it when their tier is set (aios-model-writer.c) */
      aios_agent_set_model (roles[i], llm, memory);
      aios_agent_registry_add (self, roles[i]);
      g_object_unref (roles[i]);
    }
  {
    /* The rules role reads a margin from the settings ("leads.margin"). */
    g_autoptr(AiosConfig) config = aios_config_new (store);
    aios_rules_agent_set_config (AIOS_RULES_AGENT (aios_agent_registry_lookup (self, "rules")), config);
  }
  return self;
}

/**
 * aios_agent_registry_add:
 *
 * Adds (or replaces) the agent for its role.
 */
void
aios_agent_registry_add (AiosAgentRegistry *self,
                         AiosAgent         *agent)
{
  g_return_if_fail (AIOS_IS_AGENT_REGISTRY (self));
  g_return_if_fail (AIOS_IS_AGENT (agent));
  g_return_if_fail (aios_agent_get_role (agent) != NULL);

  g_hash_table_replace (self->agents, g_strdup (aios_agent_get_role (agent)), g_object_ref (agent));
}

/**
 * aios_agent_registry_lookup:
 *
 * Returns: (transfer none) (nullable): the agent for @role
 */
AiosAgent *
aios_agent_registry_lookup (AiosAgentRegistry *self,
                            const char        *role)
{
  g_return_val_if_fail (AIOS_IS_AGENT_REGISTRY (self), NULL);
  return role != NULL ? g_hash_table_lookup (self->agents, role) : NULL;
}

static int
compare_roles (const void *a,
               const void *b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/**
 * aios_agent_registry_list_roles:
 *
 * Returns: (transfer full): the roles, sorted
 */
GStrv
aios_agent_registry_list_roles (AiosAgentRegistry *self)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (self->agents, NULL);
  GStrv roles = g_strdupv ((char **) keys);

  qsort (roles, g_strv_length (roles), sizeof (char *), compare_roles);
  return roles;
}
