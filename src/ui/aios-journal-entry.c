/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One journal event as an item of a list model. The Timeline's model
 * creates these page by page and lets them go when the page is evicted.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-journal-entry.h"

struct _AiosJournalEntry
{
  GObject    parent_instance;

  AiosEvent *event;
};

G_DEFINE_FINAL_TYPE (AiosJournalEntry, aios_journal_entry, G_TYPE_OBJECT)

static void
aios_journal_entry_finalize (GObject *object)
{
  AiosJournalEntry *self = AIOS_JOURNAL_ENTRY (object);

  aios_event_free (self->event);
  G_OBJECT_CLASS (aios_journal_entry_parent_class)->finalize (object);
}

static void
aios_journal_entry_class_init (AiosJournalEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_journal_entry_finalize;
}

static void
aios_journal_entry_init (AiosJournalEntry *self)
{
}

/**
 * aios_journal_entry_new:
 * @event: (transfer full): the event
 */
AiosJournalEntry *
aios_journal_entry_new (AiosEvent *event)
{
  AiosJournalEntry *self = g_object_new (AIOS_TYPE_JOURNAL_ENTRY, NULL);

  self->event = event;
  return self;
}

const AiosEvent *
aios_journal_entry_get_event (AiosJournalEntry *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_ENTRY (self), NULL);
  return self->event;
}

gint64
aios_journal_entry_get_id (AiosJournalEntry *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_ENTRY (self), 0);
  return self->event->id;
}

/**
 * aios_journal_kind_is_checkpoint:
 *
 * Decisions: approvals asked for and decided, and what a policy allowed or
 * denied without asking. The model's "decisions only" filter uses the same
 * rule in SQL.
 */
gboolean
aios_journal_kind_is_checkpoint (const char *kind)
{
  return kind != NULL && (g_str_has_prefix (kind, "approval.") || g_str_has_prefix (kind, "policy."));
}

/**
 * aios_journal_kind_is_failure:
 *
 * What went wrong: anything that failed (a step, a send, a run that now
 * needs attention), a send whose outcome is unknown, a budget exceeded.
 */
gboolean
aios_journal_kind_is_failure (const char *kind)
{
  return kind != NULL && (g_str_has_suffix (kind, ".failed") ||
                          g_str_equal (kind, "outbox.unknown") ||
                          g_str_equal (kind, "budget.exceeded"));
}

gboolean
aios_journal_entry_is_checkpoint (AiosJournalEntry *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_ENTRY (self), FALSE);
  return aios_journal_kind_is_checkpoint (self->event->kind);
}

gboolean
aios_journal_entry_is_failure (AiosJournalEntry *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_ENTRY (self), FALSE);
  return aios_journal_kind_is_failure (self->event->kind);
}

/* Who acted: the operator, the system, an agent or a connector. */
const char *
aios_journal_entry_get_icon_name (AiosJournalEntry *self)
{
  const char *actor;

  g_return_val_if_fail (AIOS_IS_JOURNAL_ENTRY (self), NULL);
  actor = self->event->actor;
  if (aios_journal_entry_is_failure (self))
    return "dialog-warning-symbolic";
  if (g_strcmp0 (actor, "operator") == 0)
    return "avatar-default-symbolic";
  if (g_str_has_prefix (actor, "agent:"))
    return "applications-science-symbolic";
  if (g_str_has_prefix (actor, "connector:"))
    return "network-transmit-symbolic";
  return "emblem-system-symbolic";
}

/**
 * aios_journal_format_actor:
 *
 * Returns: (transfer full): who acted, in words: "You", "Aios", "qa agent"
 */
char *
aios_journal_format_actor (const char *actor)
{
  if (actor == NULL || g_str_equal (actor, "system"))
    return g_strdup (_("Aios"));
  if (g_str_equal (actor, "operator"))
    return g_strdup (_("You"));
  if (g_str_has_prefix (actor, "agent:"))
    /* Translators: %s is an agent's role, e.g. "outreach-writer" */
    return g_strdup_printf (_("%s agent"), actor + strlen ("agent:"));
  if (g_str_has_prefix (actor, "connector:"))
    /* Translators: %s is a connector's name, e.g. "email" */
    return g_strdup_printf (_("%s connector"), actor + strlen ("connector:"));
  return g_strdup (actor);
}

static GDateTime *
local_time (gint64 ts_ms)
{
  return g_date_time_new_from_unix_local (ts_ms / 1000);
}

/* Returns: (transfer full): the day heading: "Today", "Yesterday", a date */
char *
aios_journal_format_day (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = local_time (ts_ms);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  int y, m, d, ny, nm, nd;

  g_date_time_get_ymd (when, &y, &m, &d);
  g_date_time_get_ymd (now, &ny, &nm, &nd);
  if (y == ny && m == nm && d == nd)
    return g_strdup (_("Today"));
  g_date_time_get_ymd (yesterday, &ny, &nm, &nd);
  if (y == ny && m == nm && d == nd)
    return g_strdup (_("Yesterday"));
  if (y == g_date_time_get_year (now))
    /* Translators: a day heading in the Timeline, strftime format */
    return g_date_time_format (when, _("%A, %-d %B"));
  /* Translators: a day heading of another year, strftime format */
  return g_date_time_format (when, _("%A, %-d %B %Y"));
}

/* Returns: (transfer full): the time of day, as the locale writes it */
char *
aios_journal_format_time (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = local_time (ts_ms);

  /* Translators: a time of day in a list, strftime format */
  return g_date_time_format (when, _("%H:%M"));
}

/* Returns: (transfer full): a full date and time, to the second */
char *
aios_journal_format_date_time (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = local_time (ts_ms);

  /* Translators: a full date and time, strftime format */
  return g_date_time_format (when, _("%-d %B %Y at %H:%M:%S"));
}
