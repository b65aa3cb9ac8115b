/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosWindow is the main window: a view switcher over the five pages
 * (Today, Inbox, Timeline, Memory, Runs), each its own widget that reaches the
 * workspace through its "workspace" property. Its size and last page are
 * kept in GSettings.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-window.h"
#include "aios-accessible.h"
#include "aios-inbox-page.h"
#include "aios-memory-page.h"
#include "aios-runs-page.h"
#include "aios-timeline-page.h"
#include "aios-today-page.h"

struct _AiosWindow
{
  AdwApplicationWindow  parent_instance;

  AiosWorkspace        *workspace;
  GSettings            *settings;

  AdwViewStack         *stack;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
};

G_DEFINE_FINAL_TYPE (AiosWindow, aios_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_page_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  aios_window_show_page (AIOS_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static GtkWidget *
find_search_entry (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget) && gtk_widget_is_visible (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_search_entry (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Ctrl+F: the search of the page in front (Timeline, Memory); on a page
 * without one, the Timeline's, which searches everything that happened. */
static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AiosWindow *self = AIOS_WINDOW (widget);
  GtkWidget *entry = find_search_entry (adw_view_stack_get_visible_child (self->stack));

  if (entry == NULL)
    {
      aios_window_show_page (self, "timeline");
      entry = find_search_entry (adw_view_stack_get_visible_child (self->stack));
    }
  if (entry != NULL)
    gtk_widget_grab_focus (entry);
}

/* Run uninstalled without GSETTINGS_SCHEMA_DIR, GSettings would abort: the
 * window then works without keeping its size and page. */
static gboolean
has_settings_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID_BASE, TRUE);
  if (schema == NULL)
    g_warning ("The settings schema %s is not installed: the window's size and page will not be kept",
               APPLICATION_ID_BASE);
  return schema != NULL;
}

static void
aios_window_dispose (GObject *object)
{
  AiosWindow *self = AIOS_WINDOW (object);

  /* libadwaita 1.2 criticises when a view switcher lets go of a stack whose
   * pages are already gone: let go first. */
  if (self->switcher_title != NULL)
    adw_view_switcher_title_set_stack (self->switcher_title, NULL);
  if (self->switcher_bar != NULL)
    adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_window_parent_class)->dispose (object);
}

static void
aios_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AiosWindow *self = AIOS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AiosWindow *self = AIOS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
      /* Every page has a "workspace" property (a page is a widget another
       * room may replace; this is all the window needs to know of it). */
      for (GtkWidget *page = gtk_widget_get_first_child (GTK_WIDGET (self->stack));
           page != NULL;
           page = gtk_widget_get_next_sibling (page))
        g_object_set (page, "workspace", self->workspace, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_window_class_init (AiosWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_window_dispose;
  object_class->get_property = aios_window_get_property;
  object_class->set_property = aios_window_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AIOS_TYPE_TODAY_PAGE);
  g_type_ensure (AIOS_TYPE_INBOX_PAGE);
  g_type_ensure (AIOS_TYPE_TIMELINE_PAGE);
  g_type_ensure (AIOS_TYPE_MEMORY_PAGE);
  g_type_ensure (AIOS_TYPE_RUNS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, AiosWindow, switcher_bar);

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
}

static void
name_help_overlay (GtkWidget *window)
{
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

  if (overlay != NULL)
    aios_accessible_name_controls (GTK_WIDGET (overlay), TRUE);
}

static void
aios_window_init (AiosWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  aios_accessible_name_controls (GTK_WIDGET (self), FALSE);
  /* The shortcuts window comes with the application, once we are mapped. */
  g_signal_connect (self, "map", G_CALLBACK (name_help_overlay), NULL);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  /* The schema id is the stable one: a development build shares the
   * window state with a stable build. */
  if (!has_settings_schema ())
    return;
  self->settings = g_settings_new (APPLICATION_ID_BASE);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "last-page", self->stack, "visible-child-name", G_SETTINGS_BIND_DEFAULT);
}

AiosWindow *
aios_window_new (AiosApplication *application,
                 AiosWorkspace   *workspace)
{
  return g_object_new (AIOS_TYPE_WINDOW,
                       "application", application,
                       "workspace", workspace,
                       NULL);
}

AiosWorkspace *
aios_window_get_workspace (AiosWindow *self)
{
  g_return_val_if_fail (AIOS_IS_WINDOW (self), NULL);
  return self->workspace;
}

AdwViewStack *
aios_window_get_stack (AiosWindow *self)
{
  g_return_val_if_fail (AIOS_IS_WINDOW (self), NULL);
  return self->stack;
}

/**
 * aios_window_show_page:
 * @name: "today", "inbox", "timeline", "memory" or "runs"
 */
void
aios_window_show_page (AiosWindow *self,
                       const char *name)
{
  g_return_if_fail (AIOS_IS_WINDOW (self));

  if (adw_view_stack_get_child_by_name (self->stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->stack, name);
}
