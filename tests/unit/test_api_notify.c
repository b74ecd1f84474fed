/* Unit tests of api_notify (the notification sender) against a loopback
 * libmicrohttpd receiver: a 2xx is delivered once and signed, a 5xx is
 * tried three times then counted as failed, a redirect is not followed
 * (one try, failed), and URLs are checked and shown without their path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/api/api.h"
#include "reconcile/api/api_notify.h"
#include "reconcile/core/notify.h"

struct receiver {
	struct MHD_Daemon *d;
	int port;
	unsigned status;
	pthread_mutex_t mu;
	int requests;
	char signature[128];
	char event[64];
	char log[512];
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **ctx)
{
	struct receiver *r = cls;
	static int started;
	(void)url, (void)method, (void)version, (void)data;
	if (!*ctx) {
		*ctx = &started;
		return MHD_YES;
	}
	if (*size) {
		*size = 0; /* the body is not looked at here */
		return MHD_YES;
	}
	const char *sig = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, "X-Sipsync-Signature-256");
	const char *ev =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sipsync-Event");
	pthread_mutex_lock(&r->mu);
	r->requests++;
	snprintf(r->signature, sizeof(r->signature), "%s", sig ? sig : "");
	snprintf(r->event, sizeof(r->event), "%s", ev ? ev : "");
	pthread_mutex_unlock(&r->mu);
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (r->status == 302)
		MHD_add_response_header(resp, "Location",
					"http://127.0.0.1:1/");
	enum MHD_Result rc = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void receiver_start(struct receiver *r, unsigned status)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(r, 0, sizeof(*r));
	r->status = status;
	pthread_mutex_init(&r->mu, NULL);
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				on_request, r, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_END);
	assert_non_null(r->d);
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
	r->port = info->port;
}

static void receiver_stop(struct receiver *r)
{
	MHD_stop_daemon(r->d);
	pthread_mutex_destroy(&r->mu);
}

static void on_log(void *ctx, bool failed, const char *msg)
{
	struct receiver *r = ctx;
	(void)failed;
	pthread_mutex_lock(&r->mu);
	snprintf(r->log, sizeof(r->log), "%s", msg);
	pthread_mutex_unlock(&r->mu);
}

/* Posts one body to the receiver answering status; returns the number of
 * bodies given up. */
static unsigned long post_one(struct receiver *r, unsigned status,
			      const char *secret)
{
	char url[128];
	struct diag_list d = {0};
	struct api_notifier *n = NULL;
	receiver_start(r, status);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook/T0KEN?x=1",
		 r->port);
	const char *urls[] = {url};
	struct api_notify_config cfg = {.urls = urls,
					.n_urls = 1,
					.secret = secret,
					.timeout_ms = 5000,
					.backoff_ms = 10,
					.log = on_log,
					.log_ctx = r};
	assert_int_equal(api_notifier_new(&n, &cfg, &d), 0);
	api_notifier_post(n, "applied", "{\"event\":\"applied\"}");
	api_notifier_flush(n);
	unsigned long failed = api_notifier_failed(n);
	api_notifier_free(n);
	receiver_stop(r);
	assert_null(strstr(r->log, "T0KEN"));
	return failed;
}

static void delivered_and_signed(void **state)
{
	(void)state;
	struct receiver r;
	char want[NOTIFY_SIGNATURE_LEN], line[128];
	const char *body = "{\"event\":\"applied\"}";
	assert_int_equal(post_one(&r, 204, "k3y"), 0);
	assert_int_equal(r.requests, 1);
	assert_int_equal(notify_signature("k3y", body, strlen(body), want), 0);
	assert_string_equal(r.signature, want);
	assert_string_equal(r.event, "applied");
	snprintf(line, sizeof(line),
		 "notification applied sent to http://127.0.0.1:%d (204)",
		 r.port);
	assert_string_equal(r.log, line);
	/* unsigned without a key */
	assert_int_equal(post_one(&r, 200, NULL), 0);
	assert_string_equal(r.signature, "");
}

static void server_error_tried_three_times(void **state)
{
	(void)state;
	struct receiver r;
	char line[128];
	assert_int_equal(post_one(&r, 503, NULL), 1);
	assert_int_equal(r.requests, 3);
	snprintf(line, sizeof(line),
		 "notification applied to http://127.0.0.1:%d failed: "
		 "answered 503 (3 tries)",
		 r.port);
	assert_string_equal(r.log, line);
	/* a 4xx will be answered the same way: once */
	assert_int_equal(post_one(&r, 400, NULL), 1);
	assert_int_equal(r.requests, 1);
}

static void redirect_not_followed(void **state)
{
	(void)state;
	struct receiver r;
	assert_int_equal(post_one(&r, 302, NULL), 1);
	assert_int_equal(r.requests, 1);
	assert_non_null(
	    strstr(r.log, "answered 302, a redirect (not followed)"));
}

static void urls_checked_and_shown(void **state)
{
	(void)state;
	struct diag_list d = {0};
	assert_int_equal(
	    api_notify_check_url("https://hooks.slack.com/services/T/B/X", &d),
	    0);
	assert_int_equal(api_notify_check_url("http://[::1]:8080/x", &d), 0);
	assert_int_equal(
	    api_notify_check_url("http://hooks.example.com/T0KEN", &d), -1);
	assert_int_equal(api_notify_check_url("hooks", &d), -1);
	assert_int_equal(d.len, 2);
	for (size_t i = 0; i < d.len; i++) {
		char *text = diag_format(&d.items[i]);
		assert_null(strstr(text, "T0KEN"));
		free(text);
	}
	diag_list_clear(&d);
	char *s = api_notify_display_url(
	    "https://user:pw@hooks.slack.com:8443/services/T/B/X?token=1");
	assert_string_equal(s, "https://hooks.slack.com:8443");
	free(s);
}

int main(void)
{
	api_global_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(delivered_and_signed),
	    cmocka_unit_test(server_error_tried_three_times),
	    cmocka_unit_test(redirect_not_followed),
	    cmocka_unit_test(urls_checked_and_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
