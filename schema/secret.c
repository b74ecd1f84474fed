#include "schema/secret.h"
#include "reconcile/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void wipe_free(char *p, size_t n)
{
	str_wipe(p, n);
	free(p);
}

static int resolve_env(struct secret_ref *s, char **why)
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
	size_t n = strlen(base_dir) + strlen(path) + 2;
	char *full = malloc(n);
	if (full)
		snprintf(full, n, "%s/%s", base_dir, path);
	return full;
}

/* Reads at most SECRET_MAX_FILE_SIZE bytes of full into *out. */
static int read_secret_file(const char *full, const char *shown, char **out,
			    size_t *len, char **why)
{
	FILE *fp = fopen(full, "rb");
	if (!fp) {
		*why = str_printf("cannot read secret file %s: %s", shown,
				  strerror(errno));
		return -1;
	}
	int rc = -1;
	struct stat st;
	char *buf = NULL;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		*why =
		    str_printf("secret file %s is not a regular file", shown);
		goto out;
	}
	if (st.st_size > SECRET_MAX_FILE_SIZE) {
		*why = str_printf("secret file %s is larger than %d bytes",
				  shown, SECRET_MAX_FILE_SIZE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*why = NULL;
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		*why = str_printf("cannot read secret file %s: %s", shown,
				  strerror(errno));
		goto out;
	}
	buf[*len] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	wipe_free(buf, buf ? (size_t)st.st_size + 1 : 0);
	fclose(fp);
	return rc;
}

static int resolve_file(struct secret_ref *s, const char *base_dir, char **why)
{
	char *full = join_path(base_dir, s->ref);
	if (!full) {
		*why = NULL;
		return -1;
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = read_secret_file(full, s->ref, &buf, &len, why);
	free(full);
	if (rc != 0)
		return -1;
	if (len > 0 && buf[len - 1] == '\n') {
		buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	if (memchr(buf, '\0', len)) {
		*why = str_printf("secret file %s contains a NUL byte", s->ref);
		wipe_free(buf, len);
		return -1;
	}
	if (len == 0) {
		*why = str_printf("secret file %s is empty", s->ref);
		wipe_free(buf, len);
		return -1;
	}
	s->value = buf;
	return 0;
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
