/*
 * route_sample: a recursive reader of a small regex subset that builds
 * the set of strings the pattern matches with the fewest repetitions,
 * then keeps those PCRE2 really matches.
 */
#include "reconcile/core/route_sample.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/route.h"

#define SAMPLE_MAX_LEN 256   /* bytes of one sample */
#define SAMPLE_MAX_DEPTH 32  /* nested groups */
#define SAMPLE_MAX_REPEAT 64 /* {n} */

struct sset {
	char *v[ROUTE_SAMPLE_MAX];
	size_t n;
};

/* The reader: bad once the pattern leaves the subset, oom once an
 * allocation failed; both stop it. */
struct sp {
	const char *s;
	size_t i;
	int depth;
	bool bad, oom;
};

static void sset_clear(struct sset *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i]);
	x->n = 0;
}

/* Adds s[0..len) unless present; beyond ROUTE_SAMPLE_MAX it is dropped. */
static void sset_add(struct sp *p, struct sset *x, const char *s, size_t len)
{
	if (len > SAMPLE_MAX_LEN) {
		p->bad = true;
		return;
	}
	for (size_t i = 0; i < x->n; i++)
		if (strlen(x->v[i]) == len && memcmp(x->v[i], s, len) == 0)
			return;
	if (x->n == ROUTE_SAMPLE_MAX)
		return;
	char *c = malloc(len + 1);
	if (!c) {
		p->oom = true;
		return;
	}
	memcpy(c, s, len);
	c[len] = '\0';
	x->v[x->n++] = c;
}

static void sset_union(struct sp *p, struct sset *acc, struct sset *more)
{
	for (size_t i = 0; i < more->n; i++)
		sset_add(p, acc, more->v[i], strlen(more->v[i]));
	sset_clear(more);
}

/* acc becomes every a + b (a of acc, b of atom). */
static void sset_product(struct sp *p, struct sset *acc,
			 const struct sset *atom)
{
	struct sset out = {0};
	char tmp[2 * SAMPLE_MAX_LEN + 1];
	for (size_t i = 0; i < acc->n && !p->bad; i++)
		for (size_t j = 0; j < atom->n && !p->bad; j++) {
			size_t la = strlen(acc->v[i]), lb = strlen(atom->v[j]);
			memcpy(tmp, acc->v[i], la);
			memcpy(tmp + la, atom->v[j], lb);
			sset_add(p, &out, tmp, la + lb);
		}
	sset_clear(acc);
	*acc = out;
}

static char peek(const struct sp *p)
{
	return p->s[p->i];
}

static void read_alt(struct sp *p, struct sset *out);

/* \d, \w and escaped punctuation; any other letter or digit escape
 * (\b, \s, \1, \x…) is outside the subset. */
static char escape_char(struct sp *p, char e)
{
	if (e == 'd')
		return '0';
	if (e == 'w')
		return 'a';
	if (!e || isalnum((unsigned char)e) || (unsigned char)e >= 0x80)
		p->bad = true;
	return e;
}

/* [...]: its first member (a negated or POSIX class is not read). */
static void read_class(struct sp *p, struct sset *out)
{
	char ch;
	p->i++;
	if (peek(p) == '^' || peek(p) == '[' ||
	    (unsigned char)peek(p) >= 0x80) {
		p->bad = true;
		return;
	}
	if (peek(p) == '\\') {
		p->i++;
		ch = escape_char(p, peek(p));
	} else {
		ch = peek(p);
	}
	if (!ch) {
		p->bad = true;
		return;
	}
	p->i++;
	while (peek(p) && peek(p) != ']') {
		if (peek(p) == '[' && p->s[p->i + 1] == ':')
			p->bad = true;
		p->i += peek(p) == '\\' && p->s[p->i + 1] ? 2 : 1;
	}
	if (!peek(p)) {
		p->bad = true;
		return;
	}
	p->i++;
	sset_add(p, out, &ch, 1);
}

static void read_group(struct sp *p, struct sset *out)
{
	p->i++;
	if (peek(p) == '?') {
		if (p->s[p->i + 1] != ':') { /* lookaround, flags, names */
			p->bad = true;
			return;
		}
		p->i += 2;
	}
	if (++p->depth > SAMPLE_MAX_DEPTH) {
		p->bad = true;
		return;
	}
	read_alt(p, out);
	p->depth--;
	if (peek(p) != ')')
		p->bad = true;
	else
		p->i++;
}

static void read_atom(struct sp *p, struct sset *out)
{
	char c = peek(p), e;
	size_t len = 1;
	switch (c) {
	case '^':
	case '$': /* anchors add nothing; PCRE2 checks where they stand */
		p->i++;
		sset_add(p, out, "", 0);
		return;
	case '(':
		read_group(p, out);
		return;
	case '[':
		read_class(p, out);
		return;
	case '\\':
		p->i++;
		e = escape_char(p, peek(p));
		if (!p->bad)
			p->i++;
		sset_add(p, out, &e, 1);
		return;
	case '.':
		p->i++;
		sset_add(p, out, "a", 1);
		return;
	case '*':
	case '+':
	case '?':
	case '{':
	case '\0':
		p->bad = true;
		return;
	default: /* one character, all bytes of a UTF-8 sequence */
		while (((unsigned char)p->s[p->i + len] & 0xc0) == 0x80)
			len++;
		sset_add(p, out, p->s + p->i, len);
		p->i += len;
	}
}

/* {n}, {n,} or {n,m}: n, or -1 when it is not one. */
static long read_braces(struct sp *p)
{
	char *end = NULL;
	if (!isdigit((unsigned char)p->s[p->i + 1]))
		return -1;
	long n = strtol(p->s + p->i + 1, &end, 10);
	if (*end == ',') {
		end++;
		while (isdigit((unsigned char)*end))
			end++;
	}
	if (*end != '}' || n > SAMPLE_MAX_REPEAT)
		return -1;
	p->i = (size_t)(end + 1 - p->s);
	return n;
}

/* An atom and its quantifier: the fewest repetitions it allows, and for
 * ? both the atom and nothing. */
static void read_quantified(struct sp *p, struct sset *atom)
{
	read_atom(p, atom);
	char q = peek(p);
	if (p->bad || p->oom || !q || !strchr("?*+{", q))
		return;
	long n = 1;
	if (q == '{') {
		n = read_braces(p);
		if (n < 0) {
			p->bad = true;
			return;
		}
	} else {
		p->i++;
		n = q == '*' ? 0 : 1;
	}
	struct sset rep = {0};
	sset_add(p, &rep, "", 0);
	for (long k = 0; k < n && !p->bad; k++)
		sset_product(p, &rep, atom);
	if (q == '?')
		sset_add(p, &rep, "", 0);
	sset_clear(atom);
	*atom = rep;
	if (peek(p) == '?' || peek(p) == '+') /* lazy, possessive */
		p->i++;
	if (peek(p) && strchr("?*+{", peek(p)))
		p->bad = true;
}

static void read_seq(struct sp *p, struct sset *out)
{
	sset_add(p, out, "", 0);
	while (!p->bad && !p->oom && peek(p) && peek(p) != '|' &&
	       peek(p) != ')') {
		struct sset atom = {0};
		read_quantified(p, &atom);
		sset_product(p, out, &atom);
		sset_clear(&atom);
	}
}

static void read_alt(struct sp *p, struct sset *out)
{
	read_seq(p, out);
	while (!p->bad && !p->oom && peek(p) == '|') {
		struct sset more = {0};
		p->i++;
		read_seq(p, &more);
		sset_union(p, out, &more);
	}
}

void route_samples_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int route_sample(const char *pattern, char ***out, size_t *n)
{
	struct sp p = {.s = pattern};
	struct sset set = {0};
	*out = NULL;
	*n = 0;
	read_alt(&p, &set);
	if (p.i < strlen(pattern)) /* a ')' without its '(' */
		p.bad = true;
	char **v = p.oom || p.bad || !set.n ? NULL : calloc(set.n, sizeof(*v));
	if (!v) {
		int rc = p.oom || (!p.bad && set.n) ? -1 : 0;
		sset_clear(&set);
		return rc;
	}
	for (size_t i = 0; i < set.n; i++) {
		char *err = NULL;
		if (route_pattern_match(pattern, set.v[i], &err) == 1)
			v[(*n)++] = set.v[i];
		else
			free(set.v[i]);
		free(err);
	}
	if (*n)
		*out = v;
	else
		free(v);
	return 0;
}
