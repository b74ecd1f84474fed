/*
 * sipsync probe: signed synthetic fallback requests to the fallback
 * handler of the desired state (or --url), one per route test that
 * expects the fallback handler, each answer checked against
 * SipFallbackHandlerResponse and the test's expectation. Only on request:
 * plan and apply never call the handler.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/report.h"
#include "cmd/sipsync/session.h"
#include "reconcile/api/api_probe.h"
#include "reconcile/base/format.h"
#include "reconcile/base/str.h"
#include "reconcile/core/probe.h"
#include "reconcile/core/route.h"

static const char probe_usage[] =
    "usage: sipsync probe [SOURCE] [--url URL] [--format text|json|junit]\n"
    "                     [--repeat N] [--offline] [--timeout DURATION]\n"
    "\n"
    "Sends the fallback handler of the desired state in SOURCE (default .)\n"
    "or git (--repo/--ref/--path) the signed requests Ultravox sends it: one\n"
    "per route test that expects `fallback` (its to, from, fromDisplayName\n"
    "and headers), or one call no allowance matches when there is none. Each\n"
    "answer must be HTTP 200, JSON, valid SipFallbackHandlerResponse\n"
    "(exactly one of startAgentCall, startCall, reject), name an agent of the\n"
    "account, and match the test's expect: {fallback: ...}. Requests carry\n"
    "X-Sipsync-Probe: 1. The secrets are resolved like any secret and never\n"
    "printed.\n"
    "\n"
    "Options:\n"
    "      --url URL             probe this handler instead (a staging copy);\n"
    "                            https://, or http:// to a loopback address\n"
    "      --format FORMAT       text (default), json or junit, on stdout\n"
    "      --repeat N            send each call N times (default 1) and "
    "report\n"
    "                            the median and maximum answer time\n"
    "      --offline             do not look startAgentCall agents up in the\n"
    "                            account (no API key needed)\n"
    "      --timeout DURATION    per request (default 5s; Ultravox's own "
    "limit\n"
    "                            is undocumented, keep well under it)\n"
    "      --account NAME / --all  with an accounts file as SOURCE: probe\n"
    "                            these accounts' handlers (junit: one)\n"
    "\n"
    "Exit codes: 0 every call passed, 1 a call failed or the desired state is\n"
    "invalid, 64 usage error.\n"
    "\n";

#define PROBE_TIMEOUT_MS 5000L
#define PROBE_MAX_REPEAT 1000L

enum pformat { PF_TEXT, PF_JSON, PF_JUNIT };
static const char *const format_names[] = {"text", "json", "junit", NULL};

enum { OPT_FORMAT = 2000, OPT_URL, OPT_REPEAT, OPT_OFFLINE };

struct probe_args {
	struct session s;
	enum pformat format;
	const char *url;
	long repeat;
	bool offline;
};

/* What every call of one run shares. */
struct probe_run {
	struct probe_args *a;
	const char *url;
	char *name; /* "POST https://host/path", for the summary */
	const struct fallback_handler *fh;
	const char *domain;
	long timeout_ms;
};

static int probe_option(void *ctx, int opt, const char *arg)
{
	struct probe_args *a = ctx;
	int choice;
	switch (opt) {
	case OPT_FORMAT:
		choice = cli_parse_choice("--format", arg, format_names);
		if (choice < 0)
			return CLI_OPT_BAD;
		a->format = (enum pformat)choice;
		return CLI_OPT_TAKEN;
	case OPT_URL:
		a->url = arg;
		return CLI_OPT_TAKEN;
	case OPT_REPEAT:
		if (session_parse_long("--repeat", arg, &a->repeat) != 0)
			return CLI_OPT_BAD;
		if (a->repeat < 1 || a->repeat > PROBE_MAX_REPEAT) {
			cli_errorf("--repeat: expected 1 to %ld, got '%s'",
				   PROBE_MAX_REPEAT, arg);
			return CLI_OPT_BAD;
		}
		return CLI_OPT_TAKEN;
	case OPT_OFFLINE:
		a->offline = true;
		return CLI_OPT_TAKEN;
	default:
		return CLI_OPT_NOT_MINE;
	}
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct probe_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"url", required_argument, NULL, OPT_URL},
	    {"repeat", required_argument, NULL, OPT_REPEAT},
	    {"offline", no_argument, NULL, OPT_OFFLINE},
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"probe", probe_usage, longopts,
					       1, probe_option};
	a->repeat = 1;
	return cli_parse_args(&a->s.common, &cmd, a, argc, argv);
}

/* The handler and its secrets from the desired state (--url overrides
 * the URL only: a staging copy shares the secrets). 0 or -1 (printed). */
static int pick_handler(struct probe_run *run)
{
	const struct desired_state *ds = run->a->s.ds;
	const struct sip_config *sip = &ds->sip;
	struct diag_list d = {0};
	bool has_fh = ds->has_sip && sip->fallback_state == FIELD_SET;
	run->fh = has_fh ? &sip->fallback : NULL;
	run->url = run->a->url ? run->a->url
		   : has_fh    ? sip->fallback.url
			       : NULL;
	run->domain = ds->domain;
	if (!run->url) {
		cli_errorf("probe: the desired state sets no "
			   "sip.fallbackHandler.url (pass --url)");
		return -1;
	}
	if (!run->fh || run->fh->secrets_state != FIELD_SET ||
	    run->fh->n_secrets == 0) {
		cli_errorf("probe: sip.fallbackHandler.secrets is not set in "
			   "the desired state: the probe cannot sign its "
			   "requests as Ultravox does");
		return -1;
	}
	if (api_probe_check_url(run->url, &d) != 0) {
		cli_print_diags(stderr, &d);
		diag_list_clear(&d);
		return -1;
	}
	run->name = api_probe_request_name(run->url);
	return run->name ? 0 : -1;
}

/* The tests whose call goes to the fallback handler; none: one default
 * call (NULL). Returns the count, *out the caller frees; 0 out of memory. */
static size_t pick_calls(const struct desired_state *ds,
			 const struct route_test ***out)
{
	size_t n = 0;
	const struct route_test **c = calloc(ds->n_route_tests + 1, sizeof(*c));
	*out = c;
	if (!c)
		return 0;
	for (size_t i = 0; i < ds->n_route_tests; i++)
		if (ds->route_tests[i].expect &&
		    strcmp(ds->route_tests[i].expect, "fallback") == 0)
			c[n++] = &ds->route_tests[i];
	return n ? n : 1; /* c[0] stays NULL: the default call */
}

static void default_call_check(const struct desired_state *ds)
{
	struct route_decision dec = {0};
	struct diag_list d = {0};
	if (ds->has_sip &&
	    route_decide(&ds->sip, PROBE_DEFAULT_USER, &dec, &d) == 0 &&
	    dec.kind != ROUTE_FALLBACK)
		cli_warnf("probe: an allowance matches the default call to "
			  "'%s'; add a routeTests case with expect: fallback",
			  PROBE_DEFAULT_USER);
	route_decision_release(&dec);
	diag_list_clear(&d);
}

static char *call_label(const struct route_test *t, size_t index)
{
	if (!t)
		return str_printf("default call to %s", PROBE_DEFAULT_USER);
	if (t->name)
		return str_dup(t->name);
	return str_printf("routeTests[%zu] to %s", index, t->to);
}

/* One signed request and its check. Returns 0 with the answer in *ans, or
 * -1 with *why. */
static int send_one(const struct probe_run *run, const struct route_test *t,
		    const char *body, struct probe_answer *ans, long *ms,
		    char **why)
{
	struct timeval tv;
	char ts[PROBE_TIMESTAMP_LEN];
	char *sig = NULL;
	struct api_probe_answer got = {0};
	struct diag_list d = {0};
	int rc = -1;
	*why = NULL;
	gettimeofday(&tv, NULL);
	if (probe_timestamp(tv.tv_sec, (long)tv.tv_usec, ts) != 0 ||
	    probe_sign(run->fh->secrets, run->fh->n_secrets, body, ts, &sig)) {
		*why = str_dup("could not sign the request");
		goto out;
	}
	struct api_probe_request rq = {.url = run->url,
				       .body = body,
				       .timestamp = ts,
				       .signature = sig,
				       .ca_cert = run->a->s.common.ca_cert,
				       .timeout_ms = run->timeout_ms};
	if (api_probe_send(&rq, &got, &d) != 0) {
		*why = str_dup(d.len ? d.items[0].message : "request failed");
		goto out;
	}
	*ms = got.elapsed_ms;
	rc = probe_check(got.status, got.content_type, got.body, got.len, t,
			 ans, why);
out:
	str_wipe_free(sig);
	api_probe_answer_release(&got);
	diag_list_clear(&d);
	return rc;
}

/* A diag as the reason of a FAIL line: without diag_format's "error: ". */
static char *api_failure_line(const struct diag *d)
{
	char *s = diag_format(d);
	const char *p = "error: ";
	if (s && strncmp(s, p, strlen(p)) == 0)
		memmove(s, s + strlen(p), strlen(s) - strlen(p) + 1);
	return s;
}

/* startAgentCall: the agent must be one of the account's (as plan looks
 * agents up). 0, or -1 with *why. */
static int check_agent(struct probe_run *run, const struct probe_answer *ans,
		       char **why)
{
	struct session *s = &run->a->s;
	struct diag_list d = {0};
	if (run->a->offline || ans->kind != FALLBACK_EXPECT_START_AGENT_CALL)
		return 0;
	if (!s->api && session_open_api(s) != 0) {
		*why = str_dup("could not look the agent up (or pass "
			       "--offline)");
		return -1;
	}
	int r = api_agent_exists(s->api, ans->agent_id, &d);
	if (r == 1)
		return 0;
	/* the API failure names its request: GET /api/agents/ID: 401: ... */
	*why = r == 0  ? str_printf("startAgentCall.agentId %s is not an agent "
				     "of the account",
				    ans->agent_id)
	       : d.len ? api_failure_line(&d.items[0])
		       : str_dup("agent look-up failed");
	diag_list_clear(&d);
	return -1;
}

static void probe_call(struct probe_run *run, const struct route_test *t,
		       struct probe_result *r)
{
	char *body = NULL;
	long *ms = calloc((size_t)run->a->repeat, sizeof(*ms));
	struct probe_answer ans = {0};
	size_t done = 0;
	if (!ms || probe_body(t, run->domain, &body) != 0) {
		r->message = str_dup("out of memory");
		goto out;
	}
	for (long i = 0; i < run->a->repeat && !r->message; i++) {
		probe_answer_release(&ans);
		if (send_one(run, t, body, &ans, &ms[done], &r->message) == 0)
			done++;
		if (!r->message && i == 0)
			check_agent(run, &ans, &r->message);
	}
	if (ans.kind != FALLBACK_EXPECT_ANY)
		r->answer = probe_answer_text(&ans);
	r->repeat = done;
	if (done)
		probe_latency(ms, done, &r->p50_ms, &r->max_ms);
	r->pass = !r->message && done == (size_t)run->a->repeat;
out:
	if (!r->pass && !r->message)
		r->message = str_dup("out of memory");
	probe_answer_release(&ans);
	free(body);
	free(ms);
}

static int report(const struct probe_run *run, const struct probe_result *r,
		  size_t n)
{
	switch (run->a->format) {
	case PF_JSON:
		if (report_probe_json(stdout, run->name, r, n) != 0) {
			cli_errorf("probe: could not write the JSON report");
			return -1;
		}
		return 0;
	case PF_JUNIT:
		report_probe_junit(stdout, r, n);
		return 0;
	default:
		report_probe_text(stdout, run->name, r, n);
		return 0;
	}
}

/* One desired state (an account's, or SOURCE's) probed. */
static int probe_one(void *ctx)
{
	struct probe_args a = *(struct probe_args *)ctx;
	struct probe_run run = {.a = &a};
	const struct route_test **calls = NULL;
	struct probe_result *res = NULL;
	size_t n = 0;
	int rc = EXIT_FAILURE_;
	run.timeout_ms =
	    a.s.common.timeout_ms ? a.s.common.timeout_ms : PROBE_TIMEOUT_MS;
	struct load_opts lo = {.fallback_secrets_only = true};
	if (cli_load_desired(&a.s.common, &lo, &a.s.ds) != 0 ||
	    pick_handler(&run) != 0)
		goto out;
	n = pick_calls(a.s.ds, &calls);
	if (n == 0 || !(res = calloc(n, sizeof(*res)))) {
		cli_errorf("out of memory");
		goto out;
	}
	if (!calls[0])
		default_call_check(a.s.ds);
	for (size_t i = 0; i < n; i++) {
		res[i].test = calls[i];
		res[i].index =
		    calls[i] ? (size_t)(calls[i] - a.s.ds->route_tests) : 0;
		res[i].label = call_label(calls[i], res[i].index);
		probe_call(&run, calls[i], &res[i]);
	}
	if (report(&run, res, n) != 0 || fflush(stdout) != 0)
		goto out;
	rc = EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (!res[i].pass)
			rc = EXIT_FAILURE_;
out:
	probe_results_free(res, n);
	free(calls);
	free(run.name);
	session_close(&a.s);
	return rc;
}

int cmd_probe(int argc, char **argv)
{
	static const enum multi_output outputs[] = {MULTI_TEXT, MULTI_JSON,
						    MULTI_TEXT};
	struct probe_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	if (a.format == PF_JUNIT &&
	    (a.s.common.all_accounts || a.s.common.n_account_names > 1)) {
		cli_errorf("probe: --format junit reports one desired state; "
			   "run it per --account");
		return EXIT_USAGE;
	}
	struct multi_opts mo = {
	    "passed", outputs[a.format], "probe", NULL, NULL, true};
	rc = multi_run(&a.s.common, &mo, probe_one, &a);
	return rc >= 0 ? rc : probe_one(&a);
}
