/*
 * secret: resolves secret references ({env: NAME}, {file: PATH}) to their
 * values. Messages name the variable or the file, never the value.
 *
 * sipsync's own settings are never readable through a reference, whatever
 * the source: every ULTRAVOX_* variable (the API key) and every SIPSYNC_*
 * variable (the git token, the simulator key, ...) except the names kept
 * for secrets: SIPSYNC_SECRET_*, and SIPSYNC_PASSWORD_* and
 * SIPSYNC_FALLBACK_SECRET_* (the placeholders `sipsync export` writes).
 */
#ifndef SIPSYNC_SECRET_H
#define SIPSYNC_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/core/model.h"

/* Secret files larger than this are refused (secrets are short). */
#define SECRET_MAX_FILE_SIZE 65536

/* True when the environment variable name is one of sipsync's own
 * settings, which a secret reference may not read (see above). */
bool secret_env_reserved(const char *name);

/* True when name matches [A-Za-z_][A-Za-z0-9_]*. */
bool secret_env_name_valid(const char *name);

/* The checks that need no value (an invalid or reserved variable name),
 * e.g. for an offline validation. Returns 0, or -1 and *why (as below). */
int secret_check(const struct secret_ref *s, char **why);

/* Resolves s (SECRET_ENV or SECRET_FILE) and stores the value in
 * s->value (owned by s; wiped by model_secret_release). A relative file
 * path resolves against base_dir (NULL: the current directory); one
 * trailing newline ("\n" or "\r\n") is stripped. A literal is left as it
 * is. A reserved variable is refused, and so is a value that is not valid
 * UTF-8 or (a file) holds a NUL byte. Returns 0, or -1 and *why (a message
 * the caller frees, without the secret value; NULL when out of memory). */
int secret_resolve(struct secret_ref *s, const char *base_dir, char **why);

/* As secret_resolve, for a source whose text sipsync does not control (a
 * git repository): a file path is relative and must stay inside
 * secrets_dir once every symlink and ".." is resolved; with secrets_dir
 * NULL every file reference is refused. */
int secret_resolve_confined(struct secret_ref *s, const char *secrets_dir,
			    char **why);

/* An account's apiKey (schema/accounts.h): as secret_check and
 * secret_resolve (secret_resolve_confined when confined), except that
 * ULTRAVOX_API_KEY and ULTRAVOX_API_KEY_* may be read: the API key is
 * what they hold. Every other reserved name is still refused. */
int secret_check_api_key(const struct secret_ref *s, char **why);
int secret_resolve_api_key(struct secret_ref *s, const char *base_dir,
			   bool confined, char **why);

/* A warning for a resolved value that begins or ends with whitespace or a
 * line break (by Python's str.isspace()), naming the variable or file but
 * not the value; NULL when there is nothing to say (or out of memory). The
 * caller frees it. */
char *secret_note(const struct secret_ref *s);

/* Reads a secret file of at most max bytes without ever blocking: only a
 * regular file is read (a FIFO, device or directory is refused at once).
 * shown names the file in messages. Returns 0 and *out (NUL-terminated,
 * *len bytes; wipe it, then free), or -1 and *why (the caller frees; NULL
 * when out of memory). */
int secret_read_file(const char *path, const char *shown, size_t max,
		     char **out, size_t *len, char **why);

#endif
