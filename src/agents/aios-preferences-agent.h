/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_PREFERENCES_AGENT (aios_preferences_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosPreferencesAgent, aios_preferences_agent, AIOS, PREFERENCES_AGENT, AiosAgent)

AiosAgent *aios_preferences_agent_new (AiosMemory *memory,
                                       AiosStore  *store);

G_END_DECLS
