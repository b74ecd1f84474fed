/* agent_http: webhook signature checks, the metrics text, and the live
 * endpoint on a loopback port (driven with libcurl). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "reconcile/agent/agent_http.h"
#include "reconcile/base/crypto.h"

static const char secret[] = "It's a Secret to Everybody";
static const char body[] = "Hello, World!";
/* GitHub's documented example: HMAC-SHA256("It's a Secret to Everybody",
 * "Hello, World!") */
static const char github_sig[] =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

static void test_verify_signature(void **state)
{
	(void)state;
	size_t n = strlen(body);
	assert_true(agent_http_verify_signature(secret, body, n, github_sig));
	/* upper-case hex is the same digest */
	char upper[sizeof(github_sig)];
	snprintf(upper, sizeof(upper), "sha256=%s", github_sig + 7);
	for (char *p = upper + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_true(agent_http_verify_signature(secret, body, n, upper));

	char bad[sizeof(github_sig)];
	memcpy(bad, github_sig, sizeof(bad));
	bad[sizeof(bad) - 2] = bad[sizeof(bad) - 2] == '7' ? '8' : '7';
	assert_false(agent_http_verify_signature(secret, body, n, bad));
	assert_false(
	    agent_http_verify_signature(secret, body, n - 1, github_sig));
	assert_false(agent_http_verify_signature("other", body, n, github_sig));
	assert_false(agent_http_verify_signature(secret, body, n, NULL));
	assert_false(agent_http_verify_signature(secret, body, n, ""));
	assert_false(
	    agent_http_verify_signature(secret, body, n, github_sig + 7));
	assert_false(agent_http_verify_signature(NULL, body, n, github_sig));
	assert_false(agent_http_verify_signature("", body, n, github_sig));
	/* truncated, too long, non-hex */
	char shortsig[40];
	snprintf(shortsig, sizeof(shortsig), "%.39s", github_sig);
	assert_false(agent_http_verify_signature(secret, body, n, shortsig));
	char longsig[100];
	snprintf(longsig, sizeof(longsig), "%s0", github_sig);
	assert_false(agent_http_verify_signature(secret, body, n, longsig));
	char nonhex[sizeof(github_sig)];
	memcpy(nonhex, github_sig, sizeof(nonhex));
	nonhex[10] = 'g';
	assert_false(agent_http_verify_signature(secret, body, n, nonhex));
}

static void test_metrics_text(void **state)
{
	(void)state;
	struct agent_metrics m = {0};
	m.ready = true;
	m.reconciled = true;
	m.last_reconcile_ts = 1700000000.5;
	m.last_success = true;
	m.drift = false;
	snprintf(m.commit, sizeof(m.commit), "%s",
		 "1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5");
	m.cycles = 12;
	m.changes_applied = 3;
	m.errors = 2;
	m.api_requests = 9;
	m.api_by_method[0] = 6;
	m.api_by_method[2] = 3;
	m.api_seconds = 0.25;
	m.git_fetch_seconds = 0.0125;
	m.api_conns = 1;
	m.api_reused = 8;
	char *text = NULL;
	assert_int_equal(agent_http_metrics_text(&m, &text), 0);
	const char *want[] = {
	    "sipsync_ready 1\n",
	    "sipsync_last_reconcile_timestamp_seconds 1700000000.500\n",
	    "sipsync_last_reconcile_success 1\n",
	    "sipsync_drift 0\n",
	    ("sipsync_applied_commit_info{commit="
	     "\"1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5\"} 1\n"),
	    "sipsync_reconcile_cycles_total 12\n",
	    "sipsync_changes_applied_total 3\n",
	    "sipsync_errors_total 2\n",
	    "sipsync_api_requests_total{method=\"GET\"} 6\n",
	    "sipsync_api_requests_total{method=\"POST\"} 0\n",
	    "sipsync_api_requests_total{method=\"PATCH\"} 3\n",
	    "sipsync_api_requests_total{method=\"DELETE\"} 0\n",
	    "sipsync_api_request_duration_seconds_sum 0.250000\n",
	    "sipsync_api_request_duration_seconds_count 9\n",
	    "sipsync_git_fetch_duration_seconds 0.012500\n",
	    "sipsync_api_connections_total{reused=\"false\"} 1\n",
	    "sipsync_api_connections_total{reused=\"true\"} 8\n",
	    "# TYPE sipsync_errors_total counter\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("metrics lack '%s':\n%s", want[i], text);
	/* every line is a comment or "name[{labels}] value" */
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		if (line[0] != '#')
			assert_non_null(memchr(line, ' ', (size_t)(nl - line)));
		line = nl + 1;
	}
	free(text);

	/* no commit known: no info sample, drift and failure shown */
	memset(&m, 0, sizeof(m));
	m.drift = true;
	assert_int_equal(agent_http_metrics_text(&m, &text), 0);
	assert_null(strstr(text, "sipsync_applied_commit_info{"));
	assert_non_null(strstr(text, "sipsync_drift 1\n"));
	assert_non_null(strstr(text, "sipsync_ready 0\n"));
	free(text);
}

/* Two accounts in one exposition: each family's HELP and TYPE once, its
 * samples of both accounts right after them (a TYPE seen twice is a parse
 * error in Prometheus). */
static void test_metrics_text_n(void **state)
{
	(void)state;
	struct agent_metrics m[2];
	memset(m, 0, sizeof(m));
	snprintf(m[0].account, sizeof(m[0].account), "staging");
	snprintf(m[1].account, sizeof(m[1].account), "prod");
	m[0].ready = true;
	m[1].errors = 4;
	char up[] = "sipsync_registration_up{registration=\"a@b\"} 1\n";
	m[1].registrations_up = up;
	char *text = NULL;
	assert_int_equal(agent_http_metrics_text_n(m, 2, &text), 0);
	const char *want =
	    "# HELP sipsync_ready Last fetch and reconcile succeeded.\n"
	    "# TYPE sipsync_ready gauge\n"
	    "sipsync_ready{account=\"staging\"} 1\n"
	    "sipsync_ready{account=\"prod\"} 0\n"
	    "# HELP sipsync_last_reconcile_timestamp_seconds";
	if (!strstr(text, want))
		fail_msg("families not merged:\n%s", text);
	assert_non_null(strstr(text,
			       "sipsync_errors_total{account=\"staging\"} 0\n"
			       "sipsync_errors_total{account=\"prod\"} 4\n"));
	assert_non_null(strstr(text, "# TYPE sipsync_registration_up gauge\n"
				     "sipsync_registration_up{account=\"prod\","
				     "registration=\"a@b\"} 1\n"));
	/* every TYPE line once */
	for (const char *t = text; (t = strstr(t, "# TYPE "));) {
		const char *nl = strchr(t, '\n');
		char line[160];
		snprintf(line, sizeof(line), "%.*s", (int)(nl - t + 1), t);
		assert_null(strstr(nl, line));
		t = nl;
	}
	free(text);
	/* one account: the same text as agent_http_metrics_text */
	char *one = NULL;
	assert_int_equal(agent_http_metrics_text_n(m, 1, &text), 0);
	assert_int_equal(agent_http_metrics_text(m, &one), 0);
	assert_string_equal(text, one);
	free(text);
	free(one);
}

/* sipsync_commit_verified: absent without --verify-commits, else 0 or 1 */
static void test_metrics_commit_verified(void **state)
{
	(void)state;
	struct agent_metrics m = {0};
	char *text = NULL;
	assert_int_equal(agent_http_metrics_text(&m, &text), 0);
	assert_null(strstr(text, "sipsync_commit_verified"));
	free(text);
	m.verify_commits = true;
	assert_int_equal(agent_http_metrics_text(&m, &text), 0);
	assert_non_null(strstr(text, "\nsipsync_commit_verified 0\n"));
	assert_non_null(strstr(text, "# TYPE sipsync_commit_verified gauge\n"));
	free(text);
	m.commit_verified = true;
	assert_int_equal(agent_http_metrics_text(&m, &text), 0);
	assert_non_null(strstr(text, "\nsipsync_commit_verified 1\n"));
	free(text);
}

/* ---- the live endpoint ---- */

struct fake_agent {
	bool ready;
	int hooks;
};

static void snapshot(void *ctx, struct agent_metrics *out)
{
	struct fake_agent *a = ctx;
	out->ready = a->ready;
	out->cycles = 5;
}

static void hook(void *ctx)
{
	struct fake_agent *a = ctx;
	a->hooks++;
}

struct reply {
	long status;
	char body[8192];
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;
	size_t room = sizeof(r->body) - 1 - r->len;
	size_t take = len < room ? len : room;
	memcpy(r->body + r->len, p, take);
	r->len += take;
	r->body[r->len] = '\0';
	return len;
}

static long http(int port, const char *method, const char *path,
		 const char *data, size_t data_len, const char *sig,
		 struct reply *r)
{
	char url[256], hdr[200];
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (data) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)data_len);
	}
	if (sig) {
		snprintf(hdr, sizeof(hdr), "X-Hub-Signature-256: %s", sig);
		h = curl_slist_append(h, hdr);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r->status;
}

static void test_endpoint(void **state)
{
	(void)state;
	struct fake_agent a = {0};
	struct agent_http_config cfg = {.listen = "127.0.0.1:0",
					.snapshot = snapshot,
					.hook = hook,
					.ctx = &a};
	struct diag_list d = {0};
	struct agent_http *h = NULL;
	struct reply r;
	size_t n = strlen(body);
	assert_int_equal(agent_http_start(&h, &cfg, &d), 0);
	int port = agent_http_port(h);
	assert_true(port > 0);

	assert_int_equal(http(port, "GET", "/healthz", NULL, 0, NULL, &r), 200);
	assert_int_equal(http(port, "GET", "/readyz", NULL, 0, NULL, &r), 503);
	a.ready = true;
	assert_int_equal(http(port, "GET", "/readyz", NULL, 0, NULL, &r), 200);
	assert_int_equal(http(port, "GET", "/metrics", NULL, 0, NULL, &r), 200);
	assert_non_null(strstr(r.body, "sipsync_reconcile_cycles_total 5\n"));
	assert_int_equal(http(port, "GET", "/nope", NULL, 0, NULL, &r), 404);

	/* no secret configured: even a correct signature is refused */
	assert_int_equal(
	    http(port, "POST", "/hooks/git", body, n, github_sig, &r), 401);
	assert_int_equal(agent_http_set_secret(h, secret), 0);
	assert_int_equal(http(port, "POST", "/hooks/git", body, n, NULL, &r),
			 401);
	assert_int_equal(http(port, "POST", "/hooks/git", body, n,
			      "sha256="
			      "000000000000000000000000000000000000000000000000"
			      "0000000000000000",
			      &r),
			 401);
	assert_int_equal(a.hooks, 0);
	assert_int_equal(
	    http(port, "POST", "/hooks/git", body, n, github_sig, &r), 202);
	assert_int_equal(a.hooks, 1);
	assert_int_equal(http(port, "GET", "/hooks/git", NULL, 0, NULL, &r),
			 405);

	/* a secret rotated (SIGHUP): the old signature no longer passes */
	assert_int_equal(agent_http_set_secret(h, "new secret"), 0);
	assert_int_equal(
	    http(port, "POST", "/hooks/git", body, n, github_sig, &r), 401);
	char sig[80], hex[65];
	assert_int_equal(crypto_hmac_sha256_hex("new secret", 10, body, n, hex),
			 0);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	assert_int_equal(http(port, "POST", "/hooks/git", body, n, sig, &r),
			 202);
	assert_int_equal(a.hooks, 2);

	/* an oversized body is refused without calling the hook */
	size_t big_len = 2 * 1024 * 1024;
	char *big = malloc(big_len);
	assert_non_null(big);
	memset(big, 'x', big_len);
	assert_int_equal(
	    http(port, "POST", "/hooks/git", big, big_len, sig, &r), 413);
	free(big);
	assert_int_equal(a.hooks, 2);
	agent_http_stop(h);
	assert_int_equal(d.len, 0);
}

/* GET path from the source address src (another loopback address than
 * the slow clients'); 0 when no answer came within 5 s. */
static long get_from(const char *src, int port, const char *path)
{
	char url[256];
	struct reply r = {0};
	long status = 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_INTERFACE, src);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* A client from loopback address src that has sent one byte of a request
 * head. */
static int slow_client(const char *src, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in from = {.sin_family = AF_INET};
	assert_int_equal(inet_pton(AF_INET, src, &from.sin_addr), 1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(send(fd, "G", 1, MSG_NOSIGNAL), 1);
	return fd;
}

/* How many 100 ms steps of trickling one byte of a request head (never
 * idle) passed before the server ended fd; -1 when it did not within 5 s. */
static int steps_until_cut(int fd)
{
	char buf[256];
	for (int i = 0; i < 50; i++) {
		if (send(fd, "E", 1, MSG_NOSIGNAL) != 1)
			return i;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) > 0 && recv(fd, buf, sizeof(buf), 0) <= 0)
			return i;
	}
	return -1;
}

/* 70 clients trickling a request head from one address hold neither the
 * health endpoints (a per-address cap) nor their own slot for ever (a
 * whole-request deadline, not only an inactivity timeout). */
static void test_slow_clients(void **state)
{
	(void)state;
	struct fake_agent a = {.ready = true};
	struct agent_http_config cfg = {.listen = "127.0.0.1:0",
					.snapshot = snapshot,
					.ctx = &a,
					.request_timeout_ms = 1000};
	struct diag_list d = {0};
	struct agent_http *h = NULL;
	int fds[70];
	assert_int_equal(agent_http_start(&h, &cfg, &d), 0);
	int port = agent_http_port(h);
	for (size_t i = 0; i < 70; i++)
		fds[i] = slow_client("127.0.0.1", port);
	assert_int_equal(get_from("127.0.0.2", port, "/healthz"), 200);
	assert_int_equal(get_from("127.0.0.3", port, "/readyz"), 200);
	assert_int_equal(get_from("127.0.0.4", port, "/metrics"), 200);
	/* a lone client (its own address: not refused by the cap) is held,
	 * then cut at the 1 s deadline although never idle; an early cut
	 * would be a refusal, so it must come after several steps */
	int lone = slow_client("127.0.0.5", port);
	int steps = steps_until_cut(lone);
	if (steps < 5)
		fail_msg("cut after %d steps of 100 ms (deadline 1 s)", steps);
	close(lone);
	for (size_t i = 0; i < 70; i++)
		close(fds[i]);
	agent_http_stop(h);
	assert_int_equal(d.len, 0);
}

static void test_bad_listen(void **state)
{
	(void)state;
	struct fake_agent a = {0};
	const char *bad[] = {"localhost:80", "127.0.0.1", "127.0.0.1:99999",
			     "[::1:80", "1.2.3.4:x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct agent_http_config cfg = {
		    .listen = bad[i], .snapshot = snapshot, .ctx = &a};
		struct diag_list d = {0};
		struct agent_http *h = NULL;
		assert_int_equal(agent_http_start(&h, &cfg, &d), -1);
		assert_null(h);
		assert_int_equal(d.len, 1);
		assert_non_null(strstr(d.items[0].message, bad[i]));
		diag_list_clear(&d);
	}
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_signature),
	    cmocka_unit_test(test_metrics_text),
	    cmocka_unit_test(test_metrics_commit_verified),
	    cmocka_unit_test(test_metrics_text_n),
	    cmocka_unit_test(test_endpoint),
	    cmocka_unit_test(test_bad_listen),
	    cmocka_unit_test(test_slow_clients),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
