/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connectors describe themselves: their class carries the words, icon,
 * approval expiry, credential and test the app shows, so the Inbox, the
 * notifier, Preferences and the expiry never name a connector. A connector
 * defined here, unknown to the rest of Aios, gets all of it from its class.
 */
#include <glib.h>

#include "exec-test-util.h"
#include "control/aios-policy.h"

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

/* The built-ins, through the registry as the app asks for them. */
static void
test_builtins (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosConnectorRegistry *registry = aios_workspace_get_connectors (ws);
  g_autoptr(JsonNode) email_preview = parse ("{\"to\":[\"dana@example.com\"],\"subject\":\"A call next week?\"}");
  g_autoptr(JsonNode) invoice_request = parse ("{\"customer\":{\"name\":\"Acme GmbH\"}}");
  g_autoptr(JsonNode) invoice_preview = parse ("{\"total_text\":\"EUR 1,190.00\"}");
  g_autoptr(JsonNode) webhook_preview = parse ("{\"url\":\"https://hooks.example.net/x\","
                                               "\"headers\":{\"X-Aios-Event\":\"lead.qualified\"}}");
  g_autoptr(AiosActionDescription) email = NULL;
  g_autoptr(AiosActionDescription) email_named = NULL;
  g_autoptr(AiosActionDescription) invoice = NULL;
  g_autoptr(AiosActionDescription) webhook = NULL;
  AiosConnector *connector;
  const char *const *names;

  connector = aios_connector_registry_get (registry, "email");
  g_assert_cmpstr (aios_connector_get_display_name (connector), ==, "Email");
  g_assert_cmpstr (aios_connector_get_icon_name (connector), ==, "mail-unread-symbolic");
  g_assert_cmpint (aios_connector_get_approval_expiry_s (connector), ==, 3 * 24 * 3600);
  g_assert_cmpint (aios_connector_get_preview_kind (connector), ==, AIOS_PREVIEW_EMAIL);
  g_assert_cmpstr (aios_connector_get_credential (connector)->name, ==, "smtp");
  g_assert_true (aios_connector_can_test (connector));
  email = aios_connector_describe (connector, email_preview, NULL, NULL);
  g_assert_cmpstr (email->title, ==, "Email to dana@example.com");
  g_assert_cmpstr (email->subtitle, ==, "A call next week?");
  g_assert_cmpstr (email->question, ==, "Approve email to dana@example.com?");
  email_named = aios_connector_describe (connector, email_preview, NULL, "Dana Whitfield");
  g_assert_cmpstr (email_named->title, ==, "Email to Dana Whitfield");
  g_assert_true (aios_connector_registry_find_by_credential (registry, "smtp") == connector);

  connector = aios_connector_registry_get (registry, "invoice");
  g_assert_cmpint (aios_connector_get_approval_expiry_s (connector), ==, 7 * 24 * 3600);
  g_assert_cmpint (aios_connector_get_preview_kind (connector), ==, AIOS_PREVIEW_INVOICE);
  invoice = aios_connector_describe (connector, invoice_preview, invoice_request, "Someone Else");
  g_assert_cmpstr (invoice->title, ==, "Invoice to Acme GmbH");
  g_assert_cmpstr (invoice->subtitle, ==, "EUR 1,190.00");

  connector = aios_connector_registry_get (registry, "webhook");
  g_assert_cmpint (aios_connector_get_approval_expiry_s (connector), ==, 24 * 3600);
  webhook = aios_connector_describe (connector, webhook_preview, NULL, NULL);
  g_assert_cmpstr (webhook->title, ==, "Webhook to hooks.example.net");
  g_assert_cmpstr (webhook->subtitle, ==, "lead.qualified");

  /* The credentials the keyring accepts are the connectors' declared ones
   * plus the model service's and the intake's. */
  names = aios_credentials_list_names ();
  g_assert_true (g_strv_contains (names, "smtp"));
  g_assert_true (g_strv_contains (names, "invoice"));
  g_assert_true (g_strv_contains (names, "webhook"));
  g_assert_true (g_strv_contains (names, "llm.cloud"));
  g_assert_true (g_strv_contains (names, "intake"));
  g_assert_false (g_strv_contains (names, "email"));
  g_assert_cmpstr (aios_credentials_get_spec ("smtp")->label, ==, "SMTP Login (user:password)");

  exec_workspace_free (ws, g_steal_pointer (&path));
}

/* A connector no other file knows. */
#define TEST_TYPE_SMS_CONNECTOR (test_sms_connector_get_type ())
G_DECLARE_FINAL_TYPE (TestSmsConnector, test_sms_connector, TEST, SMS_CONNECTOR, AiosConnector)
struct _TestSmsConnector { AiosConnector parent_instance; };
G_DEFINE_FINAL_TYPE (TestSmsConnector, test_sms_connector, AIOS_TYPE_CONNECTOR)

static const AiosCredentialSpec sms_credential = { "sms", "SMS Gateway Token", "Token of the SMS gateway", FALSE };

static JsonNode *
sms_prepare (AiosConnector *self,
             JsonObject    *request,
             GError       **error)
{
  return json_node_init_object (json_node_alloc (), json_object_ref (request));
}

static AiosActionDescription *
sms_describe (AiosConnector *self,
              JsonNode      *preview,
              JsonNode      *request,
              const char    *person)
{
  AiosActionDescription *d = g_new0 (AiosActionDescription, 1);

  d->title = g_strdup_printf ("Text message to %s", person ? person : aios_json_node_get_string (preview, "to"));
  d->subtitle = g_strdup (aios_json_node_get_string (preview, "text"));
  d->question = g_strdup ("Send this text message?");
  return d;
}

static void
test_sms_connector_class_init (TestSmsConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  connector_class->prepare = sms_prepare;
  connector_class->display_name = "Text Message";
  connector_class->icon_name = "phone-symbolic";
  connector_class->approval_expiry_s = 3600;
  connector_class->credential = &sms_credential;
  connector_class->describe = sms_describe;
}

static void
test_sms_connector_init (TestSmsConnector *self)
{
}

static void
sms_tested (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;
  char *words = aios_connector_test_finish (AIOS_CONNECTOR (source), result, error);

  g_assert_null (words);
}

static void
test_new_connector (void)
{
  g_autoptr(AiosConnector) sms = g_object_new (TEST_TYPE_SMS_CONNECTOR, "name", "sms", NULL);
  g_autoptr(JsonNode) preview = parse ("{\"to\":\"+49 30 1234\",\"text\":\"Running late\"}");
  g_autoptr(AiosActionDescription) d = aios_connector_describe (sms, preview, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (d->title, ==, "Text message to +49 30 1234");
  g_assert_cmpstr (d->subtitle, ==, "Running late");
  g_assert_cmpstr (aios_connector_get_display_name (sms), ==, "Text Message");
  g_assert_cmpint (aios_connector_get_approval_expiry_s (sms), ==, 3600);
  g_assert_cmpint (aios_connector_get_preview_kind (sms), ==, AIOS_PREVIEW_DATA);

  /* Its credential becomes one the keyring accepts once declared. */
  g_assert_null (aios_credentials_get_spec ("sms"));
  aios_credentials_declare (aios_connector_get_credential (sms));
  g_assert_nonnull (aios_credentials_get_spec ("sms"));
  g_assert_true (aios_credentials_validate ("sms", "token", NULL));

  /* Without a test of its own it says so instead of pretending. */
  g_assert_false (aios_connector_can_test (sms));
  aios_connector_test_async (sms, NULL, sms_tested, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

/* The README's example rule, as written there, decides a real invoice
 * request: the rule sees the connector's facts (the total in major units,
 * the currency in capitals), not the request's minor-unit items. */
static void
test_policy_facts (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosPolicy *policy = aios_coordinator_get_policy (aios_workspace_get_coordinator (ws));
  AiosConnector *invoice = aios_connector_registry_get (aios_workspace_get_connectors (ws), "invoice");
  /* README.md, "invoices under 50 EUR to existing clients" */
  g_autoptr(JsonNode) rule = parse ("[{\"field\":\"amount\",\"op\":\"lt\",\"value\":50},"
                                    "{\"field\":\"currency\",\"op\":\"eq\",\"value\":\"EUR\"},"
                                    "{\"field\":\"customer.email\",\"op\":\"known\",\"kind\":\"client\",\"match\":\"email\"}]");
  g_autoptr(JsonNode) small = parse ("{\"customer\":{\"email\":\"billing@acme.example\",\"name\":\"Acme\"},"
                                     "\"currency\":\"eur\",\"items\":[{\"description\":\"Design\",\"amount\":3000},"
                                     "{\"description\":\"Hosting\",\"amount\":1500}]}");
  g_autoptr(JsonNode) large = parse ("{\"customer\":{\"email\":\"billing@acme.example\"},\"currency\":\"eur\","
                                     "\"items\":[{\"description\":\"Design\",\"amount\":5000}]}");
  g_autoptr(JsonNode) stranger = parse ("{\"customer\":{\"email\":\"someone@else.example\"},\"currency\":\"eur\","
                                        "\"items\":[{\"description\":\"Design\",\"amount\":3000}]}");
  g_autoptr(JsonNode) broken = parse ("{\"customer\":{\"email\":\"billing@acme.example\"},\"currency\":\"eur\","
                                      "\"amount\":1,\"items\":[{\"description\":\"Design\",\"amount\":\"30\"}]}");
  g_autoptr(JsonObject) client = json_object_new ();
  g_autoptr(JsonObject) facts = NULL;
  g_autoptr(GError) error = NULL;
  AiosProvenance prov = { "operator", 0, NULL };

  json_object_set_string_member (client, "name", "Acme");
  json_object_set_string_member (client, "email", "billing@acme.example");
  g_assert_cmpint (aios_memory_put (aios_workspace_get_memory (ws), 0, "client", client, NULL, &prov, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (aios_policy_add_rule (policy, "small-invoices", "invoice", TRUE, json_node_get_array (rule), NULL,
                                         "operator", &error), >, 0);
  g_assert_no_error (error);

  facts = aios_connector_get_policy_facts (invoice, json_node_get_object (small));
  g_assert_cmpfloat (json_object_get_double_member (facts, "amount"), ==, 45.0);
  g_assert_cmpint (json_object_get_int_member (facts, "amount_minor"), ==, 4500);
  g_assert_cmpstr (json_object_get_string_member (facts, "currency"), ==, "EUR");
  g_assert_cmpint (aios_policy_evaluate (policy, "invoice", facts, NULL, &error), ==, AIOS_POLICY_ALLOW);
  /* The request as it is (minor units, lower case) never matched the rule. */
  g_assert_cmpint (aios_policy_evaluate (policy, "invoice", json_node_get_object (small), NULL, &error), ==, AIOS_POLICY_ASK);
  g_clear_pointer (&facts, json_object_unref);

  facts = aios_connector_get_policy_facts (invoice, json_node_get_object (large));
  g_assert_cmpint (aios_policy_evaluate (policy, "invoice", facts, NULL, &error), ==, AIOS_POLICY_ASK);
  g_clear_pointer (&facts, json_object_unref);
  facts = aios_connector_get_policy_facts (invoice, json_node_get_object (stranger));
  g_assert_cmpint (aios_policy_evaluate (policy, "invoice", facts, NULL, &error), ==, AIOS_POLICY_ASK);
  g_clear_pointer (&facts, json_object_unref);
  /* An item without a whole amount: no total, so no amount rule holds
   * (and the request's own "amount" is not taken for one). */
  facts = aios_connector_get_policy_facts (invoice, json_node_get_object (broken));
  g_assert_false (json_object_has_member (facts, "amount"));
  g_assert_cmpint (aios_policy_evaluate (policy, "invoice", facts, NULL, &error), ==, AIOS_POLICY_ASK);
  g_assert_no_error (error);

  exec_workspace_free (ws, g_steal_pointer (&path));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/connector-class/builtins", test_builtins);
  g_test_add_func ("/exec/connector-class/new-connector", test_new_connector);
  g_test_add_func ("/exec/connector-class/policy-facts", test_policy_facts);
  return g_test_run ();
}
