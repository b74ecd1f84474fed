/*
 * policy_check: the rules of an organisation policy over a desired state.
 * Only what the desired state manages is checked (an omitted field is
 * not sent, so it cannot break a rule); values that failed validation are
 * skipped here, their error is already reported.
 */
#include "schema/policy.h"
#include "schema/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/base/str.h"
#include "reconcile/core/route.h"
#include "reconcile/core/route_shape.h"
#include "schema/validate.h"

/* Violations reported before the rest are summed up in one line: a file
 * of 100,000 registrations behind a wrong proxy must not make 100,000. */
#define POLICY_MAX_VIOLATIONS 500

struct checker {
	const struct policy *p;
	struct diag_list *diags;
	size_t n;
	int rc;
};

/* One violation: the message, then the rule and its place in the policy. */
__attribute__((format(printf, 6, 7))) static void
violation(struct checker *k, const struct pos *at, const char *path,
	  const char *rule, const struct pos *rule_at, const char *fmt, ...)
{
	k->rc = -1;
	if (k->n++ >= POLICY_MAX_VIOLATIONS) {
		if (k->n == POLICY_MAX_VIOLATIONS + 1)
			diag_add(k->diags, DIAG_ERROR, NULL, NULL,
				 "too many policy violations; stopped after %d",
				 POLICY_MAX_VIOLATIONS);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = str_vprintf(fmt, ap);
	va_end(ap);
	diag_add(k->diags, DIAG_ERROR, at, path, "%s (policy %s, %s:%u:%u)",
		 msg ? msg : "out of memory", rule, rule_at->file,
		 rule_at->line, rule_at->col);
	free(msg);
}

/* True when the network of a (a->prefix bits) holds every address of b. */
static bool net_contains(const struct cidr *a, const struct cidr *b)
{
	if (a->prefix > b->prefix)
		return false;
	uint32_t mask = a->prefix ? 0xffffffffu << (32 - a->prefix) : 0;
	return (a->addr & mask) == (b->addr & mask);
}

static void check_cidr(struct checker *k, const struct pos *at,
		       const char *path, const char *text)
{
	const struct policy *p = k->p;
	struct cidr c;
	const char *why = NULL;
	char q[64];
	if (format_cidr_parse(text, &c, &why) != 0)
		return; /* reported by the loader */
	validate_quote(q, sizeof(q), text);
	if (p->min_prefix.set && (long)c.prefix < p->min_prefix.v)
		violation(k, at, path, "cidr.minPrefix", &p->min_prefix.pos,
			  "%s is wider than /%ld", q, p->min_prefix.v);
	for (size_t i = 0; i < p->forbid.n; i++)
		if (net_contains(&c, &p->forbid.items[i].c))
			violation(k, at, path, "cidr.forbid",
				  &p->forbid.items[i].pos,
				  "%s includes the forbidden range %s", q,
				  p->forbid.items[i].text);
	if (!p->within.set)
		return;
	for (size_t i = 0; i < p->within.n; i++)
		if (net_contains(&p->within.items[i].c, &c))
			return;
	violation(k, at, path, "cidr.within", &p->within.pos,
		  "%s is not within any of the allowed ranges", q);
}

static void check_cidrs(struct checker *k, const struct sip_config *sip)
{
	char path[64];
	if (sip->cidrs_state != FIELD_SET)
		return;
	for (size_t i = 0; i < sip->n_cidrs; i++) {
		snprintf(path, sizeof(path), "sip.allowedCidrRanges[%zu]", i);
		check_cidr(k, sip->cidr_pos ? &sip->cidr_pos[i] : &sip->pos,
			   path, sip->cidrs[i]);
	}
}

/* True when some route test lands on allowedAgents[i]. */
static bool exercised(const struct route_test_result *r, size_t n, size_t i)
{
	for (size_t t = 0; t < n; t++)
		if (r[t].decided && r[t].got.kind == ROUTE_AGENT &&
		    r[t].got.index == i)
			return true;
	return false;
}

static void check_route_tests(struct checker *k, const struct desired_state *ds)
{
	const struct sip_config *sip = &ds->sip;
	struct route_test_result *res = NULL;
	size_t n = 0;
	struct diag_list scratch = {0}; /* reported by `sipsync test` */
	if (route_run_tests(ds, &res, &n, &scratch) != 0)
		n = 0;
	diag_list_clear(&scratch);
	char path[64];
	for (size_t i = 0; i < sip->n_agents; i++) {
		if (exercised(res, n, i))
			continue;
		snprintf(path, sizeof(path), "sip.allowedAgents[%zu]", i);
		violation(k, &sip->agents[i].pos, path,
			  "allowedAgents.requireRouteTest",
			  &k->p->require_route_test.pos,
			  "no route test (routeTests:) lands on this "
			  "allowance");
	}
	route_test_results_free(res, n);
}

/* True when x is one of texts (NULL-terminated). */
static bool one_of(const char *x, size_t n, const char *const *texts)
{
	for (size_t i = 0; texts[i]; i++)
		if (strlen(texts[i]) == n && memcmp(x, texts[i], n) == 0)
			return true;
	return false;
}

/* True when the pattern matches every user part (the route lint's proof),
 * or every one but the empty one: a call always has a user part, so `.+`
 * or `^.+$` opens the account as wide as `.*`. The lint's proof needs the
 * empty match, so these are known by their text: P without its outer ^
 * and $ is "one or more of anything", or, with at most one anchor (search
 * semantics), "any one character". */
static bool catch_all(const char *pattern)
{
	static const char *const plus[] = {".+", "(.+)", "(?:.+)", ".{1,}",
					   NULL};
	static const char *const one[] = {".", "(.)", "(?:.)", NULL};
	if (route_shape_universal(pattern))
		return true;
	size_t n = strlen(pattern);
	size_t b = pattern[0] == '^';
	size_t e =
	    n > b && pattern[n - 1] == '$' && (n < 2 || pattern[n - 2] != '\\');
	const char *x = pattern + b;
	size_t xn = n - b - e;
	return one_of(x, xn, plus) || (!(b && e) && one_of(x, xn, one));
}

static void check_catch_all(struct checker *k, const struct sip_config *sip)
{
	char path[80], q[256];
	for (size_t i = 0; i < sip->n_agents; i++) {
		const struct agent_allowance *a = &sip->agents[i];
		/* the default ^agent_<id>$ is never a catch-all */
		if (!a->to_user_pattern || !catch_all(a->to_user_pattern))
			continue;
		snprintf(path, sizeof(path),
			 "sip.allowedAgents[%zu].toUserPattern", i);
		validate_quote(q, sizeof(q), a->to_user_pattern);
		violation(k, &a->pattern_pos, path,
			  "allowedAgents.forbidCatchAll",
			  &k->p->forbid_catch_all.pos,
			  "pattern '%s' matches every user part", q);
	}
}

static void check_agents(struct checker *k, const struct desired_state *ds)
{
	const struct sip_config *sip = &ds->sip;
	const struct policy *p = k->p;
	if (sip->agents_state != FIELD_SET)
		return;
	if (p->agents_max.set && sip->n_agents > (size_t)p->agents_max.v) {
		char path[64];
		snprintf(path, sizeof(path), "sip.allowedAgents[%ld]",
			 p->agents_max.v);
		violation(k, &sip->agents[p->agents_max.v].pos, path,
			  "allowedAgents.max", &p->agents_max.pos,
			  "%zu allowances, more than %ld", sip->n_agents,
			  p->agents_max.v);
	}
	if (p->forbid_catch_all.on)
		check_catch_all(k, sip);
	if (p->require_route_test.on)
		check_route_tests(k, ds);
}

/* True when host (lower case) is name, or name is "*.rest" and host ends
 * in ".rest" with at least one label before it. */
static bool host_matches(const char *host, size_t len, const char *name)
{
	if (strncmp(name, "*.", 2) != 0)
		return strlen(name) == len && memcmp(host, name, len) == 0;
	size_t n = strlen(name + 1); /* ".rest" */
	return len > n && memcmp(host + len - n, name + 1, n) == 0;
}

/* The policy entry host[0..len) matches, or NULL. */
static const struct policy_host *host_allowed(const struct policy_hosts *h,
					      const char *host, size_t len)
{
	for (size_t i = 0; i < h->n; i++)
		if (host_matches(host, len, h->items[i].name))
			return &h->items[i];
	return NULL;
}

/* The host of "host", "host:port", "[v6]:port" or a URL authority, lower
 * case, into buf; false when it is empty or does not fit. */
static bool host_of(const char *s, size_t n, char *buf, size_t cap)
{
	const char *at = memchr(s, '@', n);
	while (at) { /* the last '@' ends any user:password */
		n -= (size_t)(at + 1 - s);
		s = at + 1;
		at = memchr(s, '@', n);
	}
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		n = close ? (size_t)(close - s) + 1 : n;
	} else {
		const char *colon = memchr(s, ':', n);
		n = colon ? (size_t)(colon - s) : n;
	}
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a')
						      : s[i];
	buf[n] = '\0';
	return true;
}

static void check_host(struct checker *k, const struct pos *at,
		       const char *path, const char *rule,
		       const struct policy_hosts *allowed, const char *value,
		       size_t n)
{
	char host[256], q[256];
	if (!host_of(value, n, host, sizeof(host)))
		host[0] = '\0';
	else if (host_allowed(allowed, host, strlen(host)))
		return;
	validate_quote(q, sizeof(q), host);
	violation(k, at, path, rule, &allowed->pos,
		  "host '%s' is not one of the allowed hosts", q);
}

static void check_fallback(struct checker *k, const struct sip_config *sip)
{
	const struct fallback_handler *f = &sip->fallback;
	const struct policy *p = k->p;
	const char *path = "sip.fallbackHandler.url";
	if (sip->fallback_state != FIELD_SET || !f->url)
		return;
	const char *sep = strstr(f->url, "://");
	if (!sep)
		return; /* reported by the loader */
	/* the URL is not quoted: it may hold user:password@ */
	if (p->require_https.on && strncasecmp(f->url, "https://", 8) != 0)
		violation(k, &f->url_pos, path, "fallbackHandler.requireHttps",
			  &p->require_https.pos, "the URL does not use https");
	if (p->url_hosts.set) {
		const char *auth = sep + 3;
		check_host(k, &f->url_pos, path, "fallbackHandler.urlHosts",
			   &p->url_hosts, auth, strcspn(auth, "/?#"));
	}
}

static void reg_path(char *buf, size_t n, const char *const *reg_paths,
		     size_t i)
{
	if (reg_paths && reg_paths[i])
		snprintf(buf, n, "%s", reg_paths[i]);
	else
		snprintf(buf, n, "registrations.items[%zu]", i);
}

static void check_regs(struct checker *k, const struct desired_state *ds,
		       const char *const *reg_paths)
{
	const struct policy *p = k->p;
	char item[96], path[128];
	if (p->regs_max.set && ds->n_regs > (size_t)p->regs_max.v) {
		size_t first = (size_t)p->regs_max.v; /* the first too many */
		reg_path(item, sizeof(item), reg_paths, first);
		violation(k, &ds->regs[first].pos, item, "registrations.max",
			  &p->regs_max.pos, "%zu registrations, more than %ld",
			  ds->n_regs, p->regs_max.v);
	}
	if (!p->proxies.set)
		return;
	for (size_t i = 0; i < ds->n_regs; i++) {
		const struct registration *r = &ds->regs[i];
		reg_path(item, sizeof(item), reg_paths, i);
		snprintf(path, sizeof(path), "%s.proxy", item);
		if (r->proxy)
			check_host(k, &r->pos, path, "registrations.proxies",
				   &p->proxies, r->proxy, strlen(r->proxy));
		snprintf(path, sizeof(path), "%s.outboundProxy", item);
		if (r->outbound_proxy_state == FIELD_SET && r->outbound_proxy)
			check_host(k, &r->pos, path, "registrations.proxies",
				   &p->proxies, r->outbound_proxy,
				   strlen(r->outbound_proxy));
	}
}

int policy_check(const struct policy *p, const struct desired_state *ds,
		 const char *const *reg_paths, struct diag_list *diags)
{
	struct checker k = {.p = p, .diags = diags};
	if (!p || !ds)
		return 0;
	if (ds->has_sip) {
		check_cidrs(&k, &ds->sip);
		check_agents(&k, ds);
		check_fallback(&k, &ds->sip);
	}
	check_regs(&k, ds, reg_paths);
	return k.rc;
}
