#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "reconcile/base/netaddr.h"

static void split_ok(const char *spec, const char *want_host,
		     unsigned want_port)
{
	char host[64];
	unsigned port = 99999;
	if (netaddr_split(spec, host, sizeof(host), &port) != 0)
		fail_msg("'%s' was refused", spec);
	assert_string_equal(host, want_host);
	assert_int_equal(port, want_port);
}

static void split_refused(const char *spec)
{
	char host[64];
	unsigned port;
	if (netaddr_split(spec, host, sizeof(host), &port) == 0)
		fail_msg("'%s' was accepted", spec);
}

static void test_split(void **state)
{
	(void)state;
	split_ok("127.0.0.1:0", "127.0.0.1", 0);
	split_ok("[::1]:8080", "::1", 8080);
	split_ok(":9479", "", 9479);
	split_ok("localhost:65535", "localhost", 65535);
	split_refused("127.0.0.1");
	split_refused("127.0.0.1:");
	split_refused("127.0.0.1:65536");
	split_refused("127.0.0.1:-1");
	split_refused("127.0.0.1:+1");
	split_refused("127.0.0.1:80x");
	split_refused("[::1]8080");
	split_refused("[::1:8080");
	char tiny[4];
	unsigned port;
	assert_int_equal(netaddr_split("10.0.0.1:1", tiny, sizeof(tiny), &port),
			 -1);
}

static void test_from(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	bool v6 = true;
	assert_int_equal(netaddr_from("127.0.0.1", 9479, &ss, &v6), 0);
	assert_false(v6);
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(ntohs(a4->sin_port), 9479);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);

	assert_int_equal(netaddr_from("::1", 80, &ss, &v6), 0);
	assert_true(v6);
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 80);
	assert_true(IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr));

	/* names are not resolved: only numeric addresses bind */
	assert_int_equal(netaddr_from("localhost", 80, &ss, &v6), -1);
	assert_int_equal(netaddr_from("", 80, &ss, &v6), -1);
	assert_int_equal(netaddr_from("127.0.0.1", 70000, &ss, &v6), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_from),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
