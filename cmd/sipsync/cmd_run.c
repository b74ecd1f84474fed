/* sipsync run: the long-running GitOps agent (reconcile/agent.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/notify_flags.h"
#include "cmd/sipsync/session.h"
#include "reconcile/agent/agent.h"
#include "reconcile/api/api.h"
#include "reconcile/base/str.h"
#include "schema/accounts.h"
#include "schema/source.h"

static const char run_usage[] =
    "usage: sipsync run --repo URL [--ref REF] [--path DIR] [options]\n"
    "\n"
    "Pulls the desired state from git and keeps the account in line with\n"
    "it: a cycle (fetch, plan, and in apply mode apply) runs at start, on\n"
    "every interval, and at once on a signed webhook.\n"
    "\n"
    "Options:\n"
    "      --repo URL            repository: path, file://, git://, https://,\n"
    "                            ssh:// or user@host:path (required)\n"
    "      --ref REF             branch, tag or commit id (default main)\n"
    "      --path DIR            file or directory in the repository\n"
    "      --interval DURATION   between cycles: 30s, 5m, 1h (default 5m)\n"
    "      --mode detect|apply   detect only reports drift (default detect)\n"
    "      --listen HOST:PORT    /healthz /readyz /metrics /hooks/git\n"
    "                            (default 127.0.0.1:9479; 'none' disables)\n"
    "      --webhook-secret-file FILE\n"
    "                            verify X-Hub-Signature-256 with this secret\n"
    "      --sync-secrets        apply mode: send write-only values that have\n"
    "                            no record (after a key rotation or a lost\n"
    "                            state), once; without it they are a warning\n"
    "      --git-timeout DURATION  limit of one fetch (default 5m)\n"
    "      --git-ca-cert FILE    CA bundle for an https repository\n"
    "      --once                run one cycle and exit (0 ok, 1 failed)\n"
    "      --max-cycles N        stop after N cycles (soak tests)\n"
    "      --account NAME        --path is an accounts file: reconcile this\n"
    "                            account (its key, URL, domain, sources);\n"
    "                            repeatable: several accounts, one process\n"
    "      --all                 every account of the accounts file, one\n"
    "                            after another each cycle after one fetch,\n"
    "                            each with its own key, lock, state file and\n"
    "                            backoff; /readyz is ready when every one is,\n"
    "                            /readyz?account=NAME answers for one;\n"
    "                            the accounts file is read again at each\n"
    "                            commit: accounts added or removed in git\n"
    "                            are served or dropped without a restart\n"
    "      --account-timeout DURATION\n"
    "                            bound of one account's reconcile in a cycle\n"
    "                            (every request and retry), so a hung API\n"
    "                            gives way to the next account (default 5m\n"
    "                            with several accounts, none with one)\n"
    "      --parallelism N       API requests in flight at most (default 64)\n"
    "      --max-rps N           API requests started per second at most, per\n"
    "                            account (default 190, under the API's 200/s\n"
    "                            per key; halved on a 429)\n" NOTIFY_FLAGS_HELP
	NOTIFY_FLAGS_REPEAT_HELP "\n"
    "Git auth: --git-token-file, --ssh-key, --known-hosts (common options).\n"
    "Signals: SIGTERM/SIGINT stop after the current step; SIGHUP re-reads\n"
    "the secret files (webhook secret, git token, API key, the accounts'\n"
    "apiKey {file:} keys) and --policy.\n"
    "\n";

enum {
	OPT_INTERVAL = 2000,
	OPT_MODE,
	OPT_LISTEN,
	OPT_WEBHOOK_SECRET_FILE,
	OPT_SYNC_SECRETS,
	OPT_ONCE,
	OPT_MAX_CYCLES,
	OPT_GIT_TIMEOUT,
	OPT_GIT_CA_CERT,
	OPT_ACCOUNT_TIMEOUT,
	OPT_PARALLELISM,
	OPT_MAX_RPS,
};

static const struct option run_options[] = {
    CLI_COMMON_LONGOPTS,
    {"account-timeout", required_argument, NULL, OPT_ACCOUNT_TIMEOUT},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"max-rps", required_argument, NULL, OPT_MAX_RPS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"webhook-secret-file", required_argument, NULL, OPT_WEBHOOK_SECRET_FILE},
    {"sync-secrets", no_argument, NULL, OPT_SYNC_SECRETS},
    {"once", no_argument, NULL, OPT_ONCE},
    {"parallelism", required_argument, NULL, OPT_PARALLELISM},
    {"max-cycles", required_argument, NULL, OPT_MAX_CYCLES},
    {"git-timeout", required_argument, NULL, OPT_GIT_TIMEOUT},
    {"git-ca-cert", required_argument, NULL, OPT_GIT_CA_CERT},
    NOTIFY_FLAGS_LONGOPTS,
    {"notify-repeat", required_argument, NULL, NOTIFY_OPT_REPEAT},
    CLI_ACCOUNT_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static void on_signal(int sig)
{
	agent_signal(sig);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* What run's options fill. */
struct run_args {
	struct agent_config *ac;
	struct notify_flags *notify;
};

static int run_option(void *ctx, int opt, const char *arg)
{
	struct agent_config *ac = ((struct run_args *)ctx)->ac;
	char *end = NULL;
	long v = 0;
	switch (opt) {
	case OPT_INTERVAL:
		if (agent_parse_duration(arg, &ac->interval_ms) != 0) {
			cli_errorf(
			    "--interval: expected a duration such as 30s, "
			    "5m or 1h, got '%s'",
			    arg);
			return -1;
		}
		return 0;
	case OPT_MODE:
		if (strcmp(arg, "detect") != 0 && strcmp(arg, "apply") != 0) {
			cli_errorf("--mode: expected detect or apply, got '%s'",
				   arg);
			return -1;
		}
		ac->apply = strcmp(arg, "apply") == 0;
		return 0;
	case OPT_LISTEN:
		ac->listen = strcmp(arg, "none") == 0 ? NULL : arg;
		return 0;
	case OPT_WEBHOOK_SECRET_FILE:
		ac->webhook_secret_file = arg;
		return 0;
	case OPT_SYNC_SECRETS:
		ac->sync_secrets = true;
		return 0;
	case OPT_GIT_CA_CERT:
		ac->git.ca_cert = arg;
		return 0;
	case OPT_GIT_TIMEOUT:
		if (agent_parse_duration(arg, &ac->git.timeout_ms) != 0 ||
		    ac->git.timeout_ms == 0) {
			cli_errorf("--git-timeout: expected a duration such as "
				   "30s or 5m, got '%s'",
				   arg);
			return -1;
		}
		return 0;
	case OPT_ACCOUNT_TIMEOUT:
		if (agent_parse_duration(arg, &ac->account_timeout_ms) != 0 ||
		    ac->account_timeout_ms == 0) {
			cli_errorf(
			    "--account-timeout: expected a duration such "
			    "as 30s or 5m, got '%s'",
			    arg);
			return -1;
		}
		return 0;
	case OPT_PARALLELISM:
		if (session_parse_range("--parallelism", arg, 1, 64, &v) != 0)
			return -1;
		ac->parallelism = (int)v;
		return 0;
	case OPT_MAX_RPS:
		if (session_parse_range("--max-rps", arg, 1, 10000, &v) != 0)
			return -1;
		ac->max_rps = (double)v;
		return 0;
	case OPT_ONCE:
		ac->once = true;
		return 0;
	case OPT_MAX_CYCLES:
		ac->max_cycles = strtoul(arg, &end, 10);
		if (!*arg || *end || arg[0] == '-') {
			cli_errorf("--max-cycles: expected a number, got '%s'",
				   arg);
			return -1;
		}
		return 0;
	default:
		return notify_flags_option(((struct run_args *)ctx)->notify,
					   opt, arg);
	}
}

static int parse_args(int argc, char **argv, struct cli_common *c,
		      struct agent_config *ac, struct notify_flags *nf)
{
	static const struct cli_command cmd = {"run", run_usage, run_options, 0,
					       run_option};
	struct run_args ra = {ac, nf};
	int end = cli_parse_args(c, &cmd, &ra, argc, argv);
	if (end >= 0)
		return end;
	if (!c->repo) {
		cli_errorf("run: --repo URL is required");
		return EXIT_USAGE;
	}
	if (ac->sync_secrets && !ac->apply) {
		cli_errorf(
		    "run: --sync-secrets needs --mode apply (detect mode "
		    "sends nothing)");
		return EXIT_USAGE;
	}
	if (c->force) {
		cli_errorf("run: --force is not accepted by the agent (guards "
			   "are overridden one run at a time, with apply)");
		return EXIT_USAGE;
	}
	return notify_flags_finish(nf) == 0 ? -1 : EXIT_USAGE;
}

/* Refused before the agent starts rather than on every cycle: an API URL
 * that would carry the key in clear text, and --timeout (a one-shot
 * deadline; the agent bounds each request and stops at once on SIGTERM). */
static int run_check_api(const struct cli_common *c)
{
	struct diag_list d = {0};
	int rc = api_check_url(cli_api_url(c), c->allow_insecure_http, &d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	if (rc == 0 && c->timeout_ms) {
		cli_errorf("run: --timeout is for one-shot commands (the agent "
			   "times out each request and stops at once on "
			   "SIGTERM)");
		rc = -1;
	}
	return rc;
}

/* Whether name is already among the first n of names. */
static bool picked(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* --all or several --account: the names reconciled in one process, in
 * the file's order for --all, as given otherwise. 0, or -1 (printed). */
static int run_pick(struct cli_common *c, const struct accounts *acs,
		    const char **names, size_t *n)
{
	*n = 0;
	if (c->all_accounts) {
		for (size_t i = 0; i < acs->n && *n < CLI_MAX_ACCOUNTS; i++)
			names[(*n)++] = acs->items[i].name;
		return 0;
	}
	for (size_t i = 0; i < c->n_account_names; i++) {
		const char *name = c->account_names[i];
		if (!accounts_find(acs, name)) {
			cli_errorf("run: no account '%s' in %s", name,
				   acs->file);
			return -1;
		}
		if (!picked(names, *n, name))
			names[(*n)++] = name;
	}
	return 0;
}

/* --account NAME or --all: the accounts file at --path, read now for the
 * accounts' keys and API URLs (their desired state is read at every
 * commit; with several accounts the agent follows the file there too).
 * One account: c->account set, its key read by the command as before;
 * several (*n > 0): names, their keys read by the agent. 0 (or no
 * --account), or -1 (printed). */
static int run_account(struct cli_common *c, struct accounts **acs,
		       const char **names, size_t *n)
{
	struct diag_list d = {0};
	struct source *src = NULL;
	int rc = -1;
	*acs = NULL;
	*n = 0;
	if (c->n_account_names == 0 && !c->all_accounts)
		return 0;
	if (cli_open_source(c, &src, &d) == 0) {
		if (!accounts_is_file(src))
			diag_add(&d, DIAG_ERROR, NULL, NULL,
				 "run: --account and --all need --path to name "
				 "an accounts file");
		else if (accounts_parse(acs, src, &d) != 0)
			;
		else if (c->all_accounts || c->n_account_names > 1)
			rc = run_pick(c, *acs, names, n);
		else if (!(c->account =
			       accounts_find(*acs, c->account_names[0])))
			diag_add(&d, DIAG_ERROR, NULL, NULL,
				 "run: no account '%s' in %s",
				 c->account_names[0], (*acs)->file);
		else
			rc = 0;
	}
	c->accounts = *acs;
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	source_free(src);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct cli_common c = {0};
	struct agent_config ac = {0};
	struct notify_flags nf = {0};
	char *key = NULL, *key_source = NULL;
	ac.interval_ms = 5 * 60 * 1000;
	ac.listen = "127.0.0.1:9479";
	int rc = parse_args(argc, argv, &c, &ac, &nf);
	if (rc >= 0) {
		notify_flags_release(&nf);
		return rc;
	}
	struct accounts *acs = NULL;
	const char *names[CLI_MAX_ACCOUNTS];
	size_t n_names = 0;
	if (run_account(&c, &acs, names, &n_names) != 0) {
		accounts_free(acs);
		notify_flags_release(&nf);
		return EXIT_FAILURE_;
	}
	char *state_dir = cli_state_dir(&c);
	if (!state_dir) {
		accounts_free(acs);
		notify_flags_release(&nf);
		return EXIT_FAILURE_;
	}
	if (c.account) { /* the accounts file names the key */
		c.api_key_file = NULL;
		ac.account = c.account->name;
	}
	if (n_names) { /* each account's file names its key */
		c.api_key_file = NULL;
		if (!ac.account_timeout_ms)
			ac.account_timeout_ms = 5 * 60 * 1000;
		ac.accounts = acs;
		ac.account_names = names;
		ac.n_account_names = n_names;
		ac.all_accounts = c.all_accounts; /* follows the file */
	}
	ac.git.url = c.repo;
	ac.git.ref = c.ref;
	ac.git.path = c.git_path;
	ac.git.cache_root = state_dir;
	ac.git.token = getenv("SIPSYNC_GIT_TOKEN");
	ac.git_token_file = c.git_token_file;
	ac.git.ssh_key = c.ssh_key ? c.ssh_key : getenv("SIPSYNC_SSH_KEY");
	ac.git.known_hosts =
	    c.known_hosts ? c.known_hosts : getenv("SIPSYNC_KNOWN_HOSTS");
	ac.git.secrets_dir = c.secrets_dir;
	ac.git.verify_commits = c.verify_commits;
	ac.git.allowed_signers = c.allowed_signers;
	ac.git.trusted_keys = c.trusted_keys;
	ac.api_url = cli_api_url(&c);
	ac.allow_insecure_http = c.allow_insecure_http;
	ac.ca_cert = c.ca_cert;
	ac.api_key_file = c.api_key_file;
	ac.state_dir = state_dir;
	ac.policy_file = c.policy;
	ac.log_json = c.log_format == LOG_JSON;
	ac.verbosity = c.verbosity;
	ac.log = stderr;
	ac.notify = notify_flags_config(&nf);
	rc = EXIT_FAILURE_;
	if (run_check_api(&c) != 0)
		goto out;
	if (!n_names && !c.api_key_file) {
		if (cli_api_key(&c, &key) != 0)
			goto out;
		ac.api_key = key;
	}
	if (!n_names && !(key_source = cli_key_source(&c)))
		goto out;
	ac.key_source = key_source;
	install_signals();
	rc = agent_run(&ac) == 0 ? EXIT_OK : EXIT_FAILURE_;
out:
	str_wipe_free(key);
	free(key_source);
	free(state_dir);
	notify_flags_release(&nf);
	accounts_free(acs);
	return rc;
}
