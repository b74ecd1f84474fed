#include "reconcile/base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/base/buf.h"

extern char **environ;

/* A pipe whose ends are not inherited (only the dup2 copies are). */
static int cloexec_pipe(int fds[2])
{
	if (pipe(fds) != 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's descriptors: stdin from the file, 1 and 2 to the pipes (the
 * pipe ends are close-on-exec; dup2 clears that on the copies). */
static int setup_actions(posix_spawn_file_actions_t *fa, const char *stdin_path,
			 int out_wr, int err_wr)
{
	if (posix_spawn_file_actions_init(fa) != 0)
		return -1;
	if (posix_spawn_file_actions_addopen(
		fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_adddup2(fa, out_wr, 1) ||
	    posix_spawn_file_actions_adddup2(fa, err_wr, 2)) {
		posix_spawn_file_actions_destroy(fa);
		return -1;
	}
	return 0;
}

static int setup_attr(posix_spawnattr_t *at)
{
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	if (posix_spawnattr_init(at) != 0)
		return -1;
	if (posix_spawnattr_setsigdefault(at, &all) ||
	    posix_spawnattr_setsigmask(at, &none) ||
	    posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGDEF |
					     POSIX_SPAWN_SETSIGMASK)) {
		posix_spawnattr_destroy(at);
		return -1;
	}
	return 0;
}

static int spawn(pid_t *pid, const char *const argv[], const char *stdin_path,
		 int out_wr, int err_wr)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (setup_actions(&fa, stdin_path, out_wr, err_wr) != 0)
		return ENOMEM;
	if (setup_attr(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	/* posix_spawnp does not write to argv; the cast is its prototype's */
	int e =
	    posix_spawnp(pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}

/* Keeps the first PROC_OUTPUT_MAX bytes; the rest is read and dropped. */
static void keep(struct buf *b, const char *data, size_t n)
{
	size_t room = PROC_OUTPUT_MAX - buf_len(b);
	if (n > room)
		n = room;
	if (n && buf_add(b, data, n) != 0)
		buf_reset(b);
}

/* Reads both pipes until both are at EOF or the deadline. Returns 0 at
 * EOF, -1 at the deadline. */
static int drain(int fds[2], struct buf out[2], long deadline)
{
	struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN},
			      {.fd = fds[1], .events = POLLIN}};
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long left = deadline - mono_ms();
		if (left <= 0)
			return -1;
		int n = poll(p, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < 2 && n > 0; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			char chunk[4096];
			ssize_t got = read(p[i].fd, chunk, sizeof(chunk));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				p[i].fd = -1; /* poll skips negative fds */
				continue;
			}
			keep(&out[i], chunk, (size_t)got);
		}
	}
	return 0;
}

/* Waits for the child until the deadline (it may close its output and go
 * on running). Returns 0 with *status, or -1 at the deadline. */
static int reap(pid_t pid, long deadline, int *status)
{
	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return -1;
		if (mono_ms() >= deadline)
			return -1;
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
}

static void kill_and_reap(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static int run_child(const char *const argv[], const char *stdin_path,
		     long timeout_ms, int pipes[2][2], struct buf out[2],
		     struct proc_result *r)
{
	pid_t pid;
	int status = 0;
	int e = spawn(&pid, argv, stdin_path, pipes[0][1], pipes[1][1]);
	close(pipes[0][1]);
	close(pipes[1][1]);
	pipes[0][1] = pipes[1][1] = -1;
	if (e != 0) {
		snprintf(r->why, sizeof(r->why), "cannot run %s: %s", argv[0],
			 strerror(e));
		return -1;
	}
	long deadline = mono_ms() + timeout_ms;
	int fds[2] = {pipes[0][0], pipes[1][0]};
	if (drain(fds, out, deadline) != 0 ||
	    reap(pid, deadline, &status) != 0) {
		kill_and_reap(pid);
		snprintf(r->why, sizeof(r->why),
			 "no answer within %ld s (killed)",
			 (timeout_ms + 999) / 1000);
		return -1;
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

int proc_run(const char *const argv[], const char *stdin_path, long timeout_ms,
	     struct proc_result *r)
{
	int pipes[2][2] = {{-1, -1}, {-1, -1}};
	struct buf out[2];
	int rc = -1;
	memset(r, 0, sizeof(*r));
	r->status = -1;
	buf_init(&out[0], PROC_OUTPUT_MAX);
	buf_init(&out[1], PROC_OUTPUT_MAX);
	if (cloexec_pipe(pipes[0]) != 0 || cloexec_pipe(pipes[1]) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot run %s: %s", argv[0],
			 strerror(errno));
		goto out;
	}
	rc = run_child(argv, stdin_path, timeout_ms, pipes, out, r);
	if (rc == 0 && (!(r->out = buf_take(&out[0], NULL)) ||
			!(r->err = buf_take(&out[1], NULL)))) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		rc = -1;
	}
out:
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (pipes[i][j] >= 0)
				close(pipes[i][j]);
	buf_free(&out[0]);
	buf_free(&out[1]);
	return rc;
}

void proc_result_release(struct proc_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void proc_first_line(const char *text, char *out, size_t size)
{
	size_t n = 0;
	if (!size)
		return;
	while (text && (*text == '\n' || *text == '\r'))
		text++;
	for (; text && text[n] && text[n] != '\n' && text[n] != '\r' &&
	       n + 1 < size;
	     n++) {
		unsigned char ch = (unsigned char)text[n];
		out[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
}
