#include "cmd/sipsync/session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/agentnames.h"
#include "reconcile/logline.h"
#include "schema/agentref.h"
#include "reconcile/core/render.h"
#include "reconcile/base/str.h"

/* -v: one line per HTTP request on stderr (no bodies; redacted), as a
 * JSON log line with --log-format json. */
static void log_request(void *ctx, const struct api_event *ev)
{
	const struct cli_common *c = ctx;
	/* a failed attempt that is retried is a warning, one that is not (the
	 * request failed for good) an error */
	bool gone = ev->status == 404 && strcmp(ev->method, "DELETE") == 0;
	bool failed =
	    !gone && (ev->error || ev->status == 0 || ev->status >= 400);
	const char *level = !failed		   ? "info"
			    : ev->retry_in_ms >= 0 ? "warning"
						   : "error";
	if (c->log_format == LOG_JSON)
		logline_write(stderr, true, level, NULL, ev->text);
	else
		fprintf(stderr, "sipsync: %s\n", ev->text);
}

/* The stop pipe of a one-shot command: a signal writes to it (never
 * drained), the API client polls it. */
static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_count;

static void on_stop_signal(int sig)
{
	int saved = errno;
	if (stop_count++) { /* asked twice: stop now */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	ssize_t n = write(stop_pipe[1], "t", 1);
	(void)n;
	errno = saved;
}

static void install_stop(struct api_client *api)
{
	struct sigaction sa;
	if (stop_pipe[0] < 0 && pipe(stop_pipe) != 0)
		return;
	fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	api_client_set_cancel_fd(api, stop_pipe[0]);
}

static void wait_notice(void *ctx, const char *line)
{
	const struct cli_common *c = ctx;
	if (c->log_format == LOG_JSON)
		logline_write(stderr, true, "info", NULL, line);
	else
		fprintf(stderr, "sipsync: %s\n", line);
}

int session_open_api(struct session *s)
{
	struct diag_list d = {0};
	if (cli_api_key(&s->common, &s->api_key) != 0)
		return -1;
	char *from = cli_key_source(&s->common);
	s->state_dir = cli_state_dir(&s->common);
	long fallback =
	    s->default_timeout_ms ? s->default_timeout_ms : SESSION_TIMEOUT_MS;
	struct api_config cfg = {
	    .base_url = cli_api_url(&s->common),
	    .api_key = s->api_key,
	    .key_source = from,
	    .ca_cert = s->common.ca_cert,
	    .parallelism = s->parallelism,
	    .max_rps = s->max_rps,
	    .deadline_ms =
		s->common.timeout_ms ? s->common.timeout_ms : fallback,
	    .allow_insecure_http = s->common.allow_insecure_http,
	};
	int rc =
	    !s->state_dir || !from ? -1 : api_client_new(&s->api, &cfg, &d);
	free(from);
	if (rc != 0) {
		if (!d.len)
			cli_errorf("out of memory");
		cli_print_diags(stderr, &d);
		diag_list_clear(&d);
		return -1;
	}
	if (s->common.verbosity > 0)
		api_client_set_log(s->api, log_request, &s->common);
	if (s->common.verbosity >= 0 && isatty(STDERR_FILENO))
		api_client_set_wait_notice(s->api, 10000, wait_notice,
					   &s->common);
	install_stop(s->api);
	return 0;
}

int session_load(struct session *s)
{
	struct load_opts lo = {0};
	return cli_load_desired(&s->common, &lo, &s->ds);
}

int session_read(struct session *s, struct live_state **live)
{
	struct diag_list d = {0};
	int rc = 0;
	if (reconcile_read(s->api, s->ds, live, &s->names, &d) != 0 ||
	    agentref_resolve(s->ds, &s->names, &d) != 0) {
		diag_list_sort(&d);
		cli_print_diags(stderr, &d);
		model_live_free(*live);
		*live = NULL;
		rc = -1;
	}
	diag_list_clear(&d);
	return rc;
}

void session_opts(struct session *s, struct reconcile_opts *o)
{
	reconcile_opts_init(o);
	o->names = &s->names;
	o->state_dir = s->state_dir;
	o->api_key = s->api_key;
	o->force = s->common.force;
}

/* -v: how many connections the requests took ("api: 203 requests over 1
 * connection (202 reused)"), so connection reuse can be checked. */
static void log_connections(const struct session *s)
{
	struct api_stats st;
	char line[160];
	if (!s->api || s->common.verbosity <= 0)
		return;
	api_client_stats_get(s->api, &st);
	if (!st.requests)
		return;
	snprintf(line, sizeof(line),
		 "api: %lu request%s over %lu connection%s (%lu reused)",
		 st.requests, st.requests == 1 ? "" : "s", st.connections,
		 st.connections == 1 ? "" : "s", st.reused);
	if (s->common.log_format == LOG_JSON)
		logline_write(stderr, true, "info", NULL, line);
	else
		fprintf(stderr, "sipsync: %s\n", line);
}

void session_close(struct session *s)
{
	log_connections(s);
	api_client_free(s->api);
	model_desired_free(s->ds);
	str_wipe_free(s->api_key);
	agent_names_release(&s->names);
	free(s->state_dir);
	s->api = NULL;
	s->ds = NULL;
	s->api_key = NULL;
	s->state_dir = NULL;
}

void session_print_plan(struct session *s, const struct plan *p, FILE *fp)
{
	char *text = render_text(p, cli_use_color(&s->common, fp));
	if (!text) {
		cli_errorf("out of memory");
		return;
	}
	fputs(text, fp);
	fflush(fp);
	free(text);
}

int session_parse_long(const char *flag, const char *arg, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || !end || *end || end == arg || v < 0) {
		cli_errorf("%s: expected a non-negative number, got '%s'", flag,
			   arg);
		return -1;
	}
	*out = v;
	return 0;
}

int session_parse_range(const char *flag, const char *arg, long lo, long hi,
			long *out)
{
	long v;
	if (session_parse_long(flag, arg, &v) != 0)
		return -1;
	if (v < lo || v > hi) {
		cli_errorf("%s: expected %ld..%ld, got %ld", flag, lo, hi, v);
		return -1;
	}
	*out = v;
	return 0;
}
