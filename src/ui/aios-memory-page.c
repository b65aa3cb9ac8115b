/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Memory: the company's canonical records with their history.
 *
 * Three panes in an AdwLeaflet: the kinds with their counts, the records
 * (an AiosRecordList: lazy, keyset paging, loaded and searched on a worker
 * thread), and the selected record as a form generated from its kind's
 * schema, with its provenance, save with an optional rationale, delete or
 * restore, and its history with a diff per version and one-click revert.
 * Import and export run on a worker thread with their own connection,
 * with progress and the skipped rows shown in place.
 *
 * Widget actions (used by the template, the menu and the UI test):
 * memory.new-record (s kind), memory.show-record (x id: e.g. from the
 * records an approval used), memory.save, memory.delete (deletes or
 * restores), memory.revert (x version), memory.import, memory.export.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-memory-page.h"
#include "aios-memory-page-private.h"
#include "control/aios-coordinator.h"
#include "memory/aios-memory-kinds.h"
#include "memory/aios-record-list.h"

static gboolean is_overturnable (const AiosRecord *record);


G_DEFINE_FINAL_TYPE (AiosMemoryPage, aios_memory_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_record (AiosMemoryPage *self, gint64 id);

void
aios_memory_page_toast (AiosMemoryPage *self,
                        const char     *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

void
aios_memory_page_show_report (AiosMemoryPage *self,
                              const char     *text)
{
  gtk_label_set_text (self->report_label, text);
  gtk_revealer_set_reveal_child (self->report_revealer, text != NULL && *text != '\0');
}

/* The report's close button: the report goes away. */
static void
report_close_cb (AiosMemoryPage *self)
{
  aios_memory_page_show_report (self, "");
}

static void
show_editor_error (AiosMemoryPage *self,
                   const char     *text)
{
  gtk_label_set_text (self->editor_error, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->editor_error), text != NULL);
}

/* ---- the kinds pane ------------------------------------------------------ */

void
aios_memory_page_refresh_counts (AiosMemoryPage *self)
{
  g_autoptr(GHashTable) counts = NULL;
  guint total = 0;

  if (self->workspace == NULL)
    return;
  counts = aios_memory_count_kinds (aios_workspace_get_memory (self->workspace), NULL);
  if (counts == NULL)
    return;
  for (guint i = 0; i < self->kind_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->kind_rows, i);
      const char *kind = g_object_get_data (G_OBJECT (row), "kind");
      GtkLabel *count = g_object_get_data (G_OBJECT (row), "count");
      guint n;
      g_autofree char *text = NULL;

      if (kind == NULL)
        continue;
      n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, kind));
      total += n;
      text = g_strdup_printf ("%u", n);
      gtk_label_set_text (count, text);
    }
  if (self->kind_rows->len > 0)
    {
      GtkLabel *count = g_object_get_data (G_OBJECT (g_ptr_array_index (self->kind_rows, 0)), "count");
      g_autofree char *text = g_strdup_printf ("%u", total);
      gtk_label_set_text (count, text);
    }
  if (self->record_kind == NULL || self->record_id == 0)
    gtk_stack_set_visible_child_name (self->stack, total > 0 || self->record_kind != NULL ? "content" : "empty");
}

static GtkWidget *
kind_row_new (const char *kind,
              const char *label)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name = gtk_label_new (label);
  GtkWidget *count = gtk_label_new ("0");

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), count);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "kind", g_strdup (kind), g_free);
  g_object_set_data (G_OBJECT (row), "count", count);
  return row;
}

static void
kind_selected_cb (AiosMemoryPage *self,
                  GtkListBoxRow  *row)
{
  const char *kind = row ? g_object_get_data (G_OBJECT (row), "kind") : NULL;

  if (self->records == NULL)
    return;
  aios_record_list_set_filter (self->records, kind, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  if (row != NULL && adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
search_changed_cb (AiosMemoryPage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->kinds_list);
  const char *kind = row ? g_object_get_data (G_OBJECT (row), "kind") : NULL;

  if (self->records != NULL)
    aios_record_list_set_filter (self->records, kind, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* ---- the list ------------------------------------------------------------ */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  AiosRecordItem *record = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const AiosKindSpec *spec = aios_memory_kind_lookup (aios_record_item_get_kind (record));
  const char *sub = aios_record_item_get_subtitle (record);
  g_autofree char *line = NULL;

  gtk_label_set_text (GTK_LABEL (title), aios_record_item_get_title (record));
  line = g_strdup_printf ("%s%s%s", spec ? _(spec->label) : aios_record_item_get_kind (record),
                          sub && *sub ? " · " : "", sub ? sub : "");
  gtk_label_set_text (GTK_LABEL (subtitle), line);
}

static void
selection_changed_cb (AiosMemoryPage *self)
{
  AiosRecordItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL)
    return;
  if (aios_record_item_get_id (item) == self->record_id)
    return;
  load_record (self, aios_record_item_get_id (item));
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
}

static void
list_loaded_cb (AiosMemoryPage *self,
                const char     *error)
{
  if (error != NULL)
    aios_memory_page_show_report (self, error);
  if (self->record_id > 0)
    {
      guint pos = aios_record_list_find (self->records, self->record_id);
      if (pos != G_MAXUINT)
        gtk_single_selection_set_selected (self->selection, pos);
    }
}

/* ---- the editor ---------------------------------------------------------- */

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static char *
relative_time (gint64 ts)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ts / 1000);
  return dt ? g_date_time_format (dt, "%x %H:%M") : g_strdup ("");
}

static char *
provenance_markup (const AiosRecord *r)
{
  g_autofree char *when = relative_time (r->ts);
  g_autofree char *author = g_markup_escape_text (r->author, -1);
  g_autofree char *why = r->rationale ? g_markup_escape_text (r->rationale, -1) : NULL;
  GString *s = g_string_new (NULL);

  if (r->run_id > 0)
    /* TRANSLATORS: "Written by agent:outreach in run #412, 25/11/26 10:02 · version 3" */
    g_string_append_printf (s, _("Written by %s in <a href=\"run:%" PRId64 "\">run #%" PRId64 "</a>, %s · version %" PRId64),
                            author, r->run_id, r->run_id, when, r->version);
  else
    /* TRANSLATORS: "Written by operator, 25/11/26 10:02 · version 3" */
    g_string_append_printf (s, _("Written by %s, %s · version %" PRId64), author, when, r->version);
  if (why != NULL && *why != '\0')
    g_string_append_printf (s, " — %s", why);
  if (r->deleted)
    g_string_append_printf (s, " · <b>%s</b>", _("deleted"));
  return g_string_free (s, FALSE);
}

static gboolean
provenance_link_cb (AiosMemoryPage *self,
                    const char     *uri)
{
  if (g_str_has_prefix (uri, "run:"))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-page", "s", "timeline");
      return TRUE;
    }
  return FALSE;
}

static void
add_field_row (AiosMemoryPage *self,
               const char     *name,
               const char     *label,
               const char     *value)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
  gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
  g_object_set_data_full (G_OBJECT (row), "field-name", g_strdup (name), g_free);
  adw_preferences_group_add (self->fields_group, row);
  g_ptr_array_add (self->field_rows, row);
}

static char *
diff_text (const AiosRecord *from,
           const AiosRecord *to)
{
  g_autoptr(AiosRecordDiff) diff = aios_record_diff_new (from, to);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < diff->fields->len; i++)
    {
      AiosFieldChange *c = g_ptr_array_index (diff->fields, i);
      if (*c->old_value == '\0')
        g_string_append_printf (s, _("%s: set to “%s”\n"), c->field, c->new_value);
      else if (*c->new_value == '\0')
        g_string_append_printf (s, _("%s: cleared (was “%s”)\n"), c->field, c->old_value);
      else
        g_string_append_printf (s, _("%s: “%s” → “%s”\n"), c->field, c->old_value, c->new_value);
    }
  if (diff->deleted_changed)
    g_string_append_printf (s, "%s\n", to->deleted ? _("Deleted") : _("Restored"));
  if (diff->body_changed)
    {
      g_string_append_printf (s, "%s\n", _("Body:"));
      for (guint i = 0; i < diff->body_lines->len; i++)
        {
          const char *line = g_ptr_array_index (diff->body_lines, i);
          if (line[0] != ' ')
            g_string_append_printf (s, "%s\n", line);
        }
    }
  if (s->len == 0)
    g_string_append (s, _("No changes"));
  else
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

static void
fill_history (AiosMemoryPage *self)
{
  g_autoptr(GPtrArray) versions = NULL;

  clear_rows (self->history_group, self->history_rows);
  if (self->record_id == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->history_group), FALSE);
      return;
    }
  versions = aios_memory_history (aios_workspace_get_memory (self->workspace), self->record_id, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->history_group), versions != NULL);
  if (versions == NULL)
    return;

  for (gint i = (gint) versions->len - 1; i >= 0; i--)
    {
      AiosRecord *v = g_ptr_array_index (versions, i);
      GtkWidget *row = adw_expander_row_new ();
      GtkWidget *detail = gtk_label_new (NULL);
      GtkWidget *detail_row = gtk_list_box_row_new ();
      g_autofree char *title = g_strdup_printf (_("Version %" PRId64 " by %s"), v->version, v->author);
      g_autofree char *when = relative_time (v->ts);
      g_autofree char *subtitle = NULL;
      g_autofree char *diff = NULL;

      if (v->run_id > 0)
        subtitle = g_strdup_printf (_("%s · run #%" PRId64 "%s%s"), when, v->run_id,
                                    v->rationale ? " — " : "", v->rationale ? v->rationale : "");
      else
        subtitle = g_strdup_printf ("%s%s%s", when, v->rationale ? " — " : "", v->rationale ? v->rationale : "");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

      diff = i > 0 ? diff_text (g_ptr_array_index (versions, i - 1), v) : g_strdup (_("Created"));
      gtk_label_set_text (GTK_LABEL (detail), diff);
      gtk_label_set_xalign (GTK_LABEL (detail), 0);
      gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
      gtk_label_set_selectable (GTK_LABEL (detail), TRUE);
      gtk_widget_add_css_class (detail, "monospace");
      gtk_widget_set_margin_start (detail, 12);
      gtk_widget_set_margin_end (detail, 12);
      gtk_widget_set_margin_top (detail, 8);
      gtk_widget_set_margin_bottom (detail, 8);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (detail_row), detail);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (detail_row), FALSE);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row);

      if (v->version != self->record->version)
        {
          GtkWidget *revert = gtk_button_new_with_label (_("Revert"));
          g_autofree char *tip = g_strdup_printf (_("Make version %" PRId64 " current again, as a new version"),
                                                  v->version);
          gtk_widget_set_valign (revert, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (revert, tip);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (revert), "memory.revert");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (revert), "x", v->version);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (row), revert);
        }
      adw_preferences_group_add (self->history_group, row);
      g_ptr_array_add (self->history_rows, row);
    }
}

static void
fill_editor (AiosMemoryPage *self)
{
  const AiosKindSpec *spec = aios_memory_kind_lookup (self->record_kind);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *heading = NULL;

  clear_rows (self->fields_group, self->field_rows);
  show_editor_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->rationale_row), "");
  if (spec == NULL)
    {
      gtk_stack_set_visible_child_name (self->editor_stack, "none");
      return;
    }

  for (guint i = 0; i < spec->n_fields; i++)
    {
      g_autofree char *value = self->record ? aios_record_dup_field_text (self->record, spec->fields[i].name) : NULL;
      g_autofree char *label = spec->fields[i].required ? g_strdup_printf ("%s *", _(spec->fields[i].label))
                                                        : g_strdup (_(spec->fields[i].label));
      add_field_row (self, spec->fields[i].name, label, value);
    }
  if (self->record != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (self->record->fields);
      for (GList *l = names; l != NULL; l = l->next)
        if (aios_kind_spec_get_field (spec, l->data) == NULL)
          {
            g_autofree char *value = aios_record_dup_field_text (self->record, l->data);
            add_field_row (self, l->data, l->data, value);
          }
    }
  adw_preferences_group_set_title (self->fields_group, _(spec->label));
  heading = g_strdup (_(spec->body_label));
  gtk_label_set_text (self->body_heading, heading);
  gtk_text_buffer_set_text (buffer, self->record ? self->record->body : "", -1);

  if (self->record != NULL)
    {
      g_autofree char *markup = provenance_markup (self->record);
      gtk_label_set_text (self->record_title, self->record->title);
      gtk_label_set_markup (self->provenance_label, markup);
      gtk_widget_set_visible (GTK_WIDGET (self->provenance_label), TRUE);
      gtk_widget_set_visible (self->overturn_button, is_overturnable (self->record));
      gtk_button_set_label (self->delete_button, self->record->deleted ? _("_Restore") : _("_Delete"));
      gtk_widget_set_visible (GTK_WIDGET (self->delete_button), TRUE);
      if (self->record->deleted)
        gtk_widget_remove_css_class (GTK_WIDGET (self->delete_button), "destructive-action");
      else
        gtk_widget_add_css_class (GTK_WIDGET (self->delete_button), "destructive-action");
    }
  else
    {
      g_autofree char *title = g_strdup_printf (_("New %s"), _(spec->label));
      gtk_label_set_text (self->record_title, title);
      gtk_widget_set_visible (GTK_WIDGET (self->provenance_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->delete_button), FALSE);
      gtk_widget_set_visible (self->overturn_button, FALSE);
    }
  fill_history (self);
  gtk_stack_set_visible_child_name (self->editor_stack, "editor");
}

/* A decline of a lead (the decision the lead-outreach flow's decline step
 * wrote), not yet taken back: the operator may still write anyway. */
static gboolean
is_overturnable (const AiosRecord *record)
{
  return record != NULL && !record->deleted && g_strcmp0 (record->kind, "decision") == 0 &&
         record->run_id > 0 && g_strcmp0 (aios_record_get_field (record, "outcome"), "other") == 0 &&
         g_strcmp0 (aios_record_get_field (record, "action"), "lead-outreach") == 0;
}

static void load_record (AiosMemoryPage *self,
                         gint64          id);

static void
overturn_clicked_cb (AiosMemoryPage *self)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (self->workspace == NULL || !is_overturnable (self->record))
    return;
  id = self->record->id;
  if (aios_coordinator_overturn (aios_workspace_get_coordinator (self->workspace), self->record->run_id,
                                 "operator", &error) == 0)
    {
      gtk_label_set_text (self->editor_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->editor_error), TRUE);
      return;
    }
  load_record (self, id);
}

static void
load_record (AiosMemoryPage *self,
             gint64          id)
{
  g_autoptr(GError) error = NULL;
  AiosRecord *record = aios_memory_get (aios_workspace_get_memory (self->workspace), id, &error);

  if (record == NULL)
    {
      aios_memory_page_toast (self, error->message);
      return;
    }
  g_clear_pointer (&self->record, aios_record_free);
  self->record = record;
  self->record_id = id;
  g_free (self->record_kind);
  self->record_kind = g_strdup (record->kind);
  fill_editor (self);
}

static JsonObject *
collect_fields (AiosMemoryPage *self)
{
  JsonObject *fields = json_object_new ();

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const char *name = g_object_get_data (G_OBJECT (row), "field-name");
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

      if (*text == '\0')
        continue;
      /* an unchanged value keeps its stored form (a number stays a number) */
      if (self->record != NULL && json_object_has_member (self->record->fields, name))
        {
          g_autofree char *before = aios_record_dup_field_text (self->record, name);
          if (g_str_equal (before, text))
            {
              json_object_set_member (fields, name,
                                      json_node_copy (json_object_get_member (self->record->fields, name)));
              continue;
            }
        }
      json_object_set_string_member (fields, name, text);
    }
  return fields;
}

/* ---- actions --------------------------------------------------------------- */

static void
save_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autofree char *body = NULL;
  g_autofree char *message = NULL;
  GtkTextIter start, end;
  GtkTextBuffer *buffer;
  AiosProvenance prov = { "operator", 0, NULL };
  const char *rationale;
  gint64 id, version = 0;

  if (self->workspace == NULL || self->record_kind == NULL)
    return;
  buffer = gtk_text_view_get_buffer (self->body_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  fields = collect_fields (self);
  rationale = gtk_editable_get_text (GTK_EDITABLE (self->rationale_row));
  prov.rationale = rationale && *rationale ? rationale : NULL;

  id = aios_memory_put (aios_workspace_get_memory (self->workspace), self->record_id,
                        self->record_id == 0 ? self->record_kind : NULL, fields, body, &prov, &version, &error);
  if (id == 0)
    {
      show_editor_error (self, error->message);
      return;
    }
  load_record (self, id);
  message = g_strdup_printf (_("Saved “%s” as version %" PRId64), self->record->title, version);
  aios_memory_page_toast (self, message);
}

static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  AiosProvenance prov = { "operator", 0, NULL };
  const char *rationale;
  gboolean restore, ok;
  AiosMemory *memory;

  if (self->workspace == NULL || self->record == NULL)
    return;
  memory = aios_workspace_get_memory (self->workspace);
  rationale = gtk_editable_get_text (GTK_EDITABLE (self->rationale_row));
  prov.rationale = rationale && *rationale ? rationale : NULL;
  restore = self->record->deleted;
  ok = restore ? aios_memory_restore (memory, self->record_id, &prov, &error)
               : aios_memory_delete (memory, self->record_id, &prov, &error);
  if (!ok)
    {
      show_editor_error (self, error->message);
      return;
    }
  message = g_strdup_printf (restore ? _("Restored “%s”") : _("Deleted “%s”; Restore brings it back"),
                             self->record->title);
  load_record (self, self->record_id);
  aios_memory_page_toast (self, message);
}

static void
revert_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *why = NULL;
  gint64 to = g_variant_get_int64 (parameter), version;
  AiosProvenance prov = { "operator", 0, NULL };
  const char *rationale;

  if (self->workspace == NULL || self->record_id == 0)
    return;
  rationale = gtk_editable_get_text (GTK_EDITABLE (self->rationale_row));
  why = rationale && *rationale ? g_strdup (rationale)
                                : g_strdup_printf (_("Reverted to version %" PRId64), to);
  prov.rationale = why;
  version = aios_memory_revert (aios_workspace_get_memory (self->workspace), self->record_id, to, &prov, &error);
  if (version == 0)
    {
      show_editor_error (self, error->message);
      return;
    }
  load_record (self, self->record_id);
  message = g_strdup_printf (_("Version %" PRId64 " is current again (as version %" PRId64 ")"),
                             to, version);
  aios_memory_page_toast (self, message);
}

static void
show_record_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  aios_memory_page_show_record (AIOS_MEMORY_PAGE (widget), g_variant_get_int64 (parameter));
}

static void
new_record_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  const char *kind = g_variant_get_string (parameter, NULL);

  if (aios_memory_kind_lookup (kind) == NULL)
    return;
  g_clear_pointer (&self->record, aios_record_free);
  self->record_id = 0;
  g_free (self->record_kind);
  self->record_kind = g_strdup (kind);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_stack_set_visible_child_name (self->stack, "content");
  fill_editor (self);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
  if (self->field_rows->len > 0)
    gtk_widget_grab_focus (g_ptr_array_index (self->field_rows, 0));
}

/* ---- the widget ---------------------------------------------------------- */

static void
back_clicked_cb (AiosMemoryPage *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
folded_changed_cb (AiosMemoryPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), adw_leaflet_get_folded (self->leaflet));
}

static void
committed_cb (AiosMemoryPage *self)
{
  aios_memory_page_refresh_counts (self);
}

static void
aios_memory_page_dispose (GObject *object)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->workspace != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, aios_workspace_get_store (self->workspace));
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->records);
  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_MEMORY_PAGE);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->record, aios_record_free);
  G_OBJECT_CLASS (aios_memory_page_parent_class)->dispose (object);
}

static void
aios_memory_page_finalize (GObject *object)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  g_free (self->record_kind);
  g_ptr_array_unref (self->field_rows);
  g_ptr_array_unref (self->history_rows);
  g_ptr_array_unref (self->kind_rows);
  G_OBJECT_CLASS (aios_memory_page_parent_class)->finalize (object);
}

static void
aios_memory_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

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
aios_memory_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_memory_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_memory_page_class_init (AiosMemoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_memory_page_dispose;
  object_class->finalize = aios_memory_page_finalize;
  object_class->get_property = aios_memory_page_get_property;
  object_class->set_property = aios_memory_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-memory-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, kinds_list);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, list_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, new_button);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, report_revealer);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, report_label);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, report_close);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, editor_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, editor_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, record_title);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, provenance_label);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, fields_group);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, body_heading);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, body_view);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, rationale_row);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, editor_error);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, delete_button);
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, history_group);

  gtk_widget_class_install_action (widget_class, "memory.new-record", "s", new_record_activated);
  gtk_widget_class_install_action (widget_class, "memory.show-record", "x", show_record_activated);
  gtk_widget_class_install_action (widget_class, "memory.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "memory.delete", NULL, delete_activated);
  gtk_widget_class_install_action (widget_class, "memory.revert", "x", revert_activated);
  gtk_widget_class_install_action (widget_class, "memory.import", NULL, aios_memory_page_import_activated);
  gtk_widget_class_install_action (widget_class, "memory.export", NULL, aios_memory_page_export_activated);
}

static void
aios_memory_page_init (AiosMemoryPage *self)
{
  g_autoptr(GMenu) new_menu = g_menu_new ();
  GtkListItemFactory *factory;
  GtkWidget *all;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->field_rows = g_ptr_array_new ();
  self->history_rows = g_ptr_array_new ();
  self->kind_rows = g_ptr_array_new ();

  all = kind_row_new (NULL, _("All Records"));
  gtk_list_box_append (self->kinds_list, all);
  g_ptr_array_add (self->kind_rows, all);
  for (guint i = 0; i < aios_memory_n_kinds (); i++)
    {
      const AiosKindSpec *spec = aios_memory_kind_nth (i);
      GtkWidget *row = kind_row_new (spec->name, _(spec->plural));
      g_autofree char *detailed = g_strdup_printf ("memory.new-record::%s", spec->name);

      gtk_list_box_append (self->kinds_list, row);
      g_ptr_array_add (self->kind_rows, row);
      g_menu_append (new_menu, _(spec->label), detailed);
    }
  gtk_menu_button_set_menu_model (self->new_button, G_MENU_MODEL (new_menu));
  gtk_list_box_select_row (self->kinds_list, GTK_LIST_BOX_ROW (all));
  g_signal_connect_swapped (self->kinds_list, "row-selected", G_CALLBACK (kind_selected_cb), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (back_clicked_cb), self);
  /* Beside Delete: Write Anyway, on a declined lead's decision record. */
  self->overturn_button = gtk_button_new_with_mnemonic (_("_Write Anyway"));
  gtk_widget_set_tooltip_text (self->overturn_button, _("Overturn this decline: draft the email in a new run"));
  gtk_widget_set_visible (self->overturn_button, FALSE);
  gtk_widget_set_name (self->overturn_button, "overturn-button");
  gtk_widget_insert_after (self->overturn_button, gtk_widget_get_parent (GTK_WIDGET (self->delete_button)),
                           GTK_WIDGET (self->delete_button));
  g_signal_connect_swapped (self->overturn_button, "clicked", G_CALLBACK (overturn_clicked_cb), self);
  g_signal_connect_swapped (self->report_close, "clicked", G_CALLBACK (report_close_cb), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (folded_changed_cb), self);
  g_signal_connect_swapped (self->provenance_label, "activate-link", G_CALLBACK (provenance_link_cb), self);
  folded_changed_cb (self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_stack_set_visible_child_name (self->editor_stack, "none");
}

GtkWidget *
aios_memory_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_MEMORY_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_memory_page_get_workspace (AiosMemoryPage *self)
{
  g_return_val_if_fail (AIOS_IS_MEMORY_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_memory_page_get_records:
 *
 * Returns: (transfer none) (nullable): the list the page shows
 */
AiosRecordList *
aios_memory_page_get_records (AiosMemoryPage *self)
{
  g_return_val_if_fail (AIOS_IS_MEMORY_PAGE (self), NULL);
  return self->records;
}

/**
 * aios_memory_page_get_record_id:
 *
 * Returns: the record in the editor, 0 for none or a new one
 */
gint64
aios_memory_page_get_record_id (AiosMemoryPage *self)
{
  g_return_val_if_fail (AIOS_IS_MEMORY_PAGE (self), 0);
  return self->record_id;
}

/**
 * aios_memory_page_show_record:
 *
 * Opens record @id in the editor (e.g. from an approval's "used records").
 */
void
aios_memory_page_show_record (AiosMemoryPage *self,
                              gint64          id)
{
  g_return_if_fail (AIOS_IS_MEMORY_PAGE (self));
  if (self->workspace == NULL)
    return;
  gtk_stack_set_visible_child_name (self->stack, "content");
  load_record (self, id);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
}

/**
 * aios_memory_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_memory_page_set_workspace (AiosMemoryPage *self,
                                AiosWorkspace  *workspace)
{
  g_return_if_fail (AIOS_IS_MEMORY_PAGE (self));

  if (self->workspace == workspace)
    return;
  if (self->workspace != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, aios_workspace_get_store (self->workspace));
  gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->records);
  g_clear_pointer (&self->record, aios_record_free);
  self->record_id = 0;
  g_clear_pointer (&self->record_kind, g_free);
  g_set_object (&self->workspace, workspace);

  if (workspace != NULL)
    {
      self->records = aios_record_list_new (aios_workspace_get_memory (workspace));
      g_signal_connect_object (self->records, "loaded", G_CALLBACK (list_loaded_cb), self, G_CONNECT_SWAPPED);
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->records)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      g_signal_connect_object (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
      self->committed_id = g_signal_connect_swapped (aios_workspace_get_store (workspace), "committed",
                                                     G_CALLBACK (committed_cb), self);
      aios_memory_page_refresh_counts (self);
    }
  fill_editor (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}
