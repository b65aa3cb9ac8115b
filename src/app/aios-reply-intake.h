/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-workspace.h"
#include "exec/aios-imap-watcher.h"

G_BEGIN_DECLS

#define AIOS_TYPE_REPLY_INTAKE (aios_reply_intake_get_type ())
G_DECLARE_FINAL_TYPE (AiosReplyIntake, aios_reply_intake, AIOS, REPLY_INTAKE, GObject)

AiosReplyIntake *aios_reply_intake_new         (AiosWorkspace   *workspace);
void             aios_reply_intake_arm         (AiosReplyIntake *self);
AiosImapWatcher *aios_reply_intake_get_watcher (AiosReplyIntake *self);
const char      *aios_reply_triage             (const char      *subject,
                                                const char      *text);

G_END_DECLS
