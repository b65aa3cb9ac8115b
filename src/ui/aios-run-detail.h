/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "control/aios-run-info.h"

G_BEGIN_DECLS

#define AIOS_TYPE_RUN_DETAIL (aios_run_detail_get_type ())
G_DECLARE_FINAL_TYPE (AiosRunDetail, aios_run_detail, AIOS, RUN_DETAIL, AdwBin)

GtkWidget         *aios_run_detail_new              (void);
const AiosRunInfo *aios_run_detail_get_run          (AiosRunDetail     *self);
void               aios_run_detail_set_run          (AiosRunDetail     *self,
                                                     const AiosRunInfo *run);
void               aios_run_detail_set_can_show_timeline (AiosRunDetail *self,
                                                          gboolean       can_show);
GtkBox            *aios_run_detail_get_sections     (AiosRunDetail     *self);

const char        *aios_run_status_label            (const char        *status);
char              *aios_run_describe_state          (const AiosRunInfo *info);

G_END_DECLS
