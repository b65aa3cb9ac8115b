/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON nodes that own what they hold. json_node_init_object() and
 * json_node_init_array() take a reference of their own, so handing them a
 * fresh object (json_object_new(), or a g_steal_pointer() of one) leaks
 * it; these take the caller's reference instead.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

static inline JsonNode *
aios_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static inline JsonNode *
aios_json_node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

G_END_DECLS
