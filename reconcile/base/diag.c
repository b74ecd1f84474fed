#include "reconcile/base/diag.h"
#include "reconcile/base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct diag *diag_push(struct diag_list *list)
{
	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct diag *items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return NULL;
		list->items = items;
		list->cap = cap;
	}
	struct diag *d = &list->items[list->len];
	memset(d, 0, sizeof(*d));
	return d;
}

static void diag_release(struct diag *d)
{
	free(d->file);
	free(d->path);
	free(d->method);
	free(d->url_path);
	free(d->message);
}

int diag_addv(struct diag_list *list, enum diag_severity sev,
	      const struct pos *place, const char *path, const char *fmt,
	      va_list ap)
{
	struct diag *d = diag_push(list);
	if (!d)
		return -1;
	d->severity = sev;
	d->message = str_vprintf(fmt, ap);
	d->path = str_dup(path);
	if (place && place->file) {
		d->file = strdup(place->file);
		d->line = place->line;
		d->col = place->col;
	}
	if (!d->message || (path && !d->path) ||
	    (place && place->file && !d->file)) {
		diag_release(d);
		return -1;
	}
	list->len++;
	return 0;
}

int diag_add(struct diag_list *list, enum diag_severity sev,
	     const struct pos *place, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = diag_addv(list, sev, place, path, fmt, ap);
	va_end(ap);
	return rc;
}

int diag_add_http(struct diag_list *list, const char *method,
		  const char *url_path, long status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = diag_addv(list, DIAG_ERROR, NULL, NULL, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	struct diag *d = &list->items[list->len - 1];
	d->method = str_dup(method);
	d->url_path = str_dup(url_path);
	d->status = status;
	if ((method && !d->method) || (url_path && !d->url_path)) {
		diag_release(d);
		list->len--;
		return -1;
	}
	return 0;
}

int diag_list_move(struct diag_list *dst, struct diag_list *src)
{
	for (size_t i = 0; i < src->len; i++) {
		struct diag *d = diag_push(dst);
		if (!d) { /* src keeps what was not moved: no item in both */
			memmove(src->items, src->items + i,
				(src->len - i) * sizeof(src->items[0]));
			src->len -= i;
			return -1;
		}
		*d = src->items[i];
		dst->len++;
	}
	free(src->items);
	memset(src, 0, sizeof(*src));
	return 0;
}

static int diag_cmp(const struct diag *a, const struct diag *b)
{
	if (!a->file || !b->file)
		return (a->file == NULL) - (b->file == NULL);
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void diag_list_sort(struct diag_list *list)
{
	/* insertion sort: stable, and lists are short */
	for (size_t i = 1; i < list->len; i++) {
		struct diag tmp = list->items[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&list->items[j - 1], &tmp) > 0) {
			list->items[j] = list->items[j - 1];
			j--;
		}
		list->items[j] = tmp;
	}
}

size_t diag_list_count(const struct diag_list *list, enum diag_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < list->len; i++)
		n += list->items[i].severity == sev;
	return n;
}

bool diag_list_has_errors(const struct diag_list *list)
{
	return diag_list_count(list, DIAG_ERROR) > 0;
}

void diag_list_clear(struct diag_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		diag_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

const char *diag_severity_name(enum diag_severity sev)
{
	switch (sev) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_NOTE:
		return "note";
	}
	return "error";
}

char *diag_format(const struct diag *d)
{
	char place[512] = "", req[512] = "", path[512] = "";
	if (d->file)
		snprintf(place, sizeof(place), "%s:%u:%u: ", d->file, d->line,
			 d->col);
	if (d->method && d->status)
		snprintf(req, sizeof(req), "%s %s: %ld: ", d->method,
			 d->url_path ? d->url_path : "", d->status);
	else if (d->method)
		snprintf(req, sizeof(req), "%s %s: ", d->method,
			 d->url_path ? d->url_path : "");
	if (d->path)
		snprintf(path, sizeof(path), "%s: ", d->path);
	const char *sev = diag_severity_name(d->severity);
	size_t n = strlen(place) + strlen(sev) + 2 + strlen(req) +
		   strlen(path) + strlen(d->message) + 1;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s: %s%s%s", place, sev, req, path,
			 d->message);
	return out;
}
