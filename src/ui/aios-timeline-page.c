/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Timeline: the journal, the story of the company, newest first.
 *
 * A GtkListView over AiosJournalModel (lazy, paged by keyset), filtered by
 * re-querying: words, decisions or failures only, a kind of event, one run.
 * The detail pane shows the selected event's reasons, payload, cost and
 * what it refers to (memory versions, approvals, outbox items).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-journal-entry.h"
#include "aios-journal-model.h"
#include "aios-journal-row.h"
#include "aios-event-detail.h"
#include "aios-timeline-page.h"
#include "control/aios-run-title.h"
#include "control/aios-runs.h"
#include "store/aios-journal.h"

struct _AiosTimelinePage
{
  AdwBin              parent_instance;

  AiosWorkspace      *workspace;
  AiosJournalModel   *model;
  GtkSingleSelection *selection;
  GHashTable         *run_labels;   /* run id -> "Run 3 · lead-outreach" */

  GtkStack           *stack;
  AdwStatusPage      *status_page;
  AdwLeaflet         *leaflet;
  GtkWidget          *list_pane;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *show_dropdown;
  GtkDropDown        *kind_dropdown;
  GtkWidget          *run_chip;
  GtkLabel           *run_chip_label;
  GtkWidget          *run_chip_button;
  GtkStack           *list_stack;
  GtkListView        *list_view;
  GtkWidget          *detail_pane;
  GtkWidget          *back_button;
  GtkStack           *detail_stack;
  AiosEventDetail    *event_detail;
  gint64              pending_event;  /* an event to select once listed */
};

G_DEFINE_FINAL_TYPE (AiosTimelinePage, aios_timeline_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* In the order of the kind drop-down. */
static const char *kind_prefixes[] = { NULL, "run.", "step.", "approval.", "outbox.", "memory.", "config." };

static const char *
run_label (AiosTimelinePage *self,
           gint64            run_id)
{
  char *label = NULL;

  if (run_id == 0 || self->workspace == NULL)
    return NULL;
  label = g_hash_table_lookup (self->run_labels, &run_id);
  if (label != NULL)
    return label;

  /* The run by what it is about: "Outreach to Dana Whitfield" */
  label = aios_run_title_for_run (aios_workspace_get_store (self->workspace),
                                  aios_workspace_get_flows (self->workspace), run_id);
  if (label == NULL)
    label = g_strdup_printf (_("Run %" PRId64), run_id);
  g_hash_table_insert (self->run_labels, g_memdup2 (&run_id, sizeof run_id), label);
  return label;
}

/* ---- the page's state ---- */

static void select_pending_event (AiosTimelinePage *self, guint n);

static void
update_view (AiosTimelinePage *self)
{
  guint n = self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  select_pending_event (self, n);

  if (self->model != NULL && !aios_journal_model_get_loaded (self->model))
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (n == 0 && (self->model == NULL || !aios_journal_model_is_filtered (self->model)))
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "journal");
      gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "no-match");
    }
}

static void
apply_filter (AiosTimelinePage *self)
{
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);
  gint64 run_id;

  if (self->model == NULL)
    return;
  run_id = aios_journal_model_get_run_id (self->model);
  aios_journal_model_set_filter (self->model,
                                 run_id,
                                 kind < G_N_ELEMENTS (kind_prefixes) ? kind_prefixes[kind] : NULL,
                                 (AiosJournalShow) gtk_drop_down_get_selected (self->show_dropdown),
                                 gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
set_run_filter (AiosTimelinePage *self,
                gint64            run_id)
{
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);

  if (self->model == NULL)
    return;
  gtk_widget_set_visible (self->run_chip, run_id != 0);
  if (run_id != 0)
    {
      g_autofree char *text = g_strdup_printf (_("Only the events of run %" PRId64), run_id);

      gtk_label_set_text (self->run_chip_label, text);
    }
  aios_journal_model_set_filter (self->model,
                                 run_id,
                                 kind < G_N_ELEMENTS (kind_prefixes) ? kind_prefixes[kind] : NULL,
                                 (AiosJournalShow) gtk_drop_down_get_selected (self->show_dropdown),
                                 gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
on_run_chip_clicked (AiosTimelinePage *self)
{
  set_run_filter (self, 0);
}

/* ---- rows ---- */

static void
setup_row (GtkListItemFactory *factory,
           GtkListItem        *item,
           gpointer            user_data)
{
  gtk_list_item_set_child (item, aios_journal_row_new ());
}

static gboolean
same_day (gint64 a_ms,
          gint64 b_ms)
{
  g_autoptr(GDateTime) a = g_date_time_new_from_unix_local (a_ms / 1000);
  g_autoptr(GDateTime) b = g_date_time_new_from_unix_local (b_ms / 1000);

  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

static void
bind_row (GtkListItemFactory *factory,
          GtkListItem        *item,
          AiosTimelinePage   *self)
{
  AiosJournalEntry *entry = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  gboolean show_day = TRUE;

  if (entry == NULL)
    return;
  if (position > 0)
    {
      g_autoptr(AiosJournalEntry) newer = g_list_model_get_item (G_LIST_MODEL (self->model), position - 1);

      if (newer != NULL)
        show_day = !same_day (aios_journal_entry_get_event (newer)->ts, aios_journal_entry_get_event (entry)->ts);
    }
  aios_journal_row_set_entry (AIOS_JOURNAL_ROW (gtk_list_item_get_child (item)), entry, show_day,
                              run_label (self, aios_journal_entry_get_event (entry)->run_id));
}

static void
unbind_row (GtkListItemFactory *factory,
            GtkListItem        *item,
            gpointer            user_data)
{
  aios_journal_row_set_entry (AIOS_JOURNAL_ROW (gtk_list_item_get_child (item)), NULL, FALSE, NULL);
}

/* ---- the detail pane ---- */

/* "timeline.only-run": the Timeline narrowed to the target run. */
static void
on_only_run (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  set_run_filter (AIOS_TIMELINE_PAGE (widget), g_variant_get_int64 (parameter));
}

static void
show_event (AiosTimelinePage *self,
            AiosJournalEntry *entry)
{
  const AiosEvent *event = aios_journal_entry_get_event (entry);

  aios_event_detail_set_entry (self->event_detail, self->workspace, entry,
                               event->run_id != 0 ? run_label (self, event->run_id) : NULL,
                               aios_journal_model_get_run_id (self->model) != event->run_id);
  gtk_stack_set_visible_child_name (self->detail_stack, "event");
}

static void
on_selected (AiosTimelinePage *self)
{
  AiosJournalEntry *entry = gtk_single_selection_get_selected_item (self->selection);

  if (entry == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  show_event (self, entry);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->detail_pane);
}

static void
on_back_clicked (AiosTimelinePage *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
on_folded (AiosTimelinePage *self)
{
  gtk_widget_set_visible (self->back_button, adw_leaflet_get_folded (self->leaflet));
}

/* ---- the object ---- */

static void
aios_timeline_page_dispose (GObject *object)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_TIMELINE_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->run_labels, g_hash_table_unref);
  G_OBJECT_CLASS (aios_timeline_page_parent_class)->dispose (object);
}

static void
aios_timeline_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

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
aios_timeline_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_timeline_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_timeline_page_class_init (AiosTimelinePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_timeline_page_dispose;
  object_class->get_property = aios_timeline_page_get_property;
  object_class->set_property = aios_timeline_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-timeline-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, status_page);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, list_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, show_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, run_chip);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, run_chip_label);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, run_chip_button);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, list_view);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, event_detail);
  gtk_widget_class_install_action (widget_class, "timeline.only-run", "x", on_only_run);
  g_type_ensure (AIOS_TYPE_EVENT_DETAIL);
}

static void
aios_timeline_page_init (AiosTimelinePage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->run_labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);

  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->show_dropdown, "notify::selected", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->run_chip_button, "clicked", G_CALLBACK (on_run_chip_clicked), self);
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (on_back_clicked), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (on_folded), self);
  update_view (self);
}

GtkWidget *
aios_timeline_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_TIMELINE_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_timeline_page_get_workspace (AiosTimelinePage *self)
{
  g_return_val_if_fail (AIOS_IS_TIMELINE_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_timeline_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_timeline_page_set_workspace (AiosTimelinePage *self,
                                  AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_TIMELINE_PAGE (self));

  if (!g_set_object (&self->workspace, workspace))
    return;

  gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_hash_table_remove_all (self->run_labels);
  gtk_stack_set_visible_child_name (self->detail_stack, "none");
  if (workspace != NULL)
    {
      self->model = aios_journal_model_new (aios_workspace_get_store (workspace));
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect_object (self->model, "notify::loaded", G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->model, "items-changed", G_CALLBACK (update_view), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->selection, "notify::selected", G_CALLBACK (on_selected), self, G_CONNECT_SWAPPED);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
      apply_filter (self);
    }
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}

/**
 * aios_timeline_page_get_model:
 *
 * Returns: (transfer none) (nullable): the journal as the list shows it
 */
GListModel *
aios_timeline_page_get_model (AiosTimelinePage *self)
{
  g_return_val_if_fail (AIOS_IS_TIMELINE_PAGE (self), NULL);
  return G_LIST_MODEL (self->model);
}

/* Shows only @run_id's events (0: every run's). */
void
aios_timeline_page_show_run (AiosTimelinePage *self,
                             gint64            run_id)
{
  g_return_if_fail (AIOS_IS_TIMELINE_PAGE (self));
  set_run_filter (self, run_id);
}

/* The event aios_timeline_page_show_event() asked for, once the model has
 * it: among the newest of one run's events, so only the first rows are read. */
static void
select_pending_event (AiosTimelinePage *self,
                      guint             n)
{
  if (self->pending_event == 0 || self->model == NULL || !aios_journal_model_get_loaded (self->model))
    return;
  for (guint i = 0; i < MIN (n, 500); i++)
    {
      g_autoptr(AiosJournalEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      const AiosEvent *event = entry != NULL ? aios_journal_entry_get_event (entry) : NULL;

      if (event != NULL && event->id == self->pending_event)
        {
          self->pending_event = 0;
          aios_timeline_page_select (self, i);
          return;
        }
    }
}

/**
 * aios_timeline_page_show_event:
 * @run_id: the event's run, or 0
 * @event_id: the event to select
 *
 * Shows @run_id's events (or all) and selects @event_id in them once listed.
 */
void
aios_timeline_page_show_event (AiosTimelinePage *self,
                               gint64            run_id,
                               gint64            event_id)
{
  g_return_if_fail (AIOS_IS_TIMELINE_PAGE (self));
  self->pending_event = event_id;
  set_run_filter (self, run_id);
  update_view (self);
}

/* Selects the event at @position and shows it in the detail pane. */
void
aios_timeline_page_select (AiosTimelinePage *self,
                           guint             position)
{
  g_return_if_fail (AIOS_IS_TIMELINE_PAGE (self));
  if (self->selection != NULL)
    gtk_single_selection_set_selected (self->selection, position);
}
