/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The right side of the Inbox: the action as it will go out (an email as an
 * email, an invoice as an invoice, a webhook as its JSON), then why the
 * agents proposed it (their rationale from the journal, the memory records
 * they used, the policy that asked) and the decision buttons. Editing turns
 * the email's subject and message editable in place; what changed is shown
 * before it is approved. The decisions themselves are the Inbox page's
 * actions (inbox.approve, inbox.reject, inbox.edit).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approval-row.h"
#include "aios-approval-view.h"
#include "control/aios-runs.h"
#include "memory/aios-markdown.h"
#include "memory/aios-memory-kinds.h"
#include "store/aios-journal-query.h"

#define MAX_DIFF_LINES 40

struct _AiosApprovalView
{
  GtkBox            parent_instance;

  AiosApprovalInfo *info;
  AiosPreviewKind   preview_kind;
  char             *title;
  gboolean          editing;

  GtkLabel         *title_label;
  GtkLabel         *approve_label;
  GtkLabel         *reject_label;
  GtkLabel         *meta_label;
  GtkStack         *preview_stack;
  GtkLabel         *from_label;
  GtkLabel         *to_label;
  GtkLabel         *cc_title;
  GtkLabel         *cc_label;
  GtkStack         *subject_stack;
  GtkLabel         *subject_label;
  GtkEntry         *subject_entry;
  GtkLabel         *message_id_label;
  GtkTextView      *body_view;
  GtkGrid          *invoice_grid;
  GtkLabel         *post_meta_label;
  GtkLabel         *post_title_label;
  GtkLabel         *post_excerpt_label;
  GtkLabel         *post_body_label;
  GtkLabel         *code_heading;
  GtkTextView      *code_view;
  GtkRevealer      *changes_revealer;
  GtkLabel         *changes_label;
  GtkWidget        *why_box;
  GtkListBox       *why_list;
  GtkWidget        *records_box;
  GtkListBox       *records_list;
};

G_DEFINE_FINAL_TYPE (AiosApprovalView, aios_approval_view, GTK_TYPE_BOX)

enum {
  OPEN_RECORD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
member_string (JsonNode   *node,
               const char *name)
{
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *member = object ? json_object_get_member (object, name) : NULL;

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

/* "a, b" for a JSON array of strings (or the string itself) */
static char *
join_addresses (JsonNode   *node,
                const char *name)
{
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *member = object ? json_object_get_member (object, name) : NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  if (member == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (member));
  if (!JSON_NODE_HOLDS_ARRAY (member))
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (member)); i++)
    {
      const char *address = json_array_get_string_element (json_node_get_array (member), i);

      if (address == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, address);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static char *
pretty_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

static char *
text_view_get_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* The edits */

static gboolean
is_email (AiosApprovalView *self)
{
  return self->info != NULL && self->preview_kind == AIOS_PREVIEW_EMAIL;
}

/**
 * aios_approval_view_get_edits:
 *
 * Returns: (transfer full) (nullable): the changed request fields as a JSON
 *   object (the shape of `aios approve ID --edit FILE`), or %NULL when
 *   nothing changed
 */
JsonNode *
aios_approval_view_get_edits (AiosApprovalView *self)
{
  g_autoptr(JsonObject) edits = json_object_new ();
  g_autofree char *body = NULL;
  const char *subject;

  g_return_val_if_fail (AIOS_IS_APPROVAL_VIEW (self), NULL);

  if (!aios_approval_view_can_edit (self))
    return NULL;
  subject = gtk_editable_get_text (GTK_EDITABLE (self->subject_entry));
  body = text_view_get_text (self->body_view);
  if (g_strcmp0 (subject, member_string (self->info->request, "subject")) != 0)
    json_object_set_string_member (edits, "subject", subject);
  if (g_strcmp0 (body, member_string (self->info->request, "body")) != 0)
    json_object_set_string_member (edits, "body", body);
  if (json_object_get_size (edits) == 0)
    return NULL;
  return json_node_init_object (json_node_alloc (), edits);
}

/* A line diff (longest common subsequence; messages are short) as markup:
 * removed lines struck through, added lines marked. */
static void
append_line_diff (GString    *markup,
                  const char *before,
                  const char *after)
{
  g_auto(GStrv) a = g_strsplit (before ? before : "", "\n", -1);
  g_auto(GStrv) b = g_strsplit (after ? after : "", "\n", -1);
  guint n = g_strv_length (a), m = g_strv_length (b), shown = 0;
  g_autofree guint *lcs = g_new0 (guint, (gsize) (n + 1) * (m + 1));
  guint i = 0, j = 0;

#define LCS(x, y) lcs[(gsize) (x) * (m + 1) + (y)]
  for (guint x = n; x-- > 0;)
    for (guint y = m; y-- > 0;)
      LCS (x, y) = g_str_equal (a[x], b[y]) ? LCS (x + 1, y + 1) + 1 : MAX (LCS (x + 1, y), LCS (x, y + 1));

  while ((i < n || j < m) && shown < MAX_DIFF_LINES)
    {
      g_autofree char *line = NULL;

      if (i < n && j < m && g_str_equal (a[i], b[j]))
        {
          i++, j++;
          continue;
        }
      if (j < m && (i == n || LCS (i, j + 1) >= LCS (i + 1, j)))
        {
          line = g_markup_printf_escaped ("\n<span foreground=\"#26a269\">+ %s</span>", b[j++]);
        }
      else
        {
          line = g_markup_printf_escaped ("\n<span foreground=\"#c01c28\" strikethrough=\"true\">− %s</span>", a[i++]);
        }
      g_string_append (markup, line);
      shown++;
    }
#undef LCS
  if (i < n || j < m)
    g_string_append_printf (markup, "\n%s", _("…and more"));
}

static void
update_changes (AiosApprovalView *self)
{
  g_autoptr(JsonNode) edits = aios_approval_view_get_edits (self);
  g_autoptr(GString) markup = g_string_new (NULL);
  JsonObject *object;

  gtk_revealer_set_reveal_child (self->changes_revealer, edits != NULL);
  if (edits == NULL)
    return;

  object = json_node_get_object (edits);
  if (json_object_has_member (object, "subject"))
    {
      g_autofree char *line =
        g_markup_printf_escaped ("%s <span strikethrough=\"true\">%s</span> → <b>%s</b>", _("Subject:"),
                                 member_string (self->info->request, "subject"),
                                 json_object_get_string_member (object, "subject"));
      g_string_append (markup, line);
    }
  if (json_object_has_member (object, "body"))
    {
      g_autofree char *heading = g_markup_escape_text (_("Message:"), -1);

      if (markup->len > 0)
        g_string_append (markup, "\n\n");
      g_string_append (markup, heading);
      append_line_diff (markup, member_string (self->info->request, "body"),
                        json_object_get_string_member (object, "body"));
    }
  gtk_label_set_markup (self->changes_label, markup->str);
}

static void
subject_changed_cb (AiosApprovalView *self)
{
  gtk_label_set_text (self->subject_label, gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  update_changes (self);
}

/* The preview */

static void
show_email (AiosApprovalView *self)
{
  JsonNode *preview = self->info->preview;
  g_autofree char *to = join_addresses (preview, "to");
  g_autofree char *cc = join_addresses (preview, "cc");
  const char *subject = member_string (preview, "subject");
  const char *body = member_string (preview, "body");

  gtk_label_set_text (self->from_label, member_string (preview, "from") ?: "");
  gtk_label_set_text (self->to_label, to ? to : "");
  gtk_widget_set_visible (GTK_WIDGET (self->cc_title), cc != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->cc_label), cc != NULL);
  gtk_label_set_text (self->cc_label, cc ? cc : "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), subject ? subject : "");
  gtk_label_set_text (self->subject_label, subject ? subject : "");
  gtk_label_set_text (self->message_id_label, member_string (preview, "message_id") ?: "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body ? body : "", -1);
  gtk_stack_set_visible_child_name (self->preview_stack, "email");
}

static GtkWidget *
grid_label (const char *text,
            float       xalign,
            const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  /* Values can be copied; their names need not take the focus. */
  gtk_label_set_selectable (GTK_LABEL (label), g_strcmp0 (css_class, "dim-label") != 0);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static char *
format_money (gint64      minor,
              const char *currency)
{
  g_autofree char *upper = g_ascii_strup (currency ? currency : "", -1);
  g_autofree char *number = g_strdup_printf ("%" PRId64 ".%02d", minor / 100, (int) ABS (minor % 100));

  /* Translators: an amount and its ISO currency code, e.g. "1200.00 EUR" */
  return g_strdup_printf (C_("money", "%s %s"), number, upper);
}

/* A JSON integer member, or @fallback. */
static gint64
int_of (JsonObject *object,
        const char *name,
        gint64      fallback)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static void
header_row (GtkGrid    *header,
            int        *row,
            const char *name,
            const char *value)
{
  gtk_grid_attach (header, grid_label (name, 1, "dim-label"), 0, *row, 1, 1);
  gtk_grid_attach (header, grid_label (value, 0, NULL), 1, (*row)++, 1, 1);
}

/* A figure in its column: right-aligned, tabular, bold on the sums. */
static GtkWidget *
figure (const char *text,
        gboolean    bold)
{
  GtkWidget *label = grid_label (text, 1, "numeric");

  if (bold)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

/* An invoice as the client will read it: who and when on top, then the
 * lines in a grid (description, quantity, rate, amount; figures
 * right-aligned with tabular digits), the subtotal, the tax and the total
 * in bold. The billing flow's request adds the client, the period, the
 * quantities and rates, the tax line and the due date; a plain invoice
 * request shows its lines and total. */
static void
show_invoice (AiosApprovalView *self)
{
  JsonObject *request = self->info->request && JSON_NODE_HOLDS_OBJECT (self->info->request)
                        ? json_node_get_object (self->info->request) : NULL;
  JsonObject *customer = request && json_object_has_member (request, "customer") &&
                         JSON_NODE_HOLDS_OBJECT (json_object_get_member (request, "customer"))
                         ? json_object_get_object_member (request, "customer") : NULL;
  JsonArray *items = request && json_object_has_member (request, "items") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (request, "items"))
                     ? json_object_get_array_member (request, "items") : NULL;
  const char *currency = request ? json_object_get_string_member_with_default (request, "currency", "") : "";
  const char *description = request ? json_object_get_string_member_with_default (request, "description", NULL) : NULL;
  const char *client = request ? json_object_get_string_member_with_default (request, "client", NULL) : NULL;
  const char *period = request ? json_object_get_string_member_with_default (request, "period", NULL) : NULL;
  const char *issued = request ? json_object_get_string_member_with_default (request, "issue_date", NULL) : NULL;
  const char *due_date = request ? json_object_get_string_member_with_default (request, "due_date", NULL) : NULL;
  gint64 days = int_of (request, "days_until_due", 0);
  const char *total = member_string (self->info->preview, "total_text");
  g_autoptr(GPtrArray) taxes = g_ptr_array_new ();
  gboolean has_quantities = FALSE;
  gint64 subtotal = 0;
  GtkWidget *child;
  GtkWidget *header;
  int row = 0, header_rows = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->invoice_grid))) != NULL)
    gtk_grid_remove (self->invoice_grid, child);

  /* Who and when, as a small key–value grid of its own above the lines. */
  header = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (header), 6);
  gtk_grid_set_column_spacing (GTK_GRID (header), 12);
  if (customer != NULL)
    {
      const char *name = json_object_get_string_member_with_default (customer, "name", NULL);
      const char *email = json_object_get_string_member_with_default (customer, "email", "");
      g_autofree char *who = name ? g_strdup_printf ("%s <%s>", name, email) : g_strdup (email);

      header_row (GTK_GRID (header), &header_rows, _("Bill to"), who);
    }
  if (client != NULL && (customer == NULL ||
                         g_strcmp0 (client, json_object_get_string_member_with_default (customer, "name", NULL)) != 0))
    header_row (GTK_GRID (header), &header_rows, _("Client"), client);
  if (period != NULL)
    {
      g_autofree char *text = g_strdelimit (g_strdup (period), ".", ' ');
      g_auto(GStrv) ends = g_strsplit (period, "..", 2);
      g_autofree char *range = ends[0] && ends[1] ? g_strdup_printf (_("%s to %s"), ends[0], ends[1]) : NULL;

      header_row (GTK_GRID (header), &header_rows, _("Period"), range ? range : text);
    }
  if (issued != NULL)
    header_row (GTK_GRID (header), &header_rows, _("Issued"), issued);
  if (due_date != NULL || days > 0)
    {
      g_autofree char *after = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day after sending",
                                                             "%d days after sending", days), (int) days);
      /* Translators: a due date and the payment terms, e.g. "2026-12-15 (14 days after sending)" */
      g_autofree char *due = due_date ? g_strdup_printf (_("%s (%s)"), due_date, after) : g_strdup (after);

      header_row (GTK_GRID (header), &header_rows, _("Due"), due);
    }
  if (description != NULL)
    header_row (GTK_GRID (header), &header_rows, _("About"), description);
  gtk_grid_attach (self->invoice_grid, header, 0, row++, 4, 1);
  gtk_grid_attach (self->invoice_grid, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), 0, row++, 4, 1);

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      if (item != NULL && json_object_has_member (item, "quantity"))
        has_quantities = TRUE;
    }
  if (has_quantities)
    {
      gtk_grid_attach (self->invoice_grid, grid_label (_("Description"), 0, "dim-label"), 0, row, 1, 1);
      gtk_grid_attach (self->invoice_grid, grid_label (_("Qty"), 1, "dim-label"), 1, row, 1, 1);
      gtk_grid_attach (self->invoice_grid, grid_label (_("Rate"), 1, "dim-label"), 2, row, 1, 1);
      gtk_grid_attach (self->invoice_grid, grid_label (_("Amount"), 1, "dim-label"), 3, row++, 1, 1);
    }
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *amount = NULL;
      GtkWidget *label;

      if (item == NULL)
        continue;
      if (json_object_get_boolean_member_with_default (item, "tax", FALSE))
        {
          g_ptr_array_add (taxes, item);
          continue;
        }
      subtotal += int_of (item, "amount", 0);
      amount = format_money (int_of (item, "amount", 0), currency);
      label = grid_label (json_object_get_string_member_with_default (item, "description", ""), 0, NULL);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_grid_attach (self->invoice_grid, label, 0, row, has_quantities ? 1 : 3, 1);
      if (has_quantities && json_object_has_member (item, "quantity"))
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *rate = format_money (int_of (item, "unit_amount", 0), currency);
          JsonNode *q = json_object_get_member (item, "quantity");
          double quantity = JSON_NODE_HOLDS_VALUE (q) ? json_node_get_double (q) : 0;

          gtk_grid_attach (self->invoice_grid, figure (g_ascii_formatd (buf, sizeof buf, "%.2f", quantity), FALSE),
                           1, row, 1, 1);
          gtk_grid_attach (self->invoice_grid, figure (rate, FALSE), 2, row, 1, 1);
        }
      gtk_grid_attach (self->invoice_grid, figure (amount, FALSE), 3, row++, 1, 1);
    }
  gtk_grid_attach (self->invoice_grid, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), 0, row++, 4, 1);
  if (taxes->len > 0)
    {
      g_autofree char *sub = format_money (subtotal, currency);

      gtk_grid_attach (self->invoice_grid, grid_label (_("Subtotal"), 0, NULL), 0, row, 3, 1);
      gtk_grid_attach (self->invoice_grid, figure (sub, FALSE), 3, row++, 1, 1);
      for (guint i = 0; i < taxes->len; i++)
        {
          JsonObject *item = taxes->pdata[i];
          g_autofree char *amount = format_money (int_of (item, "amount", 0), currency);

          child = grid_label (json_object_get_string_member_with_default (item, "description", _("Tax")), 0, "heading");
          gtk_grid_attach (self->invoice_grid, child, 0, row, 3, 1);
          gtk_grid_attach (self->invoice_grid, figure (amount, TRUE), 3, row++, 1, 1);
        }
    }
  child = grid_label (_("Total"), 0, "heading");
  gtk_grid_attach (self->invoice_grid, child, 0, row, 3, 1);
  gtk_grid_attach (self->invoice_grid, figure (total ? total : "", TRUE), 3, row++, 1, 1);
  gtk_stack_set_visible_child_name (self->preview_stack, "invoice");
}

/* A post as it will read: its title, excerpt and the Markdown rendered
 * (aios_markdown_to_pango() escapes everything; links stay links). */
static void
show_post (AiosApprovalView *self)
{
  JsonNode *preview = self->info->preview;
  const char *excerpt = member_string (preview, "excerpt");
  const char *site = member_string (preview, "site");
  const char *slug = member_string (preview, "slug");
  g_autofree char *markup = aios_markdown_to_pango (member_string (preview, "body"));
  g_autofree char *meta = NULL;

  if (g_strcmp0 (member_string (preview, "status"), "draft") == 0)
    /* Translators: above a post's preview: the site and the post's address slug */
    meta = g_strdup_printf (_("Saved as a draft on %s as “%s”"), site ? site : "", slug ? slug : "");
  else
    /* Translators: above a post's preview: the site and the post's address slug */
    meta = g_strdup_printf (_("Published on %s as “%s”"), site ? site : "", slug ? slug : "");
  gtk_label_set_text (self->post_meta_label, meta);
  gtk_label_set_text (self->post_title_label, member_string (preview, "title") ?: "");
  gtk_label_set_text (self->post_excerpt_label, excerpt ? excerpt : "");
  gtk_widget_set_visible (GTK_WIDGET (self->post_excerpt_label), excerpt != NULL && *excerpt != '\0');
  gtk_label_set_markup (self->post_body_label, markup);
  gtk_stack_set_visible_child_name (self->preview_stack, "post");
}

static void
show_code (AiosApprovalView *self,
           const char       *heading,
           JsonNode         *body)
{
  g_autofree char *text = body ? pretty_json (body) : g_strdup ("");

  gtk_label_set_text (self->code_heading, heading);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->code_view), text, -1);
  gtk_stack_set_visible_child_name (self->preview_stack, "code");
}

static void
show_webhook (AiosApprovalView *self)
{
  JsonNode *preview = self->info->preview;
  const char *body = member_string (preview, "body");
  g_autoptr(JsonNode) parsed = body ? json_from_string (body, NULL) : NULL;
  g_autoptr(GString) heading = g_string_new (NULL);
  JsonObject *headers = NULL;

  g_string_append_printf (heading, "%s %s", member_string (preview, "method") ?: "POST",
                          member_string (preview, "url") ?: "");
  if (preview && JSON_NODE_HOLDS_OBJECT (preview) && json_object_has_member (json_node_get_object (preview), "headers"))
    headers = json_object_get_object_member (json_node_get_object (preview), "headers");
  if (headers != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (headers);

      for (GList *l = names; l != NULL; l = l->next)
        g_string_append_printf (heading, "\n%s: %s", (const char *) l->data,
                                json_object_get_string_member_with_default (headers, l->data, ""));
    }
  if (parsed != NULL)
    show_code (self, heading->str, parsed);
  else
    {
      gtk_label_set_text (self->code_heading, heading->str);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->code_view), body ? body : "", -1);
      gtk_stack_set_visible_child_name (self->preview_stack, "code");
    }
}

/* Why: the journal and the memory it used */

static GtkWidget *
why_row (const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  return row;
}

static void
record_activated_cb (AdwActionRow     *row,
                     AiosApprovalView *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "record-id"));

  g_signal_emit (self, signals[OPEN_RECORD], 0, id);
}

static guint
fill_rationale (AiosApprovalView *self,
                AiosWorkspace    *workspace)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GPtrArray) succeeded = aios_journal_list_run_kind (store, self->info->run_id, "step.succeeded", NULL);
  g_autoptr(GPtrArray) steps = aios_runs_list_steps (store, self->info->run_id, NULL);
  g_autoptr(AiosEvent) asked = aios_journal_find_latest (store, "approval.requested", self->info->run_id,
                                                         self->info->step_id);
  gint64 micros = aios_journal_run_cost (store, self->info->run_id);
  g_autofree char *cost = NULL;
  guint n = 0;

  /* Each agent's reason, under the step that gave it. */
  for (guint i = 0; succeeded != NULL && i < succeeded->len; i++)
    {
      const AiosEvent *event = succeeded->pdata[i];
      const char *step = NULL;
      g_autofree char *subtitle = NULL;

      if (event->rationale == NULL || *event->rationale == '\0')
        continue;
      for (guint k = 0; steps != NULL && k < steps->len && step == NULL; k++)
        if (((AiosStepInfo *) steps->pdata[k])->id == event->step_id)
          step = ((AiosStepInfo *) steps->pdata[k])->name;
      if (step == NULL)
        continue;
      /* Translators: under an agent's reason: the step and who gave it */
      subtitle = g_strdup_printf (_("Step “%s”, %s"), step, event->actor);
      gtk_list_box_append (self->why_list, why_row (event->rationale, subtitle));
      n++;
    }

  /* The checkpoint's own reason: the policy that asked. */
  if (asked != NULL)
    {
      /* Without a policy's word the flow itself asks at this step. */
      if (asked->rationale != NULL && *asked->rationale != '\0')
        gtk_list_box_append (self->why_list, why_row (asked->rationale, _("Why it asks you: the workspace’s policy")));
      else
        gtk_list_box_append (self->why_list, why_row (_("This step of the flow always asks you first"),
                                                      _("Why it asks you")));
      n++;
    }

  /* What the run has cost in model calls so far (0 with the built-in engine). */
  cost = micros > 0
    /* Translators: the model cost of a run, in the unit of the configured model prices */
    ? g_strdup_printf (_("Model calls so far cost %.4f"), micros / 1e6)
    : g_strdup (_("No model costs so far"));
  gtk_list_box_append (self->why_list, why_row (cost, _("Cost of this run")));
  n++;
  return n;
}

typedef struct {
  gint64 id;
  gint64 version;  /* the newest the run's steps read */
} UsedRecord;

static guint
fill_records (AiosApprovalView *self,
              AiosWorkspace    *workspace)
{
  static const char *const kinds[] = { "step.succeeded", NULL };
  g_autoptr(GPtrArray) links = aios_journal_list_run_links (aios_workspace_get_store (workspace),
                                                            self->info->run_id, kinds, "record", NULL);
  g_autoptr(GArray) used = g_array_new (FALSE, FALSE, sizeof (UsedRecord));
  guint n = 0;

  if (links == NULL)
    return 0;
  /* In the order the run first read them, each at the newest version read. */
  for (guint i = 0; i < links->len; i++)
    {
      const AiosLinkedTarget *link = links->pdata[i];
      UsedRecord record = { g_ascii_strtoll (link->target_id, NULL, 10), link->version };
      guint k;

      for (k = 0; k < used->len; k++)
        if (g_array_index (used, UsedRecord, k).id == record.id)
          break;
      if (k == used->len)
        g_array_append_val (used, record);
      else if (record.version > g_array_index (used, UsedRecord, k).version)
        g_array_index (used, UsedRecord, k).version = record.version;
    }

  for (guint i = 0; i < used->len; i++)
    {
      const UsedRecord *record = &g_array_index (used, UsedRecord, i);
      g_autoptr(AiosRecord) version = aios_memory_get_version (aios_workspace_get_memory (workspace),
                                                               record->id, record->version, NULL);
      g_autoptr(AiosRecord) current = version == NULL
        ? aios_memory_get (aios_workspace_get_memory (workspace), record->id, NULL) : NULL;
      const AiosRecord *shown = version != NULL ? version : current;
      const char *kind = shown != NULL ? shown->kind : "";
      const AiosKindSpec *spec = aios_memory_kind_lookup (kind);
      /* Translators: a memory record's kind and the version an agent read */
      g_autofree char *subtitle = g_strdup_printf (_("%s, version %" PRId64),
                                                   spec ? _(spec->label) : kind, record->version);
      GtkWidget *row = why_row (shown != NULL && shown->title != NULL ? shown->title : "", subtitle);
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, _("Show in Memory"));
      g_object_set_data (G_OBJECT (row), "record-id", GSIZE_TO_POINTER ((gsize) record->id));
      g_signal_connect_object (row, "activated", G_CALLBACK (record_activated_cb), self, 0);
      gtk_list_box_append (self->records_list, row);
      n++;
    }
  return n;
}

/* Public */

/**
 * aios_approval_view_show:
 * @workspace: (nullable): where the journal and memory are read (without
 *   one, only the preview shows)
 * @info: the approval (copied)
 * @preview_kind: how its connector's preview reads (aios_approval_info_get_preview_kind())
 * @title: its one-line name ("Email to Dana Whitfield")
 * @flow_title: (nullable): the title of the run's flow
 *
 * Shows @info as it would go out, and why. Editing is turned off.
 */
void
aios_approval_view_show (AiosApprovalView       *self,
                         AiosWorkspace          *workspace,
                         const AiosApprovalInfo *info,
                         AiosPreviewKind         preview_kind,
                         const char             *title,
                         const char             *flow_title)
{
  g_autofree char *age = NULL;
  g_autofree char *meta = NULL;
  gint64 waited;

  g_return_if_fail (AIOS_IS_APPROVAL_VIEW (self));
  g_return_if_fail (info != NULL);

  g_clear_pointer (&self->info, aios_approval_info_free);
  self->info = aios_approval_info_copy (info);
  g_free (self->title);
  self->title = g_strdup (title);
  self->editing = FALSE;

  gtk_label_set_text (self->title_label, title);
  waited = g_get_real_time () / 1000 - info->created_at;
  age = aios_approval_row_format_age (waited);
  if (waited < 60000)
    /* Translators: under an approval's title: the flow's title, the run and the step */
    meta = g_strdup_printf (_("%s, run %" PRId64 ", step “%s”: asked just now"),
                            flow_title ? flow_title : info->flow_id, info->run_id, info->step_name);
  else
    /* Translators: under an approval's title: the flow's title, the run, the step and how long it waits ("5 min") */
    meta = g_strdup_printf (_("%s, run %" PRId64 ", step “%s”: waiting for %s"),
                            flow_title ? flow_title : info->flow_id, info->run_id, info->step_name, age);
  gtk_label_set_text (self->meta_label, meta);

  self->preview_kind = preview_kind;
  if (preview_kind == AIOS_PREVIEW_EMAIL)
    show_email (self);
  else if (preview_kind == AIOS_PREVIEW_INVOICE)
    show_invoice (self);
  else if (preview_kind == AIOS_PREVIEW_REQUEST)
    show_webhook (self);
  else if (preview_kind == AIOS_PREVIEW_POST)
    show_post (self);
  else
    show_code (self, g_strcmp0 (info->action_kind, "output") == 0 ? _("The step’s result") : info->action_kind,
               info->preview);

  /* A decision item ("Write to Pat anyway?") names its two choices. */
  if (g_strcmp0 (info->action_kind, "output") == 0 && info->request != NULL &&
      JSON_NODE_HOLDS_OBJECT (info->request) &&
      json_object_has_member (json_node_get_object (info->request), "choices"))
    {
      gtk_label_set_text_with_mnemonic (self->approve_label, _("_Write Anyway"));
      gtk_label_set_text_with_mnemonic (self->reject_label, _("_Decline…"));
    }
  else
    {
      gtk_label_set_text_with_mnemonic (self->approve_label, _("_Approve"));
      gtk_label_set_text_with_mnemonic (self->reject_label, _("_Reject…"));
    }

  aios_approval_view_set_editing (self, FALSE);
  update_changes (self);

  clear_list (self->why_list);
  clear_list (self->records_list);
  gtk_widget_set_visible (self->why_box, workspace != NULL && fill_rationale (self, workspace) > 0);
  gtk_widget_set_visible (self->records_box, workspace != NULL && fill_records (self, workspace) > 0);
}

const AiosApprovalInfo *
aios_approval_view_get_approval (AiosApprovalView *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_VIEW (self), NULL);
  return self->info;
}

const char *
aios_approval_view_get_title (AiosApprovalView *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_VIEW (self), NULL);
  return self->title;
}

/* Only an email's subject and message are edited in place. */
gboolean
aios_approval_view_can_edit (AiosApprovalView *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_VIEW (self), FALSE);
  return is_email (self) &&
         member_string (self->info->request, "subject") != NULL &&
         member_string (self->info->request, "body") != NULL;
}

gboolean
aios_approval_view_get_editing (AiosApprovalView *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_VIEW (self), FALSE);
  return self->editing;
}

/**
 * aios_approval_view_set_editing:
 *
 * Turns the subject and the message editable in place (or back to how they
 * will look). Edits are kept either way until another approval is shown.
 */
void
aios_approval_view_set_editing (AiosApprovalView *self,
                                gboolean          editing)
{
  g_return_if_fail (AIOS_IS_APPROVAL_VIEW (self));

  editing = editing && aios_approval_view_can_edit (self);
  self->editing = editing;
  gtk_stack_set_visible_child_name (self->subject_stack, editing ? "edit" : "show");
  /* Only editable turns: the caret stays on (GTK's default). GTK 4.8 keeps a
   * text view's blink timeout past a focus-out, and hiding the caret of a
   * view that lost the focus (to the Edit or Approve button just clicked)
   * leaves that timeout pending: it fired into blink_cb's assertion that
   * the cursor is visible, and aborted the app. */
  gtk_text_view_set_editable (self->body_view, editing);
  if (editing)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->body_view), "editing");
      gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->body_view), "editing");
}

static void
aios_approval_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), AIOS_TYPE_APPROVAL_VIEW);
  G_OBJECT_CLASS (aios_approval_view_parent_class)->dispose (object);
}

static void
aios_approval_view_finalize (GObject *object)
{
  AiosApprovalView *self = AIOS_APPROVAL_VIEW (object);

  g_clear_pointer (&self->info, aios_approval_info_free);
  g_free (self->title);
  G_OBJECT_CLASS (aios_approval_view_parent_class)->finalize (object);
}

static void
aios_approval_view_class_init (AiosApprovalViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_approval_view_dispose;
  object_class->finalize = aios_approval_view_finalize;

  /**
   * AiosApprovalView::open-record:
   * @record_id: a memory record the agents used
   *
   * The operator wants to see that record in Memory.
   */
  signals[OPEN_RECORD] = g_signal_new ("open-record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-approval-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, title_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, approve_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, reject_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, meta_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, post_meta_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, post_title_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, post_excerpt_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, post_body_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, from_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, to_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, cc_title);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, cc_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, subject_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, subject_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, message_id_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, body_view);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, invoice_grid);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, code_heading);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, code_view);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, changes_revealer);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, changes_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, why_box);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, why_list);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, records_box);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalView, records_list);
}

static void
aios_approval_view_init (AiosApprovalView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->subject_entry, "changed", G_CALLBACK (subject_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_text_view_get_buffer (self->body_view), "changed", G_CALLBACK (update_changes),
                           self, G_CONNECT_SWAPPED);
}
