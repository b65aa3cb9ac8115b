/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The derivation rules of learned preferences (HACKING.md, "Learned
 * preferences"), on a real workspace: which edits are phrase
 * substitutions, which rejection reasons become rules, strengthening,
 * turning a preference off by undoing it, and the phrase matching at word
 * boundaries. The whole loop through the coordinator and the SMTP peer is
 * tests/e2e/test_learning.py.
 */
#include "config.h"

#include <string.h>

#include "control-test-util.h"
#include "agents/aios-learned-preferences.h"
#include "memory/aios-preference.h"

static void
assert_subs (const char *before,
             const char *after,
             const char *expected)
{
  g_autoptr(JsonArray) subs = aios_learned_preferences_substitutions (before, after);
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (subs); i++)
    {
      JsonArray *pair = json_array_get_array_element (subs, i);
      g_string_append_printf (got, "%s%s>%s", i ? "|" : "", json_array_get_string_element (pair, 0),
                              json_array_get_string_element (pair, 1));
    }
  g_assert_cmpstr (got->str, ==, expected);
}

static void
test_substitutions (void)
{
  assert_subs ("Thanks.\n\nBest regards,\nRobin", "Thanks.\n\nWarm wishes,\nRobin", "Best regards>Warm wishes");
  assert_subs ("Hi Dana, a call this week? Best regards", "Hello Dana, a chat this week? Best regards",
               "Hi>Hello|call>chat");
  /* pure insertions and deletions, whole rewrites and long stretches teach nothing */
  assert_subs ("Best regards, Robin", "Best regards and thanks, Robin", "");
  assert_subs ("Your project with Northwind Studio", "Shall we talk?", "");
  assert_subs ("one two three four five six seven eight end", "a b c d e f g h end", "");
  /* a change across lines is not one phrase */
  assert_subs ("x Best\nregards y", "x Warm wishes y", "");
}

static void
test_phrases (void)
{
  g_autofree char *a = aios_preference_replace_phrase ("Best regards, Best regardsless; (Best regards)",
                                                       "Best regards", "Warm wishes", NULL);
  guint n = 0;
  g_autofree char *b = aios_preference_replace_phrase ("abc abc xabc abcx abc", "abc", "Z", &n);

  g_assert_cmpstr (a, ==, "Warm wishes, Best regardsless; (Warm wishes)");
  g_assert_cmpstr (b, ==, "Z Z xabc abcx Z");
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (aios_preference_text_has_word ("Our BUDGET is 5k", "budget"));
  g_assert_false (aios_preference_text_has_word ("budgets are tight", "budget"));
}

/* A post draft gets the substitutions the preferences step found, says so
 * in its why, lists the records for the journal's links; a model's prompt
 * gets them as instructions with an example. */
static void
test_apply_and_prompt (void)
{
  g_autoptr(JsonNode) context = test_json (
    "{\"steps\": {\"brief\": {\"title\": \"x\"}, \"preferences\": {\"write\": true, \"learned_preferences\": ["
    " {\"id\": 7, \"version\": 2, \"title\": \"In posts, write “customers” instead of “users”\","
    "  \"rule\": \"In posts, write “customers” instead of “users”\", \"action\": \"replace\","
    "  \"phrase\": \"users\", \"replacement\": \"customers\", \"learned\": \"your edit of 2 December\","
    "  \"decisions\": [{\"id\": 5, \"version\": 1, \"title\": \"Approved\"}]},"
    " {\"id\": 8, \"version\": 1, \"action\": \"replace\", \"phrase\": \"synergy\", \"replacement\": \"teamwork\"}]}}}");
  g_autoptr(JsonNode) draft_node = test_json (
    "{\"title\": \"What users want\", \"body\": \"Ask your users. Superusers too.\", \"excerpt\": \"users\","
    " \"rationale\": \"Written by the offline engine\", \"memory_used\": [{\"as\": \"brief\", \"id\": 1, \"version\": 1}]}");
  JsonObject *draft = json_node_get_object (draft_node);
  JsonArray *used;
  g_autofree char *prompt = NULL;

  g_assert_cmpuint (aios_learned_preferences_apply (json_node_get_object (context), draft), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (draft, "title"), ==, "What customers want");
  g_assert_cmpstr (json_object_get_string_member (draft, "body"), ==, "Ask your customers. Superusers too.");
  g_assert_cmpstr (json_object_get_string_member (draft, "excerpt"), ==, "customers");
  g_assert_cmpstr (json_object_get_string_member (draft, "rationale"), ==,
                   "Written by the offline engine. Wrote “customers” instead of “users”, as you prefer "
                   "(learned from your edit of 2 December).");
  used = json_object_get_array_member (draft, "memory_used");
  g_assert_cmpuint (json_array_get_length (used), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (used, 1), "id"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (used, 2), "id"), ==, 5);

  prompt = aios_learned_preferences_render_prompt (json_node_get_object (context));
  g_assert_nonnull (strstr (prompt, "- In posts, write “customers” instead of “users”\n"));
  g_assert_nonnull (strstr (prompt, "Example: where you would write “users”, write “customers”."));
  g_assert_null (aios_learned_preferences_render_prompt (json_node_get_object (draft_node)));
}

typedef struct {
  AiosWorkspace *ws;
  AiosMemory    *memory;
  char          *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = NULL;

  f->dir = test_temp_dir ();
  path = g_build_filename (f->dir, "workspace.db", NULL);
  f->ws = test_open_workspace (path, NULL);
  f->memory = aios_workspace_get_memory (f->ws);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->ws);
  g_free (f->dir);
}

static gint64
decision (Fixture *f)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GError) error = NULL;
  AiosProvenance prov = { "operator", 0, NULL };
  gint64 id;

  json_object_set_string_member (fields, "subject", "A decision");
  json_object_set_string_member (fields, "rationale", "test");
  id = aios_memory_put (f->memory, 0, "decision", fields, NULL, &prov, NULL, &error);
  g_assert_no_error (error);
  return id;
}

static void
learn (Fixture    *f,
       gint64      id,
       const char *outcome,
       const char *reason,
       const char *diff_json,
       const char *input_json)
{
  g_autoptr(JsonNode) diff = diff_json ? test_json (diff_json) : NULL;
  g_autoptr(JsonNode) input = test_json (input_json ? input_json : "{\"name\": \"Pat Doe\"}");
  g_autoptr(GError) error = NULL;
  AiosDecisionFacts facts = {
    .decision_id = id, .outcome = outcome, .action_kind = "email", .run_name = "Pat Doe",
    .reason = reason, .diff = diff ? json_node_get_array (diff) : NULL,
    .input = json_node_get_object (input),
  };

  g_assert_true (aios_learned_preferences_learn (f->memory, &facts, &error));
  g_assert_no_error (error);
}

static GPtrArray *
prefs (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *all = aios_memory_find_all (f->memory, "preference", "applies_to", "email", &error);

  g_assert_no_error (error);
  return all;
}

static void
test_edits (Fixture       *f,
            gconstpointer  data)
{
  gint64 d1 = decision (f), d2 = decision (f), d3 = decision (f), d4 = decision (f);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *ids = NULL;
  AiosRecord *p;

  /* an edit that names the lead is about that lead */
  learn (f, d1, "edited", NULL, "[{\"path\":\"$.body\",\"from\":\"Hi Pat, thanks\",\"to\":\"Hi Patricia, thanks\"}]", NULL);
  all = prefs (f);
  g_assert_cmpuint (all->len, ==, 0);
  g_clear_pointer (&all, g_ptr_array_unref);

  learn (f, d1, "edited", NULL,
         "[{\"path\":\"$.body\",\"from\":\"Thanks.\\nBest regards,\\nRobin\",\"to\":\"Thanks.\\nWarm wishes,\\nRobin\"},"
         " {\"path\":\"$.to\",\"from\":\"a@example.com\",\"to\":\"b@example.com\"}]", NULL);
  learn (f, d2, "edited", NULL,
         "[{\"path\":\"$.body\",\"from\":\"Ok. Best regards, R\",\"to\":\"Ok. Warm wishes, R\"}]", NULL);
  all = prefs (f);
  g_assert_cmpuint (all->len, ==, 1);
  p = all->pdata[0];
  ids = g_strdup_printf ("%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT, d1, d2);
  g_assert_cmpstr (aios_record_get_field (p, "learned_from"), ==, ids);
  g_assert_nonnull (strstr (p->title, "learned from your edits of "));
  g_assert_cmpint (p->version, ==, 2);
  g_clear_pointer (&all, g_ptr_array_unref);

  /* the same decision again changes nothing */
  learn (f, d2, "edited", NULL,
         "[{\"path\":\"$.body\",\"from\":\"Ok. Best regards, R\",\"to\":\"Ok. Warm wishes, R\"}]", NULL);
  all = prefs (f);
  g_assert_cmpint (((AiosRecord *) all->pdata[0])->version, ==, 2);
  g_clear_pointer (&all, g_ptr_array_unref);

  /* an operator's own rule text stays when the preference is strengthened */
  {
    g_autoptr(JsonObject) fields = json_object_ref (((AiosRecord *) prefs (f)->pdata[0])->fields);
    g_autoptr(JsonObject) copy = json_object_new ();
    AiosProvenance prov = { "operator", 0, NULL };
    gint64 id = ((AiosRecord *) prefs (f)->pdata[0])->id;
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init (&iter, fields);
    while (json_object_iter_next (&iter, &name, &value))
      json_object_set_member (copy, name, json_node_copy (value));
    json_object_set_string_member (copy, "rule", "Sign off warmly");
    g_assert_cmpint (aios_memory_put (f->memory, id, "preference", copy, NULL, &prov, NULL, NULL), ==, id);
    learn (f, d3, "edited", NULL, "[{\"path\":\"$.subject\",\"from\":\"Best regards from us\",\"to\":\"Warm wishes from us\"}]", NULL);
    all = prefs (f);
    g_assert_cmpstr (((AiosRecord *) all->pdata[0])->title, ==, "Sign off warmly");
    g_clear_pointer (&all, g_ptr_array_unref);
  }

  /* undoing it turns it off, and teaches the reverse */
  learn (f, d4, "edited", NULL, "[{\"path\":\"$.body\",\"from\":\"Ok. Warm wishes, R\",\"to\":\"Ok. Best regards, R\"}]", NULL);
  all = prefs (f);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (aios_record_get_field (all->pdata[0], "enabled"), ==, "no");
  g_assert_cmpstr (aios_record_get_field (all->pdata[1], "phrase"), ==, "Warm wishes");
  g_assert_cmpstr (aios_record_get_field (all->pdata[1], "replacement"), ==, "Best regards");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) screened = aios_learned_preferences_screen (f->memory, "email", NULL, &error);
    JsonArray *learned = json_object_get_array_member (screened, AIOS_LEARNED_PREFERENCES_MEMBER);

    g_assert_cmpuint (json_array_get_length (learned), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (learned, 0), "replacement"),
                     ==, "Best regards");
  }
}

static void
test_rejections (Fixture       *f,
                 gconstpointer  data)
{
  static const struct { const char *reason; const char *message; gboolean learns; } cases[] = {
    { "Marcus already works with a colleague", "no money", FALSE },
    { "no budget", "Our budget is 5k", FALSE },   /* it would not have stopped this lead */
    { "No budget.", "how much for a website", TRUE },
    { "without a timeline", "how much for a website", TRUE },
    { "doesn't mention a deadline", "how much", TRUE },
    { "no clear budget at all", "how much", FALSE },
  };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(JsonNode) lead = test_json ("{\"message\": \"We have no timeline yet, budget is 5k, deadline soon\"}");
  g_autoptr(JsonNode) vague = test_json ("{\"message\": \"Budget 5k\"}");
  guint learned = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *input = g_strdup_printf ("{\"name\": \"Pat Doe\", \"message\": \"%s\"}", cases[i].message);
      g_autoptr(GPtrArray) now = NULL;

      learn (f, decision (f), "rejected", cases[i].reason, NULL, input);
      now = prefs (f);
      learned += cases[i].learns;
      g_assert_cmpuint (now->len, ==, learned);
    }
  all = prefs (f);
  g_assert_cmpstr (aios_record_get_field (all->pdata[0], "phrase"), ==, "budget");
  g_assert_cmpstr (all->pdata[0] ? ((AiosRecord *) all->pdata[0])->title : NULL, ==,
                   "Don't write to leads whose message doesn't mention “budget” — learned from your rejection of Pat Doe");
  g_assert_cmpstr (aios_record_get_field (all->pdata[1], "phrase"), ==, "timeline");
  g_assert_cmpstr (aios_record_get_field (all->pdata[2], "phrase"), ==, "deadline");

  /* a lead with every word passes; one without "timeline" and "deadline" is stopped by the first that matches */
  for (guint i = 0; i < all->len; i++)
    g_assert_false (aios_preference_skips_lead (((AiosRecord *) all->pdata[i])->fields, json_node_get_object (lead)));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) screened = aios_learned_preferences_screen (f->memory, "email", json_node_get_object (vague), &error);

    g_assert_no_error (error);
    g_assert_false (json_object_get_boolean_member (screened, "write"));
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (screened, "skipped_by"), "id"), ==,
                     ((AiosRecord *) all->pdata[1])->id);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/learning/substitutions", test_substitutions);
  g_test_add_func ("/learning/phrases", test_phrases);
  g_test_add_func ("/learning/apply-and-prompt", test_apply_and_prompt);
  g_test_add ("/learning/edits", Fixture, NULL, fixture_set_up, test_edits, fixture_tear_down);
  g_test_add ("/learning/rejections", Fixture, NULL, fixture_set_up, test_rejections, fixture_tear_down);
  return g_test_run ();
}
