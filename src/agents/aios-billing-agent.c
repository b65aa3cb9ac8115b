/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "billing" role turns a client's contract and the unbilled work of a
 * period into a suggested invoice, and marks that work billed once the
 * invoice was issued. Config `mode`:
 *
 *   "draft"   from the run input { "client": "Acme", "period": "2026-11" }
 *             (or "from"/"to" dates; optional "issue_date", default today)
 *             and memory (the client's contract, its client record for the
 *             billing email, its work records dated in the period and not
 *             billed) it returns the invoice request for the invoice
 *             connector: customer, currency, days_until_due (the contract's
 *             payment terms), one item per work record (hours or days times
 *             the rate, or a milestone at its fixed price; quantity and
 *             unit_amount kept beside the amount), a tax item, subtotal,
 *             tax and total in minor units and the due date (issue date +
 *             terms). The rationale names the contract version and every
 *             work record billed; memory_used links those versions. "key"
 *             is the client and period, which the flow makes part of the
 *             action's idempotency key (one invoice per client and period).
 *   "billed"  after the send: each billed work record gets a new version
 *             (billed: yes, invoice: its id) and the contract one naming the
 *             invoice (last_invoice), with this run as provenance. The
 *             invoice id comes from what the connector answered (the outbox,
 *             through the hook aios_outbox_provide_sent_responses() fills).
 *
 * Amounts: a line is quantity × unit amount in cents, rounded half away
 * from zero (aios_billing_line_amount()); tax is the subtotal × rate / 100,
 * rounded the same way. The QA role recomputes both from the contract.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-billing-agent.h"
#include "aios-model-writer.h"
#include "aios-template.h"
#include "store/aios-json.h"

#define AUTHOR "agent:billing"
#define DEFAULT_PAYMENT_DAYS 30

struct _AiosBillingAgent
{
  AiosAgent            parent_instance;

  AiosMemory          *memory;
  AiosStore           *store;
};

G_DEFINE_FINAL_TYPE (AiosBillingAgent, aios_billing_agent, AIOS_TYPE_AGENT)

static const char *const modes[] = { "draft", "billed", NULL };

/**
 * aios_billing_line_amount:
 * @quantity: hours, days or 1 (a milestone)
 * @unit_amount: the rate in minor units
 *
 * Returns: the line's amount in minor units, rounded half away from zero
 */
gint64
aios_billing_line_amount (double quantity,
                          gint64 unit_amount)
{
  return (gint64) llround (quantity * (double) unit_amount);
}

/**
 * aios_billing_tax_amount:
 * @tax_rate: in percent (19 for 19 %)
 *
 * Returns: the tax on @subtotal in minor units, rounded half away from zero
 */
gint64
aios_billing_tax_amount (gint64 subtotal,
                         double tax_rate)
{
  return (gint64) llround ((double) subtotal * tax_rate / 100.0);
}

static gboolean
aios_billing_agent_check_config (AiosAgent   *agent,
                                 JsonObject  *config,
                                 GError     **error)
{
  const char *mode = config != NULL && json_object_has_member (config, "mode")
                       ? json_object_get_string_member_with_default (config, "mode", NULL) : NULL;

  if (mode == NULL || !g_strv_contains (modes, mode))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".mode: expected “draft” or “billed”"));
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
ref_node (const AiosRecord *record)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_int_member (obj, "id", record->id);
  json_object_set_int_member (obj, "version", record->version);
  return json_node_init_object (json_node_alloc (), obj);
}

/* A number field: a JSON number or a numeric string; FALSE when unset. */
static gboolean
number_field (const AiosRecord *record,
              const char       *name,
              double           *out)
{
  JsonNode *node = record->fields ? json_object_get_member (record->fields, name) : NULL;
  char *end = NULL;
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      *out = json_node_get_double (node);
      return isfinite (*out);
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  s = json_node_get_string (node);
  if (*s == '\0')
    return FALSE;
  *out = g_ascii_strtod (s, &end);
  return end != NULL && *end == '\0' && isfinite (*out);
}

static const char *
text_field (const AiosRecord *record,
            const char       *name)
{
  const char *s = record->fields ? json_object_get_string_member_with_default (record->fields, name, NULL) : NULL;
  return s != NULL && *s != '\0' ? s : NULL;
}

static char *
money_text (gint64      minor,
            const char *currency)
{
  return g_strdup_printf ("%" PRId64 ".%02d %s", minor / 100, (int) ABS (minor % 100), currency);
}

static char *
quantity_text (double q)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", q)) ;
}

static GDate *
parse_date (const char *s)
{
  guint y, m, d;
  char tail;

  if (s == NULL || strlen (s) != 10 || sscanf (s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return NULL;
  return g_date_new_dmy (d, m, y);
}

static char *
date_text (const GDate *date)
{
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date), g_date_get_day (date));
}

/* The period from the run input: "period": "YYYY-MM", or "from" and "to". */
static gboolean
read_period (JsonObject  *context,
             GDate      **out_from,
             GDate      **out_to,
             GError     **error)
{
  const char *period = aios_template_lookup_string (context, "input.period");
  g_autoptr(GDate) from = NULL;
  g_autoptr(GDate) to = NULL;

  if (period != NULL)
    {
      guint y, m;
      char tail;

      if (strlen (period) != 7 || sscanf (period, "%4u-%2u%c", &y, &m, &tail) != 2 || m < 1 || m > 12 ||
          !g_date_valid_year (y))
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("“%s” is not a billing period (expected a month as YYYY-MM, e.g. 2026-11)"), period);
          return FALSE;
        }
      from = g_date_new_dmy (1, m, y);
      to = g_date_new_dmy (g_date_get_days_in_month (m, y), m, y);
    }
  else
    {
      from = parse_date (aios_template_lookup_string (context, "input.from"));
      to = parse_date (aios_template_lookup_string (context, "input.to"));
      if (from == NULL || to == NULL || g_date_compare (from, to) > 0)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("A billing run needs a “period” (YYYY-MM) or “from” and “to” dates (YYYY-MM-DD, from not after to)"));
          return FALSE;
        }
    }
  *out_from = g_steal_pointer (&from);
  *out_to = g_steal_pointer (&to);
  return TRUE;
}

/* "acme-corp": the client's name as a key part (letters and digits). */
static char *
client_slug (const char *client)
{
  g_autofree char *folded = g_utf8_casefold (client, -1);
  GString *slug = g_string_new (NULL);

  for (const char *p = folded; *p; p++)
    {
      if (g_ascii_isalnum (*p) || (guchar) *p >= 0x80)
        g_string_append_c (slug, *p);
      else if (slug->len > 0 && slug->str[slug->len - 1] != '-')
        g_string_append_c (slug, '-');
    }
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);
  return g_string_free (slug, FALSE);
}

static int
compare_work (gconstpointer a,
              gconstpointer b)
{
  const AiosRecord *x = *(AiosRecord * const *) a;
  const AiosRecord *y = *(AiosRecord * const *) b;
  int c = g_strcmp0 (text_field (x, "date"), text_field (y, "date"));

  return c != 0 ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static AiosRecord *
find_one (AiosBillingAgent  *self,
          const char        *kind,
          const char        *field,
          const char        *value,
          GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  AiosRecord *record = aios_memory_find (self->memory, kind, field, value, &local_error);

  if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return record;
}

static void
add_item (JsonArray  *items,
          const char *description,
          gint64      amount,
          double      quantity,
          gint64      unit_amount,
          const char *unit,
          JsonNode   *work)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "description", description);
  json_object_set_int_member (item, "amount", amount);
  if (work != NULL)
    {
      json_object_set_double_member (item, "quantity", quantity);
      json_object_set_string_member (item, "unit", unit);
      json_object_set_int_member (item, "unit_amount", unit_amount);
      json_object_set_member (item, "work", work);
    }
  else
    json_object_set_boolean_member (item, "tax", TRUE);
  json_array_add_object_element (items, item);
}

static JsonNode *
draft_invoice (AiosBillingAgent  *self,
               JsonObject        *context,
               GError           **error)
{
  const char *client = aios_template_lookup_string (context, "input.client");
  const char *issue_input = aios_template_lookup_string (context, "input.issue_date");
  g_autoptr(GDate) from = NULL;
  g_autoptr(GDate) to = NULL;
  g_autoptr(GDate) issue = NULL;
  g_autoptr(AiosRecord) contract = NULL;
  g_autoptr(AiosRecord) client_record = NULL;
  g_autoptr(GPtrArray) all_work = NULL;
  g_autoptr(GPtrArray) work = g_ptr_array_new ();
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonArray) work_refs = json_array_new ();
  g_autoptr(JsonArray) used = json_array_new ();
  g_autoptr(JsonObject) invoice = json_object_new ();
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GString) billed_list = g_string_new (NULL);
  g_autofree char *from_text = NULL, *to_text = NULL, *issue_text = NULL, *due_text = NULL;
  g_autofree char *currency_lower = NULL, *slug = NULL, *key = NULL, *period_text = NULL;
  g_autofree char *rate_text = NULL, *subtotal_text = NULL, *tax_text = NULL, *total_text = NULL;
  g_autofree char *description = NULL, *rationale = NULL, *tax_rate_text = NULL;
  const char *currency, *unit, *email, *last_billed_invoice = NULL;
  double rate = 0, tax_rate = 0, payment_days = DEFAULT_PAYMENT_DAYS;
  gint64 rate_minor, subtotal = 0, tax, days_until_due;
  guint already_billed = 0;

  if (client == NULL)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("A billing run needs the “client” to bill (the name on the contract)"));
      return NULL;
    }
  if (!read_period (context, &from, &to, error))
    return NULL;
  from_text = date_text (from);
  to_text = date_text (to);

  if (issue_input != NULL)
    {
      issue = parse_date (issue_input);
      if (issue == NULL)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("“%s” is not an issue date (expected YYYY-MM-DD)"), issue_input);
          return NULL;
        }
    }
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      issue = g_date_new_dmy (g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                              g_date_time_get_year (now));
    }

  contract = find_one (self, "contract", "client", client, error);
  if (contract == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                     _("There is no contract with “%s” in memory, so nothing can be billed: add one "
                       "(kind contract) with its rate and currency"), client);
      return NULL;
    }
  /* From here on the client is named as the contract names it. */
  client = text_field (contract, "client") ? text_field (contract, "client") : client;
  currency = text_field (contract, "currency");
  if (!number_field (contract, "rate", &rate) || rate <= 0 || currency == NULL)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The contract with “%s” (record %" PRId64 ") needs a positive rate and a currency"),
                   client, contract->id);
      return NULL;
    }
  unit = text_field (contract, "unit") ? text_field (contract, "unit") : "hour";
  number_field (contract, "tax_rate", &tax_rate);
  number_field (contract, "payment_days", &payment_days);
  if (tax_rate < 0 || tax_rate > 100 || payment_days < 0 || payment_days > 365)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The contract with “%s” needs a tax rate from 0 to 100 %% and payment terms from 0 to 365 days"),
                   client);
      return NULL;
    }
  rate_minor = (gint64) llround (rate * 100.0);
  days_until_due = (gint64) payment_days;

  client_record = find_one (self, "client", "name", client, error);
  if (error != NULL && *error != NULL)
    return NULL;
  email = client_record ? text_field (client_record, "email") : NULL;
  if (email == NULL)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The client “%s” has no billing email in memory (a client record with that name and "
                     "its email), so there is no one to send the invoice to"), client);
      return NULL;
    }

  all_work = aios_memory_find_all (self->memory, "work", "client", client, error);
  if (all_work == NULL)
    return NULL;
  for (guint i = 0; i < all_work->len; i++)
    {
      AiosRecord *w = g_ptr_array_index (all_work, i);
      const char *date = text_field (w, "date");

      if (date == NULL || g_strcmp0 (date, from_text) < 0 || g_strcmp0 (date, to_text) > 0)
        continue;
      if (g_strcmp0 (text_field (w, "billed"), "yes") == 0)
        {
          already_billed++;
          last_billed_invoice = text_field (w, "invoice");
          continue;
        }
      g_ptr_array_add (work, w);
    }
  if (work->len == 0)
    {
      if (already_billed > 0)
        g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                     _("Nothing left to bill for %s from %s to %s: its %u work records there were already "
                       "billed (invoice %s)"), client, from_text, to_text, already_billed,
                     last_billed_invoice ? last_billed_invoice : _("unknown"));
      else
        g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                     _("No work for %s is logged from %s to %s, so there is nothing to bill"),
                     client, from_text, to_text);
      return NULL;
    }
  g_ptr_array_sort (work, compare_work);

  currency_lower = g_ascii_strdown (currency, -1);
  rate_text = money_text (rate_minor, currency);
  for (guint i = 0; i < work->len; i++)
    {
      AiosRecord *w = g_ptr_array_index (work, i);
      const char *what = text_field (w, "description") ? text_field (w, "description") : w->title;
      const char *project = text_field (w, "project");
      g_autofree char *line = NULL;
      g_autofree char *qty = NULL;
      double quantity = 0;
      gint64 amount;

      if (g_str_equal (unit, "milestone"))
        {
          const char *milestone = text_field (w, "milestone");
          if (milestone == NULL)
            {
              g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                           _("Work record %" PRId64 " (%s) names no milestone, but the contract with %s "
                             "pays a fixed price per milestone"), w->id, what, client);
              return NULL;
            }
          quantity = 1;
          line = g_strdup_printf (_("%s: milestone “%s” (%s)"), text_field (w, "date"), milestone, what);
        }
      else
        {
          double hours = 0;
          gboolean has_hours = number_field (w, "hours", &hours);
          gboolean has_days = number_field (w, "days", &quantity);

          if (g_str_equal (unit, "hour"))
            {
              quantity = hours;
              has_days = FALSE;
            }
          else if (!has_days && has_hours)
            quantity = hours / 8.0;   /* a day rate for logged hours: 8 hours a day */
          if ((g_str_equal (unit, "hour") ? !has_hours : !(has_days || has_hours)) || quantity <= 0 ||
              quantity > 10000)
            {
              g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                           _("Work record %" PRId64 " (%s) needs positive %s to be billed at a rate per %s"),
                           w->id, what, g_str_equal (unit, "hour") ? _("hours") : _("days or hours"), unit);
              return NULL;
            }
          qty = quantity_text (quantity);
          /* Translators: an invoice line: date, project, what was done, quantity, unit, rate */
          line = g_strdup_printf (_("%s: %s%s%s (%s %s × %s)"), text_field (w, "date"),
                                  project ? project : "", project ? " — " : "", what, qty,
                                  g_str_equal (unit, "hour") ? _("h") : _("d"), rate_text);
        }
      amount = aios_billing_line_amount (quantity, rate_minor);
      if (amount <= 0)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("Work record %" PRId64 " (%s) comes to nothing at the contract's rate"), w->id, what);
          return NULL;
        }
      if (strlen (line) > 480)
        {
          /* the connector takes 500 bytes a line: cut at a character */
          const char *end = g_utf8_find_prev_char (line, line + 477);
          g_autofree char *shortened = g_strndup (line, end != NULL ? (gsize) (end - line) : 0);
          g_free (line);
          line = g_strconcat (shortened, "…", NULL);
        }
      subtotal += amount;
      add_item (items, line, amount, quantity, rate_minor, unit, ref_node (w));
      json_array_add_element (work_refs, ref_node (w));
      json_array_add_element (used, ref_node (w));
      g_string_append_printf (billed_list, "%s#%" PRId64 " v%" PRId64 " (%s, %s)", billed_list->len ? ", " : "",
                              w->id, w->version, text_field (w, "date"), what);
    }

  tax = aios_billing_tax_amount (subtotal, tax_rate);
  tax_rate_text = quantity_text (tax_rate);
  subtotal_text = money_text (subtotal, currency);
  if (tax > 0)
    {
      /* Translators: the tax line of an invoice: the rate and what it is on */
      g_autofree char *line = g_strdup_printf (_("Tax %s %% on %s"), tax_rate_text, subtotal_text);
      add_item (items, line, tax, 0, 0, NULL, NULL);
    }
  tax_text = money_text (tax, currency);
  total_text = money_text (subtotal + tax, currency);

  {
    g_autoptr(GDate) due = g_date_copy (issue);
    g_date_add_days (due, (guint) days_until_due);
    due_text = date_text (due);
    issue_text = date_text (issue);
  }
  slug = client_slug (client);
  period_text = g_strdup_printf ("%s..%s", from_text, to_text);
  key = g_strdup_printf ("billing/%s/%s", slug, period_text);
  /* Translators: the invoice's description: client, first and last day */
  description = g_strdup_printf (_("%s: work from %s to %s"), client, from_text, to_text);

  json_object_set_string_member (customer, "email", email);
  json_object_set_string_member (customer, "name", client_record->title ? client_record->title : client);
  json_object_set_object_member (invoice, "customer", g_steal_pointer (&customer));
  json_object_set_string_member (invoice, "currency", currency_lower);
  json_object_set_int_member (invoice, "days_until_due", days_until_due);
  json_object_set_string_member (invoice, "description", description);
  json_object_set_array_member (invoice, "items", g_steal_pointer (&items));
  json_object_set_string_member (invoice, "client", client);
  json_object_set_string_member (invoice, "period", period_text);
  json_object_set_string_member (invoice, "issue_date", issue_text);
  json_object_set_string_member (invoice, "due_date", due_text);
  json_object_set_int_member (invoice, "subtotal", subtotal);
  json_object_set_double_member (invoice, "tax_rate", tax_rate);
  json_object_set_int_member (invoice, "tax", tax);
  json_object_set_int_member (invoice, "total", subtotal + tax);
  json_object_set_int_member (invoice, "contract_id", contract->id);
  json_object_set_int_member (invoice, "contract_version", contract->version);

  rationale = g_strdup_printf (_("Bills %u unbilled work records of %s from %s to %s under the contract "
                                 "#%" PRId64 " version %" PRId64 " (%s per %s, tax %s %%, payment in "
                                 "%" PRId64 " days): %s. Subtotal %s, tax %s, total %s, due %s."),
                               work->len, client, from_text, to_text, contract->id, contract->version,
                               rate_text, unit, tax_rate_text, days_until_due, billed_list->str,
                               subtotal_text, tax_text, total_text, due_text);

  json_array_add_element (used, ref_node (contract));
  json_array_add_element (used, ref_node (client_record));
  json_object_set_string_member (out, "client", client);
  json_object_set_string_member (out, "period", period_text);
  json_object_set_string_member (out, "key", key);
  json_object_set_member (out, "contract", ref_node (contract));
  json_object_set_array_member (out, "work", g_steal_pointer (&work_refs));
  json_object_set_object_member (out, "invoice", g_steal_pointer (&invoice));
  json_object_set_string_member (out, "total_text", total_text);
  json_object_set_string_member (out, "rationale", rationale);
  json_object_set_array_member (out, "memory_used", g_steal_pointer (&used));
  return aios_json_node_take_object (g_steal_pointer (&out));
}

static gboolean
same_content (const AiosRecord *record,
              JsonObject       *fields)
{
  g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), record->fields);
  g_autoptr(JsonNode) b = json_node_init_object (json_node_alloc (), fields);

  return json_node_equal (a, b);
}

static JsonObject *
copy_fields (const AiosRecord *record)
{
  JsonObject *fields = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (record->fields == NULL)
    return fields;
  json_object_iter_init (&iter, record->fields);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (fields, name, json_node_copy (value));
  return fields;
}

/* Writes a version unless this run already wrote exactly this one (a step
 * run again after a crash before its result was recorded). */
static gboolean
put_once (AiosBillingAgent  *self,
          AiosRecord        *current,
          JsonObject        *fields,
          gint64             run_id,
          const char        *rationale,
          JsonArray         *refs,
          GError           **error)
{
  AiosProvenance provenance = { AUTHOR, run_id, rationale };
  g_autoptr(JsonObject) ref = json_object_new ();
  gint64 version = current->version;

  if (!(current->run_id == run_id && g_strcmp0 (current->author, AUTHOR) == 0 && same_content (current, fields)) &&
      aios_memory_put (self->memory, current->id, current->kind, fields, current->body, &provenance,
                       &version, error) == 0)
    return FALSE;
  json_object_set_int_member (ref, "id", current->id);
  json_object_set_int_member (ref, "version", version);
  json_array_add_object_element (refs, g_steal_pointer (&ref));
  return TRUE;
}

static JsonNode *
mark_billed (AiosBillingAgent  *self,
             JsonObject        *context,
             gint64             run_id,
             GError           **error)
{
  g_autoptr(JsonNode) response = aios_agent_get_sent_response (AIOS_AGENT (self), self->store, run_id, "invoice");
  JsonObject *sent = response && JSON_NODE_HOLDS_OBJECT (response) ? json_node_get_object (response) : NULL;
  const char *invoice_id = sent ? json_object_get_string_member_with_default (sent, "invoice", NULL) : NULL;
  const char *number = sent ? json_object_get_string_member_with_default (sent, "number", "") : "";
  const char *period = aios_template_lookup_string (context, "steps.bill.period");
  const char *total_text = aios_template_lookup_string (context, "steps.bill.total_text");
  JsonNode *work = aios_template_lookup (context, "steps.bill.work");
  JsonNode *contract_id = aios_template_lookup (context, "steps.bill.contract.id");
  g_autoptr(AiosRecord) contract = NULL;
  g_autoptr(JsonArray) refs = json_array_new ();
  g_autoptr(JsonObject) out = json_object_new ();
  g_autofree char *label = NULL;
  g_autofree char *rationale = NULL;
  g_autofree char *contract_rationale = NULL;
  guint n_work;

  if (invoice_id == NULL || *invoice_id == '\0')
    {
      /* Fail closed: never mark work billed without the issued invoice on record. */
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The outbox has no issued invoice for this run, so no work was marked billed"));
      return NULL;
    }
  if (work == NULL || !JSON_NODE_HOLDS_ARRAY (work) || contract_id == NULL || !JSON_NODE_HOLDS_VALUE (contract_id))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _("This step needs the output of the “bill” step (inputs.steps: [\"bill\"])"));
      return NULL;
    }
  n_work = json_array_get_length (json_node_get_array (work));
  label = *number ? g_strdup_printf ("%s (%s)", invoice_id, number) : g_strdup (invoice_id);
  rationale = g_strdup_printf (_("Billed on invoice %s for %s"), label, period ? period : "");
  contract_rationale = g_strdup_printf (_("Invoice %s issued for %s: %u work records, total %s"),
                                        label, period ? period : "", n_work, total_text ? total_text : "");

  if (!aios_store_begin (self->store, error))
    return NULL;
  for (guint i = 0; i < n_work; i++)
    {
      JsonObject *ref = json_array_get_object_element (json_node_get_array (work), i);
      g_autoptr(AiosRecord) record = ref ? aios_memory_get (self->memory, json_object_get_int_member (ref, "id"), error)
                                         : NULL;
      g_autoptr(JsonObject) fields = NULL;

      if (record == NULL)
        goto fail;
      fields = copy_fields (record);
      json_object_set_string_member (fields, "billed", "yes");
      json_object_set_string_member (fields, "invoice", invoice_id);
      if (!put_once (self, record, fields, run_id, rationale, refs, error))
        goto fail;
    }
  contract = aios_memory_get (self->memory, json_node_get_int (contract_id), error);
  if (contract == NULL)
    goto fail;
  {
    g_autoptr(JsonObject) fields = copy_fields (contract);
    g_autofree char *last = g_strdup_printf ("%s, %s", label, period ? period : "");

    json_object_set_string_member (fields, "last_invoice", last);
    if (!put_once (self, contract, fields, run_id, contract_rationale, refs, error))
      goto fail;
  }
  if (!aios_store_commit (self->store, error))
    return NULL;

  json_object_set_string_member (out, "invoice", invoice_id);
  json_object_set_string_member (out, "number", number);
  json_object_set_int_member (out, "billed", n_work);
  json_object_set_string_member (out, "rationale", contract_rationale);
  json_object_set_array_member (out, "memory_used", g_steal_pointer (&refs));
  return aios_json_node_take_object (g_steal_pointer (&out));

fail:
  aios_store_rollback (self->store);
  return NULL;
}

static void
aios_billing_agent_run_async (AiosAgent           *agent,
                              JsonObject          *context,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AiosBillingAgent *self = AIOS_BILLING_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  gint64 run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  g_autoptr(GError) error = NULL;
  JsonNode *out;

  g_task_set_source_tag (task, aios_billing_agent_run_async);
  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_str_equal (json_object_get_string_member (config, "mode"), "draft"))
    {
      out = draft_invoice (self, context, &error);
      /* With a model for the role it words the work lines (never the amounts). */
      if (out != NULL && aios_model_writer_wanted (agent))
        {
          JsonObject *draft = json_object_ref (json_node_get_object (out));
          json_node_unref (out);
          aios_model_writer_write (agent, context, draft, aios_model_spec_for_invoice (context, draft),
                                   g_steal_pointer (&task));
          return;
        }
      if (out != NULL)
        aios_model_writer_note_builtin (json_node_get_object (out));
    }
  else
    out = mark_billed (self, context, run_id, &error);

  if (out == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, out, (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_billing_agent_run_finish (AiosAgent     *agent,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_billing_agent_dispose (GObject *object)
{
  AiosBillingAgent *self = AIOS_BILLING_AGENT (object);

  g_clear_object (&self->memory);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_billing_agent_parent_class)->dispose (object);
}

static void
aios_billing_agent_class_init (AiosBillingAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_billing_agent_dispose;
  agent_class->check_config = aios_billing_agent_check_config;
  agent_class->run_async = aios_billing_agent_run_async;
  agent_class->run_finish = aios_billing_agent_run_finish;
}

static void
aios_billing_agent_init (AiosBillingAgent *self)
{
}

AiosAgent *
aios_billing_agent_new (AiosMemory *memory,
                        AiosStore  *store)
{
  AiosBillingAgent *self = g_object_new (AIOS_TYPE_BILLING_AGENT, "role", "billing", NULL);

  self->memory = g_object_ref (memory);
  self->store = g_object_ref (store);
  return AIOS_AGENT (self);
}
