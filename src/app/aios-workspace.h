/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "store/aios-store.h"
#include "store/aios-config.h"
#include "agents/aios-agent-registry.h"
#include "control/aios-coordinator.h"
#include "control/aios-flow-registry.h"
#include "exec/aios-connector.h"
#include "exec/aios-connector-registry.h"
#include "exec/aios-credentials.h"
#include "exec/aios-llm.h"
#include "aios-intake-server.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_WORKSPACE (aios_workspace_get_type ())
G_DECLARE_FINAL_TYPE (AiosWorkspace, aios_workspace, AIOS, WORKSPACE, GObject)

char          *aios_workspace_default_path (void);
AiosWorkspace *aios_workspace_open         (const char     *path,
                                            GError        **error);
const char    *aios_workspace_get_path     (AiosWorkspace  *self);
AiosStore     *aios_workspace_get_store    (AiosWorkspace  *self);
AiosConfig    *aios_workspace_get_config   (AiosWorkspace  *self);
AiosAgentRegistry *aios_workspace_get_agents  (AiosWorkspace *self);
AiosFlowRegistry  *aios_workspace_get_flows   (AiosWorkspace *self);
AiosCoordinator   *aios_workspace_get_coordinator (AiosWorkspace *self);
gboolean       aios_workspace_start        (AiosWorkspace  *self,
                                            GError        **error);
AiosCredentials *aios_workspace_get_credentials (AiosWorkspace *self);
AiosConnectorRegistry *aios_workspace_get_connectors (AiosWorkspace *self);
AiosLlm       *aios_workspace_get_llm      (AiosWorkspace  *self);
AiosIntakeServer *aios_workspace_get_intake (AiosWorkspace  *self);
AiosConnector *aios_workspace_get_connector (AiosWorkspace  *self,
                                            const char     *name);
AiosMemory    *aios_workspace_get_memory   (AiosWorkspace  *self);
AiosStore     *aios_workspace_open_store   (AiosWorkspace  *self,
                                            GError        **error);
char          *aios_workspace_get_backup_dir (AiosWorkspace *self);
char          *aios_workspace_backup       (AiosWorkspace  *self,
                                            const char     *dir,
                                            GError        **error);

void           aios_workspace_settle_async  (AiosWorkspace       *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean       aios_workspace_settle_finish (AiosWorkspace       *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
