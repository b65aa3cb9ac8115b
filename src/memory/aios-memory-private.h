/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-memory.h"
#include "aios-memory-kinds.h"

G_BEGIN_DECLS

AiosRecord *aios_record_from_row         (sqlite3_stmt *stmt);
char       *aios_memory_fields_to_text   (JsonObject   *fields);
JsonObject *aios_memory_parse_fields     (const char   *json);
char       *aios_memory_fields_to_string (JsonObject   *fields);
gboolean    aios_memory_reindex          (AiosMemory   *self,
                                          GError      **error);

G_END_DECLS
