/*
 * cli: what every sipsync command shares: the common flags, messages on
 * stderr, exit codes, and loading the desired state from SOURCE or git.
 * Only cmd/ knows about argv, stdout/stderr and exit codes.
 */
#ifndef SIPSYNC_CLI_H
#define SIPSYNC_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "schema/load.h"

enum cli_exit {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,
	EXIT_CHANGES = 2,
	EXIT_USAGE = 64,
};

enum cli_color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
enum cli_log_format { LOG_TEXT, LOG_JSON };

#define CLI_MAX_ACCOUNTS 256
struct accounts;
struct account;

struct cli_common {
	const char
	    *api_url; /* --api-url, else $ULTRAVOX_API_URL, else default */
	const char *api_key_file;	   /* --api-key-file */
	const char *state_dir;		   /* --state-dir */
	const char *ca_cert;		   /* --ca-cert */
	const char *repo, *ref, *git_path; /* --repo --ref --path */
	const char *secrets_dir; /* --secrets-dir: {file:} secrets of a git
				    source resolve inside it */
	const char *source;	 /* positional SOURCE, default "." */
	const char *policy;	 /* --policy FILE: organisation rules */
	bool verify_commits;	 /* --verify-commits (git sources) */
	const char *allowed_signers, *trusted_keys; /* its key files */

	/* git auth for --repo, each else its SIPSYNC_* variable */
	const char *git_token_file, *ssh_key, *known_hosts;

	enum cli_color color;
	enum cli_log_format log_format;
	int verbosity; /* -v +1, -q -1 */
	bool force;    /* --force */

	/* --timeout: the whole command's API deadline; 0: its default */
	long timeout_ms;
	bool allow_insecure_http; /* --allow-insecure-http */

	/* an accounts file as SOURCE (cmd/sipsync/multi.h): --account NAME
	 * (repeatable), --all, --parallel-accounts N, --fail-fast; and the
	 * account running now (NULL: SOURCE is desired state) */
	const char *account_names[CLI_MAX_ACCOUNTS];
	size_t n_account_names;
	bool all_accounts, fail_fast;
	long parallel_accounts;
	const struct accounts *accounts;
	const struct account *account;
	size_t md_limit; /* markdown budget of one account; 0: the default */
};

/* Long-option ids for the common flags; commands use ids >= 2000. */
enum {
	CLI_OPT_API_URL = 1000,
	CLI_OPT_API_KEY_FILE,
	CLI_OPT_STATE_DIR,
	CLI_OPT_CA_CERT,
	CLI_OPT_REPO,
	CLI_OPT_REF,
	CLI_OPT_PATH,
	CLI_OPT_COLOR,
	CLI_OPT_LOG_FORMAT,
	CLI_OPT_HELP,
	CLI_OPT_VERBOSE,
	CLI_OPT_QUIET,
	CLI_OPT_FORCE,
	CLI_OPT_SECRETS_DIR,
	CLI_OPT_TIMEOUT,
	CLI_OPT_ALLOW_INSECURE_HTTP,
	CLI_OPT_GIT_TOKEN_FILE,
	CLI_OPT_SSH_KEY,
	CLI_OPT_KNOWN_HOSTS,
	CLI_OPT_POLICY,
	CLI_OPT_VERIFY_COMMITS,
	CLI_OPT_ALLOWED_SIGNERS,
	CLI_OPT_TRUSTED_KEYS,
	CLI_OPT_ACCOUNT,
	CLI_OPT_ALL,
	CLI_OPT_PARALLEL_ACCOUNTS,
	CLI_OPT_FAIL_FAST,
};

/* clang-format off */
#define CLI_COMMON_LONGOPTS \
	{"api-url", required_argument, NULL, CLI_OPT_API_URL}, \
	{"api-key-file", required_argument, NULL, CLI_OPT_API_KEY_FILE}, \
	{"state-dir", required_argument, NULL, CLI_OPT_STATE_DIR}, \
	{"ca-cert", required_argument, NULL, CLI_OPT_CA_CERT}, \
	{"repo", required_argument, NULL, CLI_OPT_REPO}, \
	{"ref", required_argument, NULL, CLI_OPT_REF}, \
	{"path", required_argument, NULL, CLI_OPT_PATH}, \
	{"color", required_argument, NULL, CLI_OPT_COLOR}, \
	{"log-format", required_argument, NULL, CLI_OPT_LOG_FORMAT}, \
	{"help", no_argument, NULL, CLI_OPT_HELP}, \
	{"verbose", no_argument, NULL, CLI_OPT_VERBOSE}, \
	{"quiet", no_argument, NULL, CLI_OPT_QUIET}, \
	{"force", no_argument, NULL, CLI_OPT_FORCE}, \
	{"secrets-dir", required_argument, NULL, CLI_OPT_SECRETS_DIR}, \
	{"timeout", required_argument, NULL, CLI_OPT_TIMEOUT}, \
	{"allow-insecure-http", no_argument, NULL, CLI_OPT_ALLOW_INSECURE_HTTP}, \
	{"git-token-file", required_argument, NULL, CLI_OPT_GIT_TOKEN_FILE}, \
	{"ssh-key", required_argument, NULL, CLI_OPT_SSH_KEY}, \
	{"known-hosts", required_argument, NULL, CLI_OPT_KNOWN_HOSTS}, \
	{"policy", required_argument, NULL, CLI_OPT_POLICY}, \
	{"verify-commits", no_argument, NULL, CLI_OPT_VERIFY_COMMITS}, \
	{"allowed-signers", required_argument, NULL, CLI_OPT_ALLOWED_SIGNERS}, \
	{"trusted-keys", required_argument, NULL, CLI_OPT_TRUSTED_KEYS}
/* clang-format on */

/* The flags of commands that read an accounts file (add to longopts). */
#define CLI_ACCOUNT_LONGOPTS                                                   \
	{"account", required_argument, NULL, CLI_OPT_ACCOUNT},                 \
	{                                                                      \
		"all", no_argument, NULL, CLI_OPT_ALL                          \
	}

/* The text printed for the common flags in every command's --help. */
extern const char cli_common_help[];

/* Handles one option returned by getopt_long if it is a common one.
 * Returns 1 when handled, 0 when it is not a common option, -1 on a usage
 * error (message already printed). 'h'/CLI_OPT_HELP set *want_help. */
int cli_common_option(struct cli_common *c, int opt, const char *arg,
		      bool *want_help);

/* Walks argv with getopt_long, taking the common options itself. Returns
 * the next option of the command's own, ':' or '?' for one getopt could
 * not take (hand it to cli_option_error), -1 at the end, or -2 after a
 * usage error in a common option (message printed). Starts over at
 * argv[1] when called with *started false, and sets it. */
int cli_next_option(struct cli_common *c, int argc, char **argv,
		    const struct option *longopts, bool *started,
		    bool *want_help);

/* The common flags that only go together: --verify-commits needs
 * --allowed-signers or --trusted-keys, and these need --verify-commits.
 * Returns 0, or -1 after printing the usage error. */
int cli_check_common(const struct cli_common *c);

/* Prints a command's usage text and the common options on stdout; returns
 * EXIT_OK (for "--help"). */
int cli_print_help(const char *usage);

/* Which of names (NULL-terminated) arg is, as its index; -1 after printing
 * "FLAG: expected a, b or c, got 'arg'". */
int cli_parse_choice(const char *flag, const char *arg,
		     const char *const names[]);

/* Ends a command's option walk: opt is cli_next_option's last answer.
 * Returns EXIT_USAGE after a usage error, EXIT_OK after printing usage for
 * --help, else takes up to max_positional arguments (cli_positional) and
 * returns -1 to go on. */
int cli_options_end(struct cli_common *c, int opt, bool help, const char *usage,
		    int argc, char **argv, int max_positional);

/* What a command's option handler answers for one of its own options. */
enum cli_opt_answer {
	CLI_OPT_BAD = -1,     /* a usage error, message printed */
	CLI_OPT_TAKEN = 0,    /* handled */
	CLI_OPT_NOT_MINE = 1, /* reported as an unknown option */
};

/* A command's part of the option walk: its name (for messages), usage
 * text (for --help), long options (its own and CLI_COMMON_LONGOPTS), how
 * many positional arguments it takes, and its handler (ctx is the
 * command's own, arg the option's value or NULL). */
struct cli_command {
	const char *name;
	const char *usage;
	const struct option *longopts;
	int max_positional;
	int (*option)(void *ctx, int opt, const char *arg);
};

/* The whole option walk of a command: cli_next_option until the end, each
 * of the command's own options handed to cmd->option, then
 * cli_options_end. Returns -1 to go on, else the exit code to return at
 * once (EXIT_USAGE, or EXIT_OK after --help). */
int cli_parse_args(struct cli_common *c, const struct cli_command *cmd,
		   void *ctx, int argc, char **argv);

/* Reports an option getopt_long could not take (opt ':' for a missing
 * value, anything else unknown) for command cmd, and returns EXIT_USAGE. */
int cli_option_error(const char *cmd, int opt, char **argv);

/* Takes at most max_positional positional arguments after getopt; the
 * first becomes c->source. Returns 0, or -1 (message printed) when there
 * are too many. */
int cli_positional(struct cli_common *c, int argc, char **argv,
		   int max_positional);

/* Messages on stderr, one line, prefixed "sipsync: ". */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_infof(const struct cli_common *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints every diagnostic of the list, one line each, to fp; one without
 * a place is prefixed "sipsync: " like cli_errorf. */
void cli_print_diags(FILE *fp, const struct diag_list *diags);

/* True when colour should be used on fp. */
bool cli_use_color(const struct cli_common *c, FILE *fp);

/* The API base URL to use (flag, environment, default). */
const char *cli_api_url(const struct cli_common *c);

/* Reads the API key from --api-key-file or $ULTRAVOX_API_KEY (never from
 * argv). Returns 0 and *out (caller frees, and wipes), or -1 with a message
 * printed. */
int cli_api_key(const struct cli_common *c, char **out);

/* Where cli_api_key reads the key from, for messages: a variable's name
 * or a file's path, never the key ("ULTRAVOX_API_KEY_PROD, account prod's
 * apiKey"). Caller frees; NULL when out of memory. */
char *cli_key_source(const struct cli_common *c);

/* The state directory (flag, $XDG_STATE_HOME/sipsync, ~/.local/state/sipsync).
 * Returns a string the caller frees. */
char *cli_state_dir(const struct cli_common *c);

/* The https token for --repo: --git-token-file (a regular file, trailing
 * blanks trimmed) or $SIPSYNC_GIT_TOKEN. Returns 0 and *out (NULL when
 * none; caller wipes and frees), or -1 with the problem added to diags. */
int cli_git_token(const struct cli_common *c, char **out,
		  struct diag_list *diags);

/* Builds the source named by --repo/--ref/--path or SOURCE (no loading).
 * Returns 0 and *out (free with source_free), or -1 with the problem added
 * to diags. */
int cli_open_source(const struct cli_common *c, struct source **out,
		    struct diag_list *diags);

/* Reads the --policy file, if any. Returns 0 and *out (NULL without
 * --policy; free with policy_free), or -1 with the problems added to
 * diags. */
struct policy;
int cli_load_policy(const struct cli_common *c, struct policy **out,
		    struct diag_list *diags);

/* Loads (and validates) the desired state into *out: c->account's
 * sources as overlays (its domain the account.domain guard) when set, else
 * --repo/--ref/--path or SOURCE. Problems are added to diags; *n_files
 * (may be NULL) receives how many files were read. 0 or -1. */
int cli_load_into(const struct cli_common *c, const struct load_opts *lo,
		  struct desired_state **out, size_t *n_files,
		  struct diag_list *diags);

/* Loads and validates the desired state from --repo/--ref/--path or
 * SOURCE, checked against the --policy file when given (opts->policy is
 * then ignored). Diagnostics are printed on stderr. Returns 0 and *out, or -1.
 */
int cli_load_desired(const struct cli_common *c, const struct load_opts *opts,
		     struct desired_state **out);

#endif
