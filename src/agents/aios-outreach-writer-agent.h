/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"

G_BEGIN_DECLS

#define AIOS_TYPE_OUTREACH_WRITER_AGENT (aios_outreach_writer_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosOutreachWriterAgent, aios_outreach_writer_agent, AIOS, OUTREACH_WRITER_AGENT, AiosAgent)

AiosAgent *aios_outreach_writer_agent_new (void);

G_END_DECLS
