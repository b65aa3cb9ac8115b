/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Inbox on the real window, under tests/with-session.sh: the sample
 * company (aios_demo_load) in a temp workspace whose email goes to a real
 * SMTP server on loopback (tests/peers/exec-smtp-peer.py). It checks the
 * five pending emails are listed with their titles and the badge, edits a
 * subject in place and approves with the button (the database, the journal
 * and the message at the SMTP server), rejects another with a reason through
 * the dialog, shows runs that need attention and retries one, and renders
 * the page in light and dark to build/tests/artifacts/inbox-*.png (and to
 * $AIOS_SCREENSHOT_DIR when set).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "app/aios-demo.h"
#include "aios-ui-test.h"
#include "ui/aios-approval-row.h"
#include "ui/aios-approval-view.h"
#include "ui/aios-inbox-page.h"
#include "ui/aios-memory-page.h"
#include "ui/aios-window.h"

#define NEW_SUBJECT "A call next week, Dana?"
#define REASON "Already talking to a colleague"

typedef struct {
  GSubprocess *process;
  char        *log;
  char        *url;
} SmtpPeer;

static void
smtp_peer_start_fault (SmtpPeer   *peer,
                       const char *fault)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("AIOS_SOURCE_DIR"), "tests", "peers", "exec-smtp-peer.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("aios-inbox-smtp-XXXXXX", &error);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  peer->log = g_build_filename (dir, "smtp.log", NULL);
  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                    "/usr/bin/python3", script, "--log", peer->log, "--fault", fault, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  peer->url = g_strdup_printf ("smtp://127.0.0.1:%s", line + 5);
}

static void
smtp_peer_start (SmtpPeer *peer)
{
  smtp_peer_start_fault (peer, "none");
}

static void
smtp_peer_stop (SmtpPeer *peer)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (peer->process), NULL, NULL);
  g_subprocess_wait (peer->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&peer->process);
  g_free (peer->log);
  g_free (peer->url);
}

/* The messages the SMTP server accepted, as JSON lines. */
static guint
smtp_count_with (SmtpPeer   *peer,
                 const char *needle)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (peer->log, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0' && strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

static char *
query_text (AiosWorkspace *workspace,
            const char    *sql,
            gint64         arg)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (workspace), sql, NULL);
  char *text = NULL;

  g_assert_nonnull (stmt);
  sqlite3_bind_int64 (stmt, 1, arg);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return text;
}

static gint64
query_int (AiosWorkspace *workspace,
           const char    *sql)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (workspace), sql, NULL);
  gint64 value = -1;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
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

static AiosWorkspace *
demo_workspace (const char *smtp_url)
{
  AiosWorkspace *workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  guint runs = 0;

  if (smtp_url != NULL)
    {
      g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url", smtp_url, "operator", &error));
      g_assert_no_error (error);
    }
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (runs, ==, 6);
  settle (workspace);
  return workspace;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

/* Waits for two frames, one after the other, each asked for: an idle
 * window paints only when something asks it to. */
static void
wait_painted (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_assert_nonnull (clock);
  for (int i = 0; i < 2; i++)
    {
      gboolean painted = FALSE;
      gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);

      gtk_widget_queue_draw (widget);
      gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
      if (!aios_ui_test_wait (is_true, &painted, 10000))
        g_error ("the window did not paint within 10 s");
      g_signal_handler_disconnect (clock, handler);
    }
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static AiosWindow *
open_window (AiosWorkspace  *workspace,
             AiosInboxPage **page)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID_BASE);
  AiosWindow *window;

  g_settings_reset (settings, "last-page");
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  window = aios_window_new (aios_ui_test_application (), workspace);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (window, "inbox");
  *page = AIOS_INBOX_PAGE (adw_view_stack_get_child_by_name (aios_window_get_stack (window), "inbox"));
  g_assert_true (AIOS_IS_INBOX_PAGE (*page));
  wait_painted (GTK_WIDGET (window));
  return window;
}

static void
close_window (AiosWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
find_widgets (GtkWidget *widget,
              GType      type,
              GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    find_widgets (child, type, found);
}

static GPtrArray *
rows_of (AiosInboxPage *page)
{
  GPtrArray *rows = g_ptr_array_new ();

  find_widgets (GTK_WIDGET (page), AIOS_TYPE_APPROVAL_ROW, rows);
  return rows;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *action)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  find_widgets (root, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), action) == 0 &&
        gtk_widget_is_drawable (buttons->pdata[i]))
      return buttons->pdata[i];
  g_error ("no button for %s is drawn", action);
  return NULL;
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

typedef struct {
  AiosInboxPage *page;
  guint          n;
} CountWait;

static gboolean
has_n_items (gpointer data)
{
  CountWait *w = data;
  g_autoptr(GPtrArray) rows = rows_of (w->page);

  return aios_inbox_page_get_n_items (w->page) == w->n && rows->len == w->n;
}

static void
wait_items (AiosInboxPage *page,
            guint          n)
{
  CountWait w = { page, n };

  if (!aios_ui_test_wait (has_n_items, &w, 15000))
    g_error ("the inbox lists %u items, not %u", aios_inbox_page_get_n_items (page), n);
}

static void
render (AiosWindow *window,
        const char *name,
        gboolean    screenshot)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = aios_ui_test_artifact_path (name);
  const char *screenshots = g_getenv ("AIOS_SCREENSHOT_DIR");

  wait_painted (GTK_WIDGET (window));
  texture = aios_ui_test_render (GTK_WIDGET (window));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
  if (screenshot && screenshots != NULL && *screenshots != '\0')
    {
      g_autofree char *copy = g_build_filename (screenshots, name, NULL);
      g_assert_true (gdk_texture_save_to_png (texture, copy));
    }
}

static AdwViewStackPage *
inbox_stack_page (AiosWindow *window)
{
  AdwViewStack *stack = aios_window_get_stack (window);

  return adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack, "inbox"));
}

static gboolean
dialog_shown (gpointer data)
{
  AdwMessageDialog **dialog = data;
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_mapped (l->data))
      *dialog = l->data;
  g_list_free (toplevels);
  return *dialog != NULL;
}

typedef struct {
  SmtpPeer   *peer;
  const char *needle;
} SmtpWait;

static gboolean
smtp_received (gpointer data)
{
  SmtpWait *w = data;
  return smtp_count_with (w->peer, w->needle) > 0;
}

static void
test_decide (void)
{
  SmtpPeer peer = { 0 };
  g_autoptr(AiosWorkspace) workspace = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  g_autofree char *status = NULL;
  g_autofree char *diff = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();
  AdwMessageDialog *dialog = NULL;
  GtkEditable *subject = NULL;
  AiosInboxPage *page;
  AiosWindow *window;
  static const char *names[] = { "Dana Whitfield", "Marcus Oyelaran", "Sofia Brandt", "Kenji Mori", "Lena Vogt" };
  SmtpWait sent = { &peer, "Subject: " NEW_SUBJECT };

  smtp_peer_start (&peer);
  workspace = demo_workspace (peer.url);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM approvals WHERE status = 'pending'"), ==, 5);

  window = open_window (workspace, &page);
  wait_items (page, 5);
  g_assert_false (aios_inbox_page_get_needs_attention (page));
  g_assert_cmpuint (adw_view_stack_page_get_badge_number (inbox_stack_page (window)), ==, 5);
  g_assert_false (adw_view_stack_page_get_needs_attention (inbox_stack_page (window)));

  /* The five pending emails, titled by the lead's name, with the subject. */
  rows = rows_of (page);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *title = g_strdup_printf ("Email to %s", names[i]);
      gboolean found = FALSE;

      for (guint j = 0; j < rows->len; j++)
        if (g_str_equal (aios_approval_row_get_title (rows->pdata[j]), title))
          {
            found = TRUE;
            g_assert_cmpuint (strlen (aios_approval_row_get_subtitle (rows->pdata[j])), >, 0);
            g_assert_true (gtk_widget_is_drawable (rows->pdata[j]));
          }
      if (!found)
        g_error ("“%s” is not listed", title);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Dana's email as an email, and why. */
  g_assert_true (aios_inbox_page_select_approval (page, 1));
  g_assert_cmpint (aios_inbox_page_get_selected_approval (page), ==, 1);
  wait_painted (GTK_WIDGET (window));
  g_assert_true (labels_contain (GTK_WIDGET (page), "dana@whitfield-design.example"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "robin@northwind-studio.example"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Your project with Northwind Studio"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "-run1-step"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Filled “First reply to an inbound lead” for Dana Whitfield"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "House tone"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "always asks you first"));
  g_assert_true (labels_contain (GTK_WIDGET (page), "No model costs so far"));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  render (window, "inbox-light.png", TRUE);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  render (window, "inbox-dark.png", FALSE);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  /* Scrolled down: why, and the memory it used. */
  {
    g_autoptr(GPtrArray) scrolled = g_ptr_array_new ();

    find_widgets (GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW, scrolled);
    for (guint i = 0; i < scrolled->len; i++)
      if (gtk_widget_is_drawable (scrolled->pdata[i]) &&
          gtk_widget_get_ancestor (scrolled->pdata[i], AIOS_TYPE_APPROVAL_VIEW) != NULL)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scrolled->pdata[i]);
          gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
        }
    render (window, "inbox-why-light.png", FALSE);
    for (guint i = 0; i < scrolled->len; i++)
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scrolled->pdata[i]), 0);
  }

  /* Narrow: one column at a time, with a way back to the list. (Wide
   * enough for the view switcher to stay in the header bar: libadwaita 1.2's
   * AdwViewSwitcherBar warns when revealed without animations.) */
  gtk_window_set_default_size (GTK_WINDOW (window), 660, 720);
  wait_painted (GTK_WIDGET (window));
  g_assert_true (aios_inbox_page_select_approval (page, 1));
  render (window, "inbox-narrow-detail-light.png", FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inbox.back", NULL));
  render (window, "inbox-narrow-list-light.png", FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  wait_painted (GTK_WIDGET (window));
  g_assert_true (aios_inbox_page_select_approval (page, 1));

  /* Edit: the subject becomes an entry in place; the change is shown. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inbox.edit", NULL));
  wait_painted (GTK_WIDGET (window));
  find_widgets (GTK_WIDGET (page), GTK_TYPE_ENTRY, entries);
  for (guint i = 0; i < entries->len; i++)
    if (gtk_widget_is_drawable (entries->pdata[i]))
      subject = entries->pdata[i];
  g_assert_nonnull (subject);
  g_assert_cmpstr (gtk_editable_get_text (subject), ==, "Your project with Northwind Studio");
  gtk_editable_set_text (subject, NEW_SUBJECT);
  wait_painted (GTK_WIDGET (window));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Subject: Your project with Northwind Studio → " NEW_SUBJECT));
  render (window, "inbox-editing-light.png", FALSE);

  /* Approve with the button. */
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.approve"), "clicked");
  status = query_text (workspace, "SELECT status FROM approvals WHERE id = ?", 1);
  g_assert_cmpstr (status, ==, "approved");
  diff = query_text (workspace, "SELECT edit_diff_json FROM approvals WHERE id = ?", 1);
  g_assert_nonnull (strstr (diff, NEW_SUBJECT));
  payload = query_text (workspace, "SELECT payload_json FROM events WHERE kind = 'approval.approved' "
                                   "AND run_id = ? ORDER BY id DESC LIMIT 1", 1);
  g_assert_nonnull (payload);
  g_assert_nonnull (strstr (payload, NEW_SUBJECT));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Email to Dana Whitfield approved with your changes"));
  wait_items (page, 4);
  g_assert_cmpuint (adw_view_stack_page_get_badge_number (inbox_stack_page (window)), ==, 4);
  /* The next one is shown in its place. */
  g_assert_cmpint (aios_inbox_page_get_selected_approval (page), ==, 2);

  /* The edited message reaches the SMTP server, once. */
  g_assert_true (aios_ui_test_wait (smtp_received, &sent, 30000));
  settle (workspace);
  g_assert_cmpuint (smtp_count_with (&peer, "Subject: " NEW_SUBJECT), ==, 1);
  g_assert_cmpuint (smtp_count_with (&peer, "dana@whitfield-design.example"), ==, 1);

  /* Reject Marcus's email with a reason, through the dialog. */
  g_assert_true (aios_inbox_page_select_approval (page, 2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inbox.reject", NULL));
  g_assert_true (aios_ui_test_wait (dialog_shown, &dialog, 10000));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Email to Marcus Oyelaran"));
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "reject"));
  g_ptr_array_set_size (entries, 0);
  find_widgets (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, entries);
  g_assert_cmpuint (entries->len, ==, 1);
  gtk_editable_set_text (entries->pdata[0], REASON);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "reject"));
  wait_painted (GTK_WIDGET (dialog));
  {
    g_autofree char *path = aios_ui_test_artifact_path ("inbox-reject-light.png");
    g_autoptr(GdkTexture) texture = aios_ui_test_render (GTK_WIDGET (dialog));
    g_assert_true (gdk_texture_save_to_png (texture, path));
  }
  adw_message_dialog_response (dialog, "reject");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_clear_pointer (&status, g_free);
  status = query_text (workspace, "SELECT status FROM approvals WHERE id = ?", 2);
  g_assert_cmpstr (status, ==, "rejected");
  reason = query_text (workspace, "SELECT reason FROM approvals WHERE id = ?", 2);
  g_assert_cmpstr (reason, ==, REASON);
  wait_items (page, 3);
  settle (workspace);
  g_assert_cmpuint (smtp_count_with (&peer, "marcus@oyelaran-legal.example"), ==, 0);

  /* Deciding from the keyboard keeps the keyboard on the list: the next
   * row takes the focus. */
  g_assert_true (aios_inbox_page_select_approval (page, 3));
  {
    GtkWidget *row = NULL;
    g_autoptr(GPtrArray) all = rows_of (page);
    g_autofree char *sofia = NULL;

    for (guint i = 0; i < all->len; i++)
      if (aios_approval_row_get_id (all->pdata[i]) == 3)
        row = all->pdata[i];
    g_assert_nonnull (row);
    gtk_widget_grab_focus (row);
    g_assert_true (gtk_widget_activate_action (row, "inbox.approve", NULL));
    sofia = query_text (workspace, "SELECT status FROM approvals WHERE id = ?", 3);
    g_assert_cmpstr (sofia, ==, "approved");
    wait_items (page, 2);
    g_assert_cmpint (aios_inbox_page_get_selected_approval (page), ==, 4);
    g_assert_true (AIOS_IS_APPROVAL_ROW (gtk_root_get_focus (GTK_ROOT (window))));
    g_assert_cmpint (aios_approval_row_get_id (AIOS_APPROVAL_ROW (gtk_root_get_focus (GTK_ROOT (window)))), ==, 4);
  }

  /* Another process decides (the command line, while the window runs):
   * the list follows within a few seconds. */
  {
    g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
    const char *argv[] = { aios, "--workspace", aios_workspace_get_path (workspace), "reject", "5",
                           "--reason", "Not now", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *lena = NULL;
    int wait_status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &wait_status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (wait_status, NULL))
      g_error ("aios reject failed: %s%s", out, err);
    lena = query_text (workspace, "SELECT status FROM approvals WHERE id = ?", 5);
    g_assert_cmpstr (lena, ==, "rejected");
    wait_items (page, 1);
  }

  /* A memory record it used opens in Memory. */
  {
    g_autoptr(GPtrArray) action_rows = g_ptr_array_new ();
    GtkWidget *memory = adw_view_stack_get_child_by_name (aios_window_get_stack (window), "memory");
    gint64 tone = query_int (workspace, "SELECT id FROM records WHERE title = 'House tone'");
    GtkWidget *tone_row = NULL;

    find_widgets (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, action_rows);
    for (guint i = 0; i < action_rows->len; i++)
      if (g_strcmp0 (adw_preferences_row_get_title (action_rows->pdata[i]), "House tone") == 0)
        tone_row = action_rows->pdata[i];
    g_assert_nonnull (tone_row);
    g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (tone_row)));
    g_signal_emit_by_name (tone_row, "activated");
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "memory");
    g_assert_cmpint (aios_memory_page_get_record_id (AIOS_MEMORY_PAGE (memory)), ==, tone);
  }

  /* Sofia's email went out too; the rejected ones did not. (Settled
   * before the workspace goes: a send still in flight would outlive it.) */
  settle (workspace);
  g_assert_cmpuint (smtp_count_with (&peer, "sofia.brandt@greenleaf-bakery.example"), ==, 1);
  g_assert_cmpuint (smtp_count_with (&peer, "lena.vogt@vogt-architekten.example"), ==, 0);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
  smtp_peer_stop (&peer);
}

/* Without smtp.url every lead's send step fails: five runs need attention,
 * the badge says so, and Retry takes one off the list. */
static void
test_needs_attention (void)
{
  g_autoptr(AiosWorkspace) workspace = demo_workspace (NULL);
  g_autoptr(GPtrArray) rows = NULL;
  AiosInboxPage *page;
  AiosWindow *window;
  gint64 first_run;

  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM runs WHERE attention IS NOT NULL"), ==, 5);
  window = open_window (workspace, &page);
  wait_items (page, 5);
  g_assert_true (aios_inbox_page_get_needs_attention (page));
  g_assert_true (adw_view_stack_page_get_needs_attention (inbox_stack_page (window)));

  rows = rows_of (page);
  for (guint i = 0; i < rows->len; i++)
    {
      g_assert_cmpint (aios_approval_row_get_kind (rows->pdata[i]), ==, AIOS_INBOX_ITEM_RUN);
      g_assert_nonnull (strstr (aios_approval_row_get_subtitle (rows->pdata[i]), "smtp.url"));
    }
  g_assert_cmpstr (aios_approval_row_get_title (rows->pdata[0]), ==, "Run for Dana Whitfield failed");
  first_run = aios_approval_row_get_id (rows->pdata[0]);
  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (rows->pdata[0])), rows->pdata[0]);
  wait_painted (GTK_WIDGET (window));
  render (window, "inbox-attention-light.png", FALSE);
  g_assert_true (labels_contain (GTK_WIDGET (page), "Email is not configured"));

  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.retry"), "clicked");
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM runs WHERE attention IS NOT NULL AND id = 1"), ==, 0);
  g_assert_cmpint (first_run, ==, 1);
  settle (workspace);
  /* The retry fails the same way (still no smtp.url): its fork needs
   * attention in place of run 1. */
  wait_items (page, 5);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = rows_of (page);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpint (aios_approval_row_get_id (rows->pdata[i]), !=, 1);
  g_assert_cmpint (aios_approval_row_get_id (rows->pdata[rows->len - 1]), >, 6);

  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
}

/* Nothing waits: the empty state says so and offers the sample company,
 * which really loads it. */
static void
test_empty_then_demo (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *demo;
  AiosInboxPage *page;
  AiosWindow *window;

  g_assert_true (aios_workspace_start (workspace, &error));
  window = open_window (workspace, &page);
  g_assert_cmpuint (aios_inbox_page_get_n_items (page), ==, 0);
  g_assert_true (labels_contain (GTK_WIDGET (page), "Nothing Waits for You"));
  g_assert_cmpuint (adw_view_stack_page_get_badge_number (inbox_stack_page (window)), ==, 0);
  render (window, "inbox-empty-light.png", FALSE);

  demo = find_button (GTK_WIDGET (page), "inbox.load-demo");
  g_signal_emit_by_name (demo, "clicked");
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM events WHERE kind = 'demo.loaded'"), ==, 1);
  settle (workspace);
  /* no smtp.url here: the leads' runs fail and wait for the operator */
  wait_items (page, 5);
  g_assert_false (labels_contain (GTK_WIDGET (page), "Nothing Waits for You"));

  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
}

/* An invoice and a webhook, as the connectors preview them: the invoice's
 * lines and total in a grid, the webhook's JSON pretty-printed. */
static void
test_previews (void)
{
  static const char *invoice_request =
    "{\"customer\": {\"email\": \"ap@harbor-coffee.example\", \"name\": \"Harbor Coffee Roasters\"},"
    " \"currency\": \"eur\", \"days_until_due\": 30, \"description\": \"Website care, March\","
    " \"items\": [{\"description\": \"Hosting and updates\", \"amount\": 12000},"
    "            {\"description\": \"Two new landing pages\", \"amount\": 96000}]}";
  static const char *invoice_preview =
    "{\"connector\": \"invoice\", \"customer\": \"ap@harbor-coffee.example\", \"currency\": \"eur\","
    " \"total\": 108000, \"total_text\": \"1080.00 EUR\"}";
  static const char *webhook_preview =
    "{\"connector\": \"webhook\", \"method\": \"POST\", \"url\": \"https://hooks.example/aios\","
    " \"headers\": {\"Content-Type\": \"application/json\", \"X-Aios-Event\": \"lead.created\"},"
    " \"body\": \"{\\\"lead\\\":{\\\"name\\\":\\\"Dana Whitfield\\\",\\\"score\\\":70}}\", \"signed\": false}";
  AiosApprovalInfo info = { 0 };
  GtkWidget *window;
  GtkWidget *view;
  g_autofree char *body = NULL;

  aios_ui_test_application ();   /* libadwaita's style and the app's */
  window = gtk_window_new ();
  view = g_object_new (AIOS_TYPE_APPROVAL_VIEW, NULL);

  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 620);
  info.id = 9;
  info.run_id = 4;
  info.step_id = 12;
  info.flow_id = (char *) "monthly-invoice";
  info.step_name = (char *) "send";
  info.action_kind = (char *) "invoice";
  info.status = (char *) "pending";
  info.request = json_from_string (invoice_request, NULL);
  info.preview = json_from_string (invoice_preview, NULL);
  info.created_at = g_get_real_time () / 1000 - 3 * 3600 * 1000;
  g_assert_nonnull (info.request);
  g_assert_nonnull (info.preview);
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_INVOICE, "Invoice to Harbor Coffee Roasters", "Monthly invoice");
  g_assert_false (aios_approval_view_can_edit (AIOS_APPROVAL_VIEW (view)));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  gtk_window_set_focus (GTK_WINDOW (window), NULL);   /* no label selected by the first focus */
  wait_painted (window);
  g_assert_true (labels_contain (view, "Harbor Coffee Roasters <ap@harbor-coffee.example>"));
  g_assert_true (labels_contain (view, "120.00 EUR"));
  g_assert_true (labels_contain (view, "960.00 EUR"));
  g_assert_true (labels_contain (view, "1080.00 EUR"));
  g_assert_true (labels_contain (view, "30 days after sending"));
  g_assert_true (labels_contain (view, "waiting for 3 h"));
  {
    g_autofree char *path = aios_ui_test_artifact_path ("inbox-invoice-light.png");
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_assert_true (gdk_texture_save_to_png (texture, path));
    g_test_message ("rendered %s", path);
  }
  json_node_unref (info.request);
  json_node_unref (info.preview);

  info.action_kind = (char *) "webhook";
  info.request = json_from_string ("{\"event\": \"lead.created\", \"body\": {\"lead\": {\"name\": \"Dana Whitfield\", \"score\": 70}}}", NULL);
  info.preview = json_from_string (webhook_preview, NULL);
  g_assert_nonnull (info.preview);
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_REQUEST, "Webhook to hooks.example", NULL);
  wait_painted (window);
  g_assert_true (labels_contain (view, "POST https://hooks.example/aios"));
  {
    g_autoptr(GPtrArray) views = g_ptr_array_new ();
    GtkTextBuffer *buffer = NULL;
    GtkTextIter start, end;

    find_widgets (view, GTK_TYPE_TEXT_VIEW, views);
    for (guint i = 0; i < views->len; i++)
      if (gtk_widget_is_drawable (views->pdata[i]))
        buffer = gtk_text_view_get_buffer (views->pdata[i]);
    g_assert_nonnull (buffer);
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  }
  /* pretty-printed: one member a line, indented */
  g_assert_cmpstr (body, ==, "{\n  \"lead\" : {\n    \"name\" : \"Dana Whitfield\",\n    \"score\" : 70\n  }\n}");
  {
    g_autofree char *path = aios_ui_test_artifact_path ("inbox-webhook-light.png");
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_assert_true (gdk_texture_save_to_png (texture, path));
    g_test_message ("rendered %s", path);
  }
  json_node_unref (info.request);
  json_node_unref (info.preview);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The label showing exactly @text, drawn, or NULL. */
static GtkWidget *
label_with_text (GtkWidget  *root,
                 const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  find_widgets (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0 && gtk_widget_is_drawable (labels->pdata[i]))
      return labels->pdata[i];
  return NULL;
}

/* A billing-flow invoice as its request comes from the billing agent: the
 * client and the period on top with the due date, the lines in a grid with
 * quantity, rate and amount in tabular figures, the tax and the total in
 * bold. */
static void
test_billing_preview (void)
{
  static const char *request =
    "{\"customer\": {\"email\": \"billing@acme.example\", \"name\": \"Acme Corp\"}, \"currency\": \"eur\","
    " \"days_until_due\": 14, \"description\": \"Acme Corp: work from 2026-11-01 to 2026-11-30\","
    " \"client\": \"Acme Corp\", \"period\": \"2026-11-01..2026-11-30\", \"issue_date\": \"2026-12-01\","
    " \"due_date\": \"2026-12-15\", \"subtotal\": 80750, \"tax\": 15343, \"total\": 96093,"
    " \"items\": [{\"description\": \"2026-11-03: Website — Homepage layout\", \"amount\": 57000,"
    "              \"quantity\": 6, \"unit\": \"hour\", \"unit_amount\": 9500},"
    "             {\"description\": \"2026-11-28: Review call\", \"amount\": 23750,"
    "              \"quantity\": 2.5, \"unit\": \"hour\", \"unit_amount\": 9500},"
    "             {\"description\": \"Tax 19.00 % on 807.50 EUR\", \"amount\": 15343, \"tax\": true}]}";
  static const char *preview =
    "{\"connector\": \"invoice\", \"customer\": \"billing@acme.example\", \"currency\": \"eur\","
    " \"total\": 96093, \"total_text\": \"960.93 EUR\"}";
  static const char *figures[] = { "6.00", "2.50", "95.00 EUR", "570.00 EUR", "237.50 EUR", "807.50 EUR",
                                   "153.43 EUR", "960.93 EUR" };
  AiosApprovalInfo info = { 0 };
  GtkWidget *window, *view, *label;

  aios_ui_test_application ();
  window = gtk_window_new ();
  view = g_object_new (AIOS_TYPE_APPROVAL_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 680);
  info.id = 3;
  info.run_id = 2;
  info.step_id = 7;
  info.flow_id = (char *) "billing";
  info.step_name = (char *) "issue";
  info.action_kind = (char *) "invoice";
  info.status = (char *) "pending";
  info.request = json_from_string (request, NULL);
  info.preview = json_from_string (preview, NULL);
  info.created_at = g_get_real_time () / 1000;
  g_assert_nonnull (info.request);
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_INVOICE, "Invoice to Acme Corp", NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  wait_painted (window);

  g_assert_true (labels_contain (view, "Acme Corp <billing@acme.example>"));
  g_assert_true (labels_contain (view, "2026-11-01 to 2026-11-30"));
  g_assert_true (labels_contain (view, "2026-12-15 (14 days after sending)"));
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      label = label_with_text (view, figures[i]);
      g_assert_nonnull (label);
      g_assert_true (gtk_widget_has_css_class (label, "numeric"));
      g_assert_cmpfloat (gtk_label_get_xalign (GTK_LABEL (label)), ==, 1);
    }
  /* the tax and the total in bold, the lines and the subtotal not */
  g_assert_true (gtk_widget_has_css_class (label_with_text (view, "153.43 EUR"), "heading"));
  g_assert_true (gtk_widget_has_css_class (label_with_text (view, "Tax 19.00 % on 807.50 EUR"), "heading"));
  g_assert_true (gtk_widget_has_css_class (label_with_text (view, "960.93 EUR"), "heading"));
  g_assert_true (gtk_widget_has_css_class (label_with_text (view, "Total"), "heading"));
  g_assert_false (gtk_widget_has_css_class (label_with_text (view, "570.00 EUR"), "heading"));
  g_assert_false (gtk_widget_has_css_class (label_with_text (view, "807.50 EUR"), "heading"));
  {
    g_autofree char *path = aios_ui_test_artifact_path ("inbox-billing-invoice-light.png");
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_assert_true (gdk_texture_save_to_png (texture, path));
    g_test_message ("rendered %s", path);
  }
  json_node_unref (info.request);
  json_node_unref (info.preview);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A post, as the publish connector previews it: the Markdown rendered into
 * the label (a heading, emphasis, a list, a link), hostile text left text. */
static void
test_post_preview (void)
{
  static const char *post_preview =
    "{\"connector\": \"publish\", \"site\": \"blog.northwind.example\","
    " \"url\": \"https://blog.northwind.example/wp-json/wp/v2/posts\","
    " \"title\": \"Five things to fix before you redesign your website\","
    " \"excerpt\": \"This post is for owners of small businesses.\", \"status\": \"publish\","
    " \"slug\": \"five-things-to-fix-1a2b3c4d\","
    " \"body\": \"This post is for *owners* of **small** businesses. <script>x</script>\\n\\n"
    "## What matters\\n\\n- Know your pages.\\n- Book [a review](https://northwind.example/review).\"}";
  AiosApprovalInfo info = { 0 };
  GtkWidget *window;
  GtkWidget *view;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GtkLabel *body = NULL;

  aios_ui_test_application ();
  window = gtk_window_new ();
  view = g_object_new (AIOS_TYPE_APPROVAL_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 720);
  info.id = 11;
  info.run_id = 6;
  info.step_id = 20;
  info.flow_id = (char *) "content";
  info.step_name = (char *) "publish";
  info.action_kind = (char *) "publish";
  info.status = (char *) "pending";
  info.request = json_from_string ("{\"title\": \"Five things to fix before you redesign your website\"}", NULL);
  info.preview = json_from_string (post_preview, NULL);
  info.created_at = g_get_real_time () / 1000;
  g_assert_nonnull (info.preview);
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_POST,
                           "Post “Five things to fix before you redesign your website”", "Write and publish a post");
  g_assert_false (aios_approval_view_can_edit (AIOS_APPROVAL_VIEW (view)));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  wait_painted (window);

  g_assert_true (labels_contain (view, "Published on blog.northwind.example as “five-things-to-fix-1a2b3c4d”"));
  g_assert_true (labels_contain (view, "This post is for owners of small businesses."));
  find_widgets (view, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_is_drawable (labels->pdata[i]) && gtk_label_get_use_markup (labels->pdata[i]) &&
        strstr (gtk_label_get_text (labels->pdata[i]), "What matters") != NULL)
      body = labels->pdata[i];
  g_assert_nonnull (body);
  /* As it reads: the marks are gone, the list has bullets, the script is text. */
  g_assert_nonnull (strstr (gtk_label_get_text (body), "This post is for owners of small businesses. <script>x</script>"));
  g_assert_nonnull (strstr (gtk_label_get_text (body), "• Know your pages.\n• Book a review."));
  g_assert_nonnull (strstr (gtk_label_get_label (body), "<i>owners</i> of <b>small</b>"));
  g_assert_nonnull (strstr (gtk_label_get_label (body), "<a href=\"https://northwind.example/review\">a review</a>"));
  g_assert_nonnull (strstr (gtk_label_get_label (body), "&lt;script&gt;"));
  {
    g_autofree char *path = aios_ui_test_artifact_path ("inbox-post-light.png");
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_assert_true (gdk_texture_save_to_png (texture, path));
    g_test_message ("rendered %s", path);
  }
  json_node_unref (info.request);
  json_node_unref (info.preview);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A decision item (a near-threshold lead): its buttons say the choices,
 * and the next email approval says Approve again. */
static void
test_decision_item (void)
{
  static const char *output =
    "{\"question\": \"Write to Robin anyway?\", \"rationale\": \"Scored 25 of the 35 needed\","
    " \"write_anyway\": true, \"choices\": {\"approve\": \"Write anyway\", \"reject\": \"Decline\"}}";
  AiosApprovalInfo info = { 0 };
  GtkWidget *window;
  GtkWidget *view;

  aios_ui_test_application ();
  window = gtk_window_new ();
  view = g_object_new (AIOS_TYPE_APPROVAL_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (window), view);
  info.id = 12;
  info.run_id = 7;
  info.step_id = 21;
  info.flow_id = (char *) "lead-outreach";
  info.step_name = (char *) "escalate";
  info.action_kind = (char *) "output";
  info.status = (char *) "pending";
  info.request = json_from_string (output, NULL);
  info.preview = json_from_string (output, NULL);
  info.created_at = g_get_real_time () / 1000;
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_DATA,
                           "Write to Robin anyway?", "Reach out to a lead");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  wait_painted (window);
  g_assert_true (labels_contain (view, "Write to Robin anyway?"));
  g_assert_true (labels_contain (view, "Write Anyway"));
  g_assert_true (labels_contain (view, "Decline…"));
  g_assert_false (labels_contain (view, "Approve"));

  /* The same view showing an email: the usual words. */
  json_node_unref (info.request);
  info.action_kind = (char *) "email";
  info.step_name = (char *) "send";
  info.request = json_from_string ("{\"to\": \"robin@near-studio.example\", \"subject\": \"Hi\", \"body\": \"Hello\"}", NULL);
  aios_approval_view_show (AIOS_APPROVAL_VIEW (view), NULL, &info, AIOS_PREVIEW_DATA, "Email to Robin", "Reach out to a lead");
  wait_painted (window);
  g_assert_true (labels_contain (view, "Approve"));
  g_assert_false (labels_contain (view, "Write Anyway"));
  json_node_unref (info.request);
  json_node_unref (info.preview);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Up/Down move in the list (GtkListBox); the decisions have their keys. */
static void
test_shortcuts (void)
{
  GtkWidget *page = g_object_ref_sink (aios_inbox_page_new (NULL));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (page);
  static const struct { guint key; GdkModifierType mods; const char *action; } expected[] = {
    { GDK_KEY_Return, GDK_CONTROL_MASK, "inbox.approve" },
    { GDK_KEY_Delete, 0, "inbox.reject" },
    { GDK_KEY_e, 0, "inbox.edit" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gboolean found = FALSE;

      for (guint c = 0; c < g_list_model_get_n_items (controllers) && !found; c++)
        {
          g_autoptr(GObject) controller = g_list_model_get_item (controllers, c);

          if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
            continue;
          for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)) && !found; j++)
            {
              g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
              GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
              GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

              found = GTK_IS_KEYVAL_TRIGGER (trigger) && GTK_IS_NAMED_ACTION (action) &&
                      gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == expected[i].key &&
                      gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == expected[i].mods &&
                      g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), expected[i].action);
            }
        }
      if (!found)
        g_error ("no shortcut for %s", expected[i].action);
    }
  g_clear_object (&controllers);
  g_object_unref (page);
}

/* A notification's Open button (app.show-approval) presents a window on the
 * Inbox with that approval selected. The application serves the default
 * workspace, so the sample company goes there. */
static void
test_show_approval (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = aios_workspace_default_path ();
  g_autoptr(AiosWorkspace) workspace = NULL;
  GApplication *application = G_APPLICATION (aios_ui_test_application ());
  AiosWindow *window = NULL;
  AiosInboxPage *page;
  guint runs = 0;

  workspace = aios_workspace_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "approvals.undo_s", "0", "operator", &error));
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  settle (workspace);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM approvals WHERE status = 'pending'"), ==, 0);
  /* without smtp.url the sends fail; ask again with one, so approvals wait */
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url", "smtp://127.0.0.1:9",
                                  "operator", &error));
  for (gint64 run = 1; run <= 6; run++)
    aios_coordinator_retry (aios_workspace_get_coordinator (workspace), run, "operator", NULL);
  settle (workspace);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM approvals WHERE status = 'pending'"), ==, 5);

  g_action_group_activate_action (G_ACTION_GROUP (application), "show-approval", g_variant_new_string ("3"));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l != NULL; l = l->next)
    if (AIOS_IS_WINDOW (l->data))
      window = l->data;
  g_assert_nonnull (window);
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "inbox");
  page = AIOS_INBOX_PAGE (adw_view_stack_get_child_by_name (aios_window_get_stack (window), "inbox"));
  g_assert_cmpint (aios_inbox_page_get_selected_approval (page), ==, 3);
  g_assert_true (labels_contain (GTK_WIDGET (page), "sofia.brandt@greenleaf-bakery.example"));

  /* Decided meanwhile: the Open button says so instead of showing nothing. */
  g_assert_true (aios_coordinator_reject (aios_workspace_get_coordinator (workspace), 3, "operator", "Not now",
                                          &error));
  g_action_group_activate_action (G_ACTION_GROUP (application), "show-approval", g_variant_new_string ("3"));
  wait_painted (GTK_WIDGET (window));
  g_assert_true (labels_contain (GTK_WIDGET (page), "Approval 3 was already rejected"));
  wait_items (page, 4);
  g_assert_cmpint (aios_inbox_page_get_selected_approval (page), !=, 3);

  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
}


/* The Message-IDs the server saw for @rcpt, in order. */
static GPtrArray *
smtp_message_ids (SmtpPeer   *peer,
                  const char *rcpt)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (peer->log, &text, NULL, NULL))
    return ids;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *record;
      const char *content, *header;

      if (*lines[i] == '\0' || strstr (lines[i], rcpt) == NULL || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      record = json_node_get_object (json_parser_get_root (parser));
      content = json_object_get_string_member (record, "content");
      header = strstr (content, "Message-ID: ");
      if (header != NULL)
        g_ptr_array_add (ids, g_strndup (header + 12, strcspn (header + 12, "\r\n")));
    }
  return ids;
}

typedef struct {
  GtkWidget  *widget;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *w = data;
  return labels_contain (w->widget, w->text);
}

static void
wait_label (GtkWidget  *widget,
            const char *text)
{
  LabelWait w = { widget, text };

  if (!aios_ui_test_wait (label_shown, &w, 15000))
    g_error ("“%s” is not shown", text);
}

typedef struct {
  AiosWorkspace *workspace;
  const char    *sql;
  gint64         value;
} QueryWait;

static gboolean
query_is (gpointer data)
{
  QueryWait *w = data;
  return query_int (w->workspace, w->sql) == w->value;
}

static void
wait_query (AiosWorkspace *workspace,
            const char    *sql,
            gint64         value)
{
  QueryWait w = { workspace, sql, value };

  if (!aios_ui_test_wait (query_is, &w, 20000))
    g_error ("%s is %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT, sql, query_int (workspace, sql), value);
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* Approve, then Undo on the toast inside the grace: nothing reaches the
 * SMTP server and Dana's email waits again. With no grace it goes at once
 * and a toast says when it was sent. */
static void
test_undo (void)
{
  SmtpPeer peer = { 0 };
  g_autoptr(AiosWorkspace) workspace = NULL;
  g_autoptr(GError) error = NULL;
  AiosInboxPage *page;
  AiosWindow *window;
  gint64 until;

  smtp_peer_start (&peer);
  workspace = demo_workspace (peer.url);
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "approvals.undo_s", "3", "operator", &error));
  window = open_window (workspace, &page);
  wait_items (page, 5);

  g_assert_true (aios_inbox_page_select_approval (page, 1));
  wait_painted (GTK_WIDGET (window));
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.approve"), "clicked");
  wait_label (GTK_WIDGET (page), "Sending to Dana Whitfield in 3 s");
  wait_items (page, 4);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM approvals WHERE id = 1 AND status = 'approved'"), ==, 1);
  render (window, "inbox-undo-light.png", FALSE);

  /* The toast's Undo button, as a person presses it. */
  g_signal_emit_by_name (find_button (GTK_WIDGET (window), "inbox.undo"), "clicked");
  wait_label (GTK_WIDGET (page), "Taken back: nothing was sent to dana@whitfield-design.example");
  wait_items (page, 5);
  g_assert_cmpint (aios_inbox_page_get_selected_approval (page), ==, 1);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM approvals WHERE id = 1 AND status = 'pending'"), ==, 1);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM outbox WHERE approval_id = 1 AND status = 'cancelled'"), ==, 1);
  g_assert_cmpint (query_int (workspace, "SELECT COUNT(*) FROM events WHERE kind = 'approval.undone'"), ==, 1);
  until = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;
  g_assert_true (aios_ui_test_wait (time_passed, &until, 10000));
  g_assert_cmpuint (smtp_count_with (&peer, "dana@whitfield-design.example"), ==, 0);

  /* No grace: sent at once, and said so. */
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "approvals.undo_s", "0", "operator", &error));
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.approve"), "clicked");
  wait_label (GTK_WIDGET (page), "Sent to dana@whitfield-design.example at ");
  g_assert_cmpuint (smtp_count_with (&peer, "dana@whitfield-design.example"), ==, 1);

  settle (workspace);
  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
  smtp_peer_stop (&peer);
}

static void
select_run_of (AiosInboxPage *page,
               const char    *title)
{
  g_autoptr(GPtrArray) rows = rows_of (page);

  for (guint i = 0; i < rows->len; i++)
    if (aios_approval_row_get_kind (rows->pdata[i]) == AIOS_INBOX_ITEM_RUN &&
        g_str_equal (aios_approval_row_get_title (rows->pdata[i]), title))
      {
        gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (rows->pdata[i])), rows->pdata[i]);
        return;
      }
  g_error ("“%s” is not listed", title);
}

static void
confirm (const char *heading,
         const char *response)
{
  AdwMessageDialog *dialog = NULL;

  g_assert_true (aios_ui_test_wait (dialog_shown, &dialog, 10000));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "resolve"), ==, response);
  adw_message_dialog_response (dialog, "resolve");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The server drops the line after the data: the outcome is unknown and the
 * run waits for the operator with Mark as Sent and Send Again (not Retry,
 * which would send with a new key). Mark as Sent sends nothing; Send Again
 * sends the same Message-ID. */
static void
test_unknown_outcome (void)
{
  SmtpPeer drop = { 0 }, good = { 0 };
  g_autoptr(AiosWorkspace) workspace = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  AiosInboxPage *page;
  AiosWindow *window;
  gint64 marcus;

  smtp_peer_start_fault (&drop, "data-drop");
  smtp_peer_start (&good);
  workspace = demo_workspace (drop.url);
  window = open_window (workspace, &page);
  wait_items (page, 5);

  /* Dana's email: unknown, then marked as sent. */
  g_assert_true (aios_inbox_page_select_approval (page, 1));
  wait_painted (GTK_WIDGET (window));
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.approve"), "clicked");
  wait_query (workspace, "SELECT COUNT(*) FROM outbox WHERE approval_id = 1 AND status = 'unknown'", 1);
  wait_label (GTK_WIDGET (page), "It is not known whether it reached dana@whitfield-design.example");
  wait_label (GTK_WIDGET (page), "Run for Dana Whitfield failed");
  select_run_of (page, "Run for Dana Whitfield failed");
  wait_painted (GTK_WIDGET (window));
  /* Both answers are shown, Retry (a new key) is not. */
  g_assert_true (gtk_widget_is_drawable (find_button (GTK_WIDGET (page), "inbox.mark-sent")));
  g_assert_true (gtk_widget_is_drawable (find_button (GTK_WIDGET (page), "inbox.send-again")));
  {
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

    find_widgets (GTK_WIDGET (page), GTK_TYPE_BUTTON, buttons);
    for (guint i = 0; i < buttons->len; i++)
      if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), "inbox.retry") == 0)
        g_assert_false (gtk_widget_is_drawable (buttons->pdata[i]));
  }
  render (window, "inbox-unknown-light.png", FALSE);
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.mark-sent"), "clicked");
  confirm ("Mark as Sent to dana@whitfield-design.example?", "_Mark as Sent");
  wait_query (workspace, "SELECT COUNT(*) FROM outbox WHERE approval_id = 1 AND status = 'sent'", 1);
  wait_query (workspace, "SELECT COUNT(*) FROM runs WHERE id = 1 AND status = 'succeeded'", 1);
  g_assert_cmpuint (smtp_count_with (&drop, "dana@whitfield-design.example"), ==, 1);
  g_assert_cmpuint (smtp_count_with (&good, "dana@whitfield-design.example"), ==, 0);

  /* Marcus's email: unknown, then sent again (the server works now). */
  marcus = query_int (workspace, "SELECT id FROM approvals WHERE request_json LIKE '%marcus@oyelaran-legal.example%'");
  g_assert_true (aios_inbox_page_select_approval (page, marcus));
  wait_painted (GTK_WIDGET (window));
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.approve"), "clicked");
  wait_query (workspace, "SELECT COUNT(*) FROM outbox WHERE status = 'unknown'", 1);
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url", good.url, "operator", &error));
  wait_label (GTK_WIDGET (page), "Run for Marcus Oyelaran failed");
  select_run_of (page, "Run for Marcus Oyelaran failed");
  wait_painted (GTK_WIDGET (window));
  g_signal_emit_by_name (find_button (GTK_WIDGET (page), "inbox.send-again"), "clicked");
  confirm ("Send Again to marcus@oyelaran-legal.example?", "_Send Again");
  wait_query (workspace, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 2);
  wait_label (GTK_WIDGET (page), "Sent to marcus@oyelaran-legal.example at ");
  first = smtp_message_ids (&drop, "marcus@oyelaran-legal.example");
  again = smtp_message_ids (&good, "marcus@oyelaran-legal.example");
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_cmpstr (first->pdata[0], ==, again->pdata[0]);

  settle (workspace);
  close_window (window);
  aios_coordinator_stop (aios_workspace_get_coordinator (workspace));
  smtp_peer_stop (&drop);
  smtp_peer_stop (&good);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/inbox/decide", test_decide);
  g_test_add_func ("/inbox/needs-attention", test_needs_attention);
  g_test_add_func ("/inbox/empty-then-demo", test_empty_then_demo);
  g_test_add_func ("/inbox/previews", test_previews);
  g_test_add_func ("/inbox/post-preview", test_post_preview);
  g_test_add_func ("/inbox/decision-item", test_decision_item);
  g_test_add_func ("/inbox/billing-preview", test_billing_preview);
  g_test_add_func ("/inbox/shortcuts", test_shortcuts);
  g_test_add_func ("/inbox/show-approval", test_show_approval);
  g_test_add_func ("/inbox/undo", test_undo);
  g_test_add_func ("/inbox/unknown-outcome", test_unknown_outcome);

  return g_test_run ();
}
