/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-flow-registry.h"

G_BEGIN_DECLS

char *aios_run_title         (AiosFlowRegistry *flows,
                              const char       *flow_id,
                              const char       *input_json);
char *aios_run_title_for_run (AiosStore        *store,
                              AiosFlowRegistry *flows,
                              gint64            run_id);

G_END_DECLS
