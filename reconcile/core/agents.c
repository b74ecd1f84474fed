/* agents: the id → name table of an account's agents and their labels. */
#include "reconcile/core/agents.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/base/str.h"

int agent_names_add(struct agent_names *an, const char *id, const char *name)
{
	if (!id)
		return 0;
	for (size_t i = 0; i < an->n; i++)
		if (strcasecmp(an->v[i].id, id) == 0)
			return 0; /* known, without a name */
	if (an->n == an->cap) {
		size_t cap = an->cap ? an->cap * 2 : 16;
		struct agent_name *v = realloc(an->v, cap * sizeof(*v));
		if (!v)
			return -1;
		an->v = v;
		an->cap = cap;
	}
	struct agent_name *e = &an->v[an->n];
	e->id = str_dup(id);
	e->name = name ? str_dup(name) : NULL;
	if (!e->id || (name && !e->name)) {
		free(e->id);
		free(e->name);
		return -1;
	}
	str_lower(e->id);
	an->n++;
	return 0;
}

const char *agent_names_lookup(const struct agent_names *an, const char *id)
{
	for (size_t i = 0; an && id && i < an->n; i++)
		if (strcasecmp(an->v[i].id, id) == 0)
			return an->v[i].name;
	return NULL;
}

size_t agent_names_find(const struct agent_names *an, const char *name,
			const char **ids, size_t max)
{
	size_t found = 0;
	for (size_t i = 0; an && name && i < an->n; i++) {
		if (!an->v[i].name || strcmp(an->v[i].name, name) != 0)
			continue;
		if (found < max)
			ids[found] = an->v[i].id;
		found++;
	}
	return found;
}

/* A name as printed: control bytes (and DEL) become '?'. */
static char *printable(const char *name)
{
	char *s = str_dup(name);
	for (char *c = s; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return s;
}

char *agent_label_named(const struct agent_names *an, const char *id,
			const char *name)
{
	const char *known = id ? agent_names_lookup(an, id) : NULL;
	if (!known)
		known = name;
	char *shown = known ? printable(known) : NULL;
	char *out = NULL;
	if (known && !shown)
		return NULL;
	if (shown && !id)
		out = str_dup(shown);
	else if (shown)
		out = str_printf("%s (%.8s\xe2\x80\xa6)", shown, id);
	else
		out = str_printf("%.8s\xe2\x80\xa6", id ? id : "");
	free(shown);
	return out;
}

char *agent_label(const struct agent_names *an, const char *id)
{
	return agent_label_named(an, id ? id : "", NULL);
}

void agent_names_release(struct agent_names *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->n; i++) {
		free(an->v[i].id);
		free(an->v[i].name);
	}
	free(an->v);
	memset(an, 0, sizeof(*an));
}
