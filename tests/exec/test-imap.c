/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The IMAP watcher against a hostile server on loopback
 * (tests/peers/imap-hostile-peer.py): a literal of 99999999999 bytes, a line
 * that never ends, bytes that are not IMAP and a BYE that echoes the
 * password each end the connection with a clear, sanitized error and no
 * crash, and nothing is delivered; the well-behaved variant delivers its one
 * message once and then polls (it offers no IDLE). And GMime's parsing of
 * what arrives: multipart, base64, charsets, HTML-only mail, References.
 * (The watcher against Dovecot, end to end: tests/e2e/test_replies.py.)
 */
#include "config.h"

#include <string.h>

#include "exec-test-util.h"
#include "exec/aios-imap-checkpoint.h"
#include "exec/aios-imap-watcher.h"
#include "exec/aios-mail-parse.h"

#define PASSWORD "s3cret-imap-pw"

typedef struct {
  AiosStore *store;   /* the handler moves the checkpoint, as its contract says */
  guint   delivered;
  gint64  uid;
  char   *message_id;
} Seen;

static gboolean
handler (const char  *mailbox,
         gint64       uidvalidity,
         gint64       uid,
         GBytes      *raw,
         gint64       size,
         gpointer     user_data,
         GError     **error)
{
  Seen *seen = user_data;
  g_autoptr(AiosIncomingMail) mail = aios_incoming_mail_parse (raw, error);

  g_assert_nonnull (mail);
  if (seen->store != NULL && !aios_imap_checkpoint_set (seen->store, mailbox, uidvalidity, uid, error))
    return FALSE;
  seen->delivered++;
  seen->uid = uid;
  g_free (seen->message_id);
  seen->message_id = g_strdup (mail->message_id);
  return TRUE;
}

/* One watcher's life against the peer, until @expected_state. */
static AiosImapWatcher *
watch (AiosWorkspace *ws,
       ExecPeer      *peer,
       const char    *expected_state,
       Seen          *seen)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("imap://127.0.0.1:%u", peer->port);
  AiosImapWatcher *watcher;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  seen->store = aios_workspace_get_store (ws);
  exec_set (ws, "imap.url", url);
  exec_set (ws, "imap.poll_s", "3600");
  aios_credentials_store_sync (aios_workspace_get_credentials (ws), "imap", "robin:" PASSWORD, &error);
  g_assert_no_error (error);
  watcher = aios_imap_watcher_new (aios_workspace_get_store (ws), aios_workspace_get_config (ws),
                                   aios_workspace_get_credentials (ws), handler, seen);
  aios_imap_watcher_set_retry_ms (watcher, 600000);
  g_assert_true (aios_imap_watcher_start (watcher, &error));
  g_assert_no_error (error);
  while (g_strcmp0 (aios_imap_watcher_get_state (watcher), expected_state) != 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_assert_cmpstr (aios_imap_watcher_get_state (watcher), ==, expected_state);
  return watcher;
}

/* Restarts read nothing twice; another UIDVALIDITY reads the mailbox again. */
static void
test_uidvalidity (void)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  const char *validities[] = { "7", "7", "8" };
  const guint expected[] = { 1, 0, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (validities); i++)
    {
      ExecPeer *peer = exec_peer_start_args ("imap-hostile-peer.py", "--uidvalidity", validities[i], NULL);
      Seen seen = { 0 };
      AiosImapWatcher *watcher = watch (ws, peer, "polling", &seen);
      gint64 validity = 0, last = 0;

      g_assert_cmpuint (seen.delivered, ==, expected[i]);
      g_assert_true (aios_imap_checkpoint_get (aios_workspace_get_store (ws), "INBOX", &validity, &last, &error));
      g_assert_cmpint (validity, ==, g_ascii_strtoll (validities[i], NULL, 10));
      aios_imap_watcher_stop (watcher);
      g_object_unref (watcher);
      g_free (seen.message_id);
      exec_peer_stop (peer);
    }
  exec_workspace_free (ws, path);
}

static void
run_fault (const char *fault,
           const char *expected_state,
           const char *expected_error)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;   /* exec_workspace_free() frees it */
  AiosWorkspace *ws = exec_workspace_new (&path);
  ExecPeer *peer = exec_peer_start_args ("imap-hostile-peer.py", "--fault", fault, NULL);
  Seen seen = { 0 };
  g_autoptr(AiosImapWatcher) watcher = NULL;

  watcher = watch (ws, peer, expected_state, &seen);
  g_test_message ("%s: state %s, error %s", fault, aios_imap_watcher_get_state (watcher),
                  aios_imap_watcher_get_last_error (watcher));
  g_assert_cmpstr (aios_imap_watcher_get_state (watcher), ==, expected_state);
  if (expected_error != NULL)
    {
      const char *text = aios_imap_watcher_get_last_error (watcher);
      g_assert_nonnull (strstr (text, expected_error));
      g_assert_null (strstr (text, PASSWORD));
      g_assert_null (strchr (text, '\033'));
      g_assert_cmpuint (strlen (text), <, 2000);
      g_assert_cmpuint (seen.delivered, ==, 0);
    }
  else
    {
      gint64 validity = 0, last = 0;
      g_assert_cmpuint (seen.delivered, ==, 1);
      g_assert_cmpint (seen.uid, ==, 1);
      g_assert_cmpstr (seen.message_id, ==, "<one@example.net>");
      g_assert_true (aios_imap_checkpoint_get (aios_workspace_get_store (ws), "INBOX", &validity, &last, &error));
      g_assert_cmpint (validity, ==, 7);
    }
  aios_imap_watcher_stop (watcher);
  g_clear_object (&watcher);
  g_free (seen.message_id);
  exec_peer_stop (peer);
  exec_workspace_free (ws, path);
}

static void
test_huge_literal (void)
{
  run_fault ("huge-literal", "error", "announced a literal of 99999999999 bytes");
}

static void
test_huge_line (void)
{
  run_fault ("huge-line", "error", "a line longer than 64 KiB");
}

static void
test_garbage (void)
{
  run_fault ("garbage", "error", "sent something that is not IMAP: \\x1b[31mHELLO\\x00 this is not IMAP");
}

static void
test_bye (void)
{
  run_fault ("bye", "error", "ended the session: BYE go away,");
}

static void
test_polls (void)
{
  run_fault ("none", "polling", NULL);
}

static AiosIncomingMail *
parse (const char *text)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  AiosIncomingMail *mail = aios_incoming_mail_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mail);
  return mail;
}

static void
test_parse (void)
{
  g_autoptr(AiosIncomingMail) multipart = parse (
    "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <Juergen@Example.DE>\r\n"
    "To: robin@example.com\r\n"
    "Subject: =?UTF-8?B?UmU6IELDvHJv?=\r\n"
    "Message-ID: <abc@example.de>\r\n"
    "In-Reply-To: <run-1-step-2@example.com>\r\n"
    "References: <first@example.com>\r\n <run-1-step-2@example.com>\r\n"
    "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n"
    "--b2\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "R3L832UglyBqYSwgZ2VybiE=\r\n"
    "--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n--b2--\r\n"
    "--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=x.txt\r\n\r\nnot this\r\n"
    "--b1--\r\n");
  g_autoptr(AiosIncomingMail) html = parse (
    "From: pat@example.net\r\nSubject: hi\r\nMessage-ID: <h@example.net>\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Not now,</p><p>thanks\x1b[2J</p>\r\n");

  g_assert_cmpstr (multipart->from_name, ==, "Jürgen Müller");
  g_assert_cmpstr (multipart->from_address, ==, "juergen@example.de");
  g_assert_cmpstr (multipart->subject, ==, "Re: Büro");
  g_assert_cmpstr (multipart->message_id, ==, "<abc@example.de>");
  g_assert_cmpstr (multipart->in_reply_to, ==, "<run-1-step-2@example.com>");
  g_assert_cmpuint (multipart->references->len, ==, 2);
  g_assert_cmpstr (multipart->references->pdata[1], ==, "<run-1-step-2@example.com>");
  g_assert_cmpint (multipart->date, ==, G_GINT64_CONSTANT (1796115600000));
  /* base64 of "Grüße — ja, gern!" in windows-1252 (the dash is 0x97) */
  g_assert_cmpstr (multipart->text, ==, "Grüße — ja, gern!");
  g_assert_null (strstr (multipart->text, "HTML"));
  g_assert_null (strstr (multipart->text, "not this"));
  g_assert_nonnull (strstr (html->text, "Not now,"));
  g_assert_null (strstr (html->text, "<p>"));
  g_assert_null (strchr (html->text, '\033'));
  g_assert_null (html->in_reply_to);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/imap/parse", test_parse);
  g_test_add_func ("/exec/imap/polls", test_polls);
  g_test_add_func ("/exec/imap/uidvalidity", test_uidvalidity);
  g_test_add_func ("/exec/imap/huge-literal", test_huge_literal);
  g_test_add_func ("/exec/imap/huge-line", test_huge_line);
  g_test_add_func ("/exec/imap/garbage", test_garbage);
  g_test_add_func ("/exec/imap/bye", test_bye);
  return g_test_run ();
}
