/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "agents/aios-agent-registry.h"
#include "aios-flow-registry.h"
#include "aios-policy.h"
#include "exec/aios-connector-registry.h"
#include "memory/aios-memory.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

#define AIOS_COORDINATOR_ERROR (aios_coordinator_error_quark ())

typedef enum {
  AIOS_COORDINATOR_ERROR_NOT_FOUND,     /* no such run, step or approval */
  AIOS_COORDINATOR_ERROR_STATE,         /* not possible in its current state */
  AIOS_COORDINATOR_ERROR_LOCKED,        /* another process runs this workspace's coordinator */
} AiosCoordinatorError;

#define AIOS_TYPE_COORDINATOR (aios_coordinator_get_type ())
G_DECLARE_FINAL_TYPE (AiosCoordinator, aios_coordinator, AIOS, COORDINATOR, GObject)

GQuark           aios_coordinator_error_quark (void);

AiosCoordinator *aios_coordinator_new          (AiosStore            *store,
                                                AiosFlowRegistry     *flows,
                                                AiosAgentRegistry    *agents);
AiosStore       *aios_coordinator_get_store    (AiosCoordinator      *self);
AiosFlowRegistry *aios_coordinator_get_flows   (AiosCoordinator      *self);
AiosAgentRegistry *aios_coordinator_get_agents (AiosCoordinator      *self);

gboolean         aios_coordinator_start        (AiosCoordinator      *self,
                                                GError              **error);
gboolean         aios_coordinator_is_active    (AiosCoordinator      *self);
gint64           aios_coordinator_get_started_at (AiosCoordinator    *self);
GPid             aios_coordinator_find_holder  (const char           *workspace_path);
void             aios_coordinator_stop         (AiosCoordinator      *self);
void             aios_coordinator_set_max_batch (AiosCoordinator     *self,
                                                 guint                max_batch);
void             aios_coordinator_set_connectors (AiosCoordinator       *self,
                                                  AiosConnectorRegistry *connectors);
void             aios_coordinator_set_memory     (AiosCoordinator       *self,
                                                  AiosMemory            *memory);
AiosMemory      *aios_coordinator_get_memory     (AiosCoordinator       *self);
AiosPolicy      *aios_coordinator_get_policy     (AiosCoordinator       *self);

gint64           aios_coordinator_submit       (AiosCoordinator      *self,
                                                const char           *flow_id,
                                                JsonNode             *input,
                                                const char           *actor,
                                                GError              **error);
gboolean         aios_coordinator_cancel       (AiosCoordinator      *self,
                                                gint64                run_id,
                                                const char           *actor,
                                                GError              **error);

gboolean         aios_coordinator_approve      (AiosCoordinator      *self,
                                                gint64                approval_id,
                                                JsonNode             *edits,
                                                const char           *actor,
                                                const char           *reason,
                                                GError              **error);
gboolean         aios_coordinator_reject       (AiosCoordinator      *self,
                                                gint64                approval_id,
                                                const char           *actor,
                                                const char           *reason,
                                                GError              **error);

gboolean         aios_coordinator_undo         (AiosCoordinator      *self,
                                                gint64                approval_id,
                                                const char           *actor,
                                                GError              **error);

/**
 * AiosResolveOutcome:
 * @AIOS_RESOLVE_SENT: the operator checked that it went out: record it as sent
 * @AIOS_RESOLVE_SEND_AGAIN: send it again with the same idempotency key
 */
typedef enum {
  AIOS_RESOLVE_SENT,
  AIOS_RESOLVE_SEND_AGAIN,
} AiosResolveOutcome;

gboolean         aios_coordinator_resolve      (AiosCoordinator      *self,
                                                gint64                approval_id,
                                                AiosResolveOutcome    outcome,
                                                const char           *actor,
                                                GError              **error);

gint64           aios_coordinator_replay       (AiosCoordinator      *self,
                                                gint64                run_id,
                                                const char           *from_step,
                                                gboolean              fresh,
                                                const char           *actor,
                                                GError              **error);
gint64           aios_coordinator_retry        (AiosCoordinator      *self,
                                                gint64                run_id,
                                                const char           *actor,
                                                GError              **error);
gint64           aios_coordinator_overturn     (AiosCoordinator      *self,
                                                gint64                run_id,
                                                const char           *actor,
                                                GError              **error);
gboolean         aios_coordinator_rollback     (AiosCoordinator      *self,
                                                gint64                run_id,
                                                const char           *actor,
                                                GError              **error);
void             aios_coordinator_wake         (AiosCoordinator      *self);

void             aios_coordinator_drain_async   (AiosCoordinator     *self,
                                                 guint                timeout_ms,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         aios_coordinator_drain_finish  (AiosCoordinator     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

void             aios_coordinator_settle_async  (AiosCoordinator     *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         aios_coordinator_settle_finish (AiosCoordinator     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
