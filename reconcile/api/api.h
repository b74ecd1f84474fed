/*
 * api: the Ultravox SIP API client (libcurl + jansson inside; neither
 * crosses this header). One client reuses one connection pool across
 * requests (keep-alive, HTTP/2 when offered), verifies TLS, times out every
 * request, and retries 429 (honouring Retry-After), 502/503/504 and
 * connection errors with exponential backoff and jitter, bounded in count
 * and total time.
 *
 * Every failure is reported once, as a diag with method, path, HTTP status
 * and the server's message; secret values never appear in a diag.
 */
#ifndef SIPSYNC_API_H
#define SIPSYNC_API_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "reconcile/core/request.h"

struct api_client;

struct api_config {
	const char *base_url;	/* e.g. https://api.ultravox.ai (copied) */
	const char *api_key;	/* sent as X-API-Key (copied, wiped on free) */
	const char *key_source; /* where the key came from, for the 401/403
				   and missing-key messages: a variable's
				   name or a file's path, never the key
				   ("ULTRAVOX_API_KEY_PROD"); copied; NULL:
				   "ULTRAVOX_API_KEY or --api-key-file" */
	const char *ca_cert; /* CA bundle file or NULL for the system store */
	long connect_timeout_ms; /* 0: default 10 s */
	long timeout_ms;	 /* whole request; 0: default 30 s */
	int max_attempts;	 /* per request, 0: default 5 */
	long max_retry_ms;  /* total backoff per request, 0: default 60 s */
	int parallelism;    /* requests in flight at most, 0: 64; fewer run
			       when the rate needs fewer at the measured
			       round trip (see max_rps) */
	int page_size;	    /* registrations per page asked, 0: 100 */
	long retry_base_ms; /* backoff ceiling of the first retry (doubled
			       each time, full jitter), 0: default 250 ms */
	long retry_max_delay_ms;  /* ceiling of one backoff wait, 0: default
				     20 s; a Retry-After is honoured in full
				     within max_retry_ms */
	long deadline_ms;	  /* every request and retry of this client ends
				     within this long after api_client_new (the
				     command's --timeout); 0: no overall deadline */
	bool deadline_agent;	  /* the deadline is the agent's
				     --account-timeout (what messages say) */
	bool allow_insecure_http; /* http:// to a host that is not loopback
				     (the key would travel in clear text) */
	double max_rps;		  /* requests started per second at most (token
				     bucket; halved on a 429, grown back slowly),
				     0: default 190, under the documented 200/s */
};

/* Checks that base_url may carry the API key: http:// only to a loopback
 * host (127.0.0.0/8, ::1, localhost) unless allow_insecure_http. Returns 0,
 * or -1 with a diag naming the host and --allow-insecure-http.
 * api_client_new calls it too. */
int api_check_url(const char *base_url, bool allow_insecure_http,
		  struct diag_list *diags);

/* Counters for logs and /metrics. */
struct api_stats {
	unsigned long requests; /* HTTP requests sent, retries included */
	unsigned long retries;
	unsigned long errors;	    /* requests that finally failed */
	unsigned long by_method[4]; /* indexed by enum request_method */
	double seconds_total;	    /* summed request latency */
	unsigned long connections;  /* TCP connections opened */
	unsigned long reused;	    /* requests sent on a connection that
				       was already open */
};

/* Returns 0 and *out (free with api_client_free), or -1 with a diag. */
int api_client_new(struct api_client **out, const struct api_config *cfg,
		   struct diag_list *diags);
void api_client_free(struct api_client *c);

const struct api_stats *api_client_stats(const struct api_client *c);

/* Copies the counters; safe while another thread runs requests (the
 * agent's /metrics handler). */
void api_client_stats_get(const struct api_client *c, struct api_stats *out);

/* Registers a secret value (copied): every diag and log line of this client
 * has each occurrence replaced by "<redacted>". The API key and the
 * "password" / "fallbackHandler.secrets" values of api_write bodies are
 * registered automatically; register anything else the server might echo.
 * Empty strings are ignored. Returns 0, or -1 when out of memory. */
int api_redact_add(struct api_client *c, const char *value);

/* One finished HTTP request (attempt), for verbose logs. No bodies. */
struct api_event {
	const char *method;
	const char *path; /* without the query string */
	long status;	  /* 0: no HTTP response */
	long elapsed_ms;
	int attempt;	     /* 1-based */
	long retry_in_ms;    /* >= 0: will be retried after this wait; -1: no */
	const char *error;   /* transport error (redacted) or NULL */
	const char *text;    /* the whole line, e.g. "GET /api/sip → 200 in
				12 ms, reused connection" */
	int new_connections; /* connections this attempt opened (0: it
				reused one); -1: it reached no server */
};

typedef void (*api_log_fn)(void *ctx, const struct api_event *ev);

/* Calls fn after every request attempt (NULL: off). */
void api_client_set_log(struct api_client *c, api_log_fn fn, void *ctx);

/* A stop handle: once fd is readable (a byte written, never drained, or
 * the write end closed) every request in flight is aborted, no request or
 * retry starts any more, and the call returns -1 with a diag saying what
 * was interrupted. A write in flight is reported as outcome unknown. fd
 * stays the caller's; -1 removes it. */
void api_client_set_cancel_fd(struct api_client *c, int fd);

/* Starts the deadline (api_config.deadline_ms) again from now: apply
 * calls it after its confirmation prompt, whose time is the user's. */
void api_client_restart_deadline(struct api_client *c);

/* While requests are in flight, calls fn every interval_ms (from the start
 * of the wait) with a line such as "still waiting for GET /api/sip (10 s
 * elapsed, attempt 2 of 5)" (NULL: off). The command sets it when stderr
 * is a terminal. */
typedef void (*api_wait_fn)(void *ctx, const char *line);
void api_client_set_wait_notice(struct api_client *c, long interval_ms,
				api_wait_fn fn, void *ctx);

/* What api_read_set reads. */
struct api_read_want {
	bool sip;		   /* GET /api/sip */
	bool registrations;	   /* every page of /api/sip/registrations */
	bool agents;		   /* every page of GET /api/agents */
	const char *agents_search; /* with agents: ?search= (NULL: all) */
	bool agents_optional;	   /* a failed agents read is no error: the
				      names stay empty, *agents_ok false */
};

/* The reads of w side by side on the client's connection (one round
 * trip for the first page of each), each listing's `next` page asked as
 * soon as the page naming it is read. Returns 0 with *live (sip and/or
 * registrations as asked; model_live_free; live may be NULL when neither
 * is asked) and the agents added to *names (complete when not a search),
 * or -1 with the diag of the first request that failed (in the order
 * sip, registrations, agents), *live NULL and *names released: nothing
 * half-read is returned. */
struct agent_names;
int api_read_set(struct api_client *c, const struct api_read_want *w,
		 struct live_state **live, struct agent_names *names,
		 bool *agents_ok, struct diag_list *diags);

/* GET /api/sip and every page of GET /api/sip/registrations (following
 * `next` as given). Every sip field of the result is FIELD_SET or
 * FIELD_NULL. A registrationId already seen on an earlier page (pages that
 * overlap) is dropped, the first occurrence kept. Responses of the wrong
 * shape (including an unusable registrationId, see api_parse_page) are an
 * error (diag), unknown fields are ignored. Returns 0 and *out
 * (model_live_free), or -1. */
int api_read_live(struct api_client *c, struct live_state **out,
		  struct diag_list *diags);

/* Only the registrations (all pages). Returns 0 and *out / *n (release
 * each with model_registration_release, then free the array), or -1. */
int api_list_registrations(struct api_client *c, struct registration **out,
			   size_t *n, struct diag_list *diags);

/* Every page of GET /api/agents (following `next` as given; with search
 * not NULL, ?search=SEARCH: the server's filter, which may return more
 * than exact matches). Adds each agent's id and name to *out (the caller
 * owns it: agent_names_release) and sets out->complete when search is
 * NULL. Returns 0, or -1 with a diag naming the request. */
int api_list_agents(struct api_client *c, const char *search,
		    struct agent_names *out, struct diag_list *diags);

/* GET /api/agents/{id}: returns 1 when it exists, 0 on 404, -1 on any
 * other failure (diag added). */
int api_agent_exists(struct api_client *c, const char *agent_id,
		     struct diag_list *diags);

/* api_agent_exists for n ids at once, concurrently (parallelism bound):
 * exists[i] = 1, 0 (404) or -1 (failed, diag added). Returns 0 when every
 * id got an answer, -1 otherwise. */
int api_agents_exist(struct api_client *c, const char *const *ids, size_t n,
		     int *exists, struct diag_list *diags);

/* One write request. The caller fills the first block; api_execute fills
 * the results. */
struct api_write {
	enum request_method
	    method;	  /* REQUEST_POST, REQUEST_PATCH or REQUEST_DELETE */
	char *path;	  /* e.g. /api/sip, /api/sip/registrations/ID */
	char *body;	  /* JSON text with real secret values, or NULL;
			     never logged or put in a diag */
	char *create_key; /* POST of a registration: its identity
			     username@proxy (lower-case proxy), so a lost
			     response can be checked by re-listing */
	char *label;	  /* what to print for this step, e.g.
			     "+ registration alice@pbx.example.com" */

	int result;	  /* 0 not attempted, 1 done, -1 failed */
	long status;	  /* last HTTP status, 0 when none */
	char *created_id; /* POST: registrationId of the new registration */
	/* a done write's answer, when it was the resource as the server
	   now holds it: a registration (POST, PATCH of a registration) or
	   the SipConfig (PATCH /api/sip); NULL when absent or not
	   understood (and for a POST settled by re-listing) */
	struct registration *answer_reg;
	struct sip_config *answer_sip;
};

void api_write_release(struct api_write *w);

/* Called after each write finishes (done or failed), in completion order. */
typedef void (*api_progress_fn)(void *ctx, const struct api_write *w);

/* Sends the writes, at most cfg.parallelism in flight, each with the retry
 * policy. A POST whose outcome is unknown (connection lost or a timeout
 * after the request was sent, or a 502/504) is never sent again in this
 * call: the client re-lists registrations once and counts the write as done
 * when a new registration with create_key exists, else fails it (the
 * server may still commit it; the next run re-lists first). A POST that
 * provably never reached the server (connect failure) is retried as any
 * request. A DELETE answered 404 counts as done (the
 * registration is gone; status says 404). Returns 0 when every write
 * succeeded, -1 when any failed (one diag per failure); each write's result
 * says which. */
int api_execute(struct api_client *c, struct api_write *writes, size_t n,
		api_progress_fn progress, void *ctx, struct diag_list *diags);

/* The process-wide set-up of the HTTP library (libcurl's global init),
 * once at start-up before any thread exists, and its cleanup at exit, once
 * per successful init. api_client_new works without it (it initialises on
 * first use); calling it early keeps that cost and its thread-unsafety out
 * of later code. Returns 0, or -1 when the library cannot be set up. */
int api_global_init(void);
void api_global_cleanup(void);

/* The version of the libcurl sipsync runs with and its TLS library
 * ("7.88.1 OpenSSL/3.0.15"), for `sipsync version`. Static storage. */
const char *api_libcurl_version(void);

#endif
