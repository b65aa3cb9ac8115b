/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "cadence" role decides, when a follow-up's wait is over, whether the
 * follow-up is still wanted, and threads it. Config: `index`, which
 * follow-up this is (1, 2, ...), and `end` (true) on the step after the
 * flow's last follow-up, which only stops. It reads what the step's memory queries
 * found when it ran (after its wait, so the lead's status is today's):
 *
 *   memory.template   the outreach template: fields.cadence ("3d,7d"), whose
 *                     parts count the follow-ups
 *   memory.lead       fields.status: replied, won, lost, do-not-contact stop
 *   memory.contact    (optional) fields.do_not_contact: "yes" stops
 *   input.name        who the lead is, for the journal's words
 *
 * It answers either {"stop": "Stopped following up Dana Whitfield: they
 * replied on 3 December"} — the coordinator journals the cause and ends
 * the run there — or what the follow-up needs: {index, subject ("Re: "
 * and the subject last sent), in_reply_to (the Message-ID of the run's
 * last sent email), references (that email's references and its id)},
 * the sent email learnt from the outbox's owner through the hook
 * aios_outbox_provide_sent_responses() fills.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-cadence-agent.h"
#include "aios-template.h"

struct _AiosCadenceAgent
{
  AiosAgent             parent_instance;

  AiosStore            *store;
};

G_DEFINE_FINAL_TYPE (AiosCadenceAgent, aios_cadence_agent, AIOS_TYPE_AGENT)

static gint64
config_int (JsonObject *config,
            const char *name)
{
  JsonNode *node = json_object_get_member (config, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  return 0;
}

static gboolean
aios_cadence_agent_check_config (AiosAgent   *agent,
                                 JsonObject  *config,
                                 GError     **error)
{
  JsonNode *index = config ? json_object_get_member (config, "index") : NULL;

  if (index == NULL || !JSON_NODE_HOLDS_VALUE (index) || json_node_get_value_type (index) != G_TYPE_INT64 ||
      json_node_get_int (index) < 1 || json_node_get_int (index) > 32)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".index: expected which follow-up this is, 1 to 32"));
      return FALSE;
    }
  return TRUE;
}

static char *
day_of (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = ts_ms > 0 ? g_date_time_new_from_unix_local (ts_ms / 1000) : NULL;

  return when != NULL ? g_date_time_format (when, "%-d %B") : NULL;
}

/* Why the cadence stops, or NULL when the follow-up goes ahead. */
static char *
stop_cause (JsonObject *context,
            gint64      index,
            guint       n_parts,
            const char *cadence)
{
  const char *name = aios_template_lookup_string (context, "input.name");
  const char *status = aios_template_lookup_string (context, "memory.lead.fields.status");
  const char *dnc = aios_template_lookup_string (context, "memory.contact.fields.do_not_contact");
  JsonNode *ts = aios_template_lookup (context, "memory.lead.ts");
  g_autofree char *day = day_of (ts != NULL && JSON_NODE_HOLDS_VALUE (ts) ? json_node_get_int (ts) : 0);
  g_autofree char *on = day != NULL ? g_strdup_printf (_(" on %s"), day) : g_strdup ("");

  if (name == NULL || *name == '\0')
    name = _("the lead");
  if (g_strcmp0 (status, "replied") == 0)
    return g_strdup_printf (_("Stopped following up %s: they replied%s"), name, on);
  if (g_strcmp0 (status, "won") == 0)
    return g_strdup_printf (_("Stopped following up %s: the lead was marked won%s"), name, on);
  if (g_strcmp0 (status, "lost") == 0)
    return g_strdup_printf (_("Stopped following up %s: the lead was marked lost%s"), name, on);
  if (g_strcmp0 (status, "do-not-contact") == 0 || g_strcmp0 (dnc, "yes") == 0)
    return g_strdup_printf (_("Stopped following up %s: they are not to be contacted%s"), name, on);
  if (n_parts == 0)
    return g_strdup_printf (_("No follow-ups for %s: the outreach template sets no cadence"), name);
  if ((guint) index > n_parts)
    return g_strdup_printf (_("Stopped following up %s: the cadence “%s” is complete (%u follow-ups sent)"),
                            name, cadence, n_parts);
  return NULL;
}

static void
aios_cadence_agent_run_async (AiosAgent           *agent,
                              JsonObject          *context,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AiosCadenceAgent *self = AIOS_CADENCE_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) split = NULL;
  g_autofree char *cause = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *references = NULL;
  g_autofree char *rationale = NULL;
  JsonObject *config = json_object_get_object_member (context, "config");
  gint64 run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  const char *cadence, *first_subject = NULL, *previous = NULL, *in_reply_to = NULL;
  gint64 index;

  g_task_set_source_tag (task, aios_cadence_agent_run_async);
  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  index = config_int (config, "index");
  cadence = aios_template_lookup_string (context, "memory.template.fields.cadence");
  split = g_strsplit (cadence ? cadence : "", ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (*g_strstrip (split[i]) != '\0')
      g_ptr_array_add (parts, g_strdup (split[i]));

  cause = stop_cause (context, index, parts->len, cadence ? cadence : "");
  if (cause == NULL && json_object_get_boolean_member_with_default (config, "end", FALSE))
    cause = g_strdup_printf (_("Stopped following up %s: the flow's last follow-up went out"),
                             aios_template_lookup_string (context, "input.name")
                               ? aios_template_lookup_string (context, "input.name") : _("the lead"));
  if (cause != NULL)
    {
      json_object_set_string_member (out, "stop", cause);
      json_object_set_string_member (out, "rationale", cause);
      json_object_set_int_member (out, "index", index);
      g_task_return_pointer (task, json_node_init_object (json_node_alloc (), g_steal_pointer (&out)),
                             (GDestroyNotify) json_node_unref);
      return;
    }

  response = aios_agent_get_sent_response (AIOS_AGENT (self), self->store, run_id, "email");
  if (response != NULL && JSON_NODE_HOLDS_OBJECT (response))
    {
      JsonObject *sent = json_node_get_object (response);

      in_reply_to = json_object_get_string_member_with_default (sent, "message_id", NULL);
      first_subject = json_object_get_string_member_with_default (sent, "subject", NULL);
      previous = json_object_get_string_member_with_default (sent, "references", NULL);
    }
  if (in_reply_to == NULL)
    {
      /* Fail closed: a follow-up is a reply to something that went out. */
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT, "%s",
                               _("This run has no sent email to follow up (its Message-ID is not on record)"));
      return;
    }

  if (first_subject == NULL)
    first_subject = aios_template_lookup_string (context, "memory.template.fields.subject");
  if (first_subject == NULL)
    first_subject = "";
  subject = g_ascii_strncasecmp (first_subject, "Re:", 3) == 0 ? g_strdup (first_subject)
                                                                : g_strdup_printf ("Re: %s", first_subject);
  /* References: every earlier message of the thread, oldest first (RFC 5322 3.6.4). */
  if (previous != NULL && *previous != '\0' && strstr (previous, in_reply_to) == NULL)
    references = g_strdup_printf ("%s %s", previous, in_reply_to);
  else if (previous != NULL && *previous != '\0')
    references = g_strdup (previous);
  else
    references = g_strdup (in_reply_to);

  rationale = g_strdup_printf (_("Follow-up %" PRId64 " of %u (cadence “%s”), a reply to %s; the lead is still %s"),
                               index, parts->len, cadence, in_reply_to,
                               aios_template_lookup_string (context, "memory.lead.fields.status")
                                 ? aios_template_lookup_string (context, "memory.lead.fields.status") : _("open"));
  json_object_set_int_member (out, "index", index);
  json_object_set_int_member (out, "of", parts->len);
  json_object_set_string_member (out, "subject", subject);
  json_object_set_string_member (out, "in_reply_to", in_reply_to);
  json_object_set_string_member (out, "references", references);
  json_object_set_string_member (out, "rationale", rationale);
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_cadence_agent_run_finish (AiosAgent     *agent,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_cadence_agent_dispose (GObject *object)
{
  AiosCadenceAgent *self = AIOS_CADENCE_AGENT (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_cadence_agent_parent_class)->dispose (object);
}

static void
aios_cadence_agent_class_init (AiosCadenceAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_cadence_agent_dispose;
  agent_class->check_config = aios_cadence_agent_check_config;
  agent_class->run_async = aios_cadence_agent_run_async;
  agent_class->run_finish = aios_cadence_agent_run_finish;
}

static void
aios_cadence_agent_init (AiosCadenceAgent *self)
{
}

AiosAgent *
aios_cadence_agent_new (AiosStore *store)
{
  AiosCadenceAgent *self = g_object_new (AIOS_TYPE_CADENCE_AGENT, "role", "cadence", NULL);

  self->store = g_object_ref (store);
  return AIOS_AGENT (self);
}
