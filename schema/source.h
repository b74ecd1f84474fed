/*
 * source (filesystem): reads a struct source (reconcile/core/source.h) from
 * a file or a directory.
 */
#ifndef SIPSYNC_SOURCE_H
#define SIPSYNC_SOURCE_H

#include "reconcile/base/diag.h"
#include "reconcile/core/source.h"

/* Reads PATH: a single file, or every *.yaml / *.yml directly in a
 * directory, sorted by name. A directory with no YAML file yields a source
 * with n_files == 0 (callers decide whether that is an error).
 * On success returns 0 and *out (free with source_free). On failure returns
 * -1 and adds one error to diags naming the path and the reason. */
int source_from_path(struct source **out, const char *path,
		     struct diag_list *diags);

#endif
