/* known_hosts: plain, [host]:port, wildcard and negated patterns, hashed
 * names, @revoked keys, a missing file. Links base only (no libgit2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "reconcile/git/known_hosts.h"

static void b64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static void test_known_hosts(void **state_)
{
	(void)state_;
	char scratch[] = "/tmp/test_known_hosts.XXXXXX";
	assert_non_null(mkdtemp(scratch));
	const unsigned char key[] =
	    "\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
	    "0123456789abcdef0123456789abcdef";
	const unsigned char other[] =
	    "\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
	    "ffffffffffffffffffffffffffffffff";
	size_t klen = sizeof(key) - 1;
	char kb[256], ob[256], path[600];
	b64(key, klen, kb);
	b64(other, klen, ob);

	/* hashed entry for [hashed.example]:2222 */
	unsigned char salt[20], mac[20];
	unsigned int mlen = 0;
	memset(salt, 7, sizeof(salt));
	const char *hname = "[hashed.example]:2222";
	HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)hname,
	     strlen(hname), mac, &mlen);
	char sb[64], mb[64];
	b64(salt, sizeof(salt), sb);
	b64(mac, mlen, mb);

	snprintf(path, sizeof(path), "%s/known_hosts", scratch);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "# comment\n\n");
	fprintf(fp, "git.example.com,10.0.0.1 ssh-ed25519 %s\n", kb);
	fprintf(fp, "[port.example]:2200 ssh-ed25519 %s\n", kb);
	fprintf(fp, "*.wild.example,!bad.wild.example ssh-ed25519 %s\n", kb);
	fprintf(fp, "|1|%s|%s ssh-ed25519 %s\n", sb, mb, kb);
	fprintf(fp, "revoked.example ssh-ed25519 %s\n", kb);
	fprintf(fp, "@revoked * ssh-ed25519 %s\n", ob);
	fclose(fp);

	assert_int_equal(
	    known_hosts_check(path, "git.example.com", 22, key, klen), 1);
	assert_int_equal(
	    known_hosts_check(path, "GIT.example.com", 22, key, klen), 1);
	assert_int_equal(known_hosts_check(path, "10.0.0.1", 22, key, klen), 1);
	/* wrong key, unknown host, wrong port */
	assert_int_equal(
	    known_hosts_check(path, "git.example.com", 22, other, klen), 0);
	assert_int_equal(
	    known_hosts_check(path, "evil.example.com", 22, key, klen), 0);
	assert_int_equal(
	    known_hosts_check(path, "git.example.com", 2200, key, klen), 0);
	assert_int_equal(
	    known_hosts_check(path, "port.example", 2200, key, klen), 1);
	assert_int_equal(known_hosts_check(path, "port.example", 22, key, klen),
			 0);
	assert_int_equal(
	    known_hosts_check(path, "a.wild.example", 22, key, klen), 1);
	assert_int_equal(
	    known_hosts_check(path, "bad.wild.example", 22, key, klen), 0);
	assert_int_equal(
	    known_hosts_check(path, "hashed.example", 2222, key, klen), 1);
	assert_int_equal(
	    known_hosts_check(path, "hashed.example", 22, key, klen), 0);
	/* a revoked key is refused even where it is listed */
	fp = fopen(path, "a");
	fprintf(fp, "revoked.example ssh-ed25519 %s\n", ob);
	fclose(fp);
	assert_int_equal(
	    known_hosts_check(path, "revoked.example", 22, other, klen), 0);
	assert_int_equal(
	    known_hosts_check("/nonexistent/kh", "x", 22, key, klen), -1);
	unlink(path);
	rmdir(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
