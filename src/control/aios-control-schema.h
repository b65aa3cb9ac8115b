/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "store/aios-store.h"

G_BEGIN_DECLS

const AiosMigration *aios_control_schema_migrations (gsize *n_migrations);

G_END_DECLS
