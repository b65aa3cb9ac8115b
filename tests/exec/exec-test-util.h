/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *process;
  guint        port;
  char        *name;
  char        *ca;     /* the peer's self-signed certificate, when it made one */
} ExecPeer;

ExecPeer      *exec_peer_start        (const char *script);
ExecPeer      *exec_peer_start_args   (const char *script,
                                       const char *first_arg,
                                       ...) G_GNUC_NULL_TERMINATED;
void           exec_peer_stop         (ExecPeer   *peer);
char          *exec_peer_url          (ExecPeer   *peer,
                                       const char *mode,
                                       const char *path);
JsonArray     *exec_peer_log          (ExecPeer   *peer);
void           exec_peer_reset        (ExecPeer   *peer);

AiosWorkspace *exec_workspace_new     (char      **out_path);
void           exec_workspace_free    (AiosWorkspace *ws,
                                       char          *path);
void           exec_set               (AiosWorkspace *ws,
                                       const char    *key,
                                       const char    *value);
JsonObject    *exec_json_object       (const char *json);
JsonNode      *exec_execute           (AiosConnector *connector,
                                       const char    *request_json,
                                       const char    *key,
                                       GError       **error);
gboolean       exec_file_contains     (const char    *path,
                                       const char    *needle);

G_END_DECLS
