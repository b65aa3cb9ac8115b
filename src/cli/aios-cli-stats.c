/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `aios stats [--weeks N] [--json]`: the repair-cost meter (control/aios-
 * stats.c) in sentences and a table, or as stable JSON. And `aios submit
 * FLOW --dry-run` (the option is parsed by submit in aios-cli-control.c):
 * the whole flow against the connectors' simulators, its previews printed.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "control/aios-stats.h"

static char *
format_local (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ms / 1000);

  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

static void
print_table (AiosCliCall     *call,
             const AiosStats *stats)
{
  /* TRANSLATORS: the columns of `aios stats`; keep them short */
  aios_cli_call_print (call, "%-9s %-16s %5s %7s %9s %8s %6s %9s %6s  %s\n",
                       _("week"), _("flow"), _("runs"), _("failed"), _("recovered"), _("decided"), _("edits"),
                       _("rejected"), _("fixes"), _("waited"));
  for (guint w = 0; w < stats->weeks->len; w++)
    {
      const AiosStatsWeek *week = stats->weeks->pdata[w];

      for (guint i = 0; i < week->flows->len; i++)
        {
          const AiosStatsFlow *flow = week->flows->pdata[i];
          const AiosStatsFigures *f = &flow->figures;
          g_autofree char *waited = aios_stats_format_duration (f->waiting_ms);

          aios_cli_call_print (call, "%-9s %-16s %5u %7u %9u %8u %6u %9u %6u  %s\n",
                               week->label, flow->flow_id, f->runs, aios_stats_figures_failed (f),
                               f->failures[AIOS_FAILURE_RETRYABLE_RECOVERED], aios_stats_figures_decisions (f),
                               f->edits, f->rejections,
                               f->undos + f->retries + f->replays + f->manual_fixes + f->resolutions, waited);
        }
    }
}

static int
stats_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosStats) stats = NULL;
  gboolean json = FALSE;
  int weeks = 4;
  const GOptionEntry entries[] = {
    { "weeks", 0, 0, G_OPTION_ARG_INT, &weeks, N_("How many weeks back, this one included (default 4)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);
  if (weeks < 1 || weeks > 520)
    return aios_cli_call_fail_literal (call, _("--weeks must be a number of weeks from 1 to 520"));

  stats = aios_stats_compute (aios_workspace_get_store (workspace), (guint) weeks, aios_store_now_ms (), &error);
  if (stats == NULL)
    return aios_cli_call_fail (call, error);

  if (json)
    {
      g_autoptr(JsonNode) node = aios_stats_to_json (stats);
      aios_cli_call_print_json (call, node);
      return 0;
    }

  for (guint w = stats->weeks->len; w > 0; w--)
    {
      const AiosStatsWeek *week = stats->weeks->pdata[w - 1];
      g_autofree char *text = NULL;

      if (week->flows->len == 0 && w != stats->weeks->len)
        continue;
      text = aios_stats_describe_week (stats, week);
      aios_cli_call_print (call, "%s\n", text);
    }
  aios_cli_call_print (call, "\n");
  if (stats->total.runs > 0 || aios_stats_figures_interventions (&stats->total) > 0)
    {
      print_table (call, stats);
      aios_cli_call_print (call, "\n");
    }

  if (stats->flows->len > 0)
    {
      const AiosStatsFlow *top = stats->flows->pdata[0];
      guint hands = aios_stats_figures_interventions (&top->figures);
      guint failed = aios_stats_figures_failed (&top->figures);

      g_autofree char *hands_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u intervention",
                                                                  "%u interventions", hands), hands);
      g_autofree char *failed_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failure", "%u failures",
                                                                   failed), failed);

      if (hands + failed > 0)
        /* TRANSLATORS: "The flow that cost you most: lead-outreach (9 interventions, 2 failures in 4 weeks)." */
        aios_cli_call_print (call, g_dngettext (GETTEXT_PACKAGE,
                                                "The flow that cost you most: %s (%s, %s in %u week).\n",
                                                "The flow that cost you most: %s (%s, %s in %u weeks).\n",
                                                stats->weeks->len),
                             top->flow_id, hands_text, failed_text, stats->weeks->len);
    }
  if (stats->top_failure >= 0)
    {
      g_autoptr(GString) runs = g_string_new (NULL);
      guint n = stats->total.failures[stats->top_failure];
      g_autofree char *times = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u time", "%u times", n), n);

      for (guint i = 0; i < stats->top_failure_runs->len && i < 5; i++)
        g_string_append_printf (runs, "%s%" PRId64, i ? ", " : "", g_array_index (stats->top_failure_runs, gint64, i));

      aios_cli_call_print (call,
                           g_dngettext (GETTEXT_PACKAGE,
                                        "The most common failure: %s (%s), in run %s (see “aios journal --run ID”).\n",
                                        "The most common failure: %s (%s), in runs %s (see “aios journal --run ID”).\n",
                                        stats->top_failure_runs->len),
                           aios_failure_class_to_words (stats->top_failure), times, runs->str);
    }
  if (stats->first_approved_at > 0)
    {
      g_autofree char *took = aios_stats_format_duration (stats->first_approved_at - stats->first_start_at);
      g_autofree char *from = format_local (stats->first_start_at);
      g_autofree char *to = format_local (stats->first_approved_at);

      aios_cli_call_print (call, _("Integration cost: %s from the first start (%s) to the first approved action (%s).\n"),
                           took, from, to);
    }
  else
    {
      g_autofree char *from = format_local (stats->first_start_at);

      aios_cli_call_print (call, _("Integration cost: nothing approved yet since the first start (%s).\n"), from);
    }
  aios_cli_call_print (call, _("Waiting time runs from the moment an item reached your inbox to your decision: the time "
                               "it waited for you, not time you spent on it. Time spent in the editor is not measured. "
                               "Weeks start on Monday, in %s.\n"), stats->time_zone);
  return 0;
}

static const AiosCliCommand commands[] = {
  { "stats", "[--weeks N] [--json]",
    N_("The repair-cost meter: per flow and week, failures, interventions and the time items waited for you"),
    stats_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_stats_commands (void)
{
  return commands;
}
