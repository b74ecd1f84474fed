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
#include <time.h>
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
	const char *names[] = {"crlf",	  "nl2",   "empty", "nul",     "big",
			       "plain",	  "fifo",  "sd/in", "sd/link", "sd/up",
			       "outside", "utf16", "sp"};
	char path[512];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sd", dir);
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
	setenv("SIPSYNC_SECRET_T", "env-value-1", 1);
	char *v = resolve(SECRET_ENV, "SIPSYNC_SECRET_T", NULL, &why);
	assert_string_equal(v, "env-value-1");
	assert_null(why);
	free(v);
	setenv("SIPSYNC_SECRET_T", "", 1);
	assert_null(resolve(SECRET_ENV, "SIPSYNC_SECRET_T", NULL, &why));
	assert_string_equal(why,
			    "environment variable SIPSYNC_SECRET_T is empty");
	free(why);
	unsetenv("SIPSYNC_SECRET_T");
	assert_null(resolve(SECRET_ENV, "SIPSYNC_SECRET_T", NULL, &why));
	assert_string_equal(why,
			    "environment variable SIPSYNC_SECRET_T is not set");
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

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A FIFO is refused at once: opening it must not wait for a writer. */
/* Issue 9 item 1: a value that is not UTF-8 cannot be sent as JSON text;
 * it was dropped from the request body (an empty PATCH). */
static void test_not_utf8(void **state)
{
	(void)state;
	char *why = NULL;
	setenv("SIPSYNC_SECRET_T", "p\xe4sswort", 1);
	assert_null(resolve(SECRET_ENV, "SIPSYNC_SECRET_T", NULL, &why));
	assert_string_equal(why, "environment variable SIPSYNC_SECRET_T is "
				 "not valid UTF-8 text (secrets are sent as "
				 "JSON strings; re-encode it as UTF-8)");
	free(why);
	setenv("SIPSYNC_SECRET_T", "p\xc3\xa4sswort", 1); /* UTF-8 */
	char *v = resolve(SECRET_ENV, "SIPSYNC_SECRET_T", NULL, &why);
	assert_string_equal(v, "p\xc3\xa4sswort");
	free(v);
	unsetenv("SIPSYNC_SECRET_T");
	write_file("utf16", "\xff\xfep\0w\0", 6);
	assert_null(resolve(SECRET_FILE, "utf16", dir, &why));
	assert_non_null(strstr(why, "secret file utf16 contains a NUL byte"));
	free(why);
	write_file("utf16", "\xff\xfepw\n", 5);
	assert_null(resolve(SECRET_FILE, "utf16", dir, &why));
	assert_string_equal(why, "secret file utf16 is not valid UTF-8 text "
				 "(secrets are sent as JSON strings; "
				 "re-encode it as UTF-8)");
	free(why);
}

/* Issue 9 item 15: surrounding whitespace is kept but noted, without the
 * value; a file's one final newline is no such whitespace. */
static void test_note_whitespace(void **state)
{
	(void)state;
	char *why = NULL;
	struct secret_ref s = {.kind = SECRET_ENV,
			       .ref = strdup("SIPSYNC_SECRET_T")};
	setenv("SIPSYNC_SECRET_T", "hunter2\n", 1);
	assert_int_equal(secret_resolve(&s, NULL, &why), 0);
	assert_string_equal(s.value, "hunter2\n");
	char *note = secret_note(&s);
	assert_string_equal(note, "environment variable SIPSYNC_SECRET_T has "
				  "leading or trailing whitespace or a line "
				  "break; it is sent as it is, and a "
				  "copy-paste slip is likely");
	free(note);
	model_secret_release(&s);
	s = (struct secret_ref){.kind = SECRET_ENV,
				.ref = strdup("SIPSYNC_SECRET_T")};
	setenv("SIPSYNC_SECRET_T", "\xc2\xa0hunter2", 1); /* U+00A0 */
	assert_int_equal(secret_resolve(&s, NULL, &why), 0);
	note = secret_note(&s);
	assert_non_null(note);
	assert_null(strstr(note, "hunter2"));
	free(note);
	model_secret_release(&s);
	unsetenv("SIPSYNC_SECRET_T");
	s = (struct secret_ref){.kind = SECRET_FILE, .ref = strdup("sp")};
	write_file("sp", "in side\n", 8);
	assert_int_equal(secret_resolve(&s, dir, &why), 0);
	assert_string_equal(s.value, "in side");
	assert_null(secret_note(&s));
	model_secret_release(&s);
	s = (struct secret_ref){.kind = SECRET_FILE, .ref = strdup("sp")};
	write_file("sp", "pw \n", 4);
	assert_int_equal(secret_resolve(&s, dir, &why), 0);
	note = secret_note(&s);
	assert_string_equal(note, "secret file sp has leading or trailing "
				  "whitespace or a line break (after the one "
				  "final newline, which is dropped); it is "
				  "sent as it is, and a copy-paste slip is "
				  "likely");
	free(note);
	model_secret_release(&s);
}

static void test_fifo_refused_at_once(void **state)
{
	(void)state;
	char path[512], *why = NULL, *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(20); /* without the fix open() blocks: fail, do not hang */
	double t0 = mono();
	assert_null(resolve(SECRET_FILE, "fifo", dir, &why));
	assert_string_equal(why, "secret file fifo is not a regular file");
	free(why);
	assert_int_equal(secret_read_file(path, "F", 100, &buf, &len, &why),
			 -1);
	assert_null(buf);
	assert_string_equal(why, "secret file F is not a regular file");
	free(why);
	alarm(0);
	assert_true(mono() - t0 < 5);
}

/* sipsync's own settings are not secret references, for any source. */
static void test_reserved_env_names(void **state)
{
	(void)state;
	const char *refused[] = {"ULTRAVOX_API_KEY",  "ULTRAVOX_API_URL",
				 "SIPSYNC_GIT_TOKEN", "SIPSYNC_SIM_API_KEY",
				 "SIPSYNC_SSH_KEY",   "SIPSYNC_ANYTHING",
				 "SIPSYNC_SECRET"};
	const char *allowed[] = {"SIP_FALLBACK_SECRET",
				 "PBX_SALES_PASSWORD",
				 "SIPSYNC_SECRET_X",
				 "SIPSYNC_PASSWORD_BOB",
				 "SIPSYNC_FALLBACK_SECRET_1",
				 "MY_SIPSYNC_GIT_TOKEN",
				 "ULTRAVOX"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!secret_env_reserved(refused[i]))
			fail_msg("%s not reserved", refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (secret_env_reserved(allowed[i]))
			fail_msg("%s reserved", allowed[i]);
	char *why = NULL;
	setenv("ULTRAVOX_API_KEY", "the-api-key", 1);
	char *v = resolve(SECRET_ENV, "ULTRAVOX_API_KEY", NULL, &why);
	assert_null(v);
	assert_string_equal(why, "environment variable ULTRAVOX_API_KEY is one "
				 "of sipsync's own settings and cannot be a "
				 "secret reference");
	free(why);
	char name[] = "SIPSYNC_GIT_TOKEN";
	struct secret_ref s = {.kind = SECRET_ENV, .ref = name};
	assert_int_equal(secret_check(&s, &why), -1);
	assert_non_null(strstr(why, "SIPSYNC_GIT_TOKEN is one of"));
	free(why);
	unsetenv("ULTRAVOX_API_KEY");
}

static char *resolve_confined(const char *ref, const char *sdir, char **why)
{
	struct secret_ref s = {.kind = SECRET_FILE, .ref = strdup(ref)};
	int rc = secret_resolve_confined(&s, sdir, why);
	char *v = rc == 0 && s.value ? strdup(s.value) : NULL;
	assert_true((rc == 0) == (v != NULL));
	model_secret_release(&s);
	return v;
}

/* A git source's {file:} secrets stay inside the secrets directory. */
static void test_confined_files(void **state)
{
	(void)state;
	char sd[512], path[512], target[512], *why = NULL;
	snprintf(sd, sizeof(sd), "%s/sd", dir);
	assert_int_equal(mkdir(sd, 0700), 0);
	write_file("sd/in", "inside\n", 7);
	write_file("outside", "host-file\n", 10);
	snprintf(path, sizeof(path), "%s/sd/link", dir);
	snprintf(target, sizeof(target), "%s/outside", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/sd/up", dir);
	assert_int_equal(symlink("../outside", path), 0);

	char *v = resolve_confined("in", sd, &why);
	assert_string_equal(v, "inside");
	free(v);
	v = resolve_confined("./in", sd, &why);
	assert_string_equal(v, "inside");
	free(v);
	assert_null(resolve_confined("in", NULL, &why)); /* no --secrets-dir */
	assert_string_equal(why, "secret file in: {file: PATH} secrets in a "
				 "git repository need --secrets-dir DIR");
	free(why);
	const char *out[] = {"../outside", "link", "up", "../sd/../outside"};
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		assert_null(resolve_confined(out[i], sd, &why));
		char want[256];
		snprintf(want, sizeof(want),
			 "secret file %s is outside the secrets directory",
			 out[i]);
		assert_string_equal(why, want);
		free(why);
	}
	assert_null(resolve_confined(target, sd, &why)); /* absolute */
	assert_non_null(strstr(why, "an absolute path is not allowed"));
	free(why);
	assert_null(resolve_confined("/etc/passwd", sd, &why));
	assert_non_null(strstr(why, "an absolute path is not allowed"));
	free(why);
	/* an env reference is checked as everywhere */
	struct secret_ref s = {.kind = SECRET_ENV,
			       .ref = strdup("SIPSYNC_GIT_TOKEN")};
	assert_int_equal(secret_resolve_confined(&s, sd, &why), -1);
	assert_non_null(strstr(why, "sipsync's own settings"));
	free(why);
	model_secret_release(&s);
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

/* Review finding: a value pasted as an env name was echoed. */
static void test_env_name_invalid_not_echoed(void **state)
{
	(void)state;
	const char *bad[] = {"hunter2 pass", "1ABC", "A-B", "A\n", "", "É"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *why = NULL;
		assert_false(secret_env_name_valid(bad[i]));
		assert_null(resolve(SECRET_ENV, bad[i], NULL, &why));
		assert_non_null(why);
		assert_non_null(
		    strstr(why, "not a valid environment variable name"));
		if (*bad[i])
			assert_null(strstr(why, bad[i]));
		free(why);
		struct secret_ref s = {.kind = SECRET_ENV,
				       .ref = (char *)bad[i]};
		assert_int_equal(secret_check(&s, &why), -1);
		assert_non_null(why);
		assert_null(strstr(why, "hunter2"));
		free(why);
	}
	assert_true(secret_env_name_valid("_a1"));
	assert_true(secret_env_name_valid("PBX_SALES_PASSWORD"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_not_utf8),
	    cmocka_unit_test(test_note_whitespace),
	    cmocka_unit_test(test_literal_untouched),
	    cmocka_unit_test(test_fifo_refused_at_once),
	    cmocka_unit_test(test_reserved_env_names),
	    cmocka_unit_test(test_confined_files),
	    cmocka_unit_test(test_env_name_invalid_not_echoed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
