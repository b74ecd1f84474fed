/*
 * A userspace delay line for tests/bench/net/bench_net.sh (this kernel has
 * no netem): one TUN device in each of two network namespaces, every IP
 * packet read from one written to the other DELAY ms later, in order. The
 * queue of each direction is bounded; a packet arriving at a full queue is
 * dropped and counted (a router's tail drop). No bandwidth limit.
 *
 *   delayline --ns-a PATH --ns-b PATH --dev NAME --delay-ms N
 *             [--queue N] [--lifetime S] --ready FILE --stats FILE
 *
 * A is the client side: TCP SYNs and TLS ClientHellos going from A to B
 * are counted and written to the stats file (replaced atomically after
 * each one, and at exit), so the benchmark counts connections and
 * handshakes on the wire, whatever the client or the server. It exits on
 * SIGTERM/SIGINT/SIGHUP, or by itself after --lifetime seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048 /* above the 1500-byte MTU the script sets */

struct slot {
	struct timespec due;
	uint16_t len;
	unsigned char data[SLOT_BYTES];
};

struct queue {
	struct slot *slots;
	size_t cap, head, count;
};

struct stats {
	unsigned long long packets[2], dropped[2], syn, client_hello;
};

struct opts {
	const char *ns[2], *dev, *ready, *stats;
	long delay_ms, queue, lifetime;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t = {.tv_sec = ns / 1000000000,
			     .tv_nsec = ns % 1000000000};
	return t;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns_of(&t);
}

/* Opens a TUN device NAME inside the network namespace at NSPATH (the
 * device lives as long as the descriptor: nothing to clean up). */
static int tun_open_in(const char *nspath, const char *name)
{
	struct ifreq ifr;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns = open(nspath, O_RDONLY | O_CLOEXEC), fd = -1;

	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
		perror(nspath);
		goto out;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
		perror("/dev/net/tun");
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (setns(self, CLONE_NEWNET) != 0) {
		perror("setns back");
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return fd;
}

static int write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static void save_stats(const char *path, const struct stats *s)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "syn %llu\nclient_hello %llu\npackets_ab %llu\n"
		 "packets_ba %llu\ndropped_ab %llu\ndropped_ba %llu\n",
		 s->syn, s->client_hello, s->packets[0], s->packets[1],
		 s->dropped[0], s->dropped[1]);
	if (write_file(path, text) != 0)
		perror(path);
}

/* Counts a client->server IPv4 TCP packet that opens a connection (SYN
 * without ACK) or starts a TLS handshake (a handshake record holding a
 * ClientHello at the start of the segment). Returns 1 when it counted. */
static int count_packet(const unsigned char *p, size_t len, struct stats *s)
{
	size_t ihl, doff, total;
	const unsigned char *tcp, *pl;

	if (len < 20 || (p[0] >> 4) != 4 || p[9] != 6)
		return 0;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = ((size_t)p[2] << 8) | p[3];
	if (total > len || ihl + 20 > total)
		return 0;
	tcp = p + ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if ((tcp[13] & 0x12) == 0x02) {
		s->syn++;
		return 1;
	}
	if (doff < 20 || ihl + doff + 6 > total)
		return 0;
	pl = tcp + doff;
	if (pl[0] == 0x16 && pl[1] == 0x03 && pl[5] == 0x01) {
		s->client_hello++;
		return 1;
	}
	return 0;
}

/* Reads every packet waiting on FD into Q, due at NOW + DELAY. */
static int drain_in(int fd, struct queue *q, int64_t due, int dir,
		    struct stats *s)
{
	unsigned char buf[65536];
	int counted = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? counted : -1;
		s->packets[dir]++;
		if (q->count == q->cap || (size_t)n > SLOT_BYTES) {
			s->dropped[dir]++;
			continue;
		}
		if (dir == 0)
			counted |= count_packet(buf, (size_t)n, s);
		struct slot *sl = &q->slots[(q->head + q->count) % q->cap];
		sl->due = ts_of(due);
		sl->len = (uint16_t)n;
		memcpy(sl->data, buf, (size_t)n);
		q->count++;
	}
}

/* Writes the packets of Q that are due by NOW to FD; returns the time the
 * next one is due, or -1 when Q is empty. */
static int64_t flush_due(int fd, struct queue *q, int64_t now, int dir,
			 struct stats *s)
{
	while (q->count > 0) {
		struct slot *sl = &q->slots[q->head];
		if (ns_of(&sl->due) > now)
			return ns_of(&sl->due);
		if (write(fd, sl->data, sl->len) != (ssize_t)sl->len)
			s->dropped[dir]++;
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--ns-a"))
			o->ns[0] = v;
		else if (!strcmp(k, "--ns-b"))
			o->ns[1] = v;
		else if (!strcmp(k, "--dev"))
			o->dev = v;
		else if (!strcmp(k, "--ready"))
			o->ready = v;
		else if (!strcmp(k, "--stats"))
			o->stats = v;
		else if (!strcmp(k, "--delay-ms"))
			o->delay_ms = strtol(v, NULL, 10);
		else if (!strcmp(k, "--queue"))
			o->queue = strtol(v, NULL, 10);
		else if (!strcmp(k, "--lifetime"))
			o->lifetime = strtol(v, NULL, 10);
		else
			return -1;
	}
	if (!o->ns[0] || !o->ns[1] || !o->dev || !o->ready || !o->stats ||
	    o->delay_ms < 0 || o->delay_ms > 10000 || o->queue < 1 ||
	    o->queue > 65536 || o->lifetime < 1)
		return -1;
	return 0;
}

static void install_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	/* blocked except inside ppoll: a signal can never slip in between
	 * the check of stop_flag and the wait */
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int run(const struct opts *o, int fd[2], struct queue q[2])
{
	struct stats s = {0};
	sigset_t waitmask;
	int64_t delay = o->delay_ms * 1000000LL;
	int64_t end = now_ns() + o->lifetime * 1000000000LL;

	install_signals(&waitmask);
	save_stats(o->stats, &s);
	if (write_file(o->ready, "ready\n") != 0)
		return -1;
	while (!stop_flag) {
		int64_t now = now_ns(), next = end;
		struct pollfd pf[2] = {{fd[0], POLLIN, 0}, {fd[1], POLLIN, 0}};
		int counted = 0;

		if (now >= end)
			break;
		for (int d = 0; d < 2; d++) {
			int64_t due = flush_due(fd[1 - d], &q[d], now, d, &s);
			if (due >= 0 && due < next)
				next = due;
		}
		struct timespec wait = ts_of(next - now);
		if (ppoll(pf, 2, &wait, &waitmask) < 0 && errno != EINTR)
			return -1;
		now = now_ns();
		for (int d = 0; d < 2; d++) {
			if (!(pf[d].revents & POLLIN))
				continue;
			int c = drain_in(fd[d], &q[d], now + delay, d, &s);
			if (c < 0)
				return -1;
			counted |= c;
		}
		if (counted)
			save_stats(o->stats, &s);
	}
	save_stats(o->stats, &s);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.queue = 4096, .lifetime = 3600, .delay_ms = -1};
	struct queue q[2] = {{0}, {0}};
	int fd[2] = {-1, -1}, rc = 1;

	if (parse_opts(argc, argv, &o) != 0) {
		fprintf(stderr,
			"usage: delayline --ns-a PATH --ns-b PATH --dev "
			"NAME --delay-ms N [--queue N] [--lifetime S] "
			"--ready FILE --stats FILE\n");
		return 64;
	}
	/* the default 50 us timer slack would be visible next to 25 ms */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (int d = 0; d < 2; d++) {
		q[d].cap = (size_t)o.queue;
		q[d].slots = calloc(q[d].cap, sizeof(struct slot));
		fd[d] = tun_open_in(o.ns[d], o.dev);
		if (!q[d].slots || fd[d] < 0)
			goto out;
	}
	if (run(&o, fd, q) == 0)
		rc = 0;
	else
		perror("delayline");
out:
	for (int d = 0; d < 2; d++) {
		if (fd[d] >= 0)
			close(fd[d]);
		free(q[d].slots);
	}
	return rc;
}
