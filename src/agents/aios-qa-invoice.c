/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The QA role's invoice mode: a suggested invoice is checked against the
 * contract it claims to follow, read from memory by the flow (not from the
 * billing agent's own say). Config:
 *
 *   { "mode": "invoice", "invoice": "{{steps.bill.invoice}}",
 *     "contract": "{{memory.contract}}" }
 *
 * It recomputes every work line (quantity × the contract's rate), the tax
 * (the contract's rate on the subtotal), the total, and compares the
 * currency, the payment terms and the contract's version; any difference
 * fails the step permanently with every reason in words.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <glib/gi18n.h>

#include "aios-billing-agent.h"
#include "aios-qa-invoice.h"
#include "store/aios-json.h"

static gboolean
number_member (JsonObject *object,
               const char *name,
               double     *out)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  char *end = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      *out = json_node_get_double (node);
      return isfinite (*out);
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING || *json_node_get_string (node) == '\0')
    return FALSE;
  *out = g_ascii_strtod (json_node_get_string (node), &end);
  return *end == '\0' && isfinite (*out);
}

static gboolean
int_member (JsonObject *object,
            const char *name,
            gint64     *out)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/**
 * aios_qa_check_invoice:
 * @config: the step's expanded config
 *
 * Returns: (transfer full): the step's output, or %NULL with @error
 */
JsonNode *
aios_qa_check_invoice (JsonObject  *config,
                       GError     **error)
{
  JsonNode *invoice_node = json_object_get_member (config, "invoice");
  JsonNode *contract_node = json_object_get_member (config, "contract");
  JsonObject *invoice = invoice_node && JSON_NODE_HOLDS_OBJECT (invoice_node) ? json_node_get_object (invoice_node) : NULL;
  JsonObject *contract = contract_node && JSON_NODE_HOLDS_OBJECT (contract_node)
                           ? json_node_get_object (contract_node) : NULL;
  JsonObject *terms = contract && json_object_has_member (contract, "fields")
                        ? json_object_get_object_member (contract, "fields") : NULL;
  JsonArray *items = invoice && json_object_has_member (invoice, "items") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (invoice, "items"))
                       ? json_object_get_array_member (invoice, "items") : NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonArray) passed = json_array_new ();
  g_autoptr(JsonObject) out = json_object_new ();
  const char *currency, *contract_currency;
  double rate = 0, tax_rate = 0, payment_days = 30;
  gint64 rate_minor, subtotal = 0, tax_items = 0, n_tax = 0, n_work = 0, claimed, days = -1, version = 0;
  gboolean lines_ok = TRUE;

  if (invoice == NULL || items == NULL || json_array_get_length (items) == 0)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("Quality check failed: there is no invoice with items to check"));
      return NULL;
    }
  if (terms == NULL || !number_member (terms, "rate", &rate) || rate <= 0)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("Quality check failed: the contract with a positive rate was not found in memory"));
      return NULL;
    }
  number_member (terms, "tax_rate", &tax_rate);
  number_member (terms, "payment_days", &payment_days);
  rate_minor = (gint64) llround (rate * 100.0);

  currency = json_object_get_string_member_with_default (invoice, "currency", "");
  contract_currency = json_object_get_string_member_with_default (terms, "currency", "");
  if (*currency == '\0' || g_ascii_strcasecmp (currency, contract_currency) != 0)
    g_ptr_array_add (problems, g_strdup_printf (_("the currency is “%s”, the contract's is “%s”"),
                                                currency, contract_currency));
  else
    json_array_add_string_element (passed, _("the currency is the contract's"));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      double quantity = 0;
      gint64 amount = 0, unit_amount = 0;

      if (item == NULL || !int_member (item, "amount", &amount))
        {
          g_ptr_array_add (problems, g_strdup_printf (_("item %u has no whole amount"), i + 1));
          lines_ok = FALSE;
          continue;
        }
      if (json_object_get_boolean_member_with_default (item, "tax", FALSE))
        {
          tax_items += amount;
          n_tax++;
          continue;
        }
      n_work++;
      subtotal += amount;
      if (!number_member (item, "quantity", &quantity) || !int_member (item, "unit_amount", &unit_amount))
        {
          g_ptr_array_add (problems, g_strdup_printf (_("item %u says no quantity and unit amount"), i + 1));
          lines_ok = FALSE;
        }
      else if (unit_amount != rate_minor)
        {
          g_ptr_array_add (problems, g_strdup_printf (_("item %u is priced at %" PRId64 " cents, the contract's "
                                                        "rate is %" PRId64), i + 1, unit_amount, rate_minor));
          lines_ok = FALSE;
        }
      else if (amount != aios_billing_line_amount (quantity, rate_minor))
        {
          g_ptr_array_add (problems, g_strdup_printf (_("item %u comes to %" PRId64 " cents, not %" PRId64),
                                                      i + 1, amount, aios_billing_line_amount (quantity, rate_minor)));
          lines_ok = FALSE;
        }
    }
  if (n_work == 0)
    g_ptr_array_add (problems, g_strdup (_("it bills no work")));
  else if (lines_ok)
    json_array_add_string_element (passed, _("every line is its quantity at the contract's rate"));

  if (n_tax > 1 || tax_items != aios_billing_tax_amount (subtotal, tax_rate))
    g_ptr_array_add (problems, g_strdup_printf (_("the tax is %" PRId64 " cents, the contract's rate on the "
                                                  "subtotal makes %" PRId64), tax_items,
                                                aios_billing_tax_amount (subtotal, tax_rate)));
  else
    json_array_add_string_element (passed, _("the tax is the contract's rate on the subtotal"));

  if (!int_member (invoice, "total", &claimed) || claimed != subtotal + tax_items)
    g_ptr_array_add (problems, g_strdup_printf (_("the total does not agree with its items (%" PRId64 " cents)"),
                                                subtotal + tax_items));
  else
    json_array_add_string_element (passed, _("the total agrees with the contract"));

  if (!int_member (invoice, "days_until_due", &days) || days != (gint64) payment_days)
    g_ptr_array_add (problems, g_strdup_printf (_("it is due in %" PRId64 " days, the contract says %" PRId64),
                                                days, (gint64) payment_days));
  else
    json_array_add_string_element (passed, _("the payment terms are the contract's"));

  if (!int_member (invoice, "contract_version", &version) ||
      version != json_object_get_int_member_with_default (contract, "version", 0))
    g_ptr_array_add (problems, g_strdup_printf (_("it was drafted from contract version %" PRId64 ", the current "
                                                  "one is %" PRId64), version,
                                                json_object_get_int_member_with_default (contract, "version", 0)));
  else
    json_array_add_string_element (passed, _("it follows the current version of the contract"));

  if (problems->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (problems, NULL);
      list = g_strjoinv ("; ", (char **) problems->pdata);
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT, _("Quality check failed: %s"), list);
      return NULL;
    }
  json_object_set_boolean_member (out, "passed", TRUE);
  json_object_set_array_member (out, "checks", g_steal_pointer (&passed));
  json_object_set_string_member (out, "rationale", _("The invoice agrees with the contract: every line, the tax, "
                                                     "the total, the currency and the terms"));
  return aios_json_node_take_object (g_steal_pointer (&out));
}
