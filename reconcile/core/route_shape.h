/*
 * route_shape: the structure of a toUserPattern read from its text, for
 * route lint. The analysis is conservative: whatever it does not
 * understand counts as "may not match", so it never claims too much. No
 * allocation survives a call except route_shape_literal's text.
 */
#ifndef SIPSYNC_ROUTE_SHAPE_H
#define SIPSYNC_ROUTE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

/* True when the pattern provably matches every user part (every string
 * without a line break): the structure says so and PCRE2 matches it on
 * sample user parts. */
bool route_shape_universal(const char *pattern);

/* A pattern that is a plain string, perhaps between ^ and $. */
struct route_shape_literal {
	bool start, end;
	char *text; /* the unescaped string; the caller frees it */
};

/* True and *out when the pattern is a plain string; false otherwise (or
 * out of memory), *out then zeroed. */
bool route_shape_literal(const char *pattern, struct route_shape_literal *out);

/* True when every user part that b matches, a matches too. */
bool route_shape_literal_covers(const struct route_shape_literal *a,
				const struct route_shape_literal *b);

/* Why a piece of syntax is outside the subset that PCRE2 and Python's re
 * (the likely engine of the service) read alike. */
enum route_shape_port {
	ROUTE_SHAPE_REJECTED, /* Python's re refuses the pattern */
	ROUTE_SHAPE_PY310,    /* Python 3.11 takes it, earlier ones refuse it */
	ROUTE_SHAPE_DIFFERS,  /* Python's re takes it, matches something else */
};

/* Called once per such piece: what it is ("possessive quantifier"), and
 * where (pattern + off, len bytes). */
typedef void route_shape_report_fn(void *arg, enum route_shape_port why,
				   const char *what, const char *pattern,
				   size_t off, size_t len);

/* Scans the pattern for syntax outside the portable subset and reports
 * each piece found through report (with arg). */
void route_shape_scan_portable(const char *pattern,
			       route_shape_report_fn *report, void *arg);

#endif
