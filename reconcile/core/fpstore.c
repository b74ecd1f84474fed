#include "reconcile/core/fpstore.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define FPSTORE_KEY_ID_INPUT "sipsync/state-key"

struct fpstore {
	json_t *fps;	  /* object: key -> hex string */
	char *key_id;	  /* FPSTORE_KEY_ID_LEN hex digits, or NULL (none) */
	bool key_changed; /* fpstore_bind_key dropped another key's ones */
};

struct fpstore *fpstore_new(void)
{
	struct fpstore *s = calloc(1, sizeof(*s));
	if (s && !(s->fps = json_object())) {
		free(s);
		s = NULL;
	}
	return s;
}

void fpstore_free(struct fpstore *s)
{
	if (!s)
		return;
	json_decref(s->fps);
	free(s->key_id);
	free(s);
}

bool fpstore_is_fingerprint(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    i >= CRYPTO_SHA256_HEX_LEN)
			return false;
	return i == CRYPTO_SHA256_HEX_LEN;
}

const char *fpstore_get(const struct fpstore *s, const char *key)
{
	return json_string_value(json_object_get(s->fps, key));
}

int fpstore_set(struct fpstore *s, const char *key, const char *fp_hex)
{
	if (!fpstore_is_fingerprint(fp_hex))
		return -1;
	char lower[CRYPTO_SHA256_HEX_LEN + 1];
	for (size_t i = 0; i <= CRYPTO_SHA256_HEX_LEN; i++)
		lower[i] = (char)tolower((unsigned char)fp_hex[i]);
	return json_object_set_new(s->fps, key, json_string(lower)) == 0 ? 0
									 : -1;
}

int fpstore_remove(struct fpstore *s, const char *key)
{
	json_object_del(s->fps, key);
	return 0;
}

void fpstore_clear(struct fpstore *s)
{
	json_object_clear(s->fps);
}

int fpstore_foreach(const struct fpstore *s,
		    int (*fn)(void *ctx, const char *key, const char *fp_hex),
		    void *ctx)
{
	const char *key;
	json_t *val;
	json_object_foreach(s->fps, key, val)
	{
		int rc = fn(ctx, key, json_string_value(val));
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *fpstore_key_id(const struct fpstore *s)
{
	return s->key_id;
}

int fpstore_set_key_id(struct fpstore *s, const char *key_id)
{
	char *copy = key_id ? strdup(key_id) : NULL;
	if (key_id && !copy)
		return -1;
	free(s->key_id);
	s->key_id = copy;
	return 0;
}

int fpstore_bind_key(struct fpstore *s, const char *api_key)
{
	char id[FPSTORE_KEY_ID_LEN + 1];
	if (fpstore_key_id_of(api_key ? api_key : "", id) != 0)
		return -1;
	bool changed = s->key_id && strcmp(s->key_id, id) != 0;
	if (fpstore_set_key_id(s, id) != 0)
		return -1;
	if (!changed)
		return 0;
	/* keyed with another API key: they can be compared with nothing */
	json_object_clear(s->fps);
	s->key_changed = true;
	return 1;
}

bool fpstore_key_changed(const struct fpstore *s)
{
	return s->key_changed;
}

int fpstore_fingerprint(const char *api_key, const char *value,
			char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	if (!api_key || !value)
		return -1;
	return crypto_hmac_sha256_hex(api_key, strlen(api_key), value,
				      strlen(value), out);
}

int fpstore_key_id_of(const char *api_key, char out[FPSTORE_KEY_ID_LEN + 1])
{
	char full[CRYPTO_SHA256_HEX_LEN + 1];
	if (fpstore_fingerprint(api_key, FPSTORE_KEY_ID_INPUT, full) != 0)
		return -1;
	memcpy(out, full, FPSTORE_KEY_ID_LEN);
	out[FPSTORE_KEY_ID_LEN] = '\0';
	return 0;
}
