/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-credentials.h"
#include "aios-email-message.h"

G_BEGIN_DECLS

void aios_smtp_session_start (GTask            *task,
                              AiosCredentials  *credentials,
                              const char       *host,
                              guint16           port,
                              gboolean          implicit_tls,
                              gboolean          loopback,
                              guint             timeout_ms,
                              gboolean          test_only,
                              AiosEmailMessage *message,
                              const char       *message_id,
                              GBytes           *payload);

G_END_DECLS
