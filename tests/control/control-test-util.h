/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "app/aios-workspace.h"

G_BEGIN_DECLS

/* A scriptable agent for tests: role "test". Its config says what to do:
 *   { "fail_times": N, "code": "retryable" | "permanent", "delay_ms": D,
 *     "counter": "name" }
 * It fails the first N attempts (counted per counter name, across runs),
 * then answers {"ok": true, "attempt": A, "echo": config.echo}. */
AiosAgent *test_agent_new          (void);
guint      test_agent_calls        (const char *counter);
void       test_agent_reset        (void);
void       test_agent_set_memory   (AiosMemory *memory);

char          *test_temp_dir       (void);
AiosWorkspace *test_open_workspace (const char *path,
                                    const char *flows_dir);
void           test_write_file     (const char *dir,
                                    const char *name,
                                    const char *contents);
void           test_settle         (AiosWorkspace *workspace);
void           test_wait_ms        (guint          ms);
gint64         test_query_int      (AiosStore     *store,
                                    const char    *sql,
                                    gint64         arg);
char          *test_query_text     (AiosStore     *store,
                                    const char    *sql,
                                    gint64         arg);
JsonNode      *test_json           (const char    *text);

G_END_DECLS

G_BEGIN_DECLS

/* The webhook receiver tests/peers/control-outbox-peer.py, in a child. */
typedef struct {
  GSubprocess *process;
  guint        port;
} TestPeer;

TestPeer  *test_peer_start      (void);
void       test_peer_stop       (TestPeer   *peer);
char      *test_peer_url        (TestPeer   *peer,
                                 const char *mode);
JsonObject *test_peer_stats     (TestPeer   *peer);
gint64     test_peer_count      (TestPeer   *peer,
                                 const char *key);

G_END_DECLS
