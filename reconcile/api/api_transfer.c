/*
 * The transfer engine: a request is a struct xfer; api_run_queue() drives a
 * set of them over the client's curl multi handle, at most `parallelism`
 * in flight, retrying each on its own schedule (backoff with jitter),
 * classifying each outcome (done, failed, unknown for a POST that may have
 * reached the server), and stopping on the cancel fd or the deadline.
 */
#include "reconcile/api/api_internal.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/buf.h"

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

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The first header line of an answer (an interim 1xx counts: it is the
 * server's first byte) times the round trip; headers are not kept here
 * (curl_easy_header reads Retry-After). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	(void)data;
	if (!x->first_us)
		x->first_us = now_us();
	return size * nmemb;
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

struct xfer *api_xfer_new(struct api_client *c, enum request_method m,
			  const char *url_or_path, const char *path,
			  const char *body)
{
	struct xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->method = m;
	x->body = body;
	x->client = c;
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

void api_xfer_free(struct xfer *x)
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

/* ---- a POST is sent at most once ----
 *
 * POSTs share the kept-alive connection (HTTP/2 streams where offered).
 * libcurl sends a request again by itself when a reused connection dies
 * before any answer byte: for a create that may be a duplicate (the
 * server may have committed the first). A re-send of a body that already
 * went out needs curl to rewind it, so the body is read through callbacks
 * and the rewind is refused: the attempt ends with CURLE_SEND_FAIL_REWIND
 * and its outcome is unknown (the re-list settles it). The one re-send
 * allowed is of an HTTP/2 stream with no socket error: the server refused
 * the stream (REFUSED_STREAM, or GOAWAY with a lower last-stream id), which
 * the protocol guarantees was not processed. */

static size_t on_read(char *out, size_t size, size_t nitems, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nitems, left = x->body_len - x->body_off;
	if (n > left)
		n = left;
	memcpy(out, x->body + x->body_off, n);
	x->body_off += n;
	return n;
}

static bool has_prefix(const char *data, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);
	return n >= len && memcmp(data, prefix, len) == 0;
}

/* The number in curl's text after `after`, or -1. */
static long text_number(const char *data, size_t n, const char *after)
{
	char tmp[200];
	size_t len = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
	memcpy(tmp, data, len);
	tmp[len] = '\0';
	const char *p = strstr(tmp, after);
	if (!p)
		return -1;
	p += strlen(after);
	return *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

/* A GOAWAY on connection conn: streams above last were not processed. */
static void note_goaway(struct api_client *c, long conn, long last)
{
	for (size_t i = 0; i < c->n_goaway; i++)
		if (c->goaway[i].conn == conn) {
			if (last < c->goaway[i].last_stream)
				c->goaway[i].last_stream = last;
			return;
		}
	if (c->n_goaway == API_GOAWAYS)
		memmove(c->goaway, c->goaway + 1,
			--c->n_goaway * sizeof(c->goaway[0]));
	c->goaway[c->n_goaway].conn = conn;
	c->goaway[c->n_goaway++].last_stream = last;
}

/* The last stream a GOAWAY on conn promised to process, or -1. */
static long goaway_last(const struct api_client *c, long conn)
{
	for (size_t i = 0; i < c->n_goaway; i++)
		if (c->goaway[i].conn == conn)
			return c->goaway[i].last_stream;
	return -1;
}

/* What curl says of the connection and stream: a write's connection
 * number and HTTP/2 stream id, and any GOAWAY's last-stream id (curl
 * 7.88 writes "recveived GOAWAY, error=0, last_stream=7"; later versions
 * spell it right), so that a write caught on a stream above it is known
 * unprocessed. Texts that do not match leave the outcome unknown. */
static void on_text(struct xfer *x, const char *data, size_t n)
{
	long v;
	if (has_prefix(data, n, "Re-using existing connection #") ||
	    has_prefix(data, n, "Connected to ")) {
		v = text_number(data, n, "#");
		if (v >= 0) {
			x->conn_no = v;
			x->stream_id = -1;
		}
	} else if (has_prefix(data, n, "Using Stream ID: ")) {
		x->stream_id = text_number(data, n, "ID: ");
	} else if ((v = text_number(data, n, "GOAWAY, error=")) >= 0 &&
		   (v = text_number(data, n, "last_stream=")) >= 0 &&
		   x->conn_no >= 0) {
		note_goaway(x->client, x->conn_no, v);
	}
}

/* Only the request line and curl's own texts are looked at: the headers
 * carry the API key and nothing is kept. */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t n,
		    void *userp)
{
	struct xfer *x = userp;
	(void)e;
	if (type == CURLINFO_HEADER_OUT) {
		const char *eol = memchr(data, '\r', n);
		size_t len = eol ? (size_t)(eol - data) : n;
		x->sent_h2 =
		    len > 7 && memcmp(data + len - 7, " HTTP/2", 7) == 0;
	} else if (type == CURLINFO_TEXT &&
		   (has_prefix(data, n, "Recv failure") ||
		    has_prefix(data, n, "Send failure") ||
		    has_prefix(data, n, "OpenSSL SSL_"))) {
		x->sock_error = true;
	} else if (type == CURLINFO_TEXT) {
		on_text(x, data, n);
	}
	return 0;
}

static int on_seek(void *userp, curl_off_t offset, int origin)
{
	struct xfer *x = userp;
	long os_err = 0;
	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (x->body_off == 0)
		return CURL_SEEKFUNC_OK; /* nothing was read yet */
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_err);
	if (x->sent_h2 && !x->sock_error && os_err == 0) {
		x->body_off = 0; /* a refused stream: provably unprocessed */
		x->resends++;
		return CURL_SEEKFUNC_OK;
	}
	x->resend_refused = true;
	return CURL_SEEKFUNC_FAIL;
}

static void post_setup(struct xfer *x)
{
	CURL *e = x->easy;
	x->body_len = x->body ? strlen(x->body) : 0;
	if (!x->body)
		x->body = "";
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)x->body_len);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_READDATA, x);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
}

/* Over HTTP/1.1 a server closes an idle connection when its keep-alive
 * timeout ends, and a POST sent just then is lost: a POST reuses a
 * connection only when an answer came moments ago (far inside any
 * server's timeout), else it opens a new one. */
static bool post_needs_fresh(const struct api_client *c, long long now)
{
	return !c->last_answer_ms || now - c->last_answer_ms > REUSE_FRESH_MS;
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
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->body ? c->hdr_body : c->hdr);
	if (x->method != REQUEST_GET && x->method != REQUEST_POST)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
				 request_method_name(x->method));
	if (x->method == REQUEST_POST) {
		post_setup(x);
	} else if (x->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(x->body));
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
	x->start_ms = api_now_ms();
	x->first_us = 0;
	x->body_off = 0;
	x->sent_h2 = x->sock_error = x->resend_refused = false;
	x->conn_no = x->stream_id = x->goaway_last = -1;
	if (x->method == REQUEST_POST)
		curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT,
				 post_needs_fresh(c, x->start_ms) ? 1L : 0L);
	x->start_us = now_us();
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
		return -1;
	x->state = X_RUNNING;
	return 0;
}

static void xfer_fail(struct api_client *c, struct xfer *x, const char *msg)
{
	free(x->error);
	x->error = api_clean_message(c, msg);
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
	return (long)(api_next_rand(c) % (uint64_t)(ceil + 1));
}

/* A redirect is never followed (the key would go along): say where to. */
static char *redirect_message(const struct api_client *c, const struct xfer *x)
{
	char *where = NULL, buf[600];
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &where);
	char *shown =
	    api_clean_text(c, where ? where : "(no Location)", 500, false);
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
		msg = api_clean_text(c, raw, MAX_ERROR_MSG, cut);
	else if (buf_len(&x->resp) && buf_str(&x->resp)[0] == '<')
		msg = strdup("unexpected non-JSON (HTML) response");
	else if (buf_len(&x->resp)) /* a proxy's text: keep a short part */
		msg = api_clean_text(c, buf_str(&x->resp), MAX_TEXT_MSG, false);
	if (raw) {
		explicit_bzero(raw, strlen(raw));
		free(raw);
	}
	if (!msg || !*msg) {
		free(msg);
		msg = strdup("(no message from the server)");
	}
	if (msg && (x->status == 401 || x->status == 403)) {
		size_t n = strlen(c->auth_msg) + strlen(msg) + 3;
		char *auth = malloc(n);
		if (auth)
			snprintf(auth, n, "%s: %s", c->auth_msg, msg);
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

/* What the log line says about the connection, the pacer and curl. */
static void log_extra(const struct api_client *c, const struct xfer *x,
		      bool slowed, char *out, size_t n)
{
	int at = 0;
	out[0] = '\0';
	if (x->new_conns >= 0)
		at = snprintf(out, n, ", %s connection",
			      x->new_conns ? "new" : "reused");
	if (at >= 0 && (size_t)at < n && x->resends)
		at += snprintf(out + at, n - (size_t)at,
			       ", stream refused by the server and sent again");
	if (at >= 0 && (size_t)at < n && x->goaway_last >= 0)
		at += snprintf(out + at, n - (size_t)at,
			       ", not processed (stream %ld above the server's "
			       "GOAWAY last stream %ld)",
			       x->stream_id, x->goaway_last);
	if (at >= 0 && (size_t)at < n && slowed)
		snprintf(out + at, n - (size_t)at,
			 "; rate lowered to %.0f requests/s", c->pace.rate);
}

static void log_attempt(struct api_client *c, const struct xfer *x, CURLcode cc,
			long elapsed, long retry_in, bool slowed)
{
	char line[700], retry[96] = "", extra[160];
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
	if (!c->log || !(path = api_clean_message(c, x->path)))
		return;
	ev.path = path;
	if (cc != CURLE_OK && x->resend_refused) /* not curl's rewind text */
		ev.error = err = strdup("connection lost after the request was "
					"sent (not sent again)");
	else if (cc != CURLE_OK)
		ev.error = err = api_clean_message(
		    c, x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
	if (retry_in >= 0)
		snprintf(retry, sizeof(retry), "; retry %d/%d in %ld ms",
			 x->attempts + 1, c->max_attempts, retry_in);
	log_extra(c, x, slowed, extra, sizeof(extra));
	ev.new_connections = x->new_conns;
	if (cc == CURLE_OK)
		snprintf(line, sizeof(line), "%s %s \u2192 %ld in %ld ms%s%s",
			 ev.method, path, x->status, elapsed, extra, retry);
	else
		snprintf(line, sizeof(line), "%s %s \u2192 %s in %ld ms%s%s",
			 ev.method, path, ev.error ? ev.error : "error",
			 elapsed, extra, retry);
	c->log(c->log_ctx, &ev);
	free(err);
	free(path);
}

/* A POST that may have reached the server is never sent again in this
 * run: a backend that commits late would end up with two registrations.
 * extra says what the re-list found (or NULL). */
void api_fail_unknown(struct api_client *c, struct xfer *x, const char *extra)
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
	if (x->goaway_last >= 0)
		return V_RETRY; /* provably unprocessed: see xfer_finished */
	if (cc == CURLE_SEND_FAIL_REWIND && x->resend_refused) {
		x->ambiguous = true;
		x->unknown_why =
		    "the connection was lost after the request was sent";
		return V_UNKNOWN;
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

/* Counts one attempt, and the connection it opened or reused (when it
 * reached a server). */
static void count_request(struct api_client *c, struct xfer *x, bool reached)
{
	long conns = 0;
	curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &conns);
	x->new_conns = reached || conns > 0 ? (int)conns : -1;
	pthread_mutex_lock(&c->lock);
	c->stats.requests++;
	c->stats.by_method[x->method]++;
	c->stats.seconds_total += (double)(api_now_ms() - x->start_ms) / 1000.0;
	c->stats.connections += (unsigned long)conns;
	if (x->new_conns == 0)
		c->stats.reused++;
	pthread_mutex_unlock(&c->lock);
}

/* Tells the pacer how the attempt went: a 429 halves the rate (true when
 * it changed), any other answer grows it back and measures the round
 * trip (request sent to first answer byte: see struct xfer). */
static bool pace_feedback(struct api_client *c, const struct xfer *x,
			  long long now)
{
	curl_off_t pre = 0;
	long long rtt_us = -1;
	if (!x->status)
		return false;
	c->last_answer_ms = now;
	if (x->status == 429)
		return api_pace_throttled(&c->pace, now);
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
	if (x->first_us)
		rtt_us = x->first_us - x->start_us - (long long)pre;
	api_pace_answered(&c->pace, now,
			  rtt_us >= 0 ? (long)((rtt_us + 500) / 1000) : -1);
	return false;
}

/* Decides what happens after one attempt: done, failed, or queued again. */
static void xfer_finished(struct api_client *c, struct xfer *x, CURLcode cc)
{
	long long now = api_now_ms();
	long elapsed = (long)(now - x->start_ms), ra_ms, delay = -1;
	curl_off_t pre = 0;
	x->status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
	count_request(c, x, pre > 0);
	bool slowed = pace_feedback(c, x, now);

	/* A write that failed on an HTTP/2 stream above the last one a GOAWAY
	 * on its connection promised: the server did not process it. */
	if (cc != CURLE_OK && x->stream_id > 0 && x->conn_no >= 0) {
		long last = goaway_last(c, x->conn_no);
		if (last >= 0 && x->stream_id > last)
			x->goaway_last = last;
	}
	enum verdict v = classify(x, cc, pre > 0, &ra_ms);
	if (v == V_RETRY && x->goaway_last >= 0) {
		delay = 0; /* on a new connection: curl closed that one */
		if (x->attempts >= c->max_attempts)
			delay = -1;
	} else if (v == V_RETRY) {
		delay = backoff_ms(c, x->attempts);
		/* Never earlier than the server asked: a Retry-After longer
		 * than what is left of the budget fails the request now. */
		if (ra_ms >= 0)
			delay = ra_ms + delay / 4;
		if (x->attempts >= c->max_attempts ||
		    x->waited_ms + delay > c->max_retry_ms)
			delay = -1;
	}
	log_attempt(c, x, cc, elapsed, delay, slowed);
	x->state = X_DONE;
	if (v == V_OK) {
		x->result = XR_OK;
	} else if (v == V_UNKNOWN && x->unknown_ok) {
		x->result = XR_UNKNOWN;
	} else if (v == V_UNKNOWN) {
		api_fail_unknown(c, x, NULL);
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
	long long now = api_now_ms(), next = -1;
	*waiting = false;
	for (size_t i = 0; i < q->n; i++) {
		struct xfer *x = q->v[i];
		if (x->state != X_QUEUED)
			continue;
		if (x->due_ms <= now &&
		    *running <
			(size_t)api_pace_window(&c->pace, c->parallelism)) {
			long wait = 0;
			if (!api_pace_take(&c->pace, now, &wait)) {
				*waiting = true; /* the rate says: not yet */
				if (next < 0 || now + wait < next)
					next = now + wait;
				continue;
			}
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
	if (!c->halted && c->deadline && api_now_ms() >= c->deadline) {
		char d[32];
		fmt_duration(d, sizeof(d), c->deadline_total_ms);
		snprintf(c->halt_buf, sizeof(c->halt_buf), "%s %s)",
			 c->deadline_what, d);
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
	long secs = (long)((api_now_ms() - x->start_ms) / 1000);
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
	long long now = api_now_ms();
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
	if (!x || !(path = api_clean_message(c, x->path)))
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
	long long now = api_now_ms(), t = 1000;
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
void api_run_queue(struct api_client *c, struct xqueue *q)
{
	size_t running = 0;
	long long since = api_now_ms();
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
		if (notice_at >= 0 && api_now_ms() >= notice_at) {
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

int api_queue_push(struct xqueue *q, struct xfer *x)
{
	struct xfer **grown = realloc(q->v, (q->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	q->v = grown;
	q->v[q->n++] = x;
	return 0;
}

struct xfer *api_push_new(struct api_client *c, struct xqueue *q,
			  enum request_method m, const char *url,
			  const char *path)
{
	struct xfer *x = api_xfer_new(c, m, url, path, NULL);
	if (x && api_queue_push(q, x) < 0) {
		api_xfer_free(x);
		x = NULL;
	}
	return x;
}

void api_queue_clear(struct xqueue *q)
{
	for (size_t i = 0; i < q->n; i++)
		api_xfer_free(q->v[i]);
	q->n = 0;
}
