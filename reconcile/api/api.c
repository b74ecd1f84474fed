/*
 * The Ultravox SIP API client: set-up and configuration, redaction and
 * message hygiene, stats. Every request goes through one curl multi
 * handle, whose connection cache keeps connections alive between requests
 * (and multiplexes them over HTTP/2 when the server offers it); the
 * engine that drives it is api_transfer.c, the reads api_read.c, the
 * writes api_write.c, the JSON codecs api_parse.c.
 */
#include "reconcile/api/api.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/crypto.h"
#include "reconcile/api/api_internal.h"
#include "reconcile/base/str.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

long long api_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t api_next_rand(struct api_client *c)
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

void api_redact_cb(void *ctx, const char *secret)
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
char *api_clean_text(const struct api_client *c, const char *msg, size_t max,
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

char *api_clean_message(const struct api_client *c, const char *msg)
{
	return api_clean_text(c, msg, SIZE_MAX, false);
}

void api_add_http_diag(const struct api_client *c, struct diag_list *d,
		       enum request_method m, const char *path, long status,
		       const char *msg)
{
	char *clean = api_clean_message(c, msg),
	     *cpath = api_clean_message(c, path);
	diag_add_http(d, request_method_name(m), cpath ? cpath : "?", status,
		      "%s", clean ? clean : "(out of memory)");
	free(clean);
	free(cpath);
}

/* ---- client ---- */

int api_url_origin(const char *url, char **origin, bool *https)
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
	str_lower(scheme);
	str_lower(host);
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
	api_pace_init(&c->pace, cfg->max_rps, api_now_ms());
	c->cancel_fd = -1;
	c->deadline_total_ms = cfg->deadline_ms > 0 ? cfg->deadline_ms : 0;
	c->deadline_what = cfg->deadline_agent
			       ? "the account's time in this cycle passed "
				 "(--account-timeout"
			       : "the command's deadline passed (--timeout";
	c->deadline =
	    c->deadline_total_ms ? api_now_ms() + c->deadline_total_ms : 0;
}

/* url for a message: any user:password@ part shown as "***@" (everything
 * up to the last '@', so a password holding '/', '?' or '#' is hidden
 * too), control characters as '?'. Allocated, NULL when out of memory. */
char *api_url_for_message(const char *url)
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
 * may be any text: api_url_for_message when libcurl cannot parse it).
 * Allocated, NULL when out of memory. */
char *api_url_shown(const char *url)
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
		return api_url_for_message(url);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* 127.0.0.0/8, ::1 and localhost: traffic that never leaves the host. */
bool api_host_is_loopback(const char *host)
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
	char *shown = api_url_for_message(url ? url : "");
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
	    api_host_is_loopback(host)) {
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
	    api_url_origin(c->base, &c->origin, &c->https) < 0) {
		add_invalid_url(d, base);
		return -1;
	}
	if (api_check_url(c->base, cfg->allow_insecure_http, d) < 0)
		return -1;
	const char *from =
	    cfg->key_source && *cfg->key_source && !has_ctl(cfg->key_source)
		? cfg->key_source
		: KEY_SOURCE_DEFAULT;
	if (!cfg->api_key || !*cfg->api_key || has_ctl(cfg->api_key)) {
		if (cfg->api_key && *cfg->api_key)
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "the API key is malformed (control "
				 "characters; check %s)",
				 from);
		else
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "the API key is missing (set %s)", from);
		return -1;
	}
	if (!(c->auth_msg =
		  str_printf("authentication failed (check %s)", from)) ||
	    !(c->key = strdup(cfg->api_key)) ||
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
		c->rng = (uint64_t)api_now_ms() | 1;
	if (client_setup(c, cfg, diags) < 0) {
		api_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void api_snapshot_clear(struct api_client *c)
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
	api_snapshot_clear(c);
	wipe_free(c->key);
	free(c->auth_msg);
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
		c->deadline = api_now_ms() + c->deadline_total_ms;
}

void api_client_set_wait_notice(struct api_client *c, long interval_ms,
				api_wait_fn fn, void *ctx)
{
	c->wait_every_ms = interval_ms > 0 ? interval_ms : 10000;
	c->wait_fn = fn;
	c->wait_ctx = ctx;
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
