/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CONFIG_ROW (aios_config_row_get_type ())
G_DECLARE_FINAL_TYPE (AiosConfigRow, aios_config_row, AIOS, CONFIG_ROW, AdwEntryRow)

GtkWidget  *aios_config_row_new        (AiosConfig    *config,
                                        const char    *key);
AiosConfig *aios_config_row_get_config (AiosConfigRow *self);
void        aios_config_row_set_config (AiosConfigRow *self,
                                        AiosConfig    *config);
const char *aios_config_row_get_key    (AiosConfigRow *self);
gboolean    aios_config_row_apply      (AiosConfigRow *self,
                                        GError       **error);
void        aios_config_row_bind_all   (GtkWidget     *widget,
                                        AiosConfig    *config);

G_END_DECLS
