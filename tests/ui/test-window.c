/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real main window on a temp workspace, under tests/with-session.sh:
 * rendered to PNG with GTK's own renderer in the light and the dark style
 * (kept in build/tests/artifacts/, and written to $AIOS_SCREENSHOT_DIR when
 * set, which is how data/screenshots/ is made), checked not to be blank, to
 * show the four page titles, to switch pages by its action and keep the last
 * page and size in GSettings.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "aios-ui-test.h"
#include "store/aios-journal.h"
#include "ui/aios-journal-model.h"
#include "ui/aios-timeline-page.h"
#include "ui/aios-window.h"

typedef struct {
  double mean;       /* luminance 0..255 */
  double variance;
} PixelStats;

static PixelStats
pixel_stats (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *data = g_malloc ((gsize) height * stride);
  double sum = 0, sum2 = 0, n = (double) width * height;
  PixelStats stats;

  /* CAIRO_FORMAT_ARGB32 layout: B, G, R, A in memory on little endian */
  gdk_texture_download (texture, data, stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guchar *p = data + y * stride + x * 4;
        guint32 pixel = *(const guint32 *) p;
        double r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;
        double l = 0.2126 * r + 0.7152 * g + 0.0722 * b;

        sum += l;
        sum2 += l * l;
      }
  stats.mean = sum / n;
  stats.variance = sum2 / n - stats.mean * stats.mean;
  return stats;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static AiosWindow *
open_window (AiosWorkspace *workspace)
{
  AiosWindow *window = aios_window_new (aios_ui_test_application (), workspace);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  return window;
}

static void
close_window (AiosWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static PixelStats
render_to_png (AiosWindow *window,
               const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = aios_ui_test_artifact_path (name);
  const char *screenshots = g_getenv ("AIOS_SCREENSHOT_DIR");
  PixelStats stats;

  aios_ui_test_wait_frame (GTK_WIDGET (window));
  texture = aios_ui_test_render (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_test_message ("rendered %s", path);

  if (screenshots != NULL && *screenshots != '\0')
    {
      g_autofree char *copy = g_build_filename (screenshots, name, NULL);
      g_assert_true (gdk_texture_save_to_png (texture, copy));
      g_test_message ("screenshot %s", copy);
    }

  stats = pixel_stats (texture);
  g_test_message ("%s: mean luminance %.1f, variance %.1f", name, stats.mean, stats.variance);
  /* A blank or single-colour window has no variance; text, icons and the
   * header bar give plenty. */
  g_assert_cmpfloat (stats.variance, >, 100.0);
  return stats;
}

static void
assert_page_titles_shown (AiosWindow *window)
{
  static const char *titles[] = { "Today", "Inbox", "Timeline", "Memory", "Runs" };
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (aios_window_get_stack (window));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (titles));
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, titles[i]);
    }

  /* and they are drawn, in the view switcher */
  aios_ui_test_collect_labels (GTK_WIDGET (window), labels);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (!g_ptr_array_find_with_equal_func (labels, titles[i], g_str_equal, NULL))
      g_error ("the page title “%s” is not drawn in the window", titles[i]);
}

static void
test_render_light_and_dark (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID_BASE);
  AiosWindow *window;
  PixelStats light, dark;

  g_settings_reset (settings, "last-page");
  window = open_window (workspace);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "today");
  aios_window_show_page (window, "inbox");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_assert_false (adw_style_manager_get_dark (style));
  light = render_to_png (window, "window-light.png");
  assert_page_titles_shown (window);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));
  dark = render_to_png (window, "window-dark.png");
  assert_page_titles_shown (window);

  /* Every page, in both styles, for whoever changes one to look at
   * (build/tests/artifacts/page-*.png); none may render blank. */
  for (guint scheme = 0; scheme < 2; scheme++)
    {
      static const char *pages[] = { "today", "inbox", "timeline", "memory", "runs" };

      adw_style_manager_set_color_scheme (style, scheme == 0 ? ADW_COLOR_SCHEME_FORCE_LIGHT
                                                             : ADW_COLOR_SCHEME_FORCE_DARK);
      for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
        {
          g_autofree char *name = g_strdup_printf ("page-%s-%s.png", pages[i], scheme == 0 ? "light" : "dark");
          g_autofree char *path = aios_ui_test_artifact_path (name);
          g_autoptr(GdkTexture) texture = NULL;

          aios_window_show_page (window, pages[i]);
          aios_ui_test_wait_frame (GTK_WIDGET (window));
          texture = aios_ui_test_render (GTK_WIDGET (window));
          g_assert_true (gdk_texture_save_to_png (texture, path));
          g_assert_cmpfloat (pixel_stats (texture).variance, >, 100.0);
          g_test_message ("rendered %s", path);
        }
    }
  aios_window_show_page (window, "inbox");

  /* The dark style really is dark, and the light one light. */
  g_assert_cmpfloat (light.mean, >, 160.0);
  g_assert_cmpfloat (dark.mean, <, 100.0);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  close_window (window);
}

static void
test_pages_and_settings (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID_BASE);
  AiosWindow *window;
  static const char *names[] = { "timeline", "memory", "runs", "today", "inbox" };

  g_settings_reset (settings, "last-page");
  window = open_window (workspace);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *stored = NULL;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", names[i]));
      g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, names[i]);
      stored = g_settings_get_string (settings, "last-page");
      g_assert_cmpstr (stored, ==, names[i]);
    }

  /* an unknown page changes nothing */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "nowhere"));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "inbox");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "runs");
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
  close_window (window);

  /* a new window opens where the last one was left */
  window = open_window (workspace);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "runs");
  {
    int width, height;
    gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
    g_assert_cmpint (width, ==, 900);
    g_assert_cmpint (height, ==, 640);
  }
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "last-page");
  close_window (window);
}

static AdwStatusPage *
find_status_page (GtkWidget *widget)
{
  if (ADW_IS_STATUS_PAGE (widget))
    return ADW_STATUS_PAGE (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_status_page (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
timeline_loaded (gpointer page)
{
  GListModel *model = aios_timeline_page_get_model (page);
  return model != NULL && aios_journal_model_get_loaded (AIOS_JOURNAL_MODEL (model));
}

static void
test_timeline_empty_state_is_truthful (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *page;
  AdwStatusPage *status;

  /* A fresh workspace may already journal its own creation: the page must
   * agree with the journal either way. */
  page = g_object_ref_sink (aios_timeline_page_new (workspace));
  g_assert_true (aios_ui_test_wait (timeline_loaded, page, 10000));
  status = find_status_page (page);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Events Yet");
  g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (status)) ==
                 (aios_journal_last_id (aios_workspace_get_store (workspace)) == 0));
  g_object_unref (page);

  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.from",
                                  "me@example.com", "operator", &error));
  g_assert_no_error (error);
  g_assert_cmpint (aios_journal_last_id (aios_workspace_get_store (workspace)), >, 0);

  /* With events, the list shows them and the empty state is not shown. */
  page = g_object_ref_sink (aios_timeline_page_new (workspace));
  g_assert_true (aios_ui_test_wait (timeline_loaded, page, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (page))), ==,
                    aios_journal_last_id (aios_workspace_get_store (workspace)));
  g_assert_false (gtk_widget_get_child_visible (GTK_WIDGET (find_status_page (page))));
  g_object_unref (page);
}

static gboolean
about_shown (gpointer data)
{
  GtkWindow **about = data;
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
      *about = l->data;
  g_list_free (toplevels);
  return *about != NULL;
}

static void
test_about (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosWindow *window = open_window (workspace);
  GtkWindow *about = NULL;
  g_autoptr(GtkIconPaintable) icon = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = aios_ui_test_artifact_path ("about.png");

  g_action_group_activate_action (G_ACTION_GROUP (aios_ui_test_application ()), "about", NULL);
  g_assert_true (aios_ui_test_wait (about_shown, &about, 10000));
  g_assert_true (gtk_window_get_transient_for (about) == GTK_WINDOW (window));
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APPLICATION_ID);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (about)), ==, GTK_LICENSE_GPL_3_0);

  /* the app icon comes from the resource bundle even when not installed */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          APPLICATION_ID_BASE));

  aios_ui_test_wait_frame (GTK_WIDGET (about));
  texture = aios_ui_test_render (GTK_WIDGET (about));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);

  gtk_window_destroy (about);
  close_window (window);
}

static gboolean
shortcuts_shown (gpointer data)
{
  GtkWindow **shortcuts = data;
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (GTK_IS_SHORTCUTS_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
      *shortcuts = l->data;
  g_list_free (toplevels);
  return *shortcuts != NULL;
}

/* The shortcuts window lists every accelerator the window answers to. */
static void
test_shortcuts (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosWindow *window = open_window (workspace);
  GtkWindow *shortcuts = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = aios_ui_test_artifact_path ("shortcuts.png");
  GtkApplication *app = GTK_APPLICATION (aios_ui_test_application ());
  static const struct { const char *action; const char *accel; } expected[] = {
    { "win.show-page::today", "<Control>1" },
    { "win.show-page::inbox", "<Control>2" },
    { "win.show-page::timeline", "<Control>3" },
    { "win.show-page::memory", "<Control>4" },
    { "win.show-page::runs", "<Control>5" },
    { "app.preferences", "<Control>comma" },
    { "win.show-help-overlay", "<Control>question" },
    { "app.quit", "<Control>q" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, expected[i].action);
      g_assert_true (accels != NULL && g_strv_contains ((const char * const *) accels, expected[i].accel));
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  g_assert_true (aios_ui_test_wait (shortcuts_shown, &shortcuts, 10000));
  aios_ui_test_wait_frame (GTK_WIDGET (shortcuts));
  aios_ui_test_collect_labels (GTK_WIDGET (shortcuts), labels);
  for (guint i = 0; i < 6; i++)
    g_assert_true (g_ptr_array_find_with_equal_func (labels,
                                                     (const char *[]) { "Today", "Inbox", "Timeline", "Memory", "Runs",
                                                                        "Search" }[i],
                                                     g_str_equal, NULL));
  texture = aios_ui_test_render (GTK_WIDGET (shortcuts));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);

  gtk_window_destroy (shortcuts);
  close_window (window);
}

static gboolean
focus_in_search (gpointer data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (data));

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_SEARCH_ENTRY (w))
      return TRUE;
  return FALSE;
}

/* Ctrl+F focuses the search of the page in front, and from a page without
 * one the Timeline's. */
static void
test_search_shortcut (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosWindow *window = open_window (workspace);
  AdwViewStack *stack = aios_window_get_stack (window);

  aios_window_show_page (window, "memory");
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  g_assert_true (aios_ui_test_wait (focus_in_search, window, 5000));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "memory");

  aios_window_show_page (window, "today");
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  gtk_root_set_focus (GTK_ROOT (window), NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  g_assert_true (aios_ui_test_wait (focus_in_search, window, 5000));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "timeline");
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  /* tests/with-session.sh isolates HOME and XDG folders; G_TEST_OPTION_ISOLATE_DIRS
   * would also hide the system's icons and fonts from GTK. */
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/window/render-light-and-dark", test_render_light_and_dark);
  g_test_add_func ("/window/pages-and-settings", test_pages_and_settings);
  g_test_add_func ("/window/timeline-empty-state-is-truthful", test_timeline_empty_state_is_truthful);
  g_test_add_func ("/window/about", test_about);
  g_test_add_func ("/window/shortcuts", test_shortcuts);
  g_test_add_func ("/window/search-shortcut", test_search_shortcut);

  return g_test_run ();
}
