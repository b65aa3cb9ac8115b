/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-connector.h"
#include "aios-credentials.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CONNECTOR_REGISTRY (aios_connector_registry_get_type ())
G_DECLARE_FINAL_TYPE (AiosConnectorRegistry, aios_connector_registry, AIOS, CONNECTOR_REGISTRY, GObject)

AiosConnectorRegistry *aios_connector_registry_new    (AiosConfig            *config,
                                                       AiosCredentials       *credentials);
AiosConnector         *aios_connector_registry_get    (AiosConnectorRegistry *self,
                                                       const char            *name);
void                   aios_connector_registry_add    (AiosConnectorRegistry *self,
                                                       AiosConnector         *connector);
GPtrArray             *aios_connector_registry_list_names (AiosConnectorRegistry *self);
AiosConnector         *aios_connector_registry_find_by_credential (AiosConnectorRegistry *self,
                                                                   const char            *credential);
void                   aios_connector_registry_ensure_types (void);
AiosCredentials       *aios_connector_registry_get_credentials (AiosConnectorRegistry *self);
AiosConfig            *aios_connector_registry_get_config (AiosConnectorRegistry *self);

G_END_DECLS
