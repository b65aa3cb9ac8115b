/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Building an RFC 5322 / MIME message for the email connector: addresses,
 * encoded words, quoted-printable, and the SMTP transparency (dot-stuffing).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char      *from;
  char      *from_name;   /* the display name, or NULL */
  GPtrArray *to;          /* formatted "Name <addr>" or "addr" */
  GPtrArray *cc;
  GPtrArray *bcc;
  GPtrArray *rcpts;       /* bare addresses: to + cc + bcc */
  char      *reply_to;
  char      *subject;
  char      *body;        /* as given, normalised to LF */
  char      *in_reply_to; /* nullable: "<id@host>", the message this one answers */
  char      *references;  /* nullable: "<a@h> <b@h>", the thread, oldest first */
} AiosEmailMessage;

AiosEmailMessage *aios_email_message_from_json  (JsonObject        *request,
                                                 const char        *from,
                                                 const char        *from_name,
                                                 GError           **error);
void              aios_email_message_free       (AiosEmailMessage  *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosEmailMessage, aios_email_message_free)

char             *aios_email_message_id_for_key (const char        *idempotency_key,
                                                 const char        *from);
char             *aios_email_message_dup_from   (AiosEmailMessage  *message);
/* The whole message with CRLF line ends; @message_id and @date may be
 * placeholders (the preview) or real (execution). */
char             *aios_email_message_render     (AiosEmailMessage  *message,
                                                 const char        *message_id,
                                                 const char        *date);
char             *aios_email_format_date        (GDateTime         *when);
char             *aios_email_encode_header_text (const char        *text);
GBytes           *aios_email_dot_stuff          (const char        *rendered);
gboolean          aios_email_address_is_valid   (const char        *address);
gboolean          aios_email_message_id_is_valid (const char       *message_id);

G_END_DECLS
