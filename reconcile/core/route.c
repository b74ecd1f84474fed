/*
 * route: the routing model (where a call lands) and route test cases.
 * Lint of the patterns is in route_lint.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "reconcile/core/route.h"
#include "reconcile/core/agents.h"
#include "reconcile/base/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUOTE_MAX 200 /* bytes of a user part or pattern shown in a message */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when
 * the bytes there are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

char *route_quote(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), cut = n > max ? max : n, o = 0, i = 0;
	char *out = malloc(cut * 4 + 8);
	if (!out)
		return NULL;
	out[o++] = '"';
	while (i < cut) {
		size_t len = utf8_seq(u + i, n - i);
		if (u[i] == '"') {
			out[o++] = '\\';
			out[o++] = '"';
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f || len == 0) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", u[i]);
			i++;
		} else if (i + len > cut) {
			break; /* do not cut a character in two */
		} else {
			memcpy(out + o, u + i, len);
			o += len;
			i += len;
		}
	}
	if (i < n) {
		memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* PCRE2 */

static pcre2_code *rx_compile(const char *pattern, char **err)
{
	int ec = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
	if (!code && err) {
		PCRE2_UCHAR buf[256];
		if (pcre2_get_error_message(ec, buf, sizeof(buf)) < 0)
			snprintf((char *)buf, sizeof(buf), "error %d", ec);
		*err = str_printf("regex does not compile: %s at offset %zu",
				  (const char *)buf, (size_t)off);
	}
	return code;
}

/* 1 match, 0 no match, -1 error with *err set (caller frees). */
static int rx_match(const pcre2_code *code, const char *subject, char **err)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	int ret = -1;
	if (!mc || !md) {
		*err = str_printf("out of memory");
		goto out;
	}
	pcre2_set_match_limit(mc, ROUTE_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, ROUTE_DEPTH_LIMIT);
	int rc = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0,
			     md, mc);
	if (rc >= 0) {
		ret = 1;
	} else if (rc == PCRE2_ERROR_NOMATCH) {
		ret = 0;
	} else if (rc == PCRE2_ERROR_MATCHLIMIT ||
		   rc == PCRE2_ERROR_DEPTHLIMIT ||
		   rc == PCRE2_ERROR_HEAPLIMIT) {
		*err = str_printf("exceeded the match limit (%u steps)",
				  ROUTE_MATCH_LIMIT);
	} else {
		PCRE2_UCHAR buf[256];
		if (pcre2_get_error_message(rc, buf, sizeof(buf)) < 0)
			snprintf((char *)buf, sizeof(buf), "error %d", rc);
		*err = str_printf("match failed: %s", (const char *)buf);
	}
out:
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return ret;
}

int route_pattern_match(const char *pattern, const char *subject, char **err)
{
	*err = NULL;
	pcre2_code *code = rx_compile(pattern, err);
	if (!code)
		return -1;
	int rc = rx_match(code, subject, err);
	pcre2_code_free(code);
	return rc;
}

/* The user part of a To address */

static const char *skip_display_name(const char *s, const char *end)
{
	if (s < end && *s == '"') {
		for (s++; s < end && *s != '"'; s++)
			if (*s == '\\' && s + 1 < end)
				s++;
		if (s < end)
			s++;
	}
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copies [s, end) into a new string, decoding %XX when decode. */
static int copy_user(const char *s, const char *end, bool decode, char **out,
		     const char **why)
{
	char *u = malloc((size_t)(end - s) + 1);
	size_t o = 0;
	if (!u) {
		*why = "out of memory";
		return -1;
	}
	for (; s < end; s++) {
		if (!decode || *s != '%') {
			u[o++] = *s;
			continue;
		}
		int hi = -1;
		if (end - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0)
			hi = hexval(s[1]) * 16 + hexval(s[2]);
		if (hi <= 0) {
			*why = hi == 0 ? "the user part contains %00"
				       : "the user part has a bad %-escape";
			free(u);
			return -1;
		}
		u[o++] = (char)hi;
		s += 2;
	}
	u[o] = '\0';
	*out = u;
	return 0;
}

/* Length of a sip:, sips: or tel: scheme prefix at s, else 0. */
static size_t scheme_len(const char *s, const char *end, bool *tel)
{
	static const char *const schemes[] = {"sip:", "sips:", "tel:"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(schemes[i]);
		if ((size_t)(end - s) >= n &&
		    strncasecmp(s, schemes[i], n) == 0) {
			*tel = i == 2;
			return n;
		}
	}
	return 0;
}

static const char *find_char(const char *s, const char *end, const char *set)
{
	for (; s < end; s++)
		if (strchr(set, *s))
			return s;
	return end;
}

int route_user_part(const char *to, char **out, const char **why)
{
	const char *s = to, *end = to + strlen(to);
	bool tel = false;
	*out = NULL;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end) {
		*why = "the address is empty";
		return -1;
	}
	const char *name_end = skip_display_name(s, end);
	const char *lt = memchr(name_end, '<', (size_t)(end - name_end));
	if (lt) {
		const char *gt = memchr(lt + 1, '>', (size_t)(end - lt - 1));
		if (!gt) {
			*why = "'<' without a closing '>'";
			return -1;
		}
		s = lt + 1;
		end = gt;
	}
	size_t sl = scheme_len(s, end, &tel);
	if (sl && tel) {
		s += sl; /* tel:+1555;phone-context=… → +1555 */
		return copy_user(s, find_char(s, end, ";?"), true, out, why);
	}
	if (sl) {
		s += sl;
		const char *at = memchr(s, '@', (size_t)(end - s));
		if (!at) /* sip:host: no user part, the empty string */
			return copy_user(s, s, true, out, why);
		return copy_user(s, find_char(s, at, ":"), true, out, why);
	}
	/* no scheme (also inside <…>): user@host or a bare user, literal */
	const char *at = memchr(s, '@', (size_t)(end - s));
	return copy_user(s, at ? at : end, false, out, why);
}

/* The routing table */

struct route_table {
	const struct sip_config *sip;
	size_t n;
	pcre2_code **codes;
	char **patterns; /* effective pattern of each allowance; NULL when
			    it is the default of an unresolved agent name */
	const struct agent_names *names; /* may be NULL */
};

void route_table_set_names(struct route_table *t,
			   const struct agent_names *names)
{
	t->names = names;
}

/* `agent: NAME` without toUserPattern and not resolved (offline): the
 * default pattern needs the id. */
static bool pattern_unknown(const struct agent_allowance *a)
{
	return !a->agent_id && a->agent_name && !a->to_user_pattern;
}

static const struct pos *allowance_place(const struct agent_allowance *a)
{
	if (a->to_user_pattern && a->pattern_pos.file)
		return &a->pattern_pos;
	return a->pos.file ? &a->pos : NULL;
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		pcre2_code_free(t->codes ? t->codes[i] : NULL);
		free(t->patterns ? t->patterns[i] : NULL);
	}
	free(t->codes);
	free(t->patterns);
	free(t);
}

static int table_compile(struct route_table *t, struct diag_list *d)
{
	int rc = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct agent_allowance *a = &t->sip->agents[i];
		char *err = NULL;
		if (pattern_unknown(a))
			continue;
		t->patterns[i] = model_effective_pattern(a);
		if (!t->patterns[i]) {
			diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
			return -1;
		}
		t->codes[i] = rx_compile(t->patterns[i], &err);
		if (!t->codes[i]) {
			char path[64];
			snprintf(path, sizeof(path),
				 "sip.allowedAgents[%zu].toUserPattern", i);
			diag_add(d, DIAG_ERROR, allowance_place(a), path, "%s",
				 err ? err : "regex does not compile");
			rc = -1;
		}
		free(err);
	}
	return rc;
}

int route_table_new(struct route_table **out, const struct sip_config *sip,
		    struct diag_list *d)
{
	*out = NULL;
	if (sip->agents_state == FIELD_UNSET) {
		diag_add(d, DIAG_ERROR, sip->pos.file ? &sip->pos : NULL,
			 "sip.allowedAgents",
			 "not in the desired state (unmanaged): where a call "
			 "lands depends on the live account, so routing cannot "
			 "be decided from the file");
		return -1;
	}
	struct route_table *t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->sip = sip;
	t->n = sip->agents_state == FIELD_SET ? sip->n_agents : 0;
	t->codes = calloc(t->n ? t->n : 1, sizeof(*t->codes));
	t->patterns = calloc(t->n ? t->n : 1, sizeof(*t->patterns));
	if (!t->codes || !t->patterns)
		goto oom;
	if (table_compile(t, d) != 0) {
		route_table_free(t);
		return -1;
	}
	*out = t;
	return 0;
oom:
	route_table_free(t);
	diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
	return -1;
}

void route_decision_release(struct route_decision *dec)
{
	if (!dec)
		return;
	free(dec->user);
	free(dec->agent_id);
	free(dec->agent_name);
	free(dec->pattern);
	memset(dec, 0, sizeof(*dec));
}

/* agent_<lower-case uuid>: what allowAllAgents' implicit ^agent_<id>$
 * matches (agent ids are lower-case; PCRE2 is case-sensitive). */
static bool implicit_agent_user(const char *user)
{
	static const char prefix[] = "agent_";
	if (strncmp(user, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *u = user + sizeof(prefix) - 1;
	if (strlen(u) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? u[i] != '-'
			 : !(isdigit((unsigned char)u[i]) ||
			     (u[i] >= 'a' && u[i] <= 'f')))
			return false;
	}
	return true;
}

static int pattern_error(const struct route_table *t, size_t i,
			 const char *user, const char *err, struct diag_list *d)
{
	char path[64];
	char *qp = route_quote(t->patterns[i], QUOTE_MAX);
	char *qu = route_quote(user, 40);
	snprintf(path, sizeof(path), "sip.allowedAgents[%zu].toUserPattern", i);
	diag_add(d, DIAG_ERROR, allowance_place(&t->sip->agents[i]), path,
		 "pattern %s %s on %s%s", qp ? qp : "", err, qu ? qu : "",
		 strstr(err, "match limit")
		     ? ": it backtracks catastrophically (nested "
		       "quantifiers such as (a+)+?); simplify it"
		     : "");
	free(qp);
	free(qu);
	return -1;
}

static int unresolved_error(const struct route_table *t, size_t i,
			    struct diag_list *d)
{
	const struct agent_allowance *a = &t->sip->agents[i];
	char path[64];
	snprintf(path, sizeof(path), "sip.allowedAgents[%zu]", i);
	diag_add(d, DIAG_ERROR, a->pos.file ? &a->pos : NULL, path,
		 "agent %s has the default pattern ^agent_<agentId>$, whose "
		 "id is only read from the account at plan time; write "
		 "toUserPattern (or agentId) to decide routing offline",
		 a->agent_name);
	return -1;
}

/* The name shown for a decision: the file's `agent:`, else the account's
 * (table names), else none. Allocated or NULL. */
static char *decision_name(const struct route_table *t, const char *id,
			   const char *written)
{
	const char *n = written ? written : agent_names_lookup(t->names, id);
	return n ? strdup(n) : NULL;
}

static int undecidable(const struct route_table *t, const char *user,
		       const char *path, const char *what, struct diag_list *d)
{
	char *qu = route_quote(user, QUOTE_MAX);
	diag_add(d, DIAG_ERROR, t->sip->pos.file ? &t->sip->pos : NULL, path,
		 "no allowance matched %s; %s depends on the live account "
		 "because %s is not in the desired state (unmanaged)",
		 qu ? qu : "", what, path);
	free(qu);
	return -1;
}

/* Steps 2 to 4, after no allowance matched. */
static int decide_unmatched(const struct route_table *t,
			    struct route_decision *out, struct diag_list *d)
{
	const struct sip_config *sip = t->sip;
	if (implicit_agent_user(out->user)) {
		if (sip->allow_all_state == FIELD_UNSET)
			return undecidable(
			    t, out->user, "sip.allowAllAgents",
			    "whether allowAllAgents routes it to "
			    "that agent",
			    d);
		if (sip->allow_all_state == FIELD_SET && sip->allow_all) {
			out->kind = ROUTE_IMPLICIT_AGENT;
			out->agent_id = strdup(out->user + 6);
			out->agent_name = decision_name(t, out->agent_id, NULL);
			out->pattern = model_default_pattern(
			    out->agent_id ? out->agent_id : "");
			return out->agent_id && out->pattern ? 0 : -1;
		}
	}
	switch (sip->fallback_state) {
	case FIELD_SET:
		out->kind = ROUTE_FALLBACK;
		return 0;
	case FIELD_NULL:
		out->kind = ROUTE_REJECT;
		return 0;
	default:
		return undecidable(t, out->user, "sip.fallbackHandler",
				   "whether it goes to a fallback handler or "
				   "is rejected",
				   d);
	}
}

/* Steps 1 to 4 on out->user. */
static int decide_user(const struct route_table *t, struct route_decision *out,
		       struct diag_list *d)
{
	for (size_t i = 0; i < t->n; i++) {
		char *err = NULL;
		if (!t->patterns[i]) {
			unresolved_error(t, i, d);
			goto fail;
		}
		int m = rx_match(t->codes[i], out->user, &err);
		if (m < 0) {
			pattern_error(t, i, out->user, err ? err : "failed", d);
			free(err);
			goto fail;
		}
		if (m == 0)
			continue;
		const struct agent_allowance *a = &t->sip->agents[i];
		out->kind = ROUTE_AGENT;
		out->index = i;
		out->default_pattern = a->to_user_pattern == NULL;
		out->agent_id = a->agent_id ? strdup(a->agent_id) : NULL;
		out->agent_name = decision_name(t, a->agent_id, a->agent_name);
		out->pattern = strdup(t->patterns[i]);
		if ((a->agent_id && !out->agent_id) || !out->pattern)
			goto fail;
		return 0;
	}
	if (decide_unmatched(t, out, d) == 0)
		return 0;
fail:
	route_decision_release(out);
	return -1;
}

int route_table_decide(const struct route_table *t, const char *to,
		       struct route_decision *out, struct diag_list *d)
{
	const char *why = NULL;
	memset(out, 0, sizeof(*out));
	if (route_user_part(to, &out->user, &why) != 0) {
		char *q = route_quote(to, QUOTE_MAX);
		diag_add(d, DIAG_ERROR, NULL, NULL, "to %s: %s", q ? q : "",
			 why);
		free(q);
		return -1;
	}
	return decide_user(t, out, d);
}

int route_table_decide_user(const struct route_table *t, const char *user,
			    struct route_decision *out, struct diag_list *d)
{
	memset(out, 0, sizeof(*out));
	out->user = strdup(user);
	if (!out->user) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	return decide_user(t, out, d);
}

int route_decide(const struct sip_config *sip, const char *to,
		 struct route_decision *out, struct diag_list *d)
{
	struct route_table *t = NULL;
	memset(out, 0, sizeof(*out));
	if (route_table_new(&t, sip, d) != 0)
		return -1;
	int rc = route_table_decide(t, to, out, d);
	route_table_free(t);
	return rc;
}

char *route_decision_describe(const struct route_decision *dec)
{
	char *qp = route_quote(dec->pattern ? dec->pattern : "", QUOTE_MAX);
	char *qu = route_quote(dec->user ? dec->user : "", QUOTE_MAX);
	char *s = NULL, *who = route_decision_agent(dec);
	if (!qp || !qu || !who)
		goto out;
	switch (dec->kind) {
	case ROUTE_AGENT:
		s = str_printf("agent %s (allowedAgents[%zu], %spattern %s)",
			       who, dec->index,
			       dec->default_pattern ? "default " : "", qp);
		break;
	case ROUTE_IMPLICIT_AGENT:
		s = str_printf("agent %s (allowAllAgents, implicit pattern %s)",
			       who, qp);
		break;
	case ROUTE_FALLBACK:
		s = str_printf("fallback handler (no allowance matched %s)",
			       qu);
		break;
	case ROUTE_REJECT:
		s = str_printf(
		    "reject (no allowance matched %s and there is no "
		    "fallback handler)",
		    qu);
		break;
	}
out:
	free(qp);
	free(qu);
	free(who);
	return s;
}

char *route_decision_agent(const struct route_decision *dec)
{
	if (!dec->agent_name)
		return strdup(dec->agent_id ? dec->agent_id : "");
	return agent_label_named(NULL, dec->agent_id, dec->agent_name);
}

/* Route tests */

static bool uuid_shaped(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

char *route_test_label(const struct route_test_result *r)
{
	if (!r->test->name)
		return str_printf("routeTests[%zu]", r->index);
	char *q = route_quote(r->test->name, QUOTE_MAX);
	char *s = q ? str_printf("routeTests[%zu] %s", r->index, q) : NULL;
	free(q);
	return s;
}

/* The first error of d as "path: message". */
static char *first_error(const struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++) {
		const struct diag *g = &d->items[i];
		if (g->severity != DIAG_ERROR)
			continue;
		if (g->path)
			return str_printf("%s: %s", g->path, g->message);
		return strdup(g->message);
	}
	return strdup("routing failed");
}

static bool expectation_met(const struct route_test *tc,
			    const struct route_decision *g)
{
	const char *expect = tc->expect ? tc->expect : "";
	if (tc->expect_name)
		return g->agent_name &&
		       strcmp(g->agent_name, tc->expect_name) == 0;
	if (strcmp(expect, "fallback") == 0)
		return g->kind == ROUTE_FALLBACK;
	if (strcmp(expect, "reject") == 0)
		return g->kind == ROUTE_REJECT;
	return (g->kind == ROUTE_AGENT || g->kind == ROUTE_IMPLICIT_AGENT) &&
	       g->agent_id && strcasecmp(expect, g->agent_id) == 0;
}

static void run_one(const struct route_table *t, struct route_test_result *r)
{
	const struct route_test *tc = r->test;
	const char *expect = tc->expect ? tc->expect : "";
	struct diag_list tmp = {0};
	if (!tc->expect_name && strcmp(expect, "fallback") != 0 &&
	    strcmp(expect, "reject") != 0 && !uuid_shaped(expect)) {
		char *q = route_quote(expect, QUOTE_MAX);
		r->status = ROUTE_TEST_ERROR;
		r->message =
		    str_printf("expect must be an agent id, \"fallback\" "
			       "or \"reject\", not %s",
			       q ? q : "");
		free(q);
		return;
	}
	if (route_table_decide(t, tc->to ? tc->to : "", &r->got, &tmp) != 0) {
		r->status = ROUTE_TEST_ERROR;
		r->message = first_error(&tmp);
		diag_list_clear(&tmp);
		return;
	}
	r->decided = true;
	if (expectation_met(tc, &r->got)) {
		r->status = ROUTE_TEST_PASS;
		return;
	}
	char *got = route_decision_describe(&r->got);
	bool agent = uuid_shaped(expect) || tc->expect_name;
	if (tc->expect_name)
		expect = tc->expect_name;
	r->status = ROUTE_TEST_FAIL;
	r->message = str_printf(
	    "expected %s%s, got %s", agent ? "agent " : "",
	    strcmp(expect, "fallback") == 0 ? "fallback handler" : expect,
	    got ? got : "?");
	free(got);
}

int route_table_from_desired(struct route_table **out,
			     const struct desired_state *ds,
			     struct diag_list *d)
{
	*out = NULL;
	if (!ds->has_sip) {
		diag_add(d, DIAG_ERROR, NULL, "sip",
			 "the desired state has no sip: section, so where a "
			 "call lands depends on the live account and route "
			 "tests cannot be decided from the file");
		return -1;
	}
	return route_table_new(out, &ds->sip, d);
}

/* Runs tests[0..n) on the table t (which it frees). */
static int run_tests(struct route_table *t, const struct route_test *tests,
		     size_t n, struct route_test_result **out, size_t *n_out,
		     struct diag_list *d)
{
	struct route_test_result *r = calloc(n, sizeof(*r));
	if (!r) {
		route_table_free(t);
		diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		r[i].test = &tests[i];
		r[i].index = i;
		run_one(t, &r[i]);
	}
	route_table_free(t);
	*out = r;
	*n_out = n;
	return 0;
}

int route_run_tests_on(const struct desired_state *ds,
		       const struct sip_config *sip,
		       struct route_test_result **out, size_t *n,
		       struct diag_list *d)
{
	struct route_table *t = NULL;
	*out = NULL;
	*n = 0;
	if (ds->n_route_tests == 0)
		return 0;
	int rc = sip ? route_table_new(&t, sip, d)
		     : route_table_from_desired(&t, ds, d);
	if (rc != 0)
		return -1;
	return run_tests(t, ds->route_tests, ds->n_route_tests, out, n, d);
}

int route_run_tests(const struct desired_state *ds,
		    struct route_test_result **out, size_t *n,
		    struct diag_list *d)
{
	return route_run_tests_on(ds, NULL, out, n, d);
}

void route_test_results_free(struct route_test_result *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		route_decision_release(&r[i].got);
		free(r[i].message);
	}
	free(r);
}
