/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Placeholders in flow definitions: `{{input.client.email}}`,
 * `{{steps.draft.text}}`, `{{memory.contact.fields.name}}`, `{{run.id}}`.
 * A string that is exactly one placeholder takes the referenced JSON value
 * (number, object...); otherwise values are spliced into the text.
 */

typedef void (*AiosTemplateRefFunc) (const char *path,
                                     gpointer    user_data);

JsonNode *aios_template_expand      (JsonNode            *tmpl,
                                     JsonObject          *scope,
                                     GError             **error);
gboolean  aios_template_foreach_ref (JsonNode            *tmpl,
                                     AiosTemplateRefFunc  func,
                                     gpointer             user_data,
                                     GError             **error);
JsonNode *aios_template_lookup      (JsonObject          *scope,
                                     const char          *path);
const char *aios_template_lookup_string (JsonObject      *scope,
                                         const char      *path);

G_END_DECLS
