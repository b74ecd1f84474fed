/*
 * The Ultravox SIP API client. Every request goes through one curl multi
 * handle, whose connection cache keeps connections alive between requests
 * (and multiplexes them over HTTP/2 when the server offers it). A request
 * is a struct xfer; run_queue() drives a set of them, at most
 * `parallelism` in flight, retrying each on its own schedule.
 */
#include "reconcile/api/api.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/crypto.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_ATTEMPTS 5
#define DEFAULT_RETRY_MS 60000L
#define DEFAULT_PARALLELISM 8
#define DEFAULT_PAGE_SIZE 100
#define DEFAULT_BASE_MS 250L
#define DEFAULT_MAX_DELAY_MS 20000L
#define MAX_PAGES 10000
#define MAX_BODY (16L * 1024 * 1024)
#define MAX_TEXT_MSG 200
#define MAX_ERROR_MSG 1000
#define AUTH_MSG                                                               \
	"authentication failed (check ULTRAVOX_API_KEY or --api-key-file)"
#define REDACTED "<redacted>"

struct api_client {
	char *base;   /* without trailing '/' */
	char *origin; /* scheme://host:port, lower-case */
	char *key;
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

	int cancel_fd;		/* readable: stop (the caller's fd), or -1 */
	long long deadline;	/* monotonic ms; 0: none */
	long deadline_total_ms; /* as configured, for messages */
	const char *halted;	/* why nothing may start any more (static
				   text or halt_buf), set once by a stop or
				   the deadline */
	char halt_buf[96];
	long wait_every_ms;
	api_wait_fn wait_fn;
	void *wait_ctx;

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
	bool ambiguous;		 /* an attempt may have reached the server */
	const char *unknown_why; /* why the outcome is unknown (static) */

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

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t next_rand(struct api_client *c)
{
	/* xorshift64*: jitter needs spread, not secrecy */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ULL;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ---- redaction and message hygiene ---- */

int api_redact_add(struct api_client *c, const char *value)
{
	if (!value || !*value)
		return 0;
	for (size_t i = 0; i < c->n_redact; i++)
		if (strcmp(c->redact[i], value) == 0)
			return 0;
	char **grown = realloc(c->redact, (c->n_redact + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	c->redact = grown;
	char *copy = strdup(value);
	if (!copy)
		return -1;
	/* longest first, so a secret inside another cannot leave a part of
	 * the longer one behind */
	size_t at = c->n_redact, len = strlen(copy);
	while (at > 0 && strlen(c->redact[at - 1]) < len) {
		c->redact[at] = c->redact[at - 1];
		at--;
	}
	c->redact[at] = copy;
	c->n_redact++;
	return 0;
}

static void redact_cb(void *ctx, const char *secret)
{
	api_redact_add(ctx, secret);
}

/* The longest registered secret starting at p (its length), or 0. */
static size_t secret_at(const struct api_client *c, const char *p)
{
	for (size_t i = 0; i < c->n_redact; i++) {
		size_t n = strlen(c->redact[i]);
		if (strncmp(p, c->redact[i], n) == 0)
			return n;
	}
	return 0;
}

/* Bytes the UTF-8 sequence led by ch takes (1 for anything else). */
static size_t utf8_len(unsigned char ch)
{
	return ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
}

/* One pass over msg: every registered secret (longest first) becomes
 * REDACTED, control characters become '?'; idempotent. The result is
 * shortened to max bytes (then "..." is added) only after redaction, and
 * never inside REDACTED or a UTF-8 sequence. in_cut says msg itself was
 * cut short: its last bytes may begin a secret, so the bytes where no whole
 * registered secret fits any more are left out. Returns an allocated
 * string (NULL when out of memory). */
static char *clean_text(const struct api_client *c, const char *msg, size_t max,
			bool in_cut)
{
	const char *in = msg ? msg : "";
	size_t rl = strlen(REDACTED), n = strlen(in), stop = n, len = 0, i = 0;
	bool more = in_cut;
	if (in_cut && c->n_redact) { /* redact[0] is the longest */
		size_t longest = strlen(c->redact[0]);
		stop = n >= longest ? n - longest + 1 : 0;
	}
	size_t cap = (n < max / rl ? n * rl : max) + 4;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	while (i < stop) {
		size_t hit = secret_at(c, in + i);
		if (hit || strncmp(in + i, REDACTED, rl) == 0) {
			/* an earlier pass's REDACTED stays as it is */
			if (len + rl > max) {
				more = true;
				break;
			}
			memcpy(out + len, REDACTED, rl);
			len += rl;
			i += hit ? hit : rl;
			continue;
		}
		unsigned char ch = (unsigned char)in[i];
		if (len + utf8_len(ch) > max) {
			more = true;
			break;
		}
		out[len++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
		i++;
	}
	if (more) {
		memcpy(out + len, "...", 3);
		len += 3;
	}
	out[len] = '\0';
	return out;
}

static char *clean_message(const struct api_client *c, const char *msg)
{
	return clean_text(c, msg, SIZE_MAX, false);
}

static void add_http_diag(const struct api_client *c, struct diag_list *d,
			  enum request_method m, const char *path, long status,
			  const char *msg)
{
	char *clean = clean_message(c, msg), *cpath = clean_message(c, path);
	diag_add_http(d, request_method_name(m), cpath ? cpath : "?", status,
		      "%s", clean ? clean : "(out of memory)");
	free(clean);
	free(cpath);
}

/* ---- client ---- */

static int parse_origin(const char *url, char **origin, bool *https)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		CURLUE_OK)
		goto out;
	for (char *p = scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	size_t n = strlen(scheme) + strlen(host) + strlen(port) + 5;
	if (!(*origin = malloc(n)))
		goto out;
	snprintf(*origin, n, "%s://%s:%s", scheme, host, port);
	if (https)
		*https = strcmp(scheme, "https") == 0;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int make_headers(struct api_client *c)
{
	size_t n = strlen(c->key) + 16;
	char *h = malloc(n);
	if (!h)
		return -1;
	snprintf(h, n, "X-API-Key: %s", c->key);
	struct curl_slist *a = curl_slist_append(NULL, h);
	struct curl_slist *b = a ? curl_slist_append(NULL, h) : NULL;
	explicit_bzero(h, n);
	free(h);
	if (!a || !b) {
		curl_slist_free_all(a);
		return -1;
	}
	c->hdr = a;
	c->hdr_body = b;
	if (!curl_slist_append(c->hdr, "Accept: application/json") ||
	    !curl_slist_append(c->hdr_body, "Accept: application/json") ||
	    !curl_slist_append(c->hdr_body, "Content-Type: application/json") ||
	    !curl_slist_append(c->hdr_body, "Expect:"))
		return -1;
	return 0;
}

static void apply_defaults(struct api_client *c, const struct api_config *cfg)
{
	c->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
						    : DEFAULT_CONNECT_MS;
	c->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->max_attempts =
	    cfg->max_attempts > 0 ? cfg->max_attempts : DEFAULT_ATTEMPTS;
	c->max_retry_ms =
	    cfg->max_retry_ms > 0 ? cfg->max_retry_ms : DEFAULT_RETRY_MS;
	c->parallelism =
	    cfg->parallelism > 0 ? cfg->parallelism : DEFAULT_PARALLELISM;
	c->page_size = cfg->page_size > 0 ? cfg->page_size : DEFAULT_PAGE_SIZE;
	c->base_ms =
	    cfg->retry_base_ms > 0 ? cfg->retry_base_ms : DEFAULT_BASE_MS;
	c->max_delay_ms = cfg->retry_max_delay_ms > 0 ? cfg->retry_max_delay_ms
						      : DEFAULT_MAX_DELAY_MS;
	c->cancel_fd = -1;
	c->deadline_total_ms = cfg->deadline_ms > 0 ? cfg->deadline_ms : 0;
	c->deadline =
	    c->deadline_total_ms ? now_ms() + c->deadline_total_ms : 0;
}

/* url for a message: any user:password@ part shown as "***@" (everything
 * up to the last '@', so a password holding '/', '?' or '#' is hidden
 * too), control characters as '?'. Allocated, NULL when out of memory. */
static char *url_for_message(const char *url)
{
	const char *sep = strstr(url, "://");
	const char *start = sep ? sep + 3 : url, *at = strrchr(start, '@');
	size_t head = (size_t)(start - url), n = strlen(url) + 4;
	char *out = malloc(n);
	if (!out)
		return NULL;
	if (at)
		snprintf(out, n, "%.*s***%s", (int)head, url, at);
	else
		snprintf(out, n, "%s", url);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* A URL for a message with nothing secret in it: no user:password@ part,
 * no fragment, and a query (a cursor, maybe a token) shown as "?…" (url
 * may be any text: url_for_message when libcurl cannot parse it).
 * Allocated, NULL when out of memory. */
static char *url_shown(const char *url)
{
	CURLU *u = curl_url();
	char *bare = NULL, *query = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_OPTIONS, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK) {
		bool q =
		    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK;
		if (curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_URL, &bare, 0) == CURLUE_OK) {
			size_t n = strlen(bare) + 8;
			if ((out = malloc(n)))
				snprintf(out, n, "%s%s", bare,
					 q ? "?\u2026" : "");
		}
	}
	curl_free(bare);
	curl_free(query);
	curl_url_cleanup(u);
	if (!out)
		return url_for_message(url);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* 127.0.0.0/8, ::1 and localhost: traffic that never leaves the host. */
static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char inner[64];
	size_t n = strlen(host);
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n > 2 && n - 2 < sizeof(inner) && host[0] == '[' &&
	    host[n - 1] == ']') {
		memcpy(inner, host + 1, n - 2);
		inner[n - 2] = '\0';
		return inet_pton(AF_INET6, inner, &a6) == 1 &&
		       IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return false;
}

static void add_invalid_url(struct diag_list *d, const char *url)
{
	char *shown = url_for_message(url ? url : "");
	diag_add(d, DIAG_ERROR, NULL, NULL,
		 "invalid API URL \"%s\" (want http:// or https://)",
		 shown ? shown : "?");
	free(shown);
}

int api_check_url(const char *base_url, bool allow_insecure_http,
		  struct diag_list *diags)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;
	if (!u || !base_url ||
	    curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		add_invalid_url(diags, base_url);
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 || allow_insecure_http ||
	    host_is_loopback(host)) {
		rc = 0;
		goto out;
	}
	/* a proxy or anyone on the path would read the key */
	diag_add(diags, DIAG_ERROR, NULL, NULL,
		 "refusing to send the API key in clear text to %s over "
		 "http:// (use https://, or pass --allow-insecure-http when "
		 "the network path is trusted)",
		 host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static int client_setup(struct api_client *c, const struct api_config *cfg,
			struct diag_list *d)
{
	const char *base = cfg->base_url;
	size_t len = base ? strlen(base) : 0;
	while (len > 0 && base[len - 1] == '/')
		len--;
	if (!base || !len || !(c->base = strndup(base, len)) ||
	    parse_origin(c->base, &c->origin, &c->https) < 0) {
		add_invalid_url(d, base);
		return -1;
	}
	if (api_check_url(c->base, cfg->allow_insecure_http, d) < 0)
		return -1;
	if (!cfg->api_key || !*cfg->api_key || has_ctl(cfg->api_key)) {
		diag_add(
		    d, DIAG_ERROR, NULL, NULL, "the API key is %s",
		    cfg->api_key && *cfg->api_key
			? "malformed (control characters)"
			: "missing (set ULTRAVOX_API_KEY or --api-key-file)");
		return -1;
	}
	if (!(c->key = strdup(cfg->api_key)) ||
	    (cfg->ca_cert && !(c->ca_cert = strdup(cfg->ca_cert))) ||
	    api_redact_add(c, c->key) < 0 || make_headers(c) < 0)
		goto oom;
	if (!(c->multi = curl_multi_init()))
		goto oom;
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS,
			  (long)c->parallelism + 2);
	return 0;
oom:
	diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
	return -1;
}

int api_client_new(struct api_client **out, const struct api_config *cfg,
		   struct diag_list *diags)
{
	struct api_client *c = NULL;
	*out = NULL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "api: cannot initialise libcurl");
		return -1;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	apply_defaults(c, cfg);
	if (crypto_random(&c->rng, sizeof(c->rng)) < 0 || !c->rng)
		c->rng = (uint64_t)now_ms() | 1;
	if (client_setup(c, cfg, diags) < 0) {
		api_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void snapshot_clear(struct api_client *c)
{
	for (size_t i = 0; i < c->n_snap; i++) {
		free(c->snap_keys[i]);
		free(c->snap_ids[i]);
	}
	free(c->snap_keys);
	free(c->snap_ids);
	c->snap_keys = c->snap_ids = NULL;
	c->n_snap = 0;
	c->have_snapshot = false;
}

static void slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

void api_client_free(struct api_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	slist_wipe_free(c->hdr);
	slist_wipe_free(c->hdr_body);
	for (size_t i = 0; i < c->n_redact; i++)
		wipe_free(c->redact[i]);
	free(c->redact);
	snapshot_clear(c);
	wipe_free(c->key);
	free(c->ca_cert);
	free(c->base);
	free(c->origin);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

const struct api_stats *api_client_stats(const struct api_client *c)
{
	return &c->stats;
}

void api_client_stats_get(const struct api_client *c, struct api_stats *out)
{
	pthread_mutex_t *lock = (pthread_mutex_t *)&c->lock;
	pthread_mutex_lock(lock);
	*out = c->stats;
	pthread_mutex_unlock(lock);
}

void api_client_set_log(struct api_client *c, api_log_fn fn, void *ctx)
{
	c->log = fn;
	c->log_ctx = ctx;
}

void api_client_set_cancel_fd(struct api_client *c, int fd)
{
	c->cancel_fd = fd;
}

void api_client_restart_deadline(struct api_client *c)
{
	if (c->deadline_total_ms && !c->halted)
		c->deadline = now_ms() + c->deadline_total_ms;
}

void api_client_set_wait_notice(struct api_client *c, long interval_ms,
				api_wait_fn fn, void *ctx)
{
	c->wait_every_ms = interval_ms > 0 ? interval_ms : 10000;
	c->wait_fn = fn;
	c->wait_ctx = ctx;
}

/* ---- transfers ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb;
	if (n > (size_t)MAX_BODY - buf_len(&x->resp)) {
		x->too_big = true;
		return 0;
	}
	return buf_add(&x->resp, data, n) == 0 ? n : 0;
}

/* The path part of url, without the query; NULL when it does not parse. */
static char *url_path(const char *url)
{
	CURLU *u = curl_url();
	char *p = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK)
		out = strdup(p);
	curl_free(p);
	curl_url_cleanup(u);
	return out;
}

static struct xfer *xfer_new(struct api_client *c, enum request_method m,
			     const char *url_or_path, const char *path,
			     const char *body)
{
	struct xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->method = m;
	x->body = body;
	buf_init(&x->resp, (size_t)MAX_BODY);
	if (url_or_path[0] == '/') {
		size_t n = strlen(c->base) + strlen(url_or_path) + 1;
		if ((x->url = malloc(n)))
			snprintf(x->url, n, "%s%s", c->base, url_or_path);
	} else {
		x->url = strdup(url_or_path);
	}
	/* messages name the path really requested (a base URL may have a
	 * path of its own) */
	x->path = x->url ? url_path(x->url) : NULL;
	if (!x->path)
		x->path = strdup(path);
	if (!x->url || !x->path) {
		free(x->url);
		free(x->path);
		free(x);
		return NULL;
	}
	return x;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free(x->url);
	free(x->path);
	buf_wipe(&x->resp); /* answers may carry fallback secrets */
	free(x->error);
	free(x);
}

static int easy_setup(struct api_client *c, struct xfer *x)
{
	CURL *e = x->easy = curl_easy_init();
	if (!e)
		return -1;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sipsync/" SIPSYNC_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, c->https ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_cert)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_cert);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->body ? c->hdr_body : c->hdr);
	if (x->method != REQUEST_GET && x->method != REQUEST_POST)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
				 request_method_name(x->method));
	/* curl silently re-sends a request that got no answer on a reused
	 * connection; for a create that could duplicate it, so a POST gets a
	 * connection of its own and a lost answer reaches us (re-list). */
	if (x->method == REQUEST_POST)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (x->body || x->method == REQUEST_POST) {
		const char *b = x->body ? x->body : "";
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, b);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(b));
	}
	return 0;
}

static int xfer_start(struct api_client *c, struct xfer *x)
{
	if (!x->easy && easy_setup(c, x) < 0)
		return -1;
	buf_wipe(&x->resp);
	x->too_big = false;
	x->errbuf[0] = '\0';
	x->attempts++;
	x->start_ms = now_ms();
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
		return -1;
	x->state = X_RUNNING;
	return 0;
}

static void xfer_fail(struct api_client *c, struct xfer *x, const char *msg)
{
	free(x->error);
	x->error = clean_message(c, msg);
	x->result = XR_FAILED;
	x->state = X_DONE;
	pthread_mutex_lock(&c->lock);
	c->stats.errors++;
	pthread_mutex_unlock(&c->lock);
}

static bool transport_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Full jitter: uniform in [0, min(max_delay, base * 2^(attempt-1))]. */
static long backoff_ms(struct api_client *c, int attempt)
{
	long ceil = c->base_ms;
	for (int i = 1; i < attempt && ceil < c->max_delay_ms; i++)
		ceil *= 2;
	if (ceil > c->max_delay_ms)
		ceil = c->max_delay_ms;
	return (long)(next_rand(c) % (uint64_t)(ceil + 1));
}

/* A redirect is never followed (the key would go along): say where to. */
static char *redirect_message(const struct api_client *c, const struct xfer *x)
{
	char *where = NULL, buf[600];
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &where);
	char *shown =
	    clean_text(c, where ? where : "(no Location)", 500, false);
	snprintf(buf, sizeof(buf),
		 "redirected to %s, not followed (check the API URL)",
		 shown ? shown : "(out of memory)");
	free(shown);
	return strdup(buf);
}

/* The server's message for a failed HTTP answer: redacted whole, then
 * shortened for display (allocated). */
static char *server_message(const struct api_client *c, const struct xfer *x)
{
	bool cut = false;
	if (x->status >= 300 && x->status < 400)
		return redirect_message(c, x);
	char *raw = buf_len(&x->resp) ? api_parse_error(buf_str(&x->resp),
							buf_len(&x->resp), &cut)
				      : NULL;
	char *msg = NULL;
	if (raw)
		msg = clean_text(c, raw, MAX_ERROR_MSG, cut);
	else if (buf_len(&x->resp) && buf_str(&x->resp)[0] == '<')
		msg = strdup("unexpected non-JSON (HTML) response");
	else if (buf_len(&x->resp)) /* a proxy's text: keep a short part */
		msg = clean_text(c, buf_str(&x->resp), MAX_TEXT_MSG, false);
	if (raw) {
		explicit_bzero(raw, strlen(raw));
		free(raw);
	}
	if (!msg || !*msg) {
		free(msg);
		msg = strdup("(no message from the server)");
	}
	if (msg && (x->status == 401 || x->status == 403)) {
		size_t n = strlen(AUTH_MSG) + strlen(msg) + 3;
		char *auth = malloc(n);
		if (auth)
			snprintf(auth, n, "%s: %s", AUTH_MSG, msg);
		free(msg);
		msg = auth;
	}
	return msg;
}

static void fail_with_answer(struct api_client *c, struct xfer *x, CURLcode cc,
			     bool gave_up)
{
	char buf[1400];
	char *msg = NULL;
	const char *what;
	if (cc == CURLE_OK) {
		msg = server_message(c, x);
		what = msg ? msg : "(out of memory)";
	} else if (x->too_big) {
		what = "response too large";
	} else {
		what = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
	}
	if (gave_up)
		snprintf(buf, sizeof(buf), "%s%s (gave up after %d attempt%s)",
			 cc == CURLE_OK ? "" : "request failed: ", what,
			 x->attempts, x->attempts == 1 ? "" : "s");
	else
		snprintf(buf, sizeof(buf), "%s%s",
			 cc == CURLE_OK ? "" : "request failed: ", what);
	free(msg);
	xfer_fail(c, x, buf);
}

static void log_attempt(struct api_client *c, const struct xfer *x, CURLcode cc,
			long elapsed, long retry_in)
{
	char line[600], retry[96] = "";
	struct api_event ev = {
	    .method = request_method_name(x->method),
	    .path = x->path,
	    .status = x->status,
	    .elapsed_ms = elapsed,
	    .attempt = x->attempts,
	    .retry_in_ms = retry_in,
	    .error = NULL,
	    .text = line,
	};
	char *err = NULL, *path = NULL;
	if (!c->log || !(path = clean_message(c, x->path)))
		return;
	ev.path = path;
	if (cc != CURLE_OK)
		ev.error = err = clean_message(
		    c, x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
	if (retry_in >= 0)
		snprintf(retry, sizeof(retry), "; retry %d/%d in %ld ms",
			 x->attempts + 1, c->max_attempts, retry_in);
	if (cc == CURLE_OK)
		snprintf(line, sizeof(line), "%s %s \u2192 %ld in %ld ms%s",
			 ev.method, path, x->status, elapsed, retry);
	else
		snprintf(line, sizeof(line), "%s %s \u2192 %s in %ld ms%s",
			 ev.method, path, ev.error ? ev.error : "error",
			 elapsed, retry);
	c->log(c->log_ctx, &ev);
	free(err);
	free(path);
}

/* A POST that may have reached the server is never sent again in this
 * run: a backend that commits late would end up with two registrations.
 * extra says what the re-list found (or NULL). */
static void fail_unknown(struct api_client *c, struct xfer *x,
			 const char *extra)
{
	char buf[400];
	snprintf(buf, sizeof(buf),
		 "outcome unknown (%s)%s%s; not re-sent so no duplicate can be "
		 "made; run apply again: it re-lists first",
		 x->unknown_why ? x->unknown_why : "no answer",
		 extra ? ", " : "", extra ? extra : "");
	xfer_fail(c, x, buf);
}

enum verdict { V_OK, V_RETRY, V_FAIL, V_UNKNOWN };

static enum verdict classify(struct xfer *x, CURLcode cc, bool reached,
			     long *retry_after_ms)
{
	curl_off_t ra = -1;
	*retry_after_ms = -1;
	if (cc == CURLE_OK) {
		long s = x->status;
		if (s >= 200 && s < 300)
			return V_OK;
		if (s == 404 && x->method == REQUEST_DELETE)
			return V_OK; /* already gone: maybe by an attempt whose
					answer was lost (curl itself re-sends on
					a dead reused connection) */
		if (s == 429 || s == 503) {
			if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER,
					      &ra) == CURLE_OK &&
			    ra > 0)
				*retry_after_ms =
				    (long)(ra > 86400 ? 86400 : ra) * 1000;
			return V_RETRY;
		}
		if (s == 502 || s == 504) {
			/* a gateway may have passed the request on */
			x->ambiguous = true;
			x->unknown_why = s == 502 ? "a gateway answered 502"
						  : "a gateway answered 504";
			return x->method == REQUEST_POST ? V_UNKNOWN : V_RETRY;
		}
		return V_FAIL;
	}
	if (x->too_big || !transport_retryable(cc))
		return V_FAIL;
	if (reached && cc != CURLE_COULDNT_CONNECT &&
	    cc != CURLE_COULDNT_RESOLVE_HOST) {
		x->ambiguous = true;
		x->unknown_why = cc == CURLE_OPERATION_TIMEDOUT
				     ? "the request timed out after it was sent"
				     : "the connection was lost after the "
				       "request was sent";
		if (x->method == REQUEST_POST)
			return V_UNKNOWN;
	}
	return V_RETRY;
}

/* Decides what happens after one attempt: done, failed, or queued again. */
static void xfer_finished(struct api_client *c, struct xfer *x, CURLcode cc)
{
	long long now = now_ms();
	long elapsed = (long)(now - x->start_ms), ra_ms, delay = -1;
	curl_off_t pre = 0;
	x->status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);

	pthread_mutex_lock(&c->lock);
	c->stats.requests++;
	c->stats.by_method[x->method]++;
	c->stats.seconds_total += elapsed / 1000.0;
	pthread_mutex_unlock(&c->lock);

	enum verdict v = classify(x, cc, pre > 0, &ra_ms);
	if (v == V_RETRY) {
		delay = backoff_ms(c, x->attempts);
		/* Never earlier than the server asked: a Retry-After longer
		 * than what is left of the budget fails the request now. */
		if (ra_ms >= 0)
			delay = ra_ms + delay / 4;
		if (x->attempts >= c->max_attempts ||
		    x->waited_ms + delay > c->max_retry_ms)
			delay = -1;
	}
	log_attempt(c, x, cc, elapsed, delay);
	x->state = X_DONE;
	if (v == V_OK) {
		x->result = XR_OK;
	} else if (v == V_UNKNOWN && x->unknown_ok) {
		x->result = XR_UNKNOWN;
	} else if (v == V_UNKNOWN) {
		fail_unknown(c, x, NULL);
	} else if (v == V_RETRY && delay >= 0) {
		pthread_mutex_lock(&c->lock);
		c->stats.retries++;
		pthread_mutex_unlock(&c->lock);
		x->waited_ms += delay;
		x->due_ms = now + delay;
		x->state = X_QUEUED;
	} else {
		fail_with_answer(c, x, cc, v == V_RETRY);
	}
}

static void drain_messages(struct api_client *c, struct xqueue *q,
			   size_t *running, bool *any)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode cc = m->data.result;
		struct xfer *x = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(c->multi, e);
		(*running)--;
		*any = true;
		xfer_finished(c, x, cc);
		if (x->state == X_DONE && q->on_done)
			q->on_done(c, x, q->ctx);
	}
}

/* Starts every due transfer while there is room; returns the earliest due
 * time of those still waiting (or -1). */
static long long start_due(struct api_client *c, struct xqueue *q,
			   size_t *running, bool *waiting)
{
	long long now = now_ms(), next = -1;
	*waiting = false;
	for (size_t i = 0; i < q->n; i++) {
		struct xfer *x = q->v[i];
		if (x->state != X_QUEUED)
			continue;
		if (x->due_ms <= now && *running < (size_t)c->parallelism) {
			if (xfer_start(c, x) == 0) {
				(*running)++;
				continue;
			}
			xfer_fail(c, x, "cannot start request (out of memory)");
			if (q->on_done)
				q->on_done(c, x, q->ctx);
			continue;
		}
		*waiting = true;
		if (x->due_ms > now && (next < 0 || x->due_ms < next))
			next = x->due_ms;
	}
	return next;
}

/* "2m", "1m30s", "45s" or "250ms", for messages about --timeout. */
static void fmt_duration(char *buf, size_t n, long ms)
{
	long s = ms / 1000, m = s / 60;
	if (ms % 1000 || !s)
		snprintf(buf, n, "%ldms", ms);
	else if (m && s % 60)
		snprintf(buf, n, "%ldm%lds", m, s % 60);
	else if (m)
		snprintf(buf, n, "%ldm", m);
	else
		snprintf(buf, n, "%lds", s);
}

/* Why no request may run any more (a stop request, the deadline), or
 * NULL. Once set it stays set for the client's life. */
static const char *halt_reason(struct api_client *c)
{
	if (c->halted)
		return c->halted;
	if (c->cancel_fd >= 0) {
		struct pollfd p = {.fd = c->cancel_fd, .events = POLLIN};
		if (poll(&p, 1, 0) > 0 && p.revents)
			c->halted = "interrupted by a stop request";
	}
	if (!c->halted && c->deadline && now_ms() >= c->deadline) {
		char d[32];
		fmt_duration(d, sizeof(d), c->deadline_total_ms);
		snprintf(c->halt_buf, sizeof(c->halt_buf),
			 "the command's deadline passed (--timeout %s)", d);
		c->halted = c->halt_buf;
	}
	return c->halted;
}

/* Ends one transfer of a halted client with a message saying what became
 * of it. A write that may have reached the server has an unknown outcome;
 * one never sent is skipped (the caller reports those together). */
static void abort_one(struct api_client *c, struct xfer *x, const char *why)
{
	char buf[600];
	long secs = (long)((now_ms() - x->start_ms) / 1000);
	bool write = x->method != REQUEST_GET;
	if (x->state == X_RUNNING) {
		curl_multi_remove_handle(c->multi, x->easy);
		x->status = 0;
		if (write)
			snprintf(buf, sizeof(buf),
				 "outcome unknown: %s while the request was in "
				 "flight (%ld s; the server may have applied "
				 "it); run apply again: it re-reads first",
				 why, secs);
		else
			snprintf(buf, sizeof(buf),
				 "%s while waiting for the answer (%ld s, "
				 "attempt %d of %d)",
				 why, secs, x->attempts, c->max_attempts);
	} else if (x->attempts > 0) {
		char last[48] = "got no answer";
		if (x->status)
			snprintf(last, sizeof(last), "was answered %ld",
				 x->status);
		snprintf(buf, sizeof(buf),
			 "%s before retry %d of %d (the last attempt %s)%s",
			 why, x->attempts + 1, c->max_attempts, last,
			 write && x->ambiguous ? "; outcome unknown" : "");
		x->status = 0; /* the text says it: no "503:" before "stop" */
	} else {
		snprintf(buf, sizeof(buf), "not sent: %s", why);
		xfer_fail(c, x, buf);
		x->result = XR_SKIPPED;
		return;
	}
	xfer_fail(c, x, buf);
}

/* Ends every transfer of q that is not done yet (see abort_one). */
static void abort_queue(struct api_client *c, struct xqueue *q, const char *why)
{
	for (size_t i = 0; i < q->n; i++) {
		struct xfer *x = q->v[i];
		if (x->state == X_DONE)
			continue;
		abort_one(c, x, why);
		if (q->on_done)
			q->on_done(c, x, q->ctx);
	}
}

/* The progress line for a long wait: what the oldest request in flight
 * (or the next one due) is, and for how long the wait has lasted. */
static void wait_notice(struct api_client *c, const struct xqueue *q,
			long long since)
{
	const struct xfer *oldest = NULL, *due = NULL;
	size_t running = 0;
	char line[600], *path;
	long long now = now_ms();
	for (size_t i = 0; i < q->n; i++) {
		const struct xfer *x = q->v[i];
		if (x->state == X_RUNNING) {
			running++;
			if (!oldest || x->start_ms < oldest->start_ms)
				oldest = x;
		} else if (x->state == X_QUEUED &&
			   (!due || x->due_ms < due->due_ms)) {
			due = x;
		}
	}
	const struct xfer *x = oldest ? oldest : due;
	if (!x || !(path = clean_message(c, x->path)))
		return;
	long secs = (long)((now - since) / 1000);
	if (oldest && running > 1)
		snprintf(line, sizeof(line),
			 "still waiting for %s %s and %zu more request%s "
			 "(%ld s elapsed)",
			 request_method_name(x->method), path, running - 1,
			 running == 2 ? "" : "s", secs);
	else if (oldest)
		snprintf(line, sizeof(line),
			 "still waiting for %s %s (%ld s elapsed, attempt %d "
			 "of %d)",
			 request_method_name(x->method), path, secs,
			 x->attempts, c->max_attempts);
	else
		snprintf(line, sizeof(line),
			 "still waiting to retry %s %s (%ld s elapsed, retry "
			 "%d of %d in %lld s)",
			 request_method_name(x->method), path, secs,
			 x->attempts + 1, c->max_attempts,
			 (x->due_ms - now + 999) / 1000);
	free(path);
	c->wait_fn(c->wait_ctx, line);
}

/* How long the multi loop may sleep: until the next retry is due, the
 * next progress line, the deadline, and at most 1 s. */
static int poll_timeout(const struct api_client *c, long long next,
			long long notice_at)
{
	long long now = now_ms(), t = 1000;
	if (next >= 0 && next - now < t)
		t = next - now;
	if (notice_at >= 0 && notice_at - now < t)
		t = notice_at - now;
	if (c->deadline && c->deadline - now < t)
		t = c->deadline - now;
	return t < 0 ? 0 : (int)t;
}

/* Runs every queued transfer of q to completion (done, failed, unknown
 * or, after a stop or the deadline, aborted). The cancel fd wakes the
 * wait at once, whether a request is in flight or a retry is pending. */
static void run_queue(struct api_client *c, struct xqueue *q)
{
	size_t running = 0;
	long long since = now_ms();
	long long notice_at = c->wait_fn ? since + c->wait_every_ms : -1;
	for (;;) {
		bool waiting, any = false;
		int still = 0;
		const char *why = halt_reason(c);
		if (why) {
			abort_queue(c, q, why);
			break;
		}
		long long next = start_due(c, q, &running, &waiting);
		if (!running && !waiting)
			break;
		curl_multi_perform(c->multi, &still);
		drain_messages(c, q, &running, &any);
		if (any)
			continue;
		if (notice_at >= 0 && now_ms() >= notice_at) {
			wait_notice(c, q, since);
			notice_at += c->wait_every_ms;
		}
		struct curl_waitfd wfd = {.fd = c->cancel_fd,
					  .events = CURL_WAIT_POLLIN};
		curl_multi_poll(c->multi, c->cancel_fd >= 0 ? &wfd : NULL,
				c->cancel_fd >= 0 ? 1 : 0,
				poll_timeout(c, next, notice_at), NULL);
	}
}

static int queue_push(struct xqueue *q, struct xfer *x)
{
	struct xfer **grown = realloc(q->v, (q->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	q->v = grown;
	q->v[q->n++] = x;
	return 0;
}

/* ---- reads ---- */

static void snapshot_set(struct api_client *c, const struct registration *regs,
			 size_t n)
{
	snapshot_clear(c);
	c->snap_keys = calloc(n + 1, sizeof(char *));
	c->snap_ids = calloc(n + 1, sizeof(char *));
	if (!c->snap_keys || !c->snap_ids) {
		snapshot_clear(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		c->snap_keys[i] = model_registration_key(&regs[i]);
		c->snap_ids[i] = strdup(regs[i].id ? regs[i].id : "");
		c->n_snap = i + 1;
		if (!c->snap_keys[i] || !c->snap_ids[i]) {
			snapshot_clear(c);
			return;
		}
	}
	c->have_snapshot = true;
}

static bool same_origin(const struct api_client *c, const char *url)
{
	char *o = NULL;
	bool same =
	    parse_origin(url, &o, NULL) == 0 && strcmp(o, c->origin) == 0;
	free(o);
	return same;
}

static bool seen_before(char **seen, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], url) == 0)
			return true;
	return false;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A page's `next`, absolute: as given when it is, else resolved against
 * the URL of the page that named it (as a browser resolves a link).
 * Allocated; NULL when it is no URL (or out of memory). */
static char *resolve_next(const char *page_url, const char *next)
{
	CURLU *u = curl_url();
	char *abs = NULL, *out = NULL;
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK) {
		out = strdup(next);
	} else if (curl_url_set(u, CURLUPART_URL, page_url, 0) == CURLUE_OK &&
		   curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK &&
		   curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK) {
		out = strdup(abs);
	}
	curl_free(abs);
	curl_url_cleanup(u);
	return out;
}

/* Checks a page's `next` (absolute, see resolve_next) before following
 * it. 0 ok, -1 with a diag on the page that named it. */
static int check_next(struct api_client *c, const struct xfer *page,
		      const char *next, char **seen, size_t n_seen,
		      struct diag_list *d)
{
	char buf[900], *shown = NULL;
	const char *why = NULL;
	if (!same_origin(c, next)) {
		shown = url_shown(next);
		snprintf(buf, sizeof(buf),
			 "refusing to follow `next` to another server: %s "
			 "(the API key is only sent to %s)",
			 shown ? shown : "?", c->origin);
		why = buf;
	} else if (seen_before(seen, n_seen, next)) {
		why = "pagination loops (`next` repeats an earlier page)";
	} else if (n_seen >= MAX_PAGES) {
		why = "too many pages of registrations";
	}
	free(shown);
	if (!why)
		return 0;
	add_http_diag(c, d, REQUEST_GET, page->path, 200, why);
	return -1;
}

static int page_result(struct api_client *c, struct xfer *x,
		       struct registration **regs, size_t *n, char **next,
		       struct diag_list *d)
{
	char *why = NULL;
	if (x->result != XR_OK) {
		add_http_diag(c, d, x->method, x->path, x->status, x->error);
		return -1;
	}
	if (api_parse_page(buf_str(&x->resp), buf_len(&x->resp), regs, n, next,
			   &why) < 0) {
		char buf[400];
		snprintf(buf, sizeof(buf),
			 "response is not a PaginatedSipRegistrationList: %s",
			 why ? why : "out of memory");
		add_http_diag(c, d, x->method, x->path, x->status, buf);
		free(why);
		return -1;
	}
	return 0;
}

static int sip_result(struct api_client *c, struct xfer *x,
		      struct sip_config *sip, struct diag_list *d)
{
	char *why = NULL;
	if (x->result != XR_OK) {
		add_http_diag(c, d, x->method, x->path, x->status, x->error);
		return -1;
	}
	if (api_parse_sip(buf_str(&x->resp), buf_len(&x->resp), sip, &why) <
	    0) {
		char buf[400];
		snprintf(buf, sizeof(buf), "response is not a SipConfig: %s",
			 why ? why : "out of memory");
		add_http_diag(c, d, x->method, x->path, x->status, buf);
		free(why);
		return -1;
	}
	/* a later error message must not echo a live secret either */
	for (size_t i = 0; i < sip->fallback.n_secrets; i++)
		api_redact_add(c, sip->fallback.secrets[i].value);
	return 0;
}

static struct xfer *push_new(struct api_client *c, struct xqueue *q,
			     enum request_method m, const char *url,
			     const char *path)
{
	struct xfer *x = xfer_new(c, m, url, path, NULL);
	if (x && queue_push(q, x) < 0) {
		xfer_free(x);
		x = NULL;
	}
	return x;
}

static void queue_clear(struct xqueue *q)
{
	for (size_t i = 0; i < q->n; i++)
		xfer_free(q->v[i]);
	q->n = 0;
}

struct id_at {
	const char *id;
	size_t at;
};

static int by_id_then_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int r = strcmp(x->id, y->id);
	return r ? r : (x->at > y->at) - (x->at < y->at);
}

/* Pages that overlap (the listing changed while it was read) repeat a
 * registration: keep its first occurrence only, so nobody takes the
 * repeat for a duplicate to delete. Returns 0, or -1 when out of memory. */
static int drop_repeated_ids(struct registration *regs, size_t *n)
{
	struct id_at *v = *n > 1 ? calloc(*n, sizeof(*v)) : NULL;
	bool *gone = *n > 1 ? calloc(*n, sizeof(*gone)) : NULL;
	size_t kept = 0;
	if (*n <= 1)
		return 0;
	if (!v || !gone) {
		free(v);
		free(gone);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = (struct id_at){regs[i].id ? regs[i].id : "", i};
	qsort(v, *n, sizeof(*v), by_id_then_at);
	for (size_t i = 1; i < *n; i++)
		gone[v[i].at] = strcmp(v[i].id, v[i - 1].id) == 0;
	for (size_t i = 0; i < *n; i++) {
		if (gone[i])
			model_registration_release(&regs[i]);
		else
			regs[kept++] = regs[i];
	}
	*n = kept;
	free(v);
	free(gone);
	return 0;
}

/* Lists every registration page (a registrationId seen on an earlier page
 * is dropped); when sip is not NULL, GET /api/sip runs beside the first
 * page. */
static int read_all(struct api_client *c, struct sip_config *sip,
		    struct registration **regs, size_t *n, struct diag_list *d)
{
	char first[96], *next = NULL, **seen = NULL;
	size_t n_seen = 0;
	struct xqueue q = {0};
	struct xfer *sx = NULL, *px = NULL;
	int rc = -1;

	snprintf(first, sizeof(first), "/api/sip/registrations?pageSize=%d",
		 c->page_size);
	if ((sip &&
	     !(sx = push_new(c, &q, REQUEST_GET, "/api/sip", "/api/sip"))) ||
	    !(px = push_new(c, &q, REQUEST_GET, first,
			    "/api/sip/registrations")))
		goto oom;
	for (;;) {
		run_queue(c, &q);
		if (sx && sip_result(c, sx, sip, d) < 0)
			goto out;
		if (page_result(c, px, regs, n, &next, d) < 0)
			goto out;
		if (!next)
			break;
		char *abs = resolve_next(px->url, next);
		if (!abs) {
			char *shown = url_for_message(next), msg[600];
			snprintf(msg, sizeof(msg), "`next` is not a URL: %s",
				 shown ? shown : "?");
			add_http_diag(c, d, REQUEST_GET, px->path, 200, msg);
			free(shown);
			goto out;
		}
		free(next);
		next = abs;
		char **grown = realloc(seen, (n_seen + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		seen = grown;
		seen[n_seen++] = strdup(px->url);
		if (!seen[n_seen - 1] ||
		    check_next(c, px, next, seen, n_seen, d) < 0)
			goto out;
		/* the next page replaces the finished transfers */
		queue_clear(&q);
		sx = NULL;
		if (!(px = push_new(c, &q, REQUEST_GET, next,
				    "/api/sip/registrations")))
			goto oom;
		free(next);
		next = NULL;
	}
	if (drop_repeated_ids(*regs, n) < 0)
		goto oom;
	snapshot_set(c, *regs, *n);
	rc = 0;
	goto out;
oom:
	diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
out:
	queue_clear(&q);
	free(q.v);
	free(next);
	free_strings(seen, n_seen);
	return rc;
}

static void free_regs(struct registration *regs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
}

int api_list_registrations(struct api_client *c, struct registration **out,
			   size_t *n, struct diag_list *diags)
{
	struct registration *regs = NULL;
	size_t count = 0;
	*out = NULL;
	*n = 0;
	if (read_all(c, NULL, &regs, &count, diags) < 0) {
		free_regs(regs, count);
		return -1;
	}
	*out = regs;
	*n = count;
	return 0;
}

int api_read_live(struct api_client *c, struct live_state **out,
		  struct diag_list *diags)
{
	struct live_state *ls = calloc(1, sizeof(*ls));
	*out = NULL;
	if (!ls) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	if (read_all(c, &ls->sip, &ls->regs, &ls->n_regs, diags) < 0) {
		model_live_free(ls);
		return -1;
	}
	*out = ls;
	return 0;
}

int api_agents_exist(struct api_client *c, const char *const *ids, size_t n,
		     int *exists, struct diag_list *diags)
{
	struct xqueue q = {0};
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *esc = curl_easy_escape(NULL, ids[i], 0);
		char path[512];
		struct xfer *x = NULL;
		exists[i] = -1;
		if (esc)
			snprintf(path, sizeof(path), "/api/agents/%s", esc);
		curl_free(esc);
		if (!esc || !(x = xfer_new(c, REQUEST_GET, path, path, NULL)) ||
		    queue_push(&q, x) < 0) {
			xfer_free(x);
			diag_add(diags, DIAG_ERROR, NULL, NULL,
				 "api: out of memory");
			rc = -1;
			goto out;
		}
	}
	run_queue(c, &q);
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = q.v[i];
		if (x->result == XR_OK)
			exists[i] = 1;
		else if (x->status == 404)
			exists[i] = 0;
		else {
			add_http_diag(c, diags, x->method, x->path, x->status,
				      x->error);
			rc = -1;
		}
	}
out:
	for (size_t i = 0; i < q.n; i++)
		xfer_free(q.v[i]);
	free(q.v);
	return rc;
}

int api_agent_exists(struct api_client *c, const char *agent_id,
		     struct diag_list *diags)
{
	int exists = -1;
	api_agents_exist(c, &agent_id, 1, &exists, diags);
	return exists;
}

/* ---- writes ---- */

void api_write_release(struct api_write *w)
{
	if (!w)
		return;
	free(w->path);
	if (w->body) {
		explicit_bzero(w->body, strlen(w->body));
		free(w->body);
	}
	free(w->create_key);
	free(w->label);
	free(w->created_id);
	memset(w, 0, sizeof(*w));
}

static int snapshot_add(struct api_client *c, const char *key, const char *id);

struct exec_ctx {
	struct api_write *writes;
	api_progress_fn progress;
	void *pctx;
	struct diag_list *diags;
	bool failed;
	size_t skipped;
};

static void write_done(struct api_client *c, struct xfer *x, void *ctx)
{
	struct exec_ctx *e = ctx;
	struct api_write *w = x->user;
	w->status = x->status;
	if (x->result == XR_UNKNOWN)
		return; /* settled by re-listing */
	if (x->result == XR_SKIPPED) {
		e->failed = true; /* never sent: reported once, in total */
		e->skipped++;
		return;
	}
	if (x->result == XR_OK) {
		w->result = 1;
		if (w->method == REQUEST_POST && !w->created_id)
			w->created_id = api_parse_registration_id(
			    buf_str(&x->resp), buf_len(&x->resp));
		if (w->method == REQUEST_POST && w->create_key &&
		    c->have_snapshot) {
			/* keep the "before" picture true for later POSTs */
			if (!w->created_id ||
			    snapshot_add(c, w->create_key, w->created_id) < 0)
				snapshot_clear(c);
		}
	} else {
		w->result = -1;
		e->failed = true;
		add_http_diag(c, e->diags, w->method, w->path, x->status,
			      x->error);
	}
	if (e->progress)
		e->progress(e->pctx, w);
}

static bool in_snapshot(const struct api_client *c, const char *id)
{
	for (size_t i = 0; i < c->n_snap; i++)
		if (strcmp(c->snap_ids[i], id) == 0)
			return true;
	return false;
}

/* A registration with key that the snapshot did not have, or NULL. */
static const struct registration *find_new(const struct api_client *c,
					   const struct registration *regs,
					   size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		char *k = model_registration_key(&regs[i]);
		bool match = k && strcmp(k, key) == 0 && regs[i].id &&
			     !in_snapshot(c, regs[i].id);
		free(k);
		if (match)
			return &regs[i];
	}
	return NULL;
}

static int snapshot_add(struct api_client *c, const char *key, const char *id)
{
	char **k = realloc(c->snap_keys, (c->n_snap + 1) * sizeof(*k));
	if (!k)
		return -1;
	c->snap_keys = k;
	char **i = realloc(c->snap_ids, (c->n_snap + 1) * sizeof(*i));
	if (!i)
		return -1;
	c->snap_ids = i;
	c->snap_keys[c->n_snap] = strdup(key);
	c->snap_ids[c->n_snap] = strdup(id);
	if (!c->snap_keys[c->n_snap] || !c->snap_ids[c->n_snap]) {
		free(c->snap_keys[c->n_snap]);
		free(c->snap_ids[c->n_snap]);
		return -1;
	}
	c->n_snap++;
	return 0;
}

/* Settles one POST whose answer was lost, after a re-list: done when the
 * re-list shows a new registration of its identity, else failed (never
 * re-sent: the server may still commit it). */
static void settle_unknown(struct api_client *c, struct xfer *x,
			   const struct registration *regs, size_t n,
			   bool listed, struct exec_ctx *e)
{
	struct api_write *w = x->user;
	const struct registration *r =
	    listed ? find_new(c, regs, n, w->create_key) : NULL;
	if (r && (w->created_id = strdup(r->id))) {
		x->result = XR_OK;
		x->status = 201;
		write_done(c, x, e);
		return;
	}
	fail_unknown(c, x,
		     listed ? "and the registration is not listed (yet)"
			    : "and re-listing registrations failed");
	write_done(c, x, e);
}

/* Re-lists once after lost POST answers and settles each of them. */
static void resolve_unknown(struct api_client *c, struct xqueue *q,
			    struct exec_ctx *e)
{
	struct registration *regs = NULL;
	size_t n = 0;
	bool any = false;
	for (size_t i = 0; i < q->n; i++)
		any |=
		    q->v[i]->state == X_DONE && q->v[i]->result == XR_UNKNOWN;
	if (!any)
		return;
	if (c->halted) { /* a re-list could not run either */
		for (size_t i = 0; i < q->n; i++) {
			struct xfer *x = q->v[i];
			if (x->state != X_DONE || x->result != XR_UNKNOWN)
				continue;
			fail_unknown(c, x, c->halted);
			write_done(c, x, e);
		}
		return;
	}
	struct diag_list tmp = {0};
	/* keep the pre-POST snapshot: read_all would replace it */
	char **keys = c->snap_keys, **ids = c->snap_ids;
	size_t n_snap = c->n_snap;
	c->snap_keys = c->snap_ids = NULL;
	c->n_snap = 0;
	bool listed = read_all(c, NULL, &regs, &n, &tmp) == 0;
	snapshot_clear(c);
	c->snap_keys = keys;
	c->snap_ids = ids;
	c->n_snap = n_snap;
	c->have_snapshot = true;
	if (!listed)
		diag_list_move(e->diags, &tmp);
	diag_list_clear(&tmp);
	for (size_t i = 0; i < q->n; i++) {
		struct xfer *x = q->v[i];
		if (x->state == X_DONE && x->result == XR_UNKNOWN)
			settle_unknown(c, x, regs, n, listed, e);
	}
	free_regs(regs, n);
}

static void register_body_secrets(struct api_client *c, struct api_write *w,
				  size_t n)
{
	for (size_t i = 0; i < n; i++)
		api_parse_body_secrets(w[i].body, redact_cb, c);
}

static int build_queue(struct api_client *c, struct api_write *w, size_t n,
		       struct xqueue *q, struct diag_list *d)
{
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = NULL;
		w[i].result = 0;
		w[i].status = 0;
		if (!w[i].path || w[i].path[0] != '/') {
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "api: write %zu has no absolute path", i);
			return -1;
		}
		if (!(x = xfer_new(c, w[i].method, w[i].path, w[i].path,
				   w[i].body)) ||
		    queue_push(q, x) < 0) {
			xfer_free(x);
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "api: out of memory");
			return -1;
		}
		x->user = &w[i];
		x->unknown_ok = w[i].method == REQUEST_POST && w[i].create_key;
	}
	return 0;
}

int api_execute(struct api_client *c, struct api_write *writes, size_t n,
		api_progress_fn progress, void *ctx, struct diag_list *diags)
{
	struct exec_ctx e = {writes, progress, ctx, diags, false, 0};
	struct xqueue q = {.on_done = write_done, .ctx = &e};
	bool posts = false;
	int rc = -1;

	register_body_secrets(c, writes, n);
	for (size_t i = 0; i < n; i++)
		posts |=
		    writes[i].method == REQUEST_POST && writes[i].create_key;
	if (posts && !c->have_snapshot) {
		/* the "before" picture for lost answers */
		struct registration *regs = NULL;
		size_t count = 0;
		if (read_all(c, NULL, &regs, &count, diags) < 0) {
			free_regs(regs, count);
			return -1;
		}
		free_regs(regs, count);
	}
	if (build_queue(c, writes, n, &q, diags) < 0)
		goto out;
	run_queue(c, &q);
	resolve_unknown(c, &q, &e);
	if (e.skipped)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "api: %zu of %zu write%s not sent: %s", e.skipped, n,
			 n == 1 ? "" : "s", c->halted ? c->halted : "stopped");
	rc = e.failed ? -1 : 0;
out:
	for (size_t i = 0; i < q.n; i++)
		xfer_free(q.v[i]);
	free(q.v);
	return rc;
}

int api_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void api_global_cleanup(void)
{
	curl_global_cleanup();
}

const char *api_libcurl_version(void)
{
	/* Built once: the version command is the only caller. */
	static char buf[96];
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	snprintf(buf, sizeof(buf), "%s %s", v->version,
		 v->ssl_version ? v->ssl_version : "(no TLS)");
	return buf;
}
