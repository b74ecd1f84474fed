#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconcile/lock.h"

static char g_root[256];

static int setup(void **state)
{
	(void)state;
	snprintf(g_root, sizeof(g_root), "/tmp/sipsync-test-lock-XXXXXX");
	return mkdtemp(g_root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_exclusive_and_released(void **state)
{
	(void)state;
	struct diag_list d = {0};
	struct lock *a = NULL, *b = NULL;
	assert_int_equal(lock_acquire(&a, g_root, "acme.sip.ultravox.ai",
				      "sipsync apply", 0, &d),
			 0);
	/* a second open file description conflicts even in one process */
	assert_int_equal(lock_acquire(&b, g_root, "acme.sip.ultravox.ai",
				      "sipsync apply", 0, &d),
			 -1);
	assert_null(b);
	assert_int_equal(d.len, 1);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	char want[512];
	snprintf(want, sizeof(want),
		 "account acme.sip.ultravox.ai is locked by pid %ld on %s "
		 "(sipsync apply, since ",
		 (long)getpid(), host);
	assert_non_null(strstr(d.items[0].message, want));
	assert_non_null(strstr(d.items[0].message, " UTC); --lock-timeout 2m "
						   "waits"));
	diag_list_clear(&d);
	/* another account is another lock */
	assert_int_equal(lock_acquire(&b, g_root, "other.sip.ultravox.ai",
				      "sipsync apply", 0, &d),
			 0);
	lock_release(b);
	lock_release(a);
	assert_int_equal(lock_acquire(&b, g_root, "acme.sip.ultravox.ai",
				      "sipsync run", 0, &d),
			 0);
	lock_release(b);
	lock_release(NULL);
	assert_int_equal(d.len, 0);
}

/* A child holds the lock, then exits without releasing it: the parent,
 * waiting, gets it once the kernel drops the dead holder's lock. */
static void test_waits_for_holder_to_exit(void **state)
{
	(void)state;
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct diag_list d = {0};
		struct lock *l = NULL;
		if (lock_acquire(&l, g_root, "acme.sip.ultravox.ai", "child", 0,
				 &d) != 0)
			_exit(1);
		(void)write(go[1], "x", 1);
		usleep(200 * 1000);
		_exit(0); /* no lock_release: as if killed */
	}
	char c;
	close(go[1]);
	assert_int_equal(read(go[0], &c, 1), 1);
	close(go[0]);
	struct diag_list d = {0};
	struct lock *l = NULL;
	assert_int_equal(lock_acquire(&l, g_root, "acme.sip.ultravox.ai",
				      "sipsync apply", 0, &d),
			 -1);
	assert_non_null(strstr(d.items[0].message, "(child, since "));
	diag_list_clear(&d);
	assert_int_equal(lock_acquire(&l, g_root, "acme.sip.ultravox.ai",
				      "sipsync apply", 30 * 1000, &d),
			 0);
	lock_release(l);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* lock_quiet_since: a read made before the lock was taken may be used
 * only when no holder can have been at work since it began. */
static void test_quiet_since(void **state)
{
	(void)state;
	const char *dom = "acme.sip.ultravox.ai";
	struct diag_list d = {0};
	struct lock *l = NULL;
	long long t0 = wall_ms();
	/* a file this process creates: nobody held it */
	assert_int_equal(lock_acquire(&l, g_root, dom, "t", 0, &d), 0);
	assert_true(lock_quiet_since(l, t0));
	lock_release(l);
	/* released just now: a read begun before that is not trusted */
	assert_int_equal(lock_acquire(&l, g_root, dom, "t", 0, &d), 0);
	assert_false(lock_quiet_since(l, t0));
	assert_false(lock_quiet_since(l, wall_ms()));
	lock_release(l);
	/* released long before the read began: trusted */
	char path[400];
	snprintf(path, sizeof(path), "%s/%s.lock", g_root, dom);
	struct timespec old[2] = {{wall_ms() / 1000 - 60, 0},
				  {wall_ms() / 1000 - 60, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(lock_acquire(&l, g_root, dom, "t", 0, &d), 0);
	assert_true(lock_quiet_since(l, wall_ms()));
	lock_release(l);
	/* a holder that died holding it (the file still names it), even
	   long ago: not trusted */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lock *cl = NULL;
		struct diag_list cd = {0};
		_exit(lock_acquire(&cl, g_root, dom, "child", 0, &cd) == 0
			  ? 0
			  : 1); /* no lock_release: as if killed */
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(lock_acquire(&l, g_root, dom, "t", 0, &d), 0);
	assert_false(lock_quiet_since(l, wall_ms()));
	lock_release(l);
	diag_list_clear(&d);
}

/* The lock file's name comes from the live domain: it cannot leave the
 * state directory. */
static void test_domain_cannot_escape(void **state)
{
	(void)state;
	struct diag_list d = {0};
	struct lock *l = NULL;
	char sub[300], path[400];
	snprintf(sub, sizeof(sub), "%s/state", g_root);
	assert_int_equal(lock_acquire(&l, sub, "../Evil/x", "t", 0, &d), 0);
	lock_release(l);
	snprintf(path, sizeof(path), "%s/___evil_x.lock", sub);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exclusive_and_released, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_waits_for_holder_to_exit,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quiet_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_domain_cannot_escape, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
