/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-llm.h"

G_BEGIN_DECLS

struct _AiosLlm
{
  GObject          parent_instance;

  AiosStore       *store;
  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
  guint            timeout_ms;
};

G_END_DECLS
