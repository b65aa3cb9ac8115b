/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What model calls cost: the prices per model (model_prices), the spending
 * so far (from the prompts table) and the budgets (settings llm.budget.*)
 * that a call's worst case is checked against before it is made.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "aios-connector.h"
#include "aios-llm.h"
#include "aios-llm-private.h"
#include "store/aios-journal.h"

gboolean
aios_llm_set_price (AiosLlm     *self,
                    const char  *model,
                    gint64       input_micros_per_mtok,
                    gint64       output_micros_per_mtok,
                    GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *summary = NULL;
  AiosEvent ev = { 0 };
  int rc;

  g_return_val_if_fail (AIOS_IS_LLM (self), FALSE);
  if (model == NULL || *model == '\0' || input_micros_per_mtok < 0 || output_micros_per_mtok < 0)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A price needs a model name and amounts of zero or more"));
      return FALSE;
    }
  if (!aios_store_begin (self->store, error))
    return FALSE;
  stmt = aios_store_prepare (self->store,
                             "INSERT INTO model_prices (model, input_micros_per_mtok, output_micros_per_mtok, updated_at) "
                             "VALUES (?,?,?,?) ON CONFLICT (model) DO UPDATE SET "
                             "input_micros_per_mtok = excluded.input_micros_per_mtok, "
                             "output_micros_per_mtok = excluded.output_micros_per_mtok, "
                             "updated_at = excluded.updated_at", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, model, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, input_micros_per_mtok);
  sqlite3_bind_int64 (stmt, 3, output_micros_per_mtok);
  sqlite3_bind_int64 (stmt, 4, aios_store_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("save the price"));
      goto fail;
    }
  summary = g_strdup_printf ("Price of model %s set to %.2f in / %.2f out per million tokens", model,
                             input_micros_per_mtok / 1e6, output_micros_per_mtok / 1e6);
  ev.actor = (char *) "operator";
  ev.kind = (char *) "llm.price-changed";
  ev.summary = summary;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;
  return aios_store_commit (self->store, error);
fail:
  aios_store_rollback (self->store);
  return FALSE;
}

void
aios_model_price_free (AiosModelPrice *price)
{
  if (price == NULL)
    return;
  g_free (price->model);
  g_free (price);
}

static AiosModelPrice *
price_from_row (sqlite3_stmt *stmt)
{
  AiosModelPrice *price = g_new0 (AiosModelPrice, 1);

  price->model = aios_store_column_dup (stmt, 0);
  price->input_micros_per_mtok = sqlite3_column_int64 (stmt, 1);
  price->output_micros_per_mtok = sqlite3_column_int64 (stmt, 2);
  price->updated_at = sqlite3_column_int64 (stmt, 3);
  return price;
}

/**
 * aios_llm_get_price:
 * @model: a model name
 *
 * Returns: (transfer full) (nullable): @model's price, or %NULL when it has none
 */
AiosModelPrice *
aios_llm_get_price (AiosLlm    *self,
                    const char *model)
{
  sqlite3_stmt *stmt;
  AiosModelPrice *price = NULL;

  g_return_val_if_fail (AIOS_IS_LLM (self), NULL);
  if (model == NULL)
    return NULL;
  stmt = aios_store_prepare (self->store,
                             "SELECT model, input_micros_per_mtok, output_micros_per_mtok, updated_at "
                             "FROM model_prices WHERE model = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, model, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    price = price_from_row (stmt);
  sqlite3_reset (stmt);
  return price;
}

/**
 * aios_llm_list_prices:
 *
 * Returns: (transfer container) (element-type AiosModelPrice): every priced
 *   model in name order, or %NULL with @error set
 */
GPtrArray *
aios_llm_list_prices (AiosLlm  *self,
                      GError  **error)
{
  g_return_val_if_fail (AIOS_IS_LLM (self), NULL);
  return aios_store_collect (self->store,
                             aios_store_prepare (self->store,
                                                 "SELECT model, input_micros_per_mtok, output_micros_per_mtok, "
                                                 "updated_at FROM model_prices ORDER BY model", error),
                             _("read the model prices"), (AiosStoreRowFunc) price_from_row,
                             (GDestroyNotify) aios_model_price_free, error);
}

gboolean
aios_llm_get_price_micros (AiosLlm    *self,
                           const char *model,
                           gint64     *in,
                           gint64     *out)
{
  g_autoptr(AiosModelPrice) price = aios_llm_get_price (self, model);

  *in = price != NULL ? price->input_micros_per_mtok : 0;
  *out = price != NULL ? price->output_micros_per_mtok : 0;
  return price != NULL;
}

static gint64
period_start_ms (gboolean month)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) start = g_date_time_new_local (g_date_time_get_year (now),
                                                     g_date_time_get_month (now),
                                                     month ? 1 : g_date_time_get_day_of_month (now),
                                                     0, 0, 0);
  return g_date_time_to_unix (start) * 1000;
}

gint64
aios_llm_spent_micros (AiosLlm  *self,
                       gboolean  month)
{
  sqlite3_stmt *stmt = aios_store_prepare (self->store,
                                           "SELECT COALESCE (SUM (cost_micros), 0) FROM prompts WHERE ts >= ?", NULL);
  gint64 spent = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, period_start_ms (month));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    spent = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return spent;
}

gint64
aios_llm_budget_micros (AiosLlm    *self,
                        const char *key)
{
  g_autofree char *value = aios_config_get (self->config, key);

  if (value == NULL)
    return -1;
  return (gint64) llround (g_ascii_strtod (value, NULL) * 1e6);
}

gint64
aios_llm_cost_of (gint64 in_price,
                  gint64 out_price,
                  gint64 tokens_in,
                  gint64 tokens_out)
{
  return (tokens_in * in_price + tokens_out * out_price + 999999) / 1000000;
}

