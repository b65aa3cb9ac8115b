/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Builders for the detail panes of the Runs and Timeline pages: a column
 * of headed sections, each holding boxed lists of rows. */
void       aios_detail_pane_clear       (GtkBox     *box);
GtkWidget *aios_detail_pane_add_section (GtkBox     *box,
                                         const char *heading);
GtkWidget *aios_detail_pane_add_list    (GtkWidget  *section);

G_END_DECLS
