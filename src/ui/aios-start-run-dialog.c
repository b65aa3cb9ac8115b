/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Start a Run": pick a flow, fill in the form built from its input schema
 * (one entry row per property, required ones marked), and submit it to the
 * coordinator as the operator. Start stays disabled until every required
 * field has text; the coordinator checks the input against the schema.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-dry-run-window.h"
#include "aios-start-run-dialog.h"

struct _AiosStartRunDialog
{
  AdwMessageDialog  parent_instance;

  AiosWorkspace    *workspace;
  GPtrArray        *flows;        /* AiosFlow */
  AdwComboRow      *flow_row;
  GtkWidget        *fields;       /* AdwPreferencesGroup of the current flow */
  GtkWidget        *box;
  GHashTable       *rows;         /* property name -> AdwEntryRow (borrowed) */
};

G_DEFINE_FINAL_TYPE (AiosStartRunDialog, aios_start_run_dialog, ADW_TYPE_MESSAGE_DIALOG)

static AiosFlow *
current_flow (AiosStartRunDialog *self)
{
  guint i = adw_combo_row_get_selected (self->flow_row);
  return i < self->flows->len ? self->flows->pdata[i] : NULL;
}

static gboolean
is_required (JsonObject *schema,
             const char *name)
{
  JsonArray *required = json_object_has_member (schema, "required")
                        ? json_object_get_array_member (schema, "required") : NULL;

  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    if (g_strcmp0 (json_array_get_string_element (required, i), name) == 0)
      return TRUE;
  return FALSE;
}

static void
update_start (AiosStartRunDialog *self)
{
  AiosFlow *flow = current_flow (self);
  JsonObject *schema = flow != NULL ? aios_flow_get_input_schema (flow) : NULL;
  GHashTableIter iter;
  gpointer name, row;
  gboolean ready = flow != NULL;

  g_hash_table_iter_init (&iter, self->rows);
  while (ready && g_hash_table_iter_next (&iter, &name, &row))
    if (schema != NULL && is_required (schema, name) &&
        *gtk_editable_get_text (GTK_EDITABLE (row)) == '\0')
      ready = FALSE;
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "start", ready);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "dry-run", ready);
}

/* "company_name" -> "Company name", for schemas without titles. */
static char *
humanize (const char *name)
{
  char *label = g_strdelimit (g_strdup (name), "_-", ' ');

  if (label[0] != '\0')
    label[0] = g_ascii_toupper (label[0]);
  return label;
}

static void
build_fields (AiosStartRunDialog *self)
{
  AiosFlow *flow = current_flow (self);
  JsonObject *schema, *properties = NULL;
  g_autoptr(GList) names = NULL;

  if (self->fields != NULL)
    gtk_box_remove (GTK_BOX (self->box), self->fields);
  g_hash_table_remove_all (self->rows);
  self->fields = adw_preferences_group_new ();
  gtk_box_append (GTK_BOX (self->box), self->fields);
  if (flow == NULL)
    return;

  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->fields), aios_flow_get_description (flow));
  schema = aios_flow_get_input_schema (flow);
  if (schema != NULL && json_object_has_member (schema, "properties"))
    properties = json_object_get_object_member (schema, "properties");
  if (properties != NULL)
    names = json_object_get_members (properties);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonObject *property = json_object_get_object_member (properties, name);
      const char *title = property != NULL ? json_object_get_string_member_with_default (property, "title", NULL) : NULL;
      GtkWidget *row = adw_entry_row_new ();
      g_autofree char *human = title != NULL ? g_strdup (title) : humanize (name);
      g_autofree char *label = NULL;

      if (is_required (schema, name))
        label = g_strdup (human);
      else
        /* Translators: an input field that may stay empty */
        label = g_strdup_printf (_("%s (optional)"), human);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      gtk_widget_set_name (row, name);
      g_signal_connect_swapped (row, "changed", G_CALLBACK (update_start), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->fields), row);
      g_hash_table_insert (self->rows, g_strdup (name), row);
    }
  update_start (self);
}

static void
aios_start_run_dialog_dispose (GObject *object)
{
  AiosStartRunDialog *self = AIOS_START_RUN_DIALOG (object);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->flows, g_ptr_array_unref);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_start_run_dialog_parent_class)->dispose (object);
}

static void
aios_start_run_dialog_class_init (AiosStartRunDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_start_run_dialog_dispose;
}

static void
aios_start_run_dialog_init (AiosStartRunDialog *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static JsonNode *build_input (AiosStartRunDialog *self, AiosFlow **out_flow, GError **error);

/* Dry Run: the same input, every step against the connectors' simulators,
 * in a window of its own (aios-dry-run-window.c); nothing is sent. */
static void
on_dry_run (AiosStartRunDialog *self,
            const char         *response,
            gpointer            user_data)
{
  g_autoptr(GError) error = NULL;
  AiosFlow *flow = NULL;
  g_autoptr(JsonNode) input = build_input (self, &flow, &error);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GtkWidget *window;

  if (input == NULL)
    return;
  window = aios_dry_run_window_new (parent, self->workspace, aios_flow_get_id (flow), input);
  gtk_window_present (GTK_WINDOW (window));
}

/**
 * aios_start_run_dialog_new:
 *
 * Returns: (transfer none): the dialog, not yet shown
 */
AiosStartRunDialog *
aios_start_run_dialog_new (GtkWindow     *parent,
                           AiosWorkspace *workspace)
{
  AiosStartRunDialog *self;
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);
  GtkWidget *group;

  self = g_object_new (AIOS_TYPE_START_RUN_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "heading", _("Start a Run"),
                       "body", _("The run starts at once; steps that send anything still ask for your approval unless a policy allows them."),
                       NULL);
  self->workspace = g_object_ref (workspace);
  self->flows = aios_flow_registry_list (aios_workspace_get_flows (workspace));
  for (guint i = 0; i < self->flows->len; i++)
    gtk_string_list_append (titles, aios_flow_get_title (self->flows->pdata[i]));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "dry-run", _("_Dry Run"),
                                    "start", _("_Start"),
                                    NULL);
  g_signal_connect (self, "response::dry-run", G_CALLBACK (on_dry_run), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "start", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "start");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  group = adw_preferences_group_new ();
  self->flow_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->flow_row), _("Flow"));
  adw_combo_row_set_model (self->flow_row, G_LIST_MODEL (titles));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->flow_row));
  gtk_box_append (GTK_BOX (self->box), group);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), self->box);
  g_signal_connect_swapped (self->flow_row, "notify::selected", G_CALLBACK (build_fields), self);
  build_fields (self);
  return self;
}

/* Chooses the flow with @flow_id; returns whether there is one. */
gboolean
aios_start_run_dialog_select_flow (AiosStartRunDialog *self,
                                   const char         *flow_id)
{
  g_return_val_if_fail (AIOS_IS_START_RUN_DIALOG (self), FALSE);

  for (guint i = 0; i < self->flows->len; i++)
    if (g_strcmp0 (aios_flow_get_id (self->flows->pdata[i]), flow_id) == 0)
      {
        adw_combo_row_set_selected (self->flow_row, i);
        return TRUE;
      }
  return FALSE;
}

/* Types @text into the field for the input property @name. */
gboolean
aios_start_run_dialog_set_field (AiosStartRunDialog *self,
                                 const char         *name,
                                 const char         *text)
{
  GtkWidget *row;

  g_return_val_if_fail (AIOS_IS_START_RUN_DIALOG (self), FALSE);
  row = g_hash_table_lookup (self->rows, name);
  if (row == NULL)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  return TRUE;
}

/* The typed text as the schema's type: numbers and yes/no become JSON
 * numbers and booleans, so the coordinator's check sees what it expects. */
static void
set_member (JsonObject *input,
            const char *name,
            JsonObject *property,
            const char *text)
{
  const char *type = property != NULL ? json_object_get_string_member_with_default (property, "type", "string") : "string";
  char *end = NULL;

  if (g_strcmp0 (type, "integer") == 0)
    {
      gint64 value = g_ascii_strtoll (text, &end, 10);
      if (end != NULL && *end == '\0')
        {
          json_object_set_int_member (input, name, value);
          return;
        }
    }
  else if (g_strcmp0 (type, "number") == 0)
    {
      double value = g_ascii_strtod (text, &end);
      if (end != NULL && *end == '\0')
        {
          json_object_set_double_member (input, name, value);
          return;
        }
    }
  else if (g_strcmp0 (type, "boolean") == 0 &&
           (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "false") == 0))
    {
      json_object_set_boolean_member (input, name, g_ascii_strcasecmp (text, "true") == 0);
      return;
    }
  json_object_set_string_member (input, name, text);
}

/* The fields as the run's input, typed by the schema. */
static JsonNode *
build_input (AiosStartRunDialog  *self,
             AiosFlow           **out_flow,
             GError             **error)
{
  AiosFlow *flow;
  JsonObject *schema, *properties = NULL;
  g_autoptr(JsonObject) input = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  GHashTableIter iter;
  gpointer name, row;

  g_return_val_if_fail (AIOS_IS_START_RUN_DIALOG (self), NULL);

  flow = current_flow (self);
  if (flow == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no flow to start"));
      return NULL;
    }
  schema = aios_flow_get_input_schema (flow);
  if (schema != NULL && json_object_has_member (schema, "properties"))
    properties = json_object_get_object_member (schema, "properties");

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &name, &row))
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

      if (*text != '\0')
        set_member (input, name, properties != NULL ? json_object_get_object_member (properties, name) : NULL, text);
    }
  json_node_set_object (node, input);
  *out_flow = flow;
  return g_steal_pointer (&node);
}

/**
 * aios_start_run_dialog_submit:
 *
 * Submits the chosen flow with the fields as its input, as the operator.
 *
 * Returns: the new run's id, or 0 with @error set
 */
gint64
aios_start_run_dialog_submit (AiosStartRunDialog  *self,
                              GError             **error)
{
  AiosFlow *flow = NULL;
  g_autoptr(JsonNode) node = build_input (self, &flow, error);

  if (node == NULL)
    return 0;
  return aios_coordinator_submit (aios_workspace_get_coordinator (self->workspace),
                                  aios_flow_get_id (flow), node, "operator", error);
}
