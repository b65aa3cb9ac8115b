/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "exec/aios-llm.h"
#include "memory/aios-memory.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

#define AIOS_TYPE_AGENT_REGISTRY (aios_agent_registry_get_type ())
G_DECLARE_FINAL_TYPE (AiosAgentRegistry, aios_agent_registry, AIOS, AGENT_REGISTRY, GObject)

AiosAgentRegistry *aios_agent_registry_new        (void);
AiosAgentRegistry *aios_agent_registry_new_builtin (AiosMemory        *memory,
                                                   AiosStore         *store,
                                                   AiosLlm           *llm);
void               aios_agent_registry_add        (AiosAgentRegistry *self,
                                                   AiosAgent         *agent);
AiosAgent         *aios_agent_registry_lookup     (AiosAgentRegistry *self,
                                                   const char        *role);
GStrv              aios_agent_registry_list_roles (AiosAgentRegistry *self);

G_END_DECLS
