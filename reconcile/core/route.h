/*
 * route: where an incoming SIP call lands (the SIP guide's routing rules),
 * route test cases (routeTests:) and lint of allowedAgents patterns.
 * Pure: no I/O.
 *
 * Routing, on the user part of the INVITE's To URI:
 *   1. allowedAgents in order, PCRE2 search semantics (a pattern matches
 *      if it matches anywhere); a missing toUserPattern is ^agent_<id>$;
 *      the first match wins;
 *   2. if allowAllAgents, an implicit ^agent_<uuid>$ for every agent;
 *   3. the fallback handler if one is set;
 *   4. else the call is rejected.
 * Every match runs under a PCRE2 match and depth limit, so a pattern that
 * backtracks catastrophically ends with an error instead of hanging.
 */
#ifndef SIPSYNC_ROUTE_H
#define SIPSYNC_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

/* Match limit (PCRE2 backtracking steps) for one pattern on one subject. */
#define ROUTE_MATCH_LIMIT 1000000u
#define ROUTE_DEPTH_LIMIT 10000u

enum route_kind {
	ROUTE_AGENT,	      /* an allowedAgents entry matched */
	ROUTE_IMPLICIT_AGENT, /* allowAllAgents: user part is agent_<uuid> */
	ROUTE_FALLBACK,	      /* no match: the fallback handler gets the call */
	ROUTE_REJECT,	      /* no match and no fallback handler */
};

/* One decision. Strings are owned; release with route_decision_release. */
struct route_decision {
	enum route_kind kind;
	char *user;	  /* the user part that was matched */
	size_t index;	  /* ROUTE_AGENT: the allowedAgents index */
	char *agent_id;	  /* ROUTE_AGENT / ROUTE_IMPLICIT_AGENT, else NULL (and
			     NULL for an `agent: NAME` not resolved) */
	char *agent_name; /* the agent's name when known, else NULL */
	char *pattern;	  /* the (effective or implicit) pattern that matched */
	bool default_pattern; /* ROUTE_AGENT: no toUserPattern in the file */
};

void route_decision_release(struct route_decision *dec);

/* Human description of a decision, e.g.
 *   agent 0b6f… (allowedAgents[0], pattern "^sales$")
 *   agent 7d1e… (allowAllAgents, implicit pattern "^agent_7d1e…$")
 *   fallback handler (no allowance matched "bob")
 *   reject (no allowance matched "bob" and there is no fallback handler)
 * Returns a string the caller frees, or NULL when out of memory. */
char *route_decision_describe(const struct route_decision *dec);

/* The agent of an agent decision as shown: "sales-bot (0b6f3c1e…)" when
 * its name is known, else its id. Caller frees; NULL when out of memory. */
char *route_decision_agent(const struct route_decision *dec);

/* The user part of a To address. Accepts a bare user ("sales", "+1555"),
 * "user@host", sip:/sips:/tel: URIs with parameters and headers, and a
 * To header value ("Name" <sip:user@host;params>;tag=x). URI parameters,
 * headers and a :password are dropped; percent-escapes in a URI's user
 * part are decoded (a bare user is taken literally).
 * Returns 0 and *out (caller frees), or -1 with *why set to a static
 * message. */
int route_user_part(const char *to, char **out, const char **why);

/* s in double quotes for a message: '"' becomes \", control bytes and
 * invalid UTF-8 become \xNN, and more than max bytes are cut with "…".
 * Caller frees; NULL when out of memory. */
char *route_quote(const char *s, size_t max);

/* Runs one PCRE2 pattern on subject with search semantics and the match
 * limit. Returns 1 match, 0 no match, -1 error (*err: a message the caller
 * frees, e.g. "exceeded the match limit" or the compile error). */
int route_pattern_match(const char *pattern, const char *subject, char **err);

/* Compiled routing table of one sip config. sip is borrowed: it must
 * outlive the table. */
struct route_table;

/* Compiles every allowance pattern. Returns 0 and *out (free with
 * route_table_free), or -1 with diagnostics added (a pattern that does not
 * compile, or sip.allowedAgents unmanaged: routing cannot be decided from
 * the file alone). */
int route_table_new(struct route_table **out, const struct sip_config *sip,
		    struct diag_list *d);
void route_table_free(struct route_table *t);

/* Names of the account's agents, shown in decisions (borrowed: it must
 * outlive the table; NULL: only names written as `agent:`). */
struct agent_names;
void route_table_set_names(struct route_table *t,
			   const struct agent_names *names);

/* route_table_new on ds->sip; an error too when ds has no sip: section. */
int route_table_from_desired(struct route_table **out,
			     const struct desired_state *ds,
			     struct diag_list *d);

/* Decides where a call to `to` lands. Returns 0 and fills *out (release
 * with route_decision_release), or -1 with one error added to d: a To
 * without a usable user part, a pattern that exceeded the match limit
 * (placed at the pattern, path sip.allowedAgents[N].toUserPattern), or a
 * decision that depends on a field the file leaves unmanaged
 * (allowAllAgents, fallbackHandler). */
int route_table_decide(const struct route_table *t, const char *to,
		       struct route_decision *out, struct diag_list *d);

/* route_table_decide on a user part as it is (not read as an address). */
int route_table_decide_user(const struct route_table *t, const char *user,
			    struct route_decision *out, struct diag_list *d);

/* route_table_new + route_table_decide + route_table_free. */
int route_decide(const struct sip_config *sip, const char *to,
		 struct route_decision *out, struct diag_list *d);

/* Route tests */

enum route_test_status { ROUTE_TEST_PASS, ROUTE_TEST_FAIL, ROUTE_TEST_ERROR };

struct route_test_result {
	const struct route_test *test; /* borrowed from the desired state */
	size_t index;		       /* routeTests[index] */
	enum route_test_status status;
	bool decided; /* got is filled */
	struct route_decision got;
	char *message; /* FAIL/ERROR: why, one line without place; else NULL */
};

/* Runs every route test of ds. Returns 0 and *out / *n (free with
 * route_test_results_free; *out is NULL when there are no tests), or -1
 * with diagnostics added when the tests cannot run at all (no sip or no
 * allowedAgents in the file, a pattern that does not compile). */
int route_run_tests(const struct desired_state *ds,
		    struct route_test_result **out, size_t *n,
		    struct diag_list *d);
/* The route tests of ds run on another configuration (sipsync test
 * --live: the live account's, every field known; NULL: ds's own, as
 * route_run_tests). 0 or -1 as route_run_tests (e.g. a live pattern PCRE2
 * does not compile). */
int route_run_tests_on(const struct desired_state *ds,
		       const struct sip_config *sip,
		       struct route_test_result **out, size_t *n,
		       struct diag_list *d);
void route_test_results_free(struct route_test_result *r, size_t n);

/* "routeTests[3] \"name\"" or "routeTests[3]". Caller frees. */
char *route_test_label(const struct route_test_result *r);

/* Lints the allowedAgents of ds (shadowed allowances, empty-matching
 * patterns, PCRE2-only syntax). Findings are warnings, or errors when
 * strict. Returns 0, or -1 when any error was added. */
int route_lint(const struct desired_state *ds, bool strict,
	       struct diag_list *diags);

#endif
