/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Today page says, as typed lines: what waits for the operator
 * (grouped by kind, with the age of the oldest) and what failed, then what
 * the agents did today and in the six days before, newest first, in
 * sentences with names and figures ("Sent “A call next week, Dana?” to
 * dana@…", "Declined Pat: 10 of 35", "Invoice to Acme sent (€1,200.00)",
 * "0.12 spent on models"). Each line says what it opens (an approval in
 * the Inbox, a run, an event in the Timeline, a record in Memory), never
 * an event kind or an id in its words.
 *
 * Everything is read through the tables' owners: the pending approvals and
 * the runs that need attention (few, by their status indexes), and the
 * journal's events of a few kinds since the week began (the events_ts
 * index), at most LIMIT of them, so a long journal costs no more than a
 * short one (the totals, such as the leads answered, count among those).
 * A lead is a run of a flow whose id begins with "lead-" (lead-outreach,
 * lead-followup); it is answered when its email went out.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-today.h"
#include "control/aios-approvals.h"
#include "control/aios-flow.h"
#include "control/aios-outbox.h"
#include "control/aios-run-title.h"
#include "control/aios-runs.h"
#include "memory/aios-memory.h"
#include "store/aios-journal-query.h"

#define LIMIT 200

G_DEFINE_BOXED_TYPE (AiosTodayLine, aios_today_line, aios_today_line_copy, aios_today_line_free)

AiosTodayLine *
aios_today_line_copy (const AiosTodayLine *line)
{
  AiosTodayLine *copy = g_memdup2 (line, sizeof *line);

  copy->icon_name = g_strdup (line->icon_name);
  copy->text = g_strdup (line->text);
  copy->detail = g_strdup (line->detail);
  copy->action = g_strdup (line->action);
  return copy;
}

void
aios_today_line_free (AiosTodayLine *line)
{
  if (line == NULL)
    return;
  g_free (line->icon_name);
  g_free (line->text);
  g_free (line->detail);
  g_free (line->action);
  g_free (line);
}

static AiosTodayLine *
line_new (AiosTodaySection  section,
          const char       *icon_name,
          char             *text,
          char             *detail,
          AiosTodayOpen     open,
          gint64            target_id,
          gint64            run_id,
          gint64            ts)
{
  AiosTodayLine *line = g_new0 (AiosTodayLine, 1);

  line->section = section;
  line->icon_name = g_strdup (icon_name);
  line->text = text;
  line->detail = detail;
  line->open = open;
  line->target_id = target_id;
  line->run_id = run_id;
  line->ts = ts;
  return line;
}

/**
 * aios_today_format_duration:
 * @ms: a length of time
 *
 * Returns: (transfer full): it in words, to its largest unit: "less than a minute",
 *   "5 minutes", "3 hours", "2 days"
 */
char *
aios_today_format_duration (gint64 ms)
{
  gint64 minutes = MAX (ms, 0) / 60000;

  if (minutes < 1)
    return g_strdup (_("less than a minute"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", minutes), (int) minutes);
  if (minutes < 60 * 24)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour", "%d hours", minutes / 60), (int) (minutes / 60));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", minutes / (60 * 24)),
                          (int) (minutes / (60 * 24)));
}

/**
 * aios_today_format_money:
 * @minor: an amount in minor units (cents)
 * @currency: (nullable): its ISO code, any case
 *
 * Returns: (transfer full): "€1,200.00", "$40.00", "1,200.00 CHF"
 */
char *
aios_today_format_money (gint64      minor,
                         const char *currency)
{
  g_autofree char *upper = g_ascii_strup (currency != NULL ? currency : "", -1);
  g_autofree char *digits = g_strdup_printf ("%" PRId64, ABS (minor) / 100);
  g_autoptr(GString) number = g_string_new (minor < 0 ? "-" : "");
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        /* Translators: the thousands separator of amounts of money */
        g_string_append (number, C_("money", ","));
      g_string_append_c (number, digits[i]);
    }
  /* Translators: the decimal separator of amounts of money */
  g_string_append_printf (number, "%s%02d", C_("money", "."), (int) (ABS (minor) % 100));

  if (g_str_equal (upper, "EUR"))
    /* Translators: an amount in euros */
    return g_strdup_printf (C_("money", "€%s"), number->str);
  if (g_str_equal (upper, "USD"))
    /* Translators: an amount in US dollars */
    return g_strdup_printf (C_("money", "$%s"), number->str);
  if (g_str_equal (upper, "GBP"))
    /* Translators: an amount in pounds sterling */
    return g_strdup_printf (C_("money", "£%s"), number->str);
  if (*upper == '\0')
    return g_string_free (g_steal_pointer (&number), FALSE);
  /* Translators: an amount and its ISO currency code, e.g. "1,200.00 CHF" */
  return g_strdup_printf (C_("money", "%s %s"), number->str, upper);
}

/* ---- what waits ---- */

typedef struct {
  char     *kind;
  guint     n;
  gint64    oldest_id;
  gint64    oldest_at;
  gint64    run_id;
  char     *title;      /* the oldest's, for one alone */
  char     *icon_name;
  GString  *names;
} Waiting;

static void
waiting_free (Waiting *w)
{
  g_free (w->kind);
  g_free (w->title);
  g_free (w->icon_name);
  g_string_free (w->names, TRUE);
  g_free (w);
}

static char *
waiting_text (const Waiting *w,
              gint64         now_ms)
{
  g_autofree char *age = aios_today_format_duration (now_ms - w->oldest_at);

  if (w->n == 1)
    /* Translators: one approval waits; the first %s is what ("Email to Dana
     * Whitfield"), the second how long ("3 hours") */
    return g_strdup_printf (_("%s waits for you — for %s"), w->title, age);
  if (g_str_equal (w->kind, "email"))
    /* Translators: %u emails; %s is how long the oldest waits ("3 hours") */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u email waits for you — the oldest for %s",
                                         "%u emails wait for you — the oldest for %s", w->n), w->n, age);
  if (g_str_equal (w->kind, "invoice"))
    /* Translators: %u invoices; %s is how long the oldest waits */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u invoice waits for you — the oldest for %s",
                                         "%u invoices wait for you — the oldest for %s", w->n), w->n, age);
  if (g_str_equal (w->kind, "webhook"))
    /* Translators: %u webhook calls; %s is how long the oldest waits */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u webhook call waits for you — the oldest for %s",
                                         "%u webhook calls wait for you — the oldest for %s", w->n), w->n, age);
  /* Translators: %u results to check; %s is how long the oldest waits */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item waits for you — the oldest for %s",
                                       "%u items wait for you — the oldest for %s", w->n), w->n, age);
}

static gboolean
add_waiting (AiosWorkspace  *workspace,
             GPtrArray      *lines,
             gint64          now_ms,
             GError        **error)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  AiosConnectorRegistry *connectors = aios_workspace_get_connectors (workspace);
  g_autoptr(GPtrArray) approvals = aios_approval_info_list (store, TRUE, 0, 0, error);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) waiting_free);
  g_autoptr(GPtrArray) runs = NULL;

  if (approvals == NULL)
    return FALSE;
  for (guint i = 0; i < approvals->len; i++)
    {
      AiosApprovalInfo *info = approvals->pdata[i];
      const char *kind = info->action_kind != NULL ? info->action_kind : "output";
      Waiting *w = NULL;

      for (guint j = 0; j < groups->len && w == NULL; j++)
        if (g_str_equal (((Waiting *) groups->pdata[j])->kind, kind))
          w = groups->pdata[j];
      if (w == NULL)
        {
          w = g_new0 (Waiting, 1);
          w->kind = g_strdup (kind);
          w->names = g_string_new (NULL);
          w->icon_name = g_strdup (aios_approval_info_get_icon_name (info, connectors));
          g_ptr_array_add (groups, w);
        }
      w->n++;
      if (info->run_name != NULL && strstr (w->names->str, info->run_name) == NULL)
        g_string_append_printf (w->names, "%s%s", w->names->len > 0 ? ", " : "", info->run_name);
      if (w->oldest_id == 0 || info->created_at < w->oldest_at)
        {
          g_autoptr(AiosActionDescription) description = aios_approval_info_describe (info, connectors);

          w->oldest_id = info->id;
          w->oldest_at = info->created_at;
          w->run_id = info->run_id;
          g_free (w->title);
          w->title = g_strdup (description->title);
        }
    }
  for (guint j = 0; j < groups->len; j++)
    {
      Waiting *w = groups->pdata[j];
      AiosTodayLine *line = line_new (AIOS_TODAY_SECTION_WAITING, w->icon_name, waiting_text (w, now_ms),
                                      w->names->len > 0 ? g_strdup (w->names->str) : NULL,
                                      AIOS_TODAY_OPEN_APPROVAL, w->oldest_id, w->run_id, w->oldest_at);
      g_ptr_array_add (lines, line);
    }

  runs = aios_run_info_list (store, TRUE, 0, 0, error);
  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      AiosRunInfo *info = runs->pdata[i];
      g_autofree char *title = NULL;
      AiosTodayLine *line;
      char *text;

      if (info->attention == NULL)
        continue;
      title = aios_run_title_for_run (store, aios_workspace_get_flows (workspace), info->id);
      if (title == NULL)
        title = g_strdup (info->flow_id);
      if (g_strcmp0 (info->status, "failed") == 0)
        /* Translators: %s is a run's title, "Outreach to Dana Whitfield" */
        text = g_strdup_printf (_("%s failed"), title);
      else
        /* Translators: %s is a run's title; it waits for the operator */
        text = g_strdup_printf (_("%s needs you"), title);
      line = line_new (AIOS_TODAY_SECTION_WAITING, "dialog-warning-symbolic", text, g_strdup (info->attention),
                       AIOS_TODAY_OPEN_RUN, info->id, info->id, info->updated_at);
      line->action = g_strdup (_("Open"));
      g_ptr_array_add (lines, line);
    }
  return TRUE;
}

/* ---- what the agents did ---- */

static const char *const did_kinds[] = { "outbox.sent", "approval.rejected", "memory.written", NULL };

static JsonObject *
parse_object (const char *json,
              JsonNode  **root)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  *root = NULL;
  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  *root = json_node_copy (json_parser_get_root (parser));
  return json_node_get_object (*root);
}

static gint64
linked_id (AiosStore  *store,
           gint64      event_id,
           const char *target_kind)
{
  g_autoptr(GPtrArray) links = aios_journal_list_links (store, event_id, NULL);

  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      AiosEventLink *link = links->pdata[i];
      if (g_str_equal (link->target_kind, target_kind))
        return g_ascii_strtoll (link->target_id, NULL, 10);
    }
  return 0;
}

static gint64
invoice_total (JsonObject *request)
{
  JsonArray *items = json_object_has_member (request, "items") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (request, "items"))
                     ? json_object_get_array_member (request, "items") : NULL;
  gint64 total = 0;

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      if (JSON_NODE_HOLDS_OBJECT (item))
        total += json_object_get_int_member_with_default (json_node_get_object (item), "amount", 0);
    }
  return total;
}

/* "Sent “A call next week, Dana?” to dana@…", "Invoice to Acme sent (€1,200.00)". */
static AiosTodayLine *
sent_line (AiosWorkspace   *workspace,
           const AiosEvent *event,
           AiosTodaySection section,
           gboolean        *is_lead_email)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(AiosOutboxItem) item = aios_outbox_find_for_step (store, event->step_id, "sent", NULL);
  JsonObject *request;
  AiosConnector *connector;
  g_autofree char *person = NULL;
  char *text = NULL, *detail = NULL;
  AiosTodayLine *line;

  *is_lead_email = FALSE;
  if (item == NULL)
    return NULL;
  request = item->request != NULL && JSON_NODE_HOLDS_OBJECT (item->request) ? json_node_get_object (item->request) : NULL;
  connector = aios_connector_registry_get (aios_workspace_get_connectors (workspace), item->connector);
  person = event->run_id > 0 ? aios_runs_get_input_name (store, event->run_id, NULL) : NULL;

  if (g_str_equal (item->connector, "email") && request != NULL)
    {
      const char *subject = json_object_get_string_member_with_default (request, "subject", "");
      const char *to = json_object_get_string_member_with_default (request, "to", "");
      g_autofree char *flow_id = event->run_id > 0 ? aios_runs_get_flow_id (store, event->run_id, NULL) : NULL;

      /* Translators: an email that went out; “%s” is its subject, the second %s its address */
      text = g_strdup_printf (_("Sent “%s” to %s"), subject, to);
      *is_lead_email = flow_id != NULL && g_str_has_prefix (flow_id, "lead-");
    }
  else if (g_str_equal (item->connector, "invoice") && request != NULL)
    {
      JsonObject *customer = json_object_has_member (request, "customer") &&
                             JSON_NODE_HOLDS_OBJECT (json_object_get_member (request, "customer"))
                             ? json_object_get_object_member (request, "customer") : NULL;
      const char *who = customer ? json_object_get_string_member_with_default (customer, "name",
                                     json_object_get_string_member_with_default (customer, "email", "")) : "";
      g_autofree char *total = aios_today_format_money (invoice_total (request),
                                                        json_object_get_string_member_with_default (request, "currency", NULL));

      /* Translators: an invoice that went out; %s is the customer, then its total */
      text = g_strdup_printf (_("Invoice to %s sent (%s)"), who, total);
    }
  else
    {
      g_autoptr(AiosActionDescription) description =
        connector != NULL ? aios_connector_describe (connector, NULL, item->request, person) : NULL;

      /* Translators: an outward action that was done; %s says what ("Webhook to example.com") */
      text = g_strdup_printf (_("%s went out"), description != NULL && description->title != NULL
                                                  ? description->title : item->connector);
    }

  if (item->policy_rule != NULL)
    /* Translators: %s is the name of the policy rule that allowed an action */
    detail = g_strdup_printf (_("Allowed by the rule “%s”"), item->policy_rule);
  else if (item->approval_id > 0)
    detail = g_strdup (_("Approved by you"));
  line = line_new (section, connector != NULL ? aios_connector_get_icon_name (connector) : "mail-send-symbolic",
                   text, detail, AIOS_TODAY_OPEN_EVENT, event->id, event->run_id, event->ts);
  return line;
}

/* "You rejected the email to Marcus Oyelaran", with the reason. */
static AiosTodayLine *
rejected_line (AiosWorkspace   *workspace,
               const AiosEvent *event,
               AiosTodaySection section)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  gint64 approval_id = linked_id (store, event->id, "approval");
  g_autoptr(AiosApprovalInfo) info = approval_id > 0 ? aios_approval_info_get (store, approval_id, NULL) : NULL;
  g_autoptr(AiosActionDescription) description = NULL;
  char *text;

  if (info == NULL)
    return NULL;
  if (g_strcmp0 (info->action_kind, "email") == 0)
    /* Translators: %s is who the email was for */
    text = g_strdup_printf (_("You rejected the email to %s"),
                            info->run_name != NULL ? info->run_name
                                                   : aios_json_node_get_string (info->request, "to"));
  else
    {
      description = aios_approval_info_describe (info, aios_workspace_get_connectors (workspace));
      /* Translators: %s says what was rejected ("Invoice to Acme") */
      text = g_strdup_printf (_("You rejected “%s”"), description->title);
    }
  return line_new (section, "action-unavailable-symbolic", text,
                   event->rationale != NULL && *event->rationale != '\0' ? g_strdup (event->rationale) : NULL,
                   AIOS_TODAY_OPEN_EVENT, event->id, event->run_id, event->ts);
}

/* The rules step's score and reasons, when the run had one. */
static gboolean
run_score (AiosStore  *store,
           gint64      run_id,
           gint64     *score,
           GString    *reasons)
{
  g_autoptr(GPtrArray) steps = aios_runs_list_steps (store, run_id, NULL);

  for (guint i = 0; steps != NULL && i < steps->len; i++)
    {
      AiosStepInfo *step = steps->pdata[i];
      g_autoptr(JsonNode) root = NULL;
      JsonObject *out;
      JsonNode *node;

      if (g_strcmp0 (step->agent, "rules") != 0 || (out = parse_object (step->output_json, &root)) == NULL ||
          (node = json_object_get_member (out, "score")) == NULL || !JSON_NODE_HOLDS_VALUE (node))
        continue;
      *score = (gint64) json_node_get_double (node);
      if (json_object_has_member (out, "reasons") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (out, "reasons")))
        {
          JsonArray *array = json_object_get_array_member (out, "reasons");
          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              JsonNode *r = json_array_get_element (array, j);
              if (JSON_NODE_HOLDS_VALUE (r) && json_node_get_value_type (r) == G_TYPE_STRING)
                g_string_append_printf (reasons, "%s%s", reasons->len ? ", " : "", json_node_get_string (r));
            }
        }
      return TRUE;
    }
  return FALSE;
}

/* The threshold the run's flow declined below (the decline step's config). */
static gint64
decline_threshold (AiosWorkspace *workspace,
                   const char    *flow_id)
{
  g_autoptr(AiosFlow) flow = aios_flow_registry_lookup (aios_workspace_get_flows (workspace), flow_id, NULL);

  if (flow == NULL)
    return 0;
  for (guint i = 0; i < aios_flow_get_n_steps (flow); i++)
    {
      const AiosFlowStep *step = aios_flow_get_step (flow, i);
      JsonObject *config = JSON_NODE_HOLDS_OBJECT (step->config) ? json_node_get_object (step->config) : NULL;
      if (config != NULL && g_strcmp0 (json_object_get_string_member_with_default (config, "mode", NULL), "decline") == 0)
        return json_object_get_int_member_with_default (config, "threshold", 0);
    }
  return 0;
}

/* An agent's decision record: "Declined Pat: 10 of 35". */
static AiosTodayLine *
decision_line (AiosWorkspace   *workspace,
               const AiosEvent *event,
               AiosTodaySection section)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *payload = parse_object (event->payload_json, &root);
  g_autoptr(AiosRecord) record = NULL;
  g_autoptr(GString) reasons = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *flow_id = NULL;
  gint64 record_id, score = 0, threshold;
  char *text;

  if (payload == NULL || !g_str_has_prefix (event->actor, "agent:") ||
      g_strcmp0 (json_object_get_string_member_with_default (payload, "kind", NULL), "decision") != 0 ||
      json_object_get_int_member_with_default (payload, "version", 0) != 1)
    return NULL;
  record_id = json_object_get_int_member_with_default (payload, "record_id", 0);
  record = aios_memory_get (aios_workspace_get_memory (workspace), record_id, NULL);
  if (record == NULL || record->deleted)
    return NULL;

  name = event->run_id > 0 ? aios_runs_get_input_name (store, event->run_id, NULL) : NULL;
  flow_id = event->run_id > 0 ? aios_runs_get_flow_id (store, event->run_id, NULL) : NULL;
  threshold = flow_id != NULL ? decline_threshold (workspace, flow_id) : 0;
  if (name != NULL && threshold > 0 && run_score (store, event->run_id, &score, reasons))
    /* Translators: a lead the agents did not write to; %s is who, then the
     * score and the score needed */
    text = g_strdup_printf (_("Declined %s: %" PRId64 " of %" PRId64), name, score, threshold);
  else
    text = g_strdup (record->title);
  return line_new (section, "action-unavailable-symbolic", text,
                   reasons->len > 0 ? g_strdup (reasons->str) : NULL,
                   AIOS_TODAY_OPEN_RECORD, record_id, event->run_id, event->ts);
}

typedef struct {
  GHashTable *lead_runs;
  gint64      newest_run;
  gint64      newest_ts;
} Answered;

static gboolean
add_did (AiosWorkspace  *workspace,
         GPtrArray      *lines,
         gint64          today_start,
         gint64          week_start,
         GError        **error)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GPtrArray) events = aios_journal_list_kinds_since (store, did_kinds, "decision", week_start, LIMIT, error);
  g_autoptr(GPtrArray) did = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_today_line_free);
  Answered answered[2] = { { g_hash_table_new (g_int64_hash, g_int64_equal), 0, 0 },
                           { g_hash_table_new (g_int64_hash, g_int64_equal), 0, 0 } };

  if (events == NULL)
    {
      g_hash_table_unref (answered[0].lead_runs);
      g_hash_table_unref (answered[1].lead_runs);
      return FALSE;
    }
  for (guint i = 0; i < events->len; i++)
    {
      AiosEvent *event = events->pdata[i];
      AiosTodaySection section = event->ts >= today_start ? AIOS_TODAY_SECTION_TODAY : AIOS_TODAY_SECTION_WEEK;
      AiosTodayLine *line = NULL;
      gboolean lead = FALSE;

      if (g_str_equal (event->kind, "outbox.sent"))
        line = sent_line (workspace, event, section, &lead);
      else if (g_str_equal (event->kind, "approval.rejected"))
        line = rejected_line (workspace, event, section);
      else if (g_str_equal (event->kind, "memory.written"))
        line = decision_line (workspace, event, section);
      if (line == NULL)
        continue;
      if (lead)
        {
          Answered *a = &answered[section == AIOS_TODAY_SECTION_TODAY ? 0 : 1];
          g_hash_table_add (a->lead_runs, g_memdup2 (&event->run_id, sizeof event->run_id));
          if (event->ts >= a->newest_ts)
            {
              a->newest_ts = event->ts;
              a->newest_run = event->run_id;
            }
        }
      g_ptr_array_add (did, line);
    }
  /* (the events came newest first, so the lines are in their order) */

  /* Each section opens with its totals: the leads answered, the models' cost. */
  for (guint s = 0; s < 2; s++)
    {
      AiosTodaySection section = s == 0 ? AIOS_TODAY_SECTION_TODAY : AIOS_TODAY_SECTION_WEEK;
      guint n = g_hash_table_size (answered[s].lead_runs);
      gint64 cost = s == 0 ? aios_journal_cost_since (store, today_start)
                           : aios_journal_cost_since (store, week_start) - aios_journal_cost_since (store, today_start);

      if (n > 0)
        {
          AiosTodayLine *line = line_new (section, "mail-reply-sender-symbolic",
                                          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Answered %u lead",
                                                                        "Answered %u leads", n), n),
                                          NULL, AIOS_TODAY_OPEN_RUN, answered[s].newest_run, answered[s].newest_run,
                                          answered[s].newest_ts);
          line->total = TRUE;
          g_ptr_array_add (lines, line);
        }
      if (cost > 0)
        {
          /* in hundredths, rounded up: a cost is never shown as nothing */
          g_autofree char *amount = aios_today_format_money ((cost + 9999) / 10000, NULL);
          /* Translators: what the model calls cost; %s is the amount */
          AiosTodayLine *line = line_new (section, "applications-science-symbolic",
                                          g_strdup_printf (_("%s spent on models"), amount), NULL,
                                          AIOS_TODAY_OPEN_EVENT, 0, 0, section == AIOS_TODAY_SECTION_TODAY
                                                                       ? today_start : week_start);
          line->total = TRUE;
          g_ptr_array_add (lines, line);
        }
      for (guint i = 0; i < did->len; i++)
        if (((AiosTodayLine *) did->pdata[i])->section == section)
          g_ptr_array_add (lines, aios_today_line_copy (did->pdata[i]));
      g_hash_table_unref (answered[s].lead_runs);
    }
  return TRUE;
}

/**
 * aios_today_read:
 * @now_ms: the time to read the day and the ages at (ms since the epoch)
 *
 * Returns: (transfer container) (element-type AiosTodayLine): what the
 *   Today page shows, in its order (what waits, then today, then this
 *   week); %NULL with @error when the workspace cannot be read
 */
GPtrArray *
aios_today_read (AiosWorkspace  *workspace,
                 gint64          now_ms,
                 GError        **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_today_line_free);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_ms / 1000);
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                         g_date_time_get_day_of_month (now), 0, 0, 0);
  g_autoptr(GDateTime) week = g_date_time_add_days (midnight, -6);

  g_return_val_if_fail (AIOS_IS_WORKSPACE (workspace), NULL);
  if (!add_waiting (workspace, lines, now_ms, error) ||
      !add_did (workspace, lines, g_date_time_to_unix (midnight) * 1000, g_date_time_to_unix (week) * 1000, error))
    return NULL;
  return g_steal_pointer (&lines);
}
