/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-flow.h"

G_BEGIN_DECLS

/* Shared by aios-flow.c (the object) and aios-flow-parse.c (the reader). */
struct _AiosFlow
{
  GObject      parent_instance;

  char        *id;
  char        *title;
  char        *description;
  char        *source;
  char        *hash;
  char        *canonical;
  JsonObject  *input_schema;
  GPtrArray   *steps;   /* AiosFlowStep */
  char        *schedule_json;
};

G_END_DECLS
