/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "aios-lead-intake-agent.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CADENCE_AGENT (aios_cadence_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosCadenceAgent, aios_cadence_agent, AIOS, CADENCE_AGENT, AiosAgent)

AiosAgent *aios_cadence_agent_new                    (AiosStore            *store);

G_END_DECLS
