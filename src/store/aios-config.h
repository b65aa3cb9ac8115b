/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-store.h"

G_BEGIN_DECLS

#define AIOS_CONFIG_ERROR (aios_config_error_quark ())

typedef enum {
  AIOS_CONFIG_ERROR_UNKNOWN_KEY,
  AIOS_CONFIG_ERROR_INVALID_VALUE,
} AiosConfigError;

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
const char *const *aios_config_list_keys (void);
const char   *aios_config_describe   (const char  *key);
gboolean      aios_config_validate   (const char  *key,
                                      const char  *value,
                                      GError     **error);

G_END_DECLS
