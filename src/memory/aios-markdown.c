/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Markdown → HTML and → Pango markup, for posts: one block parser and one
 * inline renderer, with the tags of the two targets in a table. Hostile
 * input stays text: the output's only tags are the ones written here, every
 * character from the input goes through g_markup_escape_text(), and a link's
 * target must be http:, https: or mailto: to become a link.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>

#include "aios-markdown.h"

typedef struct {
  const char *strong_open, *strong_close;
  const char *em_open, *em_close;
  const char *code_open, *code_close;
  const char *h_open[6], *h_close[6];
  const char *p_open, *p_close;
  const char *ul_open, *ul_close, *ol_open, *ol_close;
  const char *li_open, *li_close;
  gboolean    numbered_items;  /* write "1. " itself (Pango has no lists) */
  const char *block_sep;
} Target;

static const Target html = {
  "<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>",
  { "<h1>", "<h2>", "<h3>", "<h4>", "<h5>", "<h6>" },
  { "</h1>", "</h2>", "</h3>", "</h4>", "</h5>", "</h6>" },
  "<p>", "</p>", "<ul>\n", "</ul>", "<ol>\n", "</ol>", "<li>", "</li>\n", FALSE, "\n",
};

static const Target pango = {
  "<b>", "</b>", "<i>", "</i>", "<tt>", "</tt>",
  { "<span size=\"xx-large\" weight=\"bold\">", "<span size=\"x-large\" weight=\"bold\">",
    "<span size=\"large\" weight=\"bold\">", "<b>", "<b>", "<b>" },
  { "</span>", "</span>", "</span>", "</b>", "</b>", "</b>" },
  "", "", "", "", "", "", "", "\n", TRUE, "\n\n",
};

static void
append_escaped (GString    *out,
                const char *text,
                gssize      len)
{
  g_autofree char *escaped = g_markup_escape_text (text, len);
  g_string_append (out, escaped);
}

static gboolean
safe_url (const char *url,
          gsize       len)
{
  static const char * const schemes[] = { "https://", "http://", "mailto:" };

  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      gsize n = strlen (schemes[i]);
      if (len > n && g_ascii_strncasecmp (url, schemes[i], n) == 0)
        {
          for (gsize j = 0; j < len; j++)
            if ((guchar) url[j] <= ' ' || url[j] == '"' || url[j] == '<' || url[j] == '>')
              return FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

static void render_inline (GString *out, const Target *t, const char *s, gsize len, int depth);

/* A delimited span (**…**, *…*, _…_, `…`) starting at s[i]; FALSE when it does not close. */
static gboolean
span (GString      *out,
      const Target *t,
      const char   *s,
      gsize         len,
      gsize        *i,
      const char   *delim,
      const char   *open,
      const char   *close,
      gboolean      literal,
      int           depth)
{
  gsize d = strlen (delim);
  const char *start = s + *i + d;
  const char *end = NULL;

  if (*i + d >= len || start[0] == ' ')
    return FALSE;
  for (const char *p = start; p + d <= s + len; p++)
    if (strncmp (p, delim, d) == 0 && p > start)
      {
        end = p;
        break;
      }
  if (end == NULL)
    return FALSE;
  g_string_append (out, open);
  if (literal)
    append_escaped (out, start, end - start);
  else
    render_inline (out, t, start, end - start, depth + 1);
  g_string_append (out, close);
  *i = (end - s) + d;
  return TRUE;
}

static gboolean
link (GString      *out,
      const Target *t,
      const char   *s,
      gsize         len,
      gsize        *i,
      int           depth)
{
  const char *text = s + *i + 1;
  const char *text_end = memchr (text, ']', len - (*i + 1));
  const char *url, *url_end;
  g_autofree char *href = NULL;

  if (text_end == NULL || text_end + 1 >= s + len || text_end[1] != '(')
    return FALSE;
  url = text_end + 2;
  url_end = memchr (url, ')', (s + len) - url);
  if (url_end == NULL)
    return FALSE;
  if (!safe_url (url, url_end - url))
    {
      render_inline (out, t, text, text_end - text, depth + 1);
      *i = (url_end - s) + 1;
      return TRUE;
    }
  href = g_markup_escape_text (url, url_end - url);
  g_string_append_printf (out, "<a href=\"%s\">", href);
  render_inline (out, t, text, text_end - text, depth + 1);
  g_string_append (out, "</a>");
  *i = (url_end - s) + 1;
  return TRUE;
}

static void
render_inline (GString      *out,
               const Target *t,
               const char   *s,
               gsize         len,
               int           depth)
{
  gsize i = 0, plain = 0;

  if (depth > 8)
    {
      append_escaped (out, s, len);
      return;
    }
  while (i < len)
    {
      gsize before = i;
      gboolean done = FALSE;

      if (s[i] == '\\' && i + 1 < len && strchr ("\\`*_[]()#-", s[i + 1]) != NULL)
        {
          append_escaped (out, s + plain, i - plain);
          append_escaped (out, s + i + 1, 1);
          i += 2;
          plain = i;
          continue;
        }
      if (s[i] == '*' || s[i] == '_' || s[i] == '`' || s[i] == '[')
        {
          GString *piece = g_string_new (NULL);

          if (s[i] == '`')
            done = span (piece, t, s, len, &i, "`", t->code_open, t->code_close, TRUE, depth);
          else if (s[i] == '[')
            done = link (piece, t, s, len, &i, depth);
          else if (i + 1 < len && s[i + 1] == s[i])
            done = span (piece, t, s, len, &i, s[i] == '*' ? "**" : "__", t->strong_open, t->strong_close, FALSE, depth);
          if (!done && s[i] != '`' && s[i] != '[')
            done = span (piece, t, s, len, &i, s[i] == '*' ? "*" : "_", t->em_open, t->em_close, FALSE, depth);
          if (done)
            {
              append_escaped (out, s + plain, before - plain);
              g_string_append (out, piece->str);
              plain = i;
            }
          g_string_free (piece, TRUE);
          if (done)
            continue;
        }
      i++;
    }
  append_escaped (out, s + plain, len - plain);
}

typedef enum { NONE, PARA, UL, OL } Block;

static int
heading_level (const char *line)
{
  int level = 0;

  while (line[level] == '#' && level < 7)
    level++;
  return level >= 1 && level <= 6 && line[level] == ' ' ? level : 0;
}

/* The text of a list item ("- x", "* x", "12. x"), or NULL. */
static const char *
list_item (const char *line,
           gboolean   *numbered)
{
  gsize n = 0;

  if ((line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ')
    {
      *numbered = FALSE;
      return line + 2;
    }
  while (g_ascii_isdigit (line[n]) && n < 9)
    n++;
  if (n > 0 && line[n] == '.' && line[n + 1] == ' ')
    {
      *numbered = TRUE;
      return line + n + 2;
    }
  return NULL;
}

static char *
render (const char   *markdown,
        const Target *t)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (markdown ? markdown : "", "\n", -1);
  g_autoptr(GString) para = g_string_new (NULL);
  Block block = NONE;
  guint item_no = 0;

#define SEP() G_STMT_START { if (out->len > 0) g_string_append (out, t->block_sep); } G_STMT_END
#define CLOSE() G_STMT_START {                                                          \
    if (block == PARA) {                                                                \
      SEP (); g_string_append (out, t->p_open);                                         \
      render_inline (out, t, para->str, para->len, 0);                                  \
      g_string_append (out, t->p_close); g_string_truncate (para, 0); }                 \
    else if (block == UL || block == OL) {                                              \
      if (out->len > 0 && out->str[out->len - 1] == '\n' && t->numbered_items)          \
        g_string_truncate (out, out->len - 1);                                          \
      g_string_append (out, block == UL ? t->ul_close : t->ol_close); }                 \
    block = NONE; } G_STMT_END

  for (guint n = 0; lines[n] != NULL; n++)
    {
      char *line = g_strstrip (lines[n]);
      const char *item;
      gboolean numbered = FALSE;
      int level;

      if (*line == '\0')
        {
          CLOSE ();
          continue;
        }
      if ((level = heading_level (line)) > 0)
        {
          const char *text = line + level + 1;
          CLOSE ();
          SEP ();
          g_string_append (out, t->h_open[level - 1]);
          render_inline (out, t, text, strlen (text), 0);
          g_string_append (out, t->h_close[level - 1]);
          continue;
        }
      if ((item = list_item (line, &numbered)) != NULL)
        {
          Block want = numbered ? OL : UL;
          if (block != want)
            {
              CLOSE ();
              SEP ();
              g_string_append (out, numbered ? t->ol_open : t->ul_open);
              block = want;
              item_no = 0;
            }
          item_no++;
          g_string_append (out, t->li_open);
          if (t->numbered_items)
            {
              if (numbered)
                g_string_append_printf (out, "%u. ", item_no);
              else
                g_string_append (out, "• ");
            }
          render_inline (out, t, item, strlen (item), 0);
          g_string_append (out, t->li_close);
          continue;
        }
      if (block != PARA)
        {
          CLOSE ();
          block = PARA;
        }
      else
        g_string_append_c (para, ' ');
      g_string_append (para, line);
    }
  CLOSE ();
#undef CLOSE
#undef SEP
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * aios_markdown_to_html:
 *
 * Returns: (transfer full): @markdown as HTML blocks
 */
char *
aios_markdown_to_html (const char *markdown)
{
  return render (markdown, &html);
}

/**
 * aios_markdown_to_pango:
 *
 * Returns: (transfer full): @markdown as Pango markup
 */
char *
aios_markdown_to_pango (const char *markdown)
{
  return render (markdown, &pango);
}

guint
aios_markdown_count_words (const char *markdown)
{
  guint words = 0;
  gboolean in_word = FALSE;

  for (const char *p = markdown ? markdown : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean word_char = g_unichar_isalnum (c) || c == '\'' || c == 0x2019;

      if (word_char && !in_word)
        words++;
      in_word = word_char;
    }
  return words;
}
