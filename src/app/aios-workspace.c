/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosWorkspace is one company's state: the SQLite file and the services
 * that work on it (settings, journal, and as the rooms grow: coordinator,
 * memory, connectors). It is headless; the window and the command line are
 * both thin layers over it. It also keeps the daily backups.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-workspace.h"
#include "store/aios-journal-query.h"
#include "store/aios-store-schema.h"
#include "control/aios-control-schema.h"
#include "exec/aios-exec-schema.h"
#include "aios-intake-server.h"
#include "aios-reply-intake.h"
#include "exec/aios-email-connector.h"
#include "memory/aios-memory-schema.h"
#include "control/aios-outbox.h"

#define BACKUPS_KEPT 7
#define BACKUP_CHECK_SECONDS (60 * 60)
#define BACKUP_EVERY_MS ((gint64) 24 * 60 * 60 * 1000)

struct _AiosWorkspace
{
  GObject     parent_instance;

  AiosStore  *store;
  AiosConfig *config;
  AiosMemory *memory;
  guint       backup_source;

  AiosAgentRegistry *agents;
  AiosFlowRegistry  *flows;
  AiosCoordinator   *coordinator;
  AiosCredentials       *credentials;
  AiosConnectorRegistry *connectors;
  AiosLlm               *llm;
  AiosIntakeServer      *intake;
  AiosReplyIntake       *replies;
};

G_DEFINE_FINAL_TYPE (AiosWorkspace, aios_workspace, G_TYPE_OBJECT)

static void
aios_workspace_dispose (GObject *object)
{
  AiosWorkspace *self = AIOS_WORKSPACE (object);

  g_clear_handle_id (&self->backup_source, g_source_remove);
  if (self->coordinator != NULL)
    aios_coordinator_stop (self->coordinator);
  g_clear_object (&self->coordinator);
  g_clear_object (&self->flows);
  g_clear_object (&self->agents);
  g_clear_object (&self->connectors);
  g_clear_object (&self->llm);
  g_clear_object (&self->intake);
  g_clear_object (&self->replies);
  g_clear_object (&self->credentials);
  g_clear_object (&self->memory);
  g_clear_object (&self->config);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (aios_workspace_parent_class)->dispose (object);
}

static void
aios_workspace_class_init (AiosWorkspaceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_workspace_dispose;
}

static void
aios_workspace_init (AiosWorkspace *self)
{
}

/**
 * aios_workspace_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/aios/workspace.db`
 */
char *
aios_workspace_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "aios", "workspace.db", NULL);
}

static GArray *
collect_migrations (void)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (AiosMigration));
  const AiosMigration *(*rooms[]) (gsize *) = {
    aios_store_schema_migrations,
    aios_control_schema_migrations,
    aios_exec_schema_migrations,
    aios_memory_schema_migrations,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rooms); i++)
    {
      gsize n = 0;
      const AiosMigration *m = rooms[i] (&n);
      g_array_append_vals (all, m, n);
    }
  return all;
}

static gint64
last_backup_ms (AiosWorkspace *self)
{
  g_autoptr(AiosEvent) backup = aios_journal_find_latest (self->store, "workspace.backed-up", 0, 0);

  return backup != NULL ? backup->ts : 0;
}

static gboolean
daily_backup_cb (gpointer user_data)
{
  AiosWorkspace *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (aios_store_now_ms () - last_backup_ms (self) < BACKUP_EVERY_MS)
    return G_SOURCE_CONTINUE;

  path = aios_workspace_backup (self, NULL, &error);
  if (path == NULL)
    g_warning ("Daily backup failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

/**
 * aios_workspace_open:
 * @path: (nullable): the workspace file, or %NULL for the default
 *
 * Opens (creating on first use) a workspace and its services.
 *
 * Returns: (transfer full) (nullable): the workspace
 */
AiosWorkspace *
aios_workspace_open (const char  *path,
                     GError     **error)
{
  g_autoptr(AiosWorkspace) self = g_object_new (AIOS_TYPE_WORKSPACE, NULL);
  g_autofree char *default_path = NULL;
  g_autoptr(GArray) migrations = collect_migrations ();

  if (path == NULL)
    path = default_path = aios_workspace_default_path ();

  self->store = aios_store_open (path, (AiosMigration *) migrations->data, migrations->len, error);
  if (self->store == NULL)
    return NULL;
  self->config = aios_config_new (self->store);
  self->credentials = aios_credentials_new (self->store);
  self->connectors = aios_connector_registry_new (self->config, self->credentials);
  self->llm = aios_llm_new (self->store, self->config, self->credentials);
  self->memory = aios_memory_new (self->store);
  aios_llm_provide_embeddings (self->llm, self->memory);
  self->agents = aios_agent_registry_new_builtin (self->memory, self->store, self->llm);
  aios_outbox_provide_sent_responses (self->agents);
  self->flows = aios_flow_registry_new (self->store, self->agents);
  self->coordinator = aios_coordinator_new (self->store, self->flows, self->agents);
  self->intake = aios_intake_server_new (self);
  self->replies = aios_reply_intake_new (self);
  aios_coordinator_set_connectors (self->coordinator, self->connectors);
  {
    AiosConnector *email = aios_connector_registry_get (self->connectors, "email");
    if (email != NULL && AIOS_IS_EMAIL_CONNECTOR (email))
      aios_email_connector_set_memory (AIOS_EMAIL_CONNECTOR (email), self->memory);
  }
  aios_coordinator_set_memory (self->coordinator, self->memory);

  self->backup_source = g_timeout_add_seconds (BACKUP_CHECK_SECONDS, daily_backup_cb, self);

  return g_steal_pointer (&self);
}

const char *
aios_workspace_get_path (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return aios_store_get_path (self->store);
}

AiosStore *
aios_workspace_get_store (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->store;
}

AiosConfig *
aios_workspace_get_config (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->config;
}

/**
 * aios_workspace_get_agents:
 *
 * Returns: (transfer none): the agent roles flows can name
 */
AiosAgentRegistry *
aios_workspace_get_agents (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->agents;
}

/**
 * aios_workspace_get_flows:
 *
 * Returns: (transfer none): the built-in and user flows
 */
AiosFlowRegistry *
aios_workspace_get_flows (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->flows;
}

/**
 * aios_workspace_get_coordinator:
 *
 * Returns: (transfer none): the workspace's coordinator (active only after
 *   aios_workspace_start())
 */
AiosCoordinator *
aios_workspace_get_coordinator (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->coordinator;
}

/**
 * aios_workspace_start:
 *
 * Starts the workspace's services for a long-lived process (the window,
 * `aios --headless`): the coordinator resumes every unfinished run. When
 * another process already runs the coordinator, this one leaves the work
 * to it and returns %TRUE.
 */
gboolean
aios_workspace_start (AiosWorkspace  *self,
                      GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), FALSE);

  if (aios_coordinator_start (self->coordinator, &local_error))
    {
      /* The process that runs the coordinator also takes intake requests. */
      aios_intake_server_arm (self->intake);
      /* ... and reads the replies from the mailbox, when imap.url is set. */
      aios_reply_intake_arm (self->replies);
      return TRUE;
    }
  if (g_error_matches (local_error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_LOCKED))
    {
      g_message ("%s", local_error->message);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * aios_workspace_get_credentials:
 *
 * Returns: (transfer none): the keyring credentials (secrets stay in the
 *   keyring; the workspace keeps only references)
 */
AiosCredentials *
aios_workspace_get_credentials (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->credentials;
}

/**
 * aios_workspace_get_connectors:
 *
 * Returns: (transfer none): the connector registry
 */
AiosConnectorRegistry *
aios_workspace_get_connectors (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->connectors;
}

/**
 * aios_workspace_get_llm:
 *
 * Returns: (transfer none): the language model client (tiers, prompts,
 *   response cache, budgets, embeddings)
 */
AiosLlm *
aios_workspace_get_llm (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->llm;
}

/**
 * aios_workspace_get_intake:
 *
 * Returns: (transfer none): the local intake endpoint (armed by
 *   aios_workspace_start(); it listens while intake.enabled is true)
 */
AiosIntakeServer *
aios_workspace_get_intake (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->intake;
}

/**
 * aios_workspace_get_connector:
 * @name: "webhook", "email", "invoice", ...
 *
 * Returns: (transfer none) (nullable): the connector, %NULL for an unknown name
 */
AiosConnector *
aios_workspace_get_connector (AiosWorkspace *self,
                              const char    *name)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return aios_connector_registry_get (self->connectors, name);
}

/**
 * aios_workspace_get_memory:
 *
 * Returns: (transfer none): the memory service (records, search, import)
 */
AiosMemory *
aios_workspace_get_memory (AiosWorkspace *self)
{
  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return self->memory;
}

/**
 * aios_workspace_open_store:
 *
 * Opens another connection to the workspace file, for a worker thread that
 * writes (a long import) without blocking the main loop. Use it on one
 * thread only; SQLite's locking keeps its writes and the main connection's
 * in order.
 *
 * Returns: (transfer full) (nullable): the store
 */
AiosStore *
aios_workspace_open_store (AiosWorkspace  *self,
                           GError        **error)
{
  g_autoptr(GArray) migrations = collect_migrations ();

  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);
  return aios_store_open (aios_store_get_path (self->store), (AiosMigration *) migrations->data,
                          migrations->len, error);
}

/**
 * aios_workspace_get_backup_dir:
 *
 * Returns: (transfer full): the folder beside the workspace file where
 *   backups are kept by default
 */
char *
aios_workspace_get_backup_dir (AiosWorkspace *self)
{
  g_autofree char *dir = g_path_get_dirname (aios_workspace_get_path (self));
  return g_build_filename (dir, "backups", NULL);
}

/**
 * aios_workspace_backup:
 * @dir: (nullable): where to write; the default backup folder when %NULL
 *
 * Takes an online backup, keeps the last few, and journals it.
 *
 * Returns: (transfer full) (nullable): the backup's path
 */
char *
aios_workspace_backup (AiosWorkspace  *self,
                       const char     *dir,
                       GError        **error)
{
  g_autofree char *default_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *summary = NULL;
  AiosEvent ev = { 0 };

  g_return_val_if_fail (AIOS_IS_WORKSPACE (self), NULL);

  if (dir == NULL)
    dir = default_dir = aios_workspace_get_backup_dir (self);

  path = aios_store_backup_rotate (self->store, dir, BACKUPS_KEPT, error);
  if (path == NULL)
    return NULL;

  summary = g_strdup_printf ("Workspace backed up to %s", path);
  ev.actor = (char *) "system";
  ev.kind = (char *) "workspace.backed-up";
  ev.summary = summary;
  if (aios_journal_append (self->store, &ev, error) == 0)
    return NULL;

  return g_steal_pointer (&path);
}

/**
 * aios_workspace_settle_async:
 *
 * Completes once no work is due right now: every run is finished, waiting
 * for the operator, or waiting for a retry timer. A one-shot command (like
 * `aios approve`) waits for this before its process exits, so the work it
 * started is carried as far as it can go.
 */
static void
settle_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!aios_coordinator_settle_finish (AIOS_COORDINATOR (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
aios_workspace_settle_async (AiosWorkspace       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, aios_workspace_settle_async);

  /* A one-shot process carries on the work itself, unless another process
   * is the coordinator (then that one does it, and there is nothing to
   * wait for here). */
  if (!aios_workspace_start (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  aios_coordinator_settle_async (self->coordinator, cancellable, settle_cb, g_steal_pointer (&task));
}

gboolean
aios_workspace_settle_finish (AiosWorkspace  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
