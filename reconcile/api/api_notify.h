/*
 * api_notify: posts notification bodies (reconcile/core/notify.h) to the
 * --notify URLs, from a thread of its own, so that a slow or dead receiver
 * never holds a reconcile cycle: api_notify_post only queues.
 *
 * Each post is bounded: one try lasts at most timeout_ms (5 s), a failed
 * try (no answer, 408, 429, 5xx) is retried twice with backoff (1 s, 2 s),
 * redirects are never followed (a 3xx is a failure), and only https://
 * (or http:// to a loopback host) is accepted. With a secret the body is
 * signed: X-Sipsync-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>.
 *
 * A notification URL is a secret (a Slack webhook's path is its token):
 * messages name only scheme://host[:port] (api_notify_display_url).
 */
#ifndef SIPSYNC_API_NOTIFY_H
#define SIPSYNC_API_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

/* Called from the sender thread, one line without a URL path: failed
 * says whether it is a failure (else a delivery). Must be thread-safe. */
typedef void (*api_notify_log_fn)(void *ctx, bool failed, const char *msg);

struct api_notify_config {
	const char *const *urls; /* copied */
	size_t n_urls;
	const char *secret;  /* HMAC key (copied, wiped on free); NULL: none */
	const char *ca_cert; /* NULL: the system store */
	long timeout_ms;     /* of one try; 0: 5 s */
	long backoff_ms;     /* before the second try, doubled; 0: 1 s */
	api_notify_log_fn log;
	void *log_ctx;
};

#define API_NOTIFY_QUEUE_MAX 64

/* Checks that url is an absolute https:// URL, or http:// to a loopback
 * host. 0, or -1 with a diag naming only the scheme and host. */
int api_notify_check_url(const char *url, struct diag_list *d);

/* "scheme://host[:port]" of url (no user info, path or query). Caller
 * frees; "<notification URL>" when it does not parse; NULL when out of
 * memory. */
char *api_notify_display_url(const char *url);

struct api_notifier;

/* Checks every URL and starts the sender thread. 0 and *out (free with
 * api_notifier_free), or -1 with diags. */
int api_notifier_new(struct api_notifier **out,
		     const struct api_notify_config *cfg, struct diag_list *d);

/* Queues body (copied) for every URL; event names it in messages. Never
 * blocks on the network. A full queue drops the body, counted as a
 * failure (logged). */
void api_notifier_post(struct api_notifier *n, const char *event,
		       const char *body);

/* Waits until everything queued was sent or given up (bounded by the
 * tries: about 3 * timeout + 3 s per body and URL). For one-shot commands
 * before they exit. */
void api_notifier_flush(struct api_notifier *n);

/* Bodies given up (every try failed, or dropped), per URL. Thread-safe. */
unsigned long api_notifier_failed(struct api_notifier *n);

/* Stops the thread (a post in flight is abandoned, the queue dropped) and
 * frees n. Accepts NULL. */
void api_notifier_free(struct api_notifier *n);

#endif
