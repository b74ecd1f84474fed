/*
 * sipsync export: write the live account as a desired-state file, secrets
 * as {env: ...} placeholders.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/session.h"
#include "reconcile/base/file.h"
#include "schema/export.h"

static const char export_usage[] =
    "usage: sipsync export [--out FILE] [--agent-names]\n"
    "\n"
    "Writes the live SIP configuration as a desired-state YAML file (on\n"
    "stdout, or atomically to FILE). Secret values are never written:\n"
    "passwords and fallback secrets become {env: NAME} placeholders, listed\n"
    "in the file's header comment. Each agentId carries the agent's name\n"
    "(GET /api/agents) as a comment.\n"
    "\n"
    "Options:\n"
    "      --out FILE            write to FILE (atomically) instead of stdout\n"
    "      --agent-names         write agent: NAME instead of agentId where\n"
    "                            the name belongs to that agent alone\n"
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
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"export", export_usage, longopts,
					       0, export_option};
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

int cmd_export(int argc, char **argv)
{
	struct session s = {0};
	struct diag_list d = {0};
	struct live_state *live = NULL;
	const char *out = NULL;
	char *yaml = NULL;
	struct export_args a = {&s, &out, false};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	rc = EXIT_FAILURE_;
	if (session_open_api(&s) != 0 || api_read_live(s.api, &live, &d) != 0 ||
	    read_names(&s, a.by_name, &d) != 0 ||
	    export_yaml_names(live, &s.names, a.by_name, &yaml, &d) != 0)
		goto done;
	if (out) {
		if (file_write_atomic(out, yaml, strlen(yaml), 0644, &d) != 0)
			goto done;
		cli_infof(&s.common, "wrote %s", out);
	} else {
		fputs(yaml, stdout);
	}
	rc = EXIT_OK;
done:
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	free(yaml);
	model_live_free(live);
	session_close(&s);
	return rc;
}
