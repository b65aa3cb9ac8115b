/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the importers (aios-memory-import*.c): a row to write, its notes.
 */
#pragma once

#include "aios-memory-import.h"

G_BEGIN_DECLS

typedef struct {
  guint       line;
  char       *label;     /* how to name the row in messages */
  JsonObject *fields;
  char       *body;
  char       *error;     /* set: skip with this reason */
} AiosImportRow;

AiosImportRow *aios_import_row_new  (guint       line);
void           aios_import_row_free (gpointer    data);
void           aios_import_add_note (GPtrArray  *notes,
                                     guint       line,
                                     gint64      id,
                                     const char *format,
                                     ...) G_GNUC_PRINTF (4, 5);

/* Writes rows into memory inside the import's transaction. */
typedef struct {
  AiosMemory       *memory;
  AiosImportReport *report;
  const char       *source;
  GHashTable       *email_lines;   /* folded email → first line in this file */
} AiosImportWriter;

gboolean   aios_import_write_row (AiosImportWriter  *w,
                                  const char        *kind,
                                  AiosImportRow     *row,
                                  gboolean           match_title,
                                  GError           **error);
gboolean   aios_import_workspace (AiosMemory         *self,
                                  const char         *text,
                                  gsize               len,
                                  const char         *source,
                                  AiosImportReport   *report,
                                  AiosImportProgress  progress,
                                  gpointer            progress_data,
                                  GError            **error);

/* Rows of contacts, or NULL with @error when the whole file is unusable. */
GPtrArray *aios_import_csv_rows (const char        *p,
                                 const char        *end,
                                 const char        *kind,
                                 AiosImportReport  *report,
                                 const char        *source,
                                 GError           **error);
GPtrArray *aios_import_vcard_rows (const char        *p,
                                   const char        *end,
                                   AiosImportReport  *report,
                                   const char        *source,
                                   GError           **error);

G_END_DECLS
