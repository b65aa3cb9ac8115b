/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-flow.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

#define AIOS_TYPE_FLOW_REGISTRY (aios_flow_registry_get_type ())
G_DECLARE_FINAL_TYPE (AiosFlowRegistry, aios_flow_registry, AIOS, FLOW_REGISTRY, GObject)

AiosFlowRegistry *aios_flow_registry_new          (AiosStore          *store,
                                                   AiosAgentRegistry  *agents);
void              aios_flow_registry_set_user_dir (AiosFlowRegistry   *self,
                                                   const char         *dir);
const char       *aios_flow_registry_get_user_dir (AiosFlowRegistry   *self);
GPtrArray        *aios_flow_registry_list         (AiosFlowRegistry   *self);
GPtrArray        *aios_flow_registry_get_errors   (AiosFlowRegistry   *self);
AiosFlow         *aios_flow_registry_lookup       (AiosFlowRegistry   *self,
                                                   const char         *id,
                                                   GError            **error);
gint64            aios_flow_registry_ensure_version (AiosFlowRegistry *self,
                                                     AiosFlow         *flow,
                                                     GError          **error);
AiosFlow         *aios_flow_registry_load_version (AiosFlowRegistry   *self,
                                                   const char         *id,
                                                   gint64              version,
                                                   GError            **error);

G_END_DECLS
