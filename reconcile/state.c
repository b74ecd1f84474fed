#include "reconcile/state.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "reconcile/base/file.h"

#define STATE_VERSION 1

struct state_file {
	char *dir;
	char *domain;
	char *path;
	struct fpstore *fps; /* the fingerprints and their key id */
};

/* Lower-case; anything outside [a-z0-9._-] (and a leading or repeated '.')
 * becomes '_', so "../x" or "a/b" cannot leave the directory. */
static char *sanitize_domain(const char *domain)
{
	size_t n = strlen(domain);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch =
		    (unsigned char)tolower((unsigned char)domain[i]);
		bool ok = (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			  (ch == '.' && i > 0 && domain[i - 1] != '.');
		out[i] = ok ? (char)ch : '_';
	}
	out[n] = '\0';
	return out;
}

static char *join_path(const char *dir, const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s", dir, name, ext);
	return p;
}

char *state_file_name(const char *dir, const char *domain, const char *ext)
{
	char *name = sanitize_domain(domain);
	char *p = name ? join_path(dir, name, ext) : NULL;
	free(name);
	return p;
}

static int state_parse(struct state_file *s, json_t *root, struct diag_list *d)
{
	json_t *ver = json_object_get(root, "version");
	json_t *dom = json_object_get(root, "domain");
	json_t *fps = json_object_get(root, "fingerprints");
	const char *key;
	json_t *val;

	if (!json_is_object(root) || !json_is_integer(ver) ||
	    !json_is_object(fps)) {
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "%s: not a sipsync state file (delete it to start over)",
		    s->path);
		return -1;
	}
	if (json_integer_value(ver) != STATE_VERSION) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: unsupported state file version %lld", s->path,
			 (long long)json_integer_value(ver));
		return -1;
	}
	if (json_is_string(dom) &&
	    strcasecmp(json_string_value(dom), s->domain) != 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: state file records domain \"%s\", not \"%s\"",
			 s->path, json_string_value(dom), s->domain);
		return -1;
	}
	json_t *kid = json_object_get(root, "keyId");
	if (json_is_string(kid) &&
	    strlen(json_string_value(kid)) == FPSTORE_KEY_ID_LEN &&
	    fpstore_set_key_id(s->fps, json_string_value(kid)) != 0)
		return -1;
	json_object_foreach(fps, key, val)
	{
		if (json_is_string(val) &&
		    fpstore_is_fingerprint(json_string_value(val))) {
			if (state_set(s, key, json_string_value(val)) < 0)
				return -1;
		} else {
			diag_add(
			    d, DIAG_WARNING, NULL, NULL,
			    "%s: ignoring malformed fingerprint for \"%s\"",
			    s->path, key);
		}
	}
	return 0;
}

int state_load(struct state_file **out, const char *dir, const char *domain,
	       struct diag_list *d)
{
	struct state_file *s = NULL;
	char *name = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	int rc = -1;

	*out = NULL;
	if (!dir || !*dir || !domain || !*domain) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "state: no state directory or domain");
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir)) || !(s->domain = strdup(domain)) ||
	    !(name = sanitize_domain(domain)) ||
	    !(s->path = join_path(dir, name, ".json")) ||
	    !(s->fps = fpstore_new()))
		goto oom;

	root = json_load_file(s->path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (access(s->path, F_OK) != 0 && errno == ENOENT) {
			rc = 0;
			goto done;
		}
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: cannot read state file: %s", s->path, jerr.text);
		goto out;
	}
	if (state_parse(s, root, d) < 0)
		goto out;
	rc = 0;
	goto done;
oom:
	diag_add(d, DIAG_ERROR, NULL, NULL, "state: out of memory");
	goto out;
done:
	*out = s;
	s = NULL;
out:
	json_decref(root);
	free(name);
	state_free(s);
	return rc;
}

const char *state_get(const struct state_file *s, const char *key)
{
	return fpstore_get(s->fps, key);
}

int state_set(struct state_file *s, const char *key,
	      const char *fingerprint_hex)
{
	return fpstore_set(s->fps, key, fingerprint_hex);
}

int state_remove(struct state_file *s, const char *key)
{
	return fpstore_remove(s->fps, key);
}

const struct fpstore *state_store(const struct state_file *s)
{
	return s->fps;
}

const char *state_path(const struct state_file *s)
{
	return s->path;
}

static int dump_one(void *ctx, const char *key, const char *fp_hex)
{
	return json_object_set_new(ctx, key, json_string(fp_hex)) == 0 ? 0 : -1;
}

static char *state_dump(const struct state_file *s)
{
	json_t *fps = json_object();
	if (!fps || fpstore_foreach(s->fps, dump_one, fps) != 0) {
		json_decref(fps);
		return NULL;
	}
	json_t *root = json_pack(
	    "{s:i, s:s, s:o, s:s*}", "version", STATE_VERSION, "domain",
	    s->domain, "fingerprints", fps, "keyId", fpstore_key_id(s->fps));
	char *text =
	    root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	return text;
}

char *state_text(const struct state_file *s)
{
	char *text = state_dump(s);
	if (!text)
		return NULL;
	/* the file ends with a newline, as it always has */
	size_t len = strlen(text);
	char *nl = realloc(text, len + 2);
	if (!nl) {
		free(text);
		return NULL;
	}
	memcpy(nl + len, "\n", 2);
	return nl;
}

int state_write_text(const struct state_file *s, const char *text,
		     struct diag_list *d)
{
	if (file_mkdirs(s->dir, 0700) < 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: cannot create directory: %s", s->path,
			 strerror(errno));
		return -1;
	}
	/* owner only: the fingerprints are keyed, but still the account's */
	return file_write_atomic(s->path, text, strlen(text), 0600, d);
}

int state_save(struct state_file *s, struct diag_list *d)
{
	char *text = state_text(s);
	if (!text) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "%s: out of memory",
			 s->path);
		return -1;
	}
	int rc = state_write_text(s, text, d);
	free(text);
	return rc;
}

void state_free(struct state_file *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->domain);
	free(s->path);
	fpstore_free(s->fps);
	free(s);
}

int state_fingerprint(const char *api_key, const char *value,
		      char out[CRYPTO_SHA256_HEX_LEN + 1])
{
	return fpstore_fingerprint(api_key, value, out);
}

int state_key_id(const char *api_key, char out[FPSTORE_KEY_ID_LEN + 1])
{
	return fpstore_key_id_of(api_key, out);
}

int state_bind_key(struct state_file *s, const char *api_key)
{
	return fpstore_bind_key(s->fps, api_key);
}

bool state_key_changed(const struct state_file *s)
{
	return fpstore_key_changed(s->fps);
}
