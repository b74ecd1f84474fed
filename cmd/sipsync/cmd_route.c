/*
 * sipsync route TO [SOURCE]: where a call to TO would land by the desired
 * state, and why. Offline.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "reconcile/core/route.h"

static const char route_usage[] =
    "usage: sipsync route TO [SOURCE]\n"
    "\n"
    "Prints where a call to TO would land by the desired state in SOURCE\n"
    "(default .) or in git (--repo/--ref/--path), and why: the allowance\n"
    "and pattern that matched, allowAllAgents, the fallback handler, or\n"
    "reject. TO is a user part (sales, +15551234) or an address\n"
    "(sip:sales@acme.sip.ultravox.ai;transport=udp, \"Sales\" <sip:…>).\n"
    "Offline: secrets are not resolved.\n"
    "\n"
    "Options:\n"
    "      --account NAME / --all  with an accounts file as SOURCE: decide\n"
    "                            for these accounts\n"
    "\n"
    "Exit codes: 0 decided, 1 the desired state is invalid or the call\n"
    "cannot be decided from it, 64 usage error.\n"
    "\n";

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct cli_common *c, const char **to, int argc,
		      char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	bool help = false, started = false;
	int opt;
	while ((opt = cli_next_option(c, argc, argv, longopts, &started,
				      &help)) >= 0) {
		return cli_option_error("route", opt, argv);
	}
	if (opt == -2)
		return EXIT_USAGE;
	if (help)
		return cli_print_help(route_usage);
	if (cli_check_common(c) != 0)
		return EXIT_USAGE;
	if (optind >= argc) {
		cli_errorf("route: missing TO (see 'sipsync route --help')");
		return EXIT_USAGE;
	}
	*to = argv[optind++];
	if (cli_positional(c, argc, argv, 1) != 0)
		return EXIT_USAGE;
	return -1;
}

static int print_decision(const char *to, const struct route_decision *dec)
{
	char *why = route_decision_describe(dec);
	char *qto = route_quote(to, 200);
	char *qu = route_quote(dec->user, 200);
	int rc = -1;
	if (why && qto && qu) {
		/* TO as typed, unless it holds control characters */
		const char *shown = to;
		for (const char *p = to; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				shown = qto;
		/* and the user part when it is not what was typed */
		if (strcmp(to, dec->user) != 0)
			printf("%s (user %s) → %s\n", shown, qu, why);
		else
			printf("%s → %s\n", shown, why);
		rc = 0;
	}
	free(why);
	free(qto);
	free(qu);
	return rc;
}

struct route_args {
	struct cli_common c;
	const char *to;
};

static int route_one(void *ctx)
{
	struct route_args *a = ctx;
	struct cli_common *c = &a->c;
	const char *to = a->to;
	int rc;
	struct load_opts opts = {.offline = true, .strict = false};
	struct desired_state *ds = NULL;
	struct route_table *t = NULL;
	struct route_decision dec = {0};
	struct diag_list diags = {0};
	rc = EXIT_FAILURE_;
	if (cli_load_desired(c, &opts, &ds) != 0)
		goto out;
	if (route_table_from_desired(&t, ds, &diags) != 0 ||
	    route_table_decide(t, to, &dec, &diags) != 0) {
		diag_list_sort(&diags);
		cli_print_diags(stderr, &diags);
		goto out;
	}
	if (print_decision(to, &dec) == 0 && fflush(stdout) == 0)
		rc = EXIT_OK;
out:
	route_decision_release(&dec);
	route_table_free(t);
	diag_list_clear(&diags);
	model_desired_free(ds);
	return rc;
}

int cmd_route(int argc, char **argv)
{
	static const struct multi_opts mo = {"decided", MULTI_TEXT, NULL,
					     NULL,	NULL,	    false};
	struct route_args a = {0};
	int rc = parse_args(&a.c, &a.to, argc, argv);
	if (rc >= 0)
		return rc;
	rc = multi_run(&a.c, &mo, route_one, &a);
	return rc >= 0 ? rc : route_one(&a);
}
