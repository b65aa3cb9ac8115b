/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean aios_app_register (GApplication  *application,
                            char         **argv);

G_END_DECLS
