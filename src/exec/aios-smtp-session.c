/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SMTP submission session, for the email connector
 * (aios-email-connector.c has the settings, the message and the preview).
 * By SMTP submission, on GIO: GSocketClient for the connection,
 * GTlsClientConnection for STARTTLS (smtp://, port 587 by default) and
 * implicit TLS (smtps://, port 465), GDataInputStream for the replies.
 * GIO rather than libcurl: it is already our I/O layer (one main loop, one
 * cancellable model, the system's TLS backend and trust store), and the
 * submission dialogue is small enough to speak directly and test on the wire.
 *
 * Rules:
 *  - certificates are checked against the system trust store (the test-only
 *    AIOS_TEST_SMTP_CA_FILE replaces it with one CA file);
 *  - plain SMTP only to a loopback host; elsewhere STARTTLS is required;
 *  - AUTH PLAIN or LOGIN only once TLS is up; credentials are never sent
 *    in the clear;
 *  - Message-ID is derived from the idempotency key.
 *
 * Classification: 4xx replies and connection failures before the end of
 * DATA → RETRYABLE (nothing was delivered); 5xx → PERMANENT; no answer
 * after the final "." → UNKNOWN_OUTCOME (the server may have queued it);
 * once the server accepted the final "." (250), the message is sent,
 * whatever QUIT gets.
 *
 * What the server says is peer text: replies are read a line at a time into
 * a buffer of MAX_REPLY_LINE bytes (a longer line fails without being
 * read further), and every reply goes through aios_peer_text_sanitize()
 * with the password before it becomes an error or a result.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-connector.h"
#include "aios-email-connector.h"
#include "aios-http.h"
#include "aios-peer-text.h"
#include "aios-smtp-session.h"

#define MAX_REPLY 65536
/* RFC 5321 allows 512 octets; leave room for chatty servers. */
#define MAX_REPLY_LINE 4096
#define MAX_ERROR_TEXT 1024

typedef enum {
  ST_CONNECT,
  ST_GREETING,
  ST_EHLO,
  ST_STARTTLS,
  ST_AUTH_PLAIN,
  ST_AUTH_LOGIN,
  ST_AUTH_USER,
  ST_AUTH_PASS,
  ST_MAIL,
  ST_RCPT,
  ST_DATA,
  ST_DATA_END,
  ST_QUIT,
} Stage;

typedef struct
{
  GTask             *task;
  gboolean           test_only;
  char              *host;
  guint16            port;
  gboolean           implicit_tls;
  gboolean           loopback;
  char              *user;
  char              *password;
  AiosEmailMessage  *message;
  char              *message_id;
  GBytes            *payload;

  GCancellable      *inner;
  GCancellable      *outer;
  gulong             outer_handler;
  guint              deadline;
  guint              timeout_ms;
  gboolean           timed_out;

  GSocketConnection *conn;
  GIOStream         *stream;
  GBufferedInputStream *in;
  char              *out_buf;

  Stage              stage;
  guint              rcpt_index;
  GString           *reply;
  GPtrArray         *extensions;
  char              *greeting;
  gboolean           tls;
  gboolean           starttls_offered;
  gboolean           auth_plain;
  gboolean           auth_login;
  gboolean           authenticated;
  gboolean           data_end_sent;
  char              *delivered;
} Job;

static void
wipe_free (char *s)
{
  if (s != NULL)
    {
      memset (s, 0, strlen (s));
      g_free (s);
    }
}

static void
job_free (Job *job)
{
  g_clear_handle_id (&job->deadline, g_source_remove);
  if (job->outer_handler != 0)
    g_cancellable_disconnect (job->outer, job->outer_handler);
  g_clear_object (&job->outer);
  g_clear_object (&job->inner);
  g_free (job->host);
  g_free (job->user);
  wipe_free (job->password);
  g_clear_pointer (&job->message, aios_email_message_free);
  g_free (job->message_id);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_clear_object (&job->in);
  g_clear_object (&job->stream);
  g_clear_object (&job->conn);
  wipe_free (job->out_buf);
  g_string_free (job->reply, TRUE);
  g_ptr_array_unref (job->extensions);
  g_free (job->greeting);
  g_free (job->delivered);
  g_free (job);
}

/* Ending the job: the task owns it through its task data. */

static void
job_return_error (Job    *job,
                  GError *error)
{
  GTask *task = g_steal_pointer (&job->task);

  g_clear_handle_id (&job->deadline, g_source_remove);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
job_io_error (Job    *job,
              GError *error)
{
  g_autoptr(GError) owned = error;
  g_autofree char *why = NULL;

  if (job->timed_out)
    why = g_strdup_printf (_("no answer from %s within %u s"), job->host, MAX (1u, job->timeout_ms / 1000));
  else
    why = g_strdup_printf ("%s (%s)", error->message, job->host);

  if (job->stage == ST_QUIT)
    return; /* handled by the caller: delivery already confirmed */

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !job->timed_out && !job->data_end_sent)
    job_return_error (job, g_steal_pointer (&owned));
  else if (job->data_end_sent)
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                                        _("The message was sent but %s; it may or may not be delivered"),
                                        why));
  else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                        _("The certificate of %s is not trusted: %s"),
                                        job->host, error->message));
  else
    job_return_error (job, aios_connector_error_new_retry (-1, _("Email not sent: %s"), why));
}

/**
 * aios_smtp_reply_text:
 * @reply: (array length=len): a reply's lines, joined by '\n', any bytes
 * @password: (nullable): the secret that must never show
 *
 * The reply as text fit for an error message: no secret, no AUTH payload,
 * valid UTF-8, control characters escaped, at most about MAX_ERROR_TEXT
 * bytes.
 */
char *
aios_smtp_reply_text (const char *reply,
                      gsize       len,
                      const char *password)
{
  const char *secrets[] = { password, NULL };
  g_autoptr(GString) joined = g_string_new_len (reply, len);
  char *text;

  for (gsize i = 0; i < joined->len; i++)
    if (joined->str[i] == '\n')
      joined->str[i] = ' ';
  text = aios_peer_text_sanitize (joined->str, joined->len, secrets);
  if (strlen (text) > MAX_ERROR_TEXT)
    {
      const char *end = g_utf8_find_prev_char (text, text + MAX_ERROR_TEXT + 1);
      char *cut = g_strdup_printf ("%.*s…", (int) (end - text), text);
      g_free (text);
      text = cut;
    }
  return text;
}

static char *
job_reply_text (Job *job)
{
  return aios_smtp_reply_text (job->reply->str, job->reply->len, job->password);
}

/**
 * aios_smtp_reply_line_parse:
 * @line: (array length=len): one reply line without its CR LF, any bytes
 * @code: (out): the reply code (RFC 5321 §4.2), when not malformed
 *
 * Returns: whether the line is the last of its reply, a continuation
 *   ("250-"), or not a reply line at all
 */
AiosSmtpLine
aios_smtp_reply_line_parse (const char *line,
                            gsize       len,
                            int        *code)
{
  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (len > 3 && line[3] != ' ' && line[3] != '-'))
    return AIOS_SMTP_LINE_MALFORMED;
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  return len > 3 && line[3] == '-' ? AIOS_SMTP_LINE_MORE : AIOS_SMTP_LINE_LAST;
}

static void finish_success (Job *job);

static void
job_reply_error (Job        *job,
                 int         code,
                 const char *what)
{
  g_autofree char *text = NULL;

  if (job->stage == ST_QUIT)
    {
      /* The message (or the test) went through before QUIT: whatever the
       * server answers to it, even nonsense, changes nothing. */
      finish_success (job);
      return;
    }
  text = job_reply_text (job);
  if (code >= 400 && code < 500)
    job_return_error (job, aios_connector_error_new_retry (-1, _("%s: %s answered %s"), what, job->host, text));
  else if (code == 535 || code == 534)
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                        _("%s refused the login (check the smtp credential): %s"),
                                        job->host, text));
  else if (job->data_end_sent && code == 0)
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                                        _("The message was sent but %s answered nonsense: %s"),
                                        job->host, text));
  else
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                        _("%s: %s answered %s"), what, job->host, text));
}

/* Replies */

static void on_reply (Job *job, int code);
static void read_reply_line (Job *job);

typedef enum {
  LINE_MORE,     /* a continuation line ("250-"): read the next one */
  LINE_DONE,     /* the reply was handled (or failed) */
} LineResult;

/* One line of a reply, without its line end, any bytes (NULs included). */
static LineResult
take_line (Job        *job,
           const char *line,
           gsize       len)
{
  AiosSmtpLine kind;
  int code = 0;

  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (job->reply->len + len > MAX_REPLY)
    {
      job_reply_error (job, 0, _("Reply too long"));
      return LINE_DONE;
    }
  if (job->reply->len > 0)
    g_string_append_c (job->reply, '\n');
  g_string_append_len (job->reply, line, len);

  kind = aios_smtp_reply_line_parse (line, len, &code);
  if (kind == AIOS_SMTP_LINE_MALFORMED)
    {
      job_reply_error (job, 0, _("Malformed reply"));
      return LINE_DONE;
    }
  if (job->stage == ST_EHLO && len > 4)
    {
      g_autofree char *ext = g_strndup (line + 4, len - 4);
      g_ptr_array_add (job->extensions, g_ascii_strup (ext, -1));
    }
  if (kind == AIOS_SMTP_LINE_MORE)
    return LINE_MORE;
  on_reply (job, code);
  return LINE_DONE;
}

static void
reply_line_too_long (Job *job)
{
  g_autofree char *what = g_strdup_printf (_("%s sent a reply line longer than %u bytes"),
                                           job->host, MAX_REPLY_LINE);

  if (job->stage == ST_QUIT)
    finish_success (job);
  else if (job->data_end_sent)
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                                        _("The message was sent but %s; it may or may not be delivered"),
                                        what));
  else
    job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                        _("Email not sent: %s"), what));
}

static void
fill_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (source), result, &error);

  if (n > 0)
    {
      read_reply_line (job);
      return;
    }
  if (job->stage == ST_QUIT)
    {
      on_reply (job, 221);
      return;
    }
  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                 _("the server closed the connection"));
  job_io_error (job, g_steal_pointer (&error));
}

/* Reads the lines of a reply out of the buffer, filling it as needed; the
 * buffer holds MAX_REPLY_LINE bytes, so a line without an end in that much
 * fails at once instead of being read to its end. */
static void
read_reply_line (Job *job)
{
  for (;;)
    {
      gsize avail = 0;
      const char *buf = g_buffered_input_stream_peek_buffer (job->in, &avail);
      const char *nl = avail > 0 ? memchr (buf, '\n', avail) : NULL;
      gsize len;
      g_autofree char *line = NULL;

      if (nl == NULL)
        {
          if (avail >= MAX_REPLY_LINE)
            {
              reply_line_too_long (job);
              return;
            }
          g_buffered_input_stream_fill_async (job->in, -1, G_PRIORITY_DEFAULT, job->inner, fill_cb, job);
          return;
        }
      len = nl - buf;
      line = g_memdup2 (buf, len + 1);
      /* the bytes are in the buffer: skipping them does not block */
      g_input_stream_skip (G_INPUT_STREAM (job->in), len + 1, NULL, NULL);
      if (take_line (job, line, len) == LINE_DONE)
        return;
    }
}

static void
read_reply (Job *job)
{
  g_string_truncate (job->reply, 0);
  if (job->stage == ST_EHLO)
    g_ptr_array_set_size (job->extensions, 0);
  read_reply_line (job);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  wipe_free (g_steal_pointer (&job->out_buf));
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (job->stage == ST_QUIT)
        on_reply (job, 221);
      else
        job_io_error (job, g_steal_pointer (&error));
      return;
    }
  read_reply (job);
}

static void
send_command (Job        *job,
              Stage       stage,
              const char *line)
{
  GOutputStream *out = g_io_stream_get_output_stream (job->stream);

  job->stage = stage;
  wipe_free (job->out_buf);
  job->out_buf = g_strconcat (line, "\r\n", NULL);
  g_output_stream_write_all_async (out, job->out_buf, strlen (job->out_buf), G_PRIORITY_DEFAULT,
                                   job->inner, written_cb, job);
}

static void
send_payload (Job *job)
{
  GOutputStream *out = g_io_stream_get_output_stream (job->stream);
  gsize len;
  const char *data = g_bytes_get_data (job->payload, &len);

  job->stage = ST_DATA_END;
  /* From here on the server may have the whole message: fail as unknown. */
  job->data_end_sent = TRUE;
  g_output_stream_write_all_async (out, data, len, G_PRIORITY_DEFAULT, job->inner, written_cb, job);
}

static void
use_stream (Job       *job,
            GIOStream *stream)
{
  g_set_object (&job->stream, stream);
  g_clear_object (&job->in);
  job->in = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (g_io_stream_get_input_stream (stream),
                                                                       MAX_REPLY_LINE));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (job->in), FALSE);
}

static char *
ehlo_line (Job *job)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (job->conn, NULL);
  g_autofree char *addr = NULL;

  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    addr = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  if (addr == NULL)
    return g_strdup ("EHLO [127.0.0.1]");
  if (strchr (addr, ':') != NULL)
    return g_strdup_printf ("EHLO [IPv6:%s]", addr);
  return g_strdup_printf ("EHLO [%s]", addr);
}

static void tls_handshake (Job *job);

static void
start_auth_or_mail (Job *job)
{
  if (job->user != NULL && job->tls && !job->authenticated && (job->auth_plain || job->auth_login))
    {
      if (job->auth_plain)
        {
          gsize ulen = strlen (job->user), plen = strlen (job->password);
          g_autofree guchar *raw = g_malloc (ulen + plen + 2);
          g_autofree char *b64 = NULL;
          g_autofree char *line = NULL;

          raw[0] = '\0';
          memcpy (raw + 1, job->user, ulen);
          raw[ulen + 1] = '\0';
          memcpy (raw + ulen + 2, job->password, plen);
          b64 = g_base64_encode (raw, ulen + plen + 2);
          memset (raw, 0, ulen + plen + 2);
          line = g_strconcat ("AUTH PLAIN ", b64, NULL);
          memset (b64, 0, strlen (b64));
          send_command (job, ST_AUTH_PLAIN, line);
          memset (line, 0, strlen (line));
        }
      else
        send_command (job, ST_AUTH_LOGIN, "AUTH LOGIN");
      return;
    }

  if (job->test_only)
    {
      send_command (job, ST_QUIT, "QUIT");
      return;
    }

  {
    g_autofree char *line = g_strdup_printf ("MAIL FROM:<%s>", job->message->from);
    send_command (job, ST_MAIL, line);
  }
}

static void
next_rcpt (Job *job)
{
  g_autofree char *line = g_strdup_printf ("RCPT TO:<%s>",
                                           (char *) job->message->rcpts->pdata[job->rcpt_index]);
  send_command (job, ST_RCPT, line);
}

static void
finish_success (Job *job)
{
  GTask *task = g_steal_pointer (&job->task);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_clear_handle_id (&job->deadline, g_source_remove);
  json_builder_begin_object (b);
  if (job->test_only)
    {
      json_builder_set_member_name (b, "server");
      json_builder_add_string_value (b, job->greeting ? job->greeting : "");
      json_builder_set_member_name (b, "tls");
      json_builder_add_boolean_value (b, job->tls);
      json_builder_set_member_name (b, "authenticated");
      json_builder_add_boolean_value (b, job->authenticated);
      json_builder_set_member_name (b, "extensions");
      json_builder_begin_array (b);
      for (guint i = 0; i < job->extensions->len; i++)
        {
          g_autofree char *ext = aios_peer_text_sanitize (job->extensions->pdata[i], -1, NULL);
          json_builder_add_string_value (b, ext);
        }
      json_builder_end_array (b);
    }
  else
    {
      json_builder_set_member_name (b, "message_id");
      json_builder_add_string_value (b, job->message_id);
      /* What went out, as sent (after any edit): a follow-up answers it. */
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, job->message->subject);
      if (job->message->references != NULL || job->message->in_reply_to != NULL)
        {
          json_builder_set_member_name (b, "references");
          json_builder_add_string_value (b, job->message->references ? job->message->references
                                                                      : job->message->in_reply_to);
        }
      json_builder_set_member_name (b, "recipients");
      json_builder_add_int_value (b, job->message->rcpts->len);
      json_builder_set_member_name (b, "reply");
      json_builder_add_string_value (b, job->delivered);
      json_builder_set_member_name (b, "tls");
      json_builder_add_boolean_value (b, job->tls);
    }
  json_builder_end_object (b);
  g_task_return_pointer (task, json_builder_get_root (b), (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
on_reply (Job *job,
          int  code)
{
  switch (job->stage)
    {
    case ST_GREETING:
      if (code != 220)
        return job_reply_error (job, code, _("Connecting"));
      if (job->greeting == NULL)
        job->greeting = job_reply_text (job);
      {
        g_autofree char *line = ehlo_line (job);
        send_command (job, ST_EHLO, line);
      }
      return;

    case ST_EHLO:
      if (code != 250)
        return job_reply_error (job, code, "EHLO");
      job->starttls_offered = job->auth_plain = job->auth_login = FALSE;
      for (guint i = 0; i < job->extensions->len; i++)
        {
          const char *ext = job->extensions->pdata[i];
          if (g_str_equal (ext, "STARTTLS"))
            job->starttls_offered = TRUE;
          if (g_str_has_prefix (ext, "AUTH ") || g_str_has_prefix (ext, "AUTH="))
            {
              g_auto(GStrv) mechs = g_strsplit_set (ext + 5, " ", -1);
              job->auth_plain |= g_strv_contains ((const char * const *) mechs, "PLAIN");
              job->auth_login |= g_strv_contains ((const char * const *) mechs, "LOGIN");
            }
        }
      if (!job->tls && job->starttls_offered)
        return send_command (job, ST_STARTTLS, "STARTTLS");
      if (!job->tls && !job->loopback)
        return job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                                   _("%s does not offer STARTTLS; Aios sends email in the clear only to a loopback host"),
                                                   job->host));
      return start_auth_or_mail (job);

    case ST_STARTTLS:
      if (code != 220)
        return job_reply_error (job, code, "STARTTLS");
      return tls_handshake (job);

    case ST_AUTH_PLAIN:
    case ST_AUTH_PASS:
      if (code != 235)
        return job_reply_error (job, code, _("Logging in"));
      job->authenticated = TRUE;
      return start_auth_or_mail (job);

    case ST_AUTH_LOGIN:
    case ST_AUTH_USER:
      if (code != 334)
        return job_reply_error (job, code, _("Logging in"));
      {
        const char *value = job->stage == ST_AUTH_LOGIN ? job->user : job->password;
        g_autofree char *b64 = g_base64_encode ((const guchar *) value, strlen (value));
        send_command (job, job->stage == ST_AUTH_LOGIN ? ST_AUTH_USER : ST_AUTH_PASS, b64);
        memset (b64, 0, strlen (b64));
      }
      return;

    case ST_MAIL:
      if (code != 250)
        return job_reply_error (job, code, "MAIL FROM");
      job->rcpt_index = 0;
      return next_rcpt (job);

    case ST_RCPT:
      if (code != 250 && code != 251)
        return job_reply_error (job, code, (char *) job->message->rcpts->pdata[job->rcpt_index]);
      if (++job->rcpt_index < job->message->rcpts->len)
        return next_rcpt (job);
      return send_command (job, ST_DATA, "DATA");

    case ST_DATA:
      if (code != 354)
        return job_reply_error (job, code, "DATA");
      return send_payload (job);

    case ST_DATA_END:
      if (code != 250)
        return job_reply_error (job, code, _("Sending the message"));
      job->delivered = job_reply_text (job);
      return send_command (job, ST_QUIT, "QUIT");

    case ST_QUIT:
      /* Whatever QUIT gets, the message (or the test) went through. */
      return finish_success (job);

    case ST_CONNECT:
    default:
      g_assert_not_reached ();
    }
}

/* TLS */

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      job_io_error (job, g_steal_pointer (&error));
      return;
    }
  job->tls = TRUE;
  use_stream (job, G_IO_STREAM (source));
  if (job->implicit_tls)
    {
      job->stage = ST_GREETING;
      read_reply (job);
    }
  else
    {
      /* RFC 3207: forget what was said before TLS and say hello again. */
      g_autofree char *line = ehlo_line (job);
      send_command (job, ST_EHLO, line);
    }
}

static void
tls_handshake (Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new (job->host, job->port);
  g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (job->conn), identity, &error);
  const char *ca_file = g_getenv (AIOS_SMTP_TEST_CA_ENV);

  if (tls == NULL)
    {
      job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                                          _("TLS is not available: %s"), error->message));
      return;
    }
  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (ca_file, &error);
      if (db == NULL)
        {
          job_return_error (job, g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                                              "%s: %s", AIOS_SMTP_TEST_CA_ENV, error->message));
          return;
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), db);
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, job->inner,
                                    handshake_cb, job);
}

/* Connect */

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  job->conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (job->conn == NULL)
    {
      job_io_error (job, g_steal_pointer (&error));
      return;
    }
  if (job->implicit_tls)
    {
      tls_handshake (job);
      return;
    }
  use_stream (job, G_IO_STREAM (job->conn));
  job->stage = ST_GREETING;
  read_reply (job);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Job *job = user_data;

  job->deadline = 0;
  job->timed_out = TRUE;
  g_cancellable_cancel (job->inner);
  return G_SOURCE_REMOVE;
}

static void
outer_cancelled_cb (GCancellable *cancellable,
                    Job          *job)
{
  g_cancellable_cancel (job->inner);
}

static void
job_connect (Job *job)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new (job->host, job->port);

  g_socket_client_set_timeout (client, MAX (1u, job->timeout_ms / 1000));
  job->stage = ST_CONNECT;
  g_socket_client_connect_async (client, address, job->inner, connect_cb, job);
}

static void
credential_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "smtp", &secret, &error))
    {
      job_return_error (job, g_steal_pointer (&error));
      return;
    }
  if (secret != NULL)
    {
      char *colon = strchr (secret, ':');
      if (colon != NULL)
        {
          job->user = g_strndup (secret, colon - secret);
          job->password = g_strdup (colon + 1);
        }
      memset (secret, 0, strlen (secret));
      secret_password_free (secret);
    }
  job_connect (job);
}

/**
 * aios_smtp_session_start:
 * @task: the connector's task: the session becomes its task data and
 *   returns through it (the result JSON, or a classified error)
 * @test_only: stop after the greeting, TLS and AUTH ("Test connection")
 * @message: (nullable) (transfer full): what to send, when not @test_only
 *
 * Looks up the "smtp" credential, connects, and speaks the submission
 * dialogue, within @timeout_ms; the task's cancellable stops it.
 */
void
aios_smtp_session_start (GTask            *task,
                         AiosCredentials  *credentials,
                         const char       *host,
                         guint16           port,
                         gboolean          implicit_tls,
                         gboolean          loopback,
                         guint             timeout_ms,
                         gboolean          test_only,
                         AiosEmailMessage *message,
                         const char       *message_id,
                         GBytes           *payload)
{
  Job *job = g_new0 (Job, 1);

  job->reply = g_string_new (NULL);
  job->extensions = g_ptr_array_new_with_free_func (g_free);
  job->inner = g_cancellable_new ();
  job->timeout_ms = timeout_ms;
  job->host = g_strdup (host);
  job->port = port;
  job->implicit_tls = implicit_tls;
  job->loopback = loopback;
  job->test_only = test_only;
  job->message = message;
  job->message_id = g_strdup (message_id);
  job->payload = payload != NULL ? g_bytes_ref (payload) : NULL;
  job->task = g_object_ref (task);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_check_cancellable (task, FALSE);
  if (g_task_get_cancellable (task) != NULL)
    {
      job->outer = g_object_ref (g_task_get_cancellable (task));
      job->outer_handler = g_cancellable_connect (job->outer, G_CALLBACK (outer_cancelled_cb), job, NULL);
    }
  job->deadline = g_timeout_add (job->timeout_ms, deadline_cb, job);
  aios_credentials_lookup_async (credentials, "smtp", job->inner, credential_cb, job);
}
