/* agent: interval parsing, and SIGTERM during a stalled fetch (the loop
 * itself is driven end to end by tests/e2e/agent_*.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "reconcile/agent/agent.h"

static void test_parse_duration(void **state)
{
	(void)state;
	struct {
		const char *in;
		long ms;
	} ok[] = {
	    {"0", 0},
	    {"90", 90000},
	    {"30s", 30000},
	    {"5m", 300000},
	    {"1h", 3600000},
	    {"1h30m", 5400000},
	    {"250ms", 250},
	    {"1m30s", 90000},
	    {"168h", 604800000},
	    {"2m500ms", 120500},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long ms = -1;
		if (agent_parse_duration(ok[i].in, &ms) != 0)
			fail_msg("'%s' refused", ok[i].in);
		if (ms != ok[i].ms)
			fail_msg("'%s' gave %ld, want %ld", ok[i].in, ms,
				 ok[i].ms);
	}
	const char *bad[] = {"",    "5x",   "-1", "m",	"1.5m",
			     "5 m", "169h", "1d", "s5", "99999999999999999999",
			     NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long ms = 42;
		if (agent_parse_duration(bad[i], &ms) != -1)
			fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
		assert_int_equal(ms, 42);
	}
}

/* A git server that accepts a connection and never answers; once the
 * fetch has connected, SIGTERM is sent (as the signal handler would). */
struct stall {
	int fd, stop[2];
	bool flood; /* fill the wake-up pipe first (SIGHUPs): the stop byte
		       is dropped, only the stop flag tells */
};

static void *stall_main(void *arg)
{
	struct stall *st = arg;
	struct pollfd p = {.fd = st->fd, .events = POLLIN};
	if (poll(&p, 1, 30000) <= 0)
		return NULL;
	int c = accept(st->fd, NULL, NULL);
	usleep(300000); /* the fetch is under way, waiting for an answer */
	for (int i = 0; st->flood && i < 200000; i++)
		agent_signal(SIGHUP);
	agent_signal(SIGTERM);
	struct pollfd q = {.fd = st->stop[0], .events = POLLIN};
	poll(&q, 1, 30000); /* hold the connection open, silent */
	if (c >= 0)
		close(c);
	return NULL;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_stalled(bool flood)
{
	char dir[] = "/tmp/test_agent.XXXXXX", url[128], cmd[256];
	assert_non_null(mkdtemp(dir));
	struct stall st = {.flood = flood};
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	assert_int_equal(pipe(st.stop), 0);
	st.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(st.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(st.fd, 4), 0);
	assert_int_equal(getsockname(st.fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/r.git",
		 ntohs(a.sin_port));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, stall_main, &st), 0);

	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log = open_memstream(&logbuf, &loglen);
	assert_non_null(log);
	struct agent_config cfg = {
	    /* bounded even when the stop is missed: two cycles of at most
	       8 s each */
	    .git = {.url = url, .cache_root = dir, .timeout_ms = 8000},
	    .max_cycles = 2,
	    .api_url = "http://127.0.0.1:1",
	    .api_key = "test-key",
	    .state_dir = dir,
	    .interval_ms = 1000,
	    .log = log};
	double t0 = mono();
	int rc = agent_run(&cfg);
	double took = mono() - t0;
	fclose(log);
	ssize_t n = write(st.stop[1], "x", 1);
	(void)n;
	pthread_join(t, NULL);
	close(st.fd);
	close(st.stop[0]);
	close(st.stop[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rc, 0);
	if (took > 5)
		fail_msg("SIGTERM during a fetch took %.1f s to stop\n%s", took,
			 logbuf);
	/* the agent's own line (not max_cycles), after one cycle */
	assert_non_null(strstr(logbuf, " info stopping\n"));
	const char *c1 = strstr(logbuf, "fetch cancelled");
	assert_non_null(c1);
	assert_null(strstr(c1 + 1, "fetch cancelled"));
	assert_null(strstr(logbuf, "will retry"));
	free(logbuf);
}

static void test_sigterm_ends_a_stalled_fetch(void **state)
{
	(void)state;
	run_stalled(false);
}

static void test_sigterm_with_a_full_wake_pipe(void **state)
{
	(void)state;
	run_stalled(true);
}

/* --once: a failed fetch ends the run, so the log must not promise a
 * retry. */
static void test_once_does_not_promise_a_retry(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_agent.XXXXXX", url[128], cmd[256];
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "%s/no-such-repo", dir);
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log = open_memstream(&logbuf, &loglen);
	assert_non_null(log);
	struct agent_config cfg = {.git = {.url = url, .cache_root = dir},
				   .once = true,
				   .api_url = "http://127.0.0.1:1",
				   .api_key = "test-key",
				   .state_dir = dir,
				   .log = log};
	assert_int_equal(agent_run(&cfg), -1);
	fclose(log);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(strstr(logbuf, " error fetch failed\n"));
	assert_null(strstr(logbuf, "will retry"));
	free(logbuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_duration),
	    cmocka_unit_test(test_sigterm_ends_a_stalled_fetch),
	    cmocka_unit_test(test_sigterm_with_a_full_wake_pipe),
	    cmocka_unit_test(test_once_does_not_promise_a_retry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
