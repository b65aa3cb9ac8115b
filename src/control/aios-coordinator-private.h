/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-coordinator.h"

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
void     aios_coordinator_wake       (AiosCoordinator *self);
void     aios_coordinator_notify_run (AiosCoordinator *self,
                                      gint64           run_id);
char    *aios_coordinator_idempotency_key (AiosStore *store,
                                           gint64     run_id,
                                           guint      idx);
gboolean aios_coordinator_is_terminal (const char *status);

G_END_DECLS
