/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-workspace.h"
#include "control/aios-dry-run.h"

G_BEGIN_DECLS

void       aios_workspace_dry_run_async  (AiosWorkspace        *self,
                                          const char           *flow_id,
                                          JsonNode             *input,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GPtrArray *aios_workspace_dry_run_finish (AiosWorkspace        *self,
                                          GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
