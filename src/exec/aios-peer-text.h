/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text that came from a peer (an SMTP reply, an HTTP error body) made safe
 * to keep: before it becomes an error message, a journal event or part of
 * an export it goes through aios_peer_text_sanitize().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AIOS_PEER_TEXT_REDACTED "[redacted]"

char *aios_peer_text_sanitize (const char        *bytes,
                               gssize             len,
                               const char *const *secrets);

G_END_DECLS
