/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aios-coordinator.h"

G_BEGIN_DECLS

/* What one step of a dry run did, or would have done. */
typedef enum {
  AIOS_DRY_RUN_RAN,          /* the agent answered; no outward action */
  AIOS_DRY_RUN_SKIPPED,      /* its condition was false */
  AIOS_DRY_RUN_WOULD_ASK,    /* it would wait for the operator's approval */
  AIOS_DRY_RUN_WOULD_SEND,   /* a policy rule would let it go without asking */
  AIOS_DRY_RUN_WOULD_DENY,   /* a policy rule would deny it */
  AIOS_DRY_RUN_FAILED,       /* the agent or the preview failed; later steps not reached */
  AIOS_DRY_RUN_NEEDS_ANSWER, /* failed after an action: it needs what the service answered, which a
                              * dry run never has (a Message-ID, an invoice id); the dry run stops */
} AiosDryRunOutcome;

typedef struct {
  char              *name;
  char              *agent;
  AiosDryRunOutcome  outcome;
  char              *connector;   /* nullable: the action's connector */
  char              *title;       /* nullable: the action in words ("Email to Dana Whitfield") */
  char              *subtitle;    /* nullable */
  char              *rule;        /* nullable: the policy rule that decided */
  char              *error;       /* nullable: why it failed */
  JsonNode          *preview;     /* nullable: what would have been sent (the connector's prepare) */
  JsonNode          *output;      /* nullable: the agent's answer */
} AiosDryRunStep;

void        aios_dry_run_step_free        (AiosDryRunStep    *step);
const char *aios_dry_run_outcome_to_string (AiosDryRunOutcome outcome);
const char *aios_dry_run_outcome_to_words  (AiosDryRunOutcome outcome);

void        aios_dry_run_async  (AiosCoordinator      *coordinator,
                                 const char           *flow_id,
                                 JsonNode             *input,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
GPtrArray  *aios_dry_run_finish (AiosCoordinator      *coordinator,
                                 GAsyncResult         *result,
                                 GError              **error);
JsonNode   *aios_dry_run_to_json (const char          *flow_id,
                                  GPtrArray           *steps);

G_END_DECLS
