/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_LEAD_INTAKE_AGENT (aios_lead_intake_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosLeadIntakeAgent, aios_lead_intake_agent, AIOS, LEAD_INTAKE_AGENT, AiosAgent)

AiosAgent *aios_lead_intake_agent_new (AiosMemory *memory,
                                       AiosStore  *store);


G_END_DECLS
