#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/audit.h"
#include "reconcile/base/file.h"

static char g_root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(g_root, sizeof(g_root), "/tmp/sipsync-test-audit-XXXXXX");
	return mkdtemp(g_root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct audit_source src = {
    .command = "sipsync run",
    .path = "prod",
    .repo = "https://example.com/sip.git",
    .ref = "main",
    .commit = "0123456789abcdef0123456789abcdef01234567",
};

static void append_one(const char *log, const char *outcome)
{
	struct audit *a = NULL;
	struct diag_list d = {0};
	assert_int_equal(audit_new(&a, log, &src), 0);
	assert_int_equal(audit_add_write(a, "+ registration a@pbx", "POST",
					 "/api/sip/registrations", 201, "done",
					 12),
			 0);
	assert_int_equal(audit_add_write(a, "- registration b@pbx", NULL, NULL,
					 0, "skipped", 0),
			 0);
	struct audit_outcome o = {
	    .domain = "acme.sip.ultravox.ai",
	    .outcome = outcome,
	    .creates = 1,
	    .deletes = 1,
	    .fingerprint_before = "aa",
	    .fingerprint_after = NULL,
	};
	assert_int_equal(audit_append(a, &o, &d), 0);
	assert_int_equal(d.len, 0);
	audit_free(a);
}

static void test_lines(void **state)
{
	(void)state;
	char log[300];
	snprintf(log, sizeof(log), "%s/audit.jsonl", g_root);
	setenv("GITHUB_ACTOR", "octocat", 1);
	setenv("GITHUB_SERVER_URL", "https://github.com", 1);
	setenv("GITHUB_REPOSITORY", "acme/sip", 1);
	setenv("GITHUB_RUN_ID", "42", 1);
	append_one(log, "applied");
	unsetenv("GITHUB_ACTOR");
	append_one(log, "partial");
	char *text = NULL;
	size_t len = 0;
	struct diag_list d = {0};
	assert_int_equal(file_read(&text, &len, log, 1 << 20, &d), 0);
	char *nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(nl + 1, '\n'), text + len - 1); /* 2 lines */
	json_t *j = json_loadb(text, (size_t)(nl - text), 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "actor")),
	    "octocat (https://github.com/acme/sip/actions/runs/42)");
	assert_string_equal(json_string_value(json_object_get(j, "outcome")),
			    "applied");
	json_t *w = json_array_get(json_object_get(j, "writes"), 0);
	assert_string_equal(json_string_value(json_object_get(w, "method")),
			    "POST");
	assert_int_equal(json_integer_value(json_object_get(w, "status")), 201);
	assert_int_equal(json_integer_value(json_object_get(w, "durationMs")),
			 12);
	assert_true(json_is_null(json_object_get(j, "fingerprintAfter")));
	assert_true(json_is_null(json_object_get(j, "snapshot")));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(j, "source"), "commit")),
			    src.commit);
	json_decref(j);
	j = json_loads(nl + 1, 0, NULL);
	assert_non_null(j);
	char *actor = audit_actor();
	assert_non_null(strchr(actor, '@')); /* user@host without GitHub */
	assert_string_equal(json_string_value(json_object_get(j, "actor")),
			    actor);
	free(actor);
	json_decref(j);
	free(text);
}

static size_t count_yaml(const char *dir, char *oldest, size_t len)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	oldest[0] = '\0';
	while (dp && (e = readdir(dp)))
		if (strstr(e->d_name, ".yaml")) {
			n++;
			if (!oldest[0] || strcmp(e->d_name, oldest) < 0)
				snprintf(oldest, len, "%s", e->d_name);
		}
	if (dp)
		closedir(dp);
	return n;
}

/* 60 old snapshots and a new one: the newest 50 are kept. */
static void test_snapshot_pruned(void **state)
{
	(void)state;
	char dir[300], path[400], log[300];
	snprintf(dir, sizeof(dir), "%s/snapshots/acme.sip.ultravox.ai", g_root);
	snprintf(log, sizeof(log), "%s/audit.jsonl", g_root);
	assert_int_equal(file_mkdirs(dir, 0700), 0);
	for (int i = 0; i < 60; i++) {
		struct diag_list d = {0};
		snprintf(path, sizeof(path), "%s/20200101T0000%02d.000Z.yaml",
			 dir, i);
		assert_int_equal(file_write_atomic(path, "x\n", 2, 0600, &d),
				 0);
	}
	struct audit *a = NULL;
	struct diag_list d = {0};
	assert_int_equal(audit_new(&a, log, &src), 0);
	audit_set_snapshot(a, strdup("version: 1\n"));
	assert_int_equal(audit_save_snapshot(a, g_root, "acme.sip.ultravox.ai",
					     AUDIT_SNAPSHOTS_KEEP, &d),
			 0);
	char oldest[256];
	assert_int_equal(count_yaml(dir, oldest, sizeof(oldest)), 50);
	assert_string_equal(oldest, "20200101T000011.000Z.yaml");
	struct audit_outcome o = {.domain = "acme.sip.ultravox.ai",
				  .outcome = "applied"};
	assert_int_equal(audit_append(a, &o, &d), 0);
	audit_free(a);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(file_read(&text, &len, log, 1 << 20, &d), 0);
	json_t *j = json_loads(text, 0, NULL);
	const char *snap = json_string_value(json_object_get(j, "snapshot"));
	assert_non_null(snap);
	assert_int_equal(strncmp(snap, dir, strlen(dir)), 0);
	char *body = NULL;
	assert_int_equal(file_read(&body, &len, snap, 1 << 20, &d), 0);
	assert_string_equal(body, "version: 1\n");
	free(body);
	json_decref(j);
	free(text);
	/* keep 1: a small count works the same way */
	assert_int_equal(audit_new(&a, log, &src), 0);
	audit_set_snapshot(a, strdup("version: 1\n"));
	assert_int_equal(
	    audit_save_snapshot(a, g_root, "acme.sip.ultravox.ai", 1, &d), 0);
	audit_free(a);
	assert_int_equal(count_yaml(dir, oldest, sizeof(oldest)), 1);
	assert_int_equal(d.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snapshot_pruned, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
