/*
 * api_notify: the notification sender (see api_notify.h). One thread, one
 * FIFO queue guarded by a mutex; each body goes to every URL in turn with
 * a plain easy handle. A stop is seen by the progress callback, so a post
 * in flight is abandoned at once, and by the backoff wait.
 */
#include "reconcile/api/api_notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/api/api_internal.h"
#include "reconcile/base/str.h"
#include "reconcile/core/notify.h"

#define NOTIFY_TIMEOUT_MS 5000L
#define NOTIFY_BACKOFF_MS 1000L
#define NOTIFY_TRIES 3

struct queued {
	char *event;
	char *body;
};

struct api_notifier {
	char **urls;
	char **shown; /* api_notify_display_url of each */
	size_t n_urls;
	char *secret;
	char *ca_cert;
	long timeout_ms, backoff_ms;
	api_notify_log_fn log;
	void *log_ctx;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* queued, or stopping */
	pthread_cond_t idle; /* the queue ran empty */
	struct queued q[API_NOTIFY_QUEUE_MAX];
	size_t head, len;
	bool busy, stopping;
	unsigned long failed;
};

static void say(struct api_notifier *n, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct api_notifier *n, bool failed, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = str_vprintf(fmt, ap);
	va_end(ap);
	if (n->log && msg)
		n->log(n->log_ctx, failed, msg);
	free(msg);
}

char *api_notify_display_url(const char *url)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *port = NULL, *name = NULL;
	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		name = str_printf("%s://%s%s%s", s, h, port ? ":" : "",
				  port ? port : "");
	} else {
		name = str_dup("<notification URL>");
	}
	curl_free(s);
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(u);
	return name;
}

int api_notify_check_url(const char *url, struct diag_list *d)
{
	/* the body says what changed in production, and the URL is a token */
	return api_post_check_url(url, "notify", "--notify: a notification URL",
				  d);
}

/* ---- one post ---- */

static size_t discard(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

static int on_progress(void *p, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	struct api_notifier *n = p;
	(void)a, (void)b, (void)c, (void)d;
	pthread_mutex_lock(&n->mu);
	bool stop = n->stopping;
	pthread_mutex_unlock(&n->mu);
	return stop ? 1 : 0;
}

static struct curl_slist *headers(struct api_notifier *n, const char *event,
				  const char *body)
{
	char sig[NOTIFY_SIGNATURE_LEN];
	char *ev = str_printf("X-Sipsync-Event: %s", event);
	char *sh = NULL;
	if (n->secret &&
	    notify_signature(n->secret, body, strlen(body), sig) == 0)
		sh = str_printf("X-Sipsync-Signature-256: %s", sig);
	const char *lines[] = {"Content-Type: application/json", "Expect:", ev,
			       sh};
	size_t nl = n->secret ? 4 : 3;
	struct curl_slist *h = api_post_headers(lines, nl);
	free(ev);
	free(sh);
	return h;
}

static void setup(CURL *e, struct api_notifier *n, const char *url,
		  const char *body, struct curl_slist *h)
{
	api_post_setup(e, url, body, h, n->timeout_ms, n->ca_cert,
		       "sipsync/" SIPSYNC_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, n);
}

/* One try. Returns the HTTP status, or 0 with *why (static) when there
 * was no answer. */
static long post_once(struct api_notifier *n, const char *url,
		      const char *event, const char *body, const char **why)
{
	struct curl_slist *h = headers(n, event, body);
	CURL *e = curl_easy_init();
	long status = 0;
	*why = "out of memory";
	if (e && h) {
		setup(e, n, url, body, h);
		CURLcode cc = curl_easy_perform(e);
		/* curl's own text, never its error buffer: that may quote
		 * the URL */
		*why = curl_easy_strerror(cc);
		if (cc == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	return status;
}

static bool worth_retrying(long status)
{
	return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* Sleeps ms unless a stop comes first. False when stopping. */
static bool backoff(struct api_notifier *n, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->mu);
	while (!n->stopping &&
	       pthread_cond_timedwait(&n->wake, &n->mu, &ts) == 0)
		;
	bool go_on = !n->stopping;
	pthread_mutex_unlock(&n->mu);
	return go_on;
}

static void count_failure(struct api_notifier *n)
{
	pthread_mutex_lock(&n->mu);
	n->failed++;
	pthread_mutex_unlock(&n->mu);
}

static void deliver(struct api_notifier *n, size_t u, const struct queued *q)
{
	const char *why = NULL;
	long status = 0, wait = n->backoff_ms;
	int tries = 0;
	while (tries < NOTIFY_TRIES) {
		status = post_once(n, n->urls[u], q->event, q->body, &why);
		tries++;
		if (!worth_retrying(status) || tries == NOTIFY_TRIES ||
		    !backoff(n, wait))
			break;
		wait *= 2;
	}
	if (status >= 200 && status < 300) {
		say(n, false, "notification %s sent to %s (%ld)", q->event,
		    n->shown[u], status);
		return;
	}
	count_failure(n);
	if (status >= 300 && status < 400)
		say(n, true,
		    "notification %s to %s failed: answered %ld, a redirect "
		    "(not followed)",
		    q->event, n->shown[u], status);
	else if (status)
		say(n, true,
		    "notification %s to %s failed: answered %ld (%d "
		    "tr%s)",
		    q->event, n->shown[u], status, tries,
		    tries > 1 ? "ies" : "y");
	else
		say(n, true, "notification %s to %s failed: %s (%d tr%s)",
		    q->event, n->shown[u], why, tries, tries > 1 ? "ies" : "y");
}

/* ---- the queue and its thread ---- */

static void *worker(void *arg)
{
	struct api_notifier *n = arg;
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->len && !n->stopping) {
			n->busy = false;
			pthread_cond_broadcast(&n->idle);
			pthread_cond_wait(&n->wake, &n->mu);
		}
		if (n->stopping)
			break;
		struct queued q = n->q[n->head];
		n->head = (n->head + 1) % API_NOTIFY_QUEUE_MAX;
		n->len--;
		n->busy = true;
		pthread_mutex_unlock(&n->mu);
		for (size_t u = 0; u < n->n_urls; u++)
			deliver(n, u, &q);
		free(q.event);
		free(q.body);
		pthread_mutex_lock(&n->mu);
	}
	n->busy = false;
	pthread_cond_broadcast(&n->idle);
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

void api_notifier_post(struct api_notifier *n, const char *event,
		       const char *body)
{
	struct queued q = {str_dup(event), str_dup(body)};
	bool queued = false;
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	if (q.event && q.body && n->len < API_NOTIFY_QUEUE_MAX) {
		n->q[(n->head + n->len) % API_NOTIFY_QUEUE_MAX] = q;
		n->len++;
		queued = true;
		pthread_cond_broadcast(&n->wake);
	} else {
		n->failed += n->n_urls;
	}
	pthread_mutex_unlock(&n->mu);
	if (queued)
		return;
	say(n, true, "notification %s dropped: %s", event ? event : "?",
	    q.event && q.body ? "too many waiting (receivers too slow)"
			      : "out of memory");
	free(q.event);
	free(q.body);
}

void api_notifier_flush(struct api_notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	while ((n->len || n->busy) && !n->stopping)
		pthread_cond_wait(&n->idle, &n->mu);
	pthread_mutex_unlock(&n->mu);
}

unsigned long api_notifier_failed(struct api_notifier *n)
{
	if (!n)
		return 0;
	pthread_mutex_lock(&n->mu);
	unsigned long f = n->failed;
	pthread_mutex_unlock(&n->mu);
	return f;
}

static int copy_config(struct api_notifier *n,
		       const struct api_notify_config *cfg)
{
	n->n_urls = cfg->n_urls;
	n->urls = calloc(cfg->n_urls + 1, sizeof(*n->urls));
	n->shown = calloc(cfg->n_urls + 1, sizeof(*n->shown));
	if (!n->urls || !n->shown)
		return -1;
	for (size_t i = 0; i < cfg->n_urls; i++) {
		n->urls[i] = str_dup(cfg->urls[i]);
		n->shown[i] = api_notify_display_url(cfg->urls[i]);
		if (!n->urls[i] || !n->shown[i])
			return -1;
	}
	n->secret = str_dup(cfg->secret);
	n->ca_cert = str_dup(cfg->ca_cert);
	n->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : NOTIFY_TIMEOUT_MS;
	n->backoff_ms =
	    cfg->backoff_ms > 0 ? cfg->backoff_ms : NOTIFY_BACKOFF_MS;
	n->log = cfg->log;
	n->log_ctx = cfg->log_ctx;
	return (cfg->secret && !n->secret) || (cfg->ca_cert && !n->ca_cert) ? -1
									    : 0;
}

static int start_thread(struct api_notifier *n)
{
	pthread_condattr_t ca;
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->wake, &ca);
	pthread_cond_init(&n->idle, NULL);
	pthread_condattr_destroy(&ca);
	n->started = pthread_create(&n->thread, NULL, worker, n) == 0;
	return n->started ? 0 : -1;
}

int api_notifier_new(struct api_notifier **out,
		     const struct api_notify_config *cfg, struct diag_list *d)
{
	struct api_notifier *n = NULL;
	*out = NULL;
	for (size_t i = 0; i < cfg->n_urls; i++)
		if (api_notify_check_url(cfg->urls[i], d) != 0)
			return -1;
	n = calloc(1, sizeof(*n));
	if (!n || copy_config(n, cfg) != 0 || start_thread(n) != 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "--notify: cannot start the sender: out of memory");
		api_notifier_free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void api_notifier_free(struct api_notifier *n)
{
	if (!n)
		return;
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		n->stopping = true;
		pthread_cond_broadcast(&n->wake);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
		for (size_t i = 0; i < n->len; i++) {
			struct queued *q =
			    &n->q[(n->head + i) % API_NOTIFY_QUEUE_MAX];
			free(q->event);
			free(q->body);
		}
		pthread_cond_destroy(&n->wake);
		pthread_cond_destroy(&n->idle);
		pthread_mutex_destroy(&n->mu);
	}
	for (size_t i = 0; n->urls && i < n->n_urls; i++) {
		str_wipe_free(n->urls[i]);
		free(n->shown ? n->shown[i] : NULL);
	}
	free(n->urls);
	free(n->shown);
	str_wipe_free(n->secret);
	free(n->ca_cert);
	free(n);
}
