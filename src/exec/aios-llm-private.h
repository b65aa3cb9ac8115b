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

/* What a call's prompts row and budget check are about. */
typedef struct
{
  const char *tier;
  const char *role;          /* NULL: the system's own call (embeddings) */
  const char *model;
  const char *hash;
  const char *request_json;  /* the exact body sent */
  gint64      run_id;
  gint64      step_id;
  GArray     *prompt_ids;    /* (nullable): the new row's id is appended */
} AiosLlmCallInfo;

/* aios-llm.c */
gint64   aios_llm_record_call      (AiosLlm               *self,
                                    const AiosLlmCallInfo *info,
                                    const char            *kind,
                                    const char            *summary,
                                    const char            *response_json,
                                    const char            *error_text,
                                    gint64                 tokens_in,
                                    gint64                 tokens_out,
                                    gint64                 cost,
                                    gint64                 cached_from,
                                    GError               **error);
gboolean aios_llm_check_budget     (AiosLlm               *self,
                                    const AiosLlmCallInfo *info,
                                    gint64                 worst_in,
                                    gint64                 worst_out,
                                    GError               **error);

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
