/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-memory.h"

G_BEGIN_DECLS

#define AIOS_TYPE_RECORD_ITEM (aios_record_item_get_type ())
G_DECLARE_FINAL_TYPE (AiosRecordItem, aios_record_item, AIOS, RECORD_ITEM, GObject)

gint64      aios_record_item_get_id       (AiosRecordItem *self);
const char *aios_record_item_get_kind     (AiosRecordItem *self);
const char *aios_record_item_get_title    (AiosRecordItem *self);
const char *aios_record_item_get_subtitle (AiosRecordItem *self);
gint64      aios_record_item_get_version  (AiosRecordItem *self);
const char *aios_record_item_get_author   (AiosRecordItem *self);

#define AIOS_TYPE_RECORD_LIST (aios_record_list_get_type ())
G_DECLARE_FINAL_TYPE (AiosRecordList, aios_record_list, AIOS, RECORD_LIST, GObject)

AiosRecordList *aios_record_list_new        (AiosMemory     *memory);
void            aios_record_list_set_filter (AiosRecordList *self,
                                             const char     *kind,
                                             const char     *query);
const char     *aios_record_list_get_kind   (AiosRecordList *self);
const char     *aios_record_list_get_query  (AiosRecordList *self);
gboolean        aios_record_list_is_loading (AiosRecordList *self);
void            aios_record_list_reload     (AiosRecordList *self);
guint           aios_record_list_find       (AiosRecordList *self,
                                             gint64          id);

G_END_DECLS
