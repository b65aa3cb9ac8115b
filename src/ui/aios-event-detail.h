/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "aios-journal-entry.h"
#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_EVENT_DETAIL (aios_event_detail_get_type ())
G_DECLARE_FINAL_TYPE (AiosEventDetail, aios_event_detail, AIOS, EVENT_DETAIL, AdwBin)

GtkWidget        *aios_event_detail_new       (void);
void              aios_event_detail_set_entry (AiosEventDetail  *self,
                                               AiosWorkspace    *workspace,
                                               AiosJournalEntry *entry,
                                               const char       *run_label,
                                               gboolean          can_narrow);
AiosJournalEntry *aios_event_detail_get_entry (AiosEventDetail  *self);

G_END_DECLS
