/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The memory room's commands (see ARCHITECTURE.md, "Interfaces outward"):
 * `aios memory search|show|history|diff|put|revert|delete|restore` and
 * `aios import`, `aios export`. Lists in `--json` are one object per line,
 * like `aios journal --json`; single records are one object.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-cli.h"
#include "memory/aios-memory.h"
#include "memory/aios-memory-kinds.h"
#include "memory/aios-memory-import.h"

static void
print_json (AiosCliCall *call,
            JsonNode    *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  aios_cli_call_print (call, "%s\n", text);
}

static gboolean
parse_id (const char  *arg,
          gint64      *out,
          GError     **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a record id (a positive number)"), arg);
      return FALSE;
    }
  *out = (gint64) v;
  return TRUE;
}

static char *
provenance_line (const char *author,
                 gint64      run_id,
                 gint64      ts,
                 const char *rationale)
{
  g_autofree char *time = aios_store_format_time (ts);
  GString *s = g_string_new (NULL);

  if (run_id > 0)
    g_string_append_printf (s, _("written by %s in run #%" PRId64 ", %s"), author, run_id, time);
  else
    g_string_append_printf (s, _("written by %s, %s"), author, time);
  if (rationale != NULL && *rationale != '\0')
    g_string_append_printf (s, " — %s", rationale);
  return g_string_free (s, FALSE);
}

static int
search_cmd (AiosCliCall *call,
            const char  *query,
            const char  *kind,
            int          limit,
            gboolean     json)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = aios_memory_search (memory, query, kind, limit > 0 ? limit : 20, &error);

  if (hits == NULL)
    return aios_cli_call_fail (call, error);
  for (guint i = 0; i < hits->len; i++)
    {
      AiosMemoryHit *hit = g_ptr_array_index (hits, i);

      if (json)
        {
          g_autoptr(JsonNode) node = aios_memory_hit_to_json (hit);
          print_json (call, node);
        }
      else
        {
          g_autofree char *prov = provenance_line (hit->author, hit->run_id, hit->ts, NULL);
          aios_cli_call_print (call, "#%-6" PRId64 " %-9s %s (v%" PRId64 ", %s)\n        %s\n",
                               hit->id, hit->kind, hit->title, hit->version, prov, hit->snippet);
        }
    }
  if (!json && hits->len == 0)
    aios_cli_call_printerr (call, "%s\n", _("No records match."));
  return 0;
}

static int
show_cmd (AiosCliCall *call,
          gint64       id,
          gint64       version,
          gboolean     json)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRecord) r = version > 0 ? aios_memory_get_version (memory, id, version, &error)
                                        : aios_memory_get (memory, id, &error);
  const AiosKindSpec *spec;
  g_autofree char *prov = NULL;

  if (r == NULL)
    return aios_cli_call_fail (call, error);
  if (json)
    {
      g_autoptr(JsonNode) node = aios_record_to_json (r);
      print_json (call, node);
      return 0;
    }

  spec = aios_memory_kind_lookup (r->kind);
  aios_cli_call_print (call, "%s (%s #%" PRId64 ", %s %" PRId64 "%s%s)\n",
                       r->title, r->kind, r->id, _("version"), r->version,
                       g_str_equal (r->layer, "session") ? _(", session") : "",
                       r->deleted ? _(", deleted") : "");
  for (guint i = 0; spec != NULL && i < spec->n_fields; i++)
    {
      g_autofree char *value = aios_record_dup_field_text (r, spec->fields[i].name);
      if (*value != '\0')
        aios_cli_call_print (call, "  %-16s %s\n", spec->fields[i].name, value);
    }
  {
    g_autoptr(GList) names = json_object_get_members (r->fields);
    for (GList *l = names; l != NULL; l = l->next)
      if (spec == NULL || aios_kind_spec_get_field (spec, l->data) == NULL)
        {
          g_autofree char *value = aios_record_dup_field_text (r, l->data);
          aios_cli_call_print (call, "  %-16s %s\n", (const char *) l->data, value);
        }
  }
  if (r->body != NULL && *r->body != '\0')
    aios_cli_call_print (call, "\n%s%s", r->body, g_str_has_suffix (r->body, "\n") ? "" : "\n");
  prov = provenance_line (r->author, r->run_id, r->ts, r->rationale);
  aios_cli_call_print (call, "\n%s\n", prov);
  return 0;
}

static int
history_cmd (AiosCliCall *call,
             gint64       id,
             gboolean     json)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) versions = aios_memory_history (memory, id, &error);

  if (versions == NULL)
    return aios_cli_call_fail (call, error);
  for (guint i = 0; i < versions->len; i++)
    {
      AiosRecord *r = g_ptr_array_index (versions, i);

      if (json)
        {
          g_autoptr(JsonNode) node = aios_record_to_json (r);
          print_json (call, node);
        }
      else
        {
          g_autofree char *prov = provenance_line (r->author, r->run_id, r->ts, r->rationale);
          aios_cli_call_print (call, "v%-4" PRId64 " %s%s\n", r->version, prov,
                               r->deleted ? _(" [deleted]") : "");
        }
    }
  return 0;
}

static int
diff_cmd (AiosCliCall *call,
          gint64       id,
          gint64       from,
          gint64       to,
          gboolean     json)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosRecordDiff) diff = aios_memory_diff (memory, id, from, to, &error);

  if (diff == NULL)
    return aios_cli_call_fail (call, error);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, id);
      json_builder_set_member_name (b, "from");
      json_builder_add_int_value (b, from);
      json_builder_set_member_name (b, "to");
      json_builder_add_int_value (b, to);
      json_builder_set_member_name (b, "fields");
      json_builder_begin_array (b);
      for (guint i = 0; i < diff->fields->len; i++)
        {
          AiosFieldChange *c = g_ptr_array_index (diff->fields, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "field");
          json_builder_add_string_value (b, c->field);
          json_builder_set_member_name (b, "old");
          json_builder_add_string_value (b, c->old_value);
          json_builder_set_member_name (b, "new");
          json_builder_add_string_value (b, c->new_value);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "body");
      json_builder_begin_array (b);
      for (guint i = 0; diff->body_changed && i < diff->body_lines->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (diff->body_lines, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "deleted_changed");
      json_builder_add_boolean_value (b, diff->deleted_changed);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      print_json (call, root);
      return 0;
    }
  for (guint i = 0; i < diff->fields->len; i++)
    {
      AiosFieldChange *c = g_ptr_array_index (diff->fields, i);
      aios_cli_call_print (call, "%s: “%s” → “%s”\n", c->field, c->old_value, c->new_value);
    }
  if (diff->body_changed)
    for (guint i = 0; i < diff->body_lines->len; i++)
      aios_cli_call_print (call, "%s\n", (const char *) g_ptr_array_index (diff->body_lines, i));
  if (diff->fields->len == 0 && !diff->body_changed && !diff->deleted_changed)
    aios_cli_call_print (call, "%s\n", _("No differences."));
  return 0;
}

static int
put_cmd (AiosCliCall  *call,
         const char   *kind_or_id,
         char        **field_args,
         const char   *fields_file,
         const char   *body,
         const char   *rationale,
         gboolean      json)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(AiosRecord) current = NULL;
  AiosProvenance prov = { "operator", 0, rationale };
  gint64 id = 0, version = 0;
  const char *kind = NULL;

  if (g_ascii_isdigit (*kind_or_id))
    {
      if (!parse_id (kind_or_id, &id, &error))
        return aios_cli_call_fail (call, error);
      current = aios_memory_get (memory, id, &error);
      if (current == NULL)
        return aios_cli_call_fail (call, error);
      fields = json_object_ref (current->fields);
    }
  else
    {
      kind = kind_or_id;
      fields = json_object_new ();
    }

  if (fields_file != NULL)
    {
      g_autoptr(GBytes) bytes = aios_cli_call_read_file (call, fields_file, &error);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (bytes == NULL)
        return aios_cli_call_fail (call, error);
      if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
        return aios_cli_call_fail (call, error);
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        return aios_cli_call_fail_literal (call, _("The fields file must hold one JSON object"));
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *node;
        json_object_iter_init (&iter, json_node_get_object (root));
        while (json_object_iter_next (&iter, &name, &node))
          json_object_set_member (fields, name, json_node_copy (node));
      }
    }

  for (guint i = 0; field_args != NULL && field_args[i] != NULL; i++)
    {
      const char *eq = strchr (field_args[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL || eq == field_args[i])
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not NAME=VALUE"), field_args[i]);
          return aios_cli_call_fail_literal (call, message);
        }
      name = g_strndup (field_args[i], eq - field_args[i]);
      if (eq[1] == '\0')
        json_object_remove_member (fields, name);
      else
        json_object_set_string_member (fields, name, eq + 1);
    }

  id = aios_memory_put (memory, id, kind, fields, body, &prov, &version, &error);
  if (id == 0)
    return aios_cli_call_fail (call, error);
  if (json)
    {
      g_autofree char *line = g_strdup_printf ("{\"id\":%" PRId64 ",\"version\":%" PRId64 "}",
                                               id, version);
      aios_cli_call_print (call, "%s\n", line);
    }
  else
    aios_cli_call_print (call, "%" PRId64 " %" PRId64 "\n", id, version);
  return 0;
}

static int
memory_handler (AiosCliCall *call)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *fields_file = NULL;
  g_autofree char *body = NULL;
  g_autofree char *rationale = NULL;
  g_auto(GStrv) field_args = NULL;
  gboolean json = FALSE;
  int limit = 0;
  gint64 version = 0;
  const GOptionEntry entries[] = {
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("Only records of this kind"), "KIND" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most this many hits"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("JSON output"), NULL },
    { "version", 0, 0, G_OPTION_ARG_INT64, &version, N_("Show this version"), "N" },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &field_args, N_("Set a field (NAME= clears it)"), "NAME=VALUE" },
    { "fields", 0, 0, G_OPTION_ARG_FILENAME, &fields_file, N_("Fields from a JSON object (- for stdin)"), "FILE" },
    { "body", 0, 0, G_OPTION_ARG_STRING, &body, N_("The free text"), "TEXT" },
    { "rationale", 0, 0, G_OPTION_ARG_STRING, &rationale, N_("Why, in a sentence"), "TEXT" },
    { NULL }
  };
  const char *usage = _("Use: aios memory search QUERY [--kind KIND] [--json] | show ID [--version N] [--json] | "
                        "history ID [--json] | diff ID FROM TO [--json] | "
                        "put KIND|ID [--field NAME=VALUE…] [--fields FILE] [--body TEXT] [--rationale TEXT] | "
                        "revert ID VERSION | delete ID | restore ID");
  char **argv;
  int argc;
  const char *sub;
  gint64 id = 0;
  AiosProvenance prov = { "operator", 0, NULL };

  if (!aios_cli_call_parse (call, entries, 1, -1, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  argc = aios_cli_call_get_argc (call);
  sub = argv[1];
  prov.rationale = rationale;

  if (g_str_equal (sub, "search") && argc >= 2)
    {
      g_autofree char *query = argc > 2 ? g_strjoinv (" ", argv + 2) : g_strdup ("");
      return search_cmd (call, query, kind, limit, json);
    }
  if (g_str_equal (sub, "put") && argc == 3)
    return put_cmd (call, argv[2], field_args, fields_file, body, rationale, json);

  if (argc < 3)
    return aios_cli_call_fail_literal (call, usage);
  if (!parse_id (argv[2], &id, &error))
    return aios_cli_call_fail (call, error);

  if (g_str_equal (sub, "show") && argc == 3)
    return show_cmd (call, id, version, json);
  if (g_str_equal (sub, "history") && argc == 3)
    return history_cmd (call, id, json);
  if (g_str_equal (sub, "diff") && argc == 5)
    {
      gint64 from = 0, to = 0;
      if (!parse_id (argv[3], &from, &error) || !parse_id (argv[4], &to, &error))
        return aios_cli_call_fail (call, error);
      return diff_cmd (call, id, from, to, json);
    }
  if (g_str_equal (sub, "revert") && argc == 4)
    {
      gint64 to = 0, v;
      if (!parse_id (argv[3], &to, &error))
        return aios_cli_call_fail (call, error);
      v = aios_memory_revert (memory, id, to, &prov, &error);
      if (v == 0)
        return aios_cli_call_fail (call, error);
      aios_cli_call_print (call, "%" PRId64 " %" PRId64 "\n", id, v);
      return 0;
    }
  if (g_str_equal (sub, "delete") && argc == 3)
    return aios_memory_delete (memory, id, &prov, &error) ? 0 : aios_cli_call_fail (call, error);
  if (g_str_equal (sub, "restore") && argc == 3)
    return aios_memory_restore (memory, id, &prov, &error) ? 0 : aios_cli_call_fail (call, error);

  return aios_cli_call_fail_literal (call, usage);
}

static void
print_notes (AiosCliCall *call,
             GPtrArray   *notes,
             const char  *what)
{
  for (guint i = 0; i < notes->len; i++)
    {
      AiosImportNote *n = g_ptr_array_index (notes, i);
      if (n->line > 0)
        aios_cli_call_print (call, _("  line %u: %s: %s\n"), n->line, what, n->message);
      else
        aios_cli_call_print (call, "  %s: %s\n", what, n->message);
    }
}

static int
import_handler (AiosCliCall *call)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(AiosImportReport) report = NULL;
  g_autofree char *source = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("JSON output"), NULL },
    { NULL }
  };
  char **argv;

  if (!aios_cli_call_parse (call, entries, 1, 1, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  bytes = aios_cli_call_read_file (call, argv[1], &error);
  if (bytes == NULL)
    return aios_cli_call_fail (call, error);
  source = g_strcmp0 (argv[1], "-") == 0 ? g_strdup (_("standard input")) : g_path_get_basename (argv[1]);
  report = aios_memory_import (memory, bytes, AIOS_IMPORT_AUTO, source, NULL, NULL, &error);
  if (report == NULL)
    return aios_cli_call_fail (call, error);

  if (json)
    {
      g_autoptr(JsonNode) node = aios_import_report_to_json (report);
      print_json (call, node);
      return 0;
    }
  aios_cli_call_print (call, _("%s: %u imported, %u updated, %u unchanged, %u skipped\n"),
                       source, report->imported, report->updated, report->unchanged, report->skipped);
  print_notes (call, report->notes, _("note"));
  print_notes (call, report->updates, _("updated"));
  print_notes (call, report->skips, _("skipped"));
  return 0;
}

static int
export_handler (AiosCliCall *call)
{
  AiosMemory *memory = aios_workspace_get_memory (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = NULL;
  char **argv;

  if (!aios_cli_call_parse (call, NULL, 0, 1, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);

  if (argv[1] == NULL || g_str_equal (argv[1], "-"))
    {
      g_autofree char *text = NULL;
      out = g_memory_output_stream_new_resizable ();
      if (!aios_memory_export (memory, out, NULL, &error) ||
          !g_output_stream_write_all (out, "", 1, NULL, NULL, &error) ||
          !g_output_stream_close (out, NULL, &error))
        return aios_cli_call_fail (call, error);
      text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
      aios_cli_call_print (call, "%s", text);
      return 0;
    }
  else
    {
      g_autoptr(GFile) file = aios_cli_call_get_file (call, argv[1]);
      /* Written beside and renamed over: a failed export never leaves half a file. */
      out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &error));
      if (out == NULL || !aios_memory_export (memory, out, NULL, &error) ||
          !g_output_stream_close (out, NULL, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Could not export to %s: %s"), argv[1], error->message);
          return aios_cli_call_fail_literal (call, message);
        }
    }
  return 0;
}

static const AiosCliCommand commands[] = {
  { "import", "FILE [--json]",
    N_("Import contacts (CSV, vCard) or a workspace export; reports each skipped row"),
    import_handler },
  { "export", "[FILE]", N_("Export the whole workspace as JSON (to standard output without FILE)"),
    export_handler },
  { "memory", "search|show|history|diff|put|revert|delete|restore …",
    N_("Search, read and change memory records (aios memory search QUERY [--kind KIND] [--json])"),
    memory_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_memory_commands (void)
{
  return commands;
}
