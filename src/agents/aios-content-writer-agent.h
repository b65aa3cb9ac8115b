/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "aios-lead-intake-agent.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CONTENT_WRITER_AGENT (aios_content_writer_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosContentWriterAgent, aios_content_writer_agent, AIOS, CONTENT_WRITER_AGENT, AiosAgent)

AiosAgent  *aios_content_writer_agent_new (AiosMemory *memory,
                                           AiosStore  *store);

/* The offline engine's draft of a post: @brief is the "brief" step's output,
 * @tone the tone guideline record (as the step's memory reads it). The draft
 * has the shape every content writer returns: title, body (Markdown),
 * excerpt, tags, engine, rationale, memory_used. */
JsonObject *aios_content_writer_draft_offline (JsonObject  *brief,
                                               JsonObject  *tone,
                                               GError     **error);

G_END_DECLS
