/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Today, the first page: what needs the operator and what the agents did,
 * in sentences (aios_today_read() says them; this page only lays them
 * out). Three groups of rows: "Waits for You" (approvals by kind with the
 * age of the oldest, runs that failed with an Open button), "Today" and
 * "This Week", newest first. Activating a row opens its item on its page:
 * an approval in the Inbox, a run in Runs, an event in the Timeline, a
 * record in Memory.
 *
 * It follows the workspace like the Inbox does: read again (coalesced)
 * after each commit of this process, and when another process's commit
 * changes SQLite's data_version; once a minute for the ages. On a new
 * workspace, where nothing happened yet, it shows the first steps instead.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-inbox-page.h"
#include "aios-journal-entry.h"
#include "aios-memory-page.h"
#include "aios-runs-page.h"
#include "aios-timeline-page.h"
#include "aios-today-page.h"
#include "aios-window.h"
#include "app/aios-demo.h"
#include "app/aios-today.h"
#include "control/aios-runs.h"

struct _AiosTodayPage
{
  AdwBin         parent_instance;

  AiosWorkspace *workspace;
  GPtrArray     *rows;          /* the AdwActionRows shown, in order */
  guint          reload_source;
  guint          poll_source;
  guint          age_source;
  gint64         data_version;

  GtkStack      *stack;
  AdwStatusPage *status_page;
  GtkWidget     *steps_list;
  GtkWidget     *sender_row;
  GtkWidget     *smtp_row;
  GtkImage      *sender_check;
  GtkImage      *smtp_check;
  GtkWidget     *demo_button;
  GtkBox        *sections;
};

G_DEFINE_FINAL_TYPE (AiosTodayPage, aios_today_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define LINE_KEY "aios-today-line"

/* ---- opening a line's item ---- */

static void
open_line (AiosTodayPage       *self,
           const AiosTodayLine *line)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwViewStack *stack;
  GtkWidget *page;

  if (!AIOS_IS_WINDOW (root))
    return;
  stack = aios_window_get_stack (AIOS_WINDOW (root));
  switch (line->open)
    {
    case AIOS_TODAY_OPEN_APPROVAL:
      page = adw_view_stack_get_child_by_name (stack, "inbox");
      aios_window_show_page (AIOS_WINDOW (root), "inbox");
      if (AIOS_IS_INBOX_PAGE (page))
        aios_inbox_page_select_approval (AIOS_INBOX_PAGE (page), line->target_id);
      break;
    case AIOS_TODAY_OPEN_RUN:
      page = adw_view_stack_get_child_by_name (stack, "runs");
      aios_window_show_page (AIOS_WINDOW (root), "runs");
      if (AIOS_IS_RUNS_PAGE (page))
        aios_runs_page_select_run (AIOS_RUNS_PAGE (page), line->target_id);
      break;
    case AIOS_TODAY_OPEN_EVENT:
      page = adw_view_stack_get_child_by_name (stack, "timeline");
      aios_window_show_page (AIOS_WINDOW (root), "timeline");
      if (AIOS_IS_TIMELINE_PAGE (page) && line->target_id > 0)
        aios_timeline_page_show_event (AIOS_TIMELINE_PAGE (page), line->run_id, line->target_id);
      break;
    case AIOS_TODAY_OPEN_RECORD:
      page = adw_view_stack_get_child_by_name (stack, "memory");
      aios_window_show_page (AIOS_WINDOW (root), "memory");
      if (AIOS_IS_MEMORY_PAGE (page))
        aios_memory_page_show_record (AIOS_MEMORY_PAGE (page), line->target_id);
      break;
    default:
      break;
    }
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  AiosTodayPage *self)
{
  const AiosTodayLine *line = g_object_get_data (G_OBJECT (row), LINE_KEY);

  if (line != NULL)
    open_line (self, line);
}

static void
action_clicked_cb (GtkButton     *button,
                   AiosTodayPage *self)
{
  const AiosTodayLine *line = g_object_get_data (G_OBJECT (button), LINE_KEY);

  if (line != NULL)
    open_line (self, line);
}

/* ---- the rows ---- */

static const char *
section_title (AiosTodaySection section)
{
  switch (section)
    {
    case AIOS_TODAY_SECTION_WAITING:
      return _("Waits for You");
    case AIOS_TODAY_SECTION_TODAY:
      return _("Today");
    case AIOS_TODAY_SECTION_WEEK:
    default:
      return _("This Week");
    }
}

/* When it happened, in the Timeline's words: "14:02" today, "Monday, 30
 * November, 14:02" before; nothing for what waits (its age is in the text). */
static char *
line_subtitle (const AiosTodayLine *line)
{
  g_autofree char *when = NULL;

  if (line->section == AIOS_TODAY_SECTION_TODAY && !line->total)
    when = aios_journal_format_time (line->ts);
  else if (line->section == AIOS_TODAY_SECTION_WEEK && !line->total)
    {
      g_autofree char *day = aios_journal_format_day (line->ts);
      g_autofree char *time = aios_journal_format_time (line->ts);

      /* Translators: a day and a time of day, "Monday, 30 November, 14:02" */
      when = g_strdup_printf (_("%s, %s"), day, time);
    }
  if (when != NULL && line->detail != NULL)
    /* Translators: when something happened, then more about it */
    return g_strdup_printf (_("%s · %s"), when, line->detail);
  if (when != NULL)
    return g_steal_pointer (&when);
  return g_strdup (line->detail);
}

static GtkWidget *
line_row (AiosTodayPage *self,
          AiosTodayLine *line)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (line->icon_name);
  g_autofree char *subtitle = line_subtitle (line);

  gtk_widget_add_css_class (row, "today-line");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line->text);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  if (line->section == AIOS_TODAY_SECTION_WAITING && line->open == AIOS_TODAY_OPEN_RUN)
    gtk_widget_add_css_class (icon, "error");
  else if (line->section == AIOS_TODAY_SECTION_WAITING)
    gtk_widget_add_css_class (icon, "accent");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (line->action != NULL)
    {
      GtkWidget *button = gtk_button_new_with_label (line->action);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, line->text);
      g_object_set_data (G_OBJECT (button), LINE_KEY, line);
      g_signal_connect (button, "clicked", G_CALLBACK (action_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  else
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), LINE_KEY, line, (GDestroyNotify) aios_today_line_free);
  return row;
}

static void
clear_sections (AiosTodayPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sections))) != NULL)
    gtk_box_remove (self->sections, child);
  g_ptr_array_set_size (self->rows, 0);
}

static void
show_first_steps (AiosTodayPage *self)
{
  AiosConfig *config = aios_workspace_get_config (self->workspace);
  g_autofree char *from = aios_config_get (config, "smtp.from");
  g_autofree char *url = aios_config_get (config, "smtp.url");

  adw_status_page_set_icon_name (self->status_page, "com.example.Aios");
  adw_status_page_set_title (self->status_page, _("Welcome to Aios"));
  adw_status_page_set_description (self->status_page,
                                   _("Your agents answer leads and draft emails; nothing goes out "
                                     "before you approve it. Start here:"));
  /* each step checked off once done */
  gtk_image_set_from_icon_name (self->sender_check, from != NULL ? "emblem-ok-symbolic" : "mail-send-symbolic");
  gtk_image_set_from_icon_name (self->smtp_check, url != NULL ? "emblem-ok-symbolic" : "network-server-symbolic");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->sender_row),
                               from != NULL ? from : _("The address your emails come from, in Preferences"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->smtp_row),
                               url != NULL ? _("Done: the emails you approve can go out")
                                           : _("So the emails you approve can go out"));
  gtk_widget_set_visible (self->steps_list, TRUE);
  gtk_widget_set_visible (self->demo_button, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
show_quiet (AiosTodayPage *self,
            const char    *title,
            const char    *description,
            const char    *icon_name)
{
  adw_status_page_set_icon_name (self->status_page, icon_name);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_widget_set_visible (self->steps_list, FALSE);
  gtk_widget_set_visible (self->demo_button, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/**
 * aios_today_page_reload:
 *
 * Reads the lines from the workspace now (normally done after each commit).
 */
void
aios_today_page_reload (AiosTodayPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  GtkWidget *list = NULL;
  int section = -1;

  g_return_if_fail (AIOS_IS_TODAY_PAGE (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  clear_sections (self);
  if (self->workspace == NULL)
    return;

  lines = aios_today_read (self->workspace, g_get_real_time () / 1000, &error);
  if (lines == NULL)
    {
      show_quiet (self, _("Today Could Not Be Read"), error->message, "dialog-error-symbolic");
      return;
    }
  if (lines->len == 0)
    {
      if (!aios_runs_any (aios_workspace_get_store (self->workspace), NULL))
        show_first_steps (self);
      else
        show_quiet (self, _("All Quiet"),
                    _("Nothing waits for you, and the agents did nothing this week."),
                    "weather-clear-symbolic");
      return;
    }

  for (guint i = 0; i < lines->len; i++)
    {
      AiosTodayLine *line = g_steal_pointer (&lines->pdata[i]);
      GtkWidget *row;

      if ((int) line->section != section)
        {
          GtkWidget *heading = gtk_label_new (section_title (line->section));

          section = line->section;
          gtk_label_set_xalign (GTK_LABEL (heading), 0);
          gtk_widget_add_css_class (heading, "heading");
          gtk_widget_set_margin_top (heading, gtk_widget_get_first_child (GTK_WIDGET (self->sections)) ? 18 : 0);
          gtk_widget_set_margin_bottom (heading, 6);
          gtk_box_append (self->sections, heading);

          list = gtk_list_box_new ();
          gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
          gtk_widget_add_css_class (list, "boxed-list");
          gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          section_title (line->section), -1);
          g_signal_connect (list, "row-activated", G_CALLBACK (row_activated_cb), self);
          gtk_box_append (self->sections, list);
        }
      row = line_row (self, line);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
      g_ptr_array_add (self->rows, row);
    }
  gtk_stack_set_visible_child_name (self->stack, "content");
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  AiosTodayPage *self = user_data;

  self->reload_source = 0;
  aios_today_page_reload (self);
  return G_SOURCE_REMOVE;
}

/* Commits come in bursts while the coordinator works: read once after. */
static void
committed_cb (AiosTodayPage *self)
{
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, 100, reload_idle_cb, self, NULL);
}

/* Commits of other processes do not emit "committed" here. */
static gboolean
poll_cb (gpointer user_data)
{
  AiosTodayPage *self = user_data;
  AiosStore *store;
  gint64 version;

  if (self->workspace == NULL)
    return G_SOURCE_CONTINUE;
  store = aios_workspace_get_store (self->workspace);
  if (aios_store_in_transaction (store))
    return G_SOURCE_CONTINUE;
  version = aios_store_get_data_version (store);
  if (version != self->data_version)
    {
      self->data_version = version;
      committed_cb (self);
    }
  return G_SOURCE_CONTINUE;
}

/* The ages ("for 3 hours") and the day change without a commit. */
static gboolean
age_tick_cb (gpointer user_data)
{
  committed_cb (user_data);
  return G_SOURCE_CONTINUE;
}

static void
load_demo_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AiosTodayPage *self = AIOS_TODAY_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->workspace == NULL)
    return;
  if (!aios_demo_load (self->workspace, NULL, &error))
    {
      show_quiet (self, _("The Sample Data Could Not Be Loaded"), error->message, "dialog-error-symbolic");
      return;
    }
  aios_today_page_reload (self);
}

/* ---- GObject ---- */

static void
disconnect_workspace (AiosTodayPage *self)
{
  if (self->workspace == NULL)
    return;
  g_signal_handlers_disconnect_by_data (aios_workspace_get_store (self->workspace), self);
}

static void
aios_today_page_dispose (GObject *object)
{
  AiosTodayPage *self = AIOS_TODAY_PAGE (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->age_source, g_source_remove);
  disconnect_workspace (self);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_TODAY_PAGE);
  G_OBJECT_CLASS (aios_today_page_parent_class)->dispose (object);
}

static void
aios_today_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AiosTodayPage *self = AIOS_TODAY_PAGE (object);

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
aios_today_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AiosTodayPage *self = AIOS_TODAY_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_today_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_today_page_class_init (AiosTodayPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_today_page_dispose;
  object_class->get_property = aios_today_page_get_property;
  object_class->set_property = aios_today_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-today-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, steps_list);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, sender_row);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, smtp_row);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, sender_check);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, smtp_check);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, AiosTodayPage, sections);

  gtk_widget_class_install_action (widget_class, "today.load-demo", NULL, load_demo_activated);
}

static void
aios_today_page_init (AiosTodayPage *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_today_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_TODAY_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_today_page_get_workspace (AiosTodayPage *self)
{
  g_return_val_if_fail (AIOS_IS_TODAY_PAGE (self), NULL);
  return self->workspace;
}

void
aios_today_page_set_workspace (AiosTodayPage *self,
                               AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_TODAY_PAGE (self));

  if (self->workspace == workspace)
    return;
  disconnect_workspace (self);
  g_set_object (&self->workspace, workspace);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->age_source, g_source_remove);
  if (workspace != NULL)
    {
      AiosStore *store = aios_workspace_get_store (workspace);

      g_signal_connect_object (store, "committed", G_CALLBACK (committed_cb), self, G_CONNECT_SWAPPED);
      self->data_version = aios_store_get_data_version (store);
      self->poll_source = g_timeout_add_seconds (2, poll_cb, self);
      self->age_source = g_timeout_add_seconds (60, age_tick_cb, self);
    }
  aios_today_page_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}

/**
 * aios_today_page_get_rows:
 *
 * Returns: (transfer none) (element-type AdwActionRow): the rows shown,
 *   in order (for tests and accessibility checks)
 */
GPtrArray *
aios_today_page_get_rows (AiosTodayPage *self)
{
  g_return_val_if_fail (AIOS_IS_TODAY_PAGE (self), NULL);
  return self->rows;
}
