/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Email by SMTP submission, on GIO: GSocketClient for the connection,
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

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-email-connector.h"
#include "aios-email-message.h"
#include "aios-http.h"
#include "aios-peer-text.h"

#define MAX_REPLY 65536
/* RFC 5321 allows 512 octets; leave room for chatty servers. */
#define MAX_REPLY_LINE 4096
#define MAX_ERROR_TEXT 1024

struct _AiosEmailConnector
{
  AiosConnector    parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
};

G_DEFINE_FINAL_TYPE (AiosEmailConnector, aios_email_connector, AIOS_TYPE_CONNECTOR)

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

/* The reply so far as text fit for an error message: no secret, no AUTH
 * payload, valid UTF-8, control characters escaped, at most about
 * MAX_ERROR_TEXT bytes. */
static char *
job_reply_text (Job *job)
{
  const char *secrets[] = { job->password, NULL };
  g_autoptr(GString) joined = g_string_new_len (job->reply->str, job->reply->len);
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
  int code;

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

  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (len > 3 && line[3] != ' ' && line[3] != '-'))
    {
      job_reply_error (job, 0, _("Malformed reply"));
      return LINE_DONE;
    }
  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (job->stage == ST_EHLO && len > 4)
    {
      g_autofree char *ext = g_strndup (line + 4, len - 4);
      g_ptr_array_add (job->extensions, g_ascii_strup (ext, -1));
    }
  if (len > 3 && line[3] == '-')
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

/* Settings */

static gboolean
parse_smtp_url (AiosEmailConnector  *self,
                char               **host,
                guint16             *port,
                gboolean            *implicit_tls,
                gboolean            *loopback,
                GError             **error)
{
  g_autofree char *url = aios_config_get (self->config, "smtp.url");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  const char *scheme;

  if (url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("Email is not configured: set smtp.url"));
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "smtp") != 0 && g_strcmp0 (scheme, "smtps") != 0))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("smtp.url must look like smtp://host:port or smtps://host:port (got “%s”)"), url);
      return FALSE;
    }
  *implicit_tls = g_str_equal (scheme, "smtps");
  *host = g_strdup (g_uri_get_host (uri));
  *port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : (*implicit_tls ? 465 : 587);
  addr = g_inet_address_new_from_string (*host);
  *loopback = g_ascii_strcasecmp (*host, "localhost") == 0 ||
              (addr != NULL && g_inet_address_get_is_loopback (addr));
  return TRUE;
}

static AiosEmailMessage *
build_message (AiosEmailConnector  *self,
               JsonObject          *request,
               GError             **error)
{
  g_autofree char *from = aios_config_get (self->config, "smtp.from");
  g_autofree char *host = NULL;
  guint16 port;
  gboolean tls, loopback;

  if (!parse_smtp_url (self, &host, &port, &tls, &loopback, error))
    return NULL;
  return aios_email_message_from_json (request, from, error);
}

static void
add_list (JsonBuilder *b,
          const char  *name,
          GPtrArray   *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_string_value (b, list->pdata[i]);
  json_builder_end_array (b);
}

static JsonNode *
render_preview (AiosEmailConnector  *self,
                JsonObject          *request,
                const char          *idempotency_key,
                GError             **error)
{
  g_autoptr(AiosEmailMessage) m = build_message (self, request, error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(GPtrArray) bcc = NULL;
  g_autofree char *url = NULL;
  g_autofree char *rendered = NULL;
  g_autofree char *message_id = NULL;

  if (m == NULL)
    return NULL;
  url = aios_config_get (self->config, "smtp.url");
  if (idempotency_key != NULL)
    message_id = aios_email_message_id_for_key (idempotency_key);
  rendered = aios_email_message_render (m, message_id ? message_id : _("<(derived from the idempotency key)@aios.local>"),
                                        _("(the time of sending)"));

  /* bcc: the recipients beyond to and cc */
  bcc = g_ptr_array_new ();
  for (guint i = m->to->len + m->cc->len; i < m->rcpts->len; i++)
    g_ptr_array_add (bcc, m->rcpts->pdata[i]);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connector");
  json_builder_add_string_value (b, "email");
  json_builder_set_member_name (b, "server");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, m->from);
  add_list (b, "to", m->to);
  add_list (b, "cc", m->cc);
  add_list (b, "bcc", bcc);
  json_builder_set_member_name (b, "subject");
  json_builder_add_string_value (b, m->subject);
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, m->body);
  if (message_id != NULL)
    {
      json_builder_set_member_name (b, "message_id");
      json_builder_add_string_value (b, message_id);
    }
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, rendered);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
aios_email_connector_prepare (AiosConnector  *connector,
                              JsonObject     *request,
                              GError        **error)
{
  return render_preview (AIOS_EMAIL_CONNECTOR (connector), request, NULL, error);
}

static JsonNode *
aios_email_connector_prepare_keyed (AiosConnector  *connector,
                                    JsonObject     *request,
                                    const char     *idempotency_key,
                                    GError        **error)
{
  return render_preview (AIOS_EMAIL_CONNECTOR (connector), request, idempotency_key, error);
}

static Job *
job_new (AiosEmailConnector  *self,
         GTask               *task,
         GError             **error)
{
  Job *job = g_new0 (Job, 1);

  job->reply = g_string_new (NULL);
  job->extensions = g_ptr_array_new_with_free_func (g_free);
  job->inner = g_cancellable_new ();
  job->timeout_ms = aios_connector_get_timeout_ms (AIOS_CONNECTOR (self));
  if (!parse_smtp_url (self, &job->host, &job->port, &job->implicit_tls, &job->loopback, error))
    {
      job_free (job);
      return NULL;
    }
  job->task = g_object_ref (task);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_check_cancellable (task, FALSE);
  if (g_task_get_cancellable (task) != NULL)
    {
      job->outer = g_object_ref (g_task_get_cancellable (task));
      job->outer_handler = g_cancellable_connect (job->outer, G_CALLBACK (outer_cancelled_cb), job, NULL);
    }
  job->deadline = g_timeout_add (job->timeout_ms, deadline_cb, job);
  return job;
}

static void
job_start (AiosEmailConnector *self,
           Job                *job)
{
  aios_credentials_lookup_async (self->credentials, "smtp", job->inner, credential_cb, job);
}

static void
aios_email_connector_execute_async (AiosConnector       *connector,
                                    JsonObject          *request,
                                    const char          *idempotency_key,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  AiosEmailConnector *self = AIOS_EMAIL_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosEmailMessage) m = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = aios_email_format_date (now);
  g_autofree char *rendered = NULL;
  Job *job;

  g_task_set_source_tag (task, aios_email_connector_execute_async);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
      return;
    }
  m = build_message (self, request, &error);
  if (m == NULL || (job = job_new (self, task, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->message_id = aios_email_message_id_for_key (idempotency_key);
  rendered = aios_email_message_render (m, job->message_id, date);
  job->payload = aios_email_dot_stuff (rendered);
  job->message = g_steal_pointer (&m);
  job_start (self, job);
}

static JsonNode *
aios_email_connector_execute_finish (AiosConnector  *connector,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
aios_email_connector_test_async (AiosEmailConnector  *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Job *job;

  g_task_set_source_tag (task, aios_email_connector_test_async);
  job = job_new (self, task, &error);
  if (job == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->test_only = TRUE;
  job_start (self, job);
}

JsonNode *
aios_email_connector_test_finish (AiosEmailConnector  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_email_connector_dispose (GObject *object)
{
  AiosEmailConnector *self = AIOS_EMAIL_CONNECTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  G_OBJECT_CLASS (aios_email_connector_parent_class)->dispose (object);
}

static const AiosCredentialSpec smtp_credential = {
  "smtp", N_("SMTP Login (user:password)"), N_("SMTP login, as user:password"), TRUE
};

static AiosActionDescription *
aios_email_connector_describe (AiosConnector *connector,
                               JsonNode      *preview,
                               JsonNode      *request,
                               const char    *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);
  JsonObject *object = preview != NULL && JSON_NODE_HOLDS_OBJECT (preview) ? json_node_get_object (preview) : NULL;
  JsonNode *to = object != NULL ? json_object_get_member (object, "to") : NULL;
  const char *address = NULL;
  const char *who;

  if (to != NULL && JSON_NODE_HOLDS_ARRAY (to) && json_array_get_length (json_node_get_array (to)) > 0)
    address = json_array_get_string_element (json_node_get_array (to), 0);
  else
    address = aios_json_node_get_string (preview, "to");
  who = person != NULL ? person : address;

  /* Translators: an inbox title; %s is a person's name or address */
  description->title = g_strdup_printf (_("Email to %s"), who != NULL ? who : _("no one"));
  description->subtitle = g_strdup (aios_json_node_get_string (preview, "subject"));
  description->question = who != NULL
    /* Translators: a notification's title; %s is a person's name or address */
    ? g_strdup_printf (_("Approve email to %s?"), who)
    : g_strdup (_("Approve an email?"));
  return description;
}

static void
test_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = aios_email_connector_test_finish (AIOS_EMAIL_CONNECTOR (source), result, &error);
  gboolean tls, authenticated;
  const char *text;

  if (summary == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tls = json_object_get_boolean_member (json_node_get_object (summary), "tls");
  authenticated = json_object_get_boolean_member (json_node_get_object (summary), "authenticated");
  if (tls)
    text = authenticated ? _("The SMTP server answered over an encrypted connection and accepted the login")
                         : _("The SMTP server answered over an encrypted connection; no login was needed");
  else
    text = authenticated ? _("The SMTP server answered on loopback, not encrypted, and accepted the login")
                         : _("The SMTP server answered on loopback, not encrypted; no login was needed");
  g_task_return_pointer (task, g_strdup (text), g_free);
}

static void
aios_email_connector_connection_test_async (AiosConnector       *connector,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  GTask *task = g_task_new (connector, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_email_connector_connection_test_async);
  aios_email_connector_test_async (AIOS_EMAIL_CONNECTOR (connector), cancellable, test_cb, task);
}

static char *
aios_email_connector_connection_test_finish (AiosConnector  *connector,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_email_connector_class_init (AiosEmailConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_email_connector_dispose;
  connector_class->prepare = aios_email_connector_prepare;
  connector_class->prepare_keyed = aios_email_connector_prepare_keyed;
  connector_class->execute_async = aios_email_connector_execute_async;
  connector_class->execute_finish = aios_email_connector_execute_finish;

  connector_class->display_name = N_("Email");
  connector_class->icon_name = "mail-unread-symbolic";
  connector_class->approval_expiry_s = 3 * 24 * 3600;
  connector_class->preview_kind = AIOS_PREVIEW_EMAIL;
  connector_class->credential = &smtp_credential;
  connector_class->describe = aios_email_connector_describe;
  connector_class->test_async = aios_email_connector_connection_test_async;
  connector_class->test_finish = aios_email_connector_connection_test_finish;
}

static void
aios_email_connector_init (AiosEmailConnector *self)
{
}

AiosConnector *
aios_email_connector_new (AiosConfig      *config,
                          AiosCredentials *credentials,
                          SoupSession     *session)
{
  AiosEmailConnector *self = g_object_new (AIOS_TYPE_EMAIL_CONNECTOR, "name", "email", NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  return AIOS_CONNECTOR (self);
}
