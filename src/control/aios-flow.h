/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "agents/aios-agent-registry.h"

G_BEGIN_DECLS

#define AIOS_FLOW_ERROR (aios_flow_error_quark ())

typedef enum {
  AIOS_FLOW_ERROR_INVALID,      /* "FILE: $.steps[2].retry.max_attempts: expected ..." */
  AIOS_FLOW_ERROR_NOT_FOUND,
  AIOS_FLOW_ERROR_BAD_INPUT,    /* a run's input does not match the flow's input schema */
} AiosFlowError;

typedef enum {
  AIOS_CHECKPOINT_NONE,
  AIOS_CHECKPOINT_APPROVAL,     /* the operator always decides */
  AIOS_CHECKPOINT_POLICY,       /* policy rules allow, deny, or ask the operator */
} AiosCheckpoint;

/**
 * AiosFlowStep:
 *
 * One validated step of a flow (read-only; owned by its #AiosFlow).
 */
typedef struct {
  char           *name;
  char           *agent;
  JsonNode       *config;            /* object with placeholders; never NULL */
  gboolean        reads_input;       /* inputs.run */
  GStrv           reads_steps;       /* inputs.steps: earlier steps whose outputs it reads */
  JsonArray      *memory_queries;    /* inputs.memory: [{as, kind, field, value}] or NULL */
  guint           max_attempts;
  guint           initial_delay_ms;
  guint           max_delay_ms;
  AiosCheckpoint  checkpoint;
  gint64          approval_expiry_s; /* 0: the default of the action kind */
  char           *when;              /* a dotted path ("steps.qualify.qualified"); NULL: always */
  GStrv           when_any;          /* every path of the condition ("when": [a, b]: any of them) */
  gboolean        when_negated;      /* written as "unless": run only when the path is falsy */
  JsonNode       *wait;              /* "wait": {after, part, label} with placeholders, or NULL */
  char           *action_connector;  /* NULL: no outward action */
  JsonNode       *action_request;    /* object with placeholders */
  char           *action_key;        /* NULL: keyed by run and step; else what the action is about */
} AiosFlowStep;

#define AIOS_TYPE_FLOW (aios_flow_get_type ())
G_DECLARE_FINAL_TYPE (AiosFlow, aios_flow, AIOS, FLOW, GObject)

GQuark              aios_flow_error_quark      (void);

AiosFlow           *aios_flow_new_from_data    (const char         *data,
                                                gssize              length,
                                                const char         *source,
                                                AiosAgentRegistry  *agents,
                                                GError            **error);
const char         *aios_flow_get_id           (AiosFlow           *self);
const char         *aios_flow_get_title        (AiosFlow           *self);
const char         *aios_flow_get_description  (AiosFlow           *self);
const char         *aios_flow_get_source       (AiosFlow           *self);
const char         *aios_flow_get_hash         (AiosFlow           *self);
JsonObject         *aios_flow_get_input_schema (AiosFlow           *self);
const char         *aios_flow_get_canonical_json (AiosFlow         *self);
guint               aios_flow_get_n_steps      (AiosFlow           *self);
const AiosFlowStep *aios_flow_get_step         (AiosFlow           *self,
                                                guint               index);
int                 aios_flow_find_step        (AiosFlow           *self,
                                                const char         *name);
gboolean            aios_flow_check_input      (AiosFlow           *self,
                                                JsonNode           *input,
                                                GError            **error);
const char         *aios_checkpoint_to_string  (AiosCheckpoint      checkpoint);
/* The flow's "schedule" object (canonical JSON), or NULL: see aios-schedules.c. */
const char         *aios_flow_get_schedule_json (AiosFlow          *self);
/* A duration as flows and templates write it: "5s", "90m", "12h", "3d" (ms; -1 when not one). */
gint64              aios_flow_parse_duration   (const char         *text);

G_END_DECLS
