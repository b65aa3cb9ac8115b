/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal: append-only `events` with `event_links`. Appends take part in
 * the caller's transaction when one is open (so a state change and its event
 * commit together) and open their own otherwise.
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"

#include <json-glib/json-glib.h>

#include "aios-journal.h"

G_DEFINE_BOXED_TYPE (AiosEvent, aios_event, aios_event_copy, aios_event_free)

/**
 * aios_event_new_from_row:
 * @stmt: a statement on a row of AIOS_JOURNAL_EVENT_COLUMNS
 *
 * Returns: (transfer full): the event of the row
 */
AiosEvent *
aios_event_new_from_row (sqlite3_stmt *stmt)
{
  AiosEvent *ev = g_new0 (AiosEvent, 1);

  ev->id = sqlite3_column_int64 (stmt, 0);
  ev->ts = sqlite3_column_int64 (stmt, 1);
  ev->run_id = sqlite3_column_int64 (stmt, 2);
  ev->step_id = sqlite3_column_int64 (stmt, 3);
  ev->actor = aios_store_column_dup (stmt, 4);
  ev->kind = aios_store_column_dup (stmt, 5);
  ev->summary = aios_store_column_dup (stmt, 6);
  ev->rationale = aios_store_column_dup (stmt, 7);
  ev->payload_json = aios_store_column_dup (stmt, 8);
  ev->cost_micros = sqlite3_column_int64 (stmt, 9);
  return ev;
}

AiosEvent *
aios_event_copy (const AiosEvent *event)
{
  AiosEvent *copy = g_new0 (AiosEvent, 1);

  *copy = *event;
  copy->actor = g_strdup (event->actor);
  copy->kind = g_strdup (event->kind);
  copy->summary = g_strdup (event->summary);
  copy->rationale = g_strdup (event->rationale);
  copy->payload_json = g_strdup (event->payload_json);
  return copy;
}

void
aios_event_free (AiosEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->actor);
  g_free (event->kind);
  g_free (event->summary);
  g_free (event->rationale);
  g_free (event->payload_json);
  g_free (event);
}

static void
bind_optional_id (sqlite3_stmt *stmt,
                  int           col,
                  gint64        id)
{
  if (id > 0)
    sqlite3_bind_int64 (stmt, col, id);
  else
    sqlite3_bind_null (stmt, col);
}

/**
 * aios_journal_append_linked:
 * @event: the event; its id and (when 0) ts are filled in by the journal
 * @links: (array length=n_links) (nullable): what the event refers to
 *
 * Returns: the new event's id, or 0 with @error set
 */
gint64
aios_journal_append_linked (AiosStore           *store,
                            const AiosEvent     *event,
                            const AiosEventLink *links,
                            gsize                n_links,
                            GError             **error)
{
  sqlite3_stmt *stmt;
  gint64 id;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (store), 0);
  g_return_val_if_fail (event != NULL && event->actor != NULL && event->kind != NULL, 0);

  if (!aios_store_begin (store, error))
    return 0;

  stmt = aios_store_prepare (store,
                             "INSERT INTO events (ts, run_id, step_id, actor, kind, summary, "
                             "rationale, payload_json, cost_micros) VALUES (?,?,?,?,?,?,?,?,?)",
                             error);
  if (stmt == NULL)
    goto fail;

  sqlite3_bind_int64 (stmt, 1, event->ts > 0 ? event->ts : aios_store_now_ms ());
  bind_optional_id (stmt, 2, event->run_id);
  bind_optional_id (stmt, 3, event->step_id);
  sqlite3_bind_text (stmt, 4, event->actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, event->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, event->summary ? event->summary : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, event->rationale, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, event->payload_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, event->cost_micros);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, "append to the journal");
      goto fail;
    }
  id = sqlite3_last_insert_rowid (aios_store_get_db (store));

  for (gsize i = 0; i < n_links; i++)
    if (!aios_journal_link (store, id, links[i].target_kind, links[i].target_id,
                            links[i].version, error))
      goto fail;

  if (!aios_store_commit (store, error))
    return 0;
  return id;

fail:
  aios_store_rollback (store);
  return 0;
}

gint64
aios_journal_append (AiosStore       *store,
                     const AiosEvent *event,
                     GError         **error)
{
  return aios_journal_append_linked (store, event, NULL, 0, error);
}

gboolean
aios_journal_link (AiosStore   *store,
                   gint64       event_id,
                   const char  *target_kind,
                   const char  *target_id,
                   gint64       version,
                   GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             "INSERT OR IGNORE INTO event_links (event_id, target_kind, target_id, version) "
                             "VALUES (?,?,?,?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, event_id);
  sqlite3_bind_text (stmt, 2, target_kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, target_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, version);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (store, rc, error, "link a journal event");
  return TRUE;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/**
 * aios_journal_list:
 * @run_id: only this run's events, or 0 for all
 * @after_id: keyset pagination: events with a larger id
 * @limit: at most this many (0 = no limit)
 *
 * Returns: (transfer full) (element-type AiosEvent): events, oldest first
 */
GPtrArray *
aios_journal_list (AiosStore  *store,
                   gint64      run_id,
                   gint64      after_id,
                   guint       limit,
                   GError    **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_event_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             "SELECT id, ts, run_id, step_id, actor, kind, summary, rationale, "
                             "payload_json, cost_micros FROM events "
                             "WHERE id > ?1 AND (?2 = 0 OR run_id = ?2) ORDER BY id LIMIT ?3",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, run_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (events, aios_event_new_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, "read the journal");
      return NULL;
    }
  return g_steal_pointer (&events);
}

static void
link_free (gpointer data)
{
  AiosEventLink *link = data;

  g_free ((char *) link->target_kind);
  g_free ((char *) link->target_id);
  g_free (link);
}

/**
 * aios_journal_list_links:
 *
 * Returns: (transfer full) (element-type AiosEventLink): the event's links;
 *   the strings belong to the array
 */
GPtrArray *
aios_journal_list_links (AiosStore  *store,
                         gint64      event_id,
                         GError    **error)
{
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (link_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             "SELECT target_kind, target_id, version FROM event_links "
                             "WHERE event_id = ? ORDER BY rowid", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, event_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AiosEventLink *link = g_new0 (AiosEventLink, 1);
      link->target_kind = column_dup (stmt, 0);
      link->target_id = column_dup (stmt, 1);
      link->version = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (links, link);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, "read the journal");
      return NULL;
    }
  return g_steal_pointer (&links);
}

gint64
aios_journal_last_id (AiosStore *store)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, "SELECT MAX(id) FROM events", NULL);
  gint64 id = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return id;
}

/**
 * aios_event_to_json:
 * @links: (nullable) (element-type AiosEventLink): the event's links
 *
 * Returns: (transfer full): one line of JSON, the stable `--json` shape
 */
char *
aios_event_to_json (const AiosEvent *event,
                    GPtrArray       *links)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *time = aios_store_format_time (event->ts);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, event->id);
  json_builder_set_member_name (b, "ts");
  json_builder_add_int_value (b, event->ts);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "run_id");
  if (event->run_id > 0)
    json_builder_add_int_value (b, event->run_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "step_id");
  if (event->step_id > 0)
    json_builder_add_int_value (b, event->step_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "actor");
  json_builder_add_string_value (b, event->actor);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, event->kind);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, event->summary);
  json_builder_set_member_name (b, "rationale");
  if (event->rationale != NULL)
    json_builder_add_string_value (b, event->rationale);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "payload");
  if (event->payload_json != NULL)
    {
      JsonNode *payload = json_from_string (event->payload_json, NULL);
      if (payload != NULL)
        json_builder_add_value (b, payload);
      else
        json_builder_add_string_value (b, event->payload_json);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "cost_micros");
  json_builder_add_int_value (b, event->cost_micros);
  if (links != NULL)
    {
      json_builder_set_member_name (b, "links");
      json_builder_begin_array (b);
      for (guint i = 0; i < links->len; i++)
        {
          AiosEventLink *link = g_ptr_array_index (links, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, link->target_kind);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, link->target_id);
          json_builder_set_member_name (b, "version");
          json_builder_add_int_value (b, link->version);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}
