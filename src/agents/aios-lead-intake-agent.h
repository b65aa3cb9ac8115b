/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_LEAD_INTAKE_AGENT (aios_lead_intake_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosLeadIntakeAgent, aios_lead_intake_agent, AIOS, LEAD_INTAKE_AGENT, AiosAgent)

AiosAgent *aios_lead_intake_agent_new (AiosMemory *memory,
                                       AiosStore  *store);

/**
 * AiosSentResponseFunc:
 * @store: the workspace's store
 * @run_id: the run
 * @connector: the connector that sent ("email")
 *
 * What @connector answered when it sent the run's latest action. The outbox
 * belongs to the control room, above this one, which fills this hook
 * (aios_outbox_provide_sent_responses()).
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL
 */
typedef JsonNode *(*AiosSentResponseFunc) (AiosStore  *store,
                                           gint64      run_id,
                                           const char *connector);

void       aios_lead_intake_agent_set_sent_response_func (AiosLeadIntakeAgent  *self,
                                                          AiosSentResponseFunc  func);

G_END_DECLS
