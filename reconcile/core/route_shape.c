/*
 * route_shape: what a regex pattern's text shows of its structure, read
 * without running it: whether it matches every user part (a small
 * conservative parser, checked on samples with PCRE2), whether it is a
 * plain string, and the syntax outside the subset that PCRE2 and Python's
 * re read alike. Matching itself is only ever done by PCRE2.
 */
#include "reconcile/core/route_shape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/route.h"

/* Reading the pattern text */

struct rx {
	const char *s;
	size_t i, n;
	bool bad; /* something not understood: claim nothing */
};

/* What a fragment can match, for sure. */
struct frag {
	bool nullable; /* the empty string, whatever is around it */
	bool any;      /* any string without a line break, whole */
};

enum anchor { ANCHOR_NONE, ANCHOR_START, ANCHOR_END };

struct atom {
	struct frag f;
	bool anychar; /* one character, any character */
	bool quantifiable;
	enum anchor anchor;
};

static char rx_peek(const struct rx *r, size_t ahead)
{
	return r->i + ahead < r->n ? r->s[r->i + ahead] : '\0';
}

/* Index just past the character class that starts at p[i] == '['. */
static size_t skip_class(const char *p, size_t i, size_t n)
{
	size_t j = i + 1;
	if (j < n && p[j] == '^')
		j++;
	if (j < n && p[j] == ']')
		j++;
	while (j < n) {
		if (p[j] == '\\') {
			j += 2;
		} else if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
			const char *e = strstr(p + j + 2, ":]");
			j = e ? (size_t)(e - p) + 2 : j + 1;
		} else if (p[j] == ']') {
			return j + 1;
		} else {
			j++;
		}
	}
	return n;
}

/* Index just past the first `close` at or after i, or n. */
static size_t skip_past(const char *p, size_t i, size_t n, char close)
{
	const char *e = memchr(p + i, close, n - i);
	return e ? (size_t)(e - p) + 1 : n;
}

/* Parses {n}, {n,} or {n,m} at p[i]; returns the index past '}' or 0. */
static size_t parse_brace(const char *p, size_t i, size_t n, unsigned long *lo,
			  unsigned long *hi)
{
	size_t j = i + 1;
	if (j >= n || !isdigit((unsigned char)p[j]))
		return 0;
	*lo = strtoul(p + j, NULL, 10);
	while (j < n && isdigit((unsigned char)p[j]))
		j++;
	*hi = *lo;
	if (j < n && p[j] == ',') {
		j++;
		*hi = (unsigned long)-1;
		if (j < n && isdigit((unsigned char)p[j]))
			*hi = strtoul(p + j, NULL, 10);
		while (j < n && isdigit((unsigned char)p[j]))
			j++;
	}
	return j < n && p[j] == '}' ? j + 1 : 0;
}

static struct frag rx_alt(struct rx *r);

static bool class_is_any(const char *p, size_t len)
{
	static const char *const any[] = {"[\\s\\S]", "[\\S\\s]", "[\\d\\D]",
					  "[\\D\\d]", "[\\w\\W]", "[\\W\\w]",
					  "[^\\n]"};
	for (size_t k = 0; k < sizeof(any) / sizeof(any[0]); k++)
		if (strlen(any[k]) == len && memcmp(p, any[k], len) == 0)
			return true;
	return false;
}

static struct atom rx_escape(struct rx *r)
{
	struct atom a = {{false, false}, false, true, ANCHOR_NONE};
	char c = rx_peek(r, 1);
	r->i += 2;
	if (c == 'Q') {
		const char *e = strstr(r->s + r->i, "\\E");
		size_t end = e ? (size_t)(e - r->s) : r->n;
		bool empty = end == r->i;
		r->i = e ? end + 2 : r->n;
		if (empty) {
			a.f.nullable = true;
			a.quantifiable = false;
		}
		return a;
	}
	if (c == 'A' || c == 'z' || c == 'Z') {
		a.anchor = c == 'A' ? ANCHOR_START : ANCHOR_END;
		a.quantifiable = false;
		return a;
	}
	if (c == 'N' && rx_peek(r, 0) != '{') {
		a.anychar = true;
		return a;
	}
	if (strchr("xopPNgk", c) && c && rx_peek(r, 0) == '{')
		r->i = skip_past(r->s, r->i, r->n, '}');
	else if ((c == 'k' || c == 'g') && rx_peek(r, 0) == '<')
		r->i = skip_past(r->s, r->i, r->n, '>');
	else if ((c == 'k' || c == 'g') && rx_peek(r, 0) == '\'')
		r->i = skip_past(r->s, r->i + 1, r->n, '\'');
	else if (c == 'c' && r->i < r->n)
		r->i++;
	/* \b \B \G \K are assertions; everything else (a character, a
	 * class like \d, a back-reference) claims nothing either */
	if (c && strchr("bBGK", c))
		a.quantifiable = false;
	return a;
}

/* The alternation inside a group and its closing ')' (a group that does
 * not close is not understood). */
static struct frag rx_group_body(struct rx *r)
{
	struct frag f = rx_alt(r);
	if (rx_peek(r, 0) == ')')
		r->i++;
	else
		r->bad = true;
	return f;
}

/* After "(?" or "(*": a group whose content cannot be read as a plain
 * one (lookaround, atomic, conditional, recursion, verb): skips it. */
static struct atom rx_opaque_group(struct rx *r)
{
	struct atom a = {{false, false}, false, true, ANCHOR_NONE};
	(void)rx_group_body(r);
	return a;
}

/* "(?flags)" or "(?flags:". Returns true when it was one. */
static bool rx_flags(struct rx *r, struct atom *a)
{
	size_t j = r->i + 2;
	while (j < r->n && (isalpha((unsigned char)r->s[j]) || r->s[j] == '-' ||
			    r->s[j] == '^'))
		j++;
	if (j >= r->n || (r->s[j] != ')' && r->s[j] != ':'))
		return false;
	if (memchr(r->s + r->i + 2, 'x', j - r->i - 2))
		r->bad = true; /* extended mode: whitespace is not literal */
	if (r->s[j] == ')') {
		r->i = j + 1;
		a->f.nullable = true;
		a->quantifiable = false;
		return true;
	}
	r->i = j + 1;
	a->f = rx_group_body(r);
	return true;
}

static struct atom rx_group(struct rx *r)
{
	struct atom a = {{false, false}, false, true, ANCHOR_NONE};
	char c1 = rx_peek(r, 1), c2 = rx_peek(r, 2);
	if (c1 == '*') {
		r->i = skip_past(r->s, r->i, r->n, ')');
		a.quantifiable = false;
		return a;
	}
	if (c1 == '?' && c2 == '#') {
		r->i = skip_past(r->s, r->i, r->n, ')');
		a.f.nullable = true;
		a.quantifiable = false;
		return a;
	}
	if (c1 == '?' && (c2 == '<' || c2 == 'P' || c2 == '\'') &&
	    rx_peek(r, 3) != '=' && rx_peek(r, 3) != '!' &&
	    !(c2 == 'P' && rx_peek(r, 3) != '<')) {
		/* named capture (?<n>…) (?P<n>…) (?'n'…) */
		r->i = skip_past(r->s, r->i + 3, r->n, c2 == '\'' ? '\'' : '>');
	} else if (c1 == '?' && c2 == ':') {
		r->i += 3;
	} else if (c1 == '?') {
		if (rx_flags(r, &a))
			return a;
		r->i += 2;
		return rx_opaque_group(r);
	} else {
		r->i += 1;
	}
	a.f = rx_group_body(r);
	return a;
}

static struct atom rx_atom(struct rx *r)
{
	struct atom a = {{false, false}, false, true, ANCHOR_NONE};
	char c = rx_peek(r, 0);
	switch (c) {
	case '\\':
		return rx_escape(r);
	case '(':
		return rx_group(r);
	case '[': {
		size_t end = skip_class(r->s, r->i, r->n);
		a.anychar = class_is_any(r->s + r->i, end - r->i);
		r->i = end;
		return a;
	}
	case '.':
		a.anychar = true;
		break;
	case '^':
	case '$':
		a.anchor = c == '^' ? ANCHOR_START : ANCHOR_END;
		a.quantifiable = false;
		break;
	case '*':
	case '+':
	case '?':
		r->bad = true; /* a quantifier with nothing before it */
		break;
	default:
		break;
	}
	r->i++;
	return a;
}

/* Applies a quantifier after an atom, if there is one. */
static struct frag rx_quantify(struct rx *r, const struct atom *a)
{
	unsigned long lo = 1, hi = 1;
	char c = rx_peek(r, 0);
	size_t next = 0;
	if (c == '*' || c == '+' || c == '?') {
		lo = c == '+';
		hi = c == '?' ? 1 : (unsigned long)-1;
		next = r->i + 1;
	} else if (c == '{') {
		next = parse_brace(r->s, r->i, r->n, &lo, &hi);
	}
	if (!next || !a->quantifiable)
		return a->f;
	r->i = next;
	if (rx_peek(r, 0) == '?' || rx_peek(r, 0) == '+')
		r->i++;
	struct frag f;
	f.nullable = lo == 0 || a->f.nullable;
	f.any =
	    (hi == (unsigned long)-1 && a->anychar) || (a->f.any && hi >= 1);
	return f;
}

/* One alternative. *universal: with top-level anchors handled (^ first,
 * $ last), the alternative matches every user part under search. */
static struct frag rx_seq(struct rx *r, bool *universal)
{
	bool nullable = true, any = false, start = false, end = false;
	bool first = true;
	while (r->i < r->n && !r->bad && rx_peek(r, 0) != '|' &&
	       rx_peek(r, 0) != ')') {
		struct atom a = rx_atom(r);
		if (first && a.anchor == ANCHOR_START) {
			start = true;
			first = false;
			continue;
		}
		first = false;
		if (end)
			nullable = false; /* $ in the middle: claim nothing */
		if (a.anchor == ANCHOR_END) {
			end = true;
			continue;
		}
		if (a.anchor != ANCHOR_NONE)
			nullable = false;
		struct frag f = rx_quantify(r, &a);
		nullable = nullable && f.nullable;
		any = any || f.any;
	}
	*universal = !r->bad && nullable && (!(start && end) || any);
	struct frag out = {nullable && !start && !end,
			   nullable && any && !start && !end};
	return out;
}

static struct frag rx_alt_u(struct rx *r, bool *universal)
{
	struct frag f = {false, false};
	*universal = false;
	for (;;) {
		bool u = false;
		struct frag s = rx_seq(r, &u);
		f.nullable = f.nullable || s.nullable;
		f.any = f.any || s.any;
		*universal = *universal || u;
		if (r->bad || rx_peek(r, 0) != '|')
			return f;
		r->i++;
	}
}

static struct frag rx_alt(struct rx *r)
{
	bool u;
	return rx_alt_u(r, &u);
}

bool route_shape_universal(const char *pattern)
{
	static const char *const samples[] = {
	    "",
	    "x",
	    "sales",
	    "+15551234",
	    "agent_0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14",
	    "a b%c;d"};
	struct rx r = {pattern, 0, strlen(pattern), false};
	bool u = false;
	(void)rx_alt_u(&r, &u);
	if (r.bad || r.i != r.n || !u)
		return false;
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		char *err = NULL;
		int m = route_pattern_match(pattern, samples[k], &err);
		free(err);
		if (m != 1)
			return false;
	}
	return true;
}

bool route_shape_literal(const char *p, struct route_shape_literal *out)
{
	size_t n = strlen(p), i = 0, o = 0;
	memset(out, 0, sizeof(*out));
	char *t = malloc(n + 1);
	if (!t)
		return false;
	if (p[0] == '^') {
		out->start = true;
		i++;
	}
	for (; i < n; i++) {
		if (p[i] == '$' && i == n - 1) {
			out->end = true;
		} else if (p[i] == '\\' && i + 1 < n &&
			   ispunct((unsigned char)p[i + 1])) {
			t[o++] = p[++i];
		} else if (strchr(".^$|?*+()[]{}\\", p[i])) {
			free(t);
			return false;
		} else {
			t[o++] = p[i];
		}
	}
	t[o] = '\0';
	out->text = t;
	return true;
}

static bool has_prefix(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Every user part that b matches, a matches too (literal patterns). */
bool route_shape_literal_covers(const struct route_shape_literal *a,
				const struct route_shape_literal *b)
{
	if (a->start && a->end)
		return b->start && b->end && strcmp(a->text, b->text) == 0;
	if (a->start)
		return b->start && has_prefix(b->text, a->text);
	if (a->end)
		return b->end && has_suffix(b->text, a->text);
	return strstr(b->text, a->text) != NULL;
}

/* Syntax outside the portable subset of PCRE2 and Python's re: the
 * service's engine is not documented, and a Django backend most likely
 * uses Python's re, which rejects or reads differently much that PCRE2
 * takes. Checked against Python 3.11. */

struct scan_ctx {
	route_shape_report_fn *report;
	void *arg;
	bool at_start; /* nothing but global flag groups seen so far */
};

/* Recursion and the like after "(?" at p[i]: the length of the token, or
 * 0 when it is none. */
static size_t recursion_len(const char *p, size_t i, size_t n)
{
	size_t j = i + 2;
	if (j < n && (p[j] == 'R' || p[j] == '&' ||
		      (p[j] == 'P' && j + 1 < n && p[j + 1] == '>') ||
		      isdigit((unsigned char)p[j]) ||
		      ((p[j] == '+' || p[j] == '-') && j + 1 < n &&
		       isdigit((unsigned char)p[j + 1]))))
		return skip_past(p, i, n, ')') - i;
	return 0;
}

/* The end of an escape \c at p[i] that takes an argument ({...}, <...>,
 * '...', a digit run or, for \c, one character). */
static size_t escape_end(const char *p, size_t i, size_t n)
{
	size_t j = i + 2;
	char c = p[i + 1];
	if (c == 'c' || ((c == 'p' || c == 'P') && j < n && p[j] != '{'))
		return j < n ? j + 1 : n; /* \cX, \pL */
	if (j < n && p[j] == '{')
		return skip_past(p, j, n, '}');
	if (j < n && (p[j] == '<' || p[j] == '\'') && strchr("gk", c))
		return skip_past(p, j + 1, n, p[j] == '<' ? '>' : '\'');
	while (c == 'g' && j < n &&
	       (isdigit((unsigned char)p[j]) || (j == i + 2 && p[j] == '-')))
		j++;
	return j;
}

struct esc_rule {
	char c;
	enum route_shape_port why;
	const char *what;
};

/* Letter escapes PCRE2 compiles and Python's re does not read alike (the
 * portable ones, \a \b \B \d \D \f \n \r \s \S \t \w \W \A \xhh, and
 * digits are not listed; other letters do not compile in PCRE2). */
static const struct esc_rule esc_rules[] = {
    {'p', ROUTE_SHAPE_REJECTED, "Unicode property"},
    {'P', ROUTE_SHAPE_REJECTED, "Unicode property"},
    {'h', ROUTE_SHAPE_REJECTED, "horizontal space class"},
    {'H', ROUTE_SHAPE_REJECTED, "non-horizontal-space class"},
    {'V', ROUTE_SHAPE_REJECTED, "non-vertical-space class"},
    {'v', ROUTE_SHAPE_DIFFERS,
     "vertical space class (a vertical tab in Python)"},
    {'R', ROUTE_SHAPE_REJECTED, "newline sequence"},
    {'X', ROUTE_SHAPE_REJECTED, "extended grapheme cluster"},
    {'C', ROUTE_SHAPE_REJECTED, "single code unit"},
    {'N', ROUTE_SHAPE_REJECTED, "\\N escape (PCRE2: not a newline, or U+hhhh)"},
    {'K', ROUTE_SHAPE_REJECTED, "match start reset"},
    {'G', ROUTE_SHAPE_REJECTED, "match start assertion"},
    {'z', ROUTE_SHAPE_REJECTED, "end-of-subject assertion (\\z)"},
    {'Z', ROUTE_SHAPE_DIFFERS,
     "end assertion \\Z (PCRE2 also before a final newline; Python: the "
     "very end)"},
    {'e', ROUTE_SHAPE_REJECTED, "escape character"},
    {'c', ROUTE_SHAPE_REJECTED, "control character escape"},
    {'o', ROUTE_SHAPE_REJECTED, "octal escape"},
    {'g', ROUTE_SHAPE_REJECTED, "back reference or subroutine call"},
    {'k', ROUTE_SHAPE_REJECTED, "named back reference (write (?P=name))"},
    {'E', ROUTE_SHAPE_REJECTED, "stray \\E"},
};

/* Handles '\' at p[i] (in a class too); returns the index after it. */
static size_t scan_escape(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	char c = i + 1 < n ? p[i + 1] : '\0';
	if (c == 'Q') {
		const char *e = strstr(p + i + 2, "\\E");
		size_t end = e ? (size_t)(e - p) + 2 : n;
		x->report(x->arg, ROUTE_SHAPE_REJECTED, "quoting", p, i,
			  end - i);
		return end;
	}
	if (c == 'x' && i + 2 < n && p[i + 2] == '{') {
		size_t end = skip_past(p, i + 2, n, '}');
		x->report(x->arg, ROUTE_SHAPE_REJECTED, "braced hex escape", p,
			  i, end - i);
		return end;
	}
	for (size_t k = 0; c && k < sizeof(esc_rules) / sizeof(*esc_rules);
	     k++) {
		if (esc_rules[k].c != c)
			continue;
		size_t end = escape_end(p, i, n);
		if (c == 'g' && end > i + 2 && p[i + 2] == '<')
			x->report(x->arg, ROUTE_SHAPE_REJECTED,
				  "subroutine call", p, i, end - i);
		else
			x->report(x->arg, esc_rules[k].why, esc_rules[k].what,
				  p, i, end - i);
		return end;
	}
	return i + 2 <= n ? i + 2 : n;
}

/* Index just past the class at p[i] == '[', reporting what is in it. */
static size_t scan_class(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	size_t j = i + 1;
	if (j < n && p[j] == '^')
		j++;
	if (j < n && p[j] == ']')
		j++;
	while (j < n) {
		if (p[j] == '\\') {
			j = scan_escape(x, p, j, n);
		} else if (p[j] == '[' && j + 1 < n &&
			   strchr(":=.", p[j + 1])) {
			char close[3] = {p[j + 1], ']', '\0'};
			const char *e = strstr(p + j + 2, close);
			size_t end = e ? (size_t)(e - p) + 2 : j + 1;
			x->report(x->arg, ROUTE_SHAPE_DIFFERS,
				  "POSIX class (in Python a plain set of "
				  "its characters)",
				  p, j, end - j);
			j = end;
		} else if (p[j] == ']') {
			return j + 1;
		} else {
			j++;
		}
	}
	return n;
}

/* True when the condition of "(?(" at p[i] names a group by number or
 * name, the only conditions Python's re reads. */
static bool condition_portable(const char *p, size_t i, size_t n)
{
	size_t j = i + 3, k = j;
	bool digits = true;
	while (k < n && (isalnum((unsigned char)p[k]) || p[k] == '_')) {
		digits &= isdigit((unsigned char)p[k]) != 0;
		k++;
	}
	if (k == j || k >= n || p[k] != ')')
		return false;
	if (digits)
		return true;
	/* PCRE2 reads these as recursion tests and DEFINE */
	bool r_test =
	    p[j] == 'R' && (k == j + 1 || isdigit((unsigned char)p[j + 1]));
	return !r_test && !(k - j == 6 && strncmp(p + j, "DEFINE", 6) == 0);
}

/* Inline flags "(?" [imsx-]* (")" | ":") at p[i]: returns the index after
 * them, reporting what Python does not take; 0 when p[i] is no flag
 * group. */
static size_t scan_flags(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	size_t j = i + 2;
	bool portable = true, minus = false, seen[128] = {false};
	while (j < n &&
	       (isalpha((unsigned char)p[j]) || p[j] == '-' || p[j] == '^')) {
		unsigned char c = (unsigned char)p[j];
		minus |= c == '-';
		portable &= (c == '-' || strchr("imsx", c)) && !seen[c];
		seen[c] = c != '-';
		j++;
	}
	if (j == i + 2 || j >= n || (p[j] != ')' && p[j] != ':'))
		return 0;
	bool global = p[j] == ')';
	if (!portable)
		x->report(x->arg, ROUTE_SHAPE_REJECTED, "inline flag", p, i,
			  j + 1 - i);
	else if (global && minus)
		x->report(x->arg, ROUTE_SHAPE_REJECTED,
			  "flag turned off for the rest of the pattern "
			  "(write (?-i:...))",
			  p, i, j + 1 - i);
	else if (global && !x->at_start)
		x->report(x->arg, ROUTE_SHAPE_REJECTED,
			  "global flag not at the start (Python 3.11 "
			  "refuses it; put it first or write (?i:...))",
			  p, i, j + 1 - i);
	return j + 1;
}

/* "(?" constructs at p[i] Python's re does not read: the length
 * reported, or 0. */
static size_t scan_extension(struct scan_ctx *x, const char *p, size_t i,
			     size_t n)
{
	char c = i + 2 < n ? p[i + 2] : '\0';
	char d = i + 3 < n ? p[i + 3] : '\0';
	size_t len = 0;
	const char *what = NULL;
	enum route_shape_port why = ROUTE_SHAPE_REJECTED;
	if (c == '|') {
		what = "branch reset group", len = 3;
	} else if ((len = recursion_len(p, i, n)) != 0) {
		what = "recursion or subroutine call";
	} else if ((c == '<' && d != '=' && d != '!') || c == '\'') {
		what = "named group (write (?P<name>...))";
		len = skip_past(p, i + 3, n, c == '<' ? '>' : '\'') - i;
	} else if (c == '>') {
		what = "atomic group", len = 3, why = ROUTE_SHAPE_PY310;
	} else if (c == 'C') {
		what = "callout", len = skip_past(p, i, n, ')') - i;
	} else if (c == '(' && !condition_portable(p, i, n)) {
		what = "condition other than a group number or name";
		len = skip_past(p, i + 3, n, ')') - i;
	}
	if (what)
		x->report(x->arg, why, what, p, i, len);
	return len;
}

/* Handles '(' at p[i]; returns the index to continue from. */
static size_t scan_group(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	if (i + 1 < n && p[i + 1] == '*') {
		size_t end = skip_past(p, i, n, ')');
		x->report(x->arg, ROUTE_SHAPE_REJECTED, "backtracking verb", p,
			  i, end - i);
		return end;
	}
	if (i + 1 >= n || p[i + 1] != '?')
		return i + 1;
	if (i + 2 < n && p[i + 2] == '#')
		return skip_past(p, i, n, ')');
	size_t len = scan_extension(x, p, i, n);
	if (len)
		return i + len;
	size_t end = scan_flags(x, p, i, n);
	if (end && p[end - 1] == ')')
		return end; /* a global flag group keeps x->at_start */
	return end ? end : i + 2;
}

/* Handles a quantifier at p[i] (after an atom); returns the index after
 * it, or i when there is none. */
static size_t scan_quantifier(struct scan_ctx *x, const char *p, size_t i,
			      size_t n)
{
	size_t end = 0;
	unsigned long lo, hi;
	if (p[i] == '*' || p[i] == '+' || p[i] == '?')
		end = i + 1;
	else if (p[i] == '{')
		end = parse_brace(p, i, n, &lo, &hi);
	if (!end && p[i] == '{' && i + 2 < n && p[i + 1] == ',' &&
	    isdigit((unsigned char)p[i + 2])) {
		/* "{,n}": literal text in PCRE2 10.42, {0,n} in Python */
		size_t e = i + 2 + strspn(p + i + 2, "0123456789");
		if (e < n && p[e] == '}') {
			x->report(x->arg, ROUTE_SHAPE_DIFFERS, "quantifier", p,
				  i, e + 1 - i);
			return e + 1;
		}
	}
	if (!end)
		return i;
	if (end < n && p[end] == '+') {
		x->report(x->arg, ROUTE_SHAPE_PY310, "possessive quantifier", p,
			  i, end + 1 - i);
		return end + 1;
	}
	return end < n && p[end] == '?' ? end + 1 : end;
}

static void scan_portable(struct scan_ctx *x, const char *p)
{
	size_t n = strlen(p), i = 0;
	bool atom = false; /* a quantifier here would apply to something */
	x->at_start = true;
	while (i < n) {
		size_t next;
		if (atom && (next = scan_quantifier(x, p, i, n)) != i) {
			i = next;
			atom = false;
			continue;
		}
		bool start = x->at_start;
		x->at_start = false;
		switch (p[i]) {
		case '\\':
			i = scan_escape(x, p, i, n);
			atom = true;
			break;
		case '[':
			i = scan_class(x, p, i, n);
			atom = true;
			break;
		case '(':
			x->at_start = start;
			next = scan_group(x, p, i, n);
			/* only a global flag group (ending in ')') keeps
			 * the start */
			x->at_start = start && next > i + 2 &&
				      p[next - 1] == ')' && p[i + 1] == '?' &&
				      isalpha((unsigned char)p[i + 2]);
			i = next;
			atom = false;
			break;
		case '|':
		case '^':
		case '$':
			i++;
			atom = false;
			break;
		default:
			i++;
			atom = true;
			break;
		}
	}
}

/* Driver */

void route_shape_scan_portable(const char *pattern,
			       route_shape_report_fn *report, void *arg)
{
	struct scan_ctx x = {report, arg, true};
	scan_portable(&x, pattern);
}
