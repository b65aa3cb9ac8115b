/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The email connector against a real SMTP server (python3-aiosmtpd, in
 * tests/peers/exec-smtp-peer.py) on loopback: plain, STARTTLS and implicit
 * TLS with a certificate made by openssl at test time, AUTH PLAIN and LOGIN
 * with the credential from a real gnome-keyring-daemon (run through
 * with-keyring.sh), faults classified, and the message as received.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "exec/aios-email-connector.h"
#include "exec/aios-email-message.h"
#include "exec/aios-peer-text.h"

#define SMTP_USER "mailer@example.com"
#define SMTP_PASS "s3cret-Pässword"

static const char *REQUEST =
  "{\"to\":[{\"name\":\"Ada Lovelace\",\"address\":\"ada@example.com\"}],"
  "\"cc\":[\"bob@example.org\"],\"bcc\":[\"audit@example.net\"],"
  "\"subject\":\"Réunion\","
  "\"body\":\"Bonjour Ada,\\n.hidden line\\n.\\nend — merci\\n\"}";

typedef struct
{
  char          *log;
  ExecPeer      *peer;
  AiosWorkspace *ws;
  char          *path;
  AiosConnector *email;
} Fixture;

static void
start (Fixture    *f,
       const char *scheme,
       const char *first_arg,
       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *url = NULL;
  g_autofree char *dir = g_dir_make_tmp ("aios-smtp-XXXXXX", NULL);
  va_list ap;

  f->log = g_build_filename (dir, "mail.jsonl", NULL);
  g_ptr_array_add (args, (gpointer) "--log");
  g_ptr_array_add (args, f->log);
  va_start (ap, first_arg);
  for (const char *a = first_arg; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  /* NULL-padded to the 11 slots read below (ASan: reading past the end) */
  do
    g_ptr_array_add (args, NULL);
  while (args->len < 11);

  /* exec_peer_start_args is variadic; pass up to 10 arguments through */
  {
    const char **a = (const char **) args->pdata;
    f->peer = exec_peer_start_args ("exec-smtp-peer.py", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                    a[7], a[8], a[9], a[10], NULL);
  }
  f->ws = exec_workspace_new (&f->path);
  f->email = aios_workspace_get_connector (f->ws, "email");
  g_assert_nonnull (f->email);
  aios_connector_set_timeout_ms (f->email, 1500);
  url = g_strdup_printf ("%s://127.0.0.1:%u", scheme, f->peer->port);
  exec_set (f->ws, "smtp.url", url);
  exec_set (f->ws, "smtp.from", "office@example.com");
  if (f->peer->ca != NULL)
    g_setenv (AIOS_SMTP_TEST_CA_ENV, f->peer->ca, TRUE);
}

static void
stop (Fixture *f)
{
  g_autofree char *dir = g_path_get_dirname (f->log);

  g_unsetenv (AIOS_SMTP_TEST_CA_ENV);
  exec_workspace_free (f->ws, f->path);
  exec_peer_stop (f->peer);
  g_unlink (f->log);
  g_rmdir (dir);
  g_free (f->log);
}

static GPtrArray *
received (Fixture *f)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (f->log, &text, NULL, NULL))
    return out;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (out, exec_json_object (lines[i]));
  return out;
}

static void
set_credential (Fixture    *f,
                const char *secret)
{
  g_autoptr(GError) error = NULL;

  aios_credentials_store_sync (aios_workspace_get_credentials (f->ws), "smtp", secret, &error);
  g_assert_no_error (error);
}

static void
assert_message (JsonObject *got,
                gboolean    tls)
{
  const char *content = json_object_get_string_member (got, "content");
  JsonArray *rcpts = json_object_get_array_member (got, "rcpt_tos");

  g_test_message ("received: %s", content);
  g_assert_cmpstr (json_object_get_string_member (got, "mail_from"), ==, "office@example.com");
  g_assert_cmpuint (json_array_get_length (rcpts), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (rcpts, 0), ==, "ada@example.com");
  g_assert_cmpstr (json_array_get_string_element (rcpts, 1), ==, "bob@example.org");
  g_assert_cmpstr (json_array_get_string_element (rcpts, 2), ==, "audit@example.net");
  g_assert_cmpint (json_object_get_boolean_member (got, "tls"), ==, tls);

  g_assert_nonnull (strstr (content, "From: office@example.com\r\n"));
  g_assert_nonnull (strstr (content, "To: Ada Lovelace <ada@example.com>\r\n"));
  g_assert_nonnull (strstr (content, "Cc: bob@example.org\r\n"));
  g_assert_null (strstr (content, "audit@example.net"));          /* Bcc: no header */
  g_assert_nonnull (strstr (content, "Subject: =?UTF-8?B?UsOpdW5pb24=?=\r\n"));
  g_assert_nonnull (strstr (content, "Message-ID: <run-1-step-2@example.com>\r\n"));
  g_assert_nonnull (strstr (content, "MIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (content, "Content-Type: text/plain; charset=UTF-8\r\n"));
  g_assert_nonnull (strstr (content, "Content-Transfer-Encoding: quoted-printable\r\n"));
  /* Dot-stuffing undone by the server: the lone "." did not end DATA early. */
  g_assert_nonnull (strstr (content, "\r\n\r\nBonjour Ada,\r\n.hidden line\r\n.\r\nend =E2=80=94 merci\r\n"));
}

static void
test_message (void)
{
  g_autofree char *id1 = aios_email_message_id_for_key ("run-1-step-2", "robin@Northwind.example");
  g_autofree char *id2 = aios_email_message_id_for_key ("run 1/step<2>", "robin@northwind.example");
  g_autofree char *id3 = aios_email_message_id_for_key ("run 1/step<2>", "robin@northwind.example");
  g_autofree char *id4 = aios_email_message_id_for_key ("run-1-step-2", NULL);
  g_autofree char *subject = aios_email_encode_header_text ("Ünïcödé sübject that is long enough to need two encoded words");
  g_autoptr(GBytes) stuffed = aios_email_dot_stuff ("a\r\n.b\r\n.\r\n");
  g_autoptr(GDateTime) when = g_date_time_new_utc (2026, 3, 1, 9, 5, 7);
  g_autofree char *date = aios_email_format_date (when);

  /* Under the sender's own domain, still derived from the key alone. */
  g_assert_cmpstr (id1, ==, "<run-1-step-2@northwind.example>");
  g_assert_cmpstr (id2, ==, id3);
  g_assert_true (g_str_has_prefix (id2, "<") && strlen (id2) == 1 + 64 + strlen ("@northwind.example>"));
  g_assert_cmpstr (id4, ==, "<run-1-step-2@aios.local>");
  g_assert_nonnull (strstr (subject, "?=\r\n =?UTF-8?B?"));
  for (char **w = g_strsplit (subject, "\r\n ", -1), **it = w; *it || (g_strfreev (w), 0); it++)
    g_assert_cmpuint (strlen (*it), <=, 75);
  g_assert_cmpmem (g_bytes_get_data (stuffed, NULL), g_bytes_get_size (stuffed),
                   "a\r\n..b\r\n..\r\n.\r\n", 15);
  g_assert_cmpstr (date, ==, "Sun, 01 Mar 2026 09:05:07 +0000");
  g_assert_true (aios_email_address_is_valid ("a.b+c@example.com"));
  g_assert_false (aios_email_address_is_valid ("a@b@c.com"));
  g_assert_false (aios_email_address_is_valid ("evil@example.com>\r\nRCPT TO:<x@y.z"));
  g_assert_false (aios_email_address_is_valid ("nodomain@"));
}

static void
test_prepare (void)
{
  Fixture f = { 0 };
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  g_autoptr(JsonObject) bad = exec_json_object ("{\"to\":\"not-an-address\",\"subject\":\"x\",\"body\":\"y\"}");
  g_autoptr(JsonObject) injection = exec_json_object ("{\"to\":\"a@b.com\",\"subject\":\"x\\r\\nBcc: c@d.com\",\"body\":\"y\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(GPtrArray) got = NULL;
  const char *message;

  start (&f, "smtp", NULL);
  preview = aios_connector_prepare (f.email, request, &error);
  g_assert_no_error (error);
  message = json_object_get_string_member (json_node_get_object (preview), "message");
  g_assert_nonnull (strstr (message, "Subject: =?UTF-8?B?UsOpdW5pb24=?=\r\n"));
  g_assert_nonnull (strstr (message, "To: Ada Lovelace <ada@example.com>\r\n"));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (preview), "subject"), ==, "Réunion");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (json_node_get_object (preview), "bcc"), 0),
                   ==, "audit@example.net");

  g_assert_null (aios_connector_prepare (f.email, bad, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_clear_error (&error);
  g_assert_null (aios_connector_prepare (f.email, injection, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_clear_error (&error);

  aios_config_unset (aios_workspace_get_config (f.ws), "smtp.url", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (aios_connector_prepare (f.email, request, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);

  got = received (&f);
  g_assert_cmpuint (got->len, ==, 0);
  stop (&f);
}

/* Part 5 of issue 20: mail goes out as a person's does, with the display
 * name, and its Message-ID under the sender's own domain; the preview shows
 * the same From. */
static void
test_identity (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  const char *content;

  start (&f, "smtp", NULL);
  exec_set (f.ws, "smtp.from", "robin@northwind-studio.example");
  exec_set (f.ws, "smtp.from_name", "Robin Keller");
  preview = aios_connector_prepare_keyed (f.email, request, "run-7-step-3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (preview), "from"), ==,
                   "Robin Keller <robin@northwind-studio.example>");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (preview), "message_id"), ==,
                   "<run-7-step-3@northwind-studio.example>");

  result = exec_execute (f.email, REQUEST, "run-7-step-3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (result), "message_id"), ==,
                   "<run-7-step-3@northwind-studio.example>");
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 1);
  content = json_object_get_string_member (got->pdata[0], "content");
  g_assert_nonnull (strstr (content, "\r\nFrom: Robin Keller <robin@northwind-studio.example>\r\n"));
  g_assert_nonnull (strstr (content, "\r\nMessage-ID: <run-7-step-3@northwind-studio.example>\r\n"));
  g_assert_cmpstr (json_object_get_string_member (got->pdata[0], "mail_from"), ==, "robin@northwind-studio.example");
  g_clear_pointer (&result, json_node_unref);

  /* A name that needs quoting, and one that is not ASCII. */
  exec_set (f.ws, "smtp.from_name", "Keller, Robin");
  result = exec_execute (f.email, REQUEST, "run-7-step-4", &error);
  g_assert_no_error (error);
  g_clear_pointer (&result, json_node_unref);
  exec_set (f.ws, "smtp.from_name", "Zoë Keller");
  result = exec_execute (f.email, REQUEST, "run-7-step-5", &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, g_ptr_array_unref);
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 3);
  g_assert_nonnull (strstr (json_object_get_string_member (got->pdata[1], "content"),
                            "\r\nFrom: \"Keller, Robin\" <robin@northwind-studio.example>\r\n"));
  g_assert_nonnull (strstr (json_object_get_string_member (got->pdata[2], "content"),
                            "\r\nFrom: =?UTF-8?B?Wm/DqyBLZWxsZXI=?= <robin@northwind-studio.example>\r\n"));
  stop (&f);
}

static void
test_plain_loopback (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) got = NULL;
  JsonObject *r;

  start (&f, "smtp", NULL);
  result = exec_execute (f.email, REQUEST, "run-1-step-2", &error);
  g_assert_no_error (error);
  r = json_node_get_object (result);
  g_assert_cmpstr (json_object_get_string_member (r, "message_id"), ==, "<run-1-step-2@example.com>");
  g_assert_cmpint (json_object_get_int_member (r, "recipients"), ==, 3);
  g_assert_nonnull (strstr (json_object_get_string_member (r, "reply"), "queued as AIOS1"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 1);
  assert_message (got->pdata[0], FALSE);
  g_assert_true (json_object_get_null_member (got->pdata[0], "login"));
  stop (&f);
}

static void
test_no_credentials_in_clear (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) got = NULL;

  /* The server wants AUTH but offers it only over TLS, and there is no TLS:
   * Aios does not log in in the clear, and the server refuses the mail. */
  start (&f, "smtp", "--auth", SMTP_USER ":" SMTP_PASS, NULL);
  set_credential (&f, SMTP_USER ":" SMTP_PASS);
  result = exec_execute (f.email, REQUEST, "k-clear", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "530"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 0);
  stop (&f);
}

static void
run_tls (const char *scheme,
         const char *tls_mode,
         const char *mechanisms,
         const char *expect_mechanism)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) got = NULL;
  JsonObject *login;

  start (&f, scheme, "--tls", tls_mode, "--auth", SMTP_USER ":" SMTP_PASS, "--mechanisms", mechanisms, NULL);
  set_credential (&f, SMTP_USER ":" SMTP_PASS);
  result = exec_execute (f.email, REQUEST, "run-1-step-2", &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (result), "tls"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 1);
  assert_message (got->pdata[0], TRUE);
  login = json_object_get_object_member (got->pdata[0], "login");
  g_assert_nonnull (login);
  g_assert_cmpstr (json_object_get_string_member (login, "user"), ==, SMTP_USER);
  g_assert_cmpstr (json_object_get_string_member (login, "mechanism"), ==, expect_mechanism);
  stop (&f);
}

static void
test_starttls_plain (void)
{
  run_tls ("smtp", "starttls", "PLAIN,LOGIN", "PLAIN");
}

static void
test_starttls_login (void)
{
  run_tls ("smtp", "starttls", "LOGIN", "LOGIN");
}

static void
test_implicit_tls (void)
{
  run_tls ("smtps", "implicit", "PLAIN,LOGIN", "PLAIN");
}

static void
test_untrusted_certificate (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) got = NULL;

  start (&f, "smtp", "--tls", "starttls", NULL);
  g_unsetenv (AIOS_SMTP_TEST_CA_ENV);   /* the system store does not know it */
  result = exec_execute (f.email, REQUEST, "k-untrusted", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "not trusted"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 0);
  stop (&f);
}

static void
test_wrong_password (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  start (&f, "smtp", "--tls", "starttls", "--auth", SMTP_USER ":" SMTP_PASS, NULL);
  set_credential (&f, SMTP_USER ":wrong");
  result = exec_execute (f.email, REQUEST, "k-wrong", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "refused the login"));
  stop (&f);
}

typedef struct
{
  const char *fault;
  int         code;
  guint       received;
} Fault;

static void
test_faults (void)
{
  static const Fault faults[] = {
    { "rcpt450",   AIOS_CONNECTOR_ERROR_RETRYABLE,       0 },
    { "rcpt550",   AIOS_CONNECTOR_ERROR_PERMANENT,       0 },
    { "mail421",   AIOS_CONNECTOR_ERROR_RETRYABLE,       0 },
    { "data-drop", AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME, 1 },
    { "data-slow", AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME, 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      Fixture f = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) result = NULL;
      g_autoptr(GPtrArray) got = NULL;

      g_test_message ("fault %s", faults[i].fault);
      start (&f, "smtp", "--fault", faults[i].fault, NULL);
      result = exec_execute (f.email, REQUEST, "k-fault", &error);
      g_assert_null (result);
      g_assert_error (error, AIOS_CONNECTOR_ERROR, faults[i].code);
      got = received (&f);
      g_assert_cmpuint (got->len, ==, faults[i].received);
      stop (&f);
    }
}

static void
test_refused (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  guint port;

  start (&f, "smtp", NULL);
  port = f.peer->port;
  exec_peer_stop (f.peer);
  f.peer = exec_peer_start ("exec-api-peer.py");  /* keeps stop() simple */
  {
    g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u", port);
    exec_set (f.ws, "smtp.url", url);
  }
  result = exec_execute (f.email, REQUEST, "k-refused", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE);
  stop (&f);
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_connection_test (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autoptr(GPtrArray) got = NULL;
  JsonObject *s;

  start (&f, "smtp", "--tls", "starttls", "--auth", SMTP_USER ":" SMTP_PASS, NULL);
  set_credential (&f, SMTP_USER ":" SMTP_PASS);
  aios_email_connector_test_async (AIOS_EMAIL_CONNECTOR (f.email), NULL, tested_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  summary = aios_email_connector_test_finish (AIOS_EMAIL_CONNECTOR (f.email), result, &error);
  g_assert_no_error (error);
  s = json_node_get_object (summary);
  g_assert_true (json_object_get_boolean_member (s, "tls"));
  g_assert_true (json_object_get_boolean_member (s, "authenticated"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 0);
  stop (&f);
}


/* Peer text as it may be kept: valid UTF-8, no control character. */
static void
assert_clean_text (const char *text)
{
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_assert_false (g_unichar_iscntrl (c));
    }
}

/* Neither @secret nor any 12 characters in a row of it appear in @text. */
static void
assert_no_part_of (const char *text,
                   const char *secret)
{
  gsize len = strlen (secret);

  for (gsize i = 0; i + MIN (len, 12) <= len; i++)
    {
      g_autofree char *window = g_strndup (secret + i, MIN (len, 12));
      if (strstr (text, window) != NULL)
        g_error ("“%s” (from “%s”) is in “%s”", window, secret, text);
    }
}

static char *
b64_of (const char *a,
        gsize       len)
{
  return g_base64_encode ((const guchar *) a, len);
}

static void
run_auth_echo (const char *mechanisms)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  static const char plain[] = "\0" SMTP_USER "\0" SMTP_PASS;
  static const char authzid[] = SMTP_USER "\0" SMTP_USER "\0" SMTP_PASS;
  g_autofree char *b64_plain = b64_of (plain, sizeof plain - 1);
  g_autofree char *b64_authzid = b64_of (authzid, sizeof authzid - 1);
  g_autofree char *b64_pass = b64_of (SMTP_PASS, strlen (SMTP_PASS));

  /* A server that echoes what it was sent in its 535: the error (what the
   * outbox, the journal, exports and stderr get) carries none of it. */
  start (&f, "smtp", "--tls", "starttls", "--auth", SMTP_USER ":" SMTP_PASS, "--mechanisms", mechanisms,
         "--fault", "auth-echo", NULL);
  set_credential (&f, SMTP_USER ":" SMTP_PASS);
  result = exec_execute (f.email, REQUEST, "k-echo", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "refused the login"));
  g_assert_nonnull (strstr (error->message, "Authentication credentials invalid"));
  g_assert_nonnull (strstr (error->message, AIOS_PEER_TEXT_REDACTED));
  g_assert_null (strstr (error->message, "s3cret"));
  assert_no_part_of (error->message, SMTP_PASS);
  assert_no_part_of (error->message, b64_plain);
  /* its start is the user's name, which is no secret (AUTH LOGIN's first line) */
  assert_no_part_of (error->message, b64_authzid + strlen (b64_authzid) - 24);
  g_assert_null (strstr (error->message, b64_authzid));
  assert_no_part_of (error->message, b64_pass);
  assert_clean_text (error->message);
  stop (&f);
}

static void
test_auth_echo_plain (void)
{
  run_auth_echo ("PLAIN");
}

static void
test_auth_echo_login (void)
{
  run_auth_echo ("LOGIN");
}

static void
test_binary_reply (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  /* Bytes that are not UTF-8, ESC sequences, a NUL and a C1 CSI in a
   * reply: the error is valid UTF-8 with the controls written out. */
  start (&f, "smtp", "--fault", "rcpt-binary", NULL);
  result = exec_execute (f.email, REQUEST, "k-binary", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_test_message ("error: %s", error->message);
  assert_clean_text (error->message);
  g_assert_null (strchr (error->message, '\033'));
  g_assert_nonnull (strstr (error->message, "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\\x00"));
  g_assert_nonnull (strstr (error->message, "\\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 \\u009b2J"));
  g_assert_nonnull (strstr (error->message, "No such user here"));
  g_assert_cmpuint (received (&f)->len, ==, 0);
  stop (&f);
}

static void
test_huge_line (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autofree char *text = NULL;
  gint64 until;

  /* A greeting line of 64 MiB without an end: the connector gives up after
   * a few KiB, before the server is done sending (it would read all of it
   * if it buffered the line before checking its length). */
  start (&f, "smtp", "--fault", "huge-line", NULL);
  aios_connector_set_timeout_ms (f.email, 20000);
  result = exec_execute (f.email, REQUEST, "k-huge", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "sent a reply line longer than 4096 bytes"));
  g_assert_cmpuint (strlen (error->message), <, 200);

  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((!g_file_get_contents (f.log, &text, NULL, NULL) || strchr (text, '\n') == NULL) &&
         g_get_monotonic_time () < until)
    {
      g_clear_pointer (&text, g_free);
      g_usleep (20000);
    }
  g_assert_nonnull (text);
  report = exec_json_object (text);
  g_test_message ("the peer sent %" G_GINT64_FORMAT " bytes", json_object_get_int_member (report, "huge_sent"));
  g_assert_false (json_object_get_boolean_member (report, "complete"));
  g_assert_cmpint (json_object_get_int_member (report, "huge_sent"), <, 64 * 1024 * 1024);
  stop (&f);
}

static void
test_quit_garbage (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) got = NULL;

  /* The server took the message (250 after the final dot), then answers
   * QUIT with nonsense: the email is sent, not an unknown outcome. */
  start (&f, "smtp", "--fault", "quit-garbage", NULL);
  result = exec_execute (f.email, REQUEST, "run-1-step-2", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (result), "reply"),
                            "queued as AIOS1"));
  got = received (&f);
  g_assert_cmpuint (got->len, ==, 1);
  stop (&f);
}

static void
test_peer_text (void)
{
  const char *secrets[] = { "hunter2hunter2", NULL };
  struct { const char *in; const char *const *secrets; const char *out; } cases[] = {
    { "250 OK", NULL, "250 OK" },
    { "535 AUTH LOGIN failed", NULL, "535 AUTH LOGIN failed" },
    { "535 you said AUTH PLAIN AGFsaWNlAHNlc2FtZQ== no", NULL, "535 you said AUTH PLAIN [redacted] no" },
    { "535 you said: AGFsaWNlAHNlc2FtZQ", NULL, "535 you said: [redacted]" },
    { "535 password hunter2hunter2!", secrets, "535 password [redacted]!" },
    { "535 aHVudGVyMmh1bnRlcjI=", secrets, "535 [redacted]" },
    { "535 xaHVudGVyMmh1bnRlcjI", secrets, "535 [redacted]" },
    { "550 \033[2J\x7f", NULL, "550 \\x1b[2J\\x7f" },
    { "550 \xc3(\xe2\x80\xae", NULL, "550 \xef\xbf\xbd(\\u202e" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = aios_peer_text_sanitize (cases[i].in, -1, cases[i].secrets);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
  {
    g_autofree char *got = aios_peer_text_sanitize ("a\0b", 3, NULL);
    g_assert_cmpstr (got, ==, "a\\x00b");
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/exec/email/message", test_message);
  g_test_add_func ("/exec/email/prepare", test_prepare);
  g_test_add_func ("/exec/email/plain-loopback", test_plain_loopback);
  g_test_add_func ("/exec/email/identity", test_identity);
  g_test_add_func ("/exec/email/no-credentials-in-clear", test_no_credentials_in_clear);
  g_test_add_func ("/exec/email/starttls-plain", test_starttls_plain);
  g_test_add_func ("/exec/email/starttls-login", test_starttls_login);
  g_test_add_func ("/exec/email/implicit-tls", test_implicit_tls);
  g_test_add_func ("/exec/email/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/exec/email/wrong-password", test_wrong_password);
  g_test_add_func ("/exec/email/faults", test_faults);
  g_test_add_func ("/exec/email/refused", test_refused);
  g_test_add_func ("/exec/email/connection-test", test_connection_test);
  g_test_add_func ("/exec/email/auth-echo-plain", test_auth_echo_plain);
  g_test_add_func ("/exec/email/auth-echo-login", test_auth_echo_login);
  g_test_add_func ("/exec/email/binary-reply", test_binary_reply);
  g_test_add_func ("/exec/email/huge-line", test_huge_line);
  g_test_add_func ("/exec/email/quit-garbage", test_quit_garbage);
  g_test_add_func ("/exec/email/peer-text", test_peer_text);
  return g_test_run ();
}
