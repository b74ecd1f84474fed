/*
 * suggest: "did you mean" for misspelt keys (edit distance).
 */
#ifndef SIPSYNC_SUGGEST_H
#define SIPSYNC_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute; a difference of letter case
 * alone costs nothing) between a and b. Returns SIZE_MAX when either is
 * longer than SUGGEST_MAX_LEN. */
#define SUGGEST_MAX_LEN 64
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a likely
 * typo (distance at most 2, or a third of the word's length), else NULL.
 * candidates is NULL-terminated. The result points into candidates. */
const char *suggest_closest(const char *word, const char *const *candidates);

#endif
