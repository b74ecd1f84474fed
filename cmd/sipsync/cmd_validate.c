/*
 * sipsync validate: load and check the desired state, report every
 * problem (text on stderr, JSON or GitHub annotations on stdout).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/report.h"
#include "reconcile/core/route.h"
#include "schema/policy.h"
#include "schema/source.h"

static const char validate_usage[] =
    "usage: sipsync validate [SOURCE] [--offline] [--strict]\n"
    "                        [--format text|json|github]\n"
    "\n"
    "Checks the desired state in SOURCE (a file or a directory of *.yaml /\n"
    "*.yml files; default .) or in git (--repo/--ref/--path): YAML syntax,\n"
    "keys, types, formats, lengths, duplicates, regexes, route lint, and\n"
    "that every secret reference resolves.\n"
    "\n"
    "Options:\n"
    "      --offline             do not resolve secret references\n"
    "      --strict              treat warnings as errors\n"
    "      --format FORMAT       text (default; problems on stderr), json\n"
    "                            (a report on stdout) or github (workflow\n"
    "                            annotations on stdout)\n"
    "      --account NAME / --all  with an accounts file as SOURCE: check\n"
    "                            these accounts (-v: where each field came\n"
    "                            from)\n"
    "\n"
    "Exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage error.\n"
    "\n";

enum vformat { VF_TEXT, VF_JSON, VF_GITHUB };
static const char *const format_names[] = {"text", "json", "github", NULL};

enum { OPT_OFFLINE = 2000, OPT_STRICT, OPT_FORMAT };

struct validate_args {
	struct cli_common common;
	struct load_opts load;
	enum vformat format;
};

static int validate_option(void *ctx, int opt, const char *arg)
{
	struct validate_args *a = ctx;
	int choice;
	switch (opt) {
	case OPT_OFFLINE:
		a->load.offline = true;
		return CLI_OPT_TAKEN;
	case OPT_STRICT:
		a->load.strict = true;
		return CLI_OPT_TAKEN;
	case OPT_FORMAT:
		choice = cli_parse_choice("--format", arg, format_names);
		if (choice < 0)
			return CLI_OPT_BAD;
		a->format = (enum vformat)choice;
		return CLI_OPT_TAKEN;
	default:
		return CLI_OPT_NOT_MINE;
	}
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct validate_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"offline", no_argument, NULL, OPT_OFFLINE},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"validate", validate_usage,
					       longopts, 1, validate_option};
	return cli_parse_args(&a->common, &cmd, a, argc, argv);
}

static void report(const struct validate_args *a, const struct diag_list *diags,
		   size_t n_files)
{
	switch (a->format) {
	case VF_JSON:
		report_diags_json(stdout, diags, n_files);
		break;
	case VF_GITHUB:
		report_diags_github(stdout, diags);
		if (a->common.verbosity >= 0)
			report_diags_summary(stderr, diags, n_files);
		break;
	case VF_TEXT:
		if (a->common.log_format != LOG_JSON &&
		    cli_use_color(&a->common, stderr))
			report_diags_colored(stderr, diags);
		else
			cli_print_diags(stderr, diags);
		if (a->common.verbosity >= 0)
			report_diags_summary(stdout, diags, n_files);
		break;
	}
}

/* Policy, source, desired state (checked against the policy), route
 * lint. 0, or -1 with the problems in diags. */
static int load_checked(struct validate_args *a, size_t *n_files,
			struct desired_state **ds, struct policy **policy,
			struct diag_list *diags)
{
	if (cli_load_policy(&a->common, policy, diags) != 0)
		return -1;
	a->load.policy = *policy;
	if (cli_load_into(&a->common, &a->load, ds, n_files, diags) != 0)
		return -1;
	return route_lint(*ds, a->load.strict, diags);
}

/* -v: where each managed field and registration came from (an overlay
 * names what it overrode). */
static void print_origins(const struct desired_state *ds)
{
	for (size_t i = 0; i < ds->n_origins; i++) {
		const struct field_origin *o = &ds->origins[i];
		printf("%s: %s:%u:%u", o->field, o->pos.file, o->pos.line,
		       o->pos.col);
		if (o->overrode.line)
			printf(" (overrides %s:%u:%u)", o->overrode.file,
			       o->overrode.line, o->overrode.col);
		putchar('\n');
	}
	for (size_t i = 0; i < ds->n_regs; i++) {
		char *key = model_registration_key(&ds->regs[i]);
		printf("registration %s: %s:%u:%u\n", key ? key : "?",
		       ds->regs[i].pos.file, ds->regs[i].pos.line,
		       ds->regs[i].pos.col);
		free(key);
	}
}

static int validate_one(void *ctx)
{
	struct validate_args *a = ctx;
	struct diag_list diags = {0};
	size_t n_files = 0;
	struct desired_state *ds = NULL;
	struct policy *policy = NULL;
	bool failed = load_checked(a, &n_files, &ds, &policy, &diags) != 0;
	if (failed && !diag_list_has_errors(&diags))
		diag_add(&diags, DIAG_ERROR, NULL, NULL, "validation failed");
	diag_list_sort(&diags);
	report(a, &diags, n_files);
	if (ds && a->common.verbosity > 0 && a->format == VF_TEXT)
		print_origins(ds);
	int rc =
	    failed || diag_list_has_errors(&diags) ? EXIT_FAILURE_ : EXIT_OK;
	diag_list_clear(&diags);
	model_desired_free(ds);
	policy_free(policy);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	struct validate_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	struct multi_opts mo = {"valid", MULTI_TEXT, "report",
				NULL,	 NULL,	     a.format == VF_TEXT};
	if (a.format == VF_JSON)
		mo.output = MULTI_JSON;
	rc = multi_run(&a.common, &mo, validate_one, &a);
	return rc >= 0 ? rc : validate_one(&a);
}
