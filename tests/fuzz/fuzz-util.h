/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the libFuzzer targets: a workspace opened once per process in
 * a temporary folder, and GLib criticals made fatal (as in the service's
 * tests), so a g_return_if_fail() on peer input counts as a crash.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "app/aios-workspace.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Criticals and warnings abort; call from LLVMFuzzerInitialize. */
void           fuzz_init      (void);
/* The process's workspace (opened on first use, removed at exit). */
AiosWorkspace *fuzz_workspace (void);
/* @data as a NUL-terminated copy (free with g_free). */
char          *fuzz_strndup   (const uint8_t *data, size_t size);
