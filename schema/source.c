#include "schema/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/base/file.h"

/* Refuse absurd inputs before reading them into memory. */
#define SOURCE_MAX_FILE_SIZE (16u * 1024 * 1024)

static int read_file(struct source *src, const char *path,
		     struct diag_list *diags)
{
	int rc = -1;
	char *buf = NULL, *base = NULL;
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!fp) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s: cannot open: %s",
			 path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct stat st;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > SOURCE_MAX_FILE_SIZE) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "%s: file too large (%lld bytes, limit %u)", path,
			 (long long)st.st_size, SOURCE_MAX_FILE_SIZE);
		goto out;
	}
	size_t size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf || fread(buf, 1, size, fp) != size) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s: cannot read: %s",
			 path, buf ? strerror(errno) : "out of memory");
		goto out;
	}
	base = file_dirname(path);
	if (!base || source_add(src, path, base, buf, size) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s: out of memory",
			 path);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(base);
	fclose(fp);
	return rc;
}

static int is_yaml_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return 0;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* "dir/" + name, without doubling a trailing slash; caller frees. */
static char *join_path(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), n = dlen + strlen(name) + 2;
	char *full = malloc(n);
	if (full)
		snprintf(full, n, "%s%s%s", dir,
			 dlen && dir[dlen - 1] == '/' ? "" : "/", name);
	return full;
}

/* Reads every regular *.yaml / *.yml file directly in path. Entries of
 * another kind with such a name (a directory "old.yaml", a FIFO) are not
 * desired state and are skipped; a file that cannot be read is an error,
 * and every one of them is reported, not only the first. */
static int read_dir(struct source *src, const char *path,
		    struct diag_list *diags)
{
	DIR *dir = opendir(path);
	if (!dir) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s: cannot open: %s",
			 path, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (!is_yaml_name(de->d_name))
			continue;
		char *full = join_path(path, de->d_name);
		if (!full) {
			rc = -1;
			break;
		}
		struct stat st;
		if (stat(full, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		if (read_file(src, full, diags) != 0)
			rc = -1;
		free(full);
	}
	closedir(dir);
	return rc;
}

int source_from_path(struct source **out, const char *path,
		     struct diag_list *diags)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s: %s", path,
			 strerror(errno));
		return -1;
	}
	struct source *src = source_new();
	if (!src)
		return -1;
	src->info.path = strdup(path);
	int rc = S_ISDIR(st.st_mode) ? read_dir(src, path, diags)
				     : read_file(src, path, diags);
	if (rc != 0 || !src->info.path) {
		source_free(src);
		return -1;
	}
	*out = src;
	return 0;
}
