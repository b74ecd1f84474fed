/*
 * sipsync test: run the route tests (routeTests: in the desired state)
 * offline and report them as text, JSON or JUnit XML.
 */
#include <stdlib.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/report.h"
#include "reconcile/core/route.h"

static const char test_usage[] =
    "usage: sipsync test [SOURCE] [--format text|json|junit]\n"
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
    "\n"
    "Exit codes: 0 every case passed (or there is none), 1 a case failed or\n"
    "could not be decided, or the desired state is invalid, 64 usage error.\n"
    "\n";

enum tformat { TF_TEXT, TF_JSON, TF_JUNIT };
static const char *const format_names[] = {"text", "json", "junit", NULL};

enum { OPT_FORMAT = 2000 };

struct test_args {
	struct cli_common common;
	enum tformat format;
};

static int test_option(void *ctx, int opt, const char *arg)
{
	struct test_args *a = ctx;
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
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"test", test_usage, longopts, 1,
					       test_option};
	return cli_parse_args(&a->common, &cmd, a, argc, argv);
}

static int report(const struct test_args *a, const struct route_test_result *r,
		  size_t n)
{
	const char *where = a->common.repo ? a->common.repo : a->common.source;
	if (n == 0 && a->format == TF_TEXT) {
		printf("no route tests in %s (add a routeTests: list to the "
		       "desired state)\n",
		       where);
		return 0;
	}
	if (n == 0)
		cli_infof(&a->common, "no route tests in %s", where);
	switch (a->format) {
	case TF_JSON:
		if (report_tests_json(stdout, r, n) != 0) {
			cli_errorf("test: could not write the JSON report");
			return -1;
		}
		return 0;
	case TF_JUNIT:
		report_tests_junit(stdout, r, n);
		return 0;
	default:
		report_tests_text(stdout, r, n, a->common.verbosity > 0);
		return 0;
	}
}

static int test_one(void *ctx)
{
	struct test_args *ap = ctx;
	struct test_args a = *ap;
	int rc;
	struct load_opts opts = {.offline = true, .strict = false};
	struct desired_state *ds = NULL;
	struct route_test_result *r = NULL;
	struct diag_list diags = {0};
	size_t n = 0;
	rc = EXIT_FAILURE_;
	if (cli_load_desired(&a.common, &opts, &ds) != 0)
		goto out;
	if (route_run_tests(ds, &r, &n, &diags) != 0) {
		diag_list_sort(&diags);
		cli_print_diags(stderr, &diags);
		goto out;
	}
	if (report(&a, r, n) != 0 || fflush(stdout) != 0)
		goto out;
	rc = EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (r[i].status != ROUTE_TEST_PASS)
			rc = EXIT_FAILURE_;
out:
	diag_list_clear(&diags);
	route_test_results_free(r, n);
	model_desired_free(ds);
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
	    (a.common.all_accounts || a.common.n_account_names > 1)) {
		cli_errorf("test: --format junit reports one desired state; "
			   "run it per --account");
		return EXIT_USAGE;
	}
	struct multi_opts mo = {
	    "passed", outputs[a.format], "tests", NULL, NULL, true};
	rc = multi_run(&a.common, &mo, test_one, &a);
	return rc >= 0 ? rc : test_one(&a);
}
