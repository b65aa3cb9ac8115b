/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run as people and scripts see it: its value type and the stable
 * `aios runs --json` shape. The reads that fill it are in aios-runs.c.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include "aios-runs.h"

G_DEFINE_BOXED_TYPE (AiosRunInfo, aios_run_info, aios_run_info_copy, aios_run_info_free)

AiosRunInfo *
aios_run_info_copy (const AiosRunInfo *info)
{
  AiosRunInfo *copy = g_new0 (AiosRunInfo, 1);

  *copy = *info;
  copy->flow_id = g_strdup (info->flow_id);
  copy->status = g_strdup (info->status);
  copy->attention = g_strdup (info->attention);
  copy->fork_kind = g_strdup (info->fork_kind);
  copy->step_name = g_strdup (info->step_name);
  copy->step_status = g_strdup (info->step_status);
  copy->step_phase = g_strdup (info->step_phase);
  copy->waiting_for = g_strdup (info->waiting_for);
  return copy;
}

void
aios_run_info_free (AiosRunInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->flow_id);
  g_free (info->status);
  g_free (info->attention);
  g_free (info->fork_kind);
  g_free (info->step_name);
  g_free (info->step_status);
  g_free (info->step_phase);
  g_free (info->waiting_for);
  g_free (info);
}

static void
add_string_or_null (JsonBuilder *b,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int_or_null (JsonBuilder *b,
                 const char  *name,
                 gint64       value)
{
  json_builder_set_member_name (b, name);
  if (value > 0)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * aios_run_info_to_json:
 *
 * Returns: (transfer full): the stable `aios runs --json` shape
 */
JsonNode *
aios_run_info_to_json (const AiosRunInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, info->id);
  add_string_or_null (b, "flow", info->flow_id);
  json_builder_set_member_name (b, "flow_version");
  json_builder_add_int_value (b, info->flow_version);
  add_string_or_null (b, "status", info->status);
  json_builder_set_member_name (b, "needs_attention");
  json_builder_add_boolean_value (b, info->attention != NULL);
  add_string_or_null (b, "attention", info->attention);
  add_string_or_null (b, "step", info->step_name);
  add_string_or_null (b, "step_status", info->step_status);
  json_builder_set_member_name (b, "attempt");
  json_builder_add_int_value (b, info->step_attempt);
  add_int_or_null (b, "next_attempt_at", info->next_attempt_at);
  add_string_or_null (b, "waiting_for", info->waiting_for);
  add_int_or_null (b, "parent_run_id", info->parent_run_id);
  add_string_or_null (b, "fork", info->fork_kind);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, info->created_at);
  json_builder_set_member_name (b, "updated_at");
  json_builder_add_int_value (b, info->updated_at);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
