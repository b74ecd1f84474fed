#include "reconcile/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static void fail(struct diag_list *d, const char *what, const char *path,
		 int err)
{
	diag_add(d, DIAG_ERROR, NULL, NULL, "could not %s '%s': %s", what, path,
		 strerror(err));
}

/* Reads what fd holds, at most limit bytes, into a fresh buffer. */
static int read_fd(int fd, char **out, size_t *len, size_t limit,
		   const char *path, struct diag_list *d)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		fail(d, "stat", path, errno);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "could not read '%s': not a regular file", path);
		return -1;
	}
	if ((unsigned long long)st.st_size > limit) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "could not read '%s': larger than %zu bytes", path,
			 limit);
		return -1;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	char *data = malloc(cap + 1);
	if (!data) {
		fail(d, "read", path, ENOMEM);
		return -1;
	}
	/* read one byte more than stat said: a file that grew is refused */
	for (;;) {
		ssize_t r = read(fd, data + n, cap + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(d, "read", path, errno);
			free(data);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "could not read '%s': changed while read",
				 path);
			free(data);
			return -1;
		}
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}

int file_read(char **out, size_t *len, const char *path, size_t limit,
	      struct diag_list *d)
{
	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO is refused by fstat, never waited on */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fail(d, "open", path, errno);
		return -1;
	}
	int rc = read_fd(fd, out, len, limit, path, d);
	close(fd);
	return rc;
}

char *file_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int file_mkdirs(const char *dir, mode_t mode)
{
	char *p = strdup(dir);
	int rc = -1;
	if (!p)
		return -1;
	/* each prefix ending at a slash, then the whole path */
	for (char *c = p + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char saved = *c;
		*c = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			goto out;
		*c = saved;
		if (!saved)
			break;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static int fsync_dir(const char *dir, struct diag_list *d)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fail(d, "open", dir, errno);
		return -1;
	}
	int rc = fsync(fd);
	if (rc != 0)
		fail(d, "fsync", dir, errno);
	close(fd);
	return rc == 0 ? 0 : -1;
}

int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct diag_list *d)
{
	char *dir = file_dirname(path), *tmp = NULL;
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	int fd = -1, rc = -1;

	if (!dir || !(tmp = malloc(n))) {
		fail(d, "write", path, ENOMEM);
		goto out;
	}
	snprintf(tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fail(d, "create a temporary file for", path, errno);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		fail(d, "chmod", tmp, errno);
		goto out;
	}
	if (file_write_all(fd, data, len) != 0) {
		fail(d, "write", tmp, errno);
		goto out;
	}
	if (fsync(fd) != 0) {
		fail(d, "fsync", tmp, errno);
		goto out;
	}
	int cl = close(fd);
	fd = -1;
	if (cl != 0) {
		fail(d, "close", tmp, errno);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		fail(d, "rename", path, errno);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = fsync_dir(dir, d);
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}
