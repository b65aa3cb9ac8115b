/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Search that answers with provenance (context assembly for agents, which
 * ranks with it, is aios-memory-context.c).
 *
 * Ranking. FTS5 returns the best BM25 candidates (title weighs 10, fields 4,
 * body 1); they are re-ranked in C with
 *
 *   relevance = lexical                       (BM25 normalised to 0..1)
 *             = 0.55 lexical + 0.45 similarity (when a query vector is given)
 *   score     = relevance × (1 + 0.25 recency + 0.15 usage + 0.30 together)
 *
 * recency = e^(−age in days / 60); usage = 1 − 1/(1 + runs that used the
 * record, from the journal's links); together = the same for runs that also
 * used one of the @related records. The boosts multiply relevance, so a
 * popular record never outranks one that answers the question. With a
 * query vector, the nearest stored vectors join the candidates, so a hit
 * with no shared word can still be found.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"
#include "store/aios-journal-query.h"

#define DEFAULT_LIMIT 20
#define RECENCY_DAYS 60.0
#define MS_PER_DAY (24.0 * 60 * 60 * 1000)

/* A connection: the store's (cached statements) or a reader's (own ones). */
typedef struct {
  AiosStore *store;
  sqlite3   *db;
} Conn;

static sqlite3_stmt *
conn_prepare (Conn        *c,
              const char  *sql,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (c->store != NULL)
    return aios_store_prepare (c->store, sql, error);
  rc = sqlite3_prepare_v2 (c->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   "SQL error: %s in: %s", sqlite3_errmsg (c->db), sql);
      return NULL;
    }
  return stmt;
}

static void
conn_done (Conn         *c,
           sqlite3_stmt *stmt)
{
  if (stmt == NULL)
    return;
  if (c->store != NULL)
    sqlite3_reset (stmt);
  else
    sqlite3_finalize (stmt);
}

static gboolean
conn_error (Conn        *c,
            int          rc,
            GError     **error)
{
  if (c->store != NULL)
    return aios_store_set_error (c->store, rc, error, _("search memory"));
  g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
               _("Could not search memory: %s"), sqlite3_errmsg (c->db));
  return FALSE;
}

void
aios_memory_hit_free (AiosMemoryHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->kind);
  g_free (hit->title);
  g_free (hit->layer);
  g_free (hit->snippet);
  g_free (hit->author);
  g_free (hit);
}

static const char * const stopwords[] = {
  "the", "and", "for", "with", "that", "this", "from", "about", "into", "our", "your", "their",
  "are", "was", "were", "will", "would", "should", "could", "have", "has", "had", "not", "but",
  "all", "any", "can", "her", "his", "him", "she", "they", "them", "you", "what", "when", "who",
  "how", "why", "which", "there", "then", "than", "also", "just", "please", "write", "send",
  "of", "to", "in", "on", "at", "by", "an", "a", "is", "it", "or", "as", "be", "de", "der", "die",
  "das", "und", "la", "le", "el",
  NULL
};

/* A word typed that is so common it matches nearly everything ("of")
 * costs much and filters nothing; with other words beside it, leave it out. */
static gboolean
is_stopword (const char *word)
{
  g_autofree char *folded = g_utf8_casefold (word, -1);
  return g_strv_contains (stopwords, folded);
}

static gboolean
has_alnum (const char *word)
{
  for (const char *p = word; *p; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* Each word typed becomes a quoted FTS5 phrase (the tokenizer splits
 * "dana@example.com" into a phrase of its parts), so no input can be read
 * as query syntax. All words must match, the last one as a prefix (search
 * as you type, when @prefix), or, with ANY_WORD, any word of three letters or more that
 * is not a stop word. Returns NULL when nothing searchable remains. */
static char *
build_match (const char      *query,
             AiosSearchFlags  flags,
             gboolean         prefix)
{
  g_auto(GStrv) words = g_regex_split_simple ("\\s+", query ? query : "", 0, 0);
  GString *m = g_string_new (NULL);
  gboolean any = (flags & AIOS_SEARCH_ANY_WORD) != 0;
  gboolean ends_in_space = query != NULL && *query != '\0' && g_ascii_isspace (query[strlen (query) - 1]);
  guint n = g_strv_length (words);
  guint used = 0, content_words = 0;

  for (guint i = 0; i < n; i++)
    if (*words[i] != '\0' && has_alnum (words[i]) && !is_stopword (words[i]))
      content_words++;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *folded = NULL;
      GString *quoted;

      if (*words[i] == '\0' || !has_alnum (words[i]))
        continue;
      folded = g_utf8_casefold (words[i], -1);
      if (any && (g_utf8_strlen (folded, -1) < 3 || g_strv_contains (stopwords, folded)))
        continue;
      if (!any && content_words > 0 && i + 1 < n && is_stopword (words[i]))
        continue;
      if (used++ > 0)
        g_string_append (m, any ? " OR " : " ");
      quoted = g_string_new ("\"");
      for (const char *p = words[i]; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (quoted, '"');
          g_string_append_c (quoted, *p);
        }
      g_string_append_c (quoted, '"');
      g_string_append (m, quoted->str);
      g_string_free (quoted, TRUE);
      if (prefix && !any && !ends_in_space && i + 1 == n)
        g_string_append_c (m, '*');
    }
  if (used == 0)
    {
      g_string_free (m, TRUE);
      return NULL;
    }
  return g_string_free (m, FALSE);
}

static char *
plain_snippet (const char *body,
               const char *fields_json)
{
  const char *source = body != NULL && *body != '\0' ? body : NULL;
  g_autofree char *fields_text = NULL;
  g_autofree char *one_line = NULL;
  const char *end;

  if (source == NULL)
    {
      g_autoptr(JsonObject) fields = aios_memory_parse_fields (fields_json);
      source = fields_text = aios_memory_fields_to_text (fields);
    }
  one_line = g_strdelimit (g_strdup (source), "\r\n\t", ' ');
  if (g_utf8_strlen (one_line, -1) <= 80)
    return g_steal_pointer (&one_line);
  end = g_utf8_offset_to_pointer (one_line, 80);
  return g_strdup_printf ("%.*s…", (int) (end - one_line), one_line);
}

static AiosMemoryHit *
hit_from_row (sqlite3_stmt *stmt)
{
  AiosMemoryHit *hit = g_new0 (AiosMemoryHit, 1);

  /* id, kind, title, layer, version, author, run_id, ts */
  hit->id = sqlite3_column_int64 (stmt, 0);
  hit->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  hit->title = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  hit->layer = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  hit->version = sqlite3_column_int64 (stmt, 4);
  hit->author = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  hit->run_id = sqlite3_column_int64 (stmt, 6);
  hit->ts = sqlite3_column_int64 (stmt, 7);
  return hit;
}

/* The smallest record id among the newest @window matches, or 0 when there
 * are fewer: walking matches by rowid costs no ranking. */
static gint64
rowid_floor (Conn                    *c,
             const AiosSearchOptions *o,
             const char              *match,
             guint                    window,
             GError                 **error)
{
  sqlite3_stmt *stmt;
  gint64 floor = 0;
  int rc;

  stmt = conn_prepare (c,
                       "SELECT rowid FROM records_fts WHERE records_fts MATCH ?1 "
                       "ORDER BY rowid DESC LIMIT 1 OFFSET ?3", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, window - 1);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    floor = sqlite3_column_int64 (stmt, 0);
  conn_done (c, stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      conn_error (c, rc, error);
      return -1;
    }
  return floor;
}

static char *
hit_text (const char *title,
          const char *fields_json,
          const char *body)
{
  g_autoptr(JsonObject) fields = aios_memory_parse_fields (fields_json);
  g_autofree char *fields_text = aios_memory_fields_to_text (fields);

  return g_strjoin (" ", title ? title : "", fields_text, body ? body : "", NULL);
}

static gboolean
ranked_candidates (Conn                    *c,
                   const AiosSearchOptions *o,
                   const char              *match,
                   gint64                   min_id,
                   gint64                   max_id,
                   guint                    k,
                   GPtrArray               *hits,
                   GHashTable              *by_id,
                   GError                 **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = conn_prepare (c,
                       "SELECT r.id, r.kind, r.title, r.layer, r.current_version, v.author, v.run_id, v.ts, "
                       "r.fields_json, m.rank, r.body FROM ("
                       "  SELECT rowid AS id, rank "
                       "  FROM records_fts WHERE records_fts MATCH ?1 "
                       "  AND rowid BETWEEN ?4 AND ?5 ORDER BY +rank LIMIT ?3) m "
                       "JOIN records r ON r.id = m.id "
                       "JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version "
                       "ORDER BY m.rank", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, k);
  sqlite3_bind_int64 (stmt, 4, min_id);
  sqlite3_bind_int64 (stmt, 5, max_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AiosMemoryHit *hit;

      if (g_hash_table_contains (by_id, &(gint64) { sqlite3_column_int64 (stmt, 0) }))
        continue;
      hit = hit_from_row (stmt);
      hit->lexical = -sqlite3_column_double (stmt, 9);
      /* kept until the snippet is made from it */
      hit->snippet = hit_text (hit->title, (const char *) sqlite3_column_text (stmt, 8),
                               (const char *) sqlite3_column_text (stmt, 10));
      g_ptr_array_add (hits, hit);
      g_hash_table_insert (by_id, &hit->id, hit);
    }
  conn_done (c, stmt);
  if (rc != SQLITE_DONE)
    return conn_error (c, rc, error);
  return TRUE;
}

/* BM25 must score every match before it can sort, which is what makes a
 * common word slow on a big workspace. So when a query matches more than
 * RANK_WINDOW records, only the newest RANK_WINDOW matches are ranked on
 * all columns, and older records join through their titles (a name, a
 * company, a subject: far fewer matches). Fewer matches: all are ranked.
 * "ORDER BY +rank" sorts in SQLite rather than in FTS5, whose own sorted
 * plan scores every match and ignores the rowid bounds. */
#define RANK_WINDOW 500

static gboolean
lexical_candidates (Conn                    *c,
                    const AiosSearchOptions *o,
                    const char              *match,
                    guint                    k,
                    GPtrArray               *hits,
                    GHashTable              *by_id,
                    GError                 **error)
{
  g_autofree char *scoped = NULL;
  g_autofree char *title_match = NULL;
  gint64 floor;

  /* the user's words never match the kind column; a kind filter is a term */
  if (o->kind != NULL)
    {
      scoped = g_strdup_printf ("kind : \"%s\" AND {title fields body} : (%s)", o->kind, match);
      title_match = g_strdup_printf ("kind : \"%s\" AND {title} : (%s)", o->kind, match);
    }
  else
    {
      scoped = g_strdup_printf ("{title fields body} : (%s)", match);
      title_match = g_strdup_printf ("{title} : (%s)", match);
    }
  match = scoped;
  floor = rowid_floor (c, o, match, RANK_WINDOW, error);

  if (floor < 0)
    return FALSE;
  if (!ranked_candidates (c, o, match, floor, G_MAXINT64, k, hits, by_id, error))
    return FALSE;
  if (floor == 0)
    return TRUE;
  /* the newest k older records whose title matches, ranked among themselves */
  {
    Conn *cc = c;
    sqlite3_stmt *stmt = conn_prepare (cc,
                                       "SELECT rowid FROM records_fts WHERE records_fts MATCH ?1 "
                                       "AND rowid < ?4 "
                                       "ORDER BY rowid DESC LIMIT 1 OFFSET ?3", error);
    gint64 title_floor = 0;
    int rc;

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, title_match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (stmt, 3, k - 1);
    sqlite3_bind_int64 (stmt, 4, floor);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
      title_floor = sqlite3_column_int64 (stmt, 0);
    conn_done (cc, stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return conn_error (cc, rc, error);
    return ranked_candidates (c, o, title_match, title_floor, floor - 1, k, hits, by_id, error);
  }
}

static gboolean
recent_candidates (Conn                    *c,
                   const AiosSearchOptions *o,
                   guint                    k,
                   GPtrArray               *hits,
                   GError                 **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = conn_prepare (c,
                       "SELECT r.id, r.kind, r.title, r.layer, r.current_version, v.author, v.run_id, v.ts, "
                       "r.body, r.fields_json FROM records r "
                       "JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version "
                       "WHERE r.deleted = 0 AND (?1 IS NULL OR r.kind = ?1) "
                       "ORDER BY r.updated_at DESC, r.id DESC LIMIT ?2", error);
  if (stmt == NULL)
    return FALSE;
  if (o->kind != NULL)
    sqlite3_bind_text (stmt, 1, o->kind, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, k);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AiosMemoryHit *hit = hit_from_row (stmt);
      hit->snippet = plain_snippet ((const char *) sqlite3_column_text (stmt, 8),
                                    (const char *) sqlite3_column_text (stmt, 9));
      hit->lexical = 1.0;
      g_ptr_array_add (hits, hit);
    }
  conn_done (c, stmt);
  if (rc != SQLITE_DONE)
    return conn_error (c, rc, error);
  return TRUE;
}

typedef struct {
  gint64 id;
  double sim;
} Near;

static int
compare_near (gconstpointer a,
              gconstpointer b)
{
  double x = ((const Near *) a)->sim, y = ((const Near *) b)->sim;
  return x < y ? 1 : x > y ? -1 : 0;
}

static double
cosine (const float *a,
        const float *b,
        gsize        n)
{
  double dot = 0, na = 0, nb = 0;

  for (gsize i = 0; i < n; i++)
    {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
  if (na == 0 || nb == 0)
    return 0;
  return dot / (sqrt (na) * sqrt (nb));
}

/* Brute force over the stored vectors of the current versions: fine for the
 * tens of thousands of records one operator keeps. */
static gboolean
vector_candidates (Conn                    *c,
                   const AiosSearchOptions *o,
                   guint                    k,
                   GPtrArray               *hits,
                   GHashTable              *by_id,
                   GError                 **error)
{
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (Near));
  sqlite3_stmt *stmt;
  int rc;

  stmt = conn_prepare (c,
                       "SELECT e.record_id, e.vector FROM record_embeddings e "
                       "JOIN records r ON r.id = e.record_id "
                       "WHERE e.model = ?1 AND e.version = r.current_version AND r.deleted = 0 "
                       "AND (?2 IS NULL OR r.kind = ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, o->vector_model ? o->vector_model : "", -1, SQLITE_TRANSIENT);
  if (o->kind != NULL)
    sqlite3_bind_text (stmt, 2, o->kind, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const float *v = sqlite3_column_blob (stmt, 1);
      gsize n = sqlite3_column_bytes (stmt, 1) / sizeof (float);
      Near item;

      if (n != o->n_dims || v == NULL)
        continue;
      item.id = sqlite3_column_int64 (stmt, 0);
      item.sim = MAX (0.0, cosine (o->query_vector, v, n));
      g_array_append_val (near, item);
    }
  conn_done (c, stmt);
  if (rc != SQLITE_DONE)
    return conn_error (c, rc, error);

  g_array_sort (near, compare_near);
  for (guint i = 0; i < near->len; i++)
    {
      Near *item = &g_array_index (near, Near, i);
      AiosMemoryHit *hit = g_hash_table_lookup (by_id, &item->id);

      if (hit != NULL)
        {
          hit->similarity = item->sim;
          continue;
        }
      if (i >= k)
        continue;

      stmt = conn_prepare (c,
                           "SELECT r.id, r.kind, r.title, r.layer, r.current_version, v.author, v.run_id, "
                           "v.ts, r.body, r.fields_json FROM records r "
                           "JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version "
                           "WHERE r.id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, item->id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          hit = hit_from_row (stmt);
          hit->snippet = plain_snippet ((const char *) sqlite3_column_text (stmt, 8),
                                        (const char *) sqlite3_column_text (stmt, 9));
          hit->similarity = item->sim;
          g_ptr_array_add (hits, hit);
          g_hash_table_insert (by_id, &hit->id, hit);
        }
      conn_done (c, stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return conn_error (c, rc, error);
    }
  return TRUE;
}

static gboolean
count_runs (Conn        *c,
            const char  *ids_json,
            const char  *related_json,
            GHashTable  *usage,
            GHashTable  *together,
            GError     **error)
{
  /* The journal answers, on this search's connection. */
  if (!aios_journal_count_record_runs (c->db, ids_json, NULL, usage, error))
    return FALSE;
  if (related_json == NULL)
    return TRUE;
  return aios_journal_count_record_runs (c->db, ids_json, related_json, together, error);
}

/* Snippets are cut here rather than by FTS5's snippet(), which costs a
 * query per hit: the first word of the text that matches a query word
 * (ignoring case and accents; the last word also as a prefix), with a few
 * words around it, matches between [ and ]. */
static char *
fold_word (const char *word,
           gssize      len)
{
  g_autofree char *folded = g_utf8_casefold (word, len);
  return g_str_to_ascii (folded, "C");
}

static char **
query_words (const char *query)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  const char *p = query ? query : "";

  while (*p)
    {
      const char *start;
      while (*p && !g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      start = p;
      while (*p && g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (p > start)
        g_ptr_array_add (words, fold_word (start, p - start));
    }
  g_ptr_array_add (words, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&words), FALSE);
}

typedef struct {
  const char *start;
  const char *end;
  gboolean    match;
} Token;

static char *
make_snippet (const char  *text,
              char       **words)
{
  g_autoptr(GArray) tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  guint n_words = g_strv_length (words);
  gint first = -1;
  guint from, to;
  GString *s = g_string_new (NULL);
  const char *p = text;

  while (*p)
    {
      Token t = { 0 };
      g_autofree char *folded = NULL;

      while (*p && !g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (!*p)
        break;
      t.start = p;
      while (*p && g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      t.end = p;
      folded = fold_word (t.start, t.end - t.start);
      for (guint i = 0; i < n_words && !t.match; i++)
        t.match = g_str_equal (folded, words[i]) ||
                  (i + 1 == n_words && g_str_has_prefix (folded, words[i]));
      if (t.match && first < 0)
        first = tokens->len;
      g_array_append_val (tokens, t);
    }
  if (tokens->len == 0)
    {
      g_string_free (s, TRUE);
      return g_strdup ("");
    }

  from = first > 3 ? (guint) first - 3 : 0;
  to = MIN (tokens->len, from + 10);
  if (from > 0)
    g_string_append (s, "…");
  for (guint i = from; i < to; i++)
    {
      Token *t = &g_array_index (tokens, Token, i);
      if (i > from)
        g_string_append_len (s, g_array_index (tokens, Token, i - 1).end,
                             t->start - g_array_index (tokens, Token, i - 1).end);
      if (t->match)
        g_string_append_c (s, '[');
      g_string_append_len (s, t->start, t->end - t->start);
      if (t->match)
        g_string_append_c (s, ']');
    }
  if (to < tokens->len)
    g_string_append (s, "…");
  return g_strdelimit (g_string_free (s, FALSE), "\r\n\t", ' ');
}

static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const AiosMemoryHit *x = *(AiosMemoryHit * const *) a;
  const AiosMemoryHit *y = *(AiosMemoryHit * const *) b;

  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static GPtrArray *
search (Conn                    *c,
        const AiosSearchOptions *o,
        GError                 **error)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_memory_hit_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree char *match = build_match (o->query, o->flags, FALSE);
  g_autofree char *prefix_match = build_match (o->query, o->flags, TRUE);
  g_autofree char *related_json = NULL;
  g_autoptr(GHashTable) usage_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) together_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint limit = o->limit > 0 ? o->limit : DEFAULT_LIMIT;
  guint k = MAX (limit * 2, 20);
  gboolean vectors = o->query_vector != NULL && o->n_dims > 0;
  double max_lexical = 0;
  gint64 now = aios_store_now_ms ();

  if (o->kind != NULL && aios_memory_kind_lookup (o->kind) == NULL)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND,
                   _("“%s” is not a kind of record (known: contact, lead, client, project, "
                     "contract, work, brief, template, decision, note)"), o->kind);
      return NULL;
    }

  if (match == NULL && !vectors)
    {
      /* Nothing to match: the most recently changed records. */
      if (!recent_candidates (c, o, limit, hits, error))
        return NULL;
      for (guint i = 0; i < hits->len; i++)
        {
          AiosMemoryHit *hit = g_ptr_array_index (hits, i);
          hit->recency = exp (-(now - hit->ts) / MS_PER_DAY / RECENCY_DAYS);
          hit->score = hit->recency;
        }
      return g_steal_pointer (&hits);
    }

  /* Whole words first; the last word as a prefix only when that finds too
   * little (someone still typing it), since prefixes cost more. */
  if (match != NULL && !lexical_candidates (c, o, match, k, hits, by_id, error))
    return NULL;
  if (match != NULL && hits->len < limit && g_strcmp0 (match, prefix_match) != 0 &&
      !lexical_candidates (c, o, prefix_match, k, hits, by_id, error))
    return NULL;
  if (vectors && !vector_candidates (c, o, k, hits, by_id, error))
    return NULL;

  if (o->n_related > 0)
    {
      GString *s = g_string_new ("[");
      for (gsize i = 0; i < o->n_related; i++)
        g_string_append_printf (s, "%s\"%" PRId64 "\"", i ? "," : "", o->related[i]);
      g_string_append_c (s, ']');
      related_json = g_string_free (s, FALSE);
    }

  for (guint i = 0; i < hits->len; i++)
    max_lexical = MAX (max_lexical, ((AiosMemoryHit *) hits->pdata[i])->lexical);

  {
    GString *ids = g_string_new ("[");
    for (guint i = 0; i < hits->len; i++)
      g_string_append_printf (ids, "%s\"%" PRId64 "\"", i ? "," : "",
                              ((AiosMemoryHit *) hits->pdata[i])->id);
    g_string_append_c (ids, ']');
    if (!count_runs (c, ids->str, related_json, usage_by_id, together_by_id, error))
      {
        g_string_free (ids, TRUE);
        return NULL;
      }
    g_string_free (ids, TRUE);
  }

  for (guint i = 0; i < hits->len; i++)
    {
      AiosMemoryHit *hit = g_ptr_array_index (hits, i);
      g_autofree char *key = g_strdup_printf ("%" PRId64, hit->id);
      gint64 usage = GPOINTER_TO_INT (g_hash_table_lookup (usage_by_id, key));
      gint64 together = GPOINTER_TO_INT (g_hash_table_lookup (together_by_id, key));
      double relevance, lexical = max_lexical > 0 ? hit->lexical / max_lexical : 0;

      hit->lexical = lexical;
      hit->recency = exp (-MAX (0, now - hit->ts) / MS_PER_DAY / RECENCY_DAYS);
      hit->usage = 1.0 - 1.0 / (1.0 + usage);
      relevance = vectors ? 0.55 * lexical + 0.45 * hit->similarity : lexical;
      hit->score = relevance * (1.0 + 0.25 * hit->recency + 0.15 * hit->usage
                                + 0.30 * (1.0 - 1.0 / (1.0 + together)));
    }

  /* a vector-only candidate pointing away from the query answers nothing */
  for (guint i = hits->len; i > 0; i--)
    if (((AiosMemoryHit *) hits->pdata[i - 1])->score <= 0)
      g_ptr_array_remove_index_fast (hits, i - 1);
  g_ptr_array_sort (hits, compare_hits);
  if (hits->len > limit)
    g_ptr_array_set_size (hits, limit);
  {
    g_auto(GStrv) words = query_words (o->query);
    for (guint i = 0; i < hits->len; i++)
      {
        AiosMemoryHit *hit = g_ptr_array_index (hits, i);
        char *text = hit->snippet;

        if (text == NULL)
          hit->snippet = g_strdup ("");
        else if (hit->lexical > 0)
          {
            hit->snippet = make_snippet (text, words);
            g_free (text);
          }
      }
  }
  return g_steal_pointer (&hits);
}

/**
 * aios_memory_search_full:
 *
 * Returns: (transfer full) (element-type AiosMemoryHit): hits, best first;
 *   with an empty query, the most recently changed records
 */
GPtrArray *
aios_memory_search_full (AiosMemory              *self,
                         const AiosSearchOptions *options,
                         GError                 **error)
{
  Conn c = { aios_memory_get_store (self), aios_store_get_db (aios_memory_get_store (self)) };

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  g_return_val_if_fail (options != NULL, NULL);
  return search (&c, options, error);
}

/**
 * aios_memory_search:
 * @kind: (nullable): only this kind
 * @limit: at most this many (0: 20)
 *
 * Returns: (transfer full) (element-type AiosMemoryHit): hits, best first
 */
GPtrArray *
aios_memory_search (AiosMemory  *self,
                    const char  *query,
                    const char  *kind,
                    guint        limit,
                    GError     **error)
{
  AiosSearchOptions o = { .query = query, .kind = kind, .limit = limit };
  return aios_memory_search_full (self, &o, error);
}

GPtrArray *
aios_memory_search_on (sqlite3                 *db,
                       const AiosSearchOptions *options,
                       GError                 **error)
{
  Conn c = { NULL, db };

  g_return_val_if_fail (db != NULL && options != NULL, NULL);
  return search (&c, options, error);
}

/**
 * aios_memory_hit_to_json:
 *
 * Returns: (transfer full): the stable `--json` shape of a hit
 */
JsonNode *
aios_memory_hit_to_json (const AiosMemoryHit *hit)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *time = aios_store_format_time (hit->ts);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, hit->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, hit->kind);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, hit->title);
  json_builder_set_member_name (b, "snippet");
  json_builder_add_string_value (b, hit->snippet ? hit->snippet : "");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, hit->version);
  json_builder_set_member_name (b, "author");
  json_builder_add_string_value (b, hit->author);
  json_builder_set_member_name (b, "run_id");
  if (hit->run_id > 0)
    json_builder_add_int_value (b, hit->run_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "layer");
  json_builder_add_string_value (b, hit->layer);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, hit->score);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
