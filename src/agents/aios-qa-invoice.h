/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"

G_BEGIN_DECLS

JsonNode *aios_qa_check_invoice (JsonObject  *config,
                                 GError     **error);

G_END_DECLS
