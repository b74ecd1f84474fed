/*
 * fpstore: the keyed fingerprints of write-only values sipsync last sent,
 * in memory (key -> 64 lowercase hex digits), with the id of the API key
 * they were made with. The plan reads it; the engine's state module loads
 * it from and saves it to a file, so the pure plan never touches one.
 *
 * A fingerprint is HMAC-SHA256 keyed by the API key: it reveals nothing
 * about the value and is useless with another key.
 */
#ifndef SIPSYNC_FPSTORE_H
#define SIPSYNC_FPSTORE_H

#include <stdbool.h>

#include "reconcile/base/crypto.h"

#define FPSTORE_KEY_ID_LEN 16

struct fpstore;

/* Empty store; free with fpstore_free. NULL when out of memory. */
struct fpstore *fpstore_new(void);

/* Accepts NULL. */
void fpstore_free(struct fpstore *s);

/* The fingerprint recorded for key (lowercase hex), or NULL. The pointer
 * stays valid until the key is set or removed, or the store is freed. */
const char *fpstore_get(const struct fpstore *s, const char *key);

/* True when s is 64 hex digits (either case). */
bool fpstore_is_fingerprint(const char *s);

/* Records (replaces) a fingerprint. It must be 64 hex digits (stored in
 * lower case). 0 or -1. */
int fpstore_set(struct fpstore *s, const char *key, const char *fp_hex);

/* Forgets key. Returns 0 (also when it was not there). */
int fpstore_remove(struct fpstore *s, const char *key);

/* Removes every fingerprint. */
void fpstore_clear(struct fpstore *s);

/* Calls fn for every fingerprint (in no particular order); stops at and
 * returns the first non-zero value fn returns, else 0. */
int fpstore_foreach(const struct fpstore *s,
		    int (*fn)(void *ctx, const char *key, const char *fp_hex),
		    void *ctx);

/* The key id the fingerprints were made with (FPSTORE_KEY_ID_LEN hex
 * digits), or NULL when none is recorded. */
const char *fpstore_key_id(const struct fpstore *s);

/* Records a key id as read from a file (NULL: none). 0 or -1. */
int fpstore_set_key_id(struct fpstore *s, const char *key_id);

/* Binds the store to api_key. When it recorded another key's id, every
 * fingerprint is dropped (it was keyed with the other key: compared with
 * nothing, each write-only value becomes unknown) and 1 is returned. 0 when
 * the key is the same or none was recorded; -1 when out of memory. */
int fpstore_bind_key(struct fpstore *s, const char *api_key);

/* True when fpstore_bind_key dropped fingerprints made with another key. */
bool fpstore_key_changed(const struct fpstore *s);

/* HMAC-SHA256(api_key, value) as lowercase hex into out. 0 or -1. */
int fpstore_fingerprint(const char *api_key, const char *value,
			char out[CRYPTO_SHA256_HEX_LEN + 1]);

/* The key id of api_key: the first 16 hex digits of
 * HMAC-SHA256(api_key, "sipsync/state-key"). 0 or -1. */
int fpstore_key_id_of(const char *api_key, char out[FPSTORE_KEY_ID_LEN + 1]);

#endif
