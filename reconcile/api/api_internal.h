/*
 * api_internal: what the files of the api client share (api.c: set-up,
 * redaction, stats; api_transfer.c: the engine; api_read.c; api_write.c).
 * Private to reconcile/api/: nothing outside includes it.
 */
#ifndef SIPSYNC_API_INTERNAL_H
#define SIPSYNC_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "reconcile/api/api.h"
#include "reconcile/api/api_pace.h"
#include "reconcile/base/buf.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_ATTEMPTS 5
#define DEFAULT_RETRY_MS 60000L
#define DEFAULT_PARALLELISM 64 /* an upper bound: the pacer sets fewer */
#define REUSE_FRESH_MS                                                         \
	2000L /* a POST reuses a connection only this                          \
		 soon after an answer came on the pool */
#define DEFAULT_PAGE_SIZE 100
#define DEFAULT_BASE_MS 250L
#define DEFAULT_MAX_DELAY_MS 20000L
#define MAX_PAGES 10000
#define MAX_BODY (16L * 1024 * 1024)
#define MAX_TEXT_MSG 200
#define MAX_ERROR_MSG 1000
#define KEY_SOURCE_DEFAULT "ULTRAVOX_API_KEY or --api-key-file"
#define REDACTED "<redacted>"

#define API_GOAWAYS 8

struct api_client {
	char *base;   /* without trailing '/' */
	char *origin; /* scheme://host:port, lower-case */
	char *key;
	char *auth_msg; /* the 401/403 message: "authentication failed
			   (check <key source>)" */
	char *ca_cert;
	bool https;
	long connect_ms, timeout_ms, max_retry_ms, base_ms, max_delay_ms;
	int max_attempts, parallelism, page_size;
	uint64_t rng;

	CURLM *multi;
	struct curl_slist *hdr, *hdr_body;

	char **redact;
	size_t n_redact;
	api_log_fn log;
	void *log_ctx;

	int cancel_fd;		   /* readable: stop (the caller's fd), or -1 */
	long long deadline;	   /* monotonic ms; 0: none */
	long deadline_total_ms;	   /* as configured, for messages */
	const char *deadline_what; /* "the command's deadline passed
				      (--timeout" or another (static) */
	const char *halted;	   /* why nothing may start any more (static
				      text or halt_buf), set once by a stop or
				      the deadline */
	char halt_buf[96];
	long wait_every_ms;
	api_wait_fn wait_fn;
	void *wait_ctx;

	struct api_pace pace;	  /* start rate and requests in flight */
	long long last_answer_ms; /* when an answer last arrived; 0: never */
	/* GOAWAYs seen on a write's handle (curl's debug texts): per curl
	 * connection number, the last stream the server said it processes;
	 * the newest API_GOAWAYS kept */
	struct api_goaway {
		long conn, last_stream;
	} goaway[API_GOAWAYS];
	size_t n_goaway;

	pthread_mutex_t lock; /* guards stats */
	struct api_stats stats;

	/* Identities of the registrations seen by the last listing: the
	 * "before" picture for a POST whose answer was lost. */
	bool have_snapshot;
	char **snap_keys, **snap_ids;
	size_t n_snap;
};

enum xstate { X_QUEUED, X_RUNNING, X_DONE };
enum xresult { XR_OK, XR_FAILED, XR_UNKNOWN, XR_SKIPPED };

struct xfer {
	enum request_method method;
	char *url;
	char *path; /* for messages: no query */
	const char *body;
	size_t body_len, body_off; /* a POST's body is read by curl from here:
				      a re-send needs a rewind we can refuse */
	bool unknown_ok; /* an unknown POST outcome is resolved by the caller */
	void *user;

	CURL *easy;
	struct buf resp; /* the answer, at most MAX_BODY bytes */
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];

	enum xstate state;
	int attempts;
	long waited_ms;
	long long due_ms, start_ms;
	/* monotonic µs: the attempt handed to curl, its first answer byte
	 * (0: none yet); the round trip the pacer is told of is the time
	 * between, less curl's connect/queue time (CURLINFO_PRETRANSFER).
	 * curl's own STARTTRANSFER cannot be used: for an HTTP/2 upload it
	 * is set once the body is sent, not when the answer starts. */
	long long start_us, first_us;
	bool ambiguous;		 /* an attempt may have reached the server */
	const char *unknown_why; /* why the outcome is unknown (static) */
	/* what curl did on this attempt (POST only: its debug callback) */
	bool sent_h2;	     /* the request went out as an HTTP/2 stream */
	bool sock_error;     /* curl reported a socket error */
	bool resend_refused; /* curl wanted to send the body again: refused */
	int resends;	     /* refused streams curl sent again (safe) */
	int new_conns;	     /* connections the last attempt opened */
	long conn_no;	     /* curl's number of the attempt's connection */
	long stream_id;	     /* its HTTP/2 stream; -1: none (yet) */
	long goaway_last;    /* >= 0: the attempt failed on a stream above
				the last one a GOAWAY said is processed */
	struct api_client *client;

	enum xresult result;
	long status;
	char *error; /* final message (redacted) when XR_FAILED */
};

struct xqueue {
	struct xfer **v;
	size_t n;
	void (*on_done)(struct api_client *c, struct xfer *x, void *ctx);
	void *ctx;
};

/* api.c */
/* Monotonic milliseconds. */
long long api_now_ms(void);
uint64_t api_next_rand(struct api_client *c);
/* api_parse_body_secrets callback: api_redact_add(ctx, secret). */
void api_redact_cb(void *ctx, const char *secret);
/* Messages with every registered secret replaced by <redacted>, control
 * bytes dropped, cut at max (allocated; the caller frees). */
char *api_clean_text(const struct api_client *c, const char *msg, size_t max,
		     bool in_cut);
char *api_clean_message(const struct api_client *c, const char *msg);
/* One diag naming the request: "PATCH /api/sip: 400: msg". */
void api_add_http_diag(const struct api_client *c, struct diag_list *d,
		       enum request_method m, const char *path, long status,
		       const char *msg);
int api_url_origin(const char *url, char **origin, bool *https);
char *api_url_for_message(const char *url);
char *api_url_shown(const char *url);
/* Forgets the registrations of the last listing. */
void api_snapshot_clear(struct api_client *c);

/* api_transfer.c */
/* A request to url_or_path (a path is put after the base URL); body is
 * borrowed. NULL when out of memory. Freed with api_xfer_free (NULL ok). */
struct xfer *api_xfer_new(struct api_client *c, enum request_method m,
			  const char *url_or_path, const char *path,
			  const char *body);
void api_xfer_free(struct xfer *x);
void api_fail_unknown(struct api_client *c, struct xfer *x, const char *extra);
/* Runs every transfer of q to an end (done, failed, unknown, skipped),
 * calling q->on_done for each as it finishes. */
void api_run_queue(struct api_client *c, struct xqueue *q);
int api_queue_push(struct xqueue *q, struct xfer *x);
struct xfer *api_push_new(struct api_client *c, struct xqueue *q,
			  enum request_method m, const char *url,
			  const char *path);
void api_queue_clear(struct xqueue *q);

/* api_read.c */
/* The SIP config (when sip is not NULL) and every registration page,
 * read together. 0, or -1 with diags. */
int api_read_all(struct api_client *c, struct sip_config *sip,
		 struct registration **regs, size_t *n, struct diag_list *d);
void api_free_regs(struct registration *regs, size_t n);

/* 127.0.0.0/8, ::1 and localhost (api.c; api_probe.c too). */
bool api_host_is_loopback(const char *host);

/* api_probe.c: what a one-off POST outside the client shares (the probe,
 * notifications). 1 when url is https://, or http:// to a loopback host;
 * 0 for another scheme or host; -1 when url is not an absolute URL.
 * *scheme and *host are set unless -1 (curl_free them). */
int api_post_url_allowed(const char *url, char **scheme, char **host);

/* 0 when api_post_url_allowed, else -1 with a diag: "NAME is not an
 * absolute URL" or "refusing to VERB HOST over SCHEME:// (...)" (never
 * the path or query: they may hold a token). */
int api_post_check_url(const char *url, const char *verb, const char *name,
		       struct diag_list *d);

/* A header list of lines[0..n) (curl_slist_free_all it); NULL when one
 * is NULL or out of memory. */
struct curl_slist *api_post_headers(const char *const *lines, size_t n);

/* Sets e up for a POST of body with headers h to url: http(s) only, no
 * redirects, TLS verified (ca_cert: NULL for the system store), at most
 * timeout_ms, user agent ua. */
void api_post_setup(CURL *e, const char *url, const char *body,
		    struct curl_slist *h, long timeout_ms, const char *ca_cert,
		    const char *ua);

#endif
