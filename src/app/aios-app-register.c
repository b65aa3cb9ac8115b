/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Registering on the session bus without racing an instance that leaves.
 *
 * An `aios` started while the previous one is exiting finds the app id
 * still owned, asks that process for its actions (org.gtk.Actions) and the
 * process leaves the bus before it answers: GLib fails the registration
 * with NoReply, or with an unknown object when the leaving instance had
 * already unexported it, and g_application_run() would print "Failed to
 * register" and exit 1. Those errors mean "the owner is going away", so we
 * register again: by then the name is free and this process becomes the
 * primary instance, or a new owner answers. Anything else (no session bus,
 * a policy refusal) is reported at once.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-app-register.h"

#define REGISTER_ATTEMPTS   50
#define REGISTER_PAUSE_US   (100 * 1000)

static gboolean
owner_was_leaving (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/**
 * aios_app_register:
 * @application: the application, not registered yet
 * @argv: the process's arguments
 *
 * Registers @application before g_application_run() does, retrying for a
 * few seconds while the owner of the app id is leaving the bus. D-Bus
 * activation (`--gapplication-service`) is left to g_application_run(),
 * which must see that flag before it registers.
 *
 * Returns: %FALSE when registering failed for good; the reason was printed
 */
gboolean
aios_app_register (GApplication  *application,
                   char         **argv)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 1; argv != NULL && argv[i] != NULL; i++)
    if (g_str_equal (argv[i], "--gapplication-service"))
      return TRUE;

  for (guint attempt = 1; ; attempt++)
    {
      g_clear_error (&error);
      if (g_application_register (application, NULL, &error))
        return TRUE;
      if (attempt >= REGISTER_ATTEMPTS || !owner_was_leaving (error))
        break;
      g_debug ("The running instance left while we registered (%s); again", error->message);
      g_usleep (REGISTER_PAUSE_US);
    }

  /* TRANSLATORS: the reason comes from D-Bus */
  g_printerr ("aios: %s\n", error->message);
  g_printerr ("aios: %s\n", _("Could not register on the session bus. Is a D-Bus session running?"));
  return FALSE;
}
