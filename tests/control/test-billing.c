/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The billing flow's agents through the coordinator: the built-in flow
 * drafts invoices from contracts billed per day and per milestone, refuses
 * with a clear reason what it cannot bill, and the QA role's invoice mode
 * fails an invoice that does not agree with its contract (a user flow whose
 * "bill" step writes a wrong one). No invoice is sent here: invoice.url
 * points at a port nothing listens on, and prepare never connects.
 */
#include "config.h"

#include <string.h>

#include "control-test-util.h"
#include "control/aios-run-info.h"

typedef struct {
  char          *dir;
  char          *flows_dir;
  AiosWorkspace *ws;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = test_temp_dir ();
  f->flows_dir = g_build_filename (f->dir, "flows", NULL);
  g_mkdir_with_parents (f->flows_dir, 0700);
  path = g_build_filename (f->dir, "ws.db", NULL);
  f->ws = test_open_workspace (path, f->flows_dir);
  g_assert_true (aios_config_set (aios_workspace_get_config (f->ws), "invoice.url", "http://127.0.0.1:9/ok",
                                  "operator", &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  aios_coordinator_stop (aios_workspace_get_coordinator (f->ws));
  g_clear_object (&f->ws);
  g_free (f->flows_dir);
  g_free (f->dir);
}

static void
put (Fixture    *f,
     const char *kind,
     const char *fields_json)
{
  g_autoptr(JsonNode) fields = test_json (fields_json);
  g_autoptr(GError) error = NULL;
  AiosProvenance prov = { "operator", 0, "test" };

  g_assert_cmpint (aios_memory_put (aios_workspace_get_memory (f->ws), 0, kind, json_node_get_object (fields), NULL,
                                    &prov, NULL, &error), >, 0);
  g_assert_no_error (error);
}

static gint64
submit (Fixture    *f,
        const char *flow,
        const char *input)
{
  g_autoptr(JsonNode) node = test_json (input);
  g_autoptr(GError) error = NULL;
  gint64 id = aios_coordinator_submit (aios_workspace_get_coordinator (f->ws), flow, node, "operator", &error);

  g_assert_no_error (error);
  return id;
}

static void
run_all (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_coordinator_start (aios_workspace_get_coordinator (f->ws), &error));
  g_assert_no_error (error);
  test_settle (f->ws);
}

/* The run failed, and its reason says @expected. */
static void
assert_refused (Fixture    *f,
                gint64      run,
                const char *expected)
{
  g_autoptr(AiosRunInfo) info = aios_run_info_get (aios_workspace_get_store (f->ws), run, NULL);

  g_assert_nonnull (info);
  g_assert_cmpstr (info->status, ==, "failed");
  g_assert_nonnull (info->attention);
  if (strstr (info->attention, expected) == NULL)
    g_error ("expected “%s” in: %s", expected, info->attention);
}

/* The invoice request the run's approval waits with. */
static JsonObject *
approval_request (Fixture *f,
                  gint64   run)
{
  g_autofree char *text = test_query_text (aios_workspace_get_store (f->ws),
                                           "SELECT request_json FROM approvals WHERE run_id = ?", run);
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (text);
  node = test_json (text);
  return json_object_ref (json_node_get_object (node));
}

static gint64
item_amount (JsonObject *request,
             guint       i)
{
  JsonArray *items = json_object_get_array_member (request, "items");

  return json_object_get_int_member (json_array_get_object_element (items, i), "amount");
}

static void
test_rates (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(JsonObject) days = NULL;
  g_autoptr(JsonObject) milestones = NULL;
  gint64 by_day, by_milestone;

  put (f, "client", "{\"name\": \"Globex\", \"email\": \"ap@globex.example\"}");
  put (f, "contract", "{\"client\": \"Globex\", \"rate\": 800, \"currency\": \"EUR\", \"unit\": \"day\", "
                      "\"tax_rate\": 0, \"payment_days\": 30}");
  put (f, "work", "{\"client\": \"Globex\", \"date\": \"2026-10-31\", \"days\": 1, \"description\": \"October\"}");
  put (f, "work", "{\"client\": \"Globex\", \"date\": \"2026-11-02\", \"days\": 1.5, \"description\": \"Workshop\"}");
  put (f, "work", "{\"client\": \"Globex\", \"date\": \"2026-11-09\", \"hours\": 4, \"description\": \"Follow-up\"}");
  put (f, "client", "{\"name\": \"Initech\", \"email\": \"pay@initech.example\"}");
  put (f, "contract", "{\"client\": \"Initech\", \"rate\": \"1800.50\", \"currency\": \"CHF\", \"unit\": \"milestone\", "
                      "\"tax_rate\": 7.7, \"payment_days\": 10}");
  put (f, "work", "{\"client\": \"Initech\", \"date\": \"2026-11-20\", \"milestone\": \"Launch\", "
                  "\"description\": \"Booking site live\"}");

  by_day = submit (f, "billing", "{\"client\": \"Globex\", \"from\": \"2026-11-01\", \"to\": \"2026-11-15\", "
                                 "\"issue_date\": \"2026-11-16\"}");
  by_milestone = submit (f, "billing", "{\"client\": \"initech\", \"period\": \"2026-11\", \"issue_date\": \"2026-12-01\"}");
  run_all (f);

  /* 1.5 days and 4 hours (half a day) at 800; October's day is not in the period; no tax line at 0 % */
  days = approval_request (f, by_day);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (days, "items")), ==, 2);
  g_assert_cmpint (item_amount (days, 0), ==, 120000);
  g_assert_cmpint (item_amount (days, 1), ==, 40000);
  g_assert_cmpint (json_object_get_int_member (days, "total"), ==, 160000);
  g_assert_cmpstr (json_object_get_string_member (days, "due_date"), ==, "2026-12-16");
  g_assert_cmpstr (json_object_get_string_member (days, "period"), ==, "2026-11-01..2026-11-15");

  /* one milestone at 1800.50 CHF, 7.7 % tax: 138.64 */
  milestones = approval_request (f, by_milestone);
  g_assert_cmpint (item_amount (milestones, 0), ==, 180050);
  g_assert_cmpint (item_amount (milestones, 1), ==, 13864);
  g_assert_cmpint (json_object_get_int_member (milestones, "total"), ==, 193914);
  g_assert_cmpstr (json_object_get_string_member (milestones, "currency"), ==, "chf");
  g_assert_cmpstr (json_object_get_string_member (milestones, "due_date"), ==, "2026-12-11");
  /* asked for "initech": billed as the contract names the client */
  g_assert_cmpstr (json_object_get_string_member (milestones, "client"), ==, "Initech");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (milestones, "description"), "Initech: work from"));
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  gint64 no_contract, no_email, bad_period, nothing, no_hours, no_client;

  put (f, "client", "{\"name\": \"Hooli\"}");
  put (f, "contract", "{\"client\": \"Hooli\", \"rate\": 100, \"currency\": \"USD\"}");
  put (f, "client", "{\"name\": \"Acme\", \"email\": \"ap@acme.example\"}");
  put (f, "contract", "{\"client\": \"Acme\", \"rate\": 100, \"currency\": \"USD\", \"unit\": \"hour\"}");
  put (f, "work", "{\"client\": \"Acme\", \"date\": \"2026-09-03\", \"days\": 2, \"description\": \"Days, not hours\"}");

  no_contract = submit (f, "billing", "{\"client\": \"Nobody Ltd\", \"period\": \"2026-11\"}");
  no_email = submit (f, "billing", "{\"client\": \"Hooli\", \"period\": \"2026-11\"}");
  bad_period = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-13\"}");
  nothing = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-11\"}");
  no_hours = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-09\"}");
  no_client = submit (f, "billing", "{\"client\": \"Acme\", \"from\": \"2026-11-30\", \"to\": \"2026-11-01\"}");
  run_all (f);

  assert_refused (f, no_contract, "There is no contract with “Nobody Ltd” in memory");
  assert_refused (f, no_email, "The client “Hooli” has no billing email in memory");
  assert_refused (f, bad_period, "“2026-13” is not a billing period (expected a month as YYYY-MM");
  assert_refused (f, nothing, "No work for Acme is logged from 2026-11-01 to 2026-11-30");
  assert_refused (f, no_hours, "needs positive hours to be billed at a rate per hour");
  assert_refused (f, no_client, "“from” and “to” dates (YYYY-MM-DD, from not after to)");
  g_assert_cmpint (test_query_int (aios_workspace_get_store (f->ws), "SELECT COUNT(*) FROM approvals WHERE id > ?", 0),
                   ==, 0);
}

/* A "bill" step that writes an invoice the contract does not back. */
static const char *wrong_flow =
  "{ \"id\": \"wrong-bill\", \"title\": \"A wrong invoice\","
  "  \"input_schema\": { \"required\": [\"client\"], \"properties\": { \"client\": { \"type\": \"string\" } } },"
  "  \"steps\": ["
  "    { \"name\": \"bill\", \"agent\": \"template\", \"config\": { \"template\": { \"invoice\": {"
  "        \"currency\": \"usd\", \"days_until_due\": 30, \"total\": 100000, \"contract_version\": 1,"
  "        \"items\": [ { \"description\": \"Work\", \"amount\": 100000, \"quantity\": 10, \"unit_amount\": 9000 } ] } } } },"
  "    { \"name\": \"check\", \"agent\": \"qa\","
  "      \"config\": { \"mode\": \"invoice\", \"invoice\": \"{{steps.bill.invoice}}\", \"contract\": \"{{memory.contract}}\" },"
  "      \"inputs\": { \"run\": true, \"steps\": [\"bill\"], \"memory\": [ { \"as\": \"contract\", \"kind\": \"contract\","
  "                   \"field\": \"client\", \"value\": \"{{input.client}}\" } ] } } ] }";

static void
test_qa_recomputes (Fixture       *f,
                    gconstpointer  data)
{
  gint64 run;

  test_write_file (f->flows_dir, "wrong-bill.json", wrong_flow);
  put (f, "contract", "{\"client\": \"Acme\", \"rate\": 95, \"currency\": \"EUR\", \"tax_rate\": 19, \"payment_days\": 14}");
  run = submit (f, "wrong-bill", "{\"client\": \"Acme\"}");
  run_all (f);

  assert_refused (f, run, "Quality check failed: the currency is “usd”, the contract's is “EUR”");
  assert_refused (f, run, "item 1 is priced at 9000 cents, the contract's rate is 9500");
  assert_refused (f, run, "the tax is 0 cents, the contract's rate on the subtotal makes 19000");
  assert_refused (f, run, "it is due in 30 days, the contract says 14");
}

/* An approved invoice cancelled with its run before it went out leaves the
 * period free: the next run asks again, under a key of its own; a run
 * while that one waits is refused. */
static void
test_cancelled_then_again (Fixture       *f,
                           gconstpointer  data)
{
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (f->ws);
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autoptr(GError) error = NULL;
  g_autofree char *first_key = NULL;
  g_autofree char *second_key = NULL;
  gint64 first, second, third, approval;

  put (f, "client", "{\"name\": \"Acme\", \"email\": \"ap@acme.example\"}");
  put (f, "contract", "{\"client\": \"Acme\", \"rate\": 100, \"currency\": \"EUR\"}");
  put (f, "work", "{\"client\": \"Acme\", \"date\": \"2026-11-03\", \"hours\": 2, \"description\": \"Fixes\"}");
  first = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-11\"}");
  run_all (f);
  approval = test_query_int (store, "SELECT id FROM approvals WHERE run_id = ?", first);
  g_assert_cmpint (approval, >, 0);
  /* the service is unreachable (port 9): the item waits, prepared, for its next attempt */
  g_assert_true (aios_coordinator_approve (coordinator, approval, NULL, "operator", NULL, &error));
  g_assert_no_error (error);
  test_settle (f->ws);
  g_assert_true (aios_coordinator_cancel (coordinator, first, "operator", &error));
  g_assert_no_error (error);
  first_key = test_query_text (store, "SELECT idempotency_key FROM outbox WHERE run_id = ? AND status = 'cancelled'", first);
  g_assert_nonnull (first_key);
  g_assert_true (g_str_has_suffix (first_key, "-billing/acme/2026-11-01..2026-11-30"));

  second = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-11\"}");
  test_settle (f->ws);
  g_assert_cmpint (test_query_int (store, "SELECT COUNT(*) FROM approvals WHERE run_id = ? AND status = 'pending'",
                                   second), ==, 1);
  second_key = test_query_text (store, "SELECT idempotency_key FROM steps WHERE run_id = ? AND name = 'issue'", second);
  {
    g_autofree char *expected = g_strdup_printf ("%s/after-outbox%" G_GINT64_FORMAT, first_key,
                                                 test_query_int (store, "SELECT id FROM outbox WHERE run_id = ?", first));
    g_assert_cmpstr (second_key, ==, expected);
  }

  third = submit (f, "billing", "{\"client\": \"Acme\", \"period\": \"2026-11\"}");
  test_settle (f->ws);
  {
    g_autofree char *expected = g_strdup_printf ("Run %" G_GINT64_FORMAT " already waits to take this invoice action",
                                                 second);
    assert_refused (f, third, expected);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/billing/rates", Fixture, NULL, fixture_set_up, test_rates, fixture_tear_down);
  g_test_add ("/billing/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/billing/cancelled-then-again", Fixture, NULL, fixture_set_up, test_cancelled_then_again,
              fixture_tear_down);
  g_test_add ("/billing/qa-recomputes", Fixture, NULL, fixture_set_up, test_qa_recomputes, fixture_tear_down);
  return g_test_run ();
}
