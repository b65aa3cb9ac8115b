/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-window.h"

struct _AiosWindow
{
  AdwApplicationWindow  parent_instance;

  AiosWorkspace        *workspace;
  AdwViewStack         *stack;
};

G_DEFINE_FINAL_TYPE (AiosWindow, aios_window, ADW_TYPE_APPLICATION_WINDOW)

static void
aios_window_dispose (GObject *object)
{
  AiosWindow *self = AIOS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_WINDOW);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_window_parent_class)->dispose (object);
}

static void
aios_window_class_init (AiosWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/ui/aios-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosWindow, stack);
}

static void
aios_window_init (AiosWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

AiosWindow *
aios_window_new (AiosApplication *application,
                 AiosWorkspace   *workspace)
{
  AiosWindow *self = g_object_new (AIOS_TYPE_WINDOW, "application", application, NULL);

  self->workspace = g_object_ref (workspace);
  return self;
}

AiosWorkspace *
aios_window_get_workspace (AiosWindow *self)
{
  g_return_val_if_fail (AIOS_IS_WINDOW (self), NULL);
  return self->workspace;
}
