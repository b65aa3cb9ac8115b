/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"
#include "memory/aios-record-list.h"

G_BEGIN_DECLS

#define AIOS_TYPE_MEMORY_PAGE (aios_memory_page_get_type ())
G_DECLARE_FINAL_TYPE (AiosMemoryPage, aios_memory_page, AIOS, MEMORY_PAGE, AdwBin)

GtkWidget     *aios_memory_page_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_memory_page_get_workspace (AiosMemoryPage *self);
void           aios_memory_page_set_workspace (AiosMemoryPage *self,
                                               AiosWorkspace *workspace);
AiosRecordList *aios_memory_page_get_records  (AiosMemoryPage *self);
gint64         aios_memory_page_get_record_id (AiosMemoryPage *self);
void           aios_memory_page_show_record   (AiosMemoryPage *self,
                                               gint64          id);
void           aios_memory_page_import_file   (AiosMemoryPage *self,
                                               GFile          *file);
void           aios_memory_page_export_file   (AiosMemoryPage *self,
                                               GFile          *file);

G_END_DECLS
