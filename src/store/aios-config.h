/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-store.h"

G_BEGIN_DECLS

#define AIOS_CONFIG_ERROR (aios_config_error_quark ())

typedef enum {
  AIOS_CONFIG_ERROR_UNKNOWN_KEY,
  AIOS_CONFIG_ERROR_INVALID_VALUE,
} AiosConfigError;

/* The longest a key in seconds may say (a day). */
#define AIOS_CONFIG_MAX_SECONDS 86400

/* approvals.undo_s when it is not set: the operator's grace to take an
 * approval back before the outbox sends it. */
#define AIOS_CONFIG_DEFAULT_UNDO_S 5

#define AIOS_TYPE_CONFIG (aios_config_get_type ())
G_DECLARE_FINAL_TYPE (AiosConfig, aios_config, AIOS, CONFIG, GObject)

GQuark        aios_config_error_quark (void);

AiosConfig   *aios_config_new        (AiosStore   *store);
char         *aios_config_get        (AiosConfig  *self,
                                      const char  *key);
gboolean      aios_config_set        (AiosConfig  *self,
                                      const char  *key,
                                      const char  *value,
                                      const char  *actor,
                                      GError     **error);
gboolean      aios_config_unset      (AiosConfig  *self,
                                      const char  *key,
                                      const char  *actor,
                                      GError     **error);
gint64        aios_config_get_seconds (AiosConfig  *self,
                                       const char  *key,
                                       gint64       unset);
const char *const *aios_config_list_keys (void);
const char   *aios_config_describe   (const char  *key);
gboolean      aios_config_validate   (const char  *key,
                                      const char  *value,
                                      GError     **error);

G_END_DECLS
