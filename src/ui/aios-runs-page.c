/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs: what is happening now, what waits and what failed. Until the
 * coordinator is in the workspace it shows its empty state.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-runs-page.h"

struct _AiosRunsPage
{
  AdwBin         parent_instance;

  AiosWorkspace *workspace;
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (AiosRunsPage, aios_runs_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_runs_page_dispose (GObject *object)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_RUNS_PAGE);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_runs_page_parent_class)->dispose (object);
}

static void
aios_runs_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

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
aios_runs_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_runs_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_runs_page_class_init (AiosRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_runs_page_dispose;
  object_class->get_property = aios_runs_page_get_property;
  object_class->set_property = aios_runs_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-runs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, status_page);
}

static void
aios_runs_page_init (AiosRunsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
aios_runs_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_RUNS_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_runs_page_get_workspace (AiosRunsPage *self)
{
  g_return_val_if_fail (AIOS_IS_RUNS_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_runs_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_runs_page_set_workspace (AiosRunsPage *self,
                              AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_RUNS_PAGE (self));

  if (!g_set_object (&self->workspace, workspace))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}
