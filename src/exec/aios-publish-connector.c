/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Posts to a WordPress site through its REST API (publish.url, the site's
 * base URL; Basic auth with the "publish" credential, user:application
 * password).
 *
 * Request:  { "title": "...", "body": "Markdown", "excerpt": "...",
 *             "status": "publish" (default) | "draft", "tags": [...] }
 *
 * The operator approved the post as it reads, so it goes out published
 * ("status": "publish"); a flow may ask for "draft" to leave the last click
 * in WordPress. The Markdown is rendered to HTML here (aios_markdown_to_html).
 * Tags stay out of the POST: WordPress wants the ids of existing tags, and
 * making tags is a second outward action nobody approved.
 *
 * WordPress has no idempotency keys, so the slug carries the outbox's key
 * (aios_publish_slug()) and every attempt first asks
 *   GET /wp-json/wp/v2/posts?slug=SLUG&status=any
 * and only when nothing has that slug creates it:
 *   POST /wp-json/wp/v2/posts  {"title","content","excerpt","status","slug"}
 * That makes the POST safe to repeat: a lost answer is RETRYABLE, and the
 * next attempt finds the post instead of making a second one.
 *
 * WordPress's error shape {"code","message","data":{"status"}} is read into
 * the message (sanitized): 401/403 (incorrect_password, rest_cannot_create)
 * and 400 are permanent, 429 and 5xx retryable.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-http.h"
#include "aios-peer-text.h"
#include "aios-publish-connector.h"
#include "memory/aios-markdown.h"

#define MAX_TITLE 200
#define MAX_BODY (256 * 1024)
#define MAX_EXCERPT 1000

struct _AiosPublishConnector
{
  AiosConnector    parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
};

G_DEFINE_FINAL_TYPE (AiosPublishConnector, aios_publish_connector, AIOS_TYPE_CONNECTOR)

typedef struct
{
  char *base_url;   /* without the trailing slash */
  char *host;
  char *title;
  char *markdown;
  char *html;
  char *excerpt;
  char *status;
  char *slug;
  char *auth;       /* "Basic …" */
  char *secret;     /* for redaction */
  SoupMessage *msg;
} Post;

static void
post_free (Post *p)
{
  g_free (p->base_url);
  g_free (p->host);
  g_free (p->title);
  g_free (p->markdown);
  g_free (p->html);
  g_free (p->excerpt);
  g_free (p->status);
  g_free (p->slug);
  if (p->auth != NULL)
    memset (p->auth, 0, strlen (p->auth));
  g_free (p->auth);
  if (p->secret != NULL)
    secret_password_free (p->secret);
  g_clear_object (&p->msg);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Post, post_free)

/**
 * aios_publish_slug:
 *
 * Returns: (transfer full): "the-title-1a2b3c4d"
 */
char *
aios_publish_slug (const char *title,
                   const char *idempotency_key)
{
  g_autoptr(GString) slug = g_string_new (NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, idempotency_key ? idempotency_key : "", -1);
  g_autofree char *ascii = g_str_to_ascii (title ? title : "", "C");

  for (const char *p = ascii; *p != '\0' && slug->len < 60; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (slug, g_ascii_tolower (*p));
      else if (slug->len > 0 && slug->str[slug->len - 1] != '-')
        g_string_append_c (slug, '-');
    }
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);
  if (slug->len == 0)
    g_string_append (slug, "post");
  g_string_append_printf (slug, "-%.8s", hash);
  return g_string_free (g_steal_pointer (&slug), FALSE);
}

static gboolean
one_line (const char *s,
          gsize       max)
{
  return s != NULL && *s != '\0' && strlen (s) <= max && strpbrk (s, "\r\n") == NULL &&
         g_utf8_validate (s, -1, NULL);
}

static const char *
member (JsonObject *obj,
        const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static Post *
parse_request (AiosPublishConnector  *self,
               JsonObject            *request,
               GError               **error)
{
  g_autoptr(Post) p = g_new0 (Post, 1);
  g_autoptr(GUri) uri = NULL;
  const char *title = member (request, "title");
  const char *body = member (request, "body");
  const char *excerpt = member (request, "excerpt");
  const char *status = member (request, "status");

  p->base_url = aios_config_get (self->config, "publish.url");
  if (p->base_url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("Publishing is not configured: set publish.url to your WordPress site's address"));
      return NULL;
    }
  while (g_str_has_suffix (p->base_url, "/"))
    p->base_url[strlen (p->base_url) - 1] = '\0';
  uri = g_uri_parse (p->base_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("publish.url is not a valid URL: %s"), p->base_url);
      return NULL;
    }
  p->host = g_strdup (g_uri_get_host (uri));

  if (!one_line (title, MAX_TITLE))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A post needs a “title” of one line, at most %d characters"), MAX_TITLE);
      return NULL;
    }
  if (body == NULL || *body == '\0' || strlen (body) > MAX_BODY || !g_utf8_validate (body, -1, NULL))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A post needs a “body” (Markdown text, at most %d KiB)"), MAX_BODY / 1024);
      return NULL;
    }
  if (excerpt != NULL && (strlen (excerpt) > MAX_EXCERPT || !g_utf8_validate (excerpt, -1, NULL)))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A post's “excerpt” must be text of at most %d bytes"), MAX_EXCERPT);
      return NULL;
    }
  if (status != NULL && !g_str_equal (status, "publish") && !g_str_equal (status, "draft"))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A post's “status” must be “publish” or “draft”"));
      return NULL;
    }
  p->title = g_strdup (title);
  p->markdown = g_strdup (body);
  p->html = aios_markdown_to_html (body);
  p->excerpt = g_strdup (excerpt ? excerpt : "");
  p->status = g_strdup (status ? status : "publish");
  return g_steal_pointer (&p);
}

static JsonNode *
preview (AiosPublishConnector  *self,
         JsonObject            *request,
         const char            *key,
         GError               **error)
{
  g_autoptr(Post) p = parse_request (self, request, error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autofree char *url = NULL;

  if (p == NULL)
    return NULL;
  url = g_strconcat (p->base_url, "/wp-json/wp/v2/posts", NULL);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connector");
  json_builder_add_string_value (b, "publish");
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, p->host);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, p->title);
  json_builder_set_member_name (b, "excerpt");
  json_builder_add_string_value (b, p->excerpt);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, p->status);
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, p->markdown);
  json_builder_set_member_name (b, "content");
  json_builder_add_string_value (b, p->html);
  if (key != NULL)
    {
      g_autofree char *slug = aios_publish_slug (p->title, key);
      json_builder_set_member_name (b, "slug");
      json_builder_add_string_value (b, slug);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
aios_publish_connector_prepare (AiosConnector  *connector,
                                JsonObject     *request,
                                GError        **error)
{
  return preview (AIOS_PUBLISH_CONNECTOR (connector), request, NULL, error);
}

static JsonNode *
aios_publish_connector_prepare_keyed (AiosConnector  *connector,
                                      JsonObject     *request,
                                      const char     *key,
                                      GError        **error)
{
  return preview (AIOS_PUBLISH_CONNECTOR (connector), request, key, error);
}

/* Peer text, sanitized and cut to at most @max characters. */
static char *
peer_text (Post       *p,
           const char *text,
           glong       max)
{
  const char *const secrets[] = { p->secret, NULL };
  char *clean = aios_peer_text_sanitize (text ? text : "", -1, secrets);

  if (g_utf8_strlen (clean, -1) > max)
    *g_utf8_offset_to_pointer (clean, max) = '\0';
  return clean;
}

/* WordPress's error {"code","message","data":{"status"}} in words; NULL when
 * the answer has another shape. */
static char *
wp_error (Post   *p,
          GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  JsonObject *obj;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  if (data == NULL || len == 0 || !json_parser_load_from_data (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  obj = json_node_get_object (json_parser_get_root (parser));
  if (member (obj, "code") == NULL)
    return NULL;
  code = peer_text (p, member (obj, "code"), 100);
  message = peer_text (p, member (obj, "message"), 500);
  return g_strdup_printf ("%s: %s", code, message);
}

static gboolean
check_answer (Post         *p,
              SoupMessage  *msg,
              GBytes       *body,
              GError      **error)
{
  guint status = soup_message_get_status (msg);
  g_autofree char *what = NULL;

  if (status >= 200 && status < 300)
    return TRUE;
  what = wp_error (p, body);
  if (what != NULL && (status == 401 || status == 403))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("%s refused the user name or application password (%u %s); replace the “publish” "
                     "credential with user:application-password"), p->host, status, what);
      return FALSE;
    }
  if (what != NULL && status >= 400 && status < 500 && status != 408 && status != 429)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("%s rejected the post (%u %s)"), p->host, status, what);
      return FALSE;
    }
  return aios_http_check_status (msg, body, p->host, error);
}

static JsonNode *
answer_node (Post       *p,
             JsonObject *post,
             gboolean    existing)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  JsonNode *title = json_object_get_member (post, "title");
  const char *rendered = title && JSON_NODE_HOLDS_OBJECT (title)
                         ? member (json_node_get_object (title), "rendered") : NULL;
  g_autofree char *link = peer_text (p, member (post, "link"), 2000);
  g_autofree char *slug = peer_text (p, member (post, "slug"), 200);
  g_autofree char *status = peer_text (p, member (post, "status"), 40);
  g_autofree char *shown = peer_text (p, rendered, 400);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, json_object_get_int_member_with_default (post, "id", 0));
  json_builder_set_member_name (b, "link");
  json_builder_add_string_value (b, link);
  json_builder_set_member_name (b, "slug");
  json_builder_add_string_value (b, slug);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status);
  json_builder_set_member_name (b, "title_rendered");
  json_builder_add_string_value (b, shown);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, p->title);
  json_builder_set_member_name (b, "markdown");
  json_builder_add_string_value (b, p->markdown);
  json_builder_set_member_name (b, "found_existing");
  json_builder_add_boolean_value (b, existing);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
send (GTask               *task,
      const char          *method,
      const char          *url,
      GBytes              *body,
      GAsyncReadyCallback  callback)
{
  AiosPublishConnector *self = g_task_get_source_object (task);
  Post *p = g_task_get_task_data (task);
  SoupMessage *msg = soup_message_new (method, url);

  if (msg == NULL)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("publish.url is not a valid URL: %s"), p->base_url);
      g_object_unref (task);
      return;
    }
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", p->auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  g_clear_object (&p->msg);
  p->msg = msg;
  /* Both are safe to repeat: the POST only happens when the lookup by slug found nothing. */
  aios_http_send_async (self->session, msg, AIOS_HTTP_IDEMPOTENT,
                        aios_connector_get_timeout_ms (AIOS_CONNECTOR (self)),
                        g_task_get_cancellable (task), callback, task);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Post *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(JsonNode) root = NULL;

  if (body == NULL || !check_answer (p, p->msg, body, &error) ||
      (root = aios_http_parse_json (p->msg, body, p->host, AIOS_HTTP_IDEMPOTENT, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root) || json_object_get_int_member_with_default (json_node_get_object (root), "id", 0) <= 0)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE,
                               _("%s answered the new post without its id"), p->host);
      return;
    }
  g_task_return_pointer (task, answer_node (p, json_node_get_object (root), FALSE), (GDestroyNotify) json_node_unref);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Post *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonGenerator) gen = NULL;
  g_autofree char *url = NULL;
  char *text;
  gsize len;

  if (body == NULL || !check_answer (p, p->msg, body, &error) ||
      (root = aios_http_parse_json (p->msg, body, p->host, AIOS_HTTP_IDEMPOTENT, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE,
                               _("%s answered the lookup by slug with something other than a list of posts"), p->host);
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonNode *e = json_array_get_element (json_node_get_array (root), i);
      if (JSON_NODE_HOLDS_OBJECT (e) && g_strcmp0 (member (json_node_get_object (e), "slug"), p->slug) == 0)
        {
          /* Published before (an answer lost, a retry, a restart): that post it is. */
          g_task_return_pointer (task, answer_node (p, json_node_get_object (e), TRUE),
                                 (GDestroyNotify) json_node_unref);
          g_object_unref (task);
          return;
        }
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, p->title);
  json_builder_set_member_name (b, "content");
  json_builder_add_string_value (b, p->html);
  json_builder_set_member_name (b, "excerpt");
  json_builder_add_string_value (b, p->excerpt);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, p->status);
  json_builder_set_member_name (b, "slug");
  json_builder_add_string_value (b, p->slug);
  json_builder_end_object (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, json_builder_get_root (b));
  text = json_generator_to_data (gen, &len);
  {
    g_autoptr(GBytes) data = g_bytes_new_take (text, len);
    url = g_strconcat (p->base_url, "/wp-json/wp/v2/posts", NULL);
    send (task, "POST", url, data, created_cb);
  }
}

static gboolean
set_auth (Post        *p,
          char        *secret,
          GError     **error)
{
  g_autofree char *encoded = NULL;

  p->secret = secret;
  if (secret == NULL || strchr (secret, ':') == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("The “publish” credential must be user:application-password"));
      return FALSE;
    }
  encoded = g_base64_encode ((const guchar *) secret, strlen (secret));
  p->auth = g_strconcat ("Basic ", encoded, NULL);
  memset (encoded, 0, strlen (encoded));
  return TRUE;
}

static void
secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Post *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_finish (AIOS_CREDENTIALS (source), result, &error);
  g_autofree char *url = NULL;
  g_autofree char *escaped = NULL;

  if (secret == NULL || !set_auth (p, secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  escaped = g_uri_escape_string (p->slug, NULL, FALSE);
  url = g_strdup_printf ("%s/wp-json/wp/v2/posts?slug=%s&status=any", p->base_url, escaped);
  send (task, "GET", url, NULL, looked_up_cb);
}

static void
aios_publish_connector_execute_async (AiosConnector       *connector,
                                      JsonObject          *request,
                                      const char          *idempotency_key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  AiosPublishConnector *self = AIOS_PUBLISH_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Post *p;

  g_task_set_source_tag (task, aios_publish_connector_execute_async);
  p = parse_request (self, request, &error);
  if (p == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  p->slug = aios_publish_slug (p->title, idempotency_key);
  g_task_set_task_data (task, p, (GDestroyNotify) post_free);
  aios_credentials_lookup_async (self->credentials, "publish", cancellable, secret_cb, g_steal_pointer (&task));
}

static JsonNode *
aios_publish_connector_execute_finish (AiosConnector  *connector,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const AiosCredentialSpec publish_credential = {
  "publish", N_("WordPress Application Password"),
  N_("user:application-password for the WordPress site at publish.url"), TRUE
};

static AiosActionDescription *
aios_publish_connector_describe (AiosConnector *connector,
                                 JsonNode      *preview_node,
                                 JsonNode      *request,
                                 const char    *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);
  const char *title = aios_json_node_get_string (preview_node, "title");
  const char *site = aios_json_node_get_string (preview_node, "site");

  if (title == NULL)
    title = aios_json_node_get_string (request, "title");
  /* Translators: an inbox title; %s is the post's title */
  description->title = g_strdup_printf (_("Post “%s”"), title ? title : "");
  description->subtitle = site != NULL ? g_strdup_printf (_("To publish on %s"), site) : NULL;
  /* Translators: a notification's title; %s is the post's title */
  description->question = g_strdup_printf (_("Approve publishing “%s”?"), title ? title : "");
  return description;
}

/* Test Connection: GET /wp-json/wp/v2/users/me, which only answers a valid login. */
static void
test_answered_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Post *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *name = NULL;

  if (body == NULL || !check_answer (p, p->msg, body, &error) ||
      (root = aios_http_parse_json (p->msg, body, p->host, AIOS_HTTP_IDEMPOTENT, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  name = peer_text (p, JSON_NODE_HOLDS_OBJECT (root) && member (json_node_get_object (root), "name")
                        ? member (json_node_get_object (root), "name") : "?", 200);
  g_task_return_pointer (task, g_strdup_printf (_("Signed in to %s as %s"), p->host, name), g_free);
}

static void
test_secret_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Post *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_finish (AIOS_CREDENTIALS (source), result, &error);
  g_autofree char *url = NULL;

  if (secret == NULL || !set_auth (p, secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  url = g_strconcat (p->base_url, "/wp-json/wp/v2/users/me", NULL);
  send (task, "GET", url, NULL, test_answered_cb);
}

static void
aios_publish_connector_test_async (AiosConnector       *connector,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  AiosPublishConnector *self = AIOS_PUBLISH_CONNECTOR (connector);
  GTask *task = g_task_new (connector, cancellable, callback, user_data);
  Post *p = g_new0 (Post, 1);
  g_autoptr(GUri) uri = NULL;

  g_task_set_source_tag (task, aios_publish_connector_test_async);
  g_task_set_task_data (task, p, (GDestroyNotify) post_free);
  p->base_url = aios_config_get (self->config, "publish.url");
  if (p->base_url != NULL)
    {
      while (g_str_has_suffix (p->base_url, "/"))
        p->base_url[strlen (p->base_url) - 1] = '\0';
      uri = g_uri_parse (p->base_url, G_URI_FLAGS_NONE, NULL);
    }
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("Publishing is not configured: set publish.url to your WordPress site's address"));
      g_object_unref (task);
      return;
    }
  p->host = g_strdup (g_uri_get_host (uri));
  aios_credentials_lookup_async (self->credentials, publish_credential.name, cancellable, test_secret_cb, task);
}

static char *
aios_publish_connector_test_finish (AiosConnector  *connector,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_publish_connector_dispose (GObject *object)
{
  AiosPublishConnector *self = AIOS_PUBLISH_CONNECTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (aios_publish_connector_parent_class)->dispose (object);
}

static void
aios_publish_connector_class_init (AiosPublishConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_publish_connector_dispose;
  connector_class->prepare = aios_publish_connector_prepare;
  connector_class->prepare_keyed = aios_publish_connector_prepare_keyed;
  connector_class->execute_async = aios_publish_connector_execute_async;
  connector_class->execute_finish = aios_publish_connector_execute_finish;

  connector_class->display_name = N_("Blog post");
  connector_class->icon_name = "document-send-symbolic";
  connector_class->approval_expiry_s = 7 * 24 * 3600;
  connector_class->preview_kind = AIOS_PREVIEW_POST;
  connector_class->credential = &publish_credential;
  connector_class->describe = aios_publish_connector_describe;
  connector_class->test_async = aios_publish_connector_test_async;
  connector_class->test_finish = aios_publish_connector_test_finish;
}

static void
aios_publish_connector_init (AiosPublishConnector *self)
{
}

AiosConnector *
aios_publish_connector_new (AiosConfig      *config,
                            AiosCredentials *credentials,
                            SoupSession     *session)
{
  AiosPublishConnector *self = g_object_new (AIOS_TYPE_PUBLISH_CONNECTOR, "name", "publish", NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->session = g_object_ref (session);
  return AIOS_CONNECTOR (self);
}
