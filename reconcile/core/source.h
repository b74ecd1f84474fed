/*
 * source: the desired-state files to load, as bytes in memory, whatever
 * they came from (a file, a directory, a git tree). The loader only ever
 * sees a struct source, so git and local paths load the same way. This is
 * the container only (pure); schema/source.h reads one from the filesystem.
 */
#ifndef SIPSYNC_CORE_SOURCE_H
#define SIPSYNC_CORE_SOURCE_H

#include <stddef.h>

#include "reconcile/core/model.h"

struct source_file {
	char *name; /* display name used in messages (path or PATH@SHORTSHA) */
	char *base_dir; /* directory that relative {file: PATH} secrets resolve
			   against; NULL means the current directory */
	char *data;	/* file contents, NUL-terminated for convenience */
	size_t len;	/* length without the terminating NUL */
};

struct source {
	struct source_file *files; /* sorted by name */
	size_t n_files;
	struct source_info info; /* where it came from (owned) */
};

/* Appends a file to src, copying name, base_dir (may be NULL) and data.
 * Returns 0, or -1 when out of memory. Keeps files sorted by name. */
int source_add(struct source *src, const char *name, const char *base_dir,
	       const char *data, size_t len);

/* Empty source; free with source_free. NULL when out of memory. */
struct source *source_new(void);

void source_free(struct source *src);

#endif
