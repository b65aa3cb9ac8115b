/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-coordinator.h"
#include "exec/aios-connector.h"

G_BEGIN_DECLS

/* Shared by the coordinator's files (transitions, actions, forks). All of
 * these run inside the caller's open transaction. */

gboolean aios_coordinator_journal  (AiosStore   *store,
                                    gint64       run_id,
                                    gint64       step_id,
                                    const char  *actor,
                                    const char  *kind,
                                    const char  *summary,
                                    const char  *rationale,
                                    const char  *payload_json,
                                    GError     **error);
gboolean aios_coordinator_set_run_status (AiosStore   *store,
                                          gint64       run_id,
                                          const char  *from,
                                          const char  *to,
                                          const char  *attention,
                                          const char  *actor,
                                          const char  *summary,
                                          GError     **error);
char    *aios_coordinator_get_run_status (AiosStore   *store,
                                          gint64       run_id);
void     aios_coordinator_notify_run (AiosCoordinator *self,
                                      gint64           run_id);
char    *aios_coordinator_idempotency_key (AiosStore *store,
                                           gint64     run_id,
                                           guint      idx);
gboolean aios_coordinator_is_terminal (const char *status);

AiosConnector *aios_coordinator_get_connector (AiosCoordinator *self,
                                               const char      *name);

/* aios-coordinator-actions.c */
gboolean    aios_coordinator_tx_checkpoint    (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               const AiosFlowStep  *step,
                                               JsonObject          *scope,
                                               JsonNode            *output,
                                               const char         **outcome,
                                               GError             **step_error,
                                               GError             **error);
gboolean    aios_coordinator_tx_mark_sending  (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               gboolean            *ok,
                                               GError             **error);
JsonObject *aios_coordinator_load_outbox      (AiosCoordinator     *self,
                                               gint64               step_id,
                                               GError             **error);
gboolean    aios_coordinator_tx_send_outcome  (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               gint64               outbox_id,
                                               const char          *connector,
                                               JsonNode            *response,
                                               const GError        *send_error,
                                               gint64               retry_at,
                                               GError             **error);
gboolean    aios_coordinator_tx_recover_sending (AiosCoordinator   *self,
                                                 GError           **error);
gboolean    aios_coordinator_tx_approve       (AiosCoordinator     *self,
                                               gint64               approval_id,
                                               JsonNode            *edits,
                                               const char          *actor,
                                               const char          *reason,
                                               gint64              *next_step,
                                               GError             **error);
gboolean    aios_coordinator_tx_reject        (AiosCoordinator     *self,
                                               gint64               approval_id,
                                               const char          *actor,
                                               const char          *reason,
                                               GError             **error);
int         aios_coordinator_tx_expire        (AiosCoordinator     *self,
                                               GError             **error);
gint64      aios_coordinator_next_expiry      (AiosCoordinator     *self);

/* aios-coordinator.c */
gboolean    aios_coordinator_tx_add_step      (AiosCoordinator     *self,
                                               gint64               run_id,
                                               guint                idx,
                                               GError             **error);
gboolean    aios_coordinator_tx_cancel        (AiosCoordinator     *self,
                                               gint64               run_id,
                                               const char          *actor,
                                               GError             **error);
gboolean    aios_coordinator_tx_advance       (AiosCoordinator     *self,
                                               gint64               run_id,
                                               guint                idx,
                                               gint64              *next_step,
                                               GError             **error);

G_END_DECLS
