#include "schema/secret.h"
#include "reconcile/base/str.h"
#include "reconcile/base/format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The API takes a secret as JSON text: bytes that are not UTF-8 (a Latin-1
 * value, a UTF-16 file) cannot be sent, and a JSON encoder drops them. */
#define NOT_UTF8                                                               \
	"%s %s is not valid UTF-8 text (secrets are sent as JSON strings; "    \
	"re-encode it as UTF-8)"

static void wipe_free(char *p, size_t n)
{
	str_wipe(p, n);
	free(p);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool secret_env_reserved(const char *name)
{
	if (has_prefix(name, "ULTRAVOX_"))
		return true;
	if (!has_prefix(name, "SIPSYNC_"))
		return false;
	return !has_prefix(name, "SIPSYNC_SECRET_") &&
	       !has_prefix(name, "SIPSYNC_PASSWORD_") &&
	       !has_prefix(name, "SIPSYNC_FALLBACK_SECRET_");
}

bool secret_env_name_valid(const char *name)
{
	if (!name || !(*name == '_' || (*name >= 'A' && *name <= 'Z') ||
		       (*name >= 'a' && *name <= 'z')))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

int secret_check(const struct secret_ref *s, char **why)
{
	*why = NULL;
	/* a value pasted where its name belongs must not be echoed */
	if (s->kind == SECRET_ENV && !secret_env_name_valid(s->ref)) {
		*why = str_printf("not a valid environment variable name "
				  "(letters, digits and _, not starting with "
				  "a digit); the name is not shown in case it "
				  "is a secret value");
		return -1;
	}
	if (s->kind == SECRET_ENV && s->ref && secret_env_reserved(s->ref)) {
		*why = str_printf("environment variable %s is one of "
				  "sipsync's own settings and cannot be a "
				  "secret reference",
				  s->ref);
		return -1;
	}
	return 0;
}

static int read_env(struct secret_ref *s, char **why);

static int resolve_env(struct secret_ref *s, char **why)
{
	if (secret_check(s, why) != 0)
		return -1;
	return read_env(s, why);
}

/* The names an account's apiKey may read although they are sipsync's own:
 * the API key is what they hold (ULTRAVOX_API_KEY, ULTRAVOX_API_KEY_*). */
static bool api_key_name(const char *name)
{
	return strcmp(name, "ULTRAVOX_API_KEY") == 0 ||
	       has_prefix(name, "ULTRAVOX_API_KEY_");
}

int secret_check_api_key(const struct secret_ref *s, char **why)
{
	*why = NULL;
	if (s->kind == SECRET_ENV && secret_env_name_valid(s->ref) &&
	    api_key_name(s->ref))
		return 0;
	return secret_check(s, why);
}

int secret_resolve_api_key(struct secret_ref *s, const char *base_dir,
			   bool confined, char **why)
{
	*why = NULL;
	if (s->kind == SECRET_ENV && secret_env_name_valid(s->ref) &&
	    api_key_name(s->ref))
		return read_env(s, why);
	if (confined)
		return secret_resolve_confined(s, base_dir, why);
	return secret_resolve(s, base_dir, why);
}

static int read_env(struct secret_ref *s, char **why)
{
	const char *v = getenv(s->ref);
	if (!v) {
		*why = str_printf("environment variable %s is not set", s->ref);
		return -1;
	}
	if (!*v) {
		*why = str_printf("environment variable %s is empty", s->ref);
		return -1;
	}
	if (!format_utf8_valid(v, strlen(v))) {
		*why = str_printf(NOT_UTF8, "environment variable", s->ref);
		return -1;
	}
	s->value = strdup(v);
	if (!s->value) {
		*why = NULL;
		return -1;
	}
	return 0;
}

static char *join_path(const char *base_dir, const char *path)
{
	if (path[0] == '/' || !base_dir || !*base_dir)
		return strdup(path);
	return str_printf("%s/%s", base_dir, path);
}

int secret_read_file(const char *path, const char *shown, size_t max,
		     char **out, size_t *len, char **why)
{
	*out = NULL;
	*len = 0;
	*why = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*why = str_printf("cannot read secret file %s: %s", shown,
				  strerror(errno));
		return -1;
	}
	int rc = -1;
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why =
		    str_printf("secret file %s is not a regular file", shown);
		goto out;
	}
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		*why = str_printf("secret file %s is larger than %zu bytes",
				  shown, max);
		goto out;
	}
	if (!(buf = malloc(max + 2)))
		goto out;
	while (n <= max) { /* one byte more than max tells a growing file */
		ssize_t got = read(fd, buf + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*why = str_printf("cannot read secret file %s: %s",
					  shown, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		*why = str_printf("secret file %s is larger than %zu bytes",
				  shown, max);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	wipe_free(buf, buf ? max + 2 : 0);
	close(fd);
	return rc;
}

/* Reads the secret file full (shown as ref) into s->value. */
static int read_into(struct secret_ref *s, const char *full, char **why)
{
	char *buf = NULL;
	size_t len = 0;
	if (secret_read_file(full, s->ref, SECRET_MAX_FILE_SIZE, &buf, &len,
			     why) != 0)
		return -1;
	size_t cap = len + 1;
	if (len > 0 && buf[len - 1] == '\n') {
		buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	if (memchr(buf, '\0', len)) {
		*why = str_printf("secret file %s contains a NUL byte", s->ref);
		wipe_free(buf, cap);
		return -1;
	}
	if (len == 0) {
		*why = str_printf("secret file %s is empty", s->ref);
		wipe_free(buf, cap);
		return -1;
	}
	if (!format_utf8_valid(buf, len)) {
		*why = str_printf(NOT_UTF8, "secret file", s->ref);
		wipe_free(buf, cap);
		return -1;
	}
	s->value = buf;
	return 0;
}

static int resolve_file(struct secret_ref *s, const char *base_dir, char **why)
{
	char *full = join_path(base_dir, s->ref);
	if (!full) {
		*why = NULL;
		return -1;
	}
	int rc = read_into(s, full, why);
	free(full);
	return rc;
}

/* realpath(dir/ref) must lie inside realpath(dir). */
static int resolve_file_confined(struct secret_ref *s, const char *dir,
				 char **why)
{
	char root[PATH_MAX], target[PATH_MAX];
	if (!dir) {
		*why = str_printf("secret file %s: {file: PATH} secrets in a "
				  "git repository need --secrets-dir DIR",
				  s->ref);
		return -1;
	}
	if (s->ref[0] == '/') {
		*why = str_printf("secret file %s: an absolute path is not "
				  "allowed in a git repository (paths are "
				  "relative to --secrets-dir)",
				  s->ref);
		return -1;
	}
	if (!realpath(dir, root)) {
		*why = str_printf("secrets directory %s: %s", dir,
				  strerror(errno));
		return -1;
	}
	char *full = join_path(root, s->ref);
	if (!full) {
		*why = NULL;
		return -1;
	}
	bool found = realpath(full, target) != NULL;
	int err = errno;
	free(full);
	if (!found) {
		*why = str_printf("cannot read secret file %s: %s", s->ref,
				  strerror(err));
		return -1;
	}
	size_t rl = strlen(root);
	bool inside = strncmp(target, root, rl) == 0 &&
		      (target[rl] == '/' || (rl == 1 && root[0] == '/'));
	if (!inside) {
		*why = str_printf("secret file %s is outside the secrets "
				  "directory",
				  s->ref);
		return -1;
	}
	return read_into(s, target, why);
}

int secret_resolve(struct secret_ref *s, const char *base_dir, char **why)
{
	*why = NULL;
	switch (s->kind) {
	case SECRET_ENV:
		return resolve_env(s, why);
	case SECRET_FILE:
		return resolve_file(s, base_dir, why);
	case SECRET_LITERAL:
		return 0;
	}
	return 0;
}

int secret_resolve_confined(struct secret_ref *s, const char *secrets_dir,
			    char **why)
{
	*why = NULL;
	if (s->kind == SECRET_FILE)
		return resolve_file_confined(s, secrets_dir, why);
	return secret_resolve(s, NULL, why);
}

char *secret_note(const struct secret_ref *s)
{
	if (s->kind == SECRET_LITERAL || !s->value ||
	    !format_py_strippable(s->value))
		return NULL;
	bool env = s->kind == SECRET_ENV;
	return str_printf("%s %s has leading or trailing whitespace or a line "
			  "break%s; it is sent as it is, and a copy-paste "
			  "slip is likely",
			  env ? "environment variable" : "secret file", s->ref,
			  env ? ""
			      : " (after the one final newline, which is "
				"dropped)");
}
