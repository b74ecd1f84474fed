#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/source.h"

static char dir[] = "/tmp/sipsync-test-source-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	char path[256];
	put("20-b.yml", "version: 1\n");
	put("10-a.yaml", "version: 1\n");
	put("notes.txt", "not yaml\n");
	snprintf(path, sizeof(path), "%s/old.yaml", dir); /* a directory */
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/pipe.yaml", dir); /* a FIFO */
	return mkfifo(path, 0600);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Only regular YAML files, sorted; a directory or FIFO with a YAML name
 * is skipped, and nothing blocks on the FIFO. */
static void test_directory(void **state)
{
	(void)state;
	struct source *src = NULL;
	struct diag_list d = {0};
	alarm(10); /* a blocking open would hang here: fail instead */
	assert_int_equal(source_from_path(&src, dir, &d), 0);
	alarm(0);
	assert_int_equal(d.len, 0);
	assert_int_equal(src->n_files, 2);
	assert_non_null(strstr(src->files[0].name, "/10-a.yaml"));
	assert_non_null(strstr(src->files[1].name, "/20-b.yml"));
	assert_string_equal(src->files[0].data, "version: 1\n");
	assert_string_equal(src->files[0].base_dir, dir);
	source_free(src);
}

/* Named directly, a FIFO is refused at once with a clear message. */
static void test_fifo_refused(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/pipe.yaml", dir);
	struct source *src = NULL;
	struct diag_list d = {0};
	alarm(10);
	assert_int_equal(source_from_path(&src, path, &d), -1);
	alarm(0);
	assert_null(src);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, "not a regular file"));
	diag_list_clear(&d);
}

static void test_missing(void **state)
{
	(void)state;
	struct source *src = NULL;
	struct diag_list d = {0};
	assert_int_equal(source_from_path(&src, "/nonexistent/x.yaml", &d), -1);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].message,
			    "/nonexistent/x.yaml: No such file or directory");
	diag_list_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_directory),
	    cmocka_unit_test(test_fifo_refused),
	    cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
