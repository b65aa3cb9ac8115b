/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_TYPE_RULES_AGENT (aios_rules_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosRulesAgent, aios_rules_agent, AIOS, RULES_AGENT, AiosAgent)

AiosAgent *aios_rules_agent_new        (void);
void       aios_rules_agent_set_config (AiosRulesAgent *self,
                                        AiosConfig     *config);

G_END_DECLS
