/*
 * multi: runs a command once per account of an accounts file
 * (schema/accounts.h) given as SOURCE or --repo/--path: --account NAME
 * (repeatable) or --all picks the accounts; with neither, the command
 * fails with EXIT_USAGE and lists them.
 *
 * Each account runs with c->accounts and c->account set (its sources, key,
 * URL and domain), one after another, or in up to --parallel-accounts
 * child processes at once (each its own session: lock, state file and
 * audit line per domain), their output shown in account order. One
 * account's failure does not stop the others unless --fail-fast.
 */
#ifndef SIPSYNC_MULTI_H
#define SIPSYNC_MULTI_H

#include <stdbool.h>

#include "cmd/sipsync/cli.h"

enum multi_output {
	MULTI_TEXT,	/* a header line before each account's output */
	MULTI_JSON,	/* each account's stdout is one JSON value: collected
			   into {"accounts": [{name, domain, exitCode,
			   result, <key>: value}]} */
	MULTI_MARKDOWN, /* each account's markdown in a <details> block */
	MULTI_PLAIN,	/* the output as it is, no header or summary: one
			   account only (--all or several --account are
			   usage errors; export) */
};

struct multi_opts {
	const char *verb; /* for the summary line: "planned", "applied" */
	enum multi_output output;
	const char *json_key; /* MULTI_JSON: the key of each value ("plan") */
	/* the result word of an exit code 0 and 2 ("no changes",
	 * "changes"); NULL: "ok" for both */
	const char *ok_word, *changes_word;
	bool summary; /* print the summary line on stdout (text) */
};

/* Runs fn(ctx) once per selected account when c names an accounts file.
 * fn returns the account's exit code (enum cli_exit) and must release
 * what it opened. Returns -1 when c names desired state (and neither
 * --account nor --all was given: run the command as usual), else the
 * exit code of the whole run: 1 when any account failed, else 2 when any
 * returned 2, else 0; EXIT_USAGE for a selection problem. */
int multi_run(struct cli_common *c, const struct multi_opts *o,
	      int (*fn)(void *ctx), void *ctx);

/* The --parallel-accounts and --fail-fast options (ids CLI_OPT_*), for the
 * commands that take them. */
#define MULTI_RUN_LONGOPTS                                                     \
	{"parallel-accounts", required_argument, NULL,                         \
	 CLI_OPT_PARALLEL_ACCOUNTS},                                           \
	{                                                                      \
		"fail-fast", no_argument, NULL, CLI_OPT_FAIL_FAST              \
	}

#endif
