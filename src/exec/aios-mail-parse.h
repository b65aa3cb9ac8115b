/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * AiosIncomingMail:
 *
 * What Aios keeps of a message read from the mailbox, every text sanitized
 * peer text (aios_peer_text_sanitize()), the text part at most
 * AIOS_MAIL_MAX_TEXT bytes. Message-IDs are in angle brackets, as the
 * outbox records what it sent.
 */
typedef struct {
  char      *from_name;     /* or NULL */
  char      *from_address;  /* or NULL */
  char      *subject;
  char      *message_id;    /* "<...>", or NULL when the message has none */
  char      *in_reply_to;   /* or NULL */
  GPtrArray *references;    /* "<...>" each, oldest first */
  gint64     date;          /* ms since the epoch, 0 when unknown */
  char      *text;          /* the text part, UTF-8, LF line ends */
} AiosIncomingMail;

#define AIOS_MAIL_MAX_TEXT (64 * 1024)

AiosIncomingMail *aios_incoming_mail_parse (GBytes            *raw,
                                            GError           **error);
void              aios_incoming_mail_free  (AiosIncomingMail  *mail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosIncomingMail, aios_incoming_mail_free)

G_END_DECLS
