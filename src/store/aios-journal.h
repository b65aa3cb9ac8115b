/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-store.h"

G_BEGIN_DECLS

/**
 * AiosEvent:
 *
 * One row of the append-only journal. The timeline *is* the journal: every
 * state change of a run, a memory record, an approval or a setting appends
 * one in the same transaction as the change it records.
 *
 * @actor is "operator", "system", "agent:<role>" or "connector:<name>".
 * @kind is dotted, e.g. "run.created", "step.succeeded", "approval.decided".
 */
typedef struct {
  gint64  id;
  gint64  ts;            /* ms since the epoch */
  gint64  run_id;        /* 0 when not about a run */
  gint64  step_id;       /* 0 when not about a step */
  char   *actor;
  char   *kind;
  char   *summary;
  char   *rationale;     /* nullable */
  char   *payload_json;  /* nullable, compact: never a full copy of state */
  gint64  cost_micros;
} AiosEvent;

/**
 * AiosEventLink:
 *
 * What an event refers to: a memory record version ("record", id, version),
 * a prompt ("prompt", id, 0), an approval ("approval", id, 0), an outbox
 * item ("outbox", id, 0).
 */
typedef struct {
  const char *target_kind;
  const char *target_id;
  gint64      version;
} AiosEventLink;

#define AIOS_TYPE_EVENT (aios_event_get_type ())

GType      aios_event_get_type    (void) G_GNUC_CONST;
AiosEvent *aios_event_copy        (const AiosEvent *event);
/* The columns aios_event_new_from_row() reads, in its order (run and step 0 for NULL). */
#define AIOS_JOURNAL_EVENT_COLUMNS \
  "id, ts, COALESCE (run_id, 0), COALESCE (step_id, 0), actor, kind, summary, rationale, payload_json, cost_micros"
AiosEvent *aios_event_new_from_row (sqlite3_stmt   *stmt);
void       aios_event_free        (AiosEvent       *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosEvent, aios_event_free)

gint64     aios_journal_append    (AiosStore       *store,
                                   const AiosEvent *event,
                                   GError         **error);
gint64     aios_journal_append_linked (AiosStore           *store,
                                       const AiosEvent     *event,
                                       const AiosEventLink *links,
                                       gsize                n_links,
                                       GError             **error);
gboolean   aios_journal_link      (AiosStore       *store,
                                   gint64           event_id,
                                   const char      *target_kind,
                                   const char      *target_id,
                                   gint64           version,
                                   GError         **error);

GPtrArray *aios_journal_list      (AiosStore       *store,
                                   gint64           run_id,
                                   gint64           after_id,
                                   guint            limit,
                                   GError         **error);
GPtrArray *aios_journal_list_links (AiosStore      *store,
                                    gint64          event_id,
                                    GError        **error);
gint64     aios_journal_last_id   (AiosStore       *store);

char      *aios_event_to_json     (const AiosEvent *event,
                                   GPtrArray       *links);

G_END_DECLS
