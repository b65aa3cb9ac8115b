/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "store/aios-store.h"

G_BEGIN_DECLS

/* The owner of imap_mailboxes and imap_messages: where the watcher is in a
 * mailbox, and which messages were read. Writes run in the caller's
 * transaction, with whatever the message started. */
gboolean aios_imap_checkpoint_get      (AiosStore   *store,
                                        const char  *mailbox,
                                        gint64      *uidvalidity,
                                        gint64      *last_uid,
                                        GError     **error);
gboolean aios_imap_checkpoint_set      (AiosStore   *store,
                                        const char  *mailbox,
                                        gint64       uidvalidity,
                                        gint64       last_uid,
                                        GError     **error);
/* TRUE when the Message-ID was not seen before (and now is), FALSE with
 * @error unset when it was: the message is a duplicate. */
gboolean aios_imap_checkpoint_claim    (AiosStore   *store,
                                        const char  *message_id,
                                        const char  *mailbox,
                                        gint64       uidvalidity,
                                        gint64       uid,
                                        const char  *outcome,
                                        gint64       run_id,
                                        GError     **error);
gboolean aios_imap_checkpoint_set_outcome (AiosStore  *store,
                                           const char *message_id,
                                           const char *outcome,
                                           gint64      run_id,
                                           GError    **error);
gint64   aios_imap_checkpoint_count    (AiosStore   *store,
                                        const char  *message_id);

G_END_DECLS
