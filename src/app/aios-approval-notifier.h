/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_APPROVAL_NOTIFIER (aios_approval_notifier_get_type ())
G_DECLARE_FINAL_TYPE (AiosApprovalNotifier, aios_approval_notifier, AIOS, APPROVAL_NOTIFIER, GObject)

AiosApprovalNotifier *aios_approval_notifier_new (GApplication  *application,
                                                  AiosWorkspace *workspace);

G_END_DECLS
