/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Flow definitions: the built-ins load, and malformed or hostile files are
 * refused with an error naming the file, the JSON path and what was
 * expected. Versions: a changed definition gets a new version and a run
 * keeps the one it started with.
 */
#include "config.h"

#include <time.h>

#include <string.h>

#include "control-test-util.h"
#include "control/aios-schedules.h"
#include "control/aios-run-info.h"
#include "cli/aios-cli.h"

static AiosAgentRegistry *
agents (void)
{
  AiosAgentRegistry *registry = aios_agent_registry_new ();
  g_autoptr(AiosAgent) agent = test_agent_new ();

  aios_agent_registry_add (registry, agent);
  return registry;
}

static void
assert_invalid (const char *json,
                const char *expected)
{
  g_autoptr(AiosAgentRegistry) registry = agents ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = aios_flow_new_from_data (json, -1, "bad.json", registry, &error);

  g_assert_null (flow);
  g_assert_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID);
  if (strstr (error->message, expected) == NULL)
    g_error ("expected “%s” in: %s", expected, error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.json: "));
}

#define STEP "{\"name\":\"a\",\"agent\":\"template\",\"config\":{\"template\":\"x\"}}"

static void
test_valid_builtins (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, dir);
  g_autoptr(GPtrArray) flows = aios_flow_registry_list (aios_workspace_get_flows (ws));
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = aios_flow_registry_lookup (aios_workspace_get_flows (ws), "lead-followup", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (flows->len, >=, 2);
  g_assert_cmpuint (aios_workspace_get_flows (ws) ? aios_flow_registry_get_errors (aios_workspace_get_flows (ws))->len : 1, ==, 0);
  g_assert_cmpuint (aios_flow_get_n_steps (flow), ==, 3);
  g_assert_cmpstr (aios_flow_get_step (flow, 2)->action_connector, ==, "webhook");
  g_assert_cmpint (aios_flow_get_step (flow, 2)->checkpoint, ==, AIOS_CHECKPOINT_POLICY);
  g_assert_cmpuint (strlen (aios_flow_get_hash (flow)), ==, 64);

  g_clear_object (&flow);
  flow = aios_flow_registry_lookup (aios_workspace_get_flows (ws), "billing", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (aios_flow_get_n_steps (flow), ==, 4);
  g_assert_cmpstr (aios_flow_get_step (flow, 2)->action_connector, ==, "invoice");
  g_assert_cmpstr (aios_flow_get_step (flow, 2)->action_key, ==, "{{steps.bill.key}}");
  g_assert_cmpint (aios_flow_get_step (flow, 2)->checkpoint, ==, AIOS_CHECKPOINT_POLICY);
}

static void
test_invalid (void)
{
  assert_invalid ("", "$: expected an object, got nothing");
  assert_invalid ("{\"id\":", "$: not valid JSON");
  assert_invalid ("[1,2]", "$: expected an object, got an array");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\"}", "$.steps: expected an array of steps, got nothing");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[]}", "$.steps: expected from 1 to 64 steps");
  assert_invalid ("{\"id\":7,\"title\":\"t\",\"steps\":[" STEP "]}", "$.id: expected a string, got a number");
  assert_invalid ("{\"id\":\"a b\",\"title\":\"t\",\"steps\":[" STEP "]}", "$.id: expected a short name");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"stepz\":[]}", "$.stepz: unknown member");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"nobody\"}]}",
                  "$.steps[1].agent: unknown agent “nobody”; expected one of: rules, template, test");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP "," STEP "]}",
                  "$.steps[1].name: another step is already named “a”");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"retry\":{\"max_attempts\":\"3\"}}]}",
                  "$.steps[1].retry.max_attempts: expected an integer from 1 to 20, got a string");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"retry\":{\"max_attempts\":99}}]}",
                  "$.steps[1].retry.max_attempts: expected an integer from 1 to 20, got a number out of range");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"template\",\"config\":{}}]}",
                  "$.steps[0].config.template: expected a string or an object");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"rules\",\"config\":"
                  "{\"rules\":[{\"field\":\"input.x\",\"op\":\"gte\",\"value\":1,\"score\":\"lots\"}]}}]}",
                  "$.steps[0].config.rules[0].score: expected a number");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"checkpoint\":\"maybe\"}]}",
                  "$.steps[1].checkpoint: expected “none”, “approval” or “policy”");
  /* An outward action never runs unchecked. */
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"action\":{\"connector\":\"webhook\",\"request\":{}}}]}",
                  "$.steps[0].checkpoint: a step with an outward action needs “policy” or “approval”");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\",\"checkpoint\":\"policy\","
                  "\"action\":{\"connector\":\"webhook\",\"request\":[]}}]}",
                  "$.steps[0].action.request: expected an object, got an array");
  /* An action's key names what it is about, from what the step reads. */
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\",\"checkpoint\":\"policy\","
                  "\"action\":{\"connector\":\"webhook\",\"request\":{},\"key\":7}}]}",
                  "$.steps[0].action.key: expected a text of up to 120 bytes with placeholders, got a number");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\",\"checkpoint\":\"policy\","
                  "\"action\":{\"connector\":\"webhook\",\"request\":{},\"key\":\"bill/{{steps.z.key}}\"}}]}",
                  "$.steps[0].action.key: {{steps.z.key}} refers to step “z”, which does not run before this one");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"config\":{\"echo\":\"{{steps.b.text}}\"}},{\"name\":\"b\",\"agent\":\"test\"}]}",
                  "$.steps[0].config: {{steps.b.text}} refers to step “b”, which does not run before this one");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"inputs\":{\"steps\":[\"a\"]}}]}",
                  "$.steps[0].inputs.steps[0]: “a” is not a step that runs before this one");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"inputs\":{\"run\":\"yes\"}}]}",
                  "$.steps[1].inputs.run: expected true or false, got a string");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"config\":{\"echo\":\"{{secrets.key}}\"}}]}",
                  "{{secrets.key}}: expected a placeholder starting with input., steps., memory. or run.");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"input_schema\":{\"properties\":{\"n\":{\"type\":\"date\"}}},"
                  "\"steps\":[" STEP "]}",
                  "$.input_schema.properties.n.type: expected one of string");

  /* Waits, lists of conditions, schedules (issue 20). */
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"wait\":{\"after\":\"3 days\"}}]}",
                  "$.steps[0].wait: expected durations such as “3d,7d” or “5s”, got “3 days”");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"wait\":{\"after\":\"3d\",\"part\":0}}]}",
                  "$.steps[0].wait.part: expected an integer from 1 to 32");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"wait\":{\"after\":\"3d\",\"until\":1}}]}",
                  "$.steps[0].wait.until: unknown member");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"wait\":{\"after\":\"{{steps.z.cadence}}\"}}]}",
                  "$.steps[0].wait: {{steps.z.cadence}} refers to step “z”, which does not run before this one");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"inputs\":{\"steps\":[\"a\"]},\"when\":[\"steps.a.ok\",7]}]}",
                  "$.steps[1].when: expected a path such as “steps.qualify.qualified”, got a number");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP ",{\"name\":\"b\",\"agent\":\"test\","
                  "\"when\":[]}]}",
                  "$.steps[1].when: expected from 1 to 8 paths");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"schedule\":{\"every\":\"fortnight\"},\"steps\":[" STEP "]}",
                  "$.schedule: .every: expected “day”, “weekday”, “month” or a duration");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"schedule\":{\"every\":\"day\",\"at\":\"25:00\"},\"steps\":[" STEP "]}",
                  "$.schedule: .at: expected a time such as “09:00”");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"schedule\":{\"every\":\"month\",\"day\":32},\"steps\":[" STEP "]}",
                  "$.schedule: .day: expected a day of the month, 1 to 31");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"schedule\":\"daily\",\"steps\":[" STEP "]}",
                  "$.schedule: expected an object, got a string");
}

/* The schedule arithmetic: weekdays skip the weekend, the 31st is a short
 * month's last day, intervals count from their anchor; a DST change keeps
 * the local time. */
static void
test_schedule_times (void)
{
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(GDateTime) friday = NULL;
  g_autoptr(GDateTime) next = NULL;
  const char *saved = g_getenv ("TZ");
  g_autofree char *old_tz = saved ? g_strdup (saved) : NULL;
  gint64 ms;

  g_assert_nonnull (berlin);
  g_setenv ("TZ", "Europe/Berlin", TRUE);
  tzset ();

  friday = g_date_time_new (berlin, 2027, 3, 5, 9, 30, 0);   /* after Friday's 09:00 */
  ms = aios_schedule_next_after ("{\"every\":\"weekday\",\"at\":\"09:00\"}", 0, g_date_time_to_unix (friday) * 1000);
  next = g_date_time_new_from_unix_local (ms / 1000);
  g_assert_cmpint (g_date_time_get_day_of_week (next), ==, 1);   /* Monday */
  g_assert_cmpint (g_date_time_get_day_of_month (next), ==, 8);
  g_assert_cmpint (g_date_time_get_hour (next), ==, 9);
  g_clear_pointer (&next, g_date_time_unref);

  /* Across the spring-forward night (28 March 2027): still 09:00 local. */
  ms = aios_schedule_next_after ("{\"every\":\"day\",\"at\":\"09:00\"}", 0,
                                 g_date_time_to_unix (friday) * 1000 + (gint64) 22 * 24 * 3600 * 1000);
  next = g_date_time_new_from_unix_local (ms / 1000);
  g_assert_cmpint (g_date_time_get_day_of_month (next), ==, 28);
  g_assert_cmpint (g_date_time_get_hour (next), ==, 9);
  g_clear_pointer (&next, g_date_time_unref);

  /* Day 31 in April is the 30th. */
  {
    g_autoptr(GDateTime) april = g_date_time_new (berlin, 2027, 4, 2, 12, 0, 0);
    ms = aios_schedule_next_after ("{\"every\":\"month\",\"day\":31,\"at\":\"08:00\"}", 0,
                                   g_date_time_to_unix (april) * 1000);
    next = g_date_time_new_from_unix_local (ms / 1000);
    g_assert_cmpint (g_date_time_get_month (next), ==, 4);
    g_assert_cmpint (g_date_time_get_day_of_month (next), ==, 30);
    g_clear_pointer (&next, g_date_time_unref);
  }

  /* Every 2 s from an anchor: the next multiple, strictly after. */
  g_assert_cmpint (aios_schedule_next_after ("{\"every\":\"2s\"}", 1000, 1000), ==, 3000);
  g_assert_cmpint (aios_schedule_next_after ("{\"every\":\"2s\"}", 1000, 4500), ==, 5000);
  g_assert_cmpint (aios_schedule_next_after ("{\"every\":\"nonsense\"}", 0, 0), ==, 0);

  /* Durations as flows and templates write them. */
  g_assert_cmpint (aios_flow_parse_duration ("5s"), ==, 5000);
  g_assert_cmpint (aios_flow_parse_duration (" 3d "), ==, 3 * 24 * 3600 * 1000);
  g_assert_cmpint (aios_flow_parse_duration ("90m"), ==, 90 * 60 * 1000);
  g_assert_cmpint (aios_flow_parse_duration ("3"), ==, -1);
  g_assert_cmpint (aios_flow_parse_duration ("-3d"), ==, -1);
  g_assert_cmpint (aios_flow_parse_duration ("3w"), ==, -1);

  if (old_tz != NULL)
    g_setenv ("TZ", old_tz, TRUE);
  else
    g_unsetenv ("TZ");
  tzset ();
}

static void
test_hostile (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[" STEP "],\"description\":");
  g_autoptr(GString) huge = g_string_new ("{\"id\":\"x\",\"title\":\"");
  g_autoptr(GString) big = g_string_new ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[");
  g_autoptr(GString) many = g_string_new ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[");

  /* 100000 levels of nesting: refused before the parser recurses. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_invalid (deep->str, "$: nested more than 32 levels deep");

  /* A 200 KiB title. */
  for (guint i = 0; i < 200 * 1024; i++)
    g_string_append_c (huge, 'a');
  g_string_append (huge, "\",\"steps\":[" STEP "]}");
  assert_invalid (huge->str, "$.title: a string longer than 65536 bytes");

  /* A 2 MiB file. */
  while (big->len < 2 * 1024 * 1024)
    g_string_append (big, "                                                                ");
  assert_invalid (big->str, "a flow may have at most 1048576");

  for (guint i = 0; i < 100; i++)
    g_string_append_printf (many, "%s{\"name\":\"s%u\",\"agent\":\"test\"}", i ? "," : "", i);
  g_string_append (many, "]}");
  assert_invalid (many->str, "$.steps: expected from 1 to 64 steps, got 100");

  assert_invalid ("{\"id\":\"x\",\"title\":\"t\xff\xfe\"}", "$: expected UTF-8 text");
  assert_invalid ("{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"name\":\"a\",\"agent\":\"test\","
                  "\"config\":{\"echo\":\"{{input.x\"}}]}",
                  "$.steps[0].config: a placeholder “{{” is not closed by “}}”");
}

static void
test_user_dir_errors (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *flows_dir = g_build_filename (dir, "flows", NULL);
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = NULL;
  GPtrArray *errors;

  test_write_file (flows_dir, "broken.json", "{\"id\":\"broken\",\"title\":\"t\",\"steps\":[{\"name\":\"a\"}]}");
  test_write_file (flows_dir, "mine.json", "{\"id\":\"mine\",\"title\":\"Mine\",\"steps\":[" STEP "]}");
  ws = test_open_workspace (path, flows_dir);

  errors = aios_flow_registry_get_errors (aios_workspace_get_flows (ws));
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_nonnull (strstr (errors->pdata[0], "broken.json: $.steps[0].agent: expected a string, got nothing"));

  flow = aios_flow_registry_lookup (aios_workspace_get_flows (ws), "mine", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aios_flow_get_title (flow), ==, "Mine");

  g_assert_null (aios_flow_registry_lookup (aios_workspace_get_flows (ws), "broken", &error));
  g_assert_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID);
}

static void
test_versions (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *flows_dir = g_build_filename (dir, "flows", NULL);
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) first = NULL;
  g_autoptr(AiosRunInfo) second = NULL;
  g_autofree char *output = NULL;
  AiosCoordinator *coordinator;
  gint64 run1, run2;

  test_write_file (flows_dir, "v.json",
                   "{\"id\":\"v\",\"title\":\"V\",\"steps\":[{\"name\":\"a\",\"agent\":\"template\","
                   "\"config\":{\"template\":\"one\"}}]}");
  ws = test_open_workspace (path, flows_dir);
  coordinator = aios_workspace_get_coordinator (ws);

  /* Submitted while the coordinator is not running: it keeps version 1. */
  run1 = aios_coordinator_submit (coordinator, "v", NULL, "operator", &error);
  g_assert_no_error (error);

  /* The file changes (same size is not enough to hide it: mtime moves). */
  g_usleep (1100 * 1000);
  test_write_file (flows_dir, "v.json",
                   "{\"id\":\"v\",\"title\":\"V\",\"steps\":[{\"name\":\"a\",\"agent\":\"template\","
                   "\"config\":{\"template\":\"two\"}}]}");
  run2 = aios_coordinator_submit (coordinator, "v", NULL, "operator", &error);
  g_assert_no_error (error);

  g_assert_true (aios_coordinator_start (coordinator, &error));
  g_assert_no_error (error);
  test_settle (ws);

  first = aios_run_info_get (aios_workspace_get_store (ws), run1, &error);
  second = aios_run_info_get (aios_workspace_get_store (ws), run2, &error);
  g_assert_cmpint (first->flow_version, ==, 1);
  g_assert_cmpint (second->flow_version, ==, 2);
  g_assert_cmpstr (first->status, ==, "succeeded");
  output = test_query_text (aios_workspace_get_store (ws), "SELECT output_json FROM steps WHERE run_id = ?", run1);
  g_assert_cmpstr (output, ==, "{\"text\":\"one\"}");
  g_clear_pointer (&output, g_free);
  output = test_query_text (aios_workspace_get_store (ws), "SELECT output_json FROM steps WHERE run_id = ?", run2);
  g_assert_cmpstr (output, ==, "{\"text\":\"two\"}");
  g_assert_cmpint (test_query_int (aios_workspace_get_store (ws),
                                   "SELECT COUNT(*) FROM flow_versions WHERE flow_id = 'v'", 0), ==, 2);
}

static void
test_input_schema (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) missing = test_json ("{\"email\":\"a@b.c\"}");
  g_autoptr(JsonNode) wrong = test_json ("{\"name\":\"A\",\"email\":\"a@b.c\",\"budget\":\"lots\"}");
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (ws);

  g_assert_cmpint (aios_coordinator_submit (coordinator, "lead-followup", missing, "operator", &error), ==, 0);
  g_assert_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "needs “name”"));
  g_clear_error (&error);
  g_assert_cmpint (aios_coordinator_submit (coordinator, "lead-followup", wrong, "operator", &error), ==, 0);
  g_assert_nonnull (strstr (error->message, "$.budget: expected the type number"));
  g_clear_error (&error);
  g_assert_cmpint (aios_coordinator_submit (coordinator, "nope", NULL, "operator", &error), ==, 0);
  g_assert_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_NOT_FOUND);
  g_assert_cmpint (test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs", 0), ==, 0);
}

static void
test_cli_flows (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *flows_dir = g_build_filename (dir, "flows", NULL);
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(AiosWorkspace) ws = NULL;
  g_autoptr(AiosCliCall) call = NULL;
  g_autoptr(AiosCliCall) json_call = NULL;
  g_autoptr(JsonNode) list = NULL;
  const char *human[] = { "flows", NULL };
  const char *json[] = { "flows", "--json", NULL };
  JsonArray *array;
  gboolean found = FALSE;

  test_write_file (flows_dir, "broken.json", "{\"id\":\"broken\"");
  ws = test_open_workspace (path, flows_dir);

  call = aios_cli_call_new (ws, NULL, human);
  g_assert_cmpint (aios_cli_run (call), ==, 0);
  g_assert_nonnull (strstr (aios_cli_call_get_output (call), "lead-followup        Follow up a lead"));
  g_assert_nonnull (strstr (aios_cli_call_get_output (call), "score (rules) → draft (template) → notify (template, webhook)"));
  g_assert_nonnull (strstr (aios_cli_call_get_errors (call), "aios: skipped: "));
  g_assert_nonnull (strstr (aios_cli_call_get_errors (call), "broken.json: $: not valid JSON"));

  json_call = aios_cli_call_new (ws, NULL, json);
  g_assert_cmpint (aios_cli_run (json_call), ==, 0);
  list = test_json (aios_cli_call_get_output (json_call));
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *flow = json_array_get_object_element (array, i);
      if (g_str_equal (json_object_get_string_member (flow, "id"), "lead-followup"))
        {
          found = TRUE;
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (flow, "steps")), ==, 3);
          g_assert_true (json_object_has_member (json_object_get_object_member (flow, "input_schema"), "required"));
        }
    }
  g_assert_true (found);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/flows/builtins", test_valid_builtins);
  g_test_add_func ("/flows/invalid", test_invalid);
  g_test_add_func ("/flows/schedule-times", test_schedule_times);
  g_test_add_func ("/flows/hostile", test_hostile);
  g_test_add_func ("/flows/user-dir-errors", test_user_dir_errors);
  g_test_add_func ("/flows/versions", test_versions);
  g_test_add_func ("/flows/input-schema", test_input_schema);
  g_test_add_func ("/flows/cli", test_cli_flows);
  return g_test_run ();
}
