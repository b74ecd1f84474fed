#include "reconcile/lock.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/base/file.h"
#include "reconcile/state.h"

struct lock {
	int fd;
	/* what the file said of earlier holders when it was taken: a holder
	 * writes it on taking the lock and touches it on release */
	bool waited;	      /* another process held it: we waited */
	bool unreleased;      /* it named a holder: one that died holding
				 it (a release empties it) */
	long long touched_ms; /* its mtime then (realtime ms); 0: this
				 process created it */
};

enum { LOCK_POLL_MS = 50, LOCK_INFO_MAX = 4096, LOCK_CLOCK_SLACK_MS = 1000 };

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Records the holder in the (locked) file for whoever waits on it. A
 * failure only makes that message vaguer, so it is not an error. */
static void write_holder(int fd, const char *command)
{
	char host[256] = "?", since[32] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "?");
	time_t t = time(NULL);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *j =
	    json_pack("{s:I, s:s, s:s, s:s}", "pid", (json_int_t)getpid(),
		      "host", host, "command", command, "since", since);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text && ftruncate(fd, 0) == 0) {
		size_t n = strlen(text);
		if (pwrite(fd, text, n, 0) == (ssize_t)n)
			(void)fsync(fd);
	}
	free(text);
	json_decref(j);
}

/* "pid 4711 on ci-runner-3 (sipsync apply, since 12:03:10 UTC)", or
 * "another process" when the file says nothing readable yet. */
static void describe_holder(int fd, char *buf, size_t len)
{
	char text[LOCK_INFO_MAX + 1];
	ssize_t n = pread(fd, text, LOCK_INFO_MAX, 0);
	json_t *j = n > 0 ? json_loadb(text, (size_t)n, 0, NULL) : NULL;
	json_int_t pid = 0;
	const char *host = "?", *command = "?", *since = "";
	if (!j ||
	    json_unpack(j, "{s:I, s?s, s?s, s?s}", "pid", &pid, "host", &host,
			"command", &command, "since", &since) != 0) {
		snprintf(buf, len, "another process");
		json_decref(j);
		return;
	}
	/* the time of day is what a person compares with the clock; the date
	 * is there when it is not today's */
	const char *clock = strlen(since) == 20 ? since + 11 : since;
	snprintf(buf, len, "pid %lld on %s (%s, since %.8s UTC)",
		 (long long)pid, host, command, clock);
	json_decref(j);
}

static int open_lock_file(int *fd, bool *created, const char *state_dir,
			  const char *domain, struct diag_list *d)
{
	char *path = state_file_name(state_dir, domain, ".lock");
	if (!path) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "lock: out of memory");
		return -1;
	}
	if (file_mkdirs(state_dir, 0700) != 0)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "could not create the state directory '%s': %s",
			 state_dir, strerror(errno));
	else if ((*fd = open(path,
			     O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			     0600)) >= 0)
		*created = true;
	else if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			     0600)) < 0)
		diag_add(d, DIAG_ERROR, NULL, NULL, "could not open '%s': %s",
			 path, strerror(errno));
	free(path);
	return *fd < 0 ? -1 : 0;
}

static void report_locked(int fd, const char *domain, long timeout_ms,
			  struct diag_list *d)
{
	char who[512];
	describe_holder(fd, who, sizeof(who));
	if (timeout_ms > 0)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "account %s is locked by %s; gave up after "
			 "--lock-timeout %lds",
			 domain, who, (timeout_ms + 999) / 1000);
	else
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "account %s is locked by %s; --lock-timeout 2m waits",
			 domain, who);
}

int lock_acquire(struct lock **out, const char *state_dir, const char *domain,
		 const char *command, long timeout_ms, struct diag_list *d)
{
	int fd = -1;
	bool created = false;
	*out = NULL;
	if (open_lock_file(&fd, &created, state_dir, domain, d) != 0)
		return -1;
	long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	bool waited = false;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		waited = true;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "could not lock account %s: %s", domain,
				 strerror(errno));
			close(fd);
			return -1;
		}
		long left = deadline - now_ms();
		if (left <= 0) {
			report_locked(fd, domain, timeout_ms, d);
			close(fd);
			return -1;
		}
		sleep_ms(left < LOCK_POLL_MS ? left : LOCK_POLL_MS);
	}
	struct lock *l = malloc(sizeof(*l));
	if (!l) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "lock: out of memory");
		close(fd);
		return -1;
	}
	struct stat sb;
	l->fd = fd;
	l->waited = waited;
	if (fstat(fd, &sb) != 0) {
		l->unreleased = true;
	} else {
		l->unreleased = sb.st_size > 0;
		l->touched_ms = created && !waited
				    ? 0
				    : (long long)sb.st_mtim.tv_sec * 1000 +
					  sb.st_mtim.tv_nsec / 1000000;
	}
	write_holder(fd, command);
	*out = l;
	return 0;
}

bool lock_quiet_since(const struct lock *l, long long since_ms)
{
	/* file times come from a coarse clock: a second's margin */
	return !l->waited && !l->unreleased &&
	       l->touched_ms < since_ms - LOCK_CLOCK_SLACK_MS;
}

void lock_release(struct lock *l)
{
	if (!l)
		return;
	/* emptied while still held (the next holder writes only once it
	 * holds the lock): an empty file says its last holder released it,
	 * and its mtime when, for lock_quiet_since */
	if (ftruncate(l->fd, 0) == 0)
		(void)futimens(l->fd, NULL);
	(void)flock(l->fd, LOCK_UN);
	close(l->fd);
	free(l);
}
