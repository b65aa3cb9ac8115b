/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AiosWorkspace AiosWorkspace;

#define AIOS_INTAKE_MAX_BODY (64 * 1024)

#define AIOS_TYPE_INTAKE_SERVER (aios_intake_server_get_type ())
G_DECLARE_FINAL_TYPE (AiosIntakeServer, aios_intake_server, AIOS, INTAKE_SERVER, GObject)

AiosIntakeServer *aios_intake_server_new            (AiosWorkspace    *workspace);
/* Follow intake.enabled and intake.port from now on (long-lived processes). */
void              aios_intake_server_arm            (AiosIntakeServer *self);
gboolean          aios_intake_server_is_listening   (AiosIntakeServer *self);
guint             aios_intake_server_get_port       (AiosIntakeServer *self);
void              aios_intake_server_set_rate_limit (AiosIntakeServer *self,
                                                     guint             requests_per_minute);

G_END_DECLS
