/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-inbox-item.h"

G_BEGIN_DECLS

#define AIOS_TYPE_INBOX_MODEL (aios_inbox_model_get_type ())
G_DECLARE_FINAL_TYPE (AiosInboxModel, aios_inbox_model, AIOS, INBOX_MODEL, GObject)

AiosInboxModel *aios_inbox_model_new      (void);
void            aios_inbox_model_update   (AiosInboxModel    *self,
                                           GPtrArray         *items);
AiosInboxItem  *aios_inbox_model_find     (AiosInboxModel    *self,
                                           AiosInboxItemKind  kind,
                                           gint64             id,
                                           guint             *position);

G_END_DECLS
