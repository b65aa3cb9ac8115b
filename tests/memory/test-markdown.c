/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The post renderer: Markdown to HTML (what WordPress receives) and to Pango
 * markup (the approval's preview). Hostile input must stay text.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "memory/aios-markdown.h"

static const char *post =
  "# Five things to fix\n"
  "\n"
  "This post is for *owners* of **small** businesses.\n"
  "It continues here with `code`.\n"
  "\n"
  "## What matters\n"
  "\n"
  "- Know your pages.\n"
  "- Write [one action](https://northwind.example/review).\n"
  "\n"
  "1. First\n"
  "2. Second\n";

static void
test_html (void)
{
  g_autofree char *html = aios_markdown_to_html (post);

  g_assert_cmpstr (html, ==,
                   "<h1>Five things to fix</h1>\n"
                   "<p>This post is for <em>owners</em> of <strong>small</strong> businesses. "
                   "It continues here with <code>code</code>.</p>\n"
                   "<h2>What matters</h2>\n"
                   "<ul>\n<li>Know your pages.</li>\n"
                   "<li>Write <a href=\"https://northwind.example/review\">one action</a>.</li>\n</ul>\n"
                   "<ol>\n<li>First</li>\n<li>Second</li>\n</ol>");
}

static void
check_pango_parses (const char *markup)
{
  g_autofree char *doc = g_strconcat ("<markup>", markup, "</markup>", NULL);
  GMarkupParseContext *ctx = g_markup_parse_context_new (&(GMarkupParser) { 0 }, 0, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_markup_parse_context_parse (ctx, doc, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
}

static void
test_pango (void)
{
  g_autofree char *markup = aios_markdown_to_pango (post);

  g_assert_true (strstr (markup, "<span size=\"xx-large\" weight=\"bold\">Five things to fix</span>") != NULL);
  g_assert_true (strstr (markup, "<i>owners</i> of <b>small</b>") != NULL);
  g_assert_true (strstr (markup, "• Know your pages.\n• Write <a href=\"https://northwind.example/review\">one action</a>.") != NULL);
  g_assert_true (strstr (markup, "1. First\n2. Second") != NULL);
  check_pango_parses (markup);
}

static void
test_hostile (void)
{
  static const char *inputs[] = {
    "<script>alert(1)</script>",
    "# <img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[x](https://ok.example/\"onmouseover=\"alert(1))",
    "**unclosed *and _mixed `spans",
    "- <b>list</b> & [a](mailto:a@b.example)",
    "&amp; &lt; ' \" > <",
    "[[[[[[[[[[(((((((((**__**__",
    "\\*not em\\* <span weight='bold'>",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *html = aios_markdown_to_html (inputs[i]);
      g_autofree char *markup = aios_markdown_to_pango (inputs[i]);

      g_assert_null (strstr (html, "<script"));
      g_assert_null (strstr (html, "<img"));
      g_assert_null (strstr (html, "javascript:"));
      g_assert_null (strstr (html, "onmouseover=\""));
      g_assert_null (strstr (markup, "<span weight"));
      g_assert_null (strstr (markup, "javascript:"));
      check_pango_parses (markup);
    }

  {
    g_autofree char *html = aios_markdown_to_html ("[click](javascript:alert(1))");
    g_assert_cmpstr (html, ==, "<p>click)</p>");
  }
  {
    g_autofree char *html = aios_markdown_to_html ("<script>alert(1)</script>");
    g_assert_cmpstr (html, ==, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  }
  {
    g_autofree char *html = aios_markdown_to_html ("\\*not em\\*");
    g_assert_cmpstr (html, ==, "<p>*not em*</p>");
  }
}

static void
test_words (void)
{
  g_assert_cmpuint (aios_markdown_count_words ("# Hello, world\n\n- it's **two** more"), ==, 5);
  g_assert_cmpuint (aios_markdown_count_words (""), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/markdown/html", test_html);
  g_test_add_func ("/markdown/pango", test_pango);
  g_test_add_func ("/markdown/hostile", test_hostile);
  g_test_add_func ("/markdown/words", test_words);
  return g_test_run ();
}
