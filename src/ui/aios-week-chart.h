/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AIOS_TYPE_WEEK_CHART (aios_week_chart_get_type ())
G_DECLARE_FINAL_TYPE (AiosWeekChart, aios_week_chart, AIOS, WEEK_CHART, GtkWidget)

GtkWidget  *aios_week_chart_new         (const char          *title);
void        aios_week_chart_set_data    (AiosWeekChart       *self,
                                         guint                n,
                                         const char * const  *labels,
                                         const double        *values,
                                         const char * const  *value_texts);
const char *aios_week_chart_get_title   (AiosWeekChart       *self);
char       *aios_week_chart_describe    (AiosWeekChart       *self);

G_END_DECLS
