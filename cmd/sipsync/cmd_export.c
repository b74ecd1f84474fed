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
    "usage: sipsync export [--out FILE]\n"
    "\n"
    "Writes the live SIP configuration as a desired-state YAML file (on\n"
    "stdout, or atomically to FILE). Secret values are never written:\n"
    "passwords and fallback secrets become {env: NAME} placeholders, listed\n"
    "in the file's header comment.\n"
    "\n"
    "Options:\n"
    "      --out FILE            write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit codes: 0 ok, 1 failure, 64 usage error.\n"
    "\n";

enum { OPT_OUT = 2000 };

struct export_args {
	struct session *s;
	const char **out;
};

static int export_option(void *ctx, int opt, const char *arg)
{
	struct export_args *a = ctx;
	if (opt != OPT_OUT)
		return CLI_OPT_NOT_MINE;
	*a->out = arg;
	return CLI_OPT_TAKEN;
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct session *s, const char **out, int argc,
		      char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, OPT_OUT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"export", export_usage, longopts,
					       0, export_option};
	struct export_args a = {s, out};
	return cli_parse_args(&s->common, &cmd, &a, argc, argv);
}

int cmd_export(int argc, char **argv)
{
	struct session s = {0};
	struct diag_list d = {0};
	struct live_state *live = NULL;
	const char *out = NULL;
	char *yaml = NULL;
	int rc = parse_args(&s, &out, argc, argv);
	if (rc >= 0)
		return rc;
	rc = EXIT_FAILURE_;
	if (session_open_api(&s) != 0 || api_read_live(s.api, &live, &d) != 0 ||
	    export_yaml(live, &yaml, &d) != 0)
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
