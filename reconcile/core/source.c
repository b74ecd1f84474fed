#include "reconcile/core/source.h"

#include <stdlib.h>
#include <string.h>

struct source *source_new(void)
{
	return calloc(1, sizeof(struct source));
}

static int file_cmp(const void *a, const void *b)
{
	const struct source_file *fa = a, *fb = b;
	return strcmp(fa->name, fb->name);
}

int source_add(struct source *src, const char *name, const char *base_dir,
	       const char *data, size_t len)
{
	struct source_file *files =
	    realloc(src->files, (src->n_files + 1) * sizeof(*files));
	if (!files)
		return -1;
	src->files = files;
	struct source_file *f = &files[src->n_files];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->base_dir = base_dir ? strdup(base_dir) : NULL;
	f->data = malloc(len + 1);
	if (!f->name || (base_dir && !f->base_dir) || !f->data) {
		free(f->name);
		free(f->base_dir);
		free(f->data);
		return -1;
	}
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	src->n_files++;
	qsort(src->files, src->n_files, sizeof(*src->files), file_cmp);
	return 0;
}

void source_free(struct source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n_files; i++) {
		free(src->files[i].name);
		free(src->files[i].base_dir);
		free(src->files[i].data);
	}
	free(src->files);
	model_source_info_release(&src->info);
	free(src);
}
