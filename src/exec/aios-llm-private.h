/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-llm.h"

G_BEGIN_DECLS

struct _AiosLlm
{
  GObject          parent_instance;

  AiosStore       *store;
  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
  guint            timeout_ms;
};

/* aios-llm-prices.c */
gboolean aios_llm_get_price_micros (AiosLlm    *self,
                                    const char *model,
                                    gint64     *in,
                                    gint64     *out);
gint64   aios_llm_budget_micros    (AiosLlm    *self,
                                    const char *key);
gint64   aios_llm_cost_of          (gint64      in_price,
                                    gint64      out_price,
                                    gint64      tokens_in,
                                    gint64      tokens_out);

G_END_DECLS
