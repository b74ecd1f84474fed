#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "reconcile/api/api.h"
#include "schema/suggest.h"

static const char usage[] =
    "usage: sipsync <command> [options]\n"
    "\n"
    "Keeps the SIP configuration of an Ultravox account in git.\n"
    "\n"
    "Commands:\n"
    "  validate [SOURCE]    check the desired state (offline with --offline)\n"
    "  plan [SOURCE]        show what apply would change\n"
    "  apply [SOURCE]       make the live account match the desired state\n"
    "  export               write the live account as a desired-state file\n"
    "  history              the audit log of applies, newest first\n"
    "  test [SOURCE]        run the route tests (offline)\n"
    "  route TO [SOURCE]    where would a call to TO land, and why\n"
    "  probe [SOURCE]       signed test calls to the fallback handler\n"
    "  run --repo URL       the long-running agent (pulls git, reconciles)\n"
    "  version              print the version and the libraries' versions\n"
    "  accounts SOURCE      the accounts of an accounts file (a CI matrix)\n"
    "\n"
    "Run 'sipsync <command> --help' for the options of one command.\n"
    "Exit codes: 0 ok, 1 failure, 2 changes present (--detailed-exitcode),\n"
    "64 usage error.\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool network; /* talks to the API or git: set up libcurl first */
};

/* Offline commands skip libcurl's global set-up: it costs start-up time
 * and they never make a request (--repo goes through libgit2). One a
 * line: the formatter would pack them. */
/* clang-format off */
static const struct command commands[] = {
    {"apply", cmd_apply, true},
    {"export", cmd_export, true},
    {"history", cmd_history, false},
    {"plan", cmd_plan, true},
    {"probe", cmd_probe, true},
    {"route", cmd_route, false},
    {"run", cmd_run, true},
    {"test", cmd_test, false},
    {"validate", cmd_validate, false},
    {"version", cmd_version, false},
    {"accounts", cmd_accounts, false},
};
/* clang-format on */

static void unknown_command(const char *name)
{
	enum { N = sizeof(commands) / sizeof(commands[0]) };
	const char *names[N + 1];
	for (size_t i = 0; i < N; i++)
		names[i] = commands[i].name;
	names[N] = NULL;
	const char *near = suggest_closest(name, names);
	if (near)
		cli_errorf("unknown command '%s'; did you mean '%s'? (see "
			   "'sipsync --help')",
			   name, near);
	else
		cli_errorf("unknown command '%s' (see 'sipsync --help')", name);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0)
		name = "version";
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		/* a failure is reported by the first api_client_new */
		bool net = commands[i].network && api_global_init() == 0;
		/* argv[1] becomes argv[0] so getopt sees the command's flags */
		int rc = commands[i].fn(argc - 1, argv + 1);
		if (net)
			api_global_cleanup();
		return rc;
	}
	unknown_command(name);
	return EXIT_USAGE;
}
