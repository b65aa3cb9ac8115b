/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Learned preferences (memory kind "preference"), read from their fields.
 * The fields are the contract; these helpers read them the same way for
 * the agent that derives them and the one that applies them:
 *
 *   rule          the preference in words (the record's title)
 *   applies_to    email | post | invoice | other
 *   action        replace: write `replacement` where a draft says `phrase`
 *                 skip:    write nothing for a lead whose `lead_field`
 *                          (e.g. "message") `condition`s (lacks | contains)
 *                          the word `phrase`
 *   learned_from  the ids of the decision records it came from, "12, 15"
 *                 (a rejection's with the lead's name: "12 (Pat)"), read by
 *                 agents/aios-learned-preferences.c
 *   enabled       "no" turns it off; unset or "yes" is on
 */

typedef enum {
  AIOS_PREFERENCE_NONE,
  AIOS_PREFERENCE_REPLACE,
  AIOS_PREFERENCE_SKIP,
} AiosPreferenceAction;

AiosPreferenceAction aios_preference_action        (JsonObject *fields);
gboolean             aios_preference_is_enabled    (JsonObject *fields);
const char          *aios_preference_find_phrase   (const char *text,
                                                    const char *phrase);
char                *aios_preference_replace_phrase (const char *text,
                                                     const char *phrase,
                                                     const char *replacement,
                                                     guint      *out_count);
gboolean             aios_preference_text_has_word (const char *text,
                                                    const char *word);
gboolean             aios_preference_skips_lead    (JsonObject *fields,
                                                    JsonObject *lead);

G_END_DECLS
