/*
 * sipsync test: run the route tests (routeTests: in the desired state)
 * offline and report them as text, JSON or JUnit XML; with --live also on
 * the live account's configuration.
 */
#include <stdlib.h>
#include <strings.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/report.h"
#include "cmd/sipsync/session.h"
#include "reconcile/core/render.h"
#include "reconcile/core/route.h"

static const char test_usage[] =
    "usage: sipsync test [SOURCE] [--format text|json|junit] [--live]\n"
    "\n"
    "Runs the route tests of the desired state in SOURCE (default .) or in\n"
    "git (--repo/--ref/--path), offline: for each routeTests: case, where a\n"
    "call to `to` would land (allowedAgents in order, allowAllAgents, the\n"
    "fallback handler, else reject), compared with `expect` (an agent id,\n"
    "fallback or reject). Secrets are not resolved.\n"
    "\n"
    "Options:\n"
    "      --format FORMAT       text (default: one line per failure and a\n"
    "                            summary), json (a list of results) or\n"
    "                            junit (JUnit XML), on stdout\n"
    "      --account NAME / --all  with an accounts file as SOURCE: test\n"
    "                            these accounts (junit: one --account)\n"
    "      --live                also run the cases on the live account's\n"
    "                            configuration (read with the API key): which\n"
    "                            of them the account passes today\n"
    "\n"
    "Exit codes: 0 every case passed (or there is none), 1 a case failed or\n"
    "could not be decided (with --live: on either side), or the desired\n"
    "state is invalid, 64 usage error.\n"
    "\n";

enum tformat { TF_TEXT, TF_JSON, TF_JUNIT };
static const char *const format_names[] = {"text", "json", "junit", NULL};

enum { OPT_FORMAT = 2000, OPT_LIVE };

struct test_args {
	struct session s;
	enum tformat format;
	bool live;
};

static int test_option(void *ctx, int opt, const char *arg)
{
	struct test_args *a = ctx;
	if (opt == OPT_LIVE) {
		a->live = true;
		return CLI_OPT_TAKEN;
	}
	if (opt != OPT_FORMAT)
		return CLI_OPT_NOT_MINE;
	int choice = cli_parse_choice("--format", arg, format_names);
	if (choice < 0)
		return CLI_OPT_BAD;
	a->format = (enum tformat)choice;
	return CLI_OPT_TAKEN;
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct test_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"live", no_argument, NULL, OPT_LIVE},
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"test", test_usage, longopts, 1,
					       test_option};
	return cli_parse_args(&a->s.common, &cmd, a, argc, argv);
}

/* The report of the run d, and with --live of the run l too (else NULL). */
static int report(const struct test_args *a, const struct route_test_run *d,
		  const struct route_test_run *l)
{
	const char *where =
	    a->s.common.repo ? a->s.common.repo : a->s.common.source;
	bool verbose = a->s.common.verbosity > 0;
	int rc = 0;
	if (d->n == 0 && !l && a->format == TF_TEXT) {
		printf("no route tests in %s (add a routeTests: list to the "
		       "desired state)\n",
		       where);
		return 0;
	}
	if (d->n == 0 && !l)
		cli_infof(&a->s.common, "no route tests in %s", where);
	switch (a->format) {
	case TF_JSON:
		rc = l ? report_tests_json_live(stdout, d, l)
		       : report_tests_json(stdout, d->r, d->n);
		if (rc != 0)
			cli_errorf("test: could not write the JSON report");
		return rc;
	case TF_JUNIT:
		if (l)
			report_tests_junit_live(stdout, d, l);
		else
			report_tests_junit(stdout, d->r, d->n);
		return 0;
	default:
		if (d->ok)
			report_tests_text(stdout, d->r, d->n, verbose);
		if (l) {
			char *dom = render_escape(l->domain); /* live data */
			printf("on the live account %s:\n", dom ? dom : "?");
			free(dom);
			report_tests_text(stdout, l->r, l->n, verbose);
		}
		return 0;
	}
}

static bool all_passed(const struct route_test_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].status != ROUTE_TEST_PASS)
			return false;
	return true;
}

/* account.domain names another account than the key's: its cases say
 * nothing about this one (as plan and apply, --force overrides). */
static int live_domain_ok(const struct test_args *a,
			  const struct live_state *live, struct diag_list *d)
{
	const struct desired_state *ds = a->s.ds;
	const char *dom = live->sip.domain ? live->sip.domain : "";
	if (!ds->domain || strcasecmp(ds->domain, dom) == 0 ||
	    a->s.common.force)
		return 0;
	char *e = render_escape(dom);
	diag_add(d, DIAG_ERROR, &ds->domain_pos, "account.domain",
		 "the desired state is for %s but the API key belongs to %s "
		 "(refusing to test it; --force overrides)",
		 ds->domain, e ? e : "?");
	free(e);
	return -1;
}

/* test --live: the cases on the desired state (as without --live; when
 * they cannot run there, say why and go on) and on the live account. */
static int run_live(struct test_args *a, struct diag_list *diags)
{
	struct live_state *live = NULL;
	struct route_test_result *dr = NULL, *lr = NULL;
	size_t dn = 0, ln = 0;
	int rc = EXIT_FAILURE_;
	const struct desired_state *ds = a->s.ds;
	bool d_ok = route_run_tests(ds, &dr, &dn, diags) == 0;
	struct route_test_run d = {d_ok, dr, dn, NULL};
	if (ds->n_route_tests == 0)
		return report(a, &d, NULL) == 0 ? EXIT_OK : EXIT_FAILURE_;
	if (session_open_api(&a->s) != 0 ||
	    api_read_live(a->s.api, &live, diags) != 0 ||
	    live_domain_ok(a, live, diags) != 0 ||
	    route_run_tests_on(ds, &live->sip, &lr, &ln, diags) != 0)
		goto out;
	struct route_test_run l = {true, lr, ln,
				   live->sip.domain ? live->sip.domain : "?"};
	diag_list_sort(diags);
	cli_print_diags(stderr, diags);
	diag_list_clear(diags);
	if (report(a, &d, &l) != 0 || fflush(stdout) != 0)
		goto out;
	rc = d_ok && all_passed(dr, dn) && all_passed(lr, ln) ? EXIT_OK
							      : EXIT_FAILURE_;
out:
	route_test_results_free(dr, dn);
	route_test_results_free(lr, ln);
	model_live_free(live);
	return rc;
}

static int test_one(void *ctx)
{
	struct test_args *ap = ctx;
	struct test_args a = *ap;
	int rc;
	struct load_opts opts = {.offline = true, .strict = false};
	struct route_test_result *r = NULL;
	struct diag_list diags = {0};
	size_t n = 0;
	rc = EXIT_FAILURE_;
	if (cli_load_desired(&a.s.common, &opts, &a.s.ds) != 0)
		goto out;
	if (a.live) {
		rc = run_live(&a, &diags);
		goto out;
	}
	if (route_run_tests(a.s.ds, &r, &n, &diags) != 0)
		goto out;
	struct route_test_run run = {true, r, n, NULL};
	if (report(&a, &run, NULL) != 0 || fflush(stdout) != 0)
		goto out;
	rc = all_passed(r, n) ? EXIT_OK : EXIT_FAILURE_;
out:
	diag_list_sort(&diags);
	cli_print_diags(stderr, &diags);
	diag_list_clear(&diags);
	route_test_results_free(r, n);
	session_close(&a.s);
	return rc;
}

int cmd_test(int argc, char **argv)
{
	static const enum multi_output outputs[] = {MULTI_TEXT, MULTI_JSON,
						    MULTI_TEXT};
	struct test_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	if (a.format == TF_JUNIT &&
	    (a.s.common.all_accounts || a.s.common.n_account_names > 1)) {
		cli_errorf("test: --format junit reports one desired state; "
			   "run it per --account");
		return EXIT_USAGE;
	}
	struct multi_opts mo = {
	    "passed", outputs[a.format], "tests", NULL, NULL, true};
	rc = multi_run(&a.s.common, &mo, test_one, &a);
	return rc >= 0 ? rc : test_one(&a);
}
