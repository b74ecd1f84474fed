#include "reconcile/base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 64

void buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

void buf_reset(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	if (b)
		buf_reset(b);
}

void buf_wipe(struct buf *b)
{
	if (!b)
		return;
	if (b->data)
		explicit_bzero(b->data, b->cap);
	buf_reset(b);
}

/* Makes room for extra more bytes plus the NUL, within the limit. */
static int buf_grow(struct buf *b, size_t extra)
{
	if (extra > b->limit - b->len) {
		buf_reset(b);
		return -1;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		buf_reset(b);
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	/* formatted straight into the free room when it fits (the usual
	 * case), measured and formatted again only when it does not */
	size_t room = b->cap - b->len; /* with the NUL; 0 while empty */
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	int rc = -1;
	if (n < 0) {
		buf_reset(b);
		goto out;
	}
	if ((size_t)n > b->limit - b->len) {
		buf_reset(b);
		goto out;
	}
	if ((size_t)n >= room) {
		if (buf_grow(b, (size_t)n) != 0)
			goto out;
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	}
	b->len += (size_t)n;
	rc = 0;
out:
	va_end(again);
	return rc;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

size_t buf_len(const struct buf *b)
{
	return b->len;
}

char *buf_take(struct buf *b, size_t *len)
{
	char *out = b->data ? b->data : strdup("");
	if (len)
		*len = out ? b->len : 0;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return out;
}
