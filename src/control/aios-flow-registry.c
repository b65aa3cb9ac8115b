/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosFlowRegistry: the flows a workspace knows. Built-in flows live in
 * data/flows/ and are compiled into the core library as a GResource; the
 * operator's own flows are `*.json` files in $XDG_CONFIG_HOME/aios/flows/
 * (a user flow with a built-in's id replaces it). Files are re-read when
 * the folder changes. Invalid files are skipped and their errors kept for
 * `aios flows` to show.
 *
 * Versions: each distinct definition of a flow id gets a row in
 * `flow_versions` (content hash, number) when a run first uses it. A run
 * keeps the version it started with; aios_flow_registry_load_version()
 * rebuilds that exact definition from the database.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "aios-flow-registry.h"
#include "store/aios-journal.h"

#define RESOURCE_DIR "/com/example/Aios/flows/"

extern GResource *aios_flows_get_resource (void);

struct _AiosFlowRegistry
{
  GObject            parent_instance;

  AiosStore         *store;
  AiosAgentRegistry *agents;
  char              *user_dir;
  char              *signature;   /* names, sizes, mtimes of the user files last read */
  GHashTable        *flows;       /* id → AiosFlow (current definitions) */
  GPtrArray         *errors;      /* char*: why files were skipped */
  GHashTable        *versions;    /* "id@version" → AiosFlow */
};

G_DEFINE_FINAL_TYPE (AiosFlowRegistry, aios_flow_registry, G_TYPE_OBJECT)

static void
aios_flow_registry_finalize (GObject *object)
{
  AiosFlowRegistry *self = AIOS_FLOW_REGISTRY (object);

  g_clear_object (&self->store);
  g_clear_object (&self->agents);
  g_free (self->user_dir);
  g_free (self->signature);
  g_clear_pointer (&self->flows, g_hash_table_unref);
  g_clear_pointer (&self->errors, g_ptr_array_unref);
  g_clear_pointer (&self->versions, g_hash_table_unref);

  G_OBJECT_CLASS (aios_flow_registry_parent_class)->finalize (object);
}

static void
aios_flow_registry_class_init (AiosFlowRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_flow_registry_finalize;
}

static void
aios_flow_registry_init (AiosFlowRegistry *self)
{
  self->flows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->errors = g_ptr_array_new_with_free_func (g_free);
}

AiosFlowRegistry *
aios_flow_registry_new (AiosStore         *store,
                        AiosAgentRegistry *agents)
{
  AiosFlowRegistry *self = g_object_new (AIOS_TYPE_FLOW_REGISTRY, NULL);

  self->store = g_object_ref (store);
  self->agents = g_object_ref (agents);
  self->user_dir = g_build_filename (g_get_user_config_dir (), "aios", "flows", NULL);
  return self;
}

/**
 * aios_flow_registry_set_user_dir:
 *
 * Reads the operator's flows from @dir instead of $XDG_CONFIG_HOME/aios/flows.
 */
void
aios_flow_registry_set_user_dir (AiosFlowRegistry *self,
                                 const char       *dir)
{
  g_return_if_fail (AIOS_IS_FLOW_REGISTRY (self));
  g_free (self->user_dir);
  self->user_dir = g_strdup (dir);
  g_clear_pointer (&self->signature, g_free);
}

const char *
aios_flow_registry_get_user_dir (AiosFlowRegistry *self)
{
  return self->user_dir;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static GPtrArray *
user_files (AiosFlowRegistry *self,
            char            **signature)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) sig = g_string_new (NULL);
  g_autoptr(GDir) dir = g_dir_open (self->user_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (self->user_dir, names->pdata[i], NULL);
      GStatBuf st;

      if (g_stat (path, &st) == 0)
        g_string_append_printf (sig, "%s:%" PRId64 ":%" PRId64 ";",
                                (char *) names->pdata[i], (gint64) st.st_size, (gint64) st.st_mtime);
    }
  *signature = g_string_free (g_steal_pointer (&sig), FALSE);
  return g_steal_pointer (&names);
}

static void
add_flow (AiosFlowRegistry *self,
          const char       *data,
          gsize             length,
          const char       *source)
{
  g_autoptr(GError) error = NULL;
  AiosFlow *flow = aios_flow_new_from_data (data, length, source, self->agents, &error);

  if (flow == NULL)
    {
      g_ptr_array_add (self->errors, g_strdup (error->message));
      return;
    }
  g_hash_table_replace (self->flows, g_strdup (aios_flow_get_id (flow)), flow);
}

static void
reload_if_changed (AiosFlowRegistry *self)
{
  g_autofree char *signature = NULL;
  g_autoptr(GPtrArray) names = user_files (self, &signature);
  g_auto(GStrv) builtins = NULL;
  GResource *resource = aios_flows_get_resource ();

  if (self->signature != NULL && g_str_equal (signature, self->signature))
    return;

  g_hash_table_remove_all (self->flows);
  g_ptr_array_set_size (self->errors, 0);

  builtins = g_resource_enumerate_children (resource, RESOURCE_DIR, 0, NULL);
  for (guint i = 0; builtins != NULL && builtins[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (RESOURCE_DIR, builtins[i], NULL);
      g_autofree char *source = g_strconcat ("resource://", path, NULL);
      g_autoptr(GBytes) bytes = g_resource_lookup_data (resource, path, 0, NULL);
      gsize length;
      const char *data;

      if (bytes == NULL || !g_str_has_suffix (builtins[i], ".json"))
        continue;
      data = g_bytes_get_data (bytes, &length);
      add_flow (self, data, length, source);
    }

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (self->user_dir, names->pdata[i], NULL);
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_file_get_contents (path, &data, &length, &error))
        {
          g_ptr_array_add (self->errors, g_strdup_printf ("%s: %s", path, error->message));
          continue;
        }
      add_flow (self, data, length, path);
    }

  g_free (self->signature);
  self->signature = g_steal_pointer (&signature);
}

static int
compare_flows (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (aios_flow_get_id (*(AiosFlow **) a), aios_flow_get_id (*(AiosFlow **) b));
}

/**
 * aios_flow_registry_list:
 *
 * Returns: (transfer container) (element-type AiosFlow): the valid flows,
 *   sorted by id
 */
GPtrArray *
aios_flow_registry_list (AiosFlowRegistry *self)
{
  GPtrArray *flows = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (AIOS_IS_FLOW_REGISTRY (self), NULL);
  reload_if_changed (self);
  g_hash_table_iter_init (&iter, self->flows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (flows, g_object_ref (value));
  g_ptr_array_sort (flows, compare_flows);
  return flows;
}

/**
 * aios_flow_registry_get_errors:
 *
 * Returns: (transfer none) (element-type utf8): why flow files were skipped
 */
GPtrArray *
aios_flow_registry_get_errors (AiosFlowRegistry *self)
{
  reload_if_changed (self);
  return self->errors;
}

/**
 * aios_flow_registry_lookup:
 *
 * Returns: (transfer full) (nullable): the current definition of flow @id
 */
AiosFlow *
aios_flow_registry_lookup (AiosFlowRegistry  *self,
                           const char        *id,
                           GError           **error)
{
  AiosFlow *flow;

  g_return_val_if_fail (AIOS_IS_FLOW_REGISTRY (self), NULL);
  reload_if_changed (self);
  flow = g_hash_table_lookup (self->flows, id);
  if (flow == NULL)
    {
      for (guint i = 0; i < self->errors->len; i++)
        {
          g_autofree char *needle = g_strdup_printf ("%s.json:", id);
          if (strstr (self->errors->pdata[i], needle) != NULL)
            {
              g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_INVALID,
                           _("The flow “%s” is invalid: %s"), id, (char *) self->errors->pdata[i]);
              return NULL;
            }
        }
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_NOT_FOUND,
                   _("There is no flow “%s”; “aios flows” lists them"), id);
      return NULL;
    }
  return g_object_ref (flow);
}

/**
 * aios_flow_registry_ensure_version:
 *
 * Finds or records (journaled, inside the caller's transaction when one is
 * open) the version number of @flow's exact definition.
 *
 * Returns: the version (1, 2, ...), or 0 with @error set
 */
gint64
aios_flow_registry_ensure_version (AiosFlowRegistry  *self,
                                   AiosFlow          *flow,
                                   GError           **error)
{
  sqlite3_stmt *stmt;
  gint64 version = 0;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  AiosEvent ev = { 0 };
  int rc;

  stmt = aios_store_prepare (self->store,
                             "SELECT version FROM flow_versions WHERE flow_id = ? AND hash = ?", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, aios_flow_get_id (flow), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, aios_flow_get_hash (flow), -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (version > 0)
    return version;

  if (!aios_store_begin (self->store, error))
    return 0;
  stmt = aios_store_prepare (self->store,
                             "INSERT INTO flow_versions (flow_id, version, hash, source, definition_json, created_at) "
                             "SELECT ?1, COALESCE (MAX (version), 0) + 1, ?2, ?3, ?4, ?5 "
                             "FROM flow_versions WHERE flow_id = ?1 RETURNING version", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, aios_flow_get_id (flow), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, aios_flow_get_hash (flow), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, aios_flow_get_source (flow), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, aios_flow_get_canonical_json (flow), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, aios_store_now_ms ());
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (version == 0)
    {
      aios_store_set_error (self->store, rc, error, _("record the flow's version"));
      goto fail;
    }

  summary = g_strdup_printf ("Flow %s version %" PRId64 " recorded", aios_flow_get_id (flow), version);
  payload = g_strdup_printf ("{\"flow\":\"%s\",\"version\":%" PRId64 ",\"hash\":\"%s\"}",
                             aios_flow_get_id (flow), version, aios_flow_get_hash (flow));
  ev.actor = (char *) "system";
  ev.kind = (char *) "flow.versioned";
  ev.summary = summary;
  ev.payload_json = payload;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;
  return version;

fail:
  aios_store_rollback (self->store);
  return 0;
}

/**
 * aios_flow_registry_load_version:
 *
 * Returns: (transfer full) (nullable): the definition @id had at @version,
 *   as recorded in the workspace
 */
AiosFlow *
aios_flow_registry_load_version (AiosFlowRegistry  *self,
                                 const char        *id,
                                 gint64             version,
                                 GError           **error)
{
  g_autofree char *key = g_strdup_printf ("%s@%" PRId64, id, version);
  g_autofree char *source = NULL;
  g_autofree char *definition = NULL;
  AiosFlow *flow = g_hash_table_lookup (self->versions, key);
  sqlite3_stmt *stmt;

  if (flow != NULL)
    return g_object_ref (flow);

  stmt = aios_store_prepare (self->store,
                             "SELECT source, definition_json FROM flow_versions WHERE flow_id = ? AND version = ?",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, version);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      source = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      definition = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (definition == NULL)
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_NOT_FOUND,
                   _("The workspace has no version %" PRId64 " of the flow “%s”"), version, id);
      return NULL;
    }

  flow = aios_flow_new_from_data (definition, -1, source, self->agents, error);
  if (flow == NULL)
    return NULL;
  g_hash_table_insert (self->versions, g_steal_pointer (&key), g_object_ref (flow));
  return flow;
}
