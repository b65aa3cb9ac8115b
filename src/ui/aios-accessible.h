/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void aios_accessible_name_controls (GtkWidget *root,
                                    gboolean   image_buttons);

G_END_DECLS
