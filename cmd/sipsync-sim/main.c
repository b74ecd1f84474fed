/*
 * sipsync-sim: a local, stateful simulator of the Ultravox SIP API.
 *
 * main.c: flags, state loading, start, wait for SIGTERM/SIGINT, stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_control.h"
#include "sim_http.h"
#include "sim_state.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/file.h"
#include "reconcile/base/netaddr.h"

#define EXIT_USAGE 64
#define MAX_BODY (1024 * 1024)
#define KEY_ENV "SIPSYNC_SIM_API_KEY"

static const char usage[] =
    "usage: sipsync-sim [--listen ADDR:PORT] (--api-key KEY | "
    "--api-key-file FILE)\n"
    "                   [--state FILE] [--seed FILE] [--page-size N] "
    "[--domain D]\n"
    "                   [--control] [--port-file FILE] [--latency-ms N]\n"
    "                   [--account KEY=DOMAIN]...\n"
    "\n"
    "  --listen ADDR:PORT   address to serve on (default 127.0.0.1:0; "
    "port 0 = any free\n"
    "                       port; IPv6 as [::1]:0)\n"
    "  --api-key KEY        the X-API-Key clients must send (or "
    "$" KEY_ENV ")\n"
    "  --api-key-file FILE  read the key from FILE (first line)\n"
    "  --state FILE         load state from FILE if it exists; save it "
    "after every write\n"
    "  --seed FILE          initial state when there is no state file\n"
    "  --page-size N        default and maximum page size of the "
    "lists (100)\n"
    "  --domain D           the account's SIP domain (overrides the "
    "state file)\n"
    "  --control            serve the /_sim/ control API (log, state, "
    "faults)\n"
    "  --port-file FILE     also write the base URL to FILE "
    "(atomically)\n"
    "  --latency-ms N       add N ms to every API request\n"
    "  --account KEY=DOMAIN a further account, seen only with KEY "
    "(repeatable)\n";

struct opts {
	char *host;
	unsigned port;
	char *api_key;
	const char *api_key_file;
	const char *state;
	const char *seed;
	const char *domain;
	const char *port_file;
	long page_size;
	long latency_ms;
	bool control;
	json_t *accounts; /* --account: [{"domain", "apiKey"}] or NULL */
};

static void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void errorf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sipsync-sim: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "127.0.0.1:0", "[::1]:8080" or "localhost:0". */
static int parse_listen(const char *s, struct opts *o)
{
	char host[128];
	unsigned port;
	if (netaddr_split(s, host, sizeof(host), &port) != 0 || !host[0])
		return -1;
	free(o->host);
	o->host = strdup(strcmp(host, "localhost") == 0 ? "127.0.0.1" : host);
	o->port = port;
	return o->host ? 0 : -1;
}

static int read_key_file(const char *path, char **out)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0])
		return -1;
	*out = strdup(buf);
	return *out ? 0 : -1;
}

/* --account KEY=DOMAIN; the message never shows the key. */
static int add_account(struct opts *o, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	json_t *a;

	if (!eq || eq == arg || !eq[1]) {
		errorf("--account: expected KEY=DOMAIN");
		return -1;
	}
	if (!o->accounts && !(o->accounts = json_array()))
		return -1;
	a = json_pack("{s:s,s:s%}", "domain", eq + 1, "apiKey", arg,
		      (size_t)(eq - arg));
	if (!a || json_array_append_new(o->accounts, a) != 0) {
		errorf("out of memory");
		return -1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_KEYFILE = 256,
		O_STATE,
		O_SEED,
		O_PAGE,
		O_DOMAIN,
		O_PORTFILE,
		O_LATENCY,
		O_CONTROL,
		O_ACCOUNT
	};
	static const struct option table[] = {
	    {"api-key", required_argument, NULL, 'k'},
	    {"api-key-file", required_argument, NULL, O_KEYFILE},
	    {"control", no_argument, NULL, O_CONTROL},
	    {"domain", required_argument, NULL, O_DOMAIN},
	    {"help", no_argument, NULL, 'h'},
	    {"latency-ms", required_argument, NULL, O_LATENCY},
	    {"listen", required_argument, NULL, 'l'},
	    {"page-size", required_argument, NULL, O_PAGE},
	    {"port-file", required_argument, NULL, O_PORTFILE},
	    {"seed", required_argument, NULL, O_SEED},
	    {"state", required_argument, NULL, O_STATE},
	    {"account", required_argument, NULL, O_ACCOUNT},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hk:l:", table, NULL)) != -1) {
		switch (c) {
		case 'k':
			free(o->api_key);
			o->api_key = strdup(optarg);
			break;
		case O_KEYFILE:
			o->api_key_file = optarg;
			break;
		case O_CONTROL:
			o->control = true;
			break;
		case O_DOMAIN:
			o->domain = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case O_LATENCY:
			if (parse_long(optarg, 0, 60000, &o->latency_ms) != 0) {
				errorf("--latency-ms: '%s': expected 0..60000",
				       optarg);
				return -1;
			}
			break;
		case 'l':
			if (parse_listen(optarg, o) != 0) {
				errorf("--listen: '%s': expected ADDR:PORT",
				       optarg);
				return -1;
			}
			break;
		case O_PAGE:
			if (parse_long(optarg, 1, 1000, &o->page_size) != 0) {
				errorf("--page-size: '%s': expected 1..1000",
				       optarg);
				return -1;
			}
			break;
		case O_PORTFILE:
			o->port_file = optarg;
			break;
		case O_SEED:
			o->seed = optarg;
			break;
		case O_STATE:
			o->state = optarg;
			break;
		case O_ACCOUNT:
			if (add_account(o, optarg) != 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		errorf("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static int resolve_key(struct opts *o)
{
	const char *env = getenv(KEY_ENV);

	if (o->api_key_file) {
		free(o->api_key);
		o->api_key = NULL;
		if (read_key_file(o->api_key_file, &o->api_key) != 0) {
			errorf("%s: cannot read an API key", o->api_key_file);
			return -1;
		}
	}
	if (!o->api_key && env && *env)
		o->api_key = strdup(env);
	if ((!o->api_key || !*o->api_key) && !o->accounts) {
		errorf("an API key is required (--api-key, --api-key-file, "
		       "$%s or --account)",
		       KEY_ENV);
		return -1;
	}
	return 0;
}

static int load_state(struct sim_state *st, const struct opts *o)
{
	char err[1024];
	int rc = 1;

	if (o->state) {
		rc = sim_state_load_file(st, o->state, err, sizeof(err));
		if (rc < 0) {
			errorf("%s", err);
			return -1;
		}
	}
	if (rc == 1 && o->seed) {
		rc = sim_state_load_file(st, o->seed, err, sizeof(err));
		if (rc != 0) {
			errorf("%s%s", rc > 0 ? o->seed : err,
			       rc > 0 ? ": no such file" : "");
			return -1;
		}
	}
	if (o->accounts &&
	    sim_state_bind_accounts(st, o->accounts, err, sizeof(err)) != 0) {
		errorf("--account: %s", err);
		return -1;
	}
	return sim_state_save(st);
}

/* Writes "URL\n" to path atomically: a test polls for it and must never
 * read half a line. 0, or -1 (message printed, naming the path). */
static int write_port_file(const char *path, const char *url)
{
	struct diag_list d = {0};
	struct buf b;
	int rc = -1;

	buf_init(&b, SIZE_MAX);
	if (buf_addf(&b, "%s\n", url) != 0)
		diag_add(&d, DIAG_ERROR, NULL, NULL, "%s: out of memory", path);
	else
		rc =
		    file_write_atomic(path, buf_str(&b), buf_len(&b), 0644, &d);
	for (size_t i = 0; i < d.len; i++)
		errorf("--port-file: %s", d.items[i].message);
	diag_list_clear(&d);
	buf_free(&b);
	return rc;
}

/* SIGTERM/SIGINT write a byte here; main waits on the other end. A
 * handler (not only a blocked mask and sigwait) so that a stop signal is
 * never fatal, whichever thread it lands on. */
static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
	int saved = errno;
	ssize_t n = write(stop_pipe[1], "x", 1);

	(void)sig;
	(void)n;
	errno = saved;
}

static int install_stop_handler(sigset_t *set)
{
	struct sigaction sa;

	if (pipe(stop_pipe) != 0)
		return -1;
	fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	/* blocked while the server's threads start, so they inherit the
	 * mask and the handler runs on the main thread */
	return pthread_sigmask(SIG_BLOCK, set, NULL) == 0 ? 0 : -1;
}

/* Polls with a timeout rather than blocking for good: tools that defer
 * signal handlers to the next intercepted call (ThreadSanitizer) then still
 * see the stop. */
static void wait_for_stop(const sigset_t *set)
{
	struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};

	pthread_sigmask(SIG_UNBLOCK, set, NULL);
	while (poll(&p, 1, 250) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		;
}

static int serve(const struct opts *o, struct sim_state *st,
		 struct sim_control *ctl)
{
	struct sim_http_config cfg = {o->host,	    o->port,	o->api_key,
				      o->page_size, o->control, MAX_BODY};
	struct sim_http *srv = NULL;
	sigset_t set;
	char err[256];

	if (install_stop_handler(&set) != 0) {
		errorf("cannot install signal handlers: %s", strerror(errno));
		return -1;
	}
	if (sim_http_start(&srv, &cfg, st, ctl, err, sizeof(err)) != 0) {
		errorf("%s", err);
		return -1;
	}
	printf("listening on %s\n", sim_http_url(srv));
	fflush(stdout);
	if (o->port_file && write_port_file(o->port_file, sim_http_url(srv))) {
		sim_http_stop(srv);
		return -1;
	}
	wait_for_stop(&set);
	sim_http_stop(srv);
	sim_state_lock(st);
	sim_state_save(st);
	sim_state_unlock(st);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct sim_state *st = NULL;
	struct sim_control *ctl = NULL;
	int rc = EXIT_USAGE;

	o.page_size = 100;
	o.host = strdup("127.0.0.1");
	if (parse_opts(argc, argv, &o) != 0 || resolve_key(&o) != 0) {
		fputs(usage, stderr);
		goto out;
	}
	rc = 1;
	if (sim_state_new(&st, o.domain, o.state) != 0 ||
	    sim_control_new(&ctl, o.latency_ms) != 0) {
		errorf("out of memory");
		goto out;
	}
	if (load_state(st, &o) != 0 || serve(&o, st, ctl) != 0)
		goto out;
	rc = 0;
out:
	sim_control_free(ctl);
	sim_state_free(st);
	free(o.api_key);
	free(o.host);
	json_decref(o.accounts);
	if (stop_pipe[0] >= 0) {
		close(stop_pipe[0]);
		close(stop_pipe[1]);
	}
	return rc;
}
