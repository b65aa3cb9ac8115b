/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers for widget tests that run the real window under
 * tests/with-session.sh: a temp workspace, the application registered (so
 * its style sheet, actions and accelerators are in place), waiting for
 * frames, and rendering a widget to a texture with GTK's own renderer.
 */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"
#include "ui/aios-application.h"

G_BEGIN_DECLS

AiosApplication *aios_ui_test_application     (void);
AiosWorkspace   *aios_ui_test_workspace_new   (void);
gboolean         aios_ui_test_wait            (gboolean   (*done) (gpointer),
                                               gpointer     data,
                                               guint        timeout_ms);
void             aios_ui_test_wait_frame      (GtkWidget  *widget);
GdkTexture      *aios_ui_test_render          (GtkWidget  *widget);
char            *aios_ui_test_artifact_path   (const char *name);
void             aios_ui_test_collect_labels  (GtkWidget  *widget,
                                               GPtrArray  *texts);

G_END_DECLS
