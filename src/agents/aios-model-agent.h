/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "exec/aios-llm.h"

G_BEGIN_DECLS

#define AIOS_TYPE_MODEL_AGENT (aios_model_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosModelAgent, aios_model_agent, AIOS, MODEL_AGENT, AiosAgent)

AiosAgent *aios_model_agent_new (AiosLlm *llm);

G_END_DECLS
