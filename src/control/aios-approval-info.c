/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read-only views of approvals: what waits for the operator, with its
 * preview and age; keyset-paged by id.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approval-info.h"
#include "aios-coordinator.h"

G_DEFINE_BOXED_TYPE (AiosApprovalInfo, aios_approval_info, aios_approval_info_copy, aios_approval_info_free)

AiosApprovalInfo *
aios_approval_info_copy (const AiosApprovalInfo *info)
{
  AiosApprovalInfo *copy = g_new0 (AiosApprovalInfo, 1);

  *copy = *info;
  copy->flow_id = g_strdup (info->flow_id);
  copy->step_name = g_strdup (info->step_name);
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
  g_free (info->action_kind);
  g_free (info->status);
  g_clear_pointer (&info->preview, json_node_unref);
  g_clear_pointer (&info->request, json_node_unref);
  g_free (info->edit_diff_json);
  g_free (info->decided_by);
  g_free (info->reason);
  g_free (info);
}

#define SELECT_APPROVALS \
  "SELECT a.id, a.run_id, a.step_id, r.flow_id, s.name, a.action_kind, a.status, a.preview_json, " \
  "a.request_json, a.edit_diff_json, a.decided_by, a.reason, a.created_at, a.expires_at, " \
  "COALESCE (a.decided_at, 0) FROM approvals a JOIN runs r ON r.id = a.run_id JOIN steps s ON s.id = a.step_id "

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
  return info;
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
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_approval_info_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             SELECT_APPROVALS
                             "WHERE a.id > ?1 AND (?2 = 0 OR a.status = 'pending') ORDER BY a.id LIMIT ?3",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int (stmt, 2, only_pending);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, read_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, _("read the approvals"));
      return NULL;
    }
  return g_steal_pointer (&list);
}

AiosApprovalInfo *
aios_approval_info_get (AiosStore  *store,
                        gint64      approval_id,
                        GError    **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, SELECT_APPROVALS "WHERE a.id = ?", error);
  AiosApprovalInfo *info = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, approval_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    info = read_row (stmt);
  sqlite3_reset (stmt);
  if (info == NULL)
    g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                 _("There is no approval %" PRId64 "; “aios approvals” lists them"), approval_id);
  return info;
}

gint64
aios_approval_run_id (AiosStore *store,
                      gint64     approval_id)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, "SELECT run_id FROM approvals WHERE id = ?", NULL);
  gint64 run = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, approval_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    run = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return run;
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
