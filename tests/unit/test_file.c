/* base/file: reads with a limit, atomic writes, messages naming the path. */
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
#include <dirent.h>

#include "reconcile/base/file.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_file.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/out.json", f->dir);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_then_read(void **st)
{
	struct fx *f = *st;
	struct diag_list d = {0};
	assert_int_equal(file_write_atomic(f->path, "{\"a\":1}\n", 8, 0600, &d),
			 0);
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* replaced whole, and no temporary file left beside it */
	assert_int_equal(file_write_atomic(f->path, "new", 3, 0640, &d), 0);
	assert_int_equal(entries(f->dir), 1);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(file_read(&data, &len, f->path, 3, &d), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "new");
	free(data);
	assert_int_equal(d.len, 0);
}

static void test_read_limit_and_kinds(void **st)
{
	struct fx *f = *st;
	struct diag_list d = {0};
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(file_write_atomic(f->path, "12345", 5, 0600, &d), 0);
	assert_int_equal(file_read(&data, &len, f->path, 4, &d), -1);
	assert_null(data);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, f->path));
	assert_non_null(strstr(d.items[0].message, "larger than 4 bytes"));
	diag_list_clear(&d);
	assert_int_equal(file_read(&data, &len, f->dir, 100, &d), -1);
	assert_non_null(strstr(d.items[0].message, "not a regular file"));
	diag_list_clear(&d);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/missing", f->dir);
	assert_int_equal(file_read(&data, &len, missing, 100, &d), -1);
	assert_non_null(strstr(d.items[0].message, "could not open '"));
	assert_non_null(strstr(d.items[0].message, missing));
	diag_list_clear(&d);
}

static void test_write_failure_names_path(void **st)
{
	struct fx *f = *st;
	struct diag_list d = {0};
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.json", f->dir);
	assert_int_equal(file_write_atomic(bad, "x", 1, 0600, &d), -1);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, bad));
	assert_non_null(strstr(d.items[0].message, "No such file"));
	diag_list_clear(&d);
	assert_int_equal(entries(f->dir), 0);
}

static void test_write_all(void **st)
{
	(void)st;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(file_write_all(fds[1], "abc", 3), 0);
	close(fds[1]);
	char got[8] = {0};
	assert_int_equal(read(fds[0], got, sizeof(got)), 3);
	assert_string_equal(got, "abc");
	close(fds[0]);
	assert_int_equal(file_write_all(-1, "x", 1), -1);
}

static void test_mkdirs(void **st)
{
	struct fx *f = *st;
	char deep[160], mid[160], plain[160];
	struct stat sb;
	snprintf(mid, sizeof(mid), "%s/a", f->dir);
	snprintf(deep, sizeof(deep), "%s/a/b/", f->dir);
	snprintf(plain, sizeof(plain), "%s/a/file", f->dir);
	assert_int_equal(file_mkdirs(deep, 0700), 0);
	assert_int_equal(stat(deep, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* existing directories are fine */
	assert_int_equal(file_mkdirs(deep, 0700), 0);
	/* a file in the way of a parent is not */
	FILE *fp = fopen(plain, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(deep, sizeof(deep), "%s/a/file/c", f->dir);
	assert_int_equal(file_mkdirs(deep, 0700), -1);
	unlink(plain);
	snprintf(deep, sizeof(deep), "%s/a/b", f->dir);
	rmdir(deep);
	rmdir(mid);
}

static void test_dirname(void **st)
{
	(void)st;
	const char *cases[][2] = {{"a/b/c.yaml", "a/b"},
				  {"c.yaml", "."},
				  {"/c", "/"},
				  {"/x/y", "/x"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = file_dirname(cases[i][0]);
		assert_string_equal(d, cases[i][1]);
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_then_read, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_read_limit_and_kinds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_write_failure_names_path,
					    setup, teardown),
	    cmocka_unit_test(test_write_all),
	    cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
	    cmocka_unit_test(test_dirname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
