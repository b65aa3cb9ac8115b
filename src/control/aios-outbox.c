/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The outbox table's owner. An outward action is an item here from the
 * moment it is allowed or approved: "prepared" with the step's idempotency
 * key, "sending" (durable before anything goes out), then "sent", "failed"
 * or "unknown" (never resent on its own), or "cancelled" before it went.
 * The coordinator writes it inside its transactions (and journals each
 * transition there); the timeline and the lead intake agent read it.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-outbox.h"

G_DEFINE_BOXED_TYPE (AiosOutboxItem, aios_outbox_item, aios_outbox_item_copy, aios_outbox_item_free)

AiosOutboxItem *
aios_outbox_item_copy (const AiosOutboxItem *item)
{
  AiosOutboxItem *copy = g_new0 (AiosOutboxItem, 1);

  *copy = *item;
  copy->policy_rule = g_strdup (item->policy_rule);
  copy->connector = g_strdup (item->connector);
  copy->idempotency_key = g_strdup (item->idempotency_key);
  copy->request = item->request ? json_node_copy (item->request) : NULL;
  copy->status = g_strdup (item->status);
  copy->response = item->response ? json_node_copy (item->response) : NULL;
  copy->error = g_strdup (item->error);
  return copy;
}

void
aios_outbox_item_free (AiosOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->policy_rule);
  g_free (item->connector);
  g_free (item->idempotency_key);
  g_clear_pointer (&item->request, json_node_unref);
  g_free (item->status);
  g_clear_pointer (&item->response, json_node_unref);
  g_free (item->error);
  g_free (item);
}

/**
 * aios_outbox_item_dup_unknown_attention:
 *
 * Returns: (transfer full): what the operator is told about an item that
 *   was being sent when Aios stopped (its run's "needs attention")
 */
char *
aios_outbox_item_dup_unknown_attention (const AiosOutboxItem *item)
{
  return g_strdup_printf (_("An outward action (outbox %" PRId64 ") was being sent "
                            "when Aios stopped, so it may or may not have happened. It is "
                            "not resent: check with the recipient, then mark it as sent or "
                            "send it again with the same key."), item->id);
}

#define SELECT_ITEMS \
  "SELECT id, run_id, step_id, approval_id, policy_rule, connector, idempotency_key, request_json, " \
  "status, response_json, error, attempts, created_at, updated_at FROM outbox "

static JsonNode *
column_json (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? json_from_string (text, NULL) : NULL;
}

static AiosOutboxItem *
read_row (sqlite3_stmt *stmt)
{
  AiosOutboxItem *item = g_new0 (AiosOutboxItem, 1);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->run_id = sqlite3_column_int64 (stmt, 1);
  item->step_id = sqlite3_column_int64 (stmt, 2);
  item->approval_id = sqlite3_column_int64 (stmt, 3);
  item->policy_rule = aios_store_column_dup (stmt, 4);
  item->connector = aios_store_column_dup (stmt, 5);
  item->idempotency_key = aios_store_column_dup (stmt, 6);
  item->request = column_json (stmt, 7);
  item->status = aios_store_column_dup (stmt, 8);
  item->response = column_json (stmt, 9);
  item->error = aios_store_column_dup (stmt, 10);
  item->attempts = sqlite3_column_int64 (stmt, 11);
  item->created_at = sqlite3_column_int64 (stmt, 12);
  item->updated_at = sqlite3_column_int64 (stmt, 13);
  return item;
}

/* Every row of @stmt (from aios_store_query()), or NULL with @error set. */
static GPtrArray *
read_rows (AiosStore     *store,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  return aios_store_collect (store, stmt, _("read the outbox"), (AiosStoreRowFunc) read_row,
                             (GDestroyNotify) aios_outbox_item_free, error);
}

/* The first row of @stmt, or NULL (with @error set only on a failure). */
static AiosOutboxItem *
read_one (AiosStore     *store,
          sqlite3_stmt  *stmt,
          GError       **error)
{
  AiosOutboxItem *item = NULL;

  if (stmt == NULL)
    return NULL;
  if (aios_store_next (store, stmt, _("read the outbox"), error))
    item = read_row (stmt);
  aios_store_done (stmt);
  return item;
}

/**
 * aios_outbox_get:
 *
 * Returns: (transfer full) (nullable): the item, or %NULL when there is
 *   none (@error is set only on a failure)
 */
AiosOutboxItem *
aios_outbox_get (AiosStore  *store,
                 gint64      outbox_id,
                 GError    **error)
{
  return read_one (store, aios_store_query (store, SELECT_ITEMS "WHERE id = ?", error, "i", outbox_id), error);
}

/**
 * aios_outbox_find_for_step:
 * @status: the status it must have ("sending")
 *
 * Returns: (transfer full) (nullable): the step's item in @status, or %NULL
 *   when there is none (@error is set only on a failure)
 */
AiosOutboxItem *
aios_outbox_find_for_step (AiosStore   *store,
                           gint64       step_id,
                           const char  *status,
                           GError     **error)
{
  return read_one (store,
                   aios_store_query (store, SELECT_ITEMS "WHERE step_id = ? AND status = ?", error,
                                     "is", step_id, status),
                   error);
}

/**
 * aios_outbox_find_for_approval:
 *
 * Returns: (transfer full) (nullable): the item the approval let go (the
 *   latest), or %NULL when there is none (@error is set only on a failure)
 */
AiosOutboxItem *
aios_outbox_find_for_approval (AiosStore  *store,
                               gint64      approval_id,
                               GError    **error)
{
  return read_one (store,
                   aios_store_query (store, SELECT_ITEMS "WHERE approval_id = ? ORDER BY id DESC LIMIT 1", error,
                                     "i", approval_id),
                   error);
}

/**
 * aios_outbox_find_by_key:
 *
 * Returns: (transfer full) (nullable): the item with @idempotency_key, in
 *   any status, or %NULL when there is none (@error only on a failure)
 */
AiosOutboxItem *
aios_outbox_find_by_key (AiosStore   *store,
                         const char  *idempotency_key,
                         GError     **error)
{
  return read_one (store,
                   aios_store_query (store, SELECT_ITEMS "WHERE idempotency_key = ?", error, "s", idempotency_key),
                   error);
}

/**
 * aios_outbox_find_last_sent:
 * @connector: the connector that sent it ("email")
 *
 * Returns: (transfer full) (nullable): the run's latest item @connector
 *   sent, or %NULL when there is none (@error is set only on a failure)
 */
AiosOutboxItem *
aios_outbox_find_last_sent (AiosStore   *store,
                            gint64       run_id,
                            const char  *connector,
                            GError     **error)
{
  return read_one (store,
                   aios_store_query (store,
                                     SELECT_ITEMS "WHERE run_id = ? AND status = 'sent' AND connector = ? "
                                     "ORDER BY id DESC LIMIT 1",
                                     error, "is", run_id, connector),
                   error);
}

/**
 * aios_outbox_find_sent_message:
 * @message_id: a Message-ID in angle brackets, as a reply's In-Reply-To or
 *   References names it
 *
 * Returns: (transfer full) (nullable): the sent item whose connector
 *   reported @message_id (the email connector's response), or %NULL
 */
AiosOutboxItem *
aios_outbox_find_sent_message (AiosStore   *store,
                               const char  *message_id,
                               GError     **error)
{
  return read_one (store, aios_store_query (store, SELECT_ITEMS "WHERE status = 'sent' "
                                            "AND json_extract (response_json, '$.message_id') = ? "
                                            "ORDER BY id DESC LIMIT 1", error, "s", message_id),
                   error);
}

/**
 * aios_outbox_list_run:
 *
 * Returns: (transfer full) (element-type AiosOutboxItem): the run's items,
 *   or %NULL with @error set
 */
GPtrArray *
aios_outbox_list_run (AiosStore  *store,
                      gint64      run_id,
                      GError    **error)
{
  return read_rows (store, aios_store_query (store, SELECT_ITEMS "WHERE run_id = ?", error, "i", run_id), error);
}

/**
 * aios_outbox_list_status:
 *
 * Returns: (transfer full) (element-type AiosOutboxItem): every item in
 *   @status, or %NULL with @error set
 */
GPtrArray *
aios_outbox_list_status (AiosStore   *store,
                         const char  *status,
                         GError     **error)
{
  return read_rows (store, aios_store_query (store, SELECT_ITEMS "WHERE status = ?", error, "s", status), error);
}

/**
 * aios_outbox_insert:
 * @approval_id: the approval that let it go, or 0
 * @policy_rule: (nullable): else the rule that allowed it
 * @idempotency_key: the step's key, sent with every attempt
 * @request: what the connector is asked to do
 *
 * Prepares an outward action: an item "prepared", created now. An item of
 * the same key that was cancelled (an approval taken back inside its undo
 * grace) is prepared again with the new request: the key stays the step's.
 *
 * Returns: the item's id, or 0 with @error set
 */
gint64
aios_outbox_insert (AiosStore   *store,
                    gint64       run_id,
                    gint64       step_id,
                    gint64       approval_id,
                    const char  *policy_rule,
                    const char  *connector,
                    const char  *idempotency_key,
                    JsonNode    *request,
                    GError     **error)
{
  g_autofree char *request_json = json_to_string (request, FALSE);
  GError *local_error = NULL;
  sqlite3_stmt *stmt;
  gint64 id = 0;

  stmt = aios_store_query (store,
                           "INSERT INTO outbox (run_id, step_id, approval_id, policy_rule, connector, "
                           "idempotency_key, request_json, status, created_at, updated_at) "
                           "VALUES (?1, ?2, CASE WHEN ?3 > 0 THEN ?3 END, ?4, ?5, ?6, ?7, 'prepared', ?8, ?8) "
                           "ON CONFLICT (idempotency_key) DO UPDATE SET approval_id = excluded.approval_id, "
                           "policy_rule = excluded.policy_rule, request_json = excluded.request_json, "
                           "status = 'prepared', response_json = NULL, error = NULL, attempts = 0, "
                           "updated_at = excluded.updated_at "
                           "WHERE outbox.status = 'cancelled' AND outbox.step_id = excluded.step_id RETURNING id",
                           error, "iiissssi", run_id, step_id, approval_id, policy_rule, connector,
                           idempotency_key, request_json, aios_store_now_ms ());
  if (stmt == NULL)
    return 0;
  while (aios_store_next (store, stmt, _("prepare an outward action"), &local_error))
    if (id == 0)
      id = sqlite3_column_int64 (stmt, 0);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return 0;
    }
  if (id == 0)
    g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                 _("Could not prepare an outward action: step %" PRId64 " already has one"), step_id);
  return id;
}

/**
 * aios_outbox_mark_sending:
 * @outbox_id: (out): the item now sending, or 0 when the step had none prepared
 *
 * Moves the step's prepared item to sending, counting the attempt.
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_outbox_mark_sending (AiosStore  *store,
                          gint64      step_id,
                          gint64     *outbox_id,
                          GError    **error)
{
  GError *local_error = NULL;
  sqlite3_stmt *stmt;

  *outbox_id = 0;
  stmt = aios_store_query (store,
                           "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? "
                           "WHERE step_id = ? AND status = 'prepared' RETURNING id",
                           error, "ii", aios_store_now_ms (), step_id);
  if (stmt == NULL)
    return FALSE;
  /* Stepped to its end: the update is done only then. */
  while (aios_store_next (store, stmt, _("send an outward action"), &local_error))
    if (*outbox_id == 0)
      *outbox_id = sqlite3_column_int64 (stmt, 0);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * aios_outbox_set_outcome:
 * @status: "sent", "prepared" (to be tried again), "failed" or "unknown"
 * @response: (nullable): the connector's answer when sent
 * @error_text: (nullable): why it was not sent
 *
 * Records how an attempt ended.
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_outbox_set_outcome (AiosStore   *store,
                         gint64       outbox_id,
                         const char  *status,
                         JsonNode    *response,
                         const char  *error_text,
                         GError     **error)
{
  g_autofree char *response_json = response ? json_to_string (response, FALSE) : NULL;

  return aios_store_run (store, _("record an outward action"), error,
                         "UPDATE outbox SET status = ?, response_json = ?, error = ?, updated_at = ? WHERE id = ?",
                         "sssii", status, response_json, error_text, aios_store_now_ms (), outbox_id);
}

/**
 * aios_outbox_set_status:
 * @status: "unknown" (found sending at start-up) or "cancelled"
 * @what: what is being done, for the error message
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_outbox_set_status (AiosStore   *store,
                        gint64       outbox_id,
                        const char  *status,
                        const char  *what,
                        GError     **error)
{
  return aios_store_run (store, what, error, "UPDATE outbox SET status = ?, updated_at = ? WHERE id = ?",
                         "sii", status, aios_store_now_ms (), outbox_id);
}

/**
 * aios_outbox_cancel_prepared:
 *
 * Cancels the run's items not sent yet.
 *
 * Returns: (transfer full) (element-type gint64): the ids cancelled, or
 *   %NULL with @error set
 */
GArray *
aios_outbox_cancel_prepared (AiosStore  *store,
                             gint64      run_id,
                             GError    **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GError *local_error = NULL;
  sqlite3_stmt *stmt;

  stmt = aios_store_query (store, "UPDATE outbox SET status = 'cancelled', updated_at = ? "
                                  "WHERE run_id = ? AND status = 'prepared' RETURNING id",
                           error, "ii", aios_store_now_ms (), run_id);
  if (stmt == NULL)
    return NULL;
  while (aios_store_next (store, stmt, _("cancel an outward action"), &local_error))
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static JsonNode *
sent_response (AiosStore  *store,
               gint64      run_id,
               const char *connector)
{
  g_autoptr(AiosOutboxItem) item = aios_outbox_find_last_sent (store, run_id, connector, NULL);

  return item != NULL && item->response != NULL ? json_node_ref (item->response) : NULL;
}

/**
 * aios_outbox_provide_sent_responses:
 * @agents: the registry whose roles ask what was sent
 *
 * Lets every role learn what a connector answered when it sent a run's
 * action (the lead intake and cadence roles a Message-ID, the content
 * writer the post's id and link, the billing role the invoice's id),
 * without reading the outbox themselves.
 */
void
aios_outbox_provide_sent_responses (AiosAgentRegistry *agents)
{
  g_auto(GStrv) roles = NULL;

  g_return_if_fail (AIOS_IS_AGENT_REGISTRY (agents));
  roles = aios_agent_registry_list_roles (agents);
  for (guint i = 0; roles[i] != NULL; i++)
    aios_agent_set_sent_response_func (aios_agent_registry_lookup (agents, roles[i]), sent_response);
}
