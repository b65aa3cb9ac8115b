/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay (recorded outputs or fresh), retry of a failed run with the fixed
 * flow definition, and rollback of memory and unsent actions.
 */
#include "config.h"

#include <string.h>

#include "control-test-util.h"
#include "control/aios-run-info.h"

typedef struct {
  char          *dir;
  char          *flows_dir;
  char          *path;
  AiosWorkspace *ws;
} Fixture;

static const char chain_flow[] =
  "{\"id\":\"chain\",\"title\":\"Chain\",\"steps\":["
  " {\"name\":\"one\",\"agent\":\"test\",\"config\":{\"echo\":\"{{input.word}}\",\"counter\":\"one\"}},"
  " {\"name\":\"two\",\"agent\":\"test\",\"config\":{\"echo\":\"{{steps.one.echo}}-two\",\"counter\":\"two\"}},"
  " {\"name\":\"three\",\"agent\":\"test\",\"config\":{\"echo\":\"{{steps.two.echo}}-three\",\"counter\":\"three\"}}]}";

static const char broken_flow[] =
  "{\"id\":\"fixme\",\"title\":\"Fix me\",\"steps\":["
  " {\"name\":\"a\",\"agent\":\"test\",\"config\":{\"counter\":\"a\"}},"
  " {\"name\":\"b\",\"agent\":\"test\",\"config\":{\"counter\":\"b\",\"fail_times\":%d,\"code\":\"permanent\"}}]}";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *broken = g_strdup_printf (broken_flow, 100);

  test_agent_reset ();
  f->dir = test_temp_dir ();
  f->flows_dir = g_build_filename (f->dir, "flows", NULL);
  f->path = g_build_filename (f->dir, "ws.db", NULL);
  test_write_file (f->flows_dir, "chain.json", chain_flow);
  test_write_file (f->flows_dir, "fixme.json", broken);
  f->ws = test_open_workspace (f->path, f->flows_dir);
  test_agent_set_memory (aios_workspace_get_memory (f->ws));
  g_assert_true (aios_coordinator_start (aios_workspace_get_coordinator (f->ws), NULL));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  test_agent_set_memory (NULL);
  g_clear_object (&f->ws);
  g_free (f->dir);
  g_free (f->flows_dir);
  g_free (f->path);
}

static AiosStore *
store (Fixture *f)
{
  return aios_workspace_get_store (f->ws);
}

static gint64
submit (Fixture    *f,
        const char *flow,
        const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = input ? test_json (input) : NULL;
  gint64 id = aios_coordinator_submit (aios_workspace_get_coordinator (f->ws), flow, node, "operator", &error);

  g_assert_no_error (error);
  return id;
}

static void
test_replay_recorded (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) info = NULL;
  g_autofree char *parent_out = NULL;
  g_autofree char *child_out = NULL;
  gint64 run, child;

  run = submit (f, "chain", "{\"word\":\"w\"}");
  test_settle (f->ws);
  g_assert_cmpuint (test_agent_calls ("three"), ==, 1);

  child = aios_coordinator_replay (aios_workspace_get_coordinator (f->ws), run, "two", FALSE, "operator", &error);
  g_assert_no_error (error);
  test_settle (f->ws);

  info = aios_run_info_get (store (f), child, NULL);
  g_assert_cmpstr (info->status, ==, "succeeded");
  g_assert_cmpint (info->parent_run_id, ==, run);
  g_assert_cmpstr (info->fork_kind, ==, "replay");
  /* Step one reused; two and three answered from the recording: no calls. */
  g_assert_cmpuint (test_agent_calls ("one"), ==, 1);
  g_assert_cmpuint (test_agent_calls ("two"), ==, 1);
  g_assert_cmpuint (test_agent_calls ("three"), ==, 1);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'step.reused'",
                                   child), ==, 1);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'step.succeeded' "
                                   "AND payload_json LIKE '%recorded_output%'", child), ==, 2);
  parent_out = test_query_text (store (f), "SELECT output_json FROM steps WHERE run_id = ? AND idx = 2", run);
  child_out = test_query_text (store (f), "SELECT output_json FROM steps WHERE run_id = ? AND idx = 2", child);
  g_assert_cmpstr (parent_out, ==, child_out);

  /* The parent's history is untouched. */
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM steps WHERE run_id = ?", run), ==, 3);

  g_assert_cmpint (aios_coordinator_replay (aios_workspace_get_coordinator (f->ws), run, "nine", FALSE, "operator",
                                            &error), ==, 0);
  g_assert_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND);
}

static void
test_replay_fresh (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 run, child;

  run = submit (f, "chain", "{\"word\":\"w\"}");
  test_settle (f->ws);
  child = aios_coordinator_replay (aios_workspace_get_coordinator (f->ws), run, "3", TRUE, "operator", &error);
  g_assert_no_error (error);
  test_settle (f->ws);

  status = test_query_text (store (f), "SELECT status FROM runs WHERE id = ?", child);
  g_assert_cmpstr (status, ==, "succeeded");
  g_assert_cmpuint (test_agent_calls ("two"), ==, 1);
  g_assert_cmpuint (test_agent_calls ("three"), ==, 2);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM steps WHERE run_id = ? AND reused = 1", child), ==, 2);
}

static void
test_retry_fixed_flow (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) parent = NULL;
  g_autoptr(AiosRunInfo) child_info = NULL;
  g_autofree char *fixed = g_strdup_printf (broken_flow, 0);
  gint64 run, child;

  run = submit (f, "fixme", NULL);
  test_settle (f->ws);
  parent = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (parent->status, ==, "failed");
  g_assert_nonnull (parent->attention);

  /* Retrying a run that did not fail is refused. */
  g_assert_cmpint (aios_coordinator_retry (aios_workspace_get_coordinator (f->ws), 999, "operator", &error), ==, 0);
  g_clear_error (&error);

  /* The operator fixes the flow and retries: a new fork, new version. */
  g_usleep (1100 * 1000);
  test_write_file (f->flows_dir, "fixme.json", fixed);
  test_agent_reset ();
  child = aios_coordinator_retry (aios_workspace_get_coordinator (f->ws), run, "operator", &error);
  g_assert_no_error (error);
  test_settle (f->ws);

  child_info = aios_run_info_get (store (f), child, NULL);
  g_assert_cmpstr (child_info->status, ==, "succeeded");
  g_assert_cmpstr (child_info->fork_kind, ==, "retry");
  g_assert_cmpint (child_info->flow_version, ==, 2);
  g_assert_cmpint (child_info->parent_run_id, ==, run);
  g_assert_cmpuint (test_agent_calls ("a"), ==, 0);   /* reused, not run again */
  g_assert_cmpuint (test_agent_calls ("b"), ==, 1);
  g_clear_pointer (&parent, aios_run_info_free);
  parent = aios_run_info_get (store (f), run, NULL);
  g_assert_cmpstr (parent->status, ==, "failed");
  g_assert_null (parent->attention);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'run.retried'",
                                   run), ==, 1);
}

static void
test_rollback (Fixture       *f,
               gconstpointer  data)
{
  AiosMemory *memory = aios_workspace_get_memory (f->ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(AiosRecord) after = NULL;
  g_autoptr(AiosRecord) note = NULL;
  g_autofree char *flow = NULL;
  AiosProvenance prov = { "operator", 0, "typed in" };
  gint64 contact, run, note_id;

  json_object_set_string_member (fields, "name", "Dana Original");
  contact = aios_memory_put (memory, 0, "contact", fields, NULL, &prov, NULL, &error);
  g_assert_no_error (error);

  flow = g_strdup_printf ("{\"id\":\"writes\",\"title\":\"Writes\",\"steps\":["
                          " {\"name\":\"update\",\"agent\":\"test\",\"config\":{\"remember\":{\"id\":%" G_GINT64_FORMAT ","
                          "  \"kind\":\"contact\",\"fields\":{\"name\":\"Dana Changed\"}}}},"
                          " {\"name\":\"create\",\"agent\":\"test\",\"config\":{\"remember\":{\"id\":0,"
                          "  \"kind\":\"note\",\"fields\":{\"title\":\"Made by the run\"}}}}]}", contact);
  test_write_file (f->flows_dir, "writes.json", flow);
  run = submit (f, "writes", NULL);
  test_settle (f->ws);
  note_id = test_query_int (store (f), "SELECT json_extract (output_json, '$.record') FROM steps WHERE run_id = ? "
                            "AND name = 'create'", run);
  g_assert_cmpint (note_id, >, 0);

  g_assert_true (aios_coordinator_rollback (aios_workspace_get_coordinator (f->ws), run, "operator", &error));
  g_assert_no_error (error);

  after = aios_memory_get (memory, contact, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aios_record_get_field (after, "name"), ==, "Dana Original");
  g_assert_cmpint (after->version, ==, 3);   /* restored as a new version */
  note = aios_memory_get (memory, note_id, NULL);
  g_assert_true (note == NULL || note->deleted);
  g_assert_cmpint (test_query_int (store (f), "SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'run.rolled-back' "
                                   "AND summary LIKE '%2 records restored%'", run), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/forks/replay-recorded", test_replay_recorded);
  ADD ("/forks/replay-fresh", test_replay_fresh);
  ADD ("/forks/retry-fixed-flow", test_retry_fixed_flow);
  ADD ("/forks/rollback", test_rollback);
#undef ADD
  return g_test_run ();
}
