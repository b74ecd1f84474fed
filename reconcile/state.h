/*
 * state: keyed fingerprints of the write-only values sipsync last sent
 * (registration passwords, fallback secrets), one JSON file per account:
 *
 *   STATE_DIR/<domain>.json
 *   {"version": 1, "domain": "acme.sip.ultravox.ai", "keyId": "<16 hex>",
 *    "fingerprints": {"registration/alice@pbx.example.com/password": "<hex>"}}
 *
 * keyId names the API key the fingerprints were made with (the first 16
 * hex digits of HMAC-SHA256(key, "sipsync/state-key")): after a key
 * rotation they cannot be compared, and state_bind_key says so. Files
 * without keyId (older sipsync) are taken as made with the current key.
 *
 * A fingerprint is HMAC-SHA256 keyed by the API key, so the file reveals
 * nothing about the values and is useless with another key. Values are
 * never stored. The file is written atomically (temporary file in the same
 * directory, fsync, rename) with mode 0600; the directory is created 0700.
 *
 * Keys: "registration/<username>@<lowercase proxy>/password",
 *       "sip/fallbackHandler/secrets".
 */
#ifndef SIPSYNC_STATE_H
#define SIPSYNC_STATE_H

#include <stdbool.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/diag.h"
#include "reconcile/core/fpstore.h"

struct state_file;

/* Reads DIR/<domain>.json. A missing file (or directory) is an empty state.
 * The domain is lower-cased and every character outside [a-z0-9._-] is
 * replaced by '_' (a leading or repeated '.' too), so no domain can name a file
 * outside DIR. A file that is not valid state JSON, or that records another
 * domain, is an error. Returns 0 and *out (free with state_free), or -1 with a
 * diag. */
int state_load(struct state_file **out, const char *dir, const char *domain,
	       struct diag_list *d);

/* The fingerprint recorded for key (lowercase hex), or NULL. The pointer
 * stays valid until the key is set or removed, or the state is freed. */
const char *state_get(const struct state_file *s, const char *key);

/* Records (replaces) a fingerprint. It must be 64 hex digits. 0 or -1. */
int state_set(struct state_file *s, const char *key,
	      const char *fingerprint_hex);

/* Forgets key. Returns 0 (also when it was not there). */
int state_remove(struct state_file *s, const char *key);

/* Writes the file atomically (mode 0600, directory 0700 created when
 * missing). Returns 0, or -1 with a diag naming the file. */
int state_save(struct state_file *s, struct diag_list *d);

/* state_save in two steps, for a caller that saves from another thread:
 * state_text is the file's content now (NULL when out of memory; caller
 * frees), taken while nothing changes the state; state_write_text writes
 * it as state_save does, and reads nothing that state_set or state_remove
 * change. */
char *state_text(const struct state_file *s);
int state_write_text(const struct state_file *s, const char *text,
		     struct diag_list *d);

/* The fingerprints in memory (what plan_input.fps takes). */
const struct fpstore *state_store(const struct state_file *s);

/* The file path (DIR/<sanitized domain>.json). */
const char *state_path(const struct state_file *s);

/* The key id of api_key: the first 16 hex digits of
 * HMAC-SHA256(api_key, "sipsync/state-key"). 0 or -1. */
int state_key_id(const char *api_key, char out[17]);

/* Binds the state to api_key (recorded as keyId by state_save). When the
 * file recorded another key's id, every fingerprint is dropped (it was
 * keyed with the other key: compared with nothing, each write-only value
 * becomes unknown) and 1 is returned. 0 when the key is the same or the
 * file recorded none; -1 when out of memory. Call it right after
 * state_load, before state_get. */
int state_bind_key(struct state_file *s, const char *api_key);

/* True when state_bind_key dropped fingerprints made with another key. */
bool state_key_changed(const struct state_file *s);

/* Accepts NULL. */
void state_free(struct state_file *s);

/* HMAC-SHA256(api_key, value) as lowercase hex into out. 0 or -1. */
int state_fingerprint(const char *api_key, const char *value,
		      char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* The path of a per-account file in dir: "<dir>/<domain><ext>" with the
 * domain made safe as for the state file ("a/../b" cannot leave dir).
 * Caller frees; NULL when out of memory. */
char *state_file_name(const char *dir, const char *domain, const char *ext);

#endif
