/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-memory-page.h"
#include "memory/aios-record-list.h"

G_BEGIN_DECLS

/* Shared by the Memory page's files: aios-memory-page.c (kinds, list,
 * editor) and aios-memory-page-transfer.c (import and export). */
struct _AiosMemoryPage
{
  AdwBin          parent_instance;

  AiosWorkspace  *workspace;
  AiosRecordList *records;
  GtkSingleSelection *selection;
  gulong          committed_id;
  GCancellable   *cancellable;

  /* the record in the editor: id 0 with a kind is a new one */
  gint64          record_id;
  char           *record_kind;
  AiosRecord     *record;
  GPtrArray      *field_rows;     /* AdwEntryRow, with "field-name" data */
  GPtrArray      *history_rows;
  GPtrArray      *kind_rows;

  AdwToastOverlay *toast_overlay;
  GtkStack       *stack;
  AdwStatusPage  *status_page;
  AdwLeaflet     *leaflet;
  GtkListBox     *kinds_list;
  GtkWidget      *list_pane;
  GtkSearchEntry *search_entry;
  GtkMenuButton  *new_button;
  GtkRevealer    *progress_revealer;
  GtkLabel       *progress_label;
  GtkProgressBar *progress_bar;
  GtkRevealer    *report_revealer;
  GtkLabel       *report_label;
  GtkButton      *report_close;
  GtkListView    *list_view;
  GtkWidget      *editor_pane;
  GtkButton      *back_button;
  GtkStack       *editor_stack;
  GtkLabel       *record_title;
  GtkLabel       *provenance_label;
  AdwPreferencesGroup *fields_group;
  GtkLabel       *body_heading;
  GtkTextView    *body_view;
  AdwEntryRow    *rationale_row;
  GtkLabel       *editor_error;
  GtkButton      *delete_button;
  GtkWidget      *overturn_button;  /* "Write Anyway" on a declined lead's decision */
  AdwPreferencesGroup *history_group;
};

void aios_memory_page_toast            (AiosMemoryPage *self,
                                        const char     *message);
void aios_memory_page_show_report      (AiosMemoryPage *self,
                                        const char     *text);
void aios_memory_page_refresh_counts   (AiosMemoryPage *self);
void aios_memory_page_import_activated (GtkWidget      *widget,
                                        const char     *action_name,
                                        GVariant       *parameter);
void aios_memory_page_export_activated (GtkWidget      *widget,
                                        const char     *action_name,
                                        GVariant       *parameter);

G_END_DECLS
