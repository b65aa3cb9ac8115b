/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Today page in the real window, under tests/with-session.sh: the
 * window opens on it; on a new workspace it shows the first steps and its
 * "Try with Sample Data" loads the sample company; with the sample
 * company's emails going to a real SMTP server on loopback
 * (tests/peers/exec-smtp-peer.py) its rows say what waits and what was
 * sent, in the words aios_today_read() gives, follow a decision made
 * elsewhere (the store's "committed"), and activating a row lands on its
 * item: the approval selected in the Inbox, the event's run in the
 * Timeline, the decision record in Memory, the run in Runs. Renders
 * today-light.png and today-dark.png (into $AIOS_SCREENSHOT_DIR when set).
 */
#include "config.h"

#include <string.h>

#include "aios-ui-test.h"
#include "app/aios-demo.h"
#include "app/aios-today.h"
#include "control/aios-approvals.h"
#include "control/aios-coordinator.h"
#include "ui/aios-inbox-page.h"
#include "ui/aios-journal-model.h"
#include "ui/aios-memory-page.h"
#include "ui/aios-timeline-page.h"
#include "ui/aios-today-page.h"
#include "ui/aios-window.h"

typedef struct {
  GSubprocess *process;
  char        *url;
} SmtpPeer;

static void
smtp_peer_start (SmtpPeer *peer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("AIOS_SOURCE_DIR"), "tests", "peers", "exec-smtp-peer.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("aios-today-smtp-XXXXXX", &error);
  g_autofree char *log = g_build_filename (dir, "smtp.log", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                    "/usr/bin/python3", script, "--log", log, NULL);
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

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_workspace_settle_finish (AIOS_WORKSPACE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
settle (AiosWorkspace *workspace)
{
  gboolean done = FALSE;

  aios_workspace_settle_async (workspace, NULL, settled_cb, &done);
  g_assert_true (aios_ui_test_wait (is_true, &done, 30000));
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static AiosWindow *
open_window (AiosWorkspace  *workspace,
             AiosTodayPage **page)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID_BASE);
  AiosWindow *window;

  g_settings_reset (settings, "last-page");
  window = aios_window_new (aios_ui_test_application (), workspace);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  /* the first page, and the one a new window opens on */
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "today");
  *page = AIOS_TODAY_PAGE (adw_view_stack_get_child_by_name (aios_window_get_stack (window), "today"));
  g_assert_true (AIOS_IS_TODAY_PAGE (*page));
  return window;
}

static void
close_window (AiosWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static const char *
visible_page (AiosWindow *window)
{
  return adw_view_stack_get_visible_child_name (aios_window_get_stack (window));
}

static gboolean
labels_contain (GtkWidget  *widget,
                const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  aios_ui_test_collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    if (strstr (labels->pdata[i], text) != NULL)
      return TRUE;
  return FALSE;
}

/* The row whose title is @text, or NULL. */
static GtkWidget *
find_row (AiosTodayPage *page,
          const char    *text)
{
  GPtrArray *rows = aios_today_page_get_rows (page);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (adw_preferences_row_get_title (rows->pdata[i]), text))
      return rows->pdata[i];
  return NULL;
}

static GtkWidget *
find_row_prefix (AiosTodayPage *page,
                 const char    *prefix)
{
  GPtrArray *rows = aios_today_page_get_rows (page);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_has_prefix (adw_preferences_row_get_title (rows->pdata[i]), prefix))
      return rows->pdata[i];
  return NULL;
}

typedef struct {
  AiosTodayPage *page;
  const char    *text;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;
  return find_row (w->page, w->text) != NULL;
}

static gboolean
rows_match (gpointer data)
{
  AiosTodayPage *page = data;
  g_autoptr(GPtrArray) lines = aios_today_read (aios_today_page_get_workspace (page), g_get_real_time () / 1000, NULL);
  GPtrArray *rows = aios_today_page_get_rows (page);

  if (lines == NULL || rows->len != lines->len)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (!g_str_equal (adw_preferences_row_get_title (rows->pdata[i]), ((AiosTodayLine *) lines->pdata[i])->text))
      return FALSE;
  return TRUE;
}

/* The page says exactly the model's sentences, in its order (once it has
 * followed the last commit), and none is plumbing: no event kind, no
 * "Run 3", no "Approval 4". */
static void
assert_rows_are_the_lines (AiosTodayPage *page,
                           AiosWorkspace *workspace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  GPtrArray *rows = aios_today_page_get_rows (page);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  static const char *plumbing[] = { "outbox.", "approval.", "memory.written", "step.", "run.", "Run ", "Approval ",
                                    "Outbox ", "agent:", "connector:" };

  aios_ui_test_wait (rows_match, page, 10000);
  lines = aios_today_read (workspace, g_get_real_time () / 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, lines->len);
  for (guint i = 0; i < rows->len; i++)
    {
      g_test_message ("row %u: %s", i, adw_preferences_row_get_title (rows->pdata[i]));
      g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[i]), ==, ((AiosTodayLine *) lines->pdata[i])->text);
    }
  aios_ui_test_collect_labels (GTK_WIDGET (page), labels);
  for (guint i = 0; i < labels->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (plumbing); j++)
      if (strstr (labels->pdata[i], plumbing[j]) != NULL)
        g_error ("the Today page shows plumbing: “%s”", (char *) labels->pdata[i]);
}

static void
render (AiosWindow *window,
        const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = aios_ui_test_artifact_path (name);
  const char *screenshots = g_getenv ("AIOS_SCREENSHOT_DIR");

  aios_ui_test_wait_frame (GTK_WIDGET (window));
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  texture = aios_ui_test_render (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
  if (screenshots != NULL && *screenshots != '\0')
    {
      g_autofree char *copy = g_build_filename (screenshots, name, NULL);
      g_assert_true (gdk_texture_save_to_png (texture, copy));
    }
}

static AiosApprovalInfo *
pending_for (AiosStore  *store,
             const char *name)
{
  g_autoptr(GPtrArray) pending = aios_approval_info_list (store, TRUE, 0, 0, NULL);

  for (guint i = 0; pending != NULL && i < pending->len; i++)
    if (g_strcmp0 (((AiosApprovalInfo *) pending->pdata[i])->run_name, name) == 0)
      return aios_approval_info_copy (pending->pdata[i]);
  g_error ("no approval waits for %s", name);
}

static gboolean
timeline_filtered (gpointer data)
{
  gpointer *args = data;
  GListModel *model = aios_timeline_page_get_model (args[0]);

  return model != NULL && aios_journal_model_get_run_id (AIOS_JOURNAL_MODEL (model)) == (gint64) GPOINTER_TO_SIZE (args[1]) &&
         aios_journal_model_get_loaded (AIOS_JOURNAL_MODEL (model));
}

static void
activate (GtkWidget *row)
{
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_activate (row));
}

static void
test_first_steps (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  AiosTodayPage *page;
  AiosWindow *window;
  RowWait waits = { NULL, "Declined Pat: 10 of 35" };

  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  window = open_window (workspace, &page);

  /* A new workspace: the first steps, none done yet, and the sample data */
  g_assert_true (labels_contain (GTK_WIDGET (page), "Welcome to Aios"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Set your sender address"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Set up the email server (SMTP)"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Try with Sample Data"));
  g_assert_cmpuint (aios_today_page_get_rows (page)->len, ==, 0);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  render (window, "today-empty-light.png");

  /* The button loads the sample company: its leads reach the page */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "today.load-demo", NULL));
  settle (workspace);
  waits.page = page;
  g_assert_true (aios_ui_test_wait (row_shown, &waits, 20000));
  assert_rows_are_the_lines (page, workspace);
  /* without SMTP the sends fail: each run says so, with its one thing to do */
  g_assert_nonnull (find_row (page, "Outreach to Dana Whitfield failed"));
  g_assert_true (labels_contain (find_row (page, "Outreach to Dana Whitfield failed"), "Open"));
  assert_rows_are_the_lines (page, workspace);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  close_window (window);
}

static void
test_lines_open_their_items (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) dana = NULL;
  g_autoptr(AiosApprovalInfo) marcus = NULL;
  g_autoptr(AiosApprovalInfo) sofia = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();
  SmtpPeer peer = { 0 };
  AiosTodayPage *page;
  AiosWindow *window;
  GtkWidget *row, *inbox, *timeline, *memory;
  RowWait waits = { NULL, "4 emails wait for you — the oldest for less than a minute" };
  RowWait answered = { NULL, "Answered 2 leads" };
  gpointer args[2];
  guint runs = 0;

  smtp_peer_start (&peer);
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url", peer.url, "operator", &error));
  g_assert_no_error (error);
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  settle (workspace);

  dana = pending_for (store, "Dana Whitfield");
  marcus = pending_for (store, "Marcus Oyelaran");
  g_assert_true (aios_coordinator_approve (aios_workspace_get_coordinator (workspace), dana->id, NULL,
                                           "operator", NULL, &error));
  g_assert_no_error (error);
  settle (workspace);

  window = open_window (workspace, &page);
  waits.page = answered.page = page;
  g_assert_true (aios_ui_test_wait (row_shown, &waits, 10000));
  assert_rows_are_the_lines (page, workspace);
  g_assert_nonnull (find_row (page, "Answered 1 lead"));
  g_assert_nonnull (find_row (page, "Declined Pat: 10 of 35"));
  g_assert_nonnull (find_row_prefix (page, "Sent “"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Waits for You"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Today"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Marcus Oyelaran, Sofia Brandt, Kenji Mori, Lena Vogt"));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  render (window, "today-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  render (window, "today-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* A decision made elsewhere (the command line, a notification) reaches
   * the page through the store's "committed" signal. */
  g_assert_true (aios_coordinator_approve (aios_workspace_get_coordinator (workspace), marcus->id, NULL,
                                           "operator", NULL, &error));
  g_assert_no_error (error);
  settle (workspace);
  g_assert_true (aios_ui_test_wait (row_shown, &answered, 10000));
  g_assert_nonnull (find_row (page, "3 emails wait for you — the oldest for less than a minute"));
  assert_rows_are_the_lines (page, workspace);

  /* What waits opens the oldest of them, selected in the Inbox. */
  activate (find_row (page, "3 emails wait for you — the oldest for less than a minute"));
  g_assert_cmpstr (visible_page (window), ==, "inbox");
  inbox = adw_view_stack_get_child_by_name (aios_window_get_stack (window), "inbox");
  sofia = pending_for (store, "Sofia Brandt");
  g_assert_cmpint (aios_inbox_page_get_selected_approval (AIOS_INBOX_PAGE (inbox)), ==, sofia->id);

  /* A sent email opens its run's events in the Timeline. */
  aios_window_show_page (window, "today");
  {
    g_autofree char *subject = g_strdup (aios_json_node_get_string (dana->request, "subject"));
    g_autofree char *text = g_strdup_printf ("Sent “%s” to dana@whitfield-design.example", subject);

    activate (find_row (page, text));
  }
  g_assert_cmpstr (visible_page (window), ==, "timeline");
  timeline = adw_view_stack_get_child_by_name (aios_window_get_stack (window), "timeline");
  args[0] = timeline;
  args[1] = GSIZE_TO_POINTER (dana->run_id);
  g_assert_true (aios_ui_test_wait (timeline_filtered, args, 10000));
  g_assert_true (labels_contain (timeline, "Outreach to Dana Whitfield"));

  /* A decline opens its decision record in Memory. */
  aios_window_show_page (window, "today");
  activate (find_row (page, "Declined Pat: 10 of 35"));
  g_assert_cmpstr (visible_page (window), ==, "memory");
  memory = adw_view_stack_get_child_by_name (aios_window_get_stack (window), "memory");
  {
    g_autoptr(GPtrArray) lines = aios_today_read (workspace, g_get_real_time () / 1000, &error);
    gint64 record_id = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < lines->len; i++)
      if (g_str_equal (((AiosTodayLine *) lines->pdata[i])->text, "Declined Pat: 10 of 35"))
        record_id = ((AiosTodayLine *) lines->pdata[i])->target_id;
    g_assert_cmpint (record_id, >, 0);
    g_assert_cmpint (aios_memory_page_get_record_id (AIOS_MEMORY_PAGE (memory)), ==, record_id);
  }

  /* The leads answered open the newest of their runs in Runs. */
  aios_window_show_page (window, "today");
  row = find_row (page, "Answered 2 leads");
  activate (row);
  g_assert_cmpstr (visible_page (window), ==, "runs");
  g_assert_true (labels_contain (adw_view_stack_get_child_by_name (aios_window_get_stack (window), "runs"),
                                 "Outreach to Marcus Oyelaran"));

  close_window (window);
  smtp_peer_stop (&peer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/today/first-steps", test_first_steps);
  g_test_add_func ("/today/lines-open-their-items", test_lines_open_their_items);

  return g_test_run ();
}
