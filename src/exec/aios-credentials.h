/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "store/aios-store.h"

G_BEGIN_DECLS

#define AIOS_CREDENTIALS_ERROR (aios_credentials_error_quark ())

typedef enum {
  AIOS_CREDENTIALS_ERROR_UNKNOWN_NAME,  /* not one of smtp, llm.cloud, invoice, webhook, intake */
  AIOS_CREDENTIALS_ERROR_INVALID,       /* empty, or the wrong shape (smtp wants user:password) */
  AIOS_CREDENTIALS_ERROR_NOT_FOUND,     /* nothing stored under that name */
  AIOS_CREDENTIALS_ERROR_UNAVAILABLE,   /* no keyring, or it is locked */
} AiosCredentialsError;

/* A credential the keyring keeps: connectors declare theirs in their class
 * (AiosConnectorClass.credential); the model service's and the intake's are
 * built in. */
typedef struct {
  const char *name;          /* the keyring name: "smtp" */
  const char *label;         /* N_(): the Preferences row */
  const char *description;   /* N_(): what it is, in `aios credentials list` */
  gboolean    user_password; /* the secret is user:password */
} AiosCredentialSpec;

#define AIOS_TYPE_CREDENTIALS (aios_credentials_get_type ())
G_DECLARE_FINAL_TYPE (AiosCredentials, aios_credentials, AIOS, CREDENTIALS, GObject)

GQuark            aios_credentials_error_quark  (void);

AiosCredentials  *aios_credentials_new          (AiosStore           *store);
const char *const *aios_credentials_list_names  (void);
const AiosCredentialSpec *aios_credentials_get_spec (const char      *name);
void              aios_credentials_declare      (const AiosCredentialSpec *spec);
const char       *aios_credentials_describe     (const char          *name);
gboolean          aios_credentials_validate     (const char          *name,
                                                 const char          *secret,
                                                 GError             **error);

/* References only (the database never holds a secret). */
gboolean          aios_credentials_has_reference (AiosCredentials    *self,
                                                  const char         *name);
GPtrArray        *aios_credentials_list_references (AiosCredentials  *self);

void              aios_credentials_lookup_async (AiosCredentials     *self,
                                                 const char          *name,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
char             *aios_credentials_lookup_finish (AiosCredentials    *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);
gboolean          aios_credentials_lookup_optional_finish (AiosCredentials  *self,
                                                           GAsyncResult     *result,
                                                           const char       *name,
                                                           char            **out_secret,
                                                           GError          **error);
void              aios_credentials_store_async  (AiosCredentials     *self,
                                                 const char          *name,
                                                 const char          *secret,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          aios_credentials_store_finish (AiosCredentials     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void              aios_credentials_clear_async  (AiosCredentials     *self,
                                                 const char          *name,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          aios_credentials_clear_finish (AiosCredentials     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Blocking variants for the one-shot command line only. */
char             *aios_credentials_lookup_sync  (AiosCredentials     *self,
                                                 const char          *name,
                                                 GError             **error);
gboolean          aios_credentials_store_sync   (AiosCredentials     *self,
                                                 const char          *name,
                                                 const char          *secret,
                                                 GError             **error);
gboolean          aios_credentials_clear_sync   (AiosCredentials     *self,
                                                 const char          *name,
                                                 GError             **error);

G_END_DECLS
