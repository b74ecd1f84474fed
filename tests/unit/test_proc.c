/* base/proc: helpers run without a shell, output captured, killed at the
 * deadline. (The tests use sh as the program run; proc itself never
 * does.) */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reconcile/base/proc.h"

static void test_status_and_output(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c", "printf out; printf err >&2; exit 3",
			      NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out, "out");
	assert_string_equal(r.err, "err");
	proc_result_release(&r);
}

/* an argument is never parsed by a shell */
static void test_no_shell(void **state)
{
	(void)state;
	const char *argv[] = {"printf", "%s|", "a b; echo no", "$(id)", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "a b; echo no|$(id)|");
	proc_result_release(&r);
}

static void test_stdin_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_proc.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "payload\n", 8), 8);
	close(fd);
	const char *argv[] = {"cat", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, path, 10000, &r), 0);
	assert_string_equal(r.out, "payload\n");
	proc_result_release(&r);
	/* no file: /dev/null */
	assert_int_equal(proc_run(argv, NULL, 10000, &r), 0);
	assert_string_equal(r.out, "");
	proc_result_release(&r);
	unlink(path);
}

static void test_not_found(void **state)
{
	(void)state;
	const char *argv[] = {"sipsync-no-such-program", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, NULL, 10000, &r), -1);
	assert_string_equal(r.why, "cannot run sipsync-no-such-program: No "
				   "such file or directory");
	proc_result_release(&r);
}

/* a child that never ends is killed at the deadline, whether it keeps
 * its output open or closes it and goes on running */
static void test_deadline(void **state)
{
	(void)state;
	const char *open_out[] = {"sleep", "30", NULL};
	const char *closed[] = {"sh", "-c", "exec >&- 2>&-; sleep 30", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(open_out, NULL, 200, &r), -1);
	assert_string_equal(r.why, "no answer within 1 s (killed)");
	proc_result_release(&r);
	assert_int_equal(proc_run(closed, NULL, 200, &r), -1);
	assert_string_equal(r.why, "no answer within 1 s (killed)");
	proc_result_release(&r);
}

/* output beyond the limit is read and dropped: the child never blocks */
static void test_output_limit(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c",
			      "head -c 300000 /dev/zero | tr '\\000' a", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), PROC_OUTPUT_MAX);
	proc_result_release(&r);
}

/* a signal the caller ignores (the agent: SIGPIPE) is not ignored by the
 * child */
static void test_signal_defaults(void **state)
{
	(void)state;
	struct sigaction ign = {0}, old;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	const char *argv[] = {"sh", "-c", "kill -PIPE $$; exit 0", NULL};
	struct proc_result r;
	assert_int_equal(proc_run(argv, NULL, 10000, &r), 0);
	assert_int_equal(r.status, -1);
	proc_result_release(&r);
	sigaction(SIGPIPE, &old, NULL);
}

static void test_first_line(void **state)
{
	(void)state;
	char out[16];
	proc_first_line("\nfirst\r\nsecond", out, sizeof(out));
	assert_string_equal(out, "first");
	proc_first_line("a\tb\x1b[31m", out, sizeof(out));
	assert_string_equal(out, "a?b?[31m");
	proc_first_line("0123456789abcdefghij", out, sizeof(out));
	assert_string_equal(out, "0123456789abcde");
	proc_first_line(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_and_output),
	    cmocka_unit_test(test_no_shell),
	    cmocka_unit_test(test_stdin_file),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_output_limit),
	    cmocka_unit_test(test_signal_defaults),
	    cmocka_unit_test(test_first_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
