/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `aios --demo`: a small, realistic sample company (Northwind Studio) so a
 * newcomer sees the whole loop at once. It writes the operator's profile and
 * signature, two outreach templates, the house tone guideline and three
 * clients into memory, sets the sender address when none is set, and submits
 * every sample lead to the `lead-outreach` flow: within seconds the good
 * leads wait in the approval inbox and the weak one has a decision record.
 * It also writes a brief for the blog (the house tone guideline lists the
 * phrases a post must avoid) and, when publish.url is set, submits it to
 * the `content` flow, which reaches a post approval.
 * It also writes two contracts and last month's logged work; with invoicing
 * configured (invoice.url) it submits a `billing` run for last month, so an
 * invoice approval waits beside the lead emails.
 *
 * It runs once per workspace (a "demo.loaded" journal event marks it) and
 * in one transaction, so a failure leaves nothing half-loaded.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-demo.h"
#include "aios-demo-resources.h"
#include "control/aios-coordinator.h"
#include "memory/aios-memory.h"
#include "store/aios-journal-query.h"

#define DEMO_RESOURCE "/com/example/Aios/demo/sample-company.json"
#define DEMO_FLOW "lead-outreach"
#define DEMO_CONTENT_FLOW "content"
#define DEMO_BILLING_FLOW "billing"

static gboolean
already_loaded (AiosStore *store)
{
  g_autoptr(AiosEvent) loaded = aios_journal_find_latest (store, "demo.loaded", 0, 0);

  return loaded != NULL;
}

static gboolean
put_records (AiosMemory  *memory,
             JsonArray   *records,
             const char  *kind,
             GError     **error)
{
  AiosProvenance provenance = { "import", 0, "Sample company of aios --demo" };

  for (guint i = 0; records != NULL && i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);
      gint64 version = 0;

      if (aios_memory_put (memory, 0, kind, json_object_get_object_member (r, "fields"),
                           json_object_get_string_member_with_default (r, "body", NULL),
                           &provenance, &version, error) == 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
put_profile (AiosMemory  *memory,
             JsonObject  *profile,
             GError     **error)
{
  AiosProvenance provenance = { "import", 0, "Sample company of aios --demo" };
  g_autoptr(JsonObject) fields = json_object_new ();
  gint64 version = 0;

  json_object_set_string_member (fields, "title", json_object_get_string_member (profile, "title"));
  return aios_memory_put (memory, 0, "note", fields,
                          json_object_get_string_member_with_default (profile, "body", NULL),
                          &provenance, &version, error) != 0;
}

/* The demo's briefs; with publish.url set, each starts a content run. */
static gboolean
put_briefs (AiosMemory       *memory,
            AiosConfig       *config,
            AiosCoordinator  *coordinator,
            JsonArray        *briefs,
            GError          **error)
{
  AiosProvenance provenance = { "import", 0, "Sample company of aios --demo" };
  g_autofree char *url = aios_config_get (config, "publish.url");

  for (guint i = 0; briefs != NULL && i < json_array_get_length (briefs); i++)
    {
      JsonObject *r = json_array_get_object_element (briefs, i);
      g_autoptr(JsonObject) input = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      gint64 version = 0;
      gint64 id = aios_memory_put (memory, 0, "brief", json_object_get_object_member (r, "fields"),
                                   json_object_get_string_member_with_default (r, "body", NULL),
                                   &provenance, &version, error);

      if (id == 0)
        return FALSE;
      if (url == NULL)
        continue;
      json_object_set_int_member (input, "brief_id", id);
      node = json_node_init_object (json_node_alloc (), input);
      if (aios_coordinator_submit (coordinator, DEMO_CONTENT_FLOW, node, "operator", error) <= 0)
        return FALSE;
    }
  return TRUE;
}

/* Last month's first day, "YYYY-MM" in @period. */
static GDate *
last_month (char period[8])
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GDate *date = g_date_new_dmy (1, g_date_time_get_month (now), g_date_time_get_year (now));

  g_date_subtract_months (date, 1);
  g_snprintf (period, 8, "%04u-%02u", g_date_get_year (date), g_date_get_month (date));
  return date;
}

/* The contracts, the work logged last month (each entry's "day" of that
 * month becomes its date) and, with invoice.url set, the billing run. */
static gboolean
put_billing (AiosWorkspace  *workspace,
             JsonObject     *demo,
             guint          *runs,
             GError        **error)
{
  AiosMemory *memory = aios_workspace_get_memory (workspace);
  JsonArray *work = json_object_get_array_member (demo, "work_last_month");
  JsonObject *billing = json_object_get_object_member (demo, "billing");
  AiosProvenance provenance = { "import", 0, "Sample company of aios --demo" };
  char period[8];
  g_autoptr(GDate) month = last_month (period);

  if (!put_records (memory, json_object_get_array_member (demo, "contracts"), "contract", error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (work); i++)
    {
      JsonObject *w = json_array_get_object_element (work, i);
      g_autoptr(JsonObject) fields = json_object_new ();
      JsonObject *given = json_object_get_object_member (w, "fields");
      guint day = MIN ((guint) json_object_get_int_member (w, "day"),
                       g_date_get_days_in_month (g_date_get_month (month), g_date_get_year (month)));
      g_autofree char *date = g_strdup_printf ("%s-%02u", period, day);
      g_autoptr(GList) names = json_object_get_members (given);
      gint64 version = 0;

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_member (fields, l->data, json_node_copy (json_object_get_member (given, l->data)));
      json_object_set_string_member (fields, "date", date);
      json_object_set_string_member (fields, "billed", "no");
      if (aios_memory_put (memory, 0, "work", fields, NULL, &provenance, &version, error) == 0)
        return FALSE;
    }

  if (aios_demo_can_bill (workspace))
    {
      g_autoptr(JsonObject) input = json_object_new ();
      g_autoptr(JsonNode) node = NULL;

      json_object_set_string_member (input, "client", json_object_get_string_member (billing, "client"));
      json_object_set_string_member (input, "period", period);
      node = json_node_init_object (json_node_alloc (), input);
      if (aios_coordinator_submit (aios_workspace_get_coordinator (workspace), DEMO_BILLING_FLOW, node,
                                   "operator", error) <= 0)
        return FALSE;
      (*runs)++;
    }
  return TRUE;
}

/**
 * aios_demo_load:
 * @out_runs: (out) (optional): how many lead runs were started; 0 when the
 *   demo was already loaded (the billing run, with invoice.url set, is not
 *   counted)
 *
 * Loads the sample company into @workspace once.
 */
gboolean
aios_demo_load (AiosWorkspace  *workspace,
                guint          *out_runs,
                GError        **error)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  AiosMemory *memory = aios_workspace_get_memory (workspace);
  AiosConfig *config = aios_workspace_get_config (workspace);
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (workspace);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *from = NULL;
  JsonObject *demo;
  JsonArray *leads;
  AiosEvent ev = { 0 };
  guint runs = 0, billing_runs = 0;

  if (out_runs != NULL)
    *out_runs = 0;
  if (already_loaded (store))
    return TRUE;

  /* Looked up in the resource itself: referencing it keeps the linker from
   * dropping it out of the static library. */
  bytes = g_resource_lookup_data (aios_demo_get_resource (), DEMO_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    return FALSE;
  demo = json_node_get_object (json_parser_get_root (parser));
  leads = json_object_get_array_member (demo, "leads");

  if (!aios_store_begin (store, error))
    return FALSE;

  from = aios_config_get (config, "smtp.from");
  if (from == NULL &&
      !aios_config_set (config, "smtp.from", json_object_get_string_member (demo, "sender"), "operator", error))
    goto fail;

  if (!put_profile (memory, json_object_get_object_member (demo, "profile"), error) ||
      !put_records (memory, json_object_get_array_member (demo, "templates"), "template", error) ||
      !put_records (memory, json_object_get_array_member (demo, "clients"), "client", error))
    goto fail;

  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      if (aios_coordinator_submit (coordinator, DEMO_FLOW, json_array_get_element (leads, i),
                                   "operator", error) <= 0)
        goto fail;
      runs++;
    }
  if (!put_briefs (memory, config, coordinator,
                   json_object_has_member (demo, "briefs") ? json_object_get_array_member (demo, "briefs") : NULL,
                   error))
    goto fail;
  if (!put_billing (workspace, demo, &billing_runs, error))
    goto fail;

  ev.actor = (char *) "operator";
  ev.kind = (char *) "demo.loaded";
  ev.summary = (char *) "Sample company Northwind Studio loaded";
  if (aios_journal_append (store, &ev, error) == 0)
    goto fail;

  if (!aios_store_commit (store, error))
    return FALSE;

  if (out_runs != NULL)
    *out_runs = runs;
  return TRUE;

fail:
  aios_store_rollback (store);
  return FALSE;
}

/**
 * aios_demo_can_send:
 *
 * Returns: whether the demo's emails can be previewed and sent: an email
 *   server is configured
 */
gboolean
aios_demo_can_send (AiosWorkspace *workspace)
{
  g_autofree char *url = aios_config_get (aios_workspace_get_config (workspace), "smtp.url");
  return url != NULL;
}

/**
 * aios_demo_can_publish:
 *
 * Returns: whether the demo's brief went to the `content` flow: a WordPress
 *   site is configured (publish.url)
 */
gboolean
aios_demo_can_publish (AiosWorkspace *workspace)
{
  g_autofree char *url = aios_config_get (aios_workspace_get_config (workspace), "publish.url");
  return url != NULL;
}

/**
 * aios_demo_can_bill:
 *
 * Returns: whether the demo's invoice can be previewed and issued: an
 *   invoicing API is configured (invoice.url)
 */
gboolean
aios_demo_can_bill (AiosWorkspace *workspace)
{
  g_autofree char *url = aios_config_get (aios_workspace_get_config (workspace), "invoice.url");
  return url != NULL;
}
