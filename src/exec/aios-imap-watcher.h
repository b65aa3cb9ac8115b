/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "store/aios-config.h"
#include "store/aios-store.h"
#include "aios-credentials.h"

G_BEGIN_DECLS

#define AIOS_IMAP_TEST_CA_ENV "AIOS_TEST_IMAP_CA_FILE"
/* The largest message read; a bigger one is skipped, and said so. */
#define AIOS_IMAP_MAX_MESSAGE (16 * 1024 * 1024)

/**
 * AiosImapMessageFunc:
 * @raw: (nullable): the message as the server has it (RFC 5322), or %NULL
 *   for one larger than AIOS_IMAP_MAX_MESSAGE (@size bytes), skipped
 *
 * Handles one new message of @mailbox and, in the same transaction, moves
 * the checkpoint to @uid (aios_imap_checkpoint_set()). Returns %FALSE with
 * @error set to stop (the watcher tries again later, from the checkpoint).
 */
typedef gboolean (*AiosImapMessageFunc) (const char  *mailbox,
                                         gint64       uidvalidity,
                                         gint64       uid,
                                         GBytes      *raw,
                                         gint64       size,
                                         gpointer     user_data,
                                         GError     **error);

#define AIOS_TYPE_IMAP_WATCHER (aios_imap_watcher_get_type ())
G_DECLARE_FINAL_TYPE (AiosImapWatcher, aios_imap_watcher, AIOS, IMAP_WATCHER, GObject)

void             aios_imap_watcher_declare_credential (void);
AiosImapWatcher *aios_imap_watcher_new        (AiosStore           *store,
                                               AiosConfig          *config,
                                               AiosCredentials     *credentials,
                                               AiosImapMessageFunc  func,
                                               gpointer             user_data);
/* Starts watching imap.url (FALSE with @error when it is not set or not a
 * valid URL); reconnects on its own after a failure. */
gboolean         aios_imap_watcher_start      (AiosImapWatcher     *self,
                                               GError             **error);
void             aios_imap_watcher_stop       (AiosImapWatcher     *self);
/* "connecting", "idle" (IDLE), "polling", "fetching", "error", "stopped" */
const char      *aios_imap_watcher_get_state  (AiosImapWatcher     *self);
/* The last failure, sanitized, or NULL */
const char      *aios_imap_watcher_get_last_error (AiosImapWatcher *self);
gint64           aios_imap_watcher_get_last_uid   (AiosImapWatcher *self);
void             aios_imap_watcher_set_retry_ms   (AiosImapWatcher *self,
                                                   guint            retry_ms);

G_END_DECLS
