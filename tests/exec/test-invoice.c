/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The invoice connector against a peer speaking the Stripe API's wire
 * format: form-encoded requests, Idempotency-Key on every POST (replayed by
 * the peer as Stripe does), Stripe's error shape, and a resumed sequence
 * that makes no duplicates.
 */
#include "config.h"

#include "exec-test-util.h"
#include "exec/aios-invoice-connector.h"

typedef struct
{
  ExecPeer      *peer;
  AiosWorkspace *ws;
  char          *path;
  AiosConnector *invoice;
} Fixture;

static const char *REQUEST =
  "{\"customer\":{\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\"},\"currency\":\"EUR\","
  "\"days_until_due\":14,\"description\":\"March work\","
  "\"items\":[{\"description\":\"Consulting, 10 h\",\"amount\":120000},"
  "{\"description\":\"Travel & expenses\",\"amount\":3450}]}";

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->peer = exec_peer_start ("exec-api-peer.py");
  f->ws = exec_workspace_new (&f->path);
  f->invoice = aios_workspace_get_connector (f->ws, "invoice");
  g_assert_nonnull (f->invoice);
  aios_connector_set_timeout_ms (f->invoice, 1500);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  exec_workspace_free (f->ws, f->path);
  exec_peer_stop (f->peer);
}

static void
use_mode (Fixture    *f,
          const char *mode)
{
  g_autofree char *url = exec_peer_url (f->peer, mode, "");
  exec_set (f->ws, "invoice.url", url);
}

static JsonObject *
objects (Fixture *f)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/_objects", f->peer->port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = soup_session_send_and_read (session, msg, NULL, NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return exec_json_object (text);
}

static guint
count_prefix (JsonObject *objs,
              const char *prefix)
{
  g_autoptr(GList) ids = json_object_get_members (objs);
  guint n = 0;

  for (GList *l = ids; l; l = l->next)
    n += g_str_has_prefix (l->data, prefix);
  return n;
}

static void
test_prepare (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  g_autoptr(JsonObject) fractional = exec_json_object ("{\"customer\":{\"email\":\"a@b.com\"},\"currency\":\"eur\","
                                                       "\"items\":[{\"description\":\"x\",\"amount\":12.5}]}");
  g_autoptr(JsonObject) no_email = exec_json_object ("{\"customer\":{\"name\":\"A\"},\"currency\":\"eur\","
                                                     "\"items\":[{\"description\":\"x\",\"amount\":100}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(JsonArray) log = NULL;
  JsonObject *p;
  JsonArray *requests;

  g_assert_null (aios_connector_prepare (f->invoice, request, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);

  use_mode (f, "ok");
  preview = aios_connector_prepare (f->invoice, request, &error);
  g_assert_no_error (error);
  p = json_node_get_object (preview);
  g_assert_cmpint (json_object_get_int_member (p, "total"), ==, 123450);
  g_assert_cmpstr (json_object_get_string_member (p, "total_text"), ==, "1234.50 EUR");
  requests = json_object_get_array_member (p, "requests");
  g_assert_cmpuint (json_array_get_length (requests), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (requests, 0), "form"), ==,
                   "email=ada%40example.com&name=Ada%20Lovelace");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (requests, 3), "form"), ==,
                   "customer=%28the%20customer%27s%20id%29&invoice=%28the%20invoice%27s%20id%29&amount=3450"
                   "&currency=eur&description=Travel%20%26%20expenses");

  g_assert_null (aios_connector_prepare (f->invoice, fractional, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_clear_error (&error);
  g_assert_null (aios_connector_prepare (f->invoice, no_email, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);

  log = exec_peer_log (f->peer);
  g_assert_cmpuint (json_array_get_length (log), ==, 0);
}

static void
test_execute (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(JsonObject) objs = NULL;
  JsonObject *r, *inv;
  static const char *paths[] = { "/ok/v1/customers", "/ok/v1/invoices", "/ok/v1/invoiceitems",
                                 "/ok/v1/invoiceitems", "/ok/v1/invoices/in_0001/finalize",
                                 "/ok/v1/invoices/in_0001/send" };
  static const char *keys[] = { "run-3-step-5/customer", "run-3-step-5/invoice", "run-3-step-5/item/0",
                                "run-3-step-5/item/1", "run-3-step-5/finalize", "run-3-step-5/send" };

  use_mode (f, "ok");
  result = exec_execute (f->invoice, REQUEST, "run-3-step-5", &error);
  g_assert_no_error (error);
  r = json_node_get_object (result);
  g_assert_cmpstr (json_object_get_string_member (r, "customer"), ==, "cus_0001");
  g_assert_cmpstr (json_object_get_string_member (r, "invoice"), ==, "in_0001");
  g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "open");
  g_assert_cmpstr (json_object_get_string_member (r, "number"), ==, "AIOS-0001");
  g_assert_cmpint (json_object_get_int_member (r, "total"), ==, 123450);

  log = exec_peer_log (f->peer);
  g_assert_cmpuint (json_array_get_length (log), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      JsonObject *req = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (req, "headers");
      g_assert_cmpstr (json_object_get_string_member (req, "method"), ==, "POST");
      g_assert_cmpstr (json_object_get_string_member (req, "path"), ==, paths[i]);
      g_assert_cmpstr (json_object_get_string_member (headers, "Idempotency-Key"), ==, keys[i]);
      g_assert_cmpstr (json_object_get_string_member (headers, "Content-Type"), ==,
                       "application/x-www-form-urlencoded");
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (log, 1), "body"), ==,
                   "customer=cus_0001&collection_method=send_invoice&days_until_due=14&currency=eur"
                   "&auto_advance=false&description=March%20work&metadata[aios_idempotency_key]=run-3-step-5");

  objs = objects (f);
  inv = json_object_get_object_member (objs, "in_0001");
  g_assert_cmpint (json_object_get_int_member (inv, "total"), ==, 123450);
  g_assert_cmpint (json_object_get_int_member (inv, "sent"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (inv, "lines")), ==, 2);
}

static void
test_resume_without_duplicates (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) failed = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonObject) objs = NULL;
  g_autoptr(JsonObject) objs2 = NULL;
  JsonObject *inv;

  use_mode (f, "e500finalize");
  failed = exec_execute (f->invoice, REQUEST, "run-4-step-1", &error);
  g_assert_null (failed);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE);
  g_assert_nonnull (strstr (error->message, "An unknown error occurred (api_error)"));
  g_clear_error (&error);

  /* The coordinator retries with the same key: the same objects come back. */
  use_mode (f, "ok");
  result = exec_execute (f->invoice, REQUEST, "run-4-step-1", &error);
  g_assert_no_error (error);
  objs = objects (f);
  g_assert_cmpuint (count_prefix (objs, "cus_"), ==, 1);
  g_assert_cmpuint (count_prefix (objs, "in_"), ==, 1);
  inv = json_object_get_object_member (objs, "in_0001");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (inv, "lines")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (inv, "total"), ==, 123450);
  g_assert_cmpint (json_object_get_int_member (inv, "sent"), ==, 1);

  /* Another outbox item (another key) is another invoice. */
  other = exec_execute (f->invoice, REQUEST, "run-5-step-1", &error);
  g_assert_no_error (error);
  objs2 = objects (f);
  g_assert_cmpuint (count_prefix (objs2, "in_"), ==, 2);
}

typedef struct
{
  const char *mode;
  int         code;
  gint64      retry_after_ms;
  const char *words;
} Fault;

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  static const Fault faults[] = {
    { "e500",      AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "internal error (api_error)" },
    { "e429",      AIOS_CONNECTOR_ERROR_RETRYABLE, 7000, "rate limited" },
    { "e400",      AIOS_CONNECTOR_ERROR_PERMANENT, -1,   "Invalid request (invalid_request_error, parameter_invalid, field amount)" },
    { "e401",      AIOS_CONNECTOR_ERROR_PERMANENT, -1,   "refused the invoice credential" },
    { "slow",      AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "within" },
    { "truncated", AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "" },
    { "malformed", AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "malformed JSON" },
    { "wrongtype", AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "text/html" },
    { "reset",     AIOS_CONNECTOR_ERROR_RETRYABLE, -1,   "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) result = NULL;

      g_test_message ("fault %s", faults[i].mode);
      use_mode (f, faults[i].mode);
      result = exec_execute (f->invoice, REQUEST, "k-fault", &error);
      g_assert_null (result);
      g_assert_error (error, AIOS_CONNECTOR_ERROR, faults[i].code);
      g_assert_cmpint (aios_connector_error_get_retry_after_ms (error), ==, faults[i].retry_after_ms);
      g_assert_nonnull (strstr (error->message, faults[i].words));
    }
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) balance = NULL;
  g_autoptr(JsonArray) log = NULL;

  use_mode (f, "ok");
  aios_invoice_connector_test_async (AIOS_INVOICE_CONNECTOR (f->invoice), NULL, tested_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  balance = aios_invoice_connector_test_finish (AIOS_INVOICE_CONNECTOR (f->invoice), result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (balance), "object"), ==, "balance");
  log = exec_peer_log (f->peer);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (log, 0), "method"), ==, "GET");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/exec/invoice/prepare", test_prepare);
  ADD ("/exec/invoice/execute", test_execute);
  ADD ("/exec/invoice/resume-without-duplicates", test_resume_without_duplicates);
  ADD ("/exec/invoice/faults", test_faults);
  ADD ("/exec/invoice/connection-test", test_connection);
#undef ADD
  return g_test_run ();
}
