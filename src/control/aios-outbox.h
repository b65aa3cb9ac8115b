/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "agents/aios-agent-registry.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

/**
 * AiosOutboxItem:
 *
 * One outward action in the outbox: what goes (or went) to a connector,
 * with the step's idempotency key, and how it ended.
 */
typedef struct {
  gint64    id;
  gint64    run_id;
  gint64    step_id;
  gint64    approval_id;       /* 0 when a policy rule allowed it */
  char     *policy_rule;       /* the allowing rule, or NULL when approved */
  char     *connector;
  char     *idempotency_key;
  JsonNode *request;           /* NULL when it is not readable JSON */
  char     *status;            /* prepared, sending, sent, failed, unknown, cancelled */
  JsonNode *response;          /* the connector's answer once sent, or NULL */
  char     *error;             /* why it was not sent, or NULL */
  gint64    attempts;
  gint64    created_at;
  gint64    updated_at;
} AiosOutboxItem;

#define AIOS_TYPE_OUTBOX_ITEM (aios_outbox_item_get_type ())
GType           aios_outbox_item_get_type (void) G_GNUC_CONST;
AiosOutboxItem *aios_outbox_item_copy     (const AiosOutboxItem *item);
void            aios_outbox_item_free     (AiosOutboxItem       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosOutboxItem, aios_outbox_item_free)
char           *aios_outbox_item_dup_unknown_attention (const AiosOutboxItem *item);

AiosOutboxItem *aios_outbox_get           (AiosStore            *store,
                                           gint64                outbox_id,
                                           GError              **error);
AiosOutboxItem *aios_outbox_find_for_step (AiosStore            *store,
                                           gint64                step_id,
                                           const char           *status,
                                           GError              **error);
AiosOutboxItem *aios_outbox_find_for_approval (AiosStore        *store,
                                               gint64            approval_id,
                                               GError          **error);
AiosOutboxItem *aios_outbox_find_by_key   (AiosStore            *store,
                                           const char           *idempotency_key,
                                           GError              **error);
AiosOutboxItem *aios_outbox_find_last_sent (AiosStore           *store,
                                            gint64               run_id,
                                            const char          *connector,
                                            GError             **error);
AiosOutboxItem *aios_outbox_find_sent_message (AiosStore        *store,
                                               const char       *message_id,
                                               GError          **error);
GPtrArray      *aios_outbox_list_run      (AiosStore            *store,
                                           gint64                run_id,
                                           GError              **error);
GPtrArray      *aios_outbox_list_status   (AiosStore            *store,
                                           const char           *status,
                                           GError              **error);

/* Writes, inside the caller's (the coordinator's) transaction. */
gint64          aios_outbox_insert        (AiosStore            *store,
                                           gint64                run_id,
                                           gint64                step_id,
                                           gint64                approval_id,
                                           const char           *policy_rule,
                                           const char           *connector,
                                           const char           *idempotency_key,
                                           JsonNode             *request,
                                           GError              **error);
gboolean        aios_outbox_mark_sending  (AiosStore            *store,
                                           gint64                step_id,
                                           gint64               *outbox_id,
                                           GError              **error);
gboolean        aios_outbox_set_outcome   (AiosStore            *store,
                                           gint64                outbox_id,
                                           const char           *status,
                                           JsonNode             *response,
                                           const char           *error_text,
                                           GError              **error);
gboolean        aios_outbox_set_status    (AiosStore            *store,
                                           gint64                outbox_id,
                                           const char           *status,
                                           const char           *what,
                                           GError              **error);
GArray         *aios_outbox_cancel_prepared (AiosStore          *store,
                                             gint64              run_id,
                                             GError            **error);

void            aios_outbox_provide_sent_responses (AiosAgentRegistry *agents);

G_END_DECLS
