/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "store/aios-journal-query.h"

G_BEGIN_DECLS

#define AIOS_JOURNAL_MODEL_PAGE_SIZE 200

#define AIOS_TYPE_JOURNAL_MODEL (aios_journal_model_get_type ())
G_DECLARE_FINAL_TYPE (AiosJournalModel, aios_journal_model, AIOS, JOURNAL_MODEL, GObject)

AiosJournalModel *aios_journal_model_new          (AiosStore        *store);
AiosStore        *aios_journal_model_get_store    (AiosJournalModel *self);
void              aios_journal_model_set_filter   (AiosJournalModel *self,
                                                   gint64            run_id,
                                                   const char       *kind_prefix,
                                                   AiosJournalShow   show,
                                                   const char       *search);
gint64            aios_journal_model_get_run_id   (AiosJournalModel *self);
gboolean          aios_journal_model_is_filtered  (AiosJournalModel *self);
gboolean          aios_journal_model_get_loaded   (AiosJournalModel *self);
guint             aios_journal_model_get_cached_pages (AiosJournalModel *self);

G_END_DECLS
