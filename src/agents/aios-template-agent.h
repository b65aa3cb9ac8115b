/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"

G_BEGIN_DECLS

#define AIOS_TYPE_TEMPLATE_AGENT (aios_template_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosTemplateAgent, aios_template_agent, AIOS, TEMPLATE_AGENT, AiosAgent)

AiosAgent *aios_template_agent_new (void);

G_END_DECLS
