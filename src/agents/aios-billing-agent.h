/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"
#include "aios-lead-intake-agent.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_BILLING_AGENT (aios_billing_agent_get_type ())
G_DECLARE_FINAL_TYPE (AiosBillingAgent, aios_billing_agent, AIOS, BILLING_AGENT, AiosAgent)

AiosAgent *aios_billing_agent_new                    (AiosMemory           *memory,
                                                      AiosStore            *store);

gint64     aios_billing_line_amount                  (double                quantity,
                                                      gint64                unit_amount);
gint64     aios_billing_tax_amount                   (gint64                subtotal,
                                                      double                tax_rate);

G_END_DECLS
