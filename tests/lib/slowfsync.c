/*
 * A slow disk for the tests, as an LD_PRELOAD library: every fsync and
 * fdatasync first sleeps SLOWFSYNC_MS milliseconds (default 50), and, when
 * SLOWFSYNC_LOG names a file, appends one line to it, so a test can count
 * the syncs a command made. Test code only; never installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void slow(void)
{
	const char *ms = getenv("SLOWFSYNC_MS");
	long n = ms ? strtol(ms, NULL, 10) : 50;
	struct timespec ts = {n / 1000, (n % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	const char *log = getenv("SLOWFSYNC_LOG");
	if (!log)
		return;
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t w = write(fd, "sync\n", 5);
	(void)w;
	close(fd);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	slow();
	return real ? real(fd) : 0;
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	slow();
	return real ? real(fd) : 0;
}
