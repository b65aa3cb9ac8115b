/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-workspace.h"

G_BEGIN_DECLS

/* Where a line of the Today page belongs. */
typedef enum {
  AIOS_TODAY_SECTION_WAITING,  /* waits for the operator, or failed: first */
  AIOS_TODAY_SECTION_TODAY,    /* what the agents did since midnight */
  AIOS_TODAY_SECTION_WEEK,     /* and in the six days before */
} AiosTodaySection;

/* What a line opens. */
typedef enum {
  AIOS_TODAY_OPEN_APPROVAL,    /* the approval target_id, in the Inbox */
  AIOS_TODAY_OPEN_RUN,         /* the run target_id, in Runs */
  AIOS_TODAY_OPEN_EVENT,       /* the event target_id of run_id, in the Timeline (0: the Timeline) */
  AIOS_TODAY_OPEN_RECORD,      /* the record target_id, in Memory */
} AiosTodayOpen;

typedef struct {
  AiosTodaySection  section;
  char             *icon_name;
  char             *text;      /* the sentence: "2 emails wait for you — the oldest for 3 hours" */
  char             *detail;    /* nullable: who, why, what went wrong */
  char             *action;    /* nullable: the one thing to do, as a button ("Open") */
  AiosTodayOpen     open;
  gint64            target_id;
  gint64            run_id;    /* 0 when not about one run */
  gint64            ts;        /* when it happened (ms), or since when it waits */
  gboolean          total;     /* a total of its section ("Answered 3 leads"), of no one moment */
} AiosTodayLine;

#define AIOS_TYPE_TODAY_LINE (aios_today_line_get_type ())
GType          aios_today_line_get_type (void) G_GNUC_CONST;
AiosTodayLine *aios_today_line_copy     (const AiosTodayLine *line);
void           aios_today_line_free     (AiosTodayLine       *line);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosTodayLine, aios_today_line_free)

GPtrArray     *aios_today_read          (AiosWorkspace       *workspace,
                                         gint64               now_ms,
                                         GError             **error);
char          *aios_today_format_duration (gint64             ms);
char          *aios_today_format_money  (gint64               minor,
                                         const char          *currency);

G_END_DECLS
