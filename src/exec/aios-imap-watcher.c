/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Watching a mailbox for replies, by IMAP4rev1 (RFC 3501) on GIO, like the
 * SMTP session (aios-smtp-session.c): GSocketClient, GTlsClientConnection
 * for implicit TLS (imaps://, port 993) and STARTTLS (imap://, port 143),
 * the system's trust store (the test-only AIOS_TEST_IMAP_CA_FILE replaces
 * it with one CA file). GIO rather than a library: the few commands needed
 * (CAPABILITY, STARTTLS, LOGIN, SELECT, UID FETCH, IDLE, NOOP) are small,
 * and it keeps one main loop and one cancellable model with the rest.
 *
 * Rules:
 *  - plain IMAP only to a loopback host; elsewhere STARTTLS is required, and
 *    LOGIN is never sent in the clear to anyone else;
 *  - one connection per mailbox; everything is asynchronous, the main loop
 *    never waits on the server;
 *  - every line is read into a buffer of at most MAX_LINE bytes and every
 *    literal is refused before it is read when it announces more than
 *    AIOS_IMAP_MAX_MESSAGE bytes: a hostile server gets a clear error, not
 *    our memory; what it says goes through aios_peer_text_sanitize() with
 *    the password before it becomes an error;
 *  - new mail is what lies above the checkpoint's UID (aios-imap-checkpoint.c)
 *    under the same UIDVALIDITY; another UIDVALIDITY reads from UID 1 (the
 *    handler's Message-IDs keep that from reading anything twice);
 *  - IDLE (RFC 2177) when the server offers it, re-issued every IDLE_REFRESH_S
 *    (before the 29 minutes servers allow); otherwise a NOOP and a fetch
 *    every imap.poll_s. A silent or dead connection fails its command's
 *    timeout and the watcher reconnects.
 *
 * The message handler runs synchronously on the main loop and moves the
 * checkpoint in the same transaction as whatever the message started.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-imap-checkpoint.h"
#include "aios-imap-watcher.h"
#include "aios-peer-text.h"

#define MAX_LINE 65536
#define MAX_LITERALS 4
#define MAX_ERROR_TEXT 300
#define COMMAND_TIMEOUT_S 60
#define IDLE_REFRESH_S (25 * 60)
#define RETRY_MAX_MS (5 * 60 * 1000)

typedef enum {
  ST_GREETING,
  ST_CAPABILITY,
  ST_STARTTLS,
  ST_LOGIN,
  ST_CAPABILITY_AUTH,
  ST_SELECT,
  ST_SEARCH,
  ST_FETCH,
  ST_IDLE,
  ST_NOOP,
} Stage;

typedef struct
{
  gint64 uid;
  gint64 size;
} NewMessage;

typedef struct
{
  gatomicrefcount    ref;
  AiosImapWatcher   *watcher;   /* NULL once the watcher let go of it */
  GCancellable      *cancellable;
  GSocketConnection *socket;
  GIOStream         *stream;
  GBufferedInputStream *in;
  char              *host;
  guint16            port;
  gboolean           implicit_tls;
  gboolean           loopback;
  gboolean           tls;
  Stage              stage;
  guint              tag;
  char              *tag_text;
  GString           *line;
  GPtrArray         *literals;
  guint8            *literal_buf;
  gsize              literal_len;
  gboolean           cap_starttls;
  gboolean           cap_idle;
  gboolean           idling;
  gboolean           done_sent;
  gint64             uidvalidity;
  gint64             last_uid;
  gboolean           exists_seen;
  GArray            *news;        /* NewMessage, from the search */
  guint              news_index;
  GBytes            *body;        /* the fetched message */
  gint64             body_uid;
  guint              timer;
  char              *out_buf;
} Conn;

struct _AiosImapWatcher
{
  GObject              parent_instance;
  AiosStore           *store;
  AiosConfig          *config;
  AiosCredentials     *credentials;
  AiosImapMessageFunc  func;
  gpointer             user_data;

  char                *user;
  char                *password;
  char                *mailbox;
  Conn                *conn;
  const char          *state;
  char                *last_error;
  guint                retry_source;
  guint                retry_ms;
  guint                retry_base_ms;
  gboolean             running;
};

G_DEFINE_FINAL_TYPE (AiosImapWatcher, aios_imap_watcher, G_TYPE_OBJECT)

static const AiosCredentialSpec imap_credential = {
  "imap", N_("IMAP Login (user:password)"), N_("IMAP login for reading replies, as user:password"), TRUE
};

void
aios_imap_watcher_declare_credential (void)
{
  aios_credentials_declare (&imap_credential);
}

static void
wipe_free (char *s)
{
  if (s != NULL)
    {
      memset (s, 0, strlen (s));
      g_free (s);
    }
}

static Conn *
conn_ref (Conn *c)
{
  g_atomic_ref_count_inc (&c->ref);
  return c;
}

static void
conn_unref (Conn *c)
{
  if (!g_atomic_ref_count_dec (&c->ref))
    return;
  g_clear_handle_id (&c->timer, g_source_remove);
  g_clear_object (&c->cancellable);
  g_clear_object (&c->in);
  g_clear_object (&c->stream);
  g_clear_object (&c->socket);
  g_free (c->host);
  g_free (c->tag_text);
  g_string_free (c->line, TRUE);
  g_ptr_array_unref (c->literals);
  g_free (c->literal_buf);
  g_array_unref (c->news);
  g_clear_pointer (&c->body, g_bytes_unref);
  wipe_free (c->out_buf);
  g_free (c);
}

/* The watcher of @c when @c is still its connection, else NULL. */
static AiosImapWatcher *
conn_owner (Conn *c)
{
  return c->watcher != NULL && c->watcher->conn == c ? c->watcher : NULL;
}

static void schedule_retry (AiosImapWatcher *self);
static void read_response (Conn *c);
static void send_command (Conn *c, Stage stage, const char *command);
static void fetch_next (Conn *c);

static void
set_state (AiosImapWatcher *self,
           const char      *state)
{
  if (g_strcmp0 (self->state, state) != 0)
    g_debug ("IMAP %s: %s", self->mailbox ? self->mailbox : "", state);
  self->state = state;
}

static void
drop_conn (AiosImapWatcher *self)
{
  Conn *c = g_steal_pointer (&self->conn);

  if (c == NULL)
    return;
  c->watcher = NULL;
  g_clear_handle_id (&c->timer, g_source_remove);
  g_cancellable_cancel (c->cancellable);
  if (c->stream != NULL)
    g_io_stream_close_async (c->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  conn_unref (c);
}

/* Ends the connection with @message (already sanitized) and tries again later. */
static void
conn_fail (Conn       *c,
           const char *message)
{
  AiosImapWatcher *self = conn_owner (c);

  if (self == NULL)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_message ("Reading replies from %s stopped: %s", c->host, message);
  set_state (self, "error");
  drop_conn (self);
  schedule_retry (self);
}

static void
conn_io_error (Conn   *c,
               GError *error)
{
  g_autofree char *message = NULL;

  if (conn_owner (c) == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    message = g_strdup_printf (_("The certificate of %s is not trusted: %s"), c->host, error->message);
  else
    message = g_strdup_printf (_("IMAP connection to %s failed: %s"), c->host, error->message);
  conn_fail (c, message);
}

/* What the server said, fit for an error message. */
static char *
peer_text_len (Conn       *c,
               const char *text,
               gsize       full)
{
  AiosImapWatcher *self = conn_owner (c);
  const char *secrets[] = { self != NULL ? self->password : NULL, NULL };
  gsize len = MIN (full, MAX_ERROR_TEXT);
  g_autofree char *clean = aios_peer_text_sanitize (text, len, secrets);

  return len < full ? g_strdup_printf ("%s…", clean) : g_steal_pointer (&clean);
}

static char *
peer_text (Conn       *c,
           const char *text)
{
  return peer_text_len (c, text, strlen (text));
}

/* Timers: every command has COMMAND_TIMEOUT_S; IDLE is refreshed. */

static gboolean
timeout_cb (gpointer user_data)
{
  Conn *c = user_data;
  g_autofree char *message = NULL;

  c->timer = 0;
  if (c->stage == ST_IDLE && c->idling && !c->done_sent)
    {
      /* Leave IDLE; its tagged OK starts the next look at the mailbox. */
      c->done_sent = TRUE;
      g_output_stream_write_all_async (g_io_stream_get_output_stream (c->stream), "DONE\r\n", 6,
                                       G_PRIORITY_DEFAULT, c->cancellable, NULL, NULL);
      c->timer = g_timeout_add_seconds (COMMAND_TIMEOUT_S, timeout_cb, c);
      return G_SOURCE_REMOVE;
    }
  message = g_strdup_printf (_("%s did not answer within %d s"), c->host, COMMAND_TIMEOUT_S);
  conn_fail (c, message);
  return G_SOURCE_REMOVE;
}

static void
arm_timer (Conn  *c,
           guint  seconds)
{
  g_clear_handle_id (&c->timer, g_source_remove);
  c->timer = g_timeout_add_seconds (seconds, timeout_cb, c);
}

/* Reading: one response = a line, with its literals {N} read in between. */

static void fill_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void handle_response (Conn *c);

static void
literal_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error) || got != c->literal_len)
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, _("the connection closed inside a literal"));
      conn_io_error (c, error);
      conn_unref (c);
      return;
    }
  g_ptr_array_add (c->literals, g_bytes_new_take (g_steal_pointer (&c->literal_buf), c->literal_len));
  read_response (c);
  conn_unref (c);
}

/* Scans the buffered input for the end of a line; returns FALSE when it
 * must read more. */
static gboolean
take_line (Conn *c)
{
  gsize avail = 0;
  const char *buf = g_buffered_input_stream_peek_buffer (c->in, &avail);
  const char *nl = avail > 0 ? memchr (buf, '\n', avail) : NULL;
  gsize len;
  const char *brace;
  guint64 size = 0;

  if (nl == NULL)
    {
      if (avail >= MAX_LINE || c->line->len + avail > MAX_LINE)
        {
          g_autofree char *message = g_strdup_printf (_("%s sent a line longer than %d KiB; it is not read further"),
                                                      c->host, MAX_LINE / 1024);
          conn_fail (c, message);
          return TRUE;
        }
      g_buffered_input_stream_fill_async (c->in, -1, G_PRIORITY_DEFAULT, c->cancellable, fill_cb, conn_ref (c));
      return TRUE;
    }
  len = nl - buf;
  if (c->line->len + len > MAX_LINE)
    {
      g_autofree char *message = g_strdup_printf (_("%s sent a line longer than %d KiB; it is not read further"),
                                                  c->host, MAX_LINE / 1024);
      conn_fail (c, message);
      return TRUE;
    }
  g_string_append_len (c->line, buf, len > 0 && buf[len - 1] == '\r' ? len - 1 : len);
  g_input_stream_skip (G_INPUT_STREAM (c->in), len + 1, NULL, NULL);

  /* A literal: "... {123}" (or {123+}, RFC 7888) at the end of the line. */
  brace = c->line->len > 2 && c->line->str[c->line->len - 1] == '}' ? strrchr (c->line->str, '{') : NULL;
  if (brace != NULL)
    {
      g_autofree char *digits = g_strndup (brace + 1, c->line->str + c->line->len - 1 - brace - 1);
      if (g_str_has_suffix (digits, "+"))
        digits[strlen (digits) - 1] = '\0';
      if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &size, NULL))
        brace = NULL;
    }
  if (brace == NULL)
    {
      handle_response (c);
      return TRUE;
    }
  if (size > AIOS_IMAP_MAX_MESSAGE || c->literals->len >= MAX_LITERALS)
    {
      g_autofree char *message = NULL;
      if (size > AIOS_IMAP_MAX_MESSAGE)
        message = g_strdup_printf (_("%s announced a literal of %" G_GUINT64_FORMAT " bytes, more than the %d MB "
                                     "Aios reads; it is not read"), c->host, size, AIOS_IMAP_MAX_MESSAGE / (1024 * 1024));
      else
        message = g_strdup_printf (_("%s sent more than %d literals in one response"), c->host, MAX_LITERALS);
      conn_fail (c, message);
      return TRUE;
    }
  g_string_append_c (c->line, '\n');   /* where the literal was */
  c->literal_len = size;
  c->literal_buf = g_malloc (MAX (size, 1));
  g_input_stream_read_all_async (G_INPUT_STREAM (c->in), c->literal_buf, size, G_PRIORITY_DEFAULT,
                                 c->cancellable, literal_cb, conn_ref (c));
  return TRUE;
}

static void
fill_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, _("the server closed the connection"));
      conn_io_error (c, error);
    }
  else if (conn_owner (c) != NULL)
    take_line (c);
  conn_unref (c);
}

static void
read_response (Conn *c)
{
  if (conn_owner (c) == NULL)
    return;
  take_line (c);
}

static void
start_response (Conn *c)
{
  g_string_truncate (c->line, 0);
  g_ptr_array_set_size (c->literals, 0);
  read_response (c);
}

/* Writing */

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    conn_io_error (c, error);
  conn_unref (c);
}

static void
send_command (Conn       *c,
              Stage       stage,
              const char *command)
{
  c->stage = stage;
  c->tag++;
  g_free (c->tag_text);
  c->tag_text = g_strdup_printf ("a%u", c->tag);
  wipe_free (c->out_buf);
  c->out_buf = g_strdup_printf ("%s %s\r\n", c->tag_text, command);
  arm_timer (c, COMMAND_TIMEOUT_S);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (c->stream), c->out_buf, strlen (c->out_buf),
                                   G_PRIORITY_DEFAULT, c->cancellable, write_cb, conn_ref (c));
}

/* An IMAP quoted string, or NULL when @s cannot be one (CR, LF, NUL, 8-bit). */
static char *
quote (const char *s)
{
  GString *q = g_string_new ("\"");

  for (const char *p = s; *p; p++)
    {
      if (*p == '\r' || *p == '\n' || (guchar) *p >= 128)
        {
          g_string_free (q, TRUE);
          return NULL;
        }
      if (*p == '"' || *p == '\\')
        g_string_append_c (q, '\\');
      g_string_append_c (q, *p);
    }
  g_string_append_c (q, '"');
  return g_string_free (q, FALSE);
}

/* TLS */

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    conn_io_error (c, error);
  else if (conn_owner (c) != NULL)
    {
      c->tls = TRUE;
      g_clear_object (&c->in);
      g_clear_object (&c->stream);
      c->stream = g_object_ref (G_IO_STREAM (source));
      c->in = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (g_io_stream_get_input_stream (c->stream),
                                                                          MAX_LINE + 1));
      if (c->implicit_tls)
        {
          c->stage = ST_GREETING;
          arm_timer (c, COMMAND_TIMEOUT_S);
          start_response (c);
        }
      else
        /* RFC 3501 6.2.1: ask again what it offers, over TLS. */
        send_command (c, ST_CAPABILITY, "CAPABILITY");
    }
  conn_unref (c);
}

static void
start_tls (Conn *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new (c->host, c->port);
  g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (c->socket), identity, &error);
  const char *ca_file = g_getenv (AIOS_IMAP_TEST_CA_ENV);

  if (tls == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("TLS is not available: %s"), error->message);
      conn_fail (c, message);
      return;
    }
  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (ca_file, &error);
      if (db == NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s: %s", AIOS_IMAP_TEST_CA_ENV, error->message);
          conn_fail (c, message);
          return;
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), db);
    }
  arm_timer (c, COMMAND_TIMEOUT_S);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, c->cancellable,
                                    handshake_cb, conn_ref (c));
}

/* The dialogue */

static void
read_capabilities (Conn       *c,
                   const char *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *w = g_ascii_strup (words[i], -1);
      g_strchomp (w);
      if (g_str_equal (w, "STARTTLS"))
        c->cap_starttls = TRUE;
      else if (g_str_equal (w, "IDLE") || g_str_equal (w, "IDLE]"))
        c->cap_idle = TRUE;
    }
}

static gint64
number_after (const char *text,
              const char *word)
{
  const char *p = strstr (text, word);
  guint64 n = 0;
  char *end = NULL;

  if (p == NULL)
    return -1;
  p += strlen (word);
  n = g_ascii_strtoull (p, &end, 10);
  return end == p ? -1 : (gint64) MIN (n, (guint64) G_MAXINT64);
}

static void
login (Conn *c)
{
  AiosImapWatcher *self = conn_owner (c);
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autofree char *command = NULL;

  if (!c->tls && c->cap_starttls)
    {
      send_command (c, ST_STARTTLS, "STARTTLS");
      return;
    }
  if (!c->tls && !c->loopback)
    {
      g_autofree char *message = g_strdup_printf (_("%s does not offer STARTTLS; Aios reads mail in the clear "
                                                    "only from a loopback host"), c->host);
      conn_fail (c, message);
      return;
    }
  if (self->user == NULL)
    {
      conn_fail (c, _("The IMAP login is not set: store “imap” as user:password (aios credentials set imap)"));
      return;
    }
  user = quote (self->user);
  password = quote (self->password);
  if (user == NULL || password == NULL)
    {
      conn_fail (c, _("The IMAP login must be ASCII without line breaks"));
      return;
    }
  command = g_strdup_printf ("LOGIN %s %s", user, password);
  send_command (c, ST_LOGIN, command);
  memset (command, 0, strlen (command));
}

static void
select_mailbox (Conn *c)
{
  AiosImapWatcher *self = conn_owner (c);
  g_autofree char *name = quote (self->mailbox);
  g_autofree char *command = NULL;

  if (name == NULL)
    {
      conn_fail (c, _("imap.mailbox must be an ASCII mailbox name"));
      return;
    }
  command = g_strdup_printf ("SELECT %s", name);
  c->uidvalidity = 0;
  send_command (c, ST_SELECT, command);
}

static void
search_new (Conn *c)
{
  g_autofree char *command = g_strdup_printf ("UID FETCH %" G_GINT64_FORMAT ":* (UID RFC822.SIZE)", c->last_uid + 1);

  g_array_set_size (c->news, 0);
  c->news_index = 0;
  c->exists_seen = FALSE;
  set_state (conn_owner (c), "fetching");
  send_command (c, ST_SEARCH, command);
}

static gboolean
poll_cb (gpointer user_data)
{
  Conn *c = user_data;

  c->timer = 0;
  send_command (c, ST_NOOP, "NOOP");
  return G_SOURCE_REMOVE;
}

static void
wait_for_mail (Conn *c)
{
  AiosImapWatcher *self = conn_owner (c);

  /* Caught up with the mailbox: the next failure starts its backoff afresh. */
  self->retry_ms = self->retry_base_ms;
  if (c->cap_idle)
    {
      c->idling = FALSE;
      c->done_sent = FALSE;
      set_state (self, "idle");
      send_command (c, ST_IDLE, "IDLE");
    }
  else
    {
      set_state (self, "polling");
      c->stage = ST_NOOP;
      g_clear_handle_id (&c->timer, g_source_remove);
      c->timer = g_timeout_add_seconds ((guint) MAX (1, aios_config_get_seconds (self->config, "imap.poll_s", 60)),
                                        poll_cb, c);
    }
}

static gboolean
deliver (Conn        *c,
         gint64       uid,
         GBytes      *raw,
         gint64       size)
{
  AiosImapWatcher *self = conn_owner (c);
  g_autoptr(GError) error = NULL;

  if (!self->func (self->mailbox, c->uidvalidity, uid, raw, size, self->user_data, &error))
    {
      g_autofree char *message = g_strdup_printf (_("A message (UID %" G_GINT64_FORMAT ") could not be recorded: %s"),
                                                  uid, error->message);
      conn_fail (c, message);
      return FALSE;
    }
  c->last_uid = uid;
  return TRUE;
}

/* The next new message, or back to waiting. */
static void
fetch_next (Conn *c)
{
  while (c->news_index < c->news->len)
    {
      NewMessage *m = &g_array_index (c->news, NewMessage, c->news_index);
      if (m->size > AIOS_IMAP_MAX_MESSAGE)
        {
          c->news_index++;
          if (!deliver (c, m->uid, NULL, m->size))
            return;
          continue;
        }
      {
        g_autofree char *command = g_strdup_printf ("UID FETCH %" G_GINT64_FORMAT " (UID BODY.PEEK[])", m->uid);
        g_clear_pointer (&c->body, g_bytes_unref);
        c->body_uid = 0;
        send_command (c, ST_FETCH, command);
        return;
      }
    }
  if (c->exists_seen)
    search_new (c);
  else
    wait_for_mail (c);
}

static void
handle_untagged (Conn       *c,
                 const char *text)
{
  g_autofree char *upper = g_ascii_strup (text, -1);

  if (g_str_has_prefix (upper, "CAPABILITY "))
    read_capabilities (c, text + 11);
  else if (g_str_has_prefix (upper, "OK [CAPABILITY ") || g_str_has_prefix (upper, "PREAUTH [CAPABILITY "))
    read_capabilities (c, strchr (text, '[') + 12);
  else if (g_str_has_prefix (upper, "OK [UIDVALIDITY "))
    c->uidvalidity = number_after (upper, "UIDVALIDITY ");
  else if (g_str_has_prefix (upper, "BYE"))
    {
      g_autofree char *said = peer_text (c, text);
      g_autofree char *message = g_strdup_printf (_("%s ended the session: %s"), c->host, said);
      conn_fail (c, message);
    }
  else if (strstr (upper, " EXISTS") != NULL)
    {
      c->exists_seen = TRUE;
      if (c->stage == ST_IDLE && c->idling && !c->done_sent)
        {
          c->done_sent = TRUE;
          g_output_stream_write_all_async (g_io_stream_get_output_stream (c->stream), "DONE\r\n", 6,
                                           G_PRIORITY_DEFAULT, c->cancellable, NULL, NULL);
          arm_timer (c, COMMAND_TIMEOUT_S);
        }
    }
  else if (strstr (upper, " FETCH (") != NULL)
    {
      gint64 uid = number_after (upper, "UID ");
      if (uid <= 0)
        return;
      if (c->stage == ST_SEARCH && uid > c->last_uid)
        {
          NewMessage m = { uid, number_after (upper, "RFC822.SIZE ") };
          g_array_append_val (c->news, m);
        }
      else if (c->stage == ST_FETCH && c->literals->len > 0 && strstr (upper, "BODY[]") != NULL)
        {
          g_clear_pointer (&c->body, g_bytes_unref);
          c->body = g_bytes_ref (g_ptr_array_index (c->literals, 0));
          c->body_uid = uid;
        }
    }
}

static int
compare_news (gconstpointer a,
              gconstpointer b)
{
  gint64 x = ((const NewMessage *) a)->uid, y = ((const NewMessage *) b)->uid;
  return x < y ? -1 : x > y;
}

static void
handle_tagged (Conn       *c,
               const char *status,
               const char *text)
{
  AiosImapWatcher *self = conn_owner (c);
  gboolean ok = g_ascii_strncasecmp (status, "OK", 2) == 0;

  if (!ok)
    {
      g_autofree char *said = peer_text (c, text);
      g_autofree char *message = NULL;
      if (c->stage == ST_LOGIN)
        message = g_strdup_printf (_("%s refused the IMAP login: %s"), c->host, said);
      else if (c->stage == ST_SELECT)
        message = g_strdup_printf (_("%s has no mailbox “%s”: %s"), c->host, self->mailbox, said);
      else
        message = g_strdup_printf (_("%s refused a command: %s"), c->host, said);
      conn_fail (c, message);
      return;
    }
  if (strstr (text, "[CAPABILITY ") != NULL)
    read_capabilities (c, strstr (text, "[CAPABILITY ") + 12);

  switch (c->stage)
    {
    case ST_GREETING:
    case ST_CAPABILITY:
      login (c);
      break;
    case ST_STARTTLS:
      start_tls (c);
      break;
    case ST_LOGIN:
      send_command (c, ST_CAPABILITY_AUTH, "CAPABILITY");
      break;
    case ST_CAPABILITY_AUTH:
      select_mailbox (c);
      break;
    case ST_SELECT:
      {
        g_autoptr(GError) error = NULL;
        gint64 known_validity = 0, last_uid = 0;
        if (c->uidvalidity <= 0)
          {
            conn_fail (c, _("The server did not say the mailbox's UIDVALIDITY"));
            return;
          }
        if (!aios_imap_checkpoint_get (self->store, self->mailbox, &known_validity, &last_uid, &error))
          {
            conn_fail (c, error->message);
            return;
          }
        if (known_validity != c->uidvalidity)
          {
            /* A new mailbox, or its UIDs were renumbered: read it all again
             * (the Message-IDs read stop duplicates). */
            if (known_validity != 0)
              g_message ("The UIDVALIDITY of %s changed (%" G_GINT64_FORMAT " → %" G_GINT64_FORMAT "); reading it again",
                         self->mailbox, known_validity, c->uidvalidity);
            last_uid = 0;
            if (!aios_imap_checkpoint_set (self->store, self->mailbox, c->uidvalidity, 0, &error))
              {
                conn_fail (c, error->message);
                return;
              }
          }
        c->last_uid = last_uid;
        search_new (c);
      }
      break;
    case ST_SEARCH:
      g_array_sort (c->news, compare_news);
      c->exists_seen = FALSE;
      fetch_next (c);
      break;
    case ST_FETCH:
      {
        NewMessage *m = &g_array_index (c->news, NewMessage, c->news_index);
        c->news_index++;
        if (c->body == NULL || c->body_uid != m->uid)
          {
            /* Expunged meanwhile: nothing to read, go on. */
            fetch_next (c);
            return;
          }
        if (!deliver (c, m->uid, c->body, g_bytes_get_size (c->body)))
          return;
        g_clear_pointer (&c->body, g_bytes_unref);
        fetch_next (c);
      }
      break;
    case ST_IDLE:
    case ST_NOOP:
      c->idling = FALSE;
      search_new (c);
      break;
    }
}

static void
handle_response (Conn *c)
{
  const char *line = c->line->str;

  if (g_str_has_prefix (line, "* "))
    {
      handle_untagged (c, line + 2);
      if (conn_owner (c) != NULL)
        {
          if (c->stage == ST_GREETING)
            {
              if (g_ascii_strncasecmp (line + 2, "OK", 2) != 0)
                {
                  g_autofree char *said = peer_text (c, line);
                  g_autofree char *message = g_strdup_printf (_("%s does not greet as an IMAP server: %s"), c->host, said);
                  conn_fail (c, message);
                  return;
                }
              if (strstr (line, "[CAPABILITY ") != NULL)
                login (c);
              else
                send_command (c, ST_CAPABILITY, "CAPABILITY");
            }
          else if (c->stage == ST_IDLE && c->idling && !c->done_sent)
            arm_timer (c, IDLE_REFRESH_S);
          start_response (c);
        }
      return;
    }
  if (g_str_has_prefix (line, "+"))
    {
      if (c->stage == ST_IDLE)
        {
          c->idling = TRUE;
          if (c->exists_seen && !c->done_sent)
            {
              c->done_sent = TRUE;
              g_output_stream_write_all_async (g_io_stream_get_output_stream (c->stream), "DONE\r\n", 6,
                                               G_PRIORITY_DEFAULT, c->cancellable, NULL, NULL);
            }
          else
            arm_timer (c, IDLE_REFRESH_S);
          start_response (c);
          return;
        }
      conn_fail (c, _("The IMAP server asked for more where nothing was expected"));
      return;
    }
  if (c->tag_text != NULL && g_str_has_prefix (line, c->tag_text) && line[strlen (c->tag_text)] == ' ')
    {
      const char *status = line + strlen (c->tag_text) + 1;
      const char *text = strchr (status, ' ');
      g_autofree char *copy = g_strdup (line);   /* the handler may read the next line */
      const char *copy_status = copy + (status - line);
      const char *copy_text = text != NULL ? copy + (text - line) + 1 : "";
      handle_tagged (c, copy_status, copy_text);
      /* Reading goes on, but for STARTTLS: the handshake takes the stream. */
      if (conn_owner (c) != NULL && c->stage != ST_STARTTLS)
        start_response (c);
      return;
    }
  {
    g_autofree char *said = peer_text_len (c, c->line->str, c->line->len);   /* NULs included */
    g_autofree char *message = g_strdup_printf (_("%s sent something that is not IMAP: %s"), c->host, said);
    conn_fail (c, message);
  }
}

/* Connecting */

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *socket = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (socket == NULL)
    conn_io_error (c, error);
  else if (conn_owner (c) == NULL)
    g_object_unref (socket);
  else
    {
      c->socket = socket;
      /* The client's timeout was for connecting: an IDLE connection is
       * silent for minutes, and the command timers watch the rest. */
      g_socket_set_timeout (g_socket_connection_get_socket (socket), 0);
      if (c->implicit_tls)
        start_tls (c);
      else
        {
          c->stream = g_object_ref (G_IO_STREAM (socket));
          c->in = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (g_io_stream_get_input_stream (c->stream),
                                                                              MAX_LINE + 1));
          c->stage = ST_GREETING;
          arm_timer (c, COMMAND_TIMEOUT_S);
          start_response (c);
        }
    }
  conn_unref (c);
}

static gboolean
parse_url (AiosImapWatcher  *self,
           char            **host,
           guint16          *port,
           gboolean         *implicit_tls,
           gboolean         *loopback,
           GError          **error)
{
  g_autofree char *url = aios_config_get (self->config, "imap.url");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  const char *scheme;

  if (url == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Incoming mail is not configured: set imap.url"));
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (scheme, "imap") != 0 && g_ascii_strcasecmp (scheme, "imaps") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("imap.url must look like imaps://host:port or imap://host:port (got “%s”)"), url);
      return FALSE;
    }
  *implicit_tls = g_ascii_strcasecmp (scheme, "imaps") == 0;
  *host = g_strdup (g_uri_get_host (uri));
  *port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : (*implicit_tls ? 993 : 143);
  addr = g_inet_address_new_from_string (*host);
  *loopback = g_ascii_strcasecmp (*host, "localhost") == 0 || (addr != NULL && g_inet_address_get_is_loopback (addr));
  return TRUE;
}

static void
connect_now (AiosImapWatcher *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autofree char *mailbox = NULL;
  Conn *c;

  drop_conn (self);
  c = g_new0 (Conn, 1);
  g_atomic_ref_count_init (&c->ref);
  c->watcher = self;
  c->cancellable = g_cancellable_new ();
  c->line = g_string_new (NULL);
  c->literals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->news = g_array_new (FALSE, FALSE, sizeof (NewMessage));
  self->conn = c;
  if (!parse_url (self, &c->host, &c->port, &c->implicit_tls, &c->loopback, &error))
    {
      conn_fail (c, error->message);
      return;
    }
  mailbox = aios_config_get (self->config, "imap.mailbox");
  g_free (self->mailbox);
  self->mailbox = g_strdup (mailbox != NULL && *mailbox != '\0' ? mailbox : "INBOX");
  set_state (self, "connecting");
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, COMMAND_TIMEOUT_S);
  address = g_network_address_new (c->host, c->port);
  g_socket_client_connect_async (client, address, c->cancellable, connect_cb, conn_ref (c));
}

static void
credential_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AiosImapWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!self->running)
    return;
  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "imap", &secret, &error))
    {
      g_free (self->last_error);
      self->last_error = g_strdup (error->message);
      set_state (self, "error");
      schedule_retry (self);
      return;
    }
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->password, wipe_free);
  if (secret != NULL)
    {
      char *colon = strchr (secret, ':');
      if (colon != NULL)
        {
          self->user = g_strndup (secret, colon - secret);
          self->password = g_strdup (colon + 1);
        }
      memset (secret, 0, strlen (secret));
      secret_password_free (secret);
    }
  connect_now (self);
}

static void
begin (AiosImapWatcher *self)
{
  set_state (self, "connecting");
  aios_credentials_lookup_async (self->credentials, "imap", NULL, credential_cb, g_object_ref (self));
}

static gboolean
retry_cb (gpointer user_data)
{
  AiosImapWatcher *self = user_data;

  self->retry_source = 0;
  begin (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (AiosImapWatcher *self)
{
  if (!self->running || self->retry_source != 0)
    return;
  self->retry_source = g_timeout_add (self->retry_ms, retry_cb, self);
  self->retry_ms = MIN (self->retry_ms * 2, RETRY_MAX_MS);
}

/* The watcher */

static void
aios_imap_watcher_dispose (GObject *object)
{
  AiosImapWatcher *self = AIOS_IMAP_WATCHER (object);

  aios_imap_watcher_stop (self);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  G_OBJECT_CLASS (aios_imap_watcher_parent_class)->dispose (object);
}

static void
aios_imap_watcher_finalize (GObject *object)
{
  AiosImapWatcher *self = AIOS_IMAP_WATCHER (object);

  g_free (self->user);
  wipe_free (self->password);
  g_free (self->mailbox);
  g_free (self->last_error);
  G_OBJECT_CLASS (aios_imap_watcher_parent_class)->finalize (object);
}

static void
aios_imap_watcher_class_init (AiosImapWatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_imap_watcher_dispose;
  G_OBJECT_CLASS (klass)->finalize = aios_imap_watcher_finalize;
}

static void
aios_imap_watcher_init (AiosImapWatcher *self)
{
  self->state = "stopped";
  self->retry_base_ms = self->retry_ms = 5000;
}

AiosImapWatcher *
aios_imap_watcher_new (AiosStore           *store,
                       AiosConfig          *config,
                       AiosCredentials     *credentials,
                       AiosImapMessageFunc  func,
                       gpointer             user_data)
{
  AiosImapWatcher *self = g_object_new (AIOS_TYPE_IMAP_WATCHER, NULL);

  self->store = g_object_ref (store);
  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->func = func;
  self->user_data = user_data;
  return self;
}

gboolean
aios_imap_watcher_start (AiosImapWatcher  *self,
                         GError          **error)
{
  g_autofree char *host = NULL;
  guint16 port;
  gboolean tls, loopback;

  g_return_val_if_fail (AIOS_IS_IMAP_WATCHER (self), FALSE);
  if (self->running)
    return TRUE;
  if (!parse_url (self, &host, &port, &tls, &loopback, error))
    return FALSE;
  self->running = TRUE;
  begin (self);
  return TRUE;
}

void
aios_imap_watcher_stop (AiosImapWatcher *self)
{
  g_return_if_fail (AIOS_IS_IMAP_WATCHER (self));
  self->running = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  drop_conn (self);
  set_state (self, "stopped");
}

const char *
aios_imap_watcher_get_state (AiosImapWatcher *self)
{
  return self->state;
}

const char *
aios_imap_watcher_get_last_error (AiosImapWatcher *self)
{
  return self->last_error;
}

gint64
aios_imap_watcher_get_last_uid (AiosImapWatcher *self)
{
  return self->conn != NULL ? self->conn->last_uid : 0;
}

/* How long after a failure the first retry waits (5 s unless set; doubling). */
void
aios_imap_watcher_set_retry_ms (AiosImapWatcher *self,
                                guint            retry_ms)
{
  self->retry_base_ms = self->retry_ms = MAX (retry_ms, 10u);
}
