/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Context assembly picks records by the same ranking (any word of the task
 * may match) and fills a token budget: recent records in full, older ones
 * (and those that no longer fit) as one-line summaries, so cost stays
 * bounded without forgetting what exists. The versions used are returned
 * for the caller's journal event.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"
#include "store/aios-journal.h"

#define OLD_FOR_CONTEXT_MS ((gint64) 30 * 24 * 60 * 60 * 1000)
#define FULL_SHARE 0.7
#define SUMMARY_CHARS 160

/* ---- Context assembly ---------------------------------------------------- */

void
aios_context_free (AiosContext *context)
{
  if (context == NULL)
    return;
  g_free (context->text);
  g_clear_pointer (&context->items, g_array_unref);
  g_free (context);
}

static void
link_free (gpointer data)
{
  AiosEventLink *link = data;

  g_free ((char *) link->target_kind);
  g_free ((char *) link->target_id);
  g_free (link);
}

/**
 * aios_context_dup_links:
 *
 * Returns: (transfer full) (element-type AiosEventLink): one
 *   ("record", id, version) link per record version the context used
 */
GPtrArray *
aios_context_dup_links (const AiosContext *context)
{
  GPtrArray *links = g_ptr_array_new_with_free_func (link_free);

  for (guint i = 0; i < context->items->len; i++)
    {
      AiosContextItem *item = &g_array_index (context->items, AiosContextItem, i);
      AiosEventLink *link = g_new0 (AiosEventLink, 1);

      link->target_kind = g_strdup ("record");
      link->target_id = g_strdup_printf ("%" PRId64, item->id);
      link->version = item->version;
      g_ptr_array_add (links, link);
    }
  return links;
}

guint
aios_memory_estimate_tokens (const char *text)
{
  return text != NULL ? (guint) ((strlen (text) + 3) / 4) : 0;
}

static char *
date_of (gint64 ts)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ts / 1000);
  return dt ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
}

/**
 * aios_record_render:
 *
 * Returns: (transfer full): the whole record as text for a model: a header
 *   with its provenance, "field: value" lines, then the body
 */
char *
aios_record_render (const AiosRecord *record)
{
  const AiosKindSpec *spec = aios_memory_kind_lookup (record->kind);
  g_autofree char *date = date_of (record->ts);
  GString *s = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_string_append_printf (s, "[%s] %s (record %" PRId64 ", version %" PRId64
                          ", by %s, %s)\n",
                          spec ? spec->name : record->kind, record->title, record->id,
                          record->version, record->author, date);
  json_object_iter_init (&iter, record->fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *text = aios_memory_value_to_text (node);
      if (*text != '\0')
        g_string_append_printf (s, "%s: %s\n", name, text);
    }
  if (record->body != NULL && *record->body != '\0')
    {
      g_string_append (s, record->body);
      if (!g_str_has_suffix (record->body, "\n"))
        g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static char *
truncate_chars (const char *text,
                guint       max_chars)
{
  const char *end;

  if ((guint) g_utf8_strlen (text, -1) <= max_chars)
    return g_strdup (text);
  end = g_utf8_offset_to_pointer (text, max_chars > 1 ? max_chars - 1 : 0);
  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}

/**
 * aios_record_summarise:
 * @max_chars: the summary's length at most
 *
 * A deterministic one-line summary (no model needed): kind, title, id,
 * version and date, the set fields, the body's start.
 *
 * Returns: (transfer full): the summary
 */
char *
aios_record_summarise (const AiosRecord *record,
                       guint             max_chars)
{
  g_autofree char *date = date_of (record->ts);
  GString *s = g_string_new (NULL);
  g_autofree char *line = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  const AiosKindSpec *spec = aios_memory_kind_lookup (record->kind);
  guint n = 0;

  g_string_append_printf (s, "[%s] %s (record %" PRId64 " v%" PRId64 ", %s)",
                          record->kind, record->title, record->id, record->version, date);
  json_object_iter_init (&iter, record->fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *text = NULL;
      if (spec != NULL && g_str_equal (name, spec->title_field))
        continue;
      text = aios_memory_value_to_text (node);
      if (*text == '\0')
        continue;
      g_string_append_printf (s, "%s%s %s", n++ == 0 ? ": " : "; ", name, text);
    }
  if (record->body != NULL && *record->body != '\0')
    g_string_append_printf (s, " — %s", record->body);
  line = g_strdelimit (g_string_free (s, FALSE), "\r\n\t", ' ');
  return truncate_chars (line, max_chars);
}

/**
 * aios_memory_assemble_context:
 * @task: what the agent is asked to do
 * @token_budget: the most the context may cost
 * @ephemeral: (nullable) (array zero-terminated=1): context for this task
 *   only (the inbound email, the form text): it goes first and is never stored
 * @related: (nullable) (array length=n_related): records the task is about
 *
 * Returns: (transfer full): the context text and the versions it used
 */
AiosContext *
aios_memory_assemble_context (AiosMemory         *self,
                              const char         *task,
                              guint               token_budget,
                              const char * const *ephemeral,
                              const gint64       *related,
                              gsize               n_related,
                              GError            **error)
{
  g_autoptr(AiosContext) ctx = g_new0 (AiosContext, 1);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) left_out = g_ptr_array_new ();
  GString *s = g_string_new (NULL);
  AiosSearchOptions o = { 0 };
  gint64 now = aios_store_now_ms ();
  gsize budget_bytes = (gsize) token_budget * 4;
  gsize full_cap, full_bytes = 0;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);

  ctx->budget = token_budget;
  ctx->items = g_array_new (FALSE, FALSE, sizeof (AiosContextItem));

  for (guint i = 0; ephemeral != NULL && ephemeral[i] != NULL; i++)
    {
      gsize room = budget_bytes > s->len ? budget_bytes - s->len : 0;
      if (room < 16)
        break;
      if (strlen (ephemeral[i]) + 1 > room)
        {
          g_autofree char *cut = truncate_chars (ephemeral[i], (guint) (room / 4));
          g_string_append_printf (s, "%s\n", cut);
        }
      else
        g_string_append_printf (s, "%s\n", ephemeral[i]);
    }

  /* Whole records take at most FULL_SHARE of what is left, so the rest of
   * the relevant records still get a line each rather than nothing. */
  full_cap = budget_bytes > s->len ? (gsize) ((budget_bytes - s->len) * FULL_SHARE) : 0;

  o.query = task;
  o.flags = AIOS_SEARCH_ANY_WORD;
  o.limit = 50;
  o.related = related;
  o.n_related = n_related;
  hits = aios_memory_search_full (self, &o, error);
  if (hits == NULL)
    {
      g_string_free (s, TRUE);
      return NULL;
    }

  for (guint i = 0; i < hits->len; i++)
    {
      AiosMemoryHit *hit = g_ptr_array_index (hits, i);
      g_autoptr(AiosRecord) r = aios_memory_get (self, hit->id, error);
      g_autofree char *full = NULL;
      g_autofree char *summary = NULL;
      AiosContextItem item = { hit->id, hit->version, FALSE };

      if (r == NULL)
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      if (now - r->ts < OLD_FOR_CONTEXT_MS)
        {
          full = aios_record_render (r);
          if (full_bytes + strlen (full) + 1 <= full_cap && s->len + strlen (full) + 1 <= budget_bytes)
            {
              full_bytes += strlen (full) + 1;
              g_string_append_printf (s, "\n%s", full);
              g_array_append_val (ctx->items, item);
              ctx->n_full++;
              continue;
            }
        }
      summary = aios_record_summarise (r, SUMMARY_CHARS);
      if (s->len + strlen (summary) + 3 <= budget_bytes)
        {
          g_string_append_printf (s, "- %s\n", summary);
          item.summarised = TRUE;
          g_array_append_val (ctx->items, item);
          ctx->n_summarised++;
          continue;
        }
      g_ptr_array_add (left_out, hit);
      ctx->n_left_out++;
    }

  if (left_out->len > 0)
    {
      g_autofree char *note = g_strdup_printf ("(%u more relevant records did not fit; ask for them by id:", left_out->len);
      if (s->len + strlen (note) + 16 <= budget_bytes)
        {
          g_string_append (s, note);
          for (guint i = 0; i < left_out->len && s->len + 24 < budget_bytes; i++)
            g_string_append_printf (s, " %" PRId64, ((AiosMemoryHit *) left_out->pdata[i])->id);
          g_string_append (s, ")\n");
        }
    }

  ctx->text = g_string_free (s, FALSE);
  ctx->tokens = aios_memory_estimate_tokens (ctx->text);
  return g_steal_pointer (&ctx);
}
