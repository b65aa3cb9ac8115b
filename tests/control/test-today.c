/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Today page's lines (aios_today_read()) on a scripted workspace: the
 * sample company's six leads submitted through the real coordinator, their
 * emails sent to the SMTP peer (tests/peers/exec-smtp-peer.py) or refused
 * by a second one that answers 550, some approved, one rejected, one left
 * waiting. The sentences, their order, their sections and what each opens
 * are checked exactly; no line carries an event kind or an id.
 */
#include "config.h"

#include <inttypes.h>

#include "control-test-util.h"
#include "app/aios-demo.h"
#include "app/aios-today.h"
#include "control/aios-approvals.h"
#include "control/aios-run-title.h"
#include "control/aios-runs.h"
#include "store/aios-journal-query.h"

typedef struct {
  GSubprocess *process;
  char        *url;
} SmtpPeer;

static void
smtp_peer_start (SmtpPeer   *peer,
                 const char *fault)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("AIOS_SOURCE_DIR"), "tests", "peers", "exec-smtp-peer.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("aios-today-smtp-XXXXXX", &error);
  g_autofree char *log = g_build_filename (dir, "smtp.log", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                    "/usr/bin/python3", script, "--log", log, "--fault", fault, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  peer->url = g_strdup_printf ("smtp://127.0.0.1:%s", line + 5);
}

static void
smtp_peer_stop (SmtpPeer *peer)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (peer->process), NULL, NULL);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_clear_object (&peer->process);
  g_free (peer->url);
}

static AiosApprovalInfo *
pending_for (AiosStore  *store,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = aios_approval_info_list (store, TRUE, 0, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    if (g_strcmp0 (((AiosApprovalInfo *) pending->pdata[i])->run_name, name) == 0)
      return aios_approval_info_copy (pending->pdata[i]);
  g_error ("no approval waits for %s", name);
}

static void
assert_line (GPtrArray        *lines,
             guint             i,
             AiosTodaySection  section,
             const char       *text,
             const char       *detail,
             AiosTodayOpen     open,
             gint64            target_id)
{
  AiosTodayLine *line;

  if (i >= lines->len)
    g_error ("line %u (“%s”) is missing", i, text);
  line = lines->pdata[i];
  g_test_message ("line %u: [%d] %s — %s (opens %d %" PRId64 ")", i, line->section, line->text,
                  line->detail ? line->detail : "", line->open, line->target_id);
  g_assert_cmpstr (line->text, ==, text);
  g_assert_cmpstr (line->detail, ==, detail);
  g_assert_cmpint (line->section, ==, section);
  g_assert_cmpint (line->open, ==, open);
  g_assert_cmpint (line->target_id, ==, target_id);
  g_assert_nonnull (line->icon_name);
}

static char *
subject_of (AiosApprovalInfo *info)
{
  return g_strdup (aios_json_node_get_string (info->request, "subject"));
}

static void
test_today_lines (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "w.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, NULL);
  AiosStore *store = aios_workspace_get_store (ws);
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(AiosApprovalInfo) dana = NULL, marcus = NULL, sofia = NULL, kenji = NULL, lena = NULL;
  g_autofree char *dana_subject = NULL, *sofia_subject = NULL;
  g_autofree char *text = NULL, *attention = NULL;
  g_autoptr(AiosEvent) dana_sent = NULL;
  g_autoptr(AiosEvent) sofia_sent = NULL;
  g_autoptr(AiosEvent) marcus_rejected = NULL;
  SmtpPeer good = { 0 }, refusing = { 0 };
  AiosEvent cost = { 0 };
  gint64 now, pat_run = 0, pat_record;
  guint runs = 0;

  smtp_peer_start (&good, "none");
  smtp_peer_start (&refusing, "rcpt550");
  g_assert_true (aios_config_set (aios_workspace_get_config (ws), "smtp.url", good.url, "operator", &error));
  g_assert_no_error (error);
  g_assert_true (aios_workspace_start (ws, &error));
  g_assert_no_error (error);

  /* A new workspace has nothing to say. */
  lines = aios_today_read (ws, g_get_real_time () / 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 0);
  g_clear_pointer (&lines, g_ptr_array_unref);

  g_assert_true (aios_demo_load (ws, &runs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (runs, ==, 6);
  test_settle (ws);

  dana = pending_for (store, "Dana Whitfield");
  marcus = pending_for (store, "Marcus Oyelaran");
  sofia = pending_for (store, "Sofia Brandt");
  kenji = pending_for (store, "Kenji Mori");
  lena = pending_for (store, "Lena Vogt");
  dana_subject = subject_of (dana);
  sofia_subject = subject_of (sofia);

  /* Five emails wait; Pat scored too low and was declined. */
  now = g_get_real_time () / 1000;
  lines = aios_today_read (ws, now, &error);
  g_assert_no_error (error);
  {
    /* Pat's run is the one with no approval: its decision record is what the line opens */
    g_autoptr(GPtrArray) all = aios_run_info_list (store, FALSE, 0, 0, &error);
    for (guint i = 0; i < all->len; i++)
      {
        g_autofree char *name = aios_runs_get_input_name (store, ((AiosRunInfo *) all->pdata[i])->id, NULL);
        if (g_strcmp0 (name, "Pat") == 0)
          pat_run = ((AiosRunInfo *) all->pdata[i])->id;
      }
  }
  g_assert_cmpint (pat_run, >, 0);
  pat_record = test_query_int (store, "SELECT json_extract (output_json, '$.decision.id') FROM steps "
                                      "WHERE run_id = ? AND name = 'decline'", pat_run);
  g_assert_cmpint (pat_record, >, 0);
  g_assert_cmpuint (lines->len, ==, 2);
  assert_line (lines, 0, AIOS_TODAY_SECTION_WAITING, "5 emails wait for you — the oldest for less than a minute",
               "Dana Whitfield, Marcus Oyelaran, Sofia Brandt, Kenji Mori, Lena Vogt",
               AIOS_TODAY_OPEN_APPROVAL, dana->id);
  assert_line (lines, 1, AIOS_TODAY_SECTION_TODAY, "Declined Pat: 10 of 35", "asks for a website (+10)",
               AIOS_TODAY_OPEN_RECORD, pat_record);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* Dana approved and sent, Marcus rejected, Sofia approved and sent;
   * Kenji's email refused by the server (550): his run fails. */
  g_assert_true (aios_coordinator_approve (coordinator, dana->id, NULL, "operator", NULL, &error));
  g_assert_no_error (error);
  test_settle (ws);
  g_assert_true (aios_coordinator_reject (coordinator, marcus->id, "operator", "Already talking to a colleague", &error));
  g_assert_no_error (error);
  g_assert_true (aios_coordinator_approve (coordinator, sofia->id, NULL, "operator", NULL, &error));
  g_assert_no_error (error);
  test_settle (ws);
  g_assert_true (aios_config_set (aios_workspace_get_config (ws), "smtp.url", refusing.url, "operator", &error));
  g_assert_no_error (error);
  g_assert_true (aios_coordinator_approve (coordinator, kenji->id, NULL, "operator", NULL, &error));
  g_assert_no_error (error);
  test_settle (ws);
  g_assert_cmpstr (aios_runs_get_status (store, kenji->run_id, NULL), ==, "failed");
  attention = test_query_text (store, "SELECT attention FROM runs WHERE id = ?", kenji->run_id);
  g_assert_nonnull (attention);

  /* A model call's cost, as the model client journals it. */
  cost.actor = (char *) "agent:model";
  cost.kind = (char *) "llm.call";
  cost.summary = (char *) "A model answered";
  cost.cost_micros = 123400;
  g_assert_cmpint (aios_journal_append (store, &cost, &error), >, 0);
  g_assert_no_error (error);

  dana_sent = aios_journal_find_latest (store, "outbox.sent", dana->run_id, 0);
  sofia_sent = aios_journal_find_latest (store, "outbox.sent", sofia->run_id, 0);
  marcus_rejected = aios_journal_find_latest (store, "approval.rejected", marcus->run_id, 0);
  g_assert_nonnull (dana_sent);
  g_assert_nonnull (sofia_sent);
  g_assert_nonnull (marcus_rejected);

  now = g_get_real_time () / 1000;
  lines = aios_today_read (ws, now, &error);
  g_assert_no_error (error);
  assert_line (lines, 0, AIOS_TODAY_SECTION_WAITING, "Email to Lena Vogt waits for you — for less than a minute",
               "Lena Vogt", AIOS_TODAY_OPEN_APPROVAL, lena->id);
  assert_line (lines, 1, AIOS_TODAY_SECTION_WAITING, "Outreach to Kenji Mori failed", attention,
               AIOS_TODAY_OPEN_RUN, kenji->run_id);
  g_assert_cmpstr (((AiosTodayLine *) lines->pdata[1])->action, ==, "Open");
  assert_line (lines, 2, AIOS_TODAY_SECTION_TODAY, "Answered 2 leads", NULL, AIOS_TODAY_OPEN_RUN, sofia->run_id);
  assert_line (lines, 3, AIOS_TODAY_SECTION_TODAY, "0.13 spent on models", NULL,
               AIOS_TODAY_OPEN_EVENT, 0);
  text = g_strdup_printf ("Sent “%s” to sofia.brandt@greenleaf-bakery.example", sofia_subject);
  assert_line (lines, 4, AIOS_TODAY_SECTION_TODAY, text, "Approved by you", AIOS_TODAY_OPEN_EVENT, sofia_sent->id);
  assert_line (lines, 5, AIOS_TODAY_SECTION_TODAY, "You rejected the email to Marcus Oyelaran",
               "Already talking to a colleague", AIOS_TODAY_OPEN_EVENT, marcus_rejected->id);
  g_free (text);
  text = g_strdup_printf ("Sent “%s” to dana@whitfield-design.example", dana_subject);
  assert_line (lines, 6, AIOS_TODAY_SECTION_TODAY, text, "Approved by you", AIOS_TODAY_OPEN_EVENT, dana_sent->id);
  assert_line (lines, 7, AIOS_TODAY_SECTION_TODAY, "Declined Pat: 10 of 35", "asks for a website (+10)",
               AIOS_TODAY_OPEN_RECORD, pat_record);
  g_assert_cmpuint (lines->len, ==, 8);
  g_assert_cmpint (((AiosTodayLine *) lines->pdata[6])->run_id, ==, dana->run_id);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* Read as of tomorrow, the same lines are this week's, and the ages grew. */
  lines = aios_today_read (ws, now + 24 * 3600 * 1000, &error);
  g_assert_no_error (error);
  assert_line (lines, 0, AIOS_TODAY_SECTION_WAITING, "Email to Lena Vogt waits for you — for 1 day",
               "Lena Vogt", AIOS_TODAY_OPEN_APPROVAL, lena->id);
  assert_line (lines, 2, AIOS_TODAY_SECTION_WEEK, "Answered 2 leads", NULL, AIOS_TODAY_OPEN_RUN, sofia->run_id);
  for (guint i = 2; i < lines->len; i++)
    g_assert_cmpint (((AiosTodayLine *) lines->pdata[i])->section, ==, AIOS_TODAY_SECTION_WEEK);
  g_assert_cmpuint (lines->len, ==, 8);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* And in eight days, only what still waits. */
  lines = aios_today_read (ws, now + 8 * 24 * 3600 * 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 2);
  assert_line (lines, 0, AIOS_TODAY_SECTION_WAITING, "Email to Lena Vogt waits for you — for 8 days",
               "Lena Vogt", AIOS_TODAY_OPEN_APPROVAL, lena->id);

  smtp_peer_stop (&good);
  smtp_peer_stop (&refusing);
}

static void
test_run_titles (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "w.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, NULL);
  AiosFlowRegistry *flows = aios_workspace_get_flows (ws);
  g_autofree char *a = aios_run_title (flows, "lead-outreach", "{\"name\": \" Dana Whitfield \"}");
  g_autofree char *b = aios_run_title (flows, "lead-outreach", "{\"email\": \"x@example.com\"}");
  g_autofree char *c = aios_run_title (flows, "lead-outreach", "not json");
  g_autofree char *d = aios_run_title (flows, "no-such-flow", "{\"name\": \"Dana\"}");
  g_autofree char *e = aios_run_title (flows, "lead-outreach", "{\"name\": \"two\\nlines\"}");

  g_assert_cmpstr (a, ==, "Outreach to Dana Whitfield");
  g_assert_cmpstr (b, ==, "Reach out to a lead");
  g_assert_cmpstr (c, ==, "Reach out to a lead");
  g_assert_cmpstr (d, ==, "no-such-flow");
  g_assert_cmpstr (e, ==, "Reach out to a lead");
}

static void
test_formats (void)
{
  const struct { gint64 minor; const char *currency; const char *text; } money[] = {
    { 120000, "eur", "€1,200.00" },
    { 5, "usd", "$0.05" },
    { 123456789, "GBP", "£1,234,567.89" },
    { 99900, "chf", "999.00 CHF" },
    { 12, NULL, "0.12" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (money); i++)
    {
      g_autofree char *text = aios_today_format_money (money[i].minor, money[i].currency);
      g_assert_cmpstr (text, ==, money[i].text);
    }
  {
    g_autofree char *a = aios_today_format_duration (30 * 1000);
    g_autofree char *b = aios_today_format_duration (60 * 1000);
    g_autofree char *c = aios_today_format_duration (3 * 3600 * 1000 + 59 * 60 * 1000);
    g_autofree char *d = aios_today_format_duration (49 * 3600 * 1000);
    g_assert_cmpstr (a, ==, "less than a minute");
    g_assert_cmpstr (b, ==, "1 minute");
    g_assert_cmpstr (c, ==, "3 hours");
    g_assert_cmpstr (d, ==, "2 days");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/today/lines", test_today_lines);
  g_test_add_func ("/today/run-titles", test_run_titles);
  g_test_add_func ("/today/formats", test_formats);
  return g_test_run ();
}
