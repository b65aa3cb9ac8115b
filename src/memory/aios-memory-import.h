/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-memory.h"

G_BEGIN_DECLS

/*
 * Import and export.
 *
 * Policy (skip and report, atomically): an import is one transaction. Rows
 * that cannot be taken (a missing name, an invalid email, a malformed vCard)
 * are skipped and reported with their line and the reason; every other row
 * is written. A problem with the whole file (empty, not UTF-8, no usable
 * columns) or with the storage imports nothing. A contact whose email is
 * already known updates that contact as a new version (its history keeps
 * the old values), and the report says which fields changed; a row equal
 * to what is stored is counted as unchanged. Nothing is altered silently:
 * columns the schema does not know are kept as "x-" custom fields.
 *
 * Limits: a vCard file larger than AIOS_IMPORT_VCARD_MAX_FILE is refused
 * whole; a vCard value longer than AIOS_IMPORT_MAX_FIELD (after decoding)
 * is cut there, at a character boundary, with a note naming its line.
 */
#define AIOS_IMPORT_MAX_FIELD      (64 * 1024)          /* bytes of one field */
#define AIOS_IMPORT_VCARD_MAX_FILE (128 * 1024 * 1024)  /* bytes of a vCard file */

typedef enum {
  AIOS_IMPORT_AUTO,       /* by content: vCard, workspace JSON, else CSV */
  AIOS_IMPORT_CSV,
  AIOS_IMPORT_VCARD,
  AIOS_IMPORT_WORKSPACE,  /* a file written by aios_memory_export() */
} AiosImportFormat;

typedef struct {
  guint   line;      /* where the row starts in the file, 1-based; 0: the whole file */
  gint64  id;        /* the record written, 0 for skips */
  char   *message;
} AiosImportNote;

typedef struct {
  char      *format;      /* "csv", "vcard" or "workspace" */
  guint      imported;    /* new records */
  guint      updated;     /* existing records given a new version */
  guint      unchanged;   /* rows equal to what was stored */
  guint      skipped;     /* rows not taken; see @skips */
  GPtrArray *skips;       /* element-type AiosImportNote */
  GPtrArray *updates;     /* element-type AiosImportNote: what changed where */
  GPtrArray *notes;       /* element-type AiosImportNote: about the whole file */
} AiosImportReport;

void              aios_import_report_free    (AiosImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosImportReport, aios_import_report_free)
JsonNode         *aios_import_report_to_json (const AiosImportReport *report);

/* Progress: rows done of rows total, on the thread doing the import. */
typedef void (*AiosImportProgress) (guint done, guint total, gpointer user_data);

AiosImportReport *aios_memory_import         (AiosMemory          *self,
                                              GBytes              *data,
                                              AiosImportFormat     format,
                                              const char          *source_name,
                                              AiosImportProgress   progress,
                                              gpointer             progress_data,
                                              GError             **error);
gboolean          aios_memory_export         (AiosMemory          *self,
                                              GOutputStream       *out,
                                              GCancellable        *cancellable,
                                              GError             **error);

G_END_DECLS
