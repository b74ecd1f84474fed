/*
 * probe: the pure part of `sipsync probe`: the synthetic request Ultravox
 * would send to a fallback handler for a route test (body, webhook
 * signature), and the check of the handler's answer against
 * ultravox.v1.SipFallbackHandlerResponse and the test's expectation. No
 * I/O: the HTTP exchange is api_probe's, the clock the caller's.
 */
#ifndef SIPSYNC_PROBE_H
#define SIPSYNC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "reconcile/core/model.h"

/* The user part of the default call when no route test expects the
 * fallback handler (sipsync probe checks no allowance matches it). */
#define PROBE_DEFAULT_USER "sipsync-probe-unrouted"

/* The host of synthetic SIP URIs built from a bare user part when the
 * desired state names no account.domain. */
#define PROBE_DEFAULT_HOST "sipsync.invalid"

/* The JSON body {"callerId", "fromDisplayName", "fromUri", "toUri",
 * "sipHeaders"} for test t (NULL: the default call to PROBE_DEFAULT_USER).
 * domain (NULL: PROBE_DEFAULT_HOST) completes a bare user part into a sip:
 * URI. Returns 0 and *out (compact JSON, caller frees), or -1 when out of
 * memory. */
int probe_body(const struct route_test *t, const char *domain, char **out);

/* The send time as X-Ultravox-Webhook-Timestamp carries it: ISO 8601 UTC
 * with microseconds and an explicit offset ("2026-12-02T05:51:17.123456+00:00",
 * what Python's datetime.fromisoformat reads on every version). out needs
 * PROBE_TIMESTAMP_LEN bytes. Returns 0, or -1 for a time gmtime rejects. */
#define PROBE_TIMESTAMP_LEN 40
int probe_timestamp(time_t sec, long usec, char out[PROBE_TIMESTAMP_LEN]);

/* X-Ultravox-Webhook-Signature: lowercase hex HMAC-SHA256(secret, body
 * followed by timestamp) for each of the n secrets, comma-separated, in
 * order. Returns 0 and *out (caller wipes and frees), or -1 (n == 0, a
 * secret unresolved, out of memory). */
int probe_sign(const struct secret_ref *secrets, size_t n, const char *body,
	       const char *timestamp, char **out);

/* What the handler answered, decoded. */
struct probe_answer {
	enum fallback_expect kind; /* ANY: not decoded (a failure) */
	int reject_code;	   /* REJECT: the code, 603 when absent */
	char *agent_id;		   /* START_AGENT_CALL */
};

/* Checks one answer: HTTP status 200, a JSON Content-Type, a body valid
 * against SipFallbackHandlerResponse (exactly one of startAgentCall,
 * startCall, reject; startAgentCall.agentId a uuid; reject.sipRejectCode an
 * integer in 400..699; no unknown top-level field), then t's expectation
 * (t NULL or FALLBACK_EXPECT_ANY: any valid answer). Returns 0 and fills a
 * (release with probe_answer_release), or -1 with *why (one line, caller
 * frees; NULL when out of memory) and a filled as far as decoded. A
 * startAgentCall expectation by name (not a uuid) is left to the caller. */
int probe_check(long status, const char *content_type, const char *body,
		size_t len, const struct route_test *t, struct probe_answer *a,
		char **why);

void probe_answer_release(struct probe_answer *a);

/* "reject 486", "startCall", "startAgentCall 0b6f3c1e-…". Caller frees. */
char *probe_answer_text(const struct probe_answer *a);

/* Median (lower middle) and maximum of n >= 1 durations in ms; ms is
 * reordered. */
void probe_latency(long *ms, size_t n, long *p50, long *max);

/* One probed call, for the report encoders. */
struct probe_result {
	const struct route_test *test; /* NULL: the default call */
	size_t index;		       /* routeTests index */
	char *label;		       /* "support line", or a made-up one */
	bool pass;
	char *message; /* failure reason; NULL when passed */
	char *answer;  /* probe_answer_text of the last answer, or NULL */
	long p50_ms, max_ms;
	size_t repeat; /* calls made */
};

void probe_results_free(struct probe_result *r, size_t n);

#endif
