/*
 * file: whole-file reads with a size limit and atomic writes (in the
 * spirit of libgit2's git_futils_writebuffer). Every failure adds one
 * error to the diag list naming the path and the reason, e.g.
 * "could not fsync '/var/lib/sipsync/x.json': No space left on device".
 */
#ifndef SIPSYNC_FILE_H
#define SIPSYNC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "reconcile/base/diag.h"

/* Reads the regular file path (at most limit bytes; a larger file, a
 * directory, FIFO or device is refused). Returns 0 with *out
 * (NUL-terminated, caller frees with free()) and *len, or -1 with a diag. */
int file_read(char **out, size_t *len, const char *path, size_t limit,
	      struct diag_list *d);

/* Writes path atomically: a temporary file in the same directory created
 * with mode, the data written in full, fsync, rename over path, fsync of
 * the directory. On failure path is untouched and no temporary file is
 * left. Returns 0, or -1 with a diag naming the path. */
int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct diag_list *d);

/* Creates dir and every missing parent with mode (mkdir -p; existing ones
 * are left as they are). 0, or -1 with errno set. */
int file_mkdirs(const char *dir, mode_t mode);

/* The directory part of path: "." when it has none, "/" for "/name".
 * Caller frees; NULL when out of memory. */
char *file_dirname(const char *path);

/* Writes all len bytes to fd (retrying short writes and EINTR). 0, or -1
 * with errno set. */
int file_write_all(int fd, const void *data, size_t len);

#endif
