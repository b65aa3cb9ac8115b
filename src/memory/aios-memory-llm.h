/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-memory.h"
#include "exec/aios-llm.h"

G_BEGIN_DECLS

void aios_memory_use_llm (AiosMemory *self,
                          AiosLlm    *llm);

G_END_DECLS
