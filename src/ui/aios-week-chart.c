/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small bar chart of one figure per week, drawn with GtkSnapshot: a bar
 * per week in the foreground colour (the latest week in the accent
 * colour), its value above it and the week under it. For assistive
 * technologies it is an image whose label is its title and whose
 * description holds every figure ("2026-W46: 0, …, 2026-W49: 6").
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "aios-week-chart.h"

#define BAR_WIDTH 28
#define BAR_GAP 10
#define CHART_HEIGHT 72

struct _AiosWeekChart
{
  GtkWidget  parent_instance;

  char      *title;
  GPtrArray *labels;       /* char * */
  GPtrArray *value_texts;  /* char * */
  GArray    *values;       /* double */
};

G_DEFINE_FINAL_TYPE (AiosWeekChart, aios_week_chart, GTK_TYPE_WIDGET)

static PangoLayout *
small_layout (GtkWidget  *widget,
              const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

/* Under a bar: "W49" of "2026-W49" (the description keeps the year). */
static const char *
short_label (const char *label)
{
  const char *dash = strrchr (label, '-');

  return dash != NULL ? dash + 1 : label;
}

static void
aios_week_chart_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  AiosWeekChart *self = AIOS_WEEK_CHART (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  GdkRGBA fg, accent, bar;
  double max = 0;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int text_h = 0;
  guint n = self->values->len;
  double slot;

  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    accent = fg;

  for (guint i = 0; i < n; i++)
    max = MAX (max, g_array_index (self->values, double, i));
  {
    g_autoptr(PangoLayout) probe = small_layout (widget, "0");
    pango_layout_get_pixel_size (probe, NULL, &text_h);
  }
  slot = n > 0 ? (double) width / n : width;

  for (guint i = 0; i < n; i++)
    {
      double v = g_array_index (self->values, double, i);
      double area = MAX (height - 2 * text_h - 4, 4);
      double h = max > 0 ? area * v / max : 0;
      double x = i * slot + (slot - BAR_WIDTH) / 2;
      double base = height - text_h - 2;
      g_autoptr(PangoLayout) value = small_layout (widget, self->value_texts->pdata[i]);
      g_autoptr(PangoLayout) label = small_layout (widget, short_label (self->labels->pdata[i]));
      int w = 0;

      bar = i + 1 == n ? accent : fg;
      bar.alpha *= i + 1 == n ? 1.0 : 0.45;
      /* a hairline for a zero, so the week is still visible */
      gtk_snapshot_append_color (snapshot, &bar, &GRAPHENE_RECT_INIT (x, base - MAX (h, 1), BAR_WIDTH, MAX (h, 1)));

      pango_layout_get_pixel_size (value, &w, NULL);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (i * slot + (slot - w) / 2, base - MAX (h, 1) - text_h - 1));
      gtk_snapshot_append_layout (snapshot, value, &fg);
      gtk_snapshot_restore (snapshot);

      pango_layout_get_pixel_size (label, &w, NULL);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (i * slot + (slot - w) / 2, base + 2));
      {
        GdkRGBA dim = fg;

        dim.alpha *= 0.7;
        gtk_snapshot_append_layout (snapshot, label, &dim);
      }
      gtk_snapshot_restore (snapshot);
    }
}

static void
aios_week_chart_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  AiosWeekChart *self = AIOS_WEEK_CHART (widget);
  int label_w = 0;

  for (guint i = 0; i < self->labels->len; i++)
    {
      g_autoptr(PangoLayout) layout = small_layout (widget, short_label (self->labels->pdata[i]));
      int w = 0;

      pango_layout_get_pixel_size (layout, &w, NULL);
      label_w = MAX (label_w, w);
    }
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = MAX (self->labels->len, 1) * (MAX (BAR_WIDTH, label_w) + BAR_GAP);
  else
    *minimum = *natural = CHART_HEIGHT;
}

static void
aios_week_chart_finalize (GObject *object)
{
  AiosWeekChart *self = AIOS_WEEK_CHART (object);

  g_free (self->title);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->value_texts);
  g_array_unref (self->values);
  G_OBJECT_CLASS (aios_week_chart_parent_class)->finalize (object);
}

static void
aios_week_chart_class_init (AiosWeekChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = aios_week_chart_finalize;
  widget_class->snapshot = aios_week_chart_snapshot;
  widget_class->measure = aios_week_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "weekchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
aios_week_chart_init (AiosWeekChart *self)
{
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->value_texts = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
}

GtkWidget *
aios_week_chart_new (const char *title)
{
  AiosWeekChart *self = g_object_new (AIOS_TYPE_WEEK_CHART, NULL);

  self->title = g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  return GTK_WIDGET (self);
}

const char *
aios_week_chart_get_title (AiosWeekChart *self)
{
  g_return_val_if_fail (AIOS_IS_WEEK_CHART (self), NULL);
  return self->title;
}

/**
 * aios_week_chart_describe:
 *
 * Returns: every figure in words, "2026-W46: 0, 2026-W47: 3" (the
 *   accessible description)
 */
char *
aios_week_chart_describe (AiosWeekChart *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (AIOS_IS_WEEK_CHART (self), NULL);
  for (guint i = 0; i < self->labels->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      /* TRANSLATORS: one week's figure in a chart's description, "2026-W49: 6" */
      g_string_append_printf (out, _("%s: %s"), (char *) self->labels->pdata[i], (char *) self->value_texts->pdata[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * aios_week_chart_set_data:
 * @labels: @n week labels, oldest first
 * @values: @n values (the bars' heights)
 * @value_texts: (nullable): @n values in words ("3 min"); the numbers when %NULL
 */
void
aios_week_chart_set_data (AiosWeekChart       *self,
                          guint                n,
                          const char * const  *labels,
                          const double        *values,
                          const char * const  *value_texts)
{
  g_autofree char *description = NULL;

  g_return_if_fail (AIOS_IS_WEEK_CHART (self));

  g_ptr_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->value_texts, 0);
  g_array_set_size (self->values, 0);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (self->labels, g_strdup (labels[i]));
      g_ptr_array_add (self->value_texts, value_texts ? g_strdup (value_texts[i]) : g_strdup_printf ("%g", values[i]));
      g_array_append_val (self->values, values[i]);
    }
  description = aios_week_chart_describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}
