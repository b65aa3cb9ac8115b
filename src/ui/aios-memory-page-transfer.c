/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Memory page's import and export: the file chooser, the work on a
 * worker thread with its own connection (the window stays responsive), the
 * progress bar, and the report of what was imported, skipped and why.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-memory-page-private.h"
#include "memory/aios-memory-import.h"

/* ---- import and export on a worker thread --------------------------------- */

typedef struct {
  AiosMemoryPage *page;   /* a weak pointer, cleared on dispose through the cancellable */
  guint           done;
  guint           total;
} Progress;

static gboolean
progress_idle (gpointer data)
{
  Progress *p = data;

  if (p->page != NULL && p->total > 0)
    gtk_progress_bar_set_fraction (p->page->progress_bar, (double) p->done / p->total);
  g_object_unref (p->page);
  g_free (p);
  return G_SOURCE_REMOVE;
}

typedef struct {
  AiosWorkspace *workspace;
  AiosMemoryPage *page;
  GBytes        *bytes;
  GFile         *file;
  char          *name;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->workspace);
  g_clear_object (&job->page);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_clear_object (&job->file);
  g_free (job->name);
  g_free (job);
}

static void
import_progress (guint    done,
                 guint    total,
                 gpointer data)
{
  Job *job = data;
  Progress *p = g_new0 (Progress, 1);

  p->page = g_object_ref (job->page);
  p->done = done;
  p->total = total;
  g_idle_add (progress_idle, p);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosStore) store = aios_workspace_open_store (job->workspace, &error);
  g_autoptr(AiosMemory) memory = NULL;
  AiosImportReport *report;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  memory = aios_memory_new (store);
  report = aios_memory_import (memory, job->bytes, AIOS_IMPORT_AUTO, job->name, import_progress, job, &error);
  if (report == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, report, (GDestroyNotify) aios_import_report_free);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosImportReport) report = g_task_propagate_pointer (G_TASK (result), &error);
  Job *job = g_task_get_task_data (G_TASK (result));
  GString *text;

  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        aios_memory_page_show_report (self, error->message);
      return;
    }

  text = g_string_new (NULL);
  g_string_append_printf (text, _("%s: %u imported, %u updated, %u unchanged, %u skipped."), job->name,
                          report->imported, report->updated, report->unchanged, report->skipped);
  for (guint i = 0; i < report->skips->len && i < 20; i++)
    {
      AiosImportNote *n = g_ptr_array_index (report->skips, i);
      g_string_append_c (text, '\n');
      if (n->line > 0)
        g_string_append_printf (text, _("Line %u skipped: %s"), n->line, n->message);
      else
        g_string_append_printf (text, _("Skipped: %s"), n->message);
    }
  if (report->skips->len > 20)
    g_string_append_printf (text, _("\n…and %u more skipped rows."), report->skips->len - 20);
  for (guint i = 0; i < report->notes->len; i++)
    g_string_append_printf (text, "\n%s", ((AiosImportNote *) report->notes->pdata[i])->message);
  aios_memory_page_show_report (self, text->str);
  g_string_free (text, TRUE);
  aios_record_list_reload (self->records);
  aios_memory_page_refresh_counts (self);
}

static void
import_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (user_data);
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_object_unref (dialog);
  if (file != NULL)
    aios_memory_page_import_file (self, file);
  g_object_unref (self);
}

/**
 * aios_memory_page_import_file:
 *
 * Imports @file (CSV, vCard or a workspace export) on a worker thread,
 * with progress and then the report shown above the list.
 */
void
aios_memory_page_import_file (AiosMemoryPage *self,
                              GFile          *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *message = NULL;
  Job *job;

  g_return_if_fail (AIOS_IS_MEMORY_PAGE (self));
  if (self->workspace == NULL)
    return;
  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  if (bytes == NULL)
    {
      aios_memory_page_show_report (self, error->message);
      return;
    }
  job = g_new0 (Job, 1);
  job->workspace = g_object_ref (self->workspace);
  job->page = g_object_ref (self);
  job->bytes = g_bytes_ref (bytes);
  job->name = g_file_get_basename (file);

  gtk_stack_set_visible_child_name (self->stack, "content");
  aios_memory_page_show_report (self, NULL);
  message = g_strdup_printf (_("Importing %s…"), job->name);
  gtk_label_set_text (self->progress_label, message);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);

  task = g_task_new (self, self->cancellable, import_done, NULL);
  g_task_set_source_tag (task, aios_memory_page_import_file);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, import_thread);
}

void
aios_memory_page_import_activated (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Import Contacts or a Workspace"),
                                        GTK_IS_WINDOW (native) ? GTK_WINDOW (native) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Contacts and workspace exports (CSV, vCard, JSON)"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_add_suffix (filter, "vcf");
  gtk_file_filter_add_suffix (filter, "vcard");
  gtk_file_filter_add_suffix (filter, "json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosStore) store = aios_workspace_open_store (job->workspace, &error);
  g_autoptr(AiosMemory) memory = NULL;
  g_autoptr(GFileOutputStream) out = NULL;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  memory = aios_memory_new (store);
  out = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &error);
  if (out == NULL || !aios_memory_export (memory, G_OUTPUT_STREAM (out), cancellable, &error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = NULL;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not export to %s: %s"), job->name, error->message);
      aios_memory_page_show_report (self, message);
      return;
    }
  {
    g_autofree char *message = g_strdup_printf (_("Workspace exported to %s"), job->name);
    aios_memory_page_toast (self, message);
  }
}

/**
 * aios_memory_page_export_file:
 *
 * Writes the whole workspace as JSON to @file on a worker thread.
 */
void
aios_memory_page_export_file (AiosMemoryPage *self,
                              GFile          *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *message = NULL;
  Job *job;

  g_return_if_fail (AIOS_IS_MEMORY_PAGE (self));
  if (self->workspace == NULL)
    return;
  job = g_new0 (Job, 1);
  job->workspace = g_object_ref (self->workspace);
  job->page = g_object_ref (self);
  job->file = g_object_ref (file);
  job->name = g_file_get_basename (file);
  message = g_strdup_printf (_("Exporting to %s…"), job->name);
  gtk_label_set_text (self->progress_label, message);
  gtk_progress_bar_pulse (self->progress_bar);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);

  task = g_task_new (self, self->cancellable, export_done, NULL);
  g_task_set_source_tag (task, aios_memory_page_export_file);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, export_thread);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (user_data);
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_object_unref (dialog);
  if (file != NULL)
    aios_memory_page_export_file (self, file);
  g_object_unref (self);
}

void
aios_memory_page_export_activated (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Workspace"),
                                        GTK_IS_WINDOW (native) ? GTK_WINDOW (native) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "aios-export.json");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

