/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Timeline: the journal, the story of the company. For now it says
 * truthfully whether the journal holds events and where to read them.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-timeline-page.h"
#include "store/aios-journal.h"

struct _AiosTimelinePage
{
  AdwBin         parent_instance;

  AiosWorkspace *workspace;
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (AiosTimelinePage, aios_timeline_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The journal already has events (settings, backups) before any run: the
 * empty state must not claim otherwise. */
static void
update_status (AiosTimelinePage *self)
{
  gint64 last = 0;

  if (self->workspace != NULL)
    last = aios_journal_last_id (aios_workspace_get_store (self->workspace));

  if (last == 0)
    {
      adw_status_page_set_title (self->status_page, _("No Events Yet"));
      adw_status_page_set_description (self->status_page,
                                       _("Every step of your agents will be listed here with its reasons, newest first."));
    }
  else
    {
      adw_status_page_set_title (self->status_page, _("The Journal Has Events"));
      adw_status_page_set_description (self->status_page,
                                       _("This page cannot list them yet. In a terminal, “aios journal” shows every event with its actor and reasons."));
    }
}

static void
aios_timeline_page_dispose (GObject *object)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_TIMELINE_PAGE);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_timeline_page_parent_class)->dispose (object);
}

static void
aios_timeline_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

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
aios_timeline_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  AiosTimelinePage *self = AIOS_TIMELINE_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_timeline_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_timeline_page_class_init (AiosTimelinePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_timeline_page_dispose;
  object_class->get_property = aios_timeline_page_get_property;
  object_class->set_property = aios_timeline_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-timeline-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosTimelinePage, status_page);
}

static void
aios_timeline_page_init (AiosTimelinePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (update_status), NULL);
}

GtkWidget *
aios_timeline_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_TIMELINE_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_timeline_page_get_workspace (AiosTimelinePage *self)
{
  g_return_val_if_fail (AIOS_IS_TIMELINE_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_timeline_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_timeline_page_set_workspace (AiosTimelinePage *self,
                                  AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_TIMELINE_PAGE (self));

  if (!g_set_object (&self->workspace, workspace))
    return;
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}
