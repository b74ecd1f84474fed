/*
 * route lint: findings about allowedAgents patterns that the service would
 * accept but that do not do what their author meant.
 *
 * To prove that a pattern matches every user part (and so shadows every
 * allowance after it), the pattern text is read by a small conservative
 * analysis: whatever it does not understand counts as "may not match", so
 * it never claims too much, and every claim is double-checked by running
 * the pattern with PCRE2 on sample user parts. The domain is "user parts
 * without a line break" (a SIP user part has none). Matching itself is
 * only ever done by PCRE2.
 */
#include "reconcile/core/route.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUOTE_MAX 200

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

/* After "(?" or "(*": a group whose content cannot be read as a plain
 * one (lookaround, atomic, conditional, recursion, verb): skips it. */
static struct atom rx_opaque_group(struct rx *r)
{
	struct atom a = {{false, false}, false, true, ANCHOR_NONE};
	(void)rx_alt(r);
	if (rx_peek(r, 0) == ')')
		r->i++;
	else
		r->bad = true;
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
	a->f = rx_alt(r);
	if (rx_peek(r, 0) == ')')
		r->i++;
	else
		r->bad = true;
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
	a.f = rx_alt(r);
	if (rx_peek(r, 0) == ')')
		r->i++;
	else
		r->bad = true;
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

static bool pattern_universal(const char *pattern)
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

/* A pattern that is a plain string, perhaps between ^ and $. */
struct lit {
	bool start, end;
	char *text;
};

static bool pattern_literal(const char *p, struct lit *out)
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
static bool literal_covers(const struct lit *a, const struct lit *b)
{
	if (a->start && a->end)
		return b->start && b->end && strcmp(a->text, b->text) == 0;
	if (a->start)
		return b->start && has_prefix(b->text, a->text);
	if (a->end)
		return b->end && has_suffix(b->text, a->text);
	return strstr(b->text, a->text) != NULL;
}

/* Per allowance facts */

struct pat {
	const struct agent_allowance *a;
	char *eff; /* effective pattern */
	bool ok;   /* compiles */
	bool universal;
	bool empty; /* matches the empty string */
	bool is_lit;
	struct lit lit;
	char path[64];
};

enum cover { COVER_NONE, COVER_ALL, COVER_SAME, COVER_SUBSET };

static enum cover covers(const struct pat *a, const struct pat *b)
{
	if (!a->ok || !b->ok)
		return COVER_NONE;
	if (a->universal)
		return COVER_ALL;
	if (strcmp(a->eff, b->eff) == 0)
		return COVER_SAME;
	if (a->is_lit && b->is_lit && literal_covers(&a->lit, &b->lit))
		return COVER_SUBSET;
	return COVER_NONE;
}

static const char *cover_reason(enum cover c)
{
	switch (c) {
	case COVER_ALL:
		return "matches every user part";
	case COVER_SAME:
		return "is the same";
	default:
		return "matches every user part this one matches";
	}
}

struct linter {
	const struct sip_config *sip;
	struct pat *p;
	size_t n;
	enum diag_severity sev;
	struct diag_list *d;
};

static const struct pos *place_of(const struct agent_allowance *a)
{
	if (a->to_user_pattern && a->pattern_pos.file)
		return &a->pattern_pos;
	return a->pos.file ? &a->pos : NULL;
}

static bool same_agent(const struct pat *a, const struct pat *b)
{
	return a->a->agent_id && b->a->agent_id &&
	       strcasecmp(a->a->agent_id, b->a->agent_id) == 0;
}

/* What never gets a call after a pattern that matches everything. */
static const char *unreachable_rest(const struct linter *l, size_t j)
{
	bool more = j + 1 < l->n;
	bool all = l->sip->allow_all_state == FIELD_SET && l->sip->allow_all;
	bool fb = l->sip->fallback_state == FIELD_SET;
	if (more && (all || fb))
		return "; the allowances after it, allowAllAgents and the "
		       "fallback handler never get a call";
	if (more)
		return "; the allowances after it never match";
	if (all || fb)
		return "; allowAllAgents and the fallback handler never get a "
		       "call";
	return "";
}

static void lint_empty(struct linter *l, size_t j)
{
	struct pat *p = &l->p[j];
	if (!p->empty)
		return;
	char *q = route_quote(p->eff, QUOTE_MAX);
	if (p->universal)
		diag_add(l->d, l->sev, place_of(p->a), p->path,
			 "pattern %s matches the empty string anywhere, so it "
			 "matches every user part%s",
			 q ? q : "", unreachable_rest(l, j));
	else
		diag_add(l->d, l->sev, place_of(p->a), p->path,
			 "pattern %s matches the empty string: a call whose To "
			 "URI has no user part lands here",
			 q ? q : "");
	free(q);
}

static bool lint_shadowed(struct linter *l, size_t j)
{
	struct pat *b = &l->p[j];
	for (size_t i = 0; i < j; i++) {
		enum cover c = covers(&l->p[i], b);
		if (c == COVER_NONE)
			continue;
		char *qi = route_quote(l->p[i].eff, QUOTE_MAX);
		char *qj = route_quote(b->eff, QUOTE_MAX);
		bool same = same_agent(&l->p[i], b);
		diag_add(l->d, l->sev, place_of(b->a), b->path,
			 "never matches%s%s%s: allowedAgents[%zu] comes first "
			 "and its pattern %s %s%s",
			 b->a->to_user_pattern ? "" : " (default pattern ",
			 b->a->to_user_pattern ? "" : (qj ? qj : ""),
			 b->a->to_user_pattern ? "" : ")", i, qi ? qi : "",
			 cover_reason(c),
			 same ? "; both route to the same agent, so this entry "
				"is redundant"
			      : "");
		free(qi);
		free(qj);
		return true;
	}
	return false;
}

/* i is redundant when a later entry k for the same agent covers it and
 * every entry between routes to that agent too. */
static void lint_redundant(struct linter *l, size_t i)
{
	for (size_t k = i + 1; k < l->n; k++) {
		if (!same_agent(&l->p[i], &l->p[k]))
			return;
		enum cover c = covers(&l->p[k], &l->p[i]);
		if (c == COVER_NONE || covers(&l->p[i], &l->p[k]) != COVER_NONE)
			continue;
		char *q = route_quote(l->p[k].eff, QUOTE_MAX);
		diag_add(
		    l->d, l->sev, place_of(l->p[i].a), l->p[i].path,
		    "redundant: allowedAgents[%zu] routes to the same agent "
		    "and its pattern %s %s",
		    k, q ? q : "", cover_reason(c));
		free(q);
		return;
	}
}

/* Syntax outside the portable subset of PCRE2 and Python's re: the
 * service's engine is not documented, and a Django backend most likely
 * uses Python's re, which rejects or reads differently much that PCRE2
 * takes. Checked against Python 3.11. */

enum port {
	PORT_REJECTED, /* Python's re refuses the pattern */
	PORT_PY310,    /* Python 3.11 takes it, earlier versions refuse it */
	PORT_DIFFERS,  /* Python's re takes it and matches something else */
};

struct scan_ctx {
	struct linter *l;
	size_t j;
	bool at_start; /* nothing but global flag groups seen so far */
};

static void report_syntax(struct scan_ctx *x, enum port why, const char *what,
			  const char *p, size_t off, size_t len)
{
	static const char *const reason[] = {
	    [PORT_REJECTED] = "Python's re (the likely engine of the "
			      "service) rejects it",
	    [PORT_PY310] = "Python's re before 3.11 rejects it",
	    [PORT_DIFFERS] = "Python's re (the likely engine of the "
			     "service) reads it differently",
	};
	struct pat *pt = &x->l->p[x->j];
	char *frag = strndup(p + off, len);
	char *q = frag ? route_quote(frag, 40) : NULL;
	diag_add(x->l->d, x->l->sev, place_of(pt->a), pt->path,
		 "PCRE2-only syntax: %s %s at offset %zu; %s; keep to what "
		 "PCRE2 and Python's re read alike",
		 what, q ? q : "", off, reason[why]);
	free(q);
	free(frag);
}

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
	enum port why;
	const char *what;
};

/* Letter escapes PCRE2 compiles and Python's re does not read alike (the
 * portable ones, \a \b \B \d \D \f \n \r \s \S \t \w \W \A \xhh, and
 * digits are not listed; other letters do not compile in PCRE2). */
static const struct esc_rule esc_rules[] = {
    {'p', PORT_REJECTED, "Unicode property"},
    {'P', PORT_REJECTED, "Unicode property"},
    {'h', PORT_REJECTED, "horizontal space class"},
    {'H', PORT_REJECTED, "non-horizontal-space class"},
    {'V', PORT_REJECTED, "non-vertical-space class"},
    {'v', PORT_DIFFERS, "vertical space class (a vertical tab in Python)"},
    {'R', PORT_REJECTED, "newline sequence"},
    {'X', PORT_REJECTED, "extended grapheme cluster"},
    {'C', PORT_REJECTED, "single code unit"},
    {'N', PORT_REJECTED, "\\N escape (PCRE2: not a newline, or U+hhhh)"},
    {'K', PORT_REJECTED, "match start reset"},
    {'G', PORT_REJECTED, "match start assertion"},
    {'z', PORT_REJECTED, "end-of-subject assertion (\\z)"},
    {'Z', PORT_DIFFERS,
     "end assertion \\Z (PCRE2 also before a final newline; Python: the "
     "very end)"},
    {'e', PORT_REJECTED, "escape character"},
    {'c', PORT_REJECTED, "control character escape"},
    {'o', PORT_REJECTED, "octal escape"},
    {'g', PORT_REJECTED, "back reference or subroutine call"},
    {'k', PORT_REJECTED, "named back reference (write (?P=name))"},
    {'E', PORT_REJECTED, "stray \\E"},
};

/* Handles '\' at p[i] (in a class too); returns the index after it. */
static size_t scan_escape(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	char c = i + 1 < n ? p[i + 1] : '\0';
	if (c == 'Q') {
		const char *e = strstr(p + i + 2, "\\E");
		size_t end = e ? (size_t)(e - p) + 2 : n;
		report_syntax(x, PORT_REJECTED, "quoting", p, i, end - i);
		return end;
	}
	if (c == 'x' && i + 2 < n && p[i + 2] == '{') {
		size_t end = skip_past(p, i + 2, n, '}');
		report_syntax(x, PORT_REJECTED, "braced hex escape", p, i,
			      end - i);
		return end;
	}
	for (size_t k = 0; c && k < sizeof(esc_rules) / sizeof(*esc_rules);
	     k++) {
		if (esc_rules[k].c != c)
			continue;
		size_t end = escape_end(p, i, n);
		if (c == 'g' && end > i + 2 && p[i + 2] == '<')
			report_syntax(x, PORT_REJECTED, "subroutine call", p, i,
				      end - i);
		else
			report_syntax(x, esc_rules[k].why, esc_rules[k].what, p,
				      i, end - i);
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
			report_syntax(x, PORT_DIFFERS,
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
		report_syntax(x, PORT_REJECTED, "inline flag", p, i, j + 1 - i);
	else if (global && minus)
		report_syntax(x, PORT_REJECTED,
			      "flag turned off for the rest of the pattern "
			      "(write (?-i:...))",
			      p, i, j + 1 - i);
	else if (global && !x->at_start)
		report_syntax(x, PORT_REJECTED,
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
	enum port why = PORT_REJECTED;
	if (c == '|') {
		what = "branch reset group", len = 3;
	} else if ((len = recursion_len(p, i, n)) != 0) {
		what = "recursion or subroutine call";
	} else if ((c == '<' && d != '=' && d != '!') || c == '\'') {
		what = "named group (write (?P<name>...))";
		len = skip_past(p, i + 3, n, c == '<' ? '>' : '\'') - i;
	} else if (c == '>') {
		what = "atomic group", len = 3, why = PORT_PY310;
	} else if (c == 'C') {
		what = "callout", len = skip_past(p, i, n, ')') - i;
	} else if (c == '(' && !condition_portable(p, i, n)) {
		what = "condition other than a group number or name";
		len = skip_past(p, i + 3, n, ')') - i;
	}
	if (what)
		report_syntax(x, why, what, p, i, len);
	return len;
}

/* Handles '(' at p[i]; returns the index to continue from. */
static size_t scan_group(struct scan_ctx *x, const char *p, size_t i, size_t n)
{
	if (i + 1 < n && p[i + 1] == '*') {
		size_t end = skip_past(p, i, n, ')');
		report_syntax(x, PORT_REJECTED, "backtracking verb", p, i,
			      end - i);
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
			report_syntax(x, PORT_DIFFERS, "quantifier", p, i,
				      e + 1 - i);
			return e + 1;
		}
	}
	if (!end)
		return i;
	if (end < n && p[end] == '+') {
		report_syntax(x, PORT_PY310, "possessive quantifier", p, i,
			      end + 1 - i);
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

static int pats_init(struct linter *l, const struct sip_config *sip)
{
	l->n = sip->n_agents;
	l->p = calloc(l->n ? l->n : 1, sizeof(*l->p));
	if (!l->p)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct pat *p = &l->p[i];
		char *err = NULL;
		p->a = &sip->agents[i];
		snprintf(p->path, sizeof(p->path),
			 "sip.allowedAgents[%zu].toUserPattern", i);
		p->eff = model_effective_pattern(p->a);
		if (!p->eff)
			return -1;
		int m = route_pattern_match(p->eff, "", &err);
		/* a match limit on "" still counts as compiled */
		p->ok = m >= 0 || (err && !strstr(err, "does not compile"));
		free(err);
		p->empty = m == 1;
		p->universal = p->ok && p->empty && pattern_universal(p->eff);
		p->is_lit = p->ok && pattern_literal(p->eff, &p->lit);
	}
	return 0;
}

static void pats_free(struct linter *l)
{
	for (size_t i = 0; l->p && i < l->n; i++) {
		free(l->p[i].eff);
		free(l->p[i].lit.text);
	}
	free(l->p);
}

int route_lint(const struct desired_state *ds, bool strict,
	       struct diag_list *diags)
{
	if (!ds->has_sip || ds->sip.agents_state != FIELD_SET)
		return 0;
	struct linter l = {&ds->sip, NULL, 0,
			   strict ? DIAG_ERROR : DIAG_WARNING, diags};
	size_t before = diag_list_count(diags, DIAG_ERROR);
	if (pats_init(&l, &ds->sip) != 0) {
		pats_free(&l);
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	for (size_t j = 0; j < l.n; j++) {
		if (!l.p[j].ok)
			continue; /* the loader reports what does not compile */
		struct scan_ctx x = {&l, j, true};
		lint_empty(&l, j);
		if (l.p[j].a->to_user_pattern)
			scan_portable(&x, l.p[j].eff);
		if (!lint_shadowed(&l, j))
			lint_redundant(&l, j);
	}
	pats_free(&l);
	return diag_list_count(diags, DIAG_ERROR) > before ? -1 : 0;
}
