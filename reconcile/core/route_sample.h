/*
 * route_sample: user parts a toUserPattern matches, read from its text, for
 * the routing impact of a plan. ^(sales|support)$ gives "sales" and
 * "support"; ^\+1555\d{4}$ gives "+15550000". Only a small subset of the
 * syntax is read (literals, escapes, classes, groups, alternation,
 * quantifiers); anything else (lookaround, backreferences, flags, a
 * negated class) leaves the pattern "not sampled". Every sample returned
 * was matched against the pattern by PCRE2, so none is a guess. Pure.
 */
#ifndef SIPSYNC_ROUTE_SAMPLE_H
#define SIPSYNC_ROUTE_SAMPLE_H

#include <stddef.h>

/* At most this many samples of one pattern (alternatives beyond it are
 * not listed). */
#define ROUTE_SAMPLE_MAX 16

/* Samples of pattern. Returns 0 and *out / *n (free with
 * route_samples_free; *n is 0 and *out NULL when the pattern is not
 * sampled), or -1 when out of memory. */
int route_sample(const char *pattern, char ***out, size_t *n);

void route_samples_free(char **v, size_t n);

#endif
