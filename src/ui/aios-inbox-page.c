/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Inbox: what waits for the operator. On the left, outward actions
 * (emails, invoices, webhooks) waiting for a decision and runs that failed
 * and need attention; on the right the selected one as it will go out, why
 * it was proposed, and Reject… / Edit / Approve. The list follows the
 * workspace: it is read again (in an idle, coalesced) after every commit
 * into an AiosInboxModel, which keeps the items that stayed and splices in
 * what arrived, so the bound rows, the selection and focus stay put.
 * Another process's writes (a command line, a headless instance) are seen
 * by polling SQLite's data_version, which costs next to nothing.
 * The empty state appears only when nothing waits.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approval-row.h"
#include "aios-approval-view.h"
#include "app/aios-demo.h"
#include "aios-inbox-model.h"
#include "aios-inbox-page.h"
#include "aios-memory-page.h"
#include "aios-window.h"
#include "control/aios-approvals.h"
#include "control/aios-outbox.h"
#include "control/aios-runs.h"
#include "store/aios-config.h"

#define ACTOR "operator"

struct _AiosInboxPage
{
  AdwBin            parent_instance;

  AiosWorkspace    *workspace;
  AiosInboxModel   *model;
  guint             reload_source;
  guint             age_source;
  guint             poll_source;
  gint64            data_version;
  guint             n_items;
  gboolean          needs_attention;
  gboolean          editing;
  gint64            pending_select;       /* an approval to select once listed */
  AiosInboxItemKind shown_kind;
  gint64            shown_id;             /* what the detail shows, 0 for nothing */
  gint64            unknown_approval;     /* the shown run's action of unknown outcome, or 0 */
  GArray           *watched;              /* approvals approved here, until their send ends */
  AdwToast         *progress_toast;       /* (weak) "Sending to … in 5 s", until it is sent */

  AdwToastOverlay  *toast_overlay;
  GtkStack         *stack;
  AdwStatusPage    *status_page;
  GtkWidget        *demo_button;
  AdwLeaflet       *leaflet;
  GtkListBox       *list;
  GtkWidget        *detail_pane;
  GtkStack         *detail_stack;
  AiosApprovalView *approval_view;
  AdwStatusPage    *run_page;
  GtkWidget        *mark_sent_button;
  GtkWidget        *send_again_button;
  GtkWidget        *retry_button;
};

G_DEFINE_FINAL_TYPE (AiosInboxPage, aios_inbox_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  PROP_N_ITEMS,
  PROP_NEEDS_ATTENTION,
  PROP_EDITING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_actions (AiosInboxPage *self);
static void report_sends   (AiosInboxPage *self);

static char *
run_title (AiosStore         *store,
           const AiosRunInfo *info)
{
  g_autofree char *name = aios_runs_get_input_name (store, info->id, NULL);

  /* Translators: an inbox title for a run that failed; %s is who it was for */
  if (name != NULL)
    return g_strdup_printf (_("Run for %s failed"), name);
  /* Translators: an inbox title for a run that failed */
  return g_strdup_printf (_("Run %" PRId64 " failed"), info->id);
}

/* The list */

static GtkWidget *
section_header (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return aios_approval_row_new_for_item (item);
}

/* Headers only when both kinds are listed. */
static void
header_rows (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       user_data)
{
  AiosInboxPage *self = user_data;
  AiosInboxItemKind kind = aios_approval_row_get_kind (AIOS_APPROVAL_ROW (row));
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->list, 0);
  GtkWidget *header = NULL;
  gboolean mixed = first != NULL &&
                   aios_approval_row_get_kind (AIOS_APPROVAL_ROW (first)) == AIOS_INBOX_ITEM_APPROVAL &&
                   self->needs_attention;

  if (mixed && (before == NULL || aios_approval_row_get_kind (AIOS_APPROVAL_ROW (before)) != kind))
    header = section_header (kind == AIOS_INBOX_ITEM_APPROVAL ? _("Waiting for Approval") : _("Needs Attention"));
  gtk_list_box_row_set_header (row, header);
}

static AiosApprovalRow *
find_row (AiosInboxPage     *self,
          AiosInboxItemKind  kind,
          gint64             id)
{
  guint position;

  if (aios_inbox_model_find (self->model, kind, id, &position) == NULL)
    return NULL;
  return AIOS_APPROVAL_ROW (gtk_list_box_get_row_at_index (self->list, (int) position));
}

static void
set_editing (AiosInboxPage *self,
             gboolean       editing)
{
  aios_approval_view_set_editing (self->approval_view, editing);
  editing = aios_approval_view_get_editing (self->approval_view);
  if (self->editing == editing)
    return;
  self->editing = editing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITING]);
}

static void
show_approval (AiosInboxPage *self,
               gint64         id,
               const char    *title)
{
  AiosStore *store = aios_workspace_get_store (self->workspace);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (store, id, &error);
  g_autoptr(AiosFlow) flow = NULL;

  if (info == NULL)
    {
      g_warning ("Could not read approval %" PRId64 ": %s", id, error->message);
      return;
    }
  flow = aios_flow_registry_lookup (aios_workspace_get_flows (self->workspace), info->flow_id, NULL);
  aios_approval_view_show (self->approval_view, self->workspace, info,
                           aios_approval_info_get_preview_kind (info, aios_workspace_get_connectors (self->workspace)),
                           title, flow ? aios_flow_get_title (flow) : NULL);
  set_editing (self, FALSE);
  gtk_stack_set_visible_child_name (self->detail_stack, "approval");
}

static void
show_run (AiosInboxPage *self,
          gint64         id,
          const char    *title)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRunInfo) info = aios_run_info_get (aios_workspace_get_store (self->workspace), id, &error);
  g_autoptr(AiosFlow) flow = NULL;
  g_autofree char *about = NULL;
  g_autofree char *description = NULL;

  if (info == NULL)
    {
      g_warning ("Could not read run %" PRId64 ": %s", id, error->message);
      return;
    }
  flow = aios_flow_registry_lookup (aios_workspace_get_flows (self->workspace), info->flow_id, NULL);
  /* Translators: what a failed run was doing: the flow's title, the run's number, the step */
  about = g_strdup_printf (_("“%s”, run %" PRId64 ", stopped at step “%s”."),
                           flow ? aios_flow_get_title (flow) : info->flow_id, info->id,
                           info->step_name ? info->step_name : "");
  description = g_strdup_printf ("%s\n\n%s", about, info->attention ? info->attention : "");

  /* An action that may or may not have gone out: the operator says which
   * (Mark as Sent, Send Again); retrying would send it with a new key. */
  self->unknown_approval = 0;
  {
    g_autoptr(GPtrArray) items = aios_outbox_list_run (aios_workspace_get_store (self->workspace), id, NULL);

    for (guint i = 0; items != NULL && i < items->len; i++)
      {
        const AiosOutboxItem *item = items->pdata[i];

        if (g_str_equal (item->status, "unknown") && item->approval_id > 0)
          self->unknown_approval = item->approval_id;
      }
  }
  gtk_widget_set_visible (self->mark_sent_button, self->unknown_approval > 0);
  gtk_widget_set_visible (self->send_again_button, self->unknown_approval > 0);
  gtk_widget_set_visible (self->retry_button, self->unknown_approval == 0);
  adw_status_page_set_title (self->run_page, title);
  adw_status_page_set_description (self->run_page, description);
  set_editing (self, FALSE);
  gtk_stack_set_visible_child_name (self->detail_stack, "run");
}

static void
row_selected_cb (AiosInboxPage *self,
                 GtkListBoxRow *row)
{
  AiosApprovalRow *item = row ? AIOS_APPROVAL_ROW (row) : NULL;

  if (item == NULL)
    {
      self->shown_id = 0;
      update_actions (self);
      return;
    }
  if (aios_approval_row_get_kind (item) == self->shown_kind && aios_approval_row_get_id (item) == self->shown_id)
    return;
  self->shown_kind = aios_approval_row_get_kind (item);
  self->shown_id = aios_approval_row_get_id (item);
  if (self->shown_kind == AIOS_INBOX_ITEM_APPROVAL)
    show_approval (self, self->shown_id, aios_approval_row_get_title (item));
  else
    show_run (self, self->shown_id, aios_approval_row_get_title (item));
  update_actions (self);
}

static void
row_activated_cb (AiosInboxPage *self,
                  GtkListBoxRow *row)
{
  adw_leaflet_set_visible_child (self->leaflet, self->detail_pane);
}

static gboolean
workspace_has_runs (AiosStore *store)
{
  return aios_runs_any (store, NULL);
}

static void
set_counts (AiosInboxPage *self,
            guint          n_items,
            gboolean       needs_attention)
{
  if (self->n_items != n_items)
    {
      self->n_items = n_items;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  if (self->needs_attention != needs_attention)
    {
      self->needs_attention = needs_attention;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_ATTENTION]);
    }
}

/**
 * aios_inbox_page_reload:
 *
 * Reads what waits from the workspace now (normally done after each commit).
 */
void
aios_inbox_page_reload (AiosInboxPage *self)
{
  AiosStore *store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) approvals = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GtkListBoxRow *selected;
  GtkRoot *root;
  GtkWidget *focus;
  gboolean list_had_focus;
  int selected_index = -1;
  guint n_runs = 0;

  g_return_if_fail (AIOS_IS_INBOX_PAGE (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->workspace == NULL)
    return;
  store = aios_workspace_get_store (self->workspace);

  approvals = aios_approval_info_list (store, TRUE, 0, 0, &error);
  if (approvals != NULL)
    runs = aios_run_info_list (store, TRUE, 0, 0, &error);
  if (approvals == NULL || runs == NULL)
    {
      adw_status_page_set_icon_name (self->status_page, "dialog-error-symbolic");
      adw_status_page_set_title (self->status_page, _("The Inbox Could Not Be Read"));
      adw_status_page_set_description (self->status_page, error->message);
      gtk_widget_set_visible (self->demo_button, FALSE);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < approvals->len; i++)
    {
      AiosApprovalInfo *info = approvals->pdata[i];
      AiosInboxItem *listed = aios_inbox_model_find (self->model, AIOS_INBOX_ITEM_APPROVAL, info->id, NULL);
      g_autoptr(AiosActionDescription) description = NULL;

      /* The texts of an item already listed are kept: only arrivals are described. */
      if (listed != NULL)
        {
          g_ptr_array_add (items, g_object_ref (listed));
          continue;
        }
      description = aios_approval_info_describe (info, aios_workspace_get_connectors (self->workspace));
      g_ptr_array_add (items, aios_inbox_item_new (AIOS_INBOX_ITEM_APPROVAL, info->id,
                                                   aios_approval_info_get_icon_name (info, aios_workspace_get_connectors (self->workspace)),
                                                   description->title, description->subtitle, info->created_at));
    }
  for (guint i = 0; i < runs->len; i++)
    {
      AiosRunInfo *info = runs->pdata[i];
      AiosInboxItem *listed;
      g_autofree char *title = NULL;

      if (info->attention == NULL)
        continue;
      n_runs++;
      listed = aios_inbox_model_find (self->model, AIOS_INBOX_ITEM_RUN, info->id, NULL);
      if (listed != NULL)
        {
          g_ptr_array_add (items, g_object_ref (listed));
          continue;
        }
      title = run_title (store, info);
      g_ptr_array_add (items, aios_inbox_item_new (AIOS_INBOX_ITEM_RUN, info->id, "dialog-warning-symbolic",
                                                   title, info->attention, info->updated_at));
    }
  set_counts (self, items->len, n_runs > 0);

  /* Items that left take their rows with them; the selection (and the
   * keyboard, when it was on the list) moves to the row that takes the
   * place of the selected one. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root ? gtk_root_get_focus (root) : NULL;
  list_had_focus = focus != NULL && (focus == GTK_WIDGET (self->list) ||
                                     gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list)));
  selected = gtk_list_box_get_selected_row (self->list);
  if (selected != NULL)
    selected_index = gtk_list_box_row_get_index (selected);
  aios_inbox_model_update (self->model, items);
  gtk_list_box_invalidate_headers (self->list);
  report_sends (self);

  if (self->n_items == 0)
    {
      adw_status_page_set_icon_name (self->status_page, "mail-unread-symbolic");
      adw_status_page_set_title (self->status_page, _("Nothing Waits for You"));
      adw_status_page_set_description (self->status_page,
                                       _("When an agent wants to send an email, an invoice or a webhook, it waits "
                                         "here until you approve, edit or reject it. Runs that fail wait here too."));
      gtk_widget_set_visible (self->demo_button, !workspace_has_runs (store));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      self->shown_id = 0;
      update_actions (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "content");

  if (self->pending_select > 0 && aios_inbox_page_select_approval (self, self->pending_select))
    return;
  if (gtk_list_box_get_selected_row (self->list) == NULL)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list, MAX (selected_index, 0));

      if (row == NULL)
        row = gtk_list_box_get_row_at_index (self->list, (int) self->n_items - 1);
      gtk_list_box_select_row (self->list, row);
    }
  selected = gtk_list_box_get_selected_row (self->list);
  focus = root ? gtk_root_get_focus (root) : NULL;
  if (selected != NULL && (list_had_focus || (focus == NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))))
    gtk_widget_grab_focus (GTK_WIDGET (selected));
  update_actions (self);
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  AiosInboxPage *self = user_data;

  self->reload_source = 0;
  aios_inbox_page_reload (self);
  return G_SOURCE_REMOVE;
}

/* Commits come in bursts while the coordinator works: read once after. */
static void
committed_cb (AiosInboxPage *self)
{
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, 50, reload_idle_cb, self, NULL);
}

static gint64
data_version (AiosStore *store)
{
  return aios_store_get_data_version (store);
}

/* Commits of other processes do not emit "committed" here. */
static gboolean
poll_cb (gpointer user_data)
{
  AiosInboxPage *self = user_data;
  gint64 version;

  if (self->workspace == NULL || aios_store_in_transaction (aios_workspace_get_store (self->workspace)))
    return G_SOURCE_CONTINUE;
  version = data_version (aios_workspace_get_store (self->workspace));
  if (version != self->data_version)
    {
      self->data_version = version;
      committed_cb (self);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
age_tick_cb (gpointer user_data)
{
  AiosInboxPage *self = user_data;
  gint64 now = g_get_real_time () / 1000;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (AIOS_IS_APPROVAL_ROW (child))
      aios_approval_row_update_age (AIOS_APPROVAL_ROW (child), now);
  return G_SOURCE_CONTINUE;
}

/* Decisions */

static void
toast (AiosInboxPage *self,
       const char    *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (markup);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static AiosApprovalRow *
selected_item (AiosInboxPage     *self,
               AiosInboxItemKind  kind)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  if (row == NULL || aios_approval_row_get_kind (AIOS_APPROVAL_ROW (row)) != kind)
    return NULL;
  return AIOS_APPROVAL_ROW (row);
}

/* "14:02" in local time. */
static char *
format_clock (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (ts_ms / 1000);

  return when != NULL ? g_date_time_format (when, "%H:%M") : g_strdup ("?");
}

/* Who an approval's action goes to, for a toast: the address, else what
 * its row says. */
static char *
recipient_of (const AiosApprovalInfo *info)
{
  char *to = aios_approval_info_dup_recipient (info);

  return to != NULL ? to : g_strdup (info->run_name != NULL ? info->run_name : info->action_kind);
}

/* Approvals decided here are watched until their send ends, so the
 * operator learns "Sent to dana@… at 14:02" (or that it was not). */
static void
report_sends (AiosInboxPage *self)
{
  AiosStore *store;

  if (self->workspace == NULL || self->watched == NULL)
    return;
  store = aios_workspace_get_store (self->workspace);
  for (guint i = self->watched->len; i-- > 0;)
    {
      gint64 id = g_array_index (self->watched, gint64, i);
      g_autoptr(AiosOutboxItem) item = aios_outbox_find_for_approval (store, id, NULL);
      g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (store, id, NULL);
      g_autofree char *to = NULL;
      g_autofree char *text = NULL;
      g_autofree char *when = NULL;

      if (item == NULL || info == NULL)
        {
          g_array_remove_index (self->watched, i);
          continue;
        }
      if (g_str_equal (item->status, "prepared") || g_str_equal (item->status, "sending"))
        continue;
      g_array_remove_index (self->watched, i);
      to = recipient_of (info);
      when = format_clock (item->updated_at);
      if (g_str_equal (item->status, "sent"))
        /* Translators: a toast after an approved action went out; %s: an address, then a time like 14:02 */
        text = g_strdup_printf (_("Sent to %s at %s"), to, when);
      else if (g_str_equal (item->status, "failed"))
        /* Translators: a toast; %s: an address, then the server's answer */
        text = g_strdup_printf (_("Not sent to %s: %s"), to, item->error ? item->error : "");
      else if (g_str_equal (item->status, "unknown"))
        /* Translators: a toast; %s is an address */
        text = g_strdup_printf (_("It is not known whether it reached %s; the Inbox asks you what happened"), to);
      if (text != NULL)
        {
          g_autofree char *markup = g_markup_escape_text (text, -1);
          AdwToast *t = adw_toast_new (markup);

          /* What happened replaces what was about to. */
          if (self->progress_toast != NULL)
            adw_toast_dismiss (self->progress_toast);
          adw_toast_set_timeout (t, 5);
          adw_toast_set_priority (t, ADW_TOAST_PRIORITY_HIGH);
          adw_toast_overlay_add_toast (self->toast_overlay, t);
        }
    }
}

static void
show_progress (AiosInboxPage *self,
               AdwToast      *t)
{
  if (self->progress_toast != NULL)
    adw_toast_dismiss (self->progress_toast);
  g_set_weak_pointer (&self->progress_toast, t);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
watch_send (AiosInboxPage *self,
            gint64         approval_id)
{
  if (self->watched == NULL)
    self->watched = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (self->watched, approval_id);
}

/* When the approval's action will be sent (ms), inside its undo grace; 0
 * when it goes at once. */
static gint64
grace_end (AiosInboxPage *self,
           gint64         approval_id)
{
  AiosStore *store = aios_workspace_get_store (self->workspace);
  g_autoptr(AiosOutboxItem) item = aios_outbox_find_for_approval (store, approval_id, NULL);
  g_autoptr(AiosStepInfo) step = NULL;

  if (item == NULL || !g_str_equal (item->status, "prepared") || item->attempts > 0)
    return 0;
  step = aios_runs_get_step (store, item->step_id, NULL, NULL);
  if (step == NULL || g_strcmp0 (step->status, "waiting") != 0 || g_strcmp0 (step->phase, "send") != 0 ||
      step->next_attempt_at <= aios_store_now_ms ())
    return 0;
  return step->next_attempt_at;
}

static void
approve_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);
  AiosApprovalRow *row = selected_item (self, AIOS_INBOX_ITEM_APPROVAL);
  const AiosApprovalInfo *info = aios_approval_view_get_approval (self->approval_view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) edits = NULL;
  g_autofree char *text = NULL;
  gint64 send_at;

  if (row == NULL || info == NULL || info->id != aios_approval_row_get_id (row))
    return;
  edits = aios_approval_view_get_edits (self->approval_view);
  if (!aios_coordinator_approve (aios_workspace_get_coordinator (self->workspace), info->id, edits, ACTOR, NULL,
                                 &error))
    {
      toast (self, error->message);
      return;
    }
  watch_send (self, info->id);
  send_at = grace_end (self, info->id);
  if (send_at > 0)
    {
      g_autofree char *who = g_strdup (info->run_name != NULL ? info->run_name : NULL);
      gint64 seconds = MAX (1, (send_at - aios_store_now_ms () + 500) / 1000);
      g_autofree char *markup = NULL;
      AdwToast *t;

      if (who == NULL)
        who = recipient_of (info);
      /* Translators: a toast with an Undo button; %s is who it goes to, then the seconds left */
      text = g_strdup_printf (_("Sending to %s in %" PRId64 " s"), who, seconds);
      markup = g_markup_escape_text (text, -1);
      t = adw_toast_new (markup);
      adw_toast_set_timeout (t, (guint) seconds);
      adw_toast_set_priority (t, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_button_label (t, _("_Undo"));
      adw_toast_set_action_name (t, "inbox.undo");
      adw_toast_set_action_target_value (t, g_variant_new_int64 (info->id));
      show_progress (self, t);
    }
  else
    {
      /* Translators: a toast; %s is an inbox title such as “Email to Dana Whitfield” */
      text = g_strdup_printf (edits ? _("%s approved with your changes") : _("%s approved"),
                              aios_approval_view_get_title (self->approval_view));
      toast (self, text);
    }
  aios_inbox_page_reload (self);
}

static void
undo_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);
  gint64 id = g_variant_get_int64 (parameter);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;

  if (self->workspace == NULL)
    return;
  if (!aios_coordinator_undo (aios_workspace_get_coordinator (self->workspace), id, ACTOR, &error))
    {
      toast (self, error->message);
      return;
    }
  info = aios_approval_info_get (aios_workspace_get_store (self->workspace), id, NULL);
  to = info != NULL ? recipient_of (info) : g_strdup ("");
  /* Translators: a toast after Undo; %s is who it would have gone to */
  text = g_strdup_printf (_("Taken back: nothing was sent to %s"), to);
  toast (self, text);
  self->pending_select = id;
  aios_inbox_page_reload (self);
}

typedef struct {
  AiosInboxPage      *page;
  gint64              approval_id;
  AiosResolveOutcome  outcome;
} ResolveData;

static void
resolve_data_free (gpointer  user_data,
                   GClosure *closure)
{
  ResolveData *data = user_data;

  g_clear_weak_pointer (&data->page);
  g_free (data);
}

static void
resolve_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     ResolveData      *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;

  if (data->page == NULL || !g_str_equal (response, "resolve"))
    return;
  if (!aios_coordinator_resolve (aios_workspace_get_coordinator (data->page->workspace), data->approval_id,
                                 data->outcome, ACTOR, &error))
    {
      toast (data->page, error->message);
      return;
    }
  info = aios_approval_info_get (aios_workspace_get_store (data->page->workspace), data->approval_id, NULL);
  to = info != NULL ? recipient_of (info) : g_strdup ("");
  if (data->outcome == AIOS_RESOLVE_SENT)
    /* Translators: a toast; %s is who it went to */
    text = g_strdup_printf (_("Recorded as sent to %s; nothing was resent"), to);
  else
    {
      g_autofree char *markup = NULL;

      /* Translators: a toast; %s is who it goes to */
      text = g_strdup_printf (_("Sending to %s again, with the same idempotency key"), to);
      markup = g_markup_escape_text (text, -1);
      watch_send (data->page, data->approval_id);
      show_progress (data->page, adw_toast_new (markup));
      aios_inbox_page_reload (data->page);
      return;
    }
  toast (data->page, text);
  aios_inbox_page_reload (data->page);
}

static void
ask_resolve (AiosInboxPage      *self,
             AiosResolveOutcome  outcome)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autofree char *to = NULL;
  g_autofree char *heading = NULL;
  ResolveData *data;
  GtkWidget *dialog;

  if (self->workspace == NULL || self->unknown_approval == 0)
    return;
  info = aios_approval_info_get (aios_workspace_get_store (self->workspace), self->unknown_approval, NULL);
  if (info == NULL)
    return;
  to = recipient_of (info);
  if (outcome == AIOS_RESOLVE_SENT)
    {
      /* Translators: a dialog heading; %s is who it went to */
      heading = g_strdup_printf (_("Mark as Sent to %s?"), to);
      dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                       _("Choose this when you know it arrived (it is in your sent mail, or the "
                                         "recipient has it). It is recorded as sent, nothing is sent again, and "
                                         "the run goes on from its next step."));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "resolve", _("_Mark as Sent"), NULL);
    }
  else
    {
      /* Translators: a dialog heading; %s is who it goes to */
      heading = g_strdup_printf (_("Send Again to %s?"), to);
      dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                       _("Choose this when it did not arrive. It is sent again with the same "
                                         "idempotency key: an email keeps its Message-ID, so a server or mail "
                                         "program that already has it treats the two as one message; a service "
                                         "that keeps keys drops the duplicate."));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "resolve", _("_Send Again"), NULL);
    }
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "resolve", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  data = g_new0 (ResolveData, 1);
  g_set_weak_pointer (&data->page, self);
  data->approval_id = self->unknown_approval;
  data->outcome = outcome;
  g_signal_connect_data (dialog, "response", G_CALLBACK (resolve_response_cb), data, resolve_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
mark_sent_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ask_resolve (AIOS_INBOX_PAGE (widget), AIOS_RESOLVE_SENT);
}

static void
send_again_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ask_resolve (AIOS_INBOX_PAGE (widget), AIOS_RESOLVE_SEND_AGAIN);
}

typedef struct {
  AiosInboxPage *page;
  gint64         approval_id;
  char          *title;
  GtkEditable   *entry;
} RejectData;

static void
reject_data_free (gpointer  user_data,
                  GClosure *closure)
{
  RejectData *data = user_data;

  g_clear_weak_pointer (&data->page);
  g_free (data->title);
  g_free (data);
}

static void
reason_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "reject", *reason != '\0');
}

static void
reject_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    RejectData       *data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *text = NULL;

  if (data->page == NULL || !g_str_equal (response, "reject"))
    return;
  reason = g_strstrip (g_strdup (gtk_editable_get_text (data->entry)));
  if (*reason == '\0')
    return;
  if (!aios_coordinator_reject (aios_workspace_get_coordinator (data->page->workspace), data->approval_id, ACTOR,
                                reason, &error))
    {
      toast (data->page, error->message);
      return;
    }
  /* Translators: a toast; %s is an inbox title such as “Email to Dana Whitfield” */
  text = g_strdup_printf (_("%s rejected"), data->title);
  toast (data->page, text);
  aios_inbox_page_reload (data->page);
}

static void
reject_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);
  AiosApprovalRow *row = selected_item (self, AIOS_INBOX_ITEM_APPROVAL);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *heading = NULL;
  RejectData *data;
  GtkWidget *dialog;
  GtkWidget *entry;

  if (row == NULL)
    return;
  /* Translators: a dialog heading; %s is an inbox title such as “Email to Dana Whitfield” */
  heading = g_strdup_printf (_("Reject %s?"), aios_approval_row_get_title (row));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Nothing will be sent and the run stops. Your reason is kept in memory as a "
                                     "decision record, so the agents can learn from it."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "reject", _("_Reject"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reject", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "reject", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "reject");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Why not?"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_signal_connect_object (entry, "changed", G_CALLBACK (reason_changed_cb), dialog, 0);

  data = g_new0 (RejectData, 1);
  g_set_weak_pointer (&data->page, self);
  data->approval_id = aios_approval_row_get_id (row);
  data->title = g_strdup (aios_approval_row_get_title (row));
  data->entry = GTK_EDITABLE (entry);
  g_signal_connect_data (dialog, "response", G_CALLBACK (reject_response_cb), data,
                         reject_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);
  AiosApprovalRow *row = selected_item (self, AIOS_INBOX_ITEM_RUN);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 child;

  if (row == NULL)
    return;
  child = aios_coordinator_retry (aios_workspace_get_coordinator (self->workspace), aios_approval_row_get_id (row),
                                  ACTOR, &error);
  if (child == 0)
    {
      toast (self, error->message);
      return;
    }
  /* Translators: a toast after retrying a failed run */
  text = g_strdup_printf (_("Run %" PRId64 " retried as run %" PRId64),
                          aios_approval_row_get_id (row), child);
  toast (self, text);
  aios_inbox_page_reload (self);
}

static void
load_demo_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);
  g_autoptr(GError) error = NULL;
  guint runs = 0;

  if (self->workspace == NULL)
    return;
  if (!aios_demo_load (self->workspace, &runs, &error))
    {
      toast (self, error->message);
      return;
    }
  gtk_widget_set_visible (self->demo_button, FALSE);
  if (runs > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Sample company loaded; %u lead is on its way here",
                                                            "Sample company loaded; %u leads are on their way here",
                                                            runs), runs);
      toast (self, text);
    }
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
open_record_cb (AiosInboxPage *self,
                gint64         record_id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *memory;

  if (!AIOS_IS_WINDOW (root))
    return;
  memory = adw_view_stack_get_child_by_name (aios_window_get_stack (AIOS_WINDOW (root)), "memory");
  if (!AIOS_IS_MEMORY_PAGE (memory))
    return;
  aios_window_show_page (AIOS_WINDOW (root), "memory");
  aios_memory_page_show_record (AIOS_MEMORY_PAGE (memory), record_id);
}

static void
update_actions (AiosInboxPage *self)
{
  gboolean approval = selected_item (self, AIOS_INBOX_ITEM_APPROVAL) != NULL &&
                      gtk_stack_get_visible_child_name (self->stack) != NULL &&
                      g_str_equal (gtk_stack_get_visible_child_name (self->stack), "content");
  gboolean run = selected_item (self, AIOS_INBOX_ITEM_RUN) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.approve", approval);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.reject", approval);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.edit",
                                 approval && aios_approval_view_can_edit (self->approval_view));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.retry", run);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.mark-sent", run && self->unknown_approval > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inbox.send-again", run && self->unknown_approval > 0);
}

/* GObject */

static void
disconnect_workspace (AiosInboxPage *self)
{
  if (self->workspace == NULL)
    return;
  g_signal_handlers_disconnect_by_data (aios_workspace_get_store (self->workspace), self);
}

static void
aios_inbox_page_dispose (GObject *object)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_handle_id (&self->age_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  disconnect_workspace (self);
  if (self->list != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->list, self);
      gtk_list_box_set_header_func (self->list, NULL, NULL, NULL);
      gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
    }
  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_INBOX_PAGE);
  g_clear_object (&self->workspace);
  g_clear_object (&self->model);
  g_clear_pointer (&self->watched, g_array_unref);
  g_clear_weak_pointer (&self->progress_toast);
  G_OBJECT_CLASS (aios_inbox_page_parent_class)->dispose (object);
}

static void
aios_inbox_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_NEEDS_ATTENTION:
      g_value_set_boolean (value, self->needs_attention);
      break;
    case PROP_EDITING:
      g_value_set_boolean (value, self->editing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_inbox_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AiosInboxPage *self = AIOS_INBOX_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_inbox_page_set_workspace (self, g_value_get_object (value));
      break;
    case PROP_EDITING:
      set_editing (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_inbox_page_class_init (AiosInboxPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_inbox_page_dispose;
  object_class->get_property = aios_inbox_page_get_property;
  object_class->set_property = aios_inbox_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What the view switcher's badge shows: how many items wait. */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether a run failed and waits for the operator. */
  properties[PROP_NEEDS_ATTENTION] =
    g_param_spec_boolean ("needs-attention", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the shown email's subject and message are editable. */
  properties[PROP_EDITING] =
    g_param_spec_boolean ("editing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AIOS_TYPE_APPROVAL_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-inbox-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, list);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, approval_view);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, run_page);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, mark_sent_button);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, send_again_button);
  gtk_widget_class_bind_template_child (widget_class, AiosInboxPage, retry_button);

  gtk_widget_class_install_action (widget_class, "inbox.approve", NULL, approve_activated);
  gtk_widget_class_install_action (widget_class, "inbox.reject", NULL, reject_activated);
  gtk_widget_class_install_property_action (widget_class, "inbox.edit", "editing");
  gtk_widget_class_install_action (widget_class, "inbox.retry", NULL, retry_activated);
  gtk_widget_class_install_action (widget_class, "inbox.undo", "x", undo_activated);
  gtk_widget_class_install_action (widget_class, "inbox.mark-sent", NULL, mark_sent_activated);
  gtk_widget_class_install_action (widget_class, "inbox.send-again", NULL, send_again_activated);
  gtk_widget_class_install_action (widget_class, "inbox.load-demo", NULL, load_demo_activated);
  gtk_widget_class_install_action (widget_class, "inbox.back", NULL, back_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "inbox.approve", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "inbox.approve", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "inbox.reject", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "inbox.reject", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, 0, "inbox.edit", NULL);
}

static void
aios_inbox_page_init (AiosInboxPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->model = aios_inbox_model_new ();
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->model), create_row, NULL, NULL);
  gtk_list_box_set_header_func (self->list, header_rows, self, NULL);
  g_signal_connect_object (self->list, "row-selected", G_CALLBACK (row_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (row_activated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->approval_view, "open-record", G_CALLBACK (open_record_cb), self, G_CONNECT_SWAPPED);
  self->age_source = g_timeout_add_seconds (60, age_tick_cb, self);
  self->poll_source = g_timeout_add (1000, poll_cb, self);
  update_actions (self);
}

GtkWidget *
aios_inbox_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_INBOX_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_inbox_page_get_workspace (AiosInboxPage *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_inbox_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_inbox_page_set_workspace (AiosInboxPage *self,
                               AiosWorkspace *workspace)
{
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  g_return_if_fail (AIOS_IS_INBOX_PAGE (self));

  if (self->workspace == workspace)
    return;
  disconnect_workspace (self);
  g_set_object (&self->workspace, workspace);
  aios_inbox_model_update (self->model, none);
  self->shown_id = 0;
  if (workspace != NULL)
    {
      g_signal_connect_object (aios_workspace_get_store (workspace), "committed",
                               G_CALLBACK (committed_cb), self, G_CONNECT_SWAPPED);
      self->data_version = data_version (aios_workspace_get_store (workspace));
    }
  aios_inbox_page_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}

guint
aios_inbox_page_get_n_items (AiosInboxPage *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_PAGE (self), 0);
  return self->n_items;
}

gboolean
aios_inbox_page_get_needs_attention (AiosInboxPage *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_PAGE (self), FALSE);
  return self->needs_attention;
}

/**
 * aios_inbox_page_select_approval:
 * @approval_id: an approval, e.g. from a notification's Open button
 *
 * Selects and shows @approval_id. When it is not listed yet (the list reads
 * the workspace after commits), it is selected as soon as it is.
 *
 * Returns: whether it is listed and now selected
 */
gboolean
aios_inbox_page_select_approval (AiosInboxPage *self,
                                 gint64         approval_id)
{
  AiosApprovalRow *row;

  g_return_val_if_fail (AIOS_IS_INBOX_PAGE (self), FALSE);

  if (self->workspace != NULL)
    {
      g_autoptr(AiosApprovalInfo) info = aios_approval_info_get (aios_workspace_get_store (self->workspace),
                                                                 approval_id, NULL);

      /* Decided elsewhere meanwhile (or gone): say so instead of waiting. */
      if (info != NULL && g_strcmp0 (info->status, "pending") != 0)
        {
          g_autofree char *text = NULL;

          if (g_str_equal (info->status, "approved"))
            text = g_strdup_printf (_("Approval %" PRId64 " was already approved"), approval_id);
          else if (g_str_equal (info->status, "rejected"))
            text = g_strdup_printf (_("Approval %" PRId64 " was already rejected"), approval_id);
          else if (g_str_equal (info->status, "expired"))
            text = g_strdup_printf (_("Approval %" PRId64 " expired without a decision"), approval_id);
          else
            text = g_strdup_printf (_("Approval %" PRId64 " was cancelled"), approval_id);
          self->pending_select = 0;
          toast (self, text);
          committed_cb (self);
          return FALSE;
        }
    }
  row = find_row (self, AIOS_INBOX_ITEM_APPROVAL, approval_id);
  if (row == NULL)
    {
      self->pending_select = approval_id;
      return FALSE;
    }
  self->pending_select = 0;
  gtk_list_box_select_row (self->list, GTK_LIST_BOX_ROW (row));
  adw_leaflet_set_visible_child (self->leaflet, self->detail_pane);
  return TRUE;
}

/* Returns: the approval shown on the right, or 0 */
gint64
aios_inbox_page_get_selected_approval (AiosInboxPage *self)
{
  AiosApprovalRow *row;

  g_return_val_if_fail (AIOS_IS_INBOX_PAGE (self), 0);
  row = selected_item (self, AIOS_INBOX_ITEM_APPROVAL);
  return row ? aios_approval_row_get_id (row) : 0;
}
