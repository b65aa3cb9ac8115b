/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A small, safe Markdown: ATX headings (# to ######), paragraphs, "-", "*"
 * and "1." lists, **strong**, *emphasis* or _emphasis_, `code` and
 * [links](https://…). Everything else is text, and every piece of text is
 * escaped; a link whose target is not http(s) or mailto is shown as its
 * text. Raw HTML in the input is text too.
 */

/* HTML for a web page (what WordPress receives as the post's content). */
char  *aios_markdown_to_html  (const char *markdown);
/* Pango markup for one GtkLabel (use-markup): the post as it will read. */
char  *aios_markdown_to_pango (const char *markdown);
/* Words in the text as it reads (markup left out). */
guint  aios_markdown_count_words (const char *markdown);

G_END_DECLS
