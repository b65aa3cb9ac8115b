/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The kinds of memory records and their field schemas.
 *
 * Tone guidelines are templates: a template whose `purpose` is "tone" holds
 * the operator's voice (body: the guidelines), and any template may carry a
 * short `tone` ("warm, brief, no jargon") that the writing agents follow.
 * One kind keeps them findable together with the texts they shape.
 *
 * Fields outside a kind's schema are refused, naming the field, unless their
 * name starts with "x-" (custom fields, kept as given and searchable).
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory.h"
#include "aios-memory-kinds.h"

#define N_ELEMS(a) G_N_ELEMENTS (a)

static const char * const lead_status[] = { "new", "contacted", "qualified", "won", "lost", "replied", "do-not-contact", NULL };
static const char * const project_status[] = { "planned", "active", "paused", "done", "cancelled", NULL };
static const char * const cadence[] = { "one-off", "weekly", "monthly", "quarterly", "yearly", "milestone", NULL };
static const char * const channels[] = { "email", "post", "invoice", "proposal", "other", NULL };
static const char * const outcomes[] = { "approved", "rejected", "edited", "policy", "other", "undone", "overturned", NULL };
static const char * const rate_units[] = { "hour", "day", "milestone", NULL };
static const char * const yes_no[] = { "no", "yes", NULL };

static const AiosFieldSpec contact_fields[] = {
  { "name", N_("Name"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "email", N_("Email"), AIOS_FIELD_EMAIL, FALSE, NULL, TRUE },
  { "company", N_("Company"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "role", N_("Role"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "phone", N_("Phone"), AIOS_FIELD_PHONE, FALSE, NULL, TRUE },
  { "address", N_("Address"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "website", N_("Website"), AIOS_FIELD_URL, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
  /* "yes" after an unsubscribe: the email connector refuses to write to it */
  { "do_not_contact", N_("Do not contact"), AIOS_FIELD_CHOICE, FALSE, yes_no, FALSE },
};

static const AiosFieldSpec lead_fields[] = {
  { "name", N_("Name"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "email", N_("Email"), AIOS_FIELD_EMAIL, FALSE, NULL, TRUE },
  { "company", N_("Company"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "phone", N_("Phone"), AIOS_FIELD_PHONE, FALSE, NULL, FALSE },
  { "source", N_("Source"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "status", N_("Status"), AIOS_FIELD_CHOICE, FALSE, lead_status, TRUE },
  { "score", N_("Score"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "website", N_("Website"), AIOS_FIELD_URL, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosFieldSpec client_fields[] = {
  { "name", N_("Name"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "email", N_("Billing email"), AIOS_FIELD_EMAIL, FALSE, NULL, TRUE },
  { "contact", N_("Contact person"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "address", N_("Address"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "vat_id", N_("VAT ID"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "currency", N_("Currency"), AIOS_FIELD_CURRENCY, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosFieldSpec project_fields[] = {
  { "name", N_("Name"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "client", N_("Client"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "status", N_("Status"), AIOS_FIELD_CHOICE, FALSE, project_status, TRUE },
  { "budget", N_("Budget"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "currency", N_("Currency"), AIOS_FIELD_CURRENCY, FALSE, NULL, FALSE },
  { "start", N_("Start"), AIOS_FIELD_DATE, FALSE, NULL, FALSE },
  { "due", N_("Due"), AIOS_FIELD_DATE, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosFieldSpec contract_fields[] = {
  { "client", N_("Client"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "rate", N_("Rate"), AIOS_FIELD_NUMBER, TRUE, NULL, FALSE },
  { "currency", N_("Currency"), AIOS_FIELD_CURRENCY, TRUE, NULL, FALSE },
  { "unit", N_("Rate per"), AIOS_FIELD_CHOICE, FALSE, rate_units, FALSE },
  { "billing_cadence", N_("Billing cadence"), AIOS_FIELD_CHOICE, FALSE, cadence, FALSE },
  { "tax_rate", N_("Tax rate (%)"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "payment_days", N_("Payment terms (days)"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "last_invoice", N_("Last invoice"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "terms", N_("Terms"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "start", N_("Start"), AIOS_FIELD_DATE, FALSE, NULL, FALSE },
  { "end", N_("End"), AIOS_FIELD_DATE, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

/* Logged work: hours or days at the contract's rate, or a milestone at its
 * fixed price; "billed" turns "yes" (with the invoice's id) in a new
 * version written by the billing run that issued it. */
static const AiosFieldSpec work_fields[] = {
  { "description", N_("Description"), AIOS_FIELD_TEXT, TRUE, NULL, FALSE },
  { "date", N_("Date"), AIOS_FIELD_DATE, TRUE, NULL, FALSE },
  { "client", N_("Client"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "project", N_("Project"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "hours", N_("Hours"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "days", N_("Days"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "milestone", N_("Milestone"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "billed", N_("Billed"), AIOS_FIELD_CHOICE, FALSE, yes_no, TRUE },
  { "invoice", N_("Invoice"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosFieldSpec template_fields[] = {
  { "name", N_("Name"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "purpose", N_("Purpose"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "channel", N_("Channel"), AIOS_FIELD_CHOICE, FALSE, channels, FALSE },
  { "subject", N_("Subject"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "tone", N_("Tone"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "language", N_("Language"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
  { "avoid", N_("Phrases to avoid"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
  /* An outreach template's follow-ups: their waits ("3d,7d") and wording. */
  { "cadence", N_("Follow-up cadence"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "followup", N_("Follow-up text"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
};

static const AiosFieldSpec decision_fields[] = {
  { "subject", N_("Subject"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "rationale", N_("Rationale"), AIOS_FIELD_LONG_TEXT, TRUE, NULL, FALSE },
  { "outcome", N_("Outcome"), AIOS_FIELD_CHOICE, FALSE, outcomes, TRUE },
  { "action", N_("Action"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "approval_id", N_("Approval"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "policy_rule", N_("Policy rule"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "edit", N_("Edit"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

/* A brief for a post: what it is about, for whom, the points it makes, at
 * most how many words, and what the reader should do next. `client` names
 * the client it is written for; empty, it is for the operator's own blog.
 * After publishing, the post's id and link and the text as published are
 * a new version of the brief (written by the run that published it). */
static const AiosFieldSpec brief_fields[] = {
  { "topic", N_("Topic"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "audience", N_("Audience"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "key_points", N_("Key points"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "length", N_("Length in words"), AIOS_FIELD_NUMBER, FALSE, NULL, FALSE },
  { "call_to_action", N_("Call to action"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "client", N_("Client"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "post_id", N_("Post ID"), AIOS_FIELD_TEXT, FALSE, NULL, TRUE },
  { "post_url", N_("Post URL"), AIOS_FIELD_URL, FALSE, NULL, FALSE },
  { "published", N_("Published text"), AIOS_FIELD_LONG_TEXT, FALSE, NULL, FALSE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

/* A learned preference (aios-preference.h): a rule in words, what kind of
 * draft it applies to, its machine form (write `replacement` where the
 * draft says `phrase`; or skip a lead whose `lead_field` lacks or contains
 * `phrase`), the decision records it was learned from, and whether it is
 * on. Derived from the operator's edits and rejections; the operator may
 * change or delete it like any other record. */
static const char * const preference_drafts[] = { "email", "post", "invoice", "other", NULL };
static const char * const preference_actions[] = { "replace", "skip", NULL };
static const char * const preference_conditions[] = { "lacks", "contains", NULL };

static const AiosFieldSpec preference_fields[] = {
  { "rule", N_("Rule"), AIOS_FIELD_TEXT, TRUE, NULL, FALSE },
  { "applies_to", N_("Applies to"), AIOS_FIELD_CHOICE, TRUE, preference_drafts, TRUE },
  { "action", N_("Action"), AIOS_FIELD_CHOICE, TRUE, preference_actions, FALSE },
  { "phrase", N_("Phrase"), AIOS_FIELD_TEXT, TRUE, NULL, FALSE },
  { "replacement", N_("Write instead"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "lead_field", N_("Lead field checked"), AIOS_FIELD_TEXT, FALSE, NULL, FALSE },
  { "condition", N_("Condition"), AIOS_FIELD_CHOICE, FALSE, preference_conditions, FALSE },
  { "learned_from", N_("Learned from (decision records)"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
  { "enabled", N_("Enabled"), AIOS_FIELD_CHOICE, FALSE, yes_no, TRUE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosFieldSpec note_fields[] = {
  { "title", N_("Title"), AIOS_FIELD_TEXT, TRUE, NULL, TRUE },
  { "tags", N_("Tags"), AIOS_FIELD_TAGS, FALSE, NULL, FALSE },
};

static const AiosKindSpec kinds[] = {
  { "contact", N_("Contact"), N_("Contacts"), "name", contact_fields, N_ELEMS (contact_fields), N_("Notes") },
  { "lead", N_("Lead"), N_("Leads"), "name", lead_fields, N_ELEMS (lead_fields), N_("Notes") },
  { "client", N_("Client"), N_("Clients"), "name", client_fields, N_ELEMS (client_fields), N_("Notes") },
  { "project", N_("Project"), N_("Projects"), "name", project_fields, N_ELEMS (project_fields), N_("Description") },
  { "contract", N_("Contract"), N_("Contracts"), "client", contract_fields, N_ELEMS (contract_fields), N_("Full text") },
  { "work", N_("Work"), N_("Work"), "description", work_fields, N_ELEMS (work_fields), N_("Notes") },
  { "template", N_("Template"), N_("Templates"), "name", template_fields, N_ELEMS (template_fields), N_("Text or guidelines") },
  { "decision", N_("Decision"), N_("Decisions"), "subject", decision_fields, N_ELEMS (decision_fields), N_("Details") },
  { "note", N_("Note"), N_("Notes"), "title", note_fields, N_ELEMS (note_fields), N_("Text") },
  { "brief", N_("Brief"), N_("Briefs"), "topic", brief_fields, N_ELEMS (brief_fields), N_("Notes for the writer") },
  { "preference", N_("Learned preference"), N_("Learned preferences"), "rule", preference_fields, N_ELEMS (preference_fields), N_("Notes") },
};

guint
aios_memory_n_kinds (void)
{
  return G_N_ELEMENTS (kinds);
}

/**
 * aios_memory_kind_nth:
 *
 * Returns: (nullable): the n-th kind, in the sidebar's order
 */
const AiosKindSpec *
aios_memory_kind_nth (guint n)
{
  return n < G_N_ELEMENTS (kinds) ? &kinds[n] : NULL;
}

const AiosKindSpec *
aios_memory_kind_lookup (const char *kind)
{
  for (guint i = 0; kind != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i].name, kind))
      return &kinds[i];
  return NULL;
}

const AiosFieldSpec *
aios_kind_spec_get_field (const AiosKindSpec *spec,
                          const char         *name)
{
  for (guint i = 0; i < spec->n_fields; i++)
    if (g_str_equal (spec->fields[i].name, name))
      return &spec->fields[i];
  return NULL;
}

/**
 * aios_memory_value_to_text:
 *
 * Returns: (transfer full): a field value as one text: strings as they are,
 *   numbers in C notation, arrays joined with ", ", null as ""
 */
char *
aios_memory_value_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      GString *s = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *item = aios_memory_value_to_text (json_array_get_element (array, i));
          if (s->len > 0)
            g_string_append (s, ", ");
          g_string_append (s, item);
        }
      return g_string_free (s, FALSE);
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_to_string (node, FALSE);
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" PRId64, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return g_strdup ("");
    }
}

static gboolean
valid_email (const char *s)
{
  const char *at = strchr (s, '@');
  const char *dot;

  if (at == NULL || at == s || strchr (at + 1, '@') != NULL)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (g_ascii_isspace (*p) || *p == ',' || *p == '<' || *p == '>')
      return FALSE;
  dot = strrchr (at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static gboolean
valid_phone (const char *s)
{
  guint digits = 0;
  const char *p = s;

  for (; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (strchr (" +()./-", *p) == NULL)
        break;
    }
  if (*p != '\0')
    {
      /* an extension: "x 12", "ext. 12" */
      while (*p == ' ')
        p++;
      if (g_ascii_strncasecmp (p, "ext", 3) == 0)
        p += 3;
      else if (*p == 'x' || *p == 'X')
        p++;
      else
        return FALSE;
      if (*p == '.')
        p++;
      while (*p == ' ')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
      if (*p != '\0')
        return FALSE;
    }
  return digits >= 3;
}

static gboolean
valid_number (const char *s)
{
  char *end = NULL;
  double d;

  if (*s == '\0' || g_ascii_isspace (*s))
    return FALSE;
  d = g_ascii_strtod (s, &end);
  return end != NULL && *end == '\0' && isfinite (d);
}

static gboolean
valid_date (const char *s)
{
  guint y, m, d;
  char tail;

  if (strlen (s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  if (sscanf (s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return FALSE;
  return g_date_valid_dmy (d, m, y);
}

static gboolean
valid_currency (const char *s)
{
  return strlen (s) == 3 && g_ascii_isupper (s[0]) && g_ascii_isupper (s[1]) && g_ascii_isupper (s[2]);
}

static gboolean
field_error (GError    **error,
             const char *kind,
             const char *field,
             const char *expected)
{
  g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
               _("Field “%s” of a %s: %s"), field, kind, expected);
  return FALSE;
}

static gboolean
validate_value (const AiosKindSpec  *spec,
                const AiosFieldSpec *field,
                JsonNode            *node,
                GError             **error)
{
  const char *s;
  g_autofree char *expected = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (field->type == AIOS_FIELD_TAGS && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            return field_error (error, spec->name, field->name, _("tags must be text"));
        }
      return TRUE;
    }

  if (field->type == AIOS_FIELD_NUMBER && JSON_NODE_HOLDS_VALUE (node) &&
      (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return field_error (error, spec->name, field->name, _("expected text"));

  s = json_node_get_string (node);
  if (*s == '\0')
    return TRUE;
  if (!g_utf8_validate (s, -1, NULL))
    return field_error (error, spec->name, field->name, _("the text is not valid UTF-8"));

  switch (field->type)
    {
    case AIOS_FIELD_TEXT:
      if (strchr (s, '\n') != NULL)
        return field_error (error, spec->name, field->name, _("expected one line of text"));
      return TRUE;
    case AIOS_FIELD_LONG_TEXT:
    case AIOS_FIELD_TAGS:
      return TRUE;
    case AIOS_FIELD_EMAIL:
      if (!valid_email (s))
        {
          expected = g_strdup_printf (_("“%s” is not an email address (expected name@example.com)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_PHONE:
      if (!valid_phone (s))
        {
          expected = g_strdup_printf (_("“%s” is not a phone number (digits, spaces and + ( ) . / -)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_NUMBER:
      if (!valid_number (s))
        {
          expected = g_strdup_printf (_("“%s” is not a number (expected e.g. 1200.50)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_CURRENCY:
      if (!valid_currency (s))
        {
          expected = g_strdup_printf (_("“%s” is not a currency code (expected three capital letters, e.g. EUR)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_DATE:
      if (!valid_date (s))
        {
          expected = g_strdup_printf (_("“%s” is not a date (expected YYYY-MM-DD)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_URL:
      if (!g_str_has_prefix (s, "http://") && !g_str_has_prefix (s, "https://"))
        {
          expected = g_strdup_printf (_("“%s” is not a web address (expected https://…)"), s);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    case AIOS_FIELD_CHOICE:
      if (!g_strv_contains ((const char * const *) field->choices, s))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) field->choices);
          expected = g_strdup_printf (_("“%s” is not one of: %s"), s, list);
          return field_error (error, spec->name, field->name, expected);
        }
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return *json_node_get_string (node) == '\0';
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  return FALSE;
}

/**
 * aios_memory_validate:
 *
 * Checks @fields against @kind's schema; the error names the first field
 * that is wrong and what was expected.
 */
gboolean
aios_memory_validate (const char  *kind,
                      JsonObject  *fields,
                      GError     **error)
{
  const AiosKindSpec *spec = aios_memory_kind_lookup (kind);
  g_autoptr(GList) members = NULL;

  if (spec == NULL)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND,
                   _("“%s” is not a kind of record (known: contact, lead, client, project, "
                     "contract, work, brief, template, decision, note)"), kind ? kind : "");
      return FALSE;
    }
  if (fields == NULL)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
                   _("A %s needs its fields"), spec->name);
      return FALSE;
    }

  members = json_object_get_members (fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const AiosFieldSpec *field = aios_kind_spec_get_field (spec, name);

      if (field == NULL)
        {
          GString *known = g_string_new (NULL);
          g_autofree char *message = NULL;

          if (g_str_has_prefix (name, "x-"))
            {
              JsonNode *node = json_object_get_member (fields, name);
              g_string_free (known, TRUE);
              if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
                continue;
              if (JSON_NODE_HOLDS_NULL (node))
                continue;
              return field_error (error, spec->name, name, _("custom fields hold text"));
            }
          for (guint i = 0; i < spec->n_fields; i++)
            g_string_append_printf (known, "%s%s", i ? ", " : "", spec->fields[i].name);
          message = g_strdup_printf (_("not a field of a %s (its fields: %s; custom fields start with “x-”)"),
                                     spec->name, known->str);
          g_string_free (known, TRUE);
          return field_error (error, spec->name, name, message);
        }
      if (!validate_value (spec, field, json_object_get_member (fields, name), error))
        return FALSE;
    }

  for (guint i = 0; i < spec->n_fields; i++)
    if (spec->fields[i].required && is_empty (json_object_get_member (fields, spec->fields[i].name)))
      return field_error (error, spec->name, spec->fields[i].name, _("required, but empty"));

  return TRUE;
}

/**
 * aios_memory_make_title:
 *
 * Returns: (transfer full): the record's title: its title field, on one line
 */
char *
aios_memory_make_title (const AiosKindSpec *spec,
                        JsonObject         *fields)
{
  g_autofree char *text = aios_memory_value_to_text (json_object_get_member (fields, spec->title_field));
  char *title = g_strstrip (g_strdelimit (g_steal_pointer (&text), "\r\n\t", ' '));

  if (g_str_equal (spec->name, "contract"))
    {
      g_autofree char *client = title;
      return g_strdup_printf (_("Contract with %s"), client);
    }
  return title;
}
