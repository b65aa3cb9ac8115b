/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Invoices through a Stripe-compatible API (invoice.url, secret key from the
 * "invoice" credential, sent as a Bearer token). Requests are form-encoded;
 * every POST carries an Idempotency-Key derived from the outbox's key and
 * the step ("<key>/customer", "<key>/invoice", "<key>/item/0",
 * "<key>/finalize", "<key>/send"), so running the whole sequence again after
 * a failure returns the same objects instead of making new ones. That is why
 * a lost answer here is RETRYABLE, not an unknown outcome.
 *
 * Sequence: POST /v1/customers → POST /v1/invoices (draft, send_invoice,
 * auto_advance=false) → POST /v1/invoiceitems with invoice=<id> for each
 * line (attached explicitly, which works whatever the account's
 * pending-items behaviour) → POST /v1/invoices/<id>/finalize →
 * POST /v1/invoices/<id>/send.
 *
 * Request:
 *   { "customer": { "email": "...", "name": "..." }, "currency": "eur",
 *     "days_until_due": 30, "description": "...",
 *     "items": [ { "description": "...", "amount": 120000 } ] }   (minor units)
 *
 * Stripe's error shape {"error": {"type", "code", "message", "param"}} is
 * read into the message; 429 and 5xx are retryable, 409 (idempotency
 * conflict) and other 4xx permanent.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-http.h"
#include "aios-invoice-connector.h"

#define MAX_ITEMS 100
#define MAX_AMOUNT G_GINT64_CONSTANT (99999999)

struct _AiosInvoiceConnector
{
  AiosConnector    parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
};

G_DEFINE_FINAL_TYPE (AiosInvoiceConnector, aios_invoice_connector, AIOS_TYPE_CONNECTOR)

typedef struct
{
  char      *description;
  gint64     amount;
} Item;

typedef struct
{
  char      *base_url;
  char      *email;
  char      *name;
  char      *currency;
  char      *description;
  gint64     days_until_due;
  GArray    *items;
  gint64     total;
} Invoice;

static void
item_clear (Item *item)
{
  g_free (item->description);
}

static void
invoice_free (Invoice *inv)
{
  g_free (inv->base_url);
  g_free (inv->email);
  g_free (inv->name);
  g_free (inv->currency);
  g_free (inv->description);
  g_clear_pointer (&inv->items, g_array_unref);
  g_free (inv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Invoice, invoice_free)

static gboolean
one_line (const char *s,
          gsize       max)
{
  return s != NULL && *s != '\0' && strlen (s) <= max && strpbrk (s, "\r\n") == NULL &&
         g_utf8_validate (s, -1, NULL);
}

static Invoice *
parse_request (AiosInvoiceConnector  *self,
               JsonObject            *request,
               GError               **error)
{
  g_autoptr(Invoice) inv = g_new0 (Invoice, 1);
  JsonObject *customer = NULL;
  JsonArray *items = NULL;
  const char *currency;

  inv->base_url = aios_config_get (self->config, "invoice.url");
  if (inv->base_url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("Invoicing is not configured: set invoice.url"));
      return NULL;
    }
  if (json_object_has_member (request, "customer") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (request, "customer")))
    customer = json_object_get_object_member (request, "customer");
  if (customer == NULL ||
      !one_line (json_object_get_string_member_with_default (customer, "email", NULL), 254) ||
      strchr (json_object_get_string_member_with_default (customer, "email", ""), '@') == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An invoice needs a customer with an email address"));
      return NULL;
    }
  inv->email = g_strdup (json_object_get_string_member (customer, "email"));
  if (json_object_has_member (customer, "name"))
    {
      const char *name = json_object_get_string_member_with_default (customer, "name", NULL);
      if (!one_line (name, 256))
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("The customer's name must be one line"));
          return NULL;
        }
      inv->name = g_strdup (name);
    }

  currency = json_object_get_string_member_with_default (request, "currency", NULL);
  if (currency == NULL || strlen (currency) != 3 || !g_ascii_isalpha (currency[0]) ||
      !g_ascii_isalpha (currency[1]) || !g_ascii_isalpha (currency[2]))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An invoice needs a three-letter “currency”, like eur"));
      return NULL;
    }
  inv->currency = g_ascii_strdown (currency, -1);
  inv->days_until_due = json_object_get_int_member_with_default (request, "days_until_due", 30);
  if (inv->days_until_due < 0 || inv->days_until_due > 365)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("“days_until_due” must be from 0 to 365"));
      return NULL;
    }
  if (json_object_has_member (request, "description"))
    {
      const char *d = json_object_get_string_member_with_default (request, "description", NULL);
      if (!one_line (d, 500))
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("The invoice's description must be one line"));
          return NULL;
        }
      inv->description = g_strdup (d);
    }

  if (json_object_has_member (request, "items") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (request, "items")))
    items = json_object_get_array_member (request, "items");
  if (items == NULL || json_array_get_length (items) == 0 || json_array_get_length (items) > MAX_ITEMS)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An invoice needs from 1 to %d “items”"), MAX_ITEMS);
      return NULL;
    }
  inv->items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (inv->items, (GDestroyNotify) item_clear);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *amount = o ? json_object_get_member (o, "amount") : NULL;
      const char *d = o ? json_object_get_string_member_with_default (o, "description", NULL) : NULL;
      Item item = { 0 };

      if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount) || json_node_get_value_type (amount) != G_TYPE_INT64 ||
          json_node_get_int (amount) <= 0 || json_node_get_int (amount) > MAX_AMOUNT || !one_line (d, 500))
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("Item %u needs a “description” and a whole positive “amount” in cents"), i + 1);
          return NULL;
        }
      item.description = g_strdup (d);
      item.amount = json_node_get_int (amount);
      inv->total += item.amount;
      g_array_append_val (inv->items, item);
    }
  return g_steal_pointer (&inv);
}

/* application/x-www-form-urlencoded, keys keeping Stripe's [] syntax */
static void
form_add (GString    *form,
          const char *key,
          const char *value)
{
  g_autofree char *k = g_uri_escape_string (key, "[]", FALSE);
  g_autofree char *v = g_uri_escape_string (value, NULL, FALSE);

  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append_printf (form, "%s=%s", k, v);
}

static void
form_add_int (GString    *form,
              const char *key,
              gint64      value)
{
  g_autofree char *v = g_strdup_printf ("%" PRId64, value);
  form_add (form, key, v);
}

typedef enum {
  STEP_CUSTOMER,
  STEP_INVOICE,
  STEP_ITEM,
  STEP_FINALIZE,
  STEP_SEND,
  STEP_DONE,
} Step;

static char *
step_path (Step        step,
           const char *invoice_id)
{
  switch (step)
    {
    case STEP_CUSTOMER:
      return g_strdup ("/v1/customers");
    case STEP_INVOICE:
      return g_strdup ("/v1/invoices");
    case STEP_ITEM:
      return g_strdup ("/v1/invoiceitems");
    case STEP_FINALIZE:
      return g_strdup_printf ("/v1/invoices/%s/finalize", invoice_id);
    case STEP_SEND:
      return g_strdup_printf ("/v1/invoices/%s/send", invoice_id);
    case STEP_DONE:
    default:
      g_assert_not_reached ();
    }
}

static char *
step_form (Invoice    *inv,
           Step        step,
           guint       item,
           const char *customer_id,
           const char *invoice_id,
           const char *key)
{
  GString *form = g_string_new (NULL);

  switch (step)
    {
    case STEP_CUSTOMER:
      form_add (form, "email", inv->email);
      if (inv->name)
        form_add (form, "name", inv->name);
      break;
    case STEP_INVOICE:
      form_add (form, "customer", customer_id);
      form_add (form, "collection_method", "send_invoice");
      form_add_int (form, "days_until_due", inv->days_until_due);
      form_add (form, "currency", inv->currency);
      form_add (form, "auto_advance", "false");
      if (inv->description)
        form_add (form, "description", inv->description);
      form_add (form, "metadata[aios_idempotency_key]", key);
      break;
    case STEP_ITEM:
      form_add (form, "customer", customer_id);
      form_add (form, "invoice", invoice_id);
      form_add_int (form, "amount", g_array_index (inv->items, Item, item).amount);
      form_add (form, "currency", inv->currency);
      form_add (form, "description", g_array_index (inv->items, Item, item).description);
      break;
    case STEP_FINALIZE:
    case STEP_SEND:
    case STEP_DONE:
    default:
      break;
    }
  return g_string_free (form, FALSE);
}

static char *
format_amount (gint64      minor,
               const char *currency)
{
  g_autofree char *upper = g_ascii_strup (currency, -1);
  return g_strdup_printf ("%" PRId64 ".%02d %s", minor / 100, (int) (minor % 100), upper);
}

static JsonNode *
aios_invoice_connector_prepare (AiosConnector  *connector,
                                JsonObject     *request,
                                GError        **error)
{
  AiosInvoiceConnector *self = AIOS_INVOICE_CONNECTOR (connector);
  g_autoptr(Invoice) inv = parse_request (self, request, error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autofree char *total = NULL;
  const char *cus = _("(the customer's id)");
  const char *in = _("(the invoice's id)");
  const char *key = _("(the outbox's idempotency key)");

  if (inv == NULL)
    return NULL;
  total = format_amount (inv->total, inv->currency);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connector");
  json_builder_add_string_value (b, "invoice");
  json_builder_set_member_name (b, "server");
  json_builder_add_string_value (b, inv->base_url);
  json_builder_set_member_name (b, "customer");
  json_builder_add_string_value (b, inv->email);
  json_builder_set_member_name (b, "currency");
  json_builder_add_string_value (b, inv->currency);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, inv->total);
  json_builder_set_member_name (b, "total_text");
  json_builder_add_string_value (b, total);
  json_builder_set_member_name (b, "requests");
  json_builder_begin_array (b);
  for (Step step = STEP_CUSTOMER; step < STEP_DONE; step++)
    for (guint i = 0; i < (step == STEP_ITEM ? inv->items->len : 1); i++)
      {
        g_autofree char *path = step_path (step, in);
        g_autofree char *form = step_form (inv, step, i, cus, in, key);

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "method");
        json_builder_add_string_value (b, "POST");
        json_builder_set_member_name (b, "path");
        json_builder_add_string_value (b, path);
        json_builder_set_member_name (b, "form");
        json_builder_add_string_value (b, form);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Execution */

typedef struct
{
  Invoice     *inv;
  char        *key;
  char        *secret;
  Step         step;
  guint        item;
  char        *customer_id;
  char        *invoice_id;
  SoupMessage *msg;
  JsonNode    *last;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->inv, invoice_free);
  g_free (run->key);
  if (run->secret != NULL)
    {
      memset (run->secret, 0, strlen (run->secret));
      g_free (run->secret);
    }
  g_free (run->customer_id);
  g_free (run->invoice_id);
  g_clear_object (&run->msg);
  g_clear_pointer (&run->last, json_node_unref);
  g_free (run);
}

static char *
request_key (Run *run)
{
  static const char *names[] = { "customer", "invoice", "item", "finalize", "send" };

  if (run->step == STEP_ITEM)
    return g_strdup_printf ("%s/item/%u", run->key, run->item);
  return g_strdup_printf ("%s/%s", run->key, names[run->step]);
}

/* Reads Stripe's {"error": {...}} into a classified error. */
static GError *
stripe_error (SoupMessage *msg,
              GBytes      *body,
              const char  *host)
{
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  const char *message = NULL, *type = NULL, *code = NULL, *param = NULL;
  g_autofree char *detail = NULL;
  GError *error;

  if (data != NULL && len > 0 && json_parser_load_from_data (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (o, "error") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "error")))
        {
          JsonObject *e = json_object_get_object_member (o, "error");
          message = json_object_get_string_member_with_default (e, "message", NULL);
          type = json_object_get_string_member_with_default (e, "type", NULL);
          code = json_object_get_string_member_with_default (e, "code", NULL);
          param = json_object_get_string_member_with_default (e, "param", NULL);
        }
    }
  {
    GString *d = g_string_new (message ? message : soup_message_get_reason_phrase (msg));
    if (type != NULL || code != NULL || param != NULL)
      {
        g_string_append (d, " (");
        if (type)
          g_string_append (d, type);
        if (code)
          g_string_append_printf (d, "%s%s", type ? ", " : "", code);
        if (param)
          g_string_append_printf (d, _("%sfield %s"), type || code ? ", " : "", param);
        g_string_append_c (d, ')');
      }
    detail = g_string_free (d, FALSE);
  }
  if (status == 429 || status >= 500)
    error = aios_connector_error_new_retry (aios_http_parse_retry_after (msg),
                                            _("%s answered %u: %s"), host, status, detail);
  else if (status == 401 || status == 403)
    error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                         _("%s refused the invoice credential: %s"), host, detail);
  else
    error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                         _("%s rejected the invoice (%u): %s"), host, status, detail);
  return error;
}

static void run_step (GTask *task);
static void balance_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
step_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(GUri) uri = g_uri_parse (run->inv->base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : run->inv->base_url;
  guint status;
  JsonNode *node;
  JsonObject *o;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  status = soup_message_get_status (run->msg);
  if (status < 200 || status >= 300)
    {
      g_task_return_error (task, stripe_error (run->msg, body, host));
      g_object_unref (task);
      return;
    }
  node = aios_http_parse_json (run->msg, body, host, AIOS_HTTP_IDEMPOTENT, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member (json_node_get_object (node), "id"))
    {
      if (node != NULL)
        json_node_unref (node);
      if (error == NULL)
        error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE,
                             _("%s answered without an object id"), host);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_clear_pointer (&run->last, json_node_unref);
  run->last = node;
  o = json_node_get_object (node);
  if (run->step == STEP_CUSTOMER)
    run->customer_id = g_strdup (json_object_get_string_member (o, "id"));
  else if (run->step == STEP_INVOICE)
    run->invoice_id = g_strdup (json_object_get_string_member (o, "id"));

  if (run->step == STEP_ITEM && ++run->item < run->inv->items->len)
    ;
  else
    run->step++;
  run_step (task);
}

static void
finish_run (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  JsonObject *o = json_node_get_object (run->last);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "customer");
  json_builder_add_string_value (b, run->customer_id);
  json_builder_set_member_name (b, "invoice");
  json_builder_add_string_value (b, run->invoice_id);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, json_object_get_string_member_with_default (o, "status", ""));
  json_builder_set_member_name (b, "number");
  json_builder_add_string_value (b, json_object_get_string_member_with_default (o, "number", ""));
  json_builder_set_member_name (b, "hosted_invoice_url");
  json_builder_add_string_value (b, json_object_get_string_member_with_default (o, "hosted_invoice_url", ""));
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, json_object_get_int_member_with_default (o, "total", run->inv->total));
  json_builder_set_member_name (b, "currency");
  json_builder_add_string_value (b, run->inv->currency);
  json_builder_end_object (b);
  g_task_return_pointer (task, json_builder_get_root (b), (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
run_step (GTask *task)
{
  AiosInvoiceConnector *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *form = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SoupMessageHeaders *headers;
  gsize len;

  if (run->step == STEP_DONE)
    {
      finish_run (task);
      return;
    }
  path = step_path (run->step, run->invoice_id);
  len = strlen (run->inv->base_url);
  while (len > 0 && run->inv->base_url[len - 1] == '/')
    len--;
  url = g_strdup_printf ("%.*s%s", (int) len, run->inv->base_url, path);
  form = step_form (run->inv, run->step, run->item, run->customer_id, run->invoice_id, run->key);
  key = request_key (run);

  g_clear_object (&run->msg);
  run->msg = soup_message_new ("POST", url);
  if (run->msg == NULL)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("invoice.url is not a valid URL: %s"), run->inv->base_url);
      g_object_unref (task);
      return;
    }
  soup_message_add_flags (run->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (run->msg);
  soup_message_headers_replace (headers, "Idempotency-Key", key);
  if (run->secret != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", run->secret, NULL);
      soup_message_headers_replace (headers, "Authorization", auth);
      memset (auth, 0, strlen (auth));
    }
  bytes = g_bytes_new (form, strlen (form));
  soup_message_set_request_body_from_bytes (run->msg, "application/x-www-form-urlencoded", bytes);
  aios_http_send_async (self->session, run->msg, AIOS_HTTP_IDEMPOTENT,
                        aios_connector_get_timeout_ms (AIOS_CONNECTOR (self)),
                        g_task_get_cancellable (task), step_done_cb, task);
}

static void
secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  AiosInvoiceConnector *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "invoice", &secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (secret != NULL)
    {
      run->secret = g_strdup (secret);
      secret_password_free (secret);
    }
  /* With no key at all the service answers 401, which says it plainly. */
  if (run->step == STEP_DONE)
    {
      /* the connection test: GET /v1/balance */
      g_autofree char *url = NULL;
      gsize len = strlen (run->inv->base_url);
      while (len > 0 && run->inv->base_url[len - 1] == '/')
        len--;
      url = g_strdup_printf ("%.*s/v1/balance", (int) len, run->inv->base_url);
      run->msg = soup_message_new ("GET", url);
      if (run->msg == NULL)
        {
          g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                                   _("invoice.url is not a valid URL: %s"), run->inv->base_url);
          g_object_unref (task);
          return;
        }
      if (run->secret != NULL)
        {
          g_autofree char *auth = g_strconcat ("Bearer ", run->secret, NULL);
          soup_message_headers_replace (soup_message_get_request_headers (run->msg), "Authorization", auth);
        }
          aios_http_send_async (self->session, run->msg, AIOS_HTTP_IDEMPOTENT,
                            aios_connector_get_timeout_ms (AIOS_CONNECTOR (self)),
                            g_task_get_cancellable (task), balance_done_cb, task);
      return;
    }
  run_step (task);
}

static void
aios_invoice_connector_execute_async (AiosConnector       *connector,
                                      JsonObject          *request,
                                      const char          *idempotency_key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  AiosInvoiceConnector *self = AIOS_INVOICE_CONNECTOR (connector);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Run *run;
  Invoice *inv;

  g_task_set_source_tag (task, aios_invoice_connector_execute_async);
  inv = parse_request (self, request, &error);
  if (inv == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (strpbrk (idempotency_key, "\r\n") != NULL || strlen (idempotency_key) > 200)
    {
      invoice_free (inv);
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                               _("The idempotency key must be one short line"));
      g_object_unref (task);
      return;
    }
  run = g_new0 (Run, 1);
  run->inv = inv;
  run->key = g_strdup (idempotency_key);
  run->step = STEP_CUSTOMER;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  aios_credentials_lookup_async (self->credentials, "invoice", cancellable, secret_cb, task);
}

static JsonNode *
aios_invoice_connector_execute_finish (AiosConnector  *connector,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *outer = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = g_task_propagate_pointer (G_TASK (result), &error);

  if (node == NULL)
    g_task_return_error (outer, g_steal_pointer (&error));
  else
    g_task_return_pointer (outer, node, (GDestroyNotify) json_node_unref);
  g_object_unref (outer);
}

static void
balance_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(GUri) uri = g_uri_parse (run->inv->base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : run->inv->base_url;
  JsonNode *node;

  if (body == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (soup_message_get_status (run->msg) < 200 || soup_message_get_status (run->msg) >= 300)
    g_task_return_error (task, stripe_error (run->msg, body, host));
  else if ((node = aios_http_parse_json (run->msg, body, host, AIOS_HTTP_IDEMPOTENT, &error)) == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

void
aios_invoice_connector_test_async (AiosInvoiceConnector *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *task;
  Run *run;
  g_autofree char *url = aios_config_get (self->config, "invoice.url");

  g_task_set_source_tag (outer, aios_invoice_connector_test_async);
  if (url == NULL)
    {
      g_task_return_new_error (outer, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("Invoicing is not configured: set invoice.url"));
      g_object_unref (outer);
      return;
    }
  task = g_task_new (self, cancellable, test_done_cb, outer);
  run = g_new0 (Run, 1);
  run->inv = g_new0 (Invoice, 1);
  run->inv->base_url = g_steal_pointer (&url);
  run->step = STEP_DONE;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  aios_credentials_lookup_async (self->credentials, "invoice", cancellable, secret_cb, task);
}

JsonNode *
aios_invoice_connector_test_finish (AiosInvoiceConnector  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_invoice_connector_dispose (GObject *object)
{
  AiosInvoiceConnector *self = AIOS_INVOICE_CONNECTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (aios_invoice_connector_parent_class)->dispose (object);
}

static const AiosCredentialSpec invoice_credential = {
  "invoice", N_("Secret Key"), N_("Secret key of the invoicing API"), FALSE
};

static AiosActionDescription *
aios_invoice_connector_describe (AiosConnector *connector,
                                 JsonNode      *preview,
                                 JsonNode      *request,
                                 const char    *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);
  JsonObject *object = request != NULL && JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *customer = object != NULL ? json_object_get_member (object, "customer") : NULL;
  const char *client = aios_json_node_get_string (customer, "name");
  const char *who;

  if (client == NULL)
    client = person;
  if (client == NULL)
    client = aios_json_node_get_string (preview, "customer");
  who = client != NULL ? client : "";

  /* Translators: an inbox title; %s is a client's name or address */
  description->title = g_strdup_printf (_("Invoice to %s"), who);
  description->subtitle = g_strdup (aios_json_node_get_string (preview, "total_text"));
  description->question = client != NULL
    /* Translators: a notification's title; %s is a client's name or address */
    ? g_strdup_printf (_("Approve invoice to %s?"), client)
    : g_strdup (_("Approve an invoice?"));
  return description;
}

/* What a policy rule sees of an invoice: the request as it is, with
 * "amount" the total of its items in major units (4000 cents → 40) and
 * "currency" in capitals ("EUR"), as the operator writes them. An item
 * without a whole positive amount leaves "amount" out, so no amount rule
 * can hold (fail closed: the operator is asked). */
static JsonObject *
aios_invoice_connector_policy_facts (AiosConnector *connector,
                                     JsonObject    *request)
{
  JsonObject *facts = json_object_new ();
  JsonNode *items = json_object_get_member (request, "items");
  const char *currency = json_object_get_string_member_with_default (request, "currency", NULL);
  gint64 total = 0;
  gboolean valid = items != NULL && JSON_NODE_HOLDS_ARRAY (items) &&
                   json_array_get_length (json_node_get_array (items)) > 0;
  GList *members = json_object_get_members (request);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (facts, l->data, json_node_copy (json_object_get_member (request, l->data)));
  g_list_free (members);

  for (guint i = 0; valid && i < json_array_get_length (json_node_get_array (items)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (items), i);
      JsonNode *amount = JSON_NODE_HOLDS_OBJECT (item) ? json_object_get_member (json_node_get_object (item), "amount")
                                                       : NULL;

      if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount) || json_node_get_value_type (amount) != G_TYPE_INT64 ||
          json_node_get_int (amount) <= 0 || json_node_get_int (amount) > MAX_AMOUNT)
        valid = FALSE;
      else
        total += json_node_get_int (amount);
    }
  json_object_remove_member (facts, "amount");
  if (valid)
    {
      json_object_set_double_member (facts, "amount", total / 100.0);
      json_object_set_int_member (facts, "amount_minor", total);
    }
  if (currency != NULL)
    {
      g_autofree char *upper = g_ascii_strup (currency, -1);
      json_object_set_string_member (facts, "currency", upper);
    }
  return facts;
}

static void
test_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) balance = aios_invoice_connector_test_finish (AIOS_INVOICE_CONNECTOR (source), result, &error);

  if (balance == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_strdup (_("The invoicing API accepted the key (balance read)")), g_free);
}

static void
aios_invoice_connector_connection_test_async (AiosConnector       *connector,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GTask *task = g_task_new (connector, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_invoice_connector_connection_test_async);
  aios_invoice_connector_test_async (AIOS_INVOICE_CONNECTOR (connector), cancellable, test_cb, task);
}

static char *
aios_invoice_connector_connection_test_finish (AiosConnector  *connector,
                                               GAsyncResult   *result,
                                               GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_invoice_connector_class_init (AiosInvoiceConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_invoice_connector_dispose;
  connector_class->prepare = aios_invoice_connector_prepare;
  connector_class->execute_async = aios_invoice_connector_execute_async;
  connector_class->execute_finish = aios_invoice_connector_execute_finish;

  connector_class->display_name = N_("Invoice");
  connector_class->icon_name = "x-office-spreadsheet-symbolic";
  connector_class->approval_expiry_s = 7 * 24 * 3600;
  connector_class->preview_kind = AIOS_PREVIEW_INVOICE;
  connector_class->credential = &invoice_credential;
  connector_class->describe = aios_invoice_connector_describe;
  connector_class->policy_facts = aios_invoice_connector_policy_facts;
  connector_class->test_async = aios_invoice_connector_connection_test_async;
  connector_class->test_finish = aios_invoice_connector_connection_test_finish;
}

static void
aios_invoice_connector_init (AiosInvoiceConnector *self)
{
}

AiosConnector *
aios_invoice_connector_new (AiosConfig      *config,
                            AiosCredentials *credentials,
                            SoupSession     *session)
{
  AiosInvoiceConnector *self = g_object_new (AIOS_TYPE_INVOICE_CONNECTOR, "name", "invoice", NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->session = g_object_ref (session);
  return AIOS_CONNECTOR (self);
}
