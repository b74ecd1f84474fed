/*
 * libFuzzer target: bytes → struct source → load_desired (offline), which
 * parses YAML, walks it into the model and runs every rule. NUL bytes split
 * the input into up to four files, so directory merging is fuzzed too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/load.h"
#include "schema/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source *src = source_new();
	if (!src)
		return 0;
	const char *p = (const char *)data;
	size_t left = size;
	for (int i = 0; i < 4; i++) {
		const char *nul = i < 3 ? memchr(p, '\0', left) : NULL;
		size_t len = nul ? (size_t)(nul - p) : left;
		char name[32];
		snprintf(name, sizeof(name), "f%d.yaml", i);
		if (source_add(src, name, NULL, p, len) != 0)
			break;
		if (!nul)
			break;
		p = nul + 1;
		left -= len + 1;
	}
	struct load_opts opts = {.offline = true};
	struct diag_list diags = {0};
	struct desired_state *ds = NULL;
	load_desired(&ds, src, &opts, &diags);
	for (size_t i = 0; i < diags.len; i++) {
		char *line = diag_format(&diags.items[i]);
		free(line);
	}
	model_desired_free(ds);
	diag_list_clear(&diags);
	source_free(src);
	return 0;
}
