/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * AiosInboxItemKind:
 * @AIOS_INBOX_ITEM_APPROVAL: an outward action waiting for a decision
 * @AIOS_INBOX_ITEM_RUN: a run that failed and needs the operator
 */
typedef enum {
  AIOS_INBOX_ITEM_APPROVAL,
  AIOS_INBOX_ITEM_RUN,
} AiosInboxItemKind;

#define AIOS_TYPE_INBOX_ITEM (aios_inbox_item_get_type ())
G_DECLARE_FINAL_TYPE (AiosInboxItem, aios_inbox_item, AIOS, INBOX_ITEM, GObject)

AiosInboxItem     *aios_inbox_item_new            (AiosInboxItemKind  kind,
                                                   gint64             id,
                                                   const char        *icon_name,
                                                   const char        *title,
                                                   const char        *subtitle,
                                                   gint64             created_at_ms);
AiosInboxItemKind  aios_inbox_item_get_kind       (AiosInboxItem     *self);
gint64             aios_inbox_item_get_id         (AiosInboxItem     *self);
const char        *aios_inbox_item_get_icon_name  (AiosInboxItem     *self);
const char        *aios_inbox_item_get_title      (AiosInboxItem     *self);
const char        *aios_inbox_item_get_subtitle   (AiosInboxItem     *self);
gint64             aios_inbox_item_get_created_at (AiosInboxItem     *self);
int                aios_inbox_item_compare        (AiosInboxItem     *a,
                                                   AiosInboxItem     *b);

G_END_DECLS
