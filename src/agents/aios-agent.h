/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "exec/aios-llm.h"

G_BEGIN_DECLS

/*
 * An agent is a worker the coordinator calls for one step. It never calls
 * another agent or an outside service on its own: outward actions are the
 * step's `action`, executed by the coordinator through the outbox.
 *
 * run_async() receives the step's context, a JSON object:
 *   { "run_id": 12, "step": "draft", "attempt": 1,
 *     "config": {...},            the step's config, placeholders expanded
 *     "input": {...},             the run's input (when the step reads it)
 *     "steps": {"name": {...}},   outputs of the earlier steps it reads
 *     "memory": {"as": {...}} }   records its memory queries found
 * and finishes with the step's output (a JSON object) or an error:
 * AIOS_AGENT_ERROR_RETRYABLE is retried with backoff, anything else parks
 * the run as "needs attention" (connector errors keep their own meaning).
 */

#define AIOS_AGENT_ERROR (aios_agent_error_quark ())

typedef enum {
  AIOS_AGENT_ERROR_RETRYABLE,
  AIOS_AGENT_ERROR_PERMANENT,
  AIOS_AGENT_ERROR_INVALID_CONFIG,
} AiosAgentError;

GQuark aios_agent_error_quark (void);

#define AIOS_TYPE_AGENT (aios_agent_get_type ())
G_DECLARE_DERIVABLE_TYPE (AiosAgent, aios_agent, AIOS, AGENT, GObject)

struct _AiosAgentClass
{
  GObjectClass parent_class;

  gboolean  (*check_config) (AiosAgent            *self,
                             JsonObject           *config,
                             GError              **error);
  void      (*run_async)    (AiosAgent            *self,
                             JsonObject           *context,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data);
  JsonNode *(*run_finish)   (AiosAgent            *self,
                             GAsyncResult         *result,
                             GError              **error);

  gpointer padding[8];
};

const char *aios_agent_get_role     (AiosAgent            *self);
gboolean    aios_agent_check_config (AiosAgent            *self,
                                     JsonObject           *config,
                                     GError              **error);
void        aios_agent_run_async    (AiosAgent            *self,
                                     JsonObject           *context,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
JsonNode   *aios_agent_run_finish   (AiosAgent            *self,
                                     GAsyncResult         *result,
                                     GError              **error);

void        aios_agent_set_model    (AiosAgent            *self,
                                     AiosLlm              *llm,
                                     AiosMemory           *memory);
AiosLlm    *aios_agent_get_llm      (AiosAgent            *self);

/**
 * AiosSentResponseFunc:
 * @store: the workspace's store
 * @run_id: the run
 * @connector: the connector that sent ("email")
 *
 * What @connector answered when it sent the run's latest action. The outbox
 * belongs to the control room, above this one, which fills this hook for
 * every role (aios_outbox_provide_sent_responses()).
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL
 */
typedef JsonNode *(*AiosSentResponseFunc) (AiosStore  *store,
                                           gint64      run_id,
                                           const char *connector);

void        aios_agent_set_sent_response_func (AiosAgent            *self,
                                               AiosSentResponseFunc  func);
JsonNode   *aios_agent_get_sent_response      (AiosAgent            *self,
                                               AiosStore            *store,
                                               gint64                run_id,
                                               const char           *connector);
AiosMemory *aios_agent_get_memory   (AiosAgent            *self);

G_END_DECLS
