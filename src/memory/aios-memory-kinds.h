/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * AiosFieldType:
 *
 * How a field's value is checked on write. Values are JSON strings (numbers
 * may also be JSON numbers; tags may also be an array of strings); a null or
 * empty value means "not set".
 */
typedef enum {
  AIOS_FIELD_TEXT,       /* one line of text */
  AIOS_FIELD_LONG_TEXT,  /* text that may span lines */
  AIOS_FIELD_EMAIL,      /* local@domain.tld */
  AIOS_FIELD_PHONE,      /* digits, spaces, + ( ) . / - and an optional extension */
  AIOS_FIELD_NUMBER,     /* a decimal number, e.g. 95 or 1200.50 */
  AIOS_FIELD_CURRENCY,   /* an ISO 4217 code, three capital letters: EUR */
  AIOS_FIELD_DATE,       /* YYYY-MM-DD */
  AIOS_FIELD_CHOICE,     /* one of @choices */
  AIOS_FIELD_TAGS,       /* comma-separated words, or an array of strings */
  AIOS_FIELD_URL,        /* http:// or https:// */
} AiosFieldType;

typedef struct {
  const char          *name;      /* the JSON member name */
  const char          *label;     /* translatable (N_()) */
  AiosFieldType        type;
  gboolean             required;
  const char * const  *choices;   /* %NULL-terminated, for AIOS_FIELD_CHOICE */
  gboolean             key;       /* indexed for exact lookups (aios_memory_find) */
} AiosFieldSpec;

/**
 * AiosKindSpec:
 * @name: "contact", "lead", ...
 * @label: singular, translatable
 * @plural: for the sidebar, translatable
 * @title_field: the field that names a record
 * @fields: (array length=n_fields): the schema, in form order
 * @body_label: what the free text under the fields is for
 */
typedef struct {
  const char          *name;
  const char          *label;
  const char          *plural;
  const char          *title_field;
  const AiosFieldSpec *fields;
  guint                n_fields;
  const char          *body_label;
} AiosKindSpec;

const AiosKindSpec  *aios_memory_kind_lookup   (const char         *kind);
const AiosKindSpec  *aios_memory_kind_nth      (guint               n);
guint                aios_memory_n_kinds       (void);
const AiosFieldSpec *aios_kind_spec_get_field  (const AiosKindSpec *spec,
                                                const char         *name);
gboolean             aios_memory_validate      (const char         *kind,
                                                JsonObject         *fields,
                                                GError            **error);
char                *aios_memory_make_title    (const AiosKindSpec *spec,
                                                JsonObject         *fields);
char                *aios_memory_value_to_text (JsonNode           *node);

G_END_DECLS
