/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "store/aios-journal.h"

G_BEGIN_DECLS

#define AIOS_TYPE_JOURNAL_ENTRY (aios_journal_entry_get_type ())
G_DECLARE_FINAL_TYPE (AiosJournalEntry, aios_journal_entry, AIOS, JOURNAL_ENTRY, GObject)

AiosJournalEntry *aios_journal_entry_new           (AiosEvent        *event);
const AiosEvent  *aios_journal_entry_get_event     (AiosJournalEntry *self);
gint64            aios_journal_entry_get_id        (AiosJournalEntry *self);
gboolean          aios_journal_entry_is_checkpoint (AiosJournalEntry *self);
gboolean          aios_journal_entry_is_failure    (AiosJournalEntry *self);
const char       *aios_journal_entry_get_icon_name (AiosJournalEntry *self);

gboolean          aios_journal_kind_is_checkpoint  (const char       *kind);
gboolean          aios_journal_kind_is_failure     (const char       *kind);


char *aios_journal_format_actor (const char *actor);
char *aios_journal_format_day   (gint64      ts_ms);
char *aios_journal_format_time  (gint64      ts_ms);
char *aios_journal_format_date_time (gint64  ts_ms);

G_END_DECLS
