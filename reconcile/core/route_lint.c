/*
 * route lint: findings about allowedAgents patterns that the service would
 * accept but that do not do what their author meant.
 *
 * To prove that a pattern matches every user part (and so shadows every
 * allowance after it), the pattern text is read by route_shape, a small
 * conservative analysis: whatever it does not understand counts as "may
 * not match", so it never claims too much, and every claim is
 * double-checked by running the pattern with PCRE2 on sample user parts. The
 * domain is "user parts without a line break" (a SIP user part has none).
 * Matching itself is only ever done by PCRE2.
 */
#include "reconcile/core/route.h"
#include "reconcile/core/route_shape.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUOTE_MAX 200

/* Per allowance facts */

struct pat {
	const struct agent_allowance *a;
	char *eff; /* effective pattern */
	bool ok;   /* compiles */
	bool universal;
	bool empty; /* matches the empty string */
	bool is_lit;
	struct route_shape_literal lit;
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
	if (a->is_lit && b->is_lit &&
	    route_shape_literal_covers(&a->lit, &b->lit))
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

/* The allowance route_shape_scan_portable reports about. */
struct scan_at {
	struct linter *l;
	size_t j;
};

/* Syntax outside the portable subset of PCRE2 and Python's re: the
 * service's engine is not documented, and a Django backend most likely
 * uses Python's re, which rejects or reads differently much that PCRE2
 * takes. */
static void report_syntax(void *arg, enum route_shape_port why,
			  const char *what, const char *p, size_t off,
			  size_t len)
{
	struct scan_at *x = arg;
	static const char *const reason[] = {
	    [ROUTE_SHAPE_REJECTED] = "Python's re (the likely engine of the "
				     "service) rejects it",
	    [ROUTE_SHAPE_PY310] = "Python's re before 3.11 rejects it",
	    [ROUTE_SHAPE_DIFFERS] = "Python's re (the likely engine of the "
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
		p->universal =
		    p->ok && p->empty && route_shape_universal(p->eff);
		p->is_lit = p->ok && route_shape_literal(p->eff, &p->lit);
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
		struct scan_at x = {&l, j};
		lint_empty(&l, j);
		if (l.p[j].a->to_user_pattern)
			route_shape_scan_portable(l.p[j].eff, report_syntax,
						  &x);
		if (!lint_shadowed(&l, j))
			lint_redundant(&l, j);
	}
	pats_free(&l);
	return diag_list_count(diags, DIAG_ERROR) > before ? -1 : 0;
}
