/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "memory/aios-memory.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

typedef enum {
  AIOS_POLICY_ASK,     /* no rule decides: the operator does (the default) */
  AIOS_POLICY_ALLOW,   /* a named allow rule matched */
  AIOS_POLICY_DENY,    /* a named deny rule matched */
} AiosPolicyDecision;

#define AIOS_TYPE_POLICY (aios_policy_get_type ())
G_DECLARE_FINAL_TYPE (AiosPolicy, aios_policy, AIOS, POLICY, GObject)

AiosPolicy         *aios_policy_new          (AiosStore    *store,
                                              AiosMemory   *memory);
gint64              aios_policy_add_rule     (AiosPolicy   *self,
                                              const char   *name,
                                              const char   *connector,
                                              gboolean      allow,
                                              JsonArray    *conditions,
                                              const char   *description,
                                              const char   *actor,
                                              GError      **error);
gboolean            aios_policy_remove_rule  (AiosPolicy   *self,
                                              const char   *name,
                                              const char   *actor,
                                              GError      **error);
JsonArray          *aios_policy_list_rules   (AiosPolicy   *self,
                                              GError      **error);
AiosPolicyDecision  aios_policy_evaluate     (AiosPolicy   *self,
                                              const char   *connector,
                                              JsonObject   *request,
                                              char        **rule_name,
                                              GError      **error);
gboolean            aios_policy_check_conditions (JsonArray *conditions,
                                                  GError   **error);
const char         *aios_policy_decision_to_string (AiosPolicyDecision decision);

G_END_DECLS
