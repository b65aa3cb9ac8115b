/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The approvals table's owner. Views of approvals (what waits for the
 * operator, with its preview and age; keyset-paged by id) and the
 * coordinator's writes: ask, decide, cancel with a run, expire.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approvals.h"
#include "aios-coordinator.h"

G_DEFINE_BOXED_TYPE (AiosApprovalInfo, aios_approval_info, aios_approval_info_copy, aios_approval_info_free)

AiosApprovalInfo *
aios_approval_info_copy (const AiosApprovalInfo *info)
{
  AiosApprovalInfo *copy = g_new0 (AiosApprovalInfo, 1);

  *copy = *info;
  copy->flow_id = g_strdup (info->flow_id);
  copy->step_name = g_strdup (info->step_name);
  copy->run_name = g_strdup (info->run_name);
  copy->action_kind = g_strdup (info->action_kind);
  copy->status = g_strdup (info->status);
  copy->preview = info->preview ? json_node_copy (info->preview) : NULL;
  copy->request = info->request ? json_node_copy (info->request) : NULL;
  copy->edit_diff_json = g_strdup (info->edit_diff_json);
  copy->decided_by = g_strdup (info->decided_by);
  copy->reason = g_strdup (info->reason);
  return copy;
}

void
aios_approval_info_free (AiosApprovalInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->flow_id);
  g_free (info->step_name);
  g_free (info->run_name);
  g_free (info->action_kind);
  g_free (info->status);
  g_clear_pointer (&info->preview, json_node_unref);
  g_clear_pointer (&info->request, json_node_unref);
  g_free (info->edit_diff_json);
  g_free (info->decided_by);
  g_free (info->reason);
  g_free (info);
}

static AiosApprovalInfo *
read_row (sqlite3_stmt *stmt)
{
  AiosApprovalInfo *info = g_new0 (AiosApprovalInfo, 1);
  const char *preview = (const char *) sqlite3_column_text (stmt, 7);
  const char *request = (const char *) sqlite3_column_text (stmt, 8);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->run_id = sqlite3_column_int64 (stmt, 1);
  info->step_id = sqlite3_column_int64 (stmt, 2);
  info->flow_id = aios_store_column_dup (stmt, 3);
  info->step_name = aios_store_column_dup (stmt, 4);
  info->action_kind = aios_store_column_dup (stmt, 5);
  info->status = aios_store_column_dup (stmt, 6);
  info->preview = preview ? json_from_string (preview, NULL) : NULL;
  info->request = request ? json_from_string (request, NULL) : NULL;
  info->edit_diff_json = aios_store_column_dup (stmt, 9);
  info->decided_by = aios_store_column_dup (stmt, 10);
  info->reason = aios_store_column_dup (stmt, 11);
  info->created_at = sqlite3_column_int64 (stmt, 12);
  info->expires_at = sqlite3_column_int64 (stmt, 13);
  info->decided_at = sqlite3_column_int64 (stmt, 14);
  info->step_idx = sqlite3_column_int (stmt, 15);
  info->run_name = aios_store_column_dup (stmt, 16);
  return info;
}

/* Approvals oldest first, from after @after_id, only the pending ones or
 * every one, of one run (@run_id > 0) or all; NULL with @error set.
 * Column 16 is the run's input `name` when it is a non-empty string (in a
 * CASE, so that json_type never sees text that is not JSON). */
static GPtrArray *
query_approvals (AiosStore  *store,
                 gint64      after_id,
                 gboolean    only_pending,
                 gint64      run_id,
                 guint       limit,
                 GError    **error)
{
  sqlite3_stmt *stmt;

  stmt = aios_store_query (store,
                           "SELECT a.id, a.run_id, a.step_id, r.flow_id, s.name, a.action_kind, a.status, "
                           "a.preview_json, a.request_json, a.edit_diff_json, a.decided_by, a.reason, "
                           "a.created_at, a.expires_at, COALESCE (a.decided_at, 0), s.idx, "
                           "CASE WHEN json_valid (r.input_json) THEN "
                           "CASE WHEN json_type (r.input_json, '$.name') = 'text' "
                           "THEN NULLIF (json_extract (r.input_json, '$.name'), '') END END "
                           "FROM approvals a JOIN runs r ON r.id = a.run_id JOIN steps s ON s.id = a.step_id "
                           "WHERE a.id > ?1 AND (?2 = 0 OR a.status = 'pending') AND (?3 = 0 OR a.run_id = ?3) "
                           "ORDER BY a.id LIMIT ?4",
                           error, "inii", after_id, (int) only_pending, run_id,
                           limit > 0 ? (gint64) limit : (gint64) -1);
  return aios_store_collect (store, stmt, _("read the approvals"), (AiosStoreRowFunc) read_row,
                             (GDestroyNotify) aios_approval_info_free, error);
}

/**
 * aios_approval_info_list:
 * @only_pending: only those waiting for a decision
 *
 * Returns: (transfer full) (element-type AiosApprovalInfo): approvals, oldest first
 */
GPtrArray *
aios_approval_info_list (AiosStore  *store,
                         gboolean    only_pending,
                         gint64      after_id,
                         guint       limit,
                         GError    **error)
{
  return query_approvals (store, after_id, only_pending, 0, limit, error);
}

/**
 * aios_approval_info_list_run:
 *
 * Returns: (transfer full) (element-type AiosApprovalInfo): every approval
 *   of the run, whatever its status, oldest first; %NULL with @error set
 */
GPtrArray *
aios_approval_info_list_run (AiosStore  *store,
                             gint64      run_id,
                             GError    **error)
{
  if (run_id <= 0)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) aios_approval_info_free);
  return query_approvals (store, 0, FALSE, run_id, 0, error);
}

/**
 * aios_approval_info_get:
 *
 * Returns: (transfer full): the approval, or %NULL with @error set
 *   (%AIOS_COORDINATOR_ERROR_NOT_FOUND when there is none)
 */
AiosApprovalInfo *
aios_approval_info_get (AiosStore  *store,
                        gint64      approval_id,
                        GError    **error)
{
  /* The first one from @approval_id on, if it is that one. */
  g_autoptr(GPtrArray) list = query_approvals (store, approval_id - 1, FALSE, 0, 1, error);

  if (list == NULL)
    return NULL;
  if (list->len == 0 || ((AiosApprovalInfo *) list->pdata[0])->id != approval_id)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("There is no approval %" PRId64 "; “aios approvals” lists them"), approval_id);
      return NULL;
    }
  return g_ptr_array_steal_index (list, 0);
}

gint64
aios_approval_run_id (AiosStore *store,
                      gint64     approval_id)
{
  return aios_store_get_int64 (store, _("read the approvals"), 0, NULL,
                               "SELECT run_id FROM approvals WHERE id = ?", "i", approval_id);
}

/* The connector that would carry the approval's action; NULL for a step's
 * own result ("output"). */
static AiosConnector *
connector_of (const AiosApprovalInfo *info,
              AiosConnectorRegistry  *connectors)
{
  if (info->action_kind == NULL || g_str_equal (info->action_kind, "output"))
    return NULL;
  return aios_connector_registry_get (connectors, info->action_kind);
}

/**
 * aios_approval_info_describe:
 * @connectors: the workspace's connectors
 *
 * The approval in words, as its connector's class says them ("Email to
 * Dana Whitfield", the subject; the notification's question), with the
 * person the run is about as the connector's hint. A step's own result
 * (no connector) is "Result of “draft” for Dana".
 *
 * Returns: (transfer full): the description
 */
AiosActionDescription *
aios_approval_info_describe (const AiosApprovalInfo *info,
                             AiosConnectorRegistry  *connectors)
{
  AiosConnector *connector;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (AIOS_IS_CONNECTOR_REGISTRY (connectors), NULL);

  connector = connector_of (info, connectors);
  if (connector == NULL)
    {
      AiosActionDescription *description = aios_action_description_for_output (info->step_name, info->run_name);
      const char *question = aios_json_node_get_string (info->request, "question");

      g_free (description->subtitle);
      description->subtitle = g_strdup (info->flow_id);
      if (question != NULL)
        {
          /* A decision the step asks for ("Write to Pat anyway?"), with its reasons. */
          const char *rationale = aios_json_node_get_string (info->request, "rationale");

          g_free (description->title);
          g_free (description->question);
          g_free (description->subtitle);
          description->title = g_strdup (question);
          description->question = g_strdup (question);
          description->subtitle = g_strdup (rationale ? rationale : info->flow_id);
        }
      return description;
    }
  return aios_connector_describe (connector, info->preview, info->request, info->run_name);
}

/**
 * aios_approval_info_dup_recipient:
 *
 * Returns: (transfer full) (nullable): who the action goes to as its
 *   preview (or request) says: an email's first address, a "to" field
 */
char *
aios_approval_info_dup_recipient (const AiosApprovalInfo *info)
{
  JsonNode *nodes[] = { info->preview, info->request };

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      JsonObject *object = nodes[i] != NULL && JSON_NODE_HOLDS_OBJECT (nodes[i]) ? json_node_get_object (nodes[i]) : NULL;
      JsonNode *to = object != NULL ? json_object_get_member (object, "to") : NULL;

      if (to != NULL && JSON_NODE_HOLDS_ARRAY (to) && json_array_get_length (json_node_get_array (to)) > 0 &&
          JSON_NODE_HOLDS_VALUE (json_array_get_element (json_node_get_array (to), 0)))
        return g_strdup (json_array_get_string_element (json_node_get_array (to), 0));
      if (to != NULL && JSON_NODE_HOLDS_VALUE (to) && json_node_get_value_type (to) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (to));
    }
  return NULL;
}

/**
 * aios_approval_info_get_preview_kind:
 *
 * Returns: how the approval's preview reads, as its connector says
 *   (%AIOS_PREVIEW_DATA for a step's result)
 */
AiosPreviewKind
aios_approval_info_get_preview_kind (const AiosApprovalInfo *info,
                                     AiosConnectorRegistry  *connectors)
{
  AiosConnector *connector = connector_of (info, connectors);
  return connector != NULL ? aios_connector_get_preview_kind (connector) : AIOS_PREVIEW_DATA;
}

/**
 * aios_approval_info_get_icon_name:
 *
 * Returns: the icon of the approval's connector (a document for a step's result)
 */
const char *
aios_approval_info_get_icon_name (const AiosApprovalInfo *info,
                                  AiosConnectorRegistry  *connectors)
{
  AiosConnector *connector = connector_of (info, connectors);
  return connector != NULL ? aios_connector_get_icon_name (connector) : "emblem-documents-symbolic";
}

/**
 * aios_approval_info_check_pending:
 *
 * Returns: %TRUE when the approval still waits for a decision and has not
 *   expired; else %FALSE with @error (%AIOS_COORDINATOR_ERROR_STATE) saying why
 */
gboolean
aios_approval_info_check_pending (const AiosApprovalInfo  *info,
                                  GError                 **error)
{
  if (!g_str_equal (info->status, "pending"))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " was already %s"), info->id, info->status);
      return FALSE;
    }
  if (info->expires_at <= aios_store_now_ms ())
    {
      g_autofree char *when = aios_store_format_time (info->expires_at);
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " expired at %s; nothing was sent"), info->id, when);
      return FALSE;
    }
  return TRUE;
}

/* ---- the coordinator's writes, inside its transaction ---- */

/**
 * aios_approvals_insert:
 * @action_kind: the connector, or "output" for an output checkpoint
 * @request: what will be sent (or the output to check)
 * @preview: the connector's dry run, shown to the operator
 * @expires_in_s: how long it waits for a decision before it expires
 *
 * Asks for an approval: a pending one, created now and expiring exactly
 * @expires_in_s later (one reading of the clock for both).
 *
 * Returns: the approval's id, or 0 with @error set
 */
gint64
aios_approvals_insert (AiosStore   *store,
                       gint64       run_id,
                       gint64       step_id,
                       const char  *action_kind,
                       JsonNode    *request,
                       JsonNode    *preview,
                       gint64       expires_in_s,
                       GError     **error)
{
  g_autofree char *request_json = json_to_string (request, FALSE);
  g_autofree char *preview_json = json_to_string (preview, FALSE);
  gint64 now = aios_store_now_ms ();

  return aios_store_insert (store, _("ask for an approval"), error,
                            "INSERT INTO approvals (run_id, step_id, action_kind, request_json, preview_json, "
                            "status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                            "iisssii", run_id, step_id, action_kind, request_json, preview_json,
                            now, now + expires_in_s * 1000);
}

/**
 * aios_approvals_decide:
 * @status: "approved", "rejected" or "expired"
 * @edited_json: (nullable): the request as edited, when it was
 * @edit_diff_json: (nullable): the edits, `[{path, from, to}]`
 * @actor: who decided
 * @reason: (nullable): why
 *
 * Records the decision of a pending approval, now (an approval that is no
 * longer pending is left as it is).
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_approvals_decide (AiosStore   *store,
                       gint64       approval_id,
                       const char  *status,
                       const char  *edited_json,
                       const char  *edit_diff_json,
                       const char  *actor,
                       const char  *reason,
                       GError     **error)
{
  return aios_store_run (store, _("record the decision"), error,
                         "UPDATE approvals SET status = ?, edited_json = ?, edit_diff_json = ?, decided_at = ?, "
                         "decided_by = ?, reason = ? WHERE id = ? AND status = 'pending'",
                         "sssissi", status, edited_json, edit_diff_json, aios_store_now_ms (), actor, reason,
                         approval_id);
}

/**
 * aios_approvals_reopen:
 *
 * An approved approval is pending again (taken back inside its undo
 * grace): the decision and any edit are cleared, its expiry kept. The
 * decision stays in the journal and as a decision record.
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_approvals_reopen (AiosStore  *store,
                       gint64      approval_id,
                       GError    **error)
{
  return aios_store_run (store, _("record the decision"), error,
                         "UPDATE approvals SET status = 'pending', edited_json = NULL, edit_diff_json = NULL, "
                         "decided_at = NULL, decided_by = NULL, reason = NULL WHERE id = ? AND status = 'approved'",
                         "i", approval_id);
}

/**
 * aios_approvals_cancel_pending:
 * @actor: who cancels the run
 *
 * Cancels the run's pending approvals, now.
 *
 * Returns: (transfer full) (element-type gint64): the ids cancelled, or
 *   %NULL with @error set
 */
GArray *
aios_approvals_cancel_pending (AiosStore   *store,
                               gint64       run_id,
                               const char  *actor,
                               GError     **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GError *local_error = NULL;
  sqlite3_stmt *stmt;

  stmt = aios_store_query (store, "UPDATE approvals SET status = 'cancelled', decided_at = ?, decided_by = ? "
                                  "WHERE run_id = ? AND status = 'pending' RETURNING id",
                           error, "isi", aios_store_now_ms (), actor, run_id);
  if (stmt == NULL)
    return NULL;
  while (aios_store_next (store, stmt, _("cancel an approval"), &local_error))
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

/**
 * aios_approvals_list_expired:
 * @now: the time (ms) they expired by
 *
 * Returns: (transfer full) (element-type gint64): the pending approvals
 *   whose time ran out by @now, or %NULL with @error set
 */
GArray *
aios_approvals_list_expired (AiosStore  *store,
                             gint64      now,
                             GError    **error)
{
  sqlite3_stmt *stmt;

  stmt = aios_store_query (store, "SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ?",
                           error, "i", now);
  return aios_store_collect_ids (store, stmt, _("read the approvals"), error);
}

/**
 * aios_approvals_next_expiry:
 *
 * Returns: when the next pending approval expires (ms), or 0
 */
gint64
aios_approvals_next_expiry (AiosStore *store)
{
  return aios_store_get_int64 (store, _("read the approvals"), 0, NULL,
                               "SELECT MIN (expires_at) FROM approvals WHERE status = 'pending'", "");
}

/**
 * aios_approval_info_to_json:
 *
 * Returns: (transfer full): the stable `aios approvals --json` shape
 */
JsonNode *
aios_approval_info_to_json (const AiosApprovalInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, info->id);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_int_value (b, info->run_id);
  json_builder_set_member_name (b, "flow");
  json_builder_add_string_value (b, info->flow_id);
  json_builder_set_member_name (b, "step");
  json_builder_add_string_value (b, info->step_name);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, info->action_kind);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, info->status);
  json_builder_set_member_name (b, "preview");
  json_builder_add_value (b, info->preview ? json_node_copy (info->preview) : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "request");
  json_builder_add_value (b, info->request ? json_node_copy (info->request) : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, info->created_at);
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_int_value (b, info->expires_at);
  json_builder_set_member_name (b, "age_s");
  json_builder_add_int_value (b, MAX (0, (aios_store_now_ms () - info->created_at) / 1000));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- for the repair-cost meter ---- */

void
aios_approval_stamp_free (AiosApprovalStamp *stamp)
{
  if (stamp == NULL)
    return;
  g_free (stamp->flow_id);
  g_free (stamp->status);
  g_free (stamp->decided_by);
  g_free (stamp);
}

static gpointer
read_stamp (sqlite3_stmt *stmt)
{
  AiosApprovalStamp *stamp = g_new0 (AiosApprovalStamp, 1);

  stamp->id = sqlite3_column_int64 (stmt, 0);
  stamp->run_id = sqlite3_column_int64 (stmt, 1);
  stamp->flow_id = aios_store_column_dup (stmt, 2);
  stamp->status = aios_store_column_dup (stmt, 3);
  stamp->edited = sqlite3_column_int (stmt, 4) != 0;
  stamp->created_at = sqlite3_column_int64 (stmt, 5);
  stamp->decided_at = sqlite3_column_int64 (stmt, 6);
  stamp->decided_by = aios_store_column_dup (stmt, 7);
  return stamp;
}

/**
 * aios_approvals_list_decided_since:
 *
 * The approvals approved or rejected at or after @since_ms, with their
 * run's flow (a joined read), oldest decision first. An approval taken back
 * inside its undo grace is pending again and not listed. A decision is
 * only taken before the approval expires, so the (status, expires_at)
 * index bounds the read to the approvals that could be in the window.
 *
 * Returns: (transfer full) (element-type AiosApprovalStamp): the decisions
 */
GPtrArray *
aios_approvals_list_decided_since (AiosStore  *store,
                                   gint64      since_ms,
                                   GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT a.id, a.run_id, r.flow_id, a.status, a.edited_json IS NOT NULL, "
                                         "a.created_at, a.decided_at, a.decided_by "
                                         "FROM approvals a JOIN runs r ON r.id = a.run_id "
                                         "WHERE a.status IN ('approved','rejected') AND a.expires_at >= ?1 "
                                         "AND a.decided_at >= ?1 ORDER BY a.decided_at, a.id",
                                         error, "i", since_ms);

  return aios_store_collect (store, stmt, _("read the decisions"), read_stamp,
                             (GDestroyNotify) aios_approval_stamp_free, error);
}

/**
 * aios_approvals_first_approved_at:
 *
 * The earliest decision time among the approved approvals. Approvals are
 * inserted with the time they are created, so created_at grows with id,
 * and each was decided after it was created: walking the ids upwards, the
 * walk can stop at the first approval created after the earliest decision
 * seen so far (usually within the first rows), instead of reading every
 * approval the workspace ever had.
 *
 * Returns: when the operator first approved an action (ms), or 0
 */
gint64
aios_approvals_first_approved_at (AiosStore  *store,
                                  GError    **error)
{
  gint64 best = 0, after = 0;
  gboolean more = TRUE;

  while (more)
    {
      GError *local_error = NULL;
      sqlite3_stmt *stmt = aios_store_query (store,
                                             "SELECT id, status, created_at, COALESCE (decided_at, 0) FROM approvals "
                                             "WHERE id > ? ORDER BY id LIMIT 256",
                                             error, "i", after);
      guint n = 0;

      if (stmt == NULL)
        return 0;
      while (aios_store_next (store, stmt, _("read the first approval"), &local_error))
        {
          gint64 created = sqlite3_column_int64 (stmt, 2);
          gint64 decided = sqlite3_column_int64 (stmt, 3);

          n++;
          after = sqlite3_column_int64 (stmt, 0);
          if (best > 0 && created >= best)
            {
              more = FALSE;
              break;
            }
          if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "approved") == 0 && decided > 0 &&
              (best == 0 || decided < best))
            best = decided;
        }
      aios_store_done (stmt);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return 0;
        }
      if (n < 256)
        more = FALSE;
    }
  return best;
}
