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

/* The pure parts of reading a reply (tests/fuzz/fuzz-smtp-reply.c). */
typedef enum {
  AIOS_SMTP_LINE_MALFORMED,  /* not "DDD", "DDD text" or "DDD-text" */
  AIOS_SMTP_LINE_MORE,       /* a continuation line: the reply goes on */
  AIOS_SMTP_LINE_LAST,       /* the reply's last line */
} AiosSmtpLine;

AiosSmtpLine aios_smtp_reply_line_parse (const char *line,
                                         gsize       len,
                                         int        *code);
char        *aios_smtp_reply_text       (const char *reply,
                                         gsize       len,
                                         const char *password);

G_END_DECLS
