/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosEventDetail: one journal event in the Timeline's detail pane, a
 * template bound to the selected AiosJournalEntry: what happened and who did
 * it, why, its details, its payload and what it refers to (each link named
 * by the room that owns it). "Only This Run" is the page's
 * `timeline.only-run` action with the run id as its target.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-event-detail.h"
#include "control/aios-approvals.h"
#include "control/aios-outbox.h"

struct _AiosEventDetail
{
  AdwBin            parent_instance;

  AiosJournalEntry *entry;

  GtkLabel         *summary_label;
  GtkLabel         *byline_label;
  GtkWidget        *why_box;
  GtkLabel         *why_label;
  AdwActionRow     *kind_row;
  AdwActionRow     *actor_row;
  AdwActionRow     *run_row;
  GtkWidget        *only_run_button;
  AdwActionRow     *cost_row;
  AdwActionRow     *id_row;
  GtkWidget        *payload_box;
  GtkLabel         *payload_label;
  GtkWidget        *links_group;
  GtkListBox       *links_list;
};

G_DEFINE_FINAL_TYPE (AiosEventDetail, aios_event_detail, ADW_TYPE_BIN)

static char *
pretty_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, json, -1, NULL) || json_parser_get_root (parser) == NULL)
    return g_strdup (json);
  return json_to_string (json_parser_get_root (parser), TRUE);
}

/* What a link points at, in words, asked of the rooms that own it. */
static void
describe_link (AiosWorkspace       *workspace,
               const AiosEventLink *link,
               char               **title,
               char               **subtitle)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  gint64 id = g_ascii_strtoll (link->target_id, NULL, 10);

  if (g_str_equal (link->target_kind, "record"))
    {
      g_autoptr(AiosRecord) record = aios_memory_get (aios_workspace_get_memory (workspace), id, NULL);

      *subtitle = g_strdup_printf (_("Memory record %s, version %" PRId64), link->target_id, link->version);
      if (record != NULL)
        *title = g_strdup (record->title);
    }
  else if (g_str_equal (link->target_kind, "approval"))
    {
      g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (store, id, NULL);

      *title = g_strdup_printf (_("Approval %s"), link->target_id);
      if (info != NULL)
        /* Translators: e.g. "email · sent" */
        *subtitle = g_strdup_printf (_("%s · %s"), info->action_kind, info->status);
    }
  else if (g_str_equal (link->target_kind, "outbox"))
    {
      g_autoptr(AiosOutboxItem) item = aios_outbox_get (store, id, NULL);

      *title = g_strdup_printf (_("Outbox item %s"), link->target_id);
      if (item != NULL)
        /* Translators: e.g. "email · sent" */
        *subtitle = g_strdup_printf (_("%s · %s"), item->connector, item->status);
    }
  else if (g_str_equal (link->target_kind, "prompt"))
    *title = g_strdup_printf (_("Prompt %s"), link->target_id);

  if (*title == NULL)
    *title = g_strdup_printf ("%s %s", link->target_kind, link->target_id);
}

static void
clear_links (AiosEventDetail *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->links_list))) != NULL)
    gtk_list_box_remove (self->links_list, child);
}

static void
aios_event_detail_dispose (GObject *object)
{
  AiosEventDetail *self = AIOS_EVENT_DETAIL (object);

  g_clear_object (&self->entry);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_EVENT_DETAIL);
  G_OBJECT_CLASS (aios_event_detail_parent_class)->dispose (object);
}

static void
aios_event_detail_class_init (AiosEventDetailClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_event_detail_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-event-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, summary_label);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, byline_label);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, why_box);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, why_label);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, kind_row);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, actor_row);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, run_row);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, only_run_button);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, cost_row);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, id_row);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, payload_box);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, payload_label);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, links_group);
  gtk_widget_class_bind_template_child (widget_class, AiosEventDetail, links_list);
}

static void
aios_event_detail_init (AiosEventDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_event_detail_new (void)
{
  return g_object_new (AIOS_TYPE_EVENT_DETAIL, NULL);
}

/**
 * aios_event_detail_set_entry:
 * @workspace: where the event's links are looked up
 * @entry: (nullable): the event to show
 * @run_label: (nullable): the event's run in words ("Run 3 · lead-outreach")
 * @can_narrow: whether "Only This Run" is offered (not when the Timeline
 *   already shows only that run)
 */
void
aios_event_detail_set_entry (AiosEventDetail  *self,
                             AiosWorkspace    *workspace,
                             AiosJournalEntry *entry,
                             const char       *run_label,
                             gboolean          can_narrow)
{
  const AiosEvent *event;
  g_autofree char *actor = NULL;
  g_autofree char *when = NULL;
  g_autofree char *byline = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) links = NULL;
  gboolean failure;

  g_return_if_fail (AIOS_IS_EVENT_DETAIL (self));

  g_set_object (&self->entry, entry);
  clear_links (self);
  if (entry == NULL)
    return;

  event = aios_journal_entry_get_event (entry);
  failure = aios_journal_entry_is_failure (entry);
  actor = aios_journal_format_actor (event->actor);
  when = aios_journal_format_date_time (event->ts);
  /* Translators: under an event's summary: who did it and when */
  byline = g_strdup_printf (_("%s · %s"), actor, when);

  gtk_label_set_text (self->summary_label, event->summary);
  gtk_label_set_text (self->byline_label, byline);
  if (failure)
    gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->summary_label), "error");

  gtk_widget_set_visible (self->why_box, event->rationale != NULL && *event->rationale != '\0');
  gtk_label_set_text (self->why_label, event->rationale != NULL ? event->rationale : "");
  if (failure)
    gtk_widget_add_css_class (GTK_WIDGET (self->why_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->why_label), "error");

  adw_action_row_set_subtitle (self->kind_row, event->kind);
  adw_action_row_set_subtitle (self->actor_row, event->actor);
  gtk_widget_set_visible (GTK_WIDGET (self->run_row), event->run_id != 0);
  adw_action_row_set_subtitle (self->run_row, run_label != NULL ? run_label : "");
  gtk_widget_set_visible (self->only_run_button, event->run_id != 0 && can_narrow);
  /* The target first: the action takes a run id ("x"). */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->only_run_button), "x", event->run_id);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->only_run_button), "timeline.only-run");
  gtk_widget_set_visible (GTK_WIDGET (self->cost_row), event->cost_micros != 0);
  if (event->cost_micros != 0)
    {
      g_autofree char *cost = g_strdup_printf ("%.4f", event->cost_micros / 1e6);
      adw_action_row_set_subtitle (self->cost_row, cost);
    }
  id = g_strdup_printf ("%" PRId64, event->id);
  adw_action_row_set_subtitle (self->id_row, id);

  gtk_widget_set_visible (self->payload_box, event->payload_json != NULL && *event->payload_json != '\0');
  if (event->payload_json != NULL && *event->payload_json != '\0')
    {
      g_autofree char *pretty = pretty_json (event->payload_json);
      gtk_label_set_text (self->payload_label, pretty);
    }

  links = workspace != NULL ? aios_journal_list_links (aios_workspace_get_store (workspace), event->id, NULL) : NULL;
  gtk_widget_set_visible (self->links_group, links != NULL && links->len > 0);
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      describe_link (workspace, links->pdata[i], &title, &subtitle);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_append (self->links_list, row);
    }
}

/**
 * aios_event_detail_get_entry:
 *
 * Returns: (transfer none) (nullable): the event shown
 */
AiosJournalEntry *
aios_event_detail_get_entry (AiosEventDetail *self)
{
  g_return_val_if_fail (AIOS_IS_EVENT_DETAIL (self), NULL);
  return self->entry;
}
