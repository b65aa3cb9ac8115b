/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _AiosWorkspace AiosWorkspace;

#define AIOS_INTAKE_MAX_BODY (64 * 1024)
/* A connection that sends nothing for this long is closed (a stalled
 * request line, headers or body, or an idle keep-alive connection). */
#define AIOS_INTAKE_IDLE_TIMEOUT_S 5
/* A whole request (headers and body) must arrive within this long; a
 * client that trickles bytes gets 408 and the connection is closed. */
#define AIOS_INTAKE_REQUEST_TIMEOUT_S 15
/* Requests without a valid token have a budget of their own, so they can
 * never use up the token's (intake's rate limit, 60 a minute by default). */
#define AIOS_INTAKE_UNAUTHORIZED_PER_MINUTE 30

#define AIOS_TYPE_INTAKE_SERVER (aios_intake_server_get_type ())
G_DECLARE_FINAL_TYPE (AiosIntakeServer, aios_intake_server, AIOS, INTAKE_SERVER, GObject)

AiosIntakeServer *aios_intake_server_new            (AiosWorkspace    *workspace);
/* Follow intake.enabled and intake.port from now on (long-lived processes). */
void              aios_intake_server_arm            (AiosIntakeServer *self);
gboolean          aios_intake_server_is_listening   (AiosIntakeServer *self);
guint             aios_intake_server_get_port       (AiosIntakeServer *self);
void              aios_intake_server_set_rate_limit (AiosIntakeServer *self,
                                                     guint             requests_per_minute);
/* Shorter timeouts (tests); 0 keeps the default. */
void              aios_intake_server_set_timeouts   (AiosIntakeServer *self,
                                                     guint             idle_seconds,
                                                     guint             request_seconds);

/* The body checks that need only its bytes (size, empty, a JSON object). */
JsonNode         *aios_intake_parse_body            (const char       *data,
                                                     gsize             len,
                                                     guint            *status,
                                                     const char      **code,
                                                     char            **message);

G_END_DECLS
