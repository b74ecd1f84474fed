/*
 * libFuzzer target: bytes → policy_parse (the --policy reader: YAML, its
 * keys, CIDRs, host patterns, numbers), and when a NUL splits the input,
 * the rest as a desired-state file loaded offline and checked against the
 * policy (policy_check), so every rule runs on odd values too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/load.h"
#include "schema/policy.h"
#include "schema/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++)
		free(diag_format(&d->items[i]));
	diag_list_clear(d);
}

static void check_desired(const struct policy *p, const char *text, size_t len)
{
	struct source *src = source_new();
	struct load_opts opts = {.offline = true};
	struct diag_list d = {0};
	struct desired_state *ds = NULL;
	if (!src)
		return;
	if (source_add(src, "sip.yaml", NULL, text, len) == 0 &&
	    load_desired(&ds, src, &opts, &d) == 0 && ds)
		policy_check(p, ds, NULL, &d);
	drain(&d);
	model_desired_free(ds);
	source_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t plen = nul ? (size_t)(nul - text) : size;
	struct diag_list d = {0};
	struct policy *p = NULL;
	if (policy_parse(&p, "policy.yaml", text, plen, &d) == 0 && p && nul)
		check_desired(p, nul + 1, size - plen - 1);
	drain(&d);
	policy_free(p);
	return 0;
}
