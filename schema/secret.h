/*
 * secret: resolves secret references ({env: NAME}, {file: PATH}) to their
 * values. Messages name the variable or the file, never the value.
 */
#ifndef SIPSYNC_SECRET_H
#define SIPSYNC_SECRET_H

#include <stddef.h>

#include "reconcile/model.h"

/* Secret files larger than this are refused (secrets are short). */
#define SECRET_MAX_FILE_SIZE 65536

/* Resolves s (SECRET_ENV or SECRET_FILE) and stores the value in
 * s->value (owned by s; wiped by model_secret_release). A relative file
 * path resolves against base_dir (NULL: the current directory); one
 * trailing newline ("\n" or "\r\n") is stripped. A literal is left as it
 * is. Returns 0, or -1 and *why (a message the caller frees, without the
 * secret value; NULL when out of memory). */
int secret_resolve(struct secret_ref *s, const char *base_dir, char **why);

#endif
