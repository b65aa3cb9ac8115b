/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * UIDVALIDITY and UID checkpoints of the watched mailbox, and the
 * Message-IDs already read (the tables are created in aios-exec-schema.c).
 * The watcher reads UIDs above last_uid; when the server's UIDVALIDITY is
 * not the one recorded, it starts again from UID 1 and the Message-IDs keep
 * what was read from being read twice.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-imap-checkpoint.h"

gboolean
aios_imap_checkpoint_get (AiosStore   *store,
                          const char  *mailbox,
                          gint64      *uidvalidity,
                          gint64      *last_uid,
                          GError     **error)
{
  sqlite3_stmt *stmt = aios_store_query (store, "SELECT uidvalidity, last_uid FROM imap_mailboxes WHERE mailbox = ?",
                                         error, "s", mailbox);
  g_autoptr(GError) local_error = NULL;

  *uidvalidity = 0;
  *last_uid = 0;
  if (stmt == NULL)
    return FALSE;
  if (aios_store_next (store, stmt, _("read the mailbox checkpoint"), &local_error))
    {
      *uidvalidity = sqlite3_column_int64 (stmt, 0);
      *last_uid = sqlite3_column_int64 (stmt, 1);
    }
  aios_store_done (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
aios_imap_checkpoint_set (AiosStore   *store,
                          const char  *mailbox,
                          gint64       uidvalidity,
                          gint64       last_uid,
                          GError     **error)
{
  return aios_store_run (store, _("write the mailbox checkpoint"), error,
                         "INSERT INTO imap_mailboxes (mailbox, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                         "last_uid = excluded.last_uid, updated_at = excluded.updated_at",
                         "siii", mailbox, uidvalidity, last_uid, aios_store_now_ms ());
}

gboolean
aios_imap_checkpoint_claim (AiosStore   *store,
                            const char  *message_id,
                            const char  *mailbox,
                            gint64       uidvalidity,
                            gint64       uid,
                            const char  *outcome,
                            gint64       run_id,
                            GError     **error)
{
  if (!aios_store_run (store, _("record a message read"), error,
                       "INSERT INTO imap_messages (message_id, mailbox, uidvalidity, uid, outcome, run_id, received_at) "
                       "VALUES (?, ?, ?, ?, ?, NULLIF (?, 0), ?) ON CONFLICT (message_id) DO NOTHING",
                       "ssiisii", message_id, mailbox, uidvalidity, uid, outcome, run_id, aios_store_now_ms ()))
    return FALSE;
  return aios_store_changes (store) > 0;
}

/* How many times @message_id was read (0 or 1), for tests and status. */
gint64
aios_imap_checkpoint_count (AiosStore  *store,
                            const char *message_id)
{
  return aios_store_get_int64 (store, _("read the messages read"), 0, NULL,
                               "SELECT COUNT (*) FROM imap_messages WHERE message_id = ?", "s", message_id);
}

gboolean
aios_imap_checkpoint_set_outcome (AiosStore   *store,
                                  const char  *message_id,
                                  const char  *outcome,
                                  gint64       run_id,
                                  GError     **error)
{
  return aios_store_run (store, _("record a message read"), error,
                         "UPDATE imap_messages SET outcome = ?, run_id = NULLIF (?, 0) WHERE message_id = ?",
                         "sis", outcome, run_id, message_id);
}
