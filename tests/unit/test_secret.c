/* secret: {env: NAME} / {file: PATH} resolution; messages never hold the
 * value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema/secret.h"

static char dir[] = "/tmp/sipsync-test-secret-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"crlf", "nl2", "empty", "nul", "big", "plain"};
	char path[512];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	return 0;
}

/* Resolves a reference; returns the value (or NULL) and puts the message
 * in *why. */
static char *resolve(enum secret_kind kind, const char *ref, const char *base,
		     char **why)
{
	struct secret_ref s = {.kind = kind, .ref = strdup(ref)};
	int rc = secret_resolve(&s, base, why);
	char *v = rc == 0 && s.value ? strdup(s.value) : NULL;
	assert_true((rc == 0) == (v != NULL));
	model_secret_release(&s);
	return v;
}

static void test_env(void **state)
{
	(void)state;
	char *why = NULL;
	setenv("SIPSYNC_T_SECRET", "env-value-1", 1);
	char *v = resolve(SECRET_ENV, "SIPSYNC_T_SECRET", NULL, &why);
	assert_string_equal(v, "env-value-1");
	assert_null(why);
	free(v);
	setenv("SIPSYNC_T_SECRET", "", 1);
	assert_null(resolve(SECRET_ENV, "SIPSYNC_T_SECRET", NULL, &why));
	assert_string_equal(why,
			    "environment variable SIPSYNC_T_SECRET is empty");
	free(why);
	unsetenv("SIPSYNC_T_SECRET");
	assert_null(resolve(SECRET_ENV, "SIPSYNC_T_SECRET", NULL, &why));
	assert_string_equal(why,
			    "environment variable SIPSYNC_T_SECRET is not set");
	free(why);
}

static void test_file(void **state)
{
	(void)state;
	char *why = NULL, *v;
	write_file("crlf", "file-value\r\n", 12);
	v = resolve(SECRET_FILE, "crlf", dir, &why);
	assert_string_equal(v, "file-value");
	free(v);
	/* only one trailing newline goes */
	write_file("nl2", "file-value\n\n", 12);
	v = resolve(SECRET_FILE, "nl2", dir, &why);
	assert_string_equal(v, "file-value\n");
	free(v);
	write_file("plain", "no-newline", 10);
	char abs[512];
	snprintf(abs, sizeof(abs), "%s/plain", dir);
	v = resolve(SECRET_FILE, abs, "/nonexistent", &why); /* absolute */
	assert_string_equal(v, "no-newline");
	free(v);
}

static void test_file_errors(void **state)
{
	(void)state;
	char *why = NULL;
	write_file("empty", "\n", 1);
	assert_null(resolve(SECRET_FILE, "empty", dir, &why));
	assert_string_equal(why, "secret file empty is empty");
	free(why);
	write_file("nul", "ab\0cd", 5);
	assert_null(resolve(SECRET_FILE, "nul", dir, &why));
	assert_string_equal(why, "secret file nul contains a NUL byte");
	free(why);
	char *big = malloc(SECRET_MAX_FILE_SIZE + 1);
	memset(big, 'x', SECRET_MAX_FILE_SIZE + 1);
	write_file("big", big, SECRET_MAX_FILE_SIZE + 1);
	free(big);
	assert_null(resolve(SECRET_FILE, "big", dir, &why));
	assert_string_equal(why, "secret file big is larger than 65536 bytes");
	free(why);
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_null(resolve(SECRET_FILE, "sub", dir, &why));
	assert_string_equal(why, "secret file sub is not a regular file");
	free(why);
	assert_null(resolve(SECRET_FILE, "missing", dir, &why));
	assert_string_equal(why,
			    "cannot read secret file missing: No such file "
			    "or directory");
	free(why);
}

static void test_literal_untouched(void **state)
{
	(void)state;
	struct secret_ref s = {.kind = SECRET_LITERAL, .value = strdup("lit")};
	char *why = NULL;
	assert_int_equal(secret_resolve(&s, NULL, &why), 0);
	assert_string_equal(s.value, "lit");
	model_secret_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_literal_untouched),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
