/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"

G_BEGIN_DECLS

#define AIOS_TYPE_QA_AGENT (aios_qa_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosQaAgent, aios_qa_agent, AIOS, QA_AGENT, AiosAgent)

AiosAgent *aios_qa_agent_new (void);

G_END_DECLS
