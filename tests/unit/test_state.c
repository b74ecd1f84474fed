#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/state.h"

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KEY_PW "registration/alice@pbx.example.com/password"
#define KEY_FB "sip/fallbackHandler/secrets"

static char g_root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(g_root, sizeof(g_root), "/tmp/sipsync-test-state-XXXXXX");
	return mkdtemp(g_root) ? 0 : -1;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		char sub[512];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(g_root);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_round_trip(void **state)
{
	(void)state;
	char dir[300];
	struct state_file *s = NULL;
	struct diag_list d = {0};
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/a/b", g_root);

	/* missing directory and file: empty */
	assert_int_equal(state_load(&s, dir, "acme.sip.ultravox.ai", &d), 0);
	assert_null(state_get(s, KEY_PW));
	assert_int_equal(state_set(s, KEY_PW, FP_A), 0);
	assert_int_equal(state_set(s, KEY_FB, FP_B), 0);
	assert_int_equal(state_set(s, KEY_FB, "not-hex"), -1);
	assert_int_equal(state_save(s, &d), 0);
	assert_int_equal(d.len, 0);

	/* mode 0600 file, 0700 dir, no temporary file left */
	assert_int_equal(stat(state_path(s), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(count_entries(dir), 1);
	char want[400];
	snprintf(want, sizeof(want), "%s/acme.sip.ultravox.ai.json", dir);
	assert_string_equal(state_path(s), want);
	state_free(s);

	s = NULL;
	assert_int_equal(state_load(&s, dir, "acme.sip.ultravox.ai", &d), 0);
	assert_string_equal(state_get(s, KEY_PW), FP_A);
	assert_string_equal(state_get(s, KEY_FB), FP_B);
	assert_int_equal(state_remove(s, KEY_PW), 0);
	assert_int_equal(state_remove(s, "nope"), 0);
	assert_null(state_get(s, KEY_PW));
	assert_int_equal(state_save(s, &d), 0);
	state_free(s);

	s = NULL;
	assert_int_equal(state_load(&s, dir, "ACME.sip.ultravox.ai", &d), 0);
	assert_null(state_get(s, KEY_PW));
	assert_string_equal(state_get(s, KEY_FB), FP_B);
	state_free(s);
	assert_int_equal(d.len, 0);
}

static void test_no_values_stored(void **state)
{
	(void)state;
	struct state_file *s = NULL;
	struct diag_list d = {0};
	char fp[CRYPTO_SHA256_HEX_LEN + 1], fp2[CRYPTO_SHA256_HEX_LEN + 1];
	char buf[4096] = "";
	assert_int_equal(state_fingerprint("key1", "pw-value-xyz", fp), 0);
	assert_int_equal(strlen(fp), 64);
	assert_int_equal(state_fingerprint("key2", "pw-value-xyz", fp2), 0);
	assert_string_not_equal(fp, fp2); /* keyed */
	assert_int_equal(state_fingerprint("key1", "pw-value-xyz", fp2), 0);
	assert_string_equal(fp, fp2);
	assert_int_equal(state_load(&s, g_root, "d.example", &d), 0);
	assert_int_equal(state_set(s, KEY_PW, fp), 0);
	assert_int_equal(state_save(s, &d), 0);
	FILE *f = fopen(state_path(s), "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_null(strstr(buf, "pw-value-xyz"));
	assert_non_null(strstr(buf, fp));
	assert_non_null(strstr(buf, "\"version\": 1"));
	assert_non_null(strstr(buf, "\"domain\": \"d.example\""));
	state_free(s);
}

static void test_domain_sanitized(void **state)
{
	(void)state;
	char dir[300];
	struct state_file *s = NULL;
	struct diag_list d = {0};
	snprintf(dir, sizeof(dir), "%s/inner", g_root);
	assert_int_equal(state_load(&s, dir, "../../etc/passwd", &d), 0);
	const char *p = state_path(s);
	assert_memory_equal(p, dir, strlen(dir));
	assert_null(strchr(p + strlen(dir) + 1, '/'));
	assert_null(strstr(p, ".."));
	assert_int_equal(state_set(s, KEY_PW, FP_A), 0);
	assert_int_equal(state_save(s, &d), 0);
	assert_int_equal(count_entries(dir), 1);
	state_free(s);
	s = NULL;
	assert_int_equal(state_load(&s, dir, "..", &d), 0);
	assert_string_not_equal(state_path(s) + strlen(dir), "/...json");
	assert_null(strstr(state_path(s) + strlen(dir), "/.."));
	state_free(s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_bad_files(void **state)
{
	(void)state;
	char path[400];
	struct state_file *s = NULL;
	struct diag_list d = {0};
	snprintf(path, sizeof(path), "%s/x.example.json", g_root);

	write_file(path, "{not json");
	assert_int_equal(state_load(&s, g_root, "x.example", &d), -1);
	assert_null(s);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, "x.example.json"));
	diag_list_clear(&d);

	write_file(path, "{\"version\": 1, \"domain\": \"other.example\", "
			 "\"fingerprints\": {}}");
	assert_int_equal(state_load(&s, g_root, "x.example", &d), -1);
	assert_non_null(strstr(d.items[0].message, "other.example"));
	diag_list_clear(&d);

	write_file(path, "{\"version\": 2, \"fingerprints\": {}}");
	assert_int_equal(state_load(&s, g_root, "x.example", &d), -1);
	assert_non_null(strstr(d.items[0].message, "version 2"));
	diag_list_clear(&d);

	/* a malformed entry is dropped with a warning, the rest is kept */
	write_file(path, "{\"version\": 1, \"fingerprints\": {\"a\": \"zz\", "
			 "\"b\": \"" FP_B "\"}}");
	assert_int_equal(state_load(&s, g_root, "x.example", &d), 0);
	assert_int_equal(d.len, 1);
	assert_int_equal(d.items[0].severity, DIAG_WARNING);
	assert_null(state_get(s, "a"));
	assert_string_equal(state_get(s, "b"), FP_B);
	state_free(s);
	diag_list_clear(&d);
}

/* Finding: fingerprints are keyed by the API key; after a rotation they are
 * dropped (unknown), not compared (which made every value look changed). */
static void test_key_rotation(void **state)
{
	(void)state;
	struct diag_list d = {0};
	struct state_file *s = NULL;
	char path[512], id[17];
	assert_int_equal(state_load(&s, g_root, "acme.example", &d), 0);
	assert_int_equal(state_bind_key(s, "key-A"), 0);
	assert_int_equal(state_set(s, KEY_PW, FP_A), 0);
	assert_int_equal(state_save(s, &d), 0);
	state_free(s);

	/* the file names the key (not the key itself) */
	snprintf(path, sizeof(path), "%s/acme.example.json", g_root);
	FILE *fp = fopen(path, "r");
	char text[2048] = "";
	assert_non_null(fp);
	assert_true(fread(text, 1, sizeof(text) - 1, fp) > 0);
	fclose(fp);
	assert_int_equal(state_key_id("key-A", id), 0);
	assert_int_equal(strlen(id), 16);
	assert_non_null(strstr(text, id));
	assert_null(strstr(text, "key-A"));

	/* same key: kept */
	assert_int_equal(state_load(&s, g_root, "acme.example", &d), 0);
	assert_int_equal(state_bind_key(s, "key-A"), 0);
	assert_false(state_key_changed(s));
	assert_string_equal(state_get(s, KEY_PW), FP_A);
	state_free(s);

	/* another key: dropped, and said */
	assert_int_equal(state_load(&s, g_root, "acme.example", &d), 0);
	assert_int_equal(state_bind_key(s, "key-B"), 1);
	assert_true(state_key_changed(s));
	assert_null(state_get(s, KEY_PW));
	assert_int_equal(state_set(s, KEY_FB, FP_B), 0);
	assert_int_equal(state_save(s, &d), 0);
	state_free(s);

	/* saved under the new key: B now matches, A does not */
	assert_int_equal(state_load(&s, g_root, "acme.example", &d), 0);
	assert_int_equal(state_bind_key(s, "key-B"), 0);
	assert_string_equal(state_get(s, KEY_FB), FP_B);
	state_free(s);

	/* a file without keyId (older sipsync) is taken as the current key's */
	write_file(path, "{\"version\": 1, \"domain\": \"acme.example\", "
			 "\"fingerprints\": {\"" KEY_PW "\": \"" FP_A "\"}}");
	assert_int_equal(state_load(&s, g_root, "acme.example", &d), 0);
	assert_int_equal(state_bind_key(s, "key-C"), 0);
	assert_string_equal(state_get(s, KEY_PW), FP_A);
	state_free(s);
	assert_int_equal(d.len, 0);
}

/* A save that cannot finish names the state file, leaves the old one (here
 * a directory in its place) as it was and no temporary file behind. */
static void test_save_failure_names_path(void **state)
{
	(void)state;
	char dir[300], blocker[400];
	struct state_file *s = NULL;
	struct diag_list d = {0};
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/s", g_root);
	assert_int_equal(state_load(&s, dir, "d.example", &d), 0);
	snprintf(blocker, sizeof(blocker), "%s/d.example.json", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(blocker, 0700), 0);
	assert_int_equal(state_set(s, KEY_PW, FP_A), 0);
	assert_int_equal(state_save(s, &d), -1);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, blocker));
	assert_null(strstr(d.items[0].message, FP_A));
	assert_int_equal(stat(blocker, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(count_entries(dir), 1);
	state_free(s);
	diag_list_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_values_stored, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_domain_sanitized, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_save_failure_names_path, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
