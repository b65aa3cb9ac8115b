/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "aios-journal-entry.h"

G_BEGIN_DECLS

#define AIOS_TYPE_JOURNAL_ROW (aios_journal_row_get_type ())
G_DECLARE_FINAL_TYPE (AiosJournalRow, aios_journal_row, AIOS, JOURNAL_ROW, GtkWidget)

GtkWidget  *aios_journal_row_new         (void);
void        aios_journal_row_set_entry   (AiosJournalRow   *self,
                                          AiosJournalEntry *entry,
                                          gboolean          show_day,
                                          const char       *run_label);
const char *aios_journal_row_get_summary (AiosJournalRow   *self);

G_END_DECLS
