/*
 * buf: one growable byte buffer with a size limit (in the spirit of curl's
 * lib/curlx/dynbuf.h). The content is always NUL-terminated; the limit
 * counts the bytes without the NUL. Every function returns 0, or -1 when
 * out of memory or when the content would exceed the limit; after a
 * failure the buffer is reset (empty), so a truncated text is never used.
 *
 *   struct buf b;
 *   buf_init(&b, 1 << 20);
 *   if (buf_addf(&b, "%s: %d", name, n) != 0) ...
 *   char *text = buf_take(&b, NULL); // caller owns, free()
 */
#ifndef SIPSYNC_BUF_H
#define SIPSYNC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL while empty */
	size_t len;
	size_t cap;
	size_t limit; /* max len */
};

/* An empty buffer that may hold at most limit bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t limit);

/* Appends len bytes (may contain NUL bytes). 0 or -1. */
int buf_add(struct buf *b, const void *data, size_t len);

/* Appends a NUL-terminated string. 0 or -1. */
int buf_adds(struct buf *b, const char *s);

/* Appends printf-formatted text. 0 or -1. */
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The content (NUL-terminated; "" while empty) and its length. */
const char *buf_str(const struct buf *b);
size_t buf_len(const struct buf *b);

/* Hands the content over: the caller owns it and frees it with free().
 * Never NULL unless out of memory (an empty buffer gives ""). *len gets the
 * length when len is not NULL. The buffer is left empty, limit kept. */
char *buf_take(struct buf *b, size_t *len);

/* Empties the buffer and frees its memory (limit kept). */
void buf_reset(struct buf *b);

/* Frees the memory; accepts NULL. */
void buf_free(struct buf *b);

/* As buf_reset, but zeroes the whole allocation first: for content that
 * may hold secrets (an API answer). Accepts NULL. */
void buf_wipe(struct buf *b);

#endif
