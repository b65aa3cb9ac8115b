/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosAgent: the one small interface behind every agent role. Subclasses
 * set the "role" property (the name flows use in `"agent": ...`).
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-agent.h"

typedef struct
{
  char       *role;
  AiosLlm    *llm;      /* the model a writer role may use (aios-model-writer.c) */
  AiosMemory *memory;   /* where its context comes from */
  AiosSentResponseFunc sent_response;  /* what a connector answered (control fills it) */
} AiosAgentPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AiosAgent, aios_agent, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-agent-error-quark, aios_agent_error)

enum {
  PROP_0,
  PROP_ROLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_agent_finalize (GObject *object)
{
  AiosAgentPrivate *priv = aios_agent_get_instance_private (AIOS_AGENT (object));

  g_free (priv->role);
  g_clear_object (&priv->llm);
  g_clear_object (&priv->memory);
  G_OBJECT_CLASS (aios_agent_parent_class)->finalize (object);
}

static void
aios_agent_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AiosAgentPrivate *priv = aios_agent_get_instance_private (AIOS_AGENT (object));

  switch (prop_id)
    {
    case PROP_ROLE:
      g_value_set_string (value, priv->role);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_agent_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  AiosAgentPrivate *priv = aios_agent_get_instance_private (AIOS_AGENT (object));

  switch (prop_id)
    {
    case PROP_ROLE:
      g_free (priv->role);
      priv->role = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
aios_agent_real_check_config (AiosAgent   *self,
                              JsonObject  *config,
                              GError     **error)
{
  return TRUE;
}

static void
aios_agent_class_init (AiosAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_agent_finalize;
  object_class->get_property = aios_agent_get_property;
  object_class->set_property = aios_agent_set_property;
  klass->check_config = aios_agent_real_check_config;

  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aios_agent_init (AiosAgent *self)
{
}

const char *
aios_agent_get_role (AiosAgent *self)
{
  AiosAgentPrivate *priv;

  g_return_val_if_fail (AIOS_IS_AGENT (self), NULL);
  priv = aios_agent_get_instance_private (self);
  return priv->role;
}

/**
 * aios_agent_check_config:
 * @config: the step's `config` object from the flow file
 *
 * Checks a flow's config for this agent when the flow loads. The error
 * message starts with the member at fault (".rules[1].score: ...").
 */
gboolean
aios_agent_check_config (AiosAgent   *self,
                         JsonObject  *config,
                         GError     **error)
{
  g_return_val_if_fail (AIOS_IS_AGENT (self), FALSE);
  return AIOS_AGENT_GET_CLASS (self)->check_config (self, config, error);
}

/**
 * aios_agent_run_async:
 * @context: the step's context (see the header)
 *
 * Runs the agent for one step attempt. Must not block the main loop.
 */
void
aios_agent_run_async (AiosAgent           *self,
                      JsonObject          *context,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (AIOS_IS_AGENT (self));
  g_return_if_fail (context != NULL);
  AIOS_AGENT_GET_CLASS (self)->run_async (self, context, cancellable, callback, user_data);
}

/**
 * aios_agent_run_finish:
 *
 * Returns: (transfer full) (nullable): the step's output, a JSON object
 */
JsonNode *
aios_agent_run_finish (AiosAgent     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_autoptr(JsonNode) output = NULL;

  g_return_val_if_fail (AIOS_IS_AGENT (self), NULL);
  output = AIOS_AGENT_GET_CLASS (self)->run_finish (self, result, error);
  if (output != NULL && !JSON_NODE_HOLDS_OBJECT (output))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The agent “%s” answered with something other than a JSON object"),
                   aios_agent_get_role (self));
      return NULL;
    }
  return g_steal_pointer (&output);
}

/**
 * aios_agent_set_model:
 * @llm: (nullable): the model client
 * @memory: (nullable): the memory its context is assembled from
 *
 * Gives a role the model it may write with (when its tier is set); roles
 * that never ask a model ignore it.
 */
void
aios_agent_set_model (AiosAgent  *self,
                      AiosLlm    *llm,
                      AiosMemory *memory)
{
  AiosAgentPrivate *priv;

  g_return_if_fail (AIOS_IS_AGENT (self));
  priv = aios_agent_get_instance_private (self);
  g_set_object (&priv->llm, llm);
  g_set_object (&priv->memory, memory);
}

/**
 * aios_agent_set_sent_response_func:
 * @func: (nullable): how to learn what a connector answered when it sent
 *
 * Without it, a role that records what was sent (a lead's Message-ID, a
 * post's link, an invoice's id) records nothing.
 */
void
aios_agent_set_sent_response_func (AiosAgent            *self,
                                   AiosSentResponseFunc  func)
{
  g_return_if_fail (AIOS_IS_AGENT (self));
  ((AiosAgentPrivate *) aios_agent_get_instance_private (self))->sent_response = func;
}

/**
 * aios_agent_get_sent_response:
 *
 * Returns: (transfer full) (nullable): what @connector answered when it
 *   sent @run_id's latest action, or %NULL (none, or no hook set)
 */
JsonNode *
aios_agent_get_sent_response (AiosAgent  *self,
                              AiosStore  *store,
                              gint64      run_id,
                              const char *connector)
{
  AiosSentResponseFunc func;

  g_return_val_if_fail (AIOS_IS_AGENT (self), NULL);
  func = ((AiosAgentPrivate *) aios_agent_get_instance_private (self))->sent_response;
  return func != NULL ? func (store, run_id, connector) : NULL;
}

/**
 * aios_agent_get_llm:
 *
 * Returns: (transfer none) (nullable): the model client set with aios_agent_set_model()
 */
AiosLlm *
aios_agent_get_llm (AiosAgent *self)
{
  g_return_val_if_fail (AIOS_IS_AGENT (self), NULL);
  return ((AiosAgentPrivate *) aios_agent_get_instance_private (self))->llm;
}

/**
 * aios_agent_get_memory:
 *
 * Returns: (transfer none) (nullable): the memory set with aios_agent_set_model()
 */
AiosMemory *
aios_agent_get_memory (AiosAgent *self)
{
  g_return_val_if_fail (AIOS_IS_AGENT (self), NULL);
  return ((AiosAgentPrivate *) aios_agent_get_instance_private (self))->memory;
}
