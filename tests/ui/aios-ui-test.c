/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "aios-ui-test.h"

/* libadwaita 1.2's view switcher title, in the one frame it changes from
 * the wide switcher to the narrow one (about 690 px wide with five pages),
 * allocates its hidden switcher a height of -1 and GTK warns; the layout
 * is right the frame after. Only that warning is let through: the window
 * tests narrow the window across that width. */
static GLogWriterOutput
writer_unless_switcher_squeeze (GLogLevelFlags   level,
                                const GLogField *fields,
                                gsize            n_fields,
                                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if ((level & G_LOG_LEVEL_WARNING) && g_strcmp0 (domain, "Gtk") == 0 && message != NULL &&
      g_str_has_prefix (message, "gtk_widget_size_allocate(): attempt to allocate ") &&
      g_str_has_suffix (message, " and height -1"))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/**
 * aios_ui_test_application:
 *
 * Returns: (transfer none): the application, registered once per process
 *   (non-unique, so a test never forwards to another instance)
 */
AiosApplication *
aios_ui_test_application (void)
{
  static AiosApplication *application;

  if (application == NULL)
    {
      g_autoptr(GError) error = NULL;

      g_log_set_writer_func (writer_unless_switcher_squeeze, NULL, NULL);
      application = aios_application_new ();
      g_application_set_flags (G_APPLICATION (application),
                               g_application_get_flags (G_APPLICATION (application)) |
                               G_APPLICATION_NON_UNIQUE);
      g_application_register (G_APPLICATION (application), NULL, &error);
      g_assert_no_error (error);
      /* Pictures of the final state, not of a cross-fade half way. */
      g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
    }
  return application;
}

/* Returns: (transfer full): a fresh workspace in a temp folder */
AiosWorkspace *
aios_ui_test_workspace_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("aios-ui-XXXXXX", &error);
  g_autofree char *path = NULL;
  AiosWorkspace *workspace;

  g_assert_no_error (error);
  path = g_build_filename (dir, "workspace.db", NULL);
  workspace = aios_workspace_open (path, &error);
  g_assert_no_error (error);
  /* Approved actions go at once unless a test asks for the undo grace. */
  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "approvals.undo_s", "0", "operator", &error));
  return workspace;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * aios_ui_test_wait:
 *
 * Runs the main loop until @done returns %TRUE or @timeout_ms pass.
 *
 * Returns: whether @done became true
 */
gboolean
aios_ui_test_wait (gboolean (*done) (gpointer),
                   gpointer   data,
                   guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  return done (data);
}

static void
after_paint_cb (GdkFrameClock *clock,
                guint         *count)
{
  /* An idle window paints only when asked: ask for the second frame too. */
  if (++(*count) < 2)
    gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
}

static gboolean
painted (gpointer data)
{
  return *(guint *) data >= 1;
}

/* Waits until @widget's surface has painted two frames since now, so style
 * changes and layout have settled. Each frame is asked for in turn: an idle
 * window paints only when something asks it to, so asking once and waiting
 * for two paints can wait forever. */
void
aios_ui_test_wait_frame (GtkWidget *widget)
{
  GdkFrameClock *clock;

  g_assert_true (gtk_widget_get_mapped (widget));
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  for (int i = 0; i < 2; i++)
    {
      guint count = 0;
      gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &count);

      gtk_widget_queue_draw (widget);
      gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
      if (!aios_ui_test_wait (painted, &count, 10000))
        g_error ("the window did not paint within 10 s");
      g_signal_handler_disconnect (clock, handler);
    }
}

/**
 * aios_ui_test_render:
 *
 * Renders @widget as it is on screen, with GTK's own renderer.
 *
 * Returns: (transfer full): the texture
 */
GdkTexture *
aios_ui_test_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* Returns: (transfer full): @name in build/tests/artifacts/, created */
char *
aios_ui_test_artifact_path (const char *name)
{
  const char *build = g_getenv ("AIOS_BUILD_DIR");
  g_autofree char *dir = NULL;

  g_assert_nonnull (build);
  dir = g_build_filename (build, "tests", "artifacts", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return g_build_filename (dir, name, NULL);
}

/* Adds the text of every label under @widget that is drawn on screen. */
void
aios_ui_test_collect_labels (GtkWidget *widget,
                             GPtrArray *texts)
{
  if (!gtk_widget_is_drawable (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    aios_ui_test_collect_labels (child, texts);
}
