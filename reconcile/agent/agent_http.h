/*
 * agent_http: the agent's HTTP endpoint (libmicrohttpd inside, its own
 * thread): GET /healthz, GET /readyz, GET /metrics (Prometheus text) and
 * POST /hooks/git (a push webhook signed with X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256(secret, body)>, compared in constant time;
 * anything else is 401, and a valid one calls the hook callback).
 *
 * Against slow or many clients: at most 64 connections, 8 per client
 * address, 10 s of inactivity, 32 KiB for a request head, and a deadline
 * for each whole request (head and body, 10 s by default) after which the
 * connection is cut.
 *
 * The endpoint reads the agent's state only through the snapshot callback,
 * which must be thread-safe (it runs on the server thread).
 */
#ifndef SIPSYNC_AGENT_HTTP_H
#define SIPSYNC_AGENT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

/* What /readyz and /metrics show: a copy taken under the agent's lock. */
struct agent_metrics {
	bool ready;		  /* last fetch and last reconcile succeeded */
	bool reconciled;	  /* at least one reconcile has finished */
	double last_reconcile_ts; /* unix time of the last reconcile end */
	bool last_success;
	bool drift;		 /* the last plan found changes */
	char commit[41];	 /* commit the account is known to match,
				    "" when none */
	char fetched_commit[41]; /* commit the ref resolved to last, or "" */
	unsigned long cycles;
	unsigned long changes_applied;
	unsigned long errors;
	unsigned long api_requests;
	unsigned long api_by_method[4]; /* GET POST PATCH DELETE */
	double api_seconds;
	double git_fetch_seconds;      /* duration of the last fetch */
	unsigned long unknown_secrets; /* write-only values with no record
					  at the last plan */
	char *registrations_up; /* the sipsync_registration_up sample lines,
				   or NULL; a snapshot owns its own copy
				   (freed by the caller of the snapshot) */

	/* the desired state says suspend (plan only) */
	bool suspended;
	/* notifications given up (agent_notify) */
	unsigned long notifications_failed;
	bool verify_commits;  /* --verify-commits: commit_verified shown */
	bool commit_verified; /* the last commit loaded is signed by a
				 trusted key */
	char account[64];     /* the account label of every metric; "" none */
	unsigned long api_conns;  /* API connections opened */
	unsigned long api_reused; /* API requests on an open one */
};

/* Renders m in the Prometheus text exposition format (every sample with
 * an account="NAME" label when m->account is set). Returns 0 and *out
 * (caller frees), or -1 when out of memory. */
int agent_http_metrics_text(const struct agent_metrics *m, char **out);

/* The n accounts' metrics in one exposition: each family's HELP and TYPE
 * once, then its samples of every account in turn (m[i].account labels
 * them). Returns 0 and *out (caller frees), or -1 when out of memory. */
int agent_http_metrics_text_n(const struct agent_metrics *m, size_t n,
			      char **out);

/* True when header is "sha256=" followed by the lowercase or uppercase hex
 * HMAC-SHA256 of body keyed with secret. False for a NULL or empty secret,
 * a NULL header, or any other form. Constant-time in the digest. */
bool agent_http_verify_signature(const char *secret, const void *body,
				 size_t len, const char *header);

typedef void (*agent_http_snapshot_fn)(void *ctx, struct agent_metrics *out);
typedef void (*agent_http_hook_fn)(void *ctx);
/* Every account's metrics: *out an array of *n (the caller frees each
 * registrations_up, then the array). 0, or -1 when out of memory. */
typedef int (*agent_http_snapshots_fn)(void *ctx, struct agent_metrics **out,
				       size_t *n);

struct agent_http_config {
	const char *listen; /* "HOST:PORT" or "[V6]:PORT"; port 0 = any */
	agent_http_snapshot_fn snapshot;
	/* used instead of snapshot when set (one process, many accounts):
	 * /readyz is ready when every account is, /readyz?account=NAME
	 * answers for NAME (404 for a name not served) */
	agent_http_snapshots_fn snapshots;
	agent_http_hook_fn hook; /* a valid webhook arrived */
	void *ctx;
	long request_timeout_ms; /* deadline of one whole request (head and
				    body); 0: 10 s */
};

struct agent_http;

/* Starts serving. Returns 0 and *out (stop with agent_http_stop), or -1
 * with a diag ("--listen 127.0.0.1:9479: address in use"). */
int agent_http_start(struct agent_http **out,
		     const struct agent_http_config *cfg,
		     struct diag_list *diags);

/* The port actually bound (useful with port 0). */
int agent_http_port(const struct agent_http *h);

/* Replaces the webhook secret (copied; NULL: every webhook is refused).
 * Thread-safe. Returns 0 or -1. */
int agent_http_set_secret(struct agent_http *h, const char *secret);

/* Stops the server thread and frees h. Accepts NULL. */
void agent_http_stop(struct agent_http *h);

/* The version of the libmicrohttpd sipsync runs with, for `sipsync
 * version`. */
const char *agent_http_libmicrohttpd_version(void);

#endif
