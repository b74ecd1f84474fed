/*
 * sipsync export: write the live account as a desired-state file, secrets
 * as {env: ...} placeholders; with an accounts file as SOURCE, the live
 * state of one of its accounts (its key, URL and domain).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/session.h"
#include "reconcile/base/file.h"
#include "reconcile/core/render.h"
#include "schema/accounts.h"
#include "schema/export.h"

static const char export_usage[] =
    "usage: sipsync export [--out FILE] [--agent-names]\n"
    "       sipsync export ACCOUNTS.yaml --account NAME [--out FILE] "
    "[--agent-names]\n"
    "\n"
    "Writes the live SIP configuration as a desired-state YAML file (on\n"
    "stdout, or atomically to FILE). Secret values are never written:\n"
    "passwords and fallback secrets become {env: NAME} placeholders, listed\n"
    "in the file's header comment. Each agentId carries the agent's name\n"
    "(GET /api/agents) as a comment. With an accounts file (SOURCE or\n"
    "--repo/--path), the live state of account NAME, read with its apiKey\n"
    "and apiUrl; its domain must be the key's account (else --force).\n"
    "\n"
    "Options:\n"
    "      --out FILE            write to FILE (atomically) instead of stdout\n"
    "      --agent-names         write agent: NAME instead of agentId where\n"
    "                            the name belongs to that agent alone\n"
    "      --account NAME        with an accounts file: export this account\n"
    "                            (one: run export once per account)\n"
    "      --force               export even when the account's domain is\n"
    "                            not the one its key answers for\n"
    "\n"
    "Exit codes: 0 ok, 1 failure, 64 usage error.\n"
    "\n";

enum { OPT_OUT = 2000, OPT_AGENT_NAMES };

struct export_args {
	struct session *s;
	const char **out;
	bool by_name;
};

static int export_option(void *ctx, int opt, const char *arg)
{
	struct export_args *a = ctx;
	if (opt == OPT_AGENT_NAMES)
		a->by_name = true;
	else if (opt == OPT_OUT)
		*a->out = arg;
	else
		return CLI_OPT_NOT_MINE;
	return CLI_OPT_TAKEN;
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct export_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, OPT_OUT},
	    {"agent-names", no_argument, NULL, OPT_AGENT_NAMES},
	    CLI_COMMON_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"export", export_usage, longopts,
					       1, export_option};
	return cli_parse_args(&a->s->common, &cmd, a, argc, argv);
}

/* The agents' names: needed with --agent-names; else only comments, so
 * an account whose agents cannot be listed exports ids alone. */
static int read_names(struct session *s, bool needed, struct diag_list *d)
{
	struct diag_list ignored = {0};
	int rc =
	    api_list_agents(s->api, NULL, &s->names, needed ? d : &ignored);
	diag_list_clear(&ignored);
	if (rc != 0 && !needed)
		agent_names_release(&s->names);
	return needed ? rc : 0;
}

/* An account of an accounts file: its key must answer for its domain,
 * as plan's account.domain guard. 0, or -1 with the problem in d. */
static int check_domain(const struct session *s, const struct live_state *live,
			struct diag_list *d)
{
	const struct account *acc = s->common.account;
	if (!acc || s->common.force || !live->sip.domain ||
	    strcasecmp(live->sip.domain, acc->domain) == 0)
		return 0;
	char *got = render_escape(live->sip.domain); /* live data */
	diag_add(d, DIAG_ERROR, &acc->pos, NULL,
		 "account %s is %s but its API key belongs to %s (nothing "
		 "written; --force overrides)",
		 acc->name, acc->domain, got ? got : "?");
	free(got);
	return -1;
}

static int export_one(void *ctx)
{
	struct export_args *a = ctx;
	struct session *s = a->s;
	struct diag_list d = {0};
	struct live_state *live = NULL;
	char *yaml = NULL;
	int rc = EXIT_FAILURE_;
	if (session_open_api(s) != 0 || api_read_live(s->api, &live, &d) != 0 ||
	    check_domain(s, live, &d) != 0 ||
	    read_names(s, a->by_name, &d) != 0 ||
	    export_yaml_names(live, &s->names, a->by_name, &yaml, &d) != 0)
		goto done;
	if (*a->out) {
		if (file_write_atomic(*a->out, yaml, strlen(yaml), 0644, &d) !=
		    0)
			goto done;
		cli_infof(&s->common, "wrote %s", *a->out);
	} else {
		fputs(yaml, stdout);
	}
	rc = EXIT_OK;
done:
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	free(yaml);
	model_live_free(live);
	session_close(s);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	/* one account: several would need one file each */
	static const struct multi_opts mo = {"exported", MULTI_PLAIN, NULL,
					     NULL,	 NULL,	      false};
	struct session s = {0};
	const char *out = NULL;
	struct export_args a = {&s, &out, false};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	rc = multi_run(&s.common, &mo, export_one, &a);
	if (rc >= 0)
		return rc;
	/* (SOURCE defaults to ".") */
	if (strcmp(s.common.source, ".") != 0 || s.common.repo) {
		cli_errorf("export: reads the live account, not desired state: "
			   "SOURCE (or --repo/--path) is an accounts file "
			   "with --account NAME");
		return EXIT_USAGE;
	}
	return export_one(&a);
}
