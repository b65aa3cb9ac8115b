/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Memory: the company's canonical records with their history. Until the
 * memory service is in the workspace it shows its empty state.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-memory-page.h"

struct _AiosMemoryPage
{
  AdwBin         parent_instance;

  AiosWorkspace *workspace;
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (AiosMemoryPage, aios_memory_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_memory_page_dispose (GObject *object)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_MEMORY_PAGE);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_memory_page_parent_class)->dispose (object);
}

static void
aios_memory_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_memory_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AiosMemoryPage *self = AIOS_MEMORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_memory_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_memory_page_class_init (AiosMemoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_memory_page_dispose;
  object_class->get_property = aios_memory_page_get_property;
  object_class->set_property = aios_memory_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-memory-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosMemoryPage, status_page);
}

static void
aios_memory_page_init (AiosMemoryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_memory_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_MEMORY_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_memory_page_get_workspace (AiosMemoryPage *self)
{
  g_return_val_if_fail (AIOS_IS_MEMORY_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_memory_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_memory_page_set_workspace (AiosMemoryPage *self,
                                AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_MEMORY_PAGE (self));

  if (!g_set_object (&self->workspace, workspace))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}
