/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AIOS_JSON_SCHEMA_ERROR (aios_json_schema_error_quark ())

typedef enum {
  AIOS_JSON_SCHEMA_ERROR_INVALID,   /* the instance does not satisfy the schema */
  AIOS_JSON_SCHEMA_ERROR_BAD_SCHEMA,
} AiosJsonSchemaError;

GQuark   aios_json_schema_error_quark (void);
gboolean aios_json_schema_validate    (JsonNode  *schema,
                                       JsonNode  *instance,
                                       GError   **error);

G_END_DECLS
