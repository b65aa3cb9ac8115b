/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AIOS_TYPE_APPLICATION (aios_application_get_type ())
G_DECLARE_FINAL_TYPE (AiosApplication, aios_application, AIOS, APPLICATION, AdwApplication)

AiosApplication *aios_application_new (void);

G_END_DECLS
