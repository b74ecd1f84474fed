/*
 * sim_order: the registrations list order, kept between requests (see
 * sim_order.h).
 */
#include "sim_order.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sim_order {
	struct sim_order *next;
	json_t *regs;	 /* the array ordered (a reference held) */
	json_t **sorted; /* its elements in list order (borrowed) */
	size_t n, cap;
	bool valid; /* false: rebuilt by the next sim_order_get */
};

/* A registration with its key looked up once, for the full sort. */
struct sort_key {
	const char *created, *id;
	json_t *r;
	size_t index; /* in the array: equal keys keep the stored order */
};

static const char *str_or_empty(const json_t *r, const char *field)
{
	const char *v = json_string_value(json_object_get(r, field));

	return v ? v : "";
}

static int sort_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	int c = strcmp(x->created, y->created);

	if (!c)
		c = strcmp(x->id, y->id);
	if (!c)
		c = x->index < y->index ? -1 : x->index > y->index;
	return c;
}

/* r's key against (created, id). */
static int key_cmp(const json_t *r, const char *created, const char *id)
{
	int c = strcmp(str_or_empty(r, "created"), created);

	return c ? c : strcmp(str_or_empty(r, "registrationId"), id);
}

/* The first position whose key is above (created, id), or at or above it
 * when `or_equal`. */
static size_t bound(const struct sim_order *o, const char *created,
		    const char *id, bool or_equal)
{
	size_t lo = 0, hi = o->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_cmp(o->sorted[mid], created, id) < (or_equal ? 0 : 1))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct sim_order *find(struct sim_order **list, const json_t *regs)
{
	struct sim_order *o;

	for (o = *list; o; o = o->next)
		if (o->regs == regs)
			return o;
	return NULL;
}

static int build(struct sim_order *o)
{
	size_t n = json_array_size(o->regs), i;
	struct sort_key *keys = calloc(n ? n : 1, sizeof(*keys));
	json_t **sorted;

	if (!keys)
		return -1;
	if (n >= o->cap) {
		sorted = realloc(o->sorted, (n + 16) * sizeof(*sorted));
		if (!sorted) {
			free(keys);
			return -1;
		}
		o->sorted = sorted;
		o->cap = n + 16;
	}
	for (i = 0; i < n; i++) {
		keys[i].r = json_array_get(o->regs, i);
		keys[i].created = str_or_empty(keys[i].r, "created");
		keys[i].id = str_or_empty(keys[i].r, "registrationId");
		keys[i].index = i;
	}
	qsort(keys, n, sizeof(*keys), sort_cmp);
	for (i = 0; i < n; i++)
		o->sorted[i] = keys[i].r;
	free(keys);
	o->n = n;
	o->valid = true;
	return 0;
}

json_t *const *sim_order_get(struct sim_order **list, json_t *regs, size_t *n)
{
	struct sim_order *o = find(list, regs);

	*n = 0;
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return NULL;
		o->regs = json_incref(regs);
		o->next = *list;
		*list = o;
	}
	if ((!o->valid || o->n != json_array_size(regs)) && build(o) != 0) {
		o->valid = false;
		return NULL;
	}
	*n = o->n;
	return o->sorted;
}

void sim_order_add(struct sim_order **list, json_t *regs, json_t *reg)
{
	struct sim_order *o = find(list, regs);
	json_t **sorted;
	size_t k;

	if (!o || !o->valid)
		return;
	if (o->n + 1 != json_array_size(regs)) {
		o->valid = false;
		return;
	}
	if (o->n == o->cap) {
		sorted = realloc(o->sorted, 2 * o->cap * sizeof(*sorted));
		if (!sorted) {
			o->valid = false;
			return;
		}
		o->sorted = sorted;
		o->cap *= 2;
	}
	/* appended last, so after the registrations of an equal key */
	k = bound(o, str_or_empty(reg, "created"),
		  str_or_empty(reg, "registrationId"), false);
	memmove(o->sorted + k + 1, o->sorted + k,
		(o->n - k) * sizeof(*o->sorted));
	o->sorted[k] = reg;
	o->n++;
}

void sim_order_remove(struct sim_order **list, json_t *regs, json_t *reg)
{
	struct sim_order *o = find(list, regs);
	const char *created = str_or_empty(reg, "created");
	const char *id = str_or_empty(reg, "registrationId");
	size_t k;

	if (!o || !o->valid)
		return;
	if (o->n != json_array_size(regs)) {
		o->valid = false;
		return;
	}
	for (k = bound(o, created, id, true);
	     k < o->n && o->sorted[k] != reg &&
	     !key_cmp(o->sorted[k], created, id);
	     k++)
		;
	if (k == o->n || o->sorted[k] != reg) {
		o->valid = false;
		return;
	}
	memmove(o->sorted + k, o->sorted + k + 1,
		(o->n - k - 1) * sizeof(*o->sorted));
	o->n--;
}

void sim_order_clear(struct sim_order **list)
{
	struct sim_order *o, *next;

	for (o = *list; o; o = next) {
		next = o->next;
		json_decref(o->regs);
		free(o->sorted);
		free(o);
	}
	*list = NULL;
}
