#include "cmd/sipsync/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/agent/agent.h"
#include "reconcile/base/str.h"
#include "reconcile/git/gitsrc.h"
#include "reconcile/logline.h"
#include "schema/accounts.h"
#include "schema/policy.h"
#include "schema/secret.h"
#include "schema/source.h"
#include "schema/suggest.h"

const char cli_common_help[] =
    "Common options:\n"
    "      --api-url URL         Ultravox API base URL (env ULTRAVOX_API_URL,\n"
    "                            default https://api.ultravox.ai)\n"
    "      --api-key-file FILE   read the API key from FILE (else env\n"
    "                            ULTRAVOX_API_KEY; never given on the command "
    "line)\n"
    "      --ca-cert FILE        trust this CA bundle for the API\n"
    "      --repo URL --ref REF --path DIR\n"
    "                            read the desired state from a git repository\n"
    "      --secrets-dir DIR     {file: PATH} secrets of a git repository\n"
    "                            resolve inside DIR (else they are refused)\n"
    "      --git-token-file FILE https token for --repo (else env\n"
    "                            SIPSYNC_GIT_TOKEN; never in the URL)\n"
    "      --ssh-key FILE        private key for an ssh --repo (else env\n"
    "                            SIPSYNC_SSH_KEY)\n"
    "      --known-hosts FILE    ssh host keys (else env SIPSYNC_KNOWN_HOSTS,\n"
    "                            else ~/.ssh/known_hosts)\n"
    "      --policy FILE         organisation rules the desired state must\n"
    "                            keep (format in sipsync.yaml(5))\n"
    "      --verify-commits      refuse a --repo commit not signed by a key\n"
    "                            of --allowed-signers FILE (SSH, the format\n"
    "                            of ssh-keygen -Y verify) or --trusted-keys\n"
    "                            FILE (an OpenPGP keyring for gpgv)\n"
    "      --state-dir DIR       state directory (default "
    "$XDG_STATE_HOME/sipsync)\n"
    "      --timeout DURATION    give up on the API after DURATION in all\n"
    "                            (e.g. 90s, 10m; default 5m, apply 15m)\n"
    "      --allow-insecure-http send the API key over http:// to a host\n"
    "                            that is not loopback (else refused)\n"
    "      --color auto|always|never\n"
    "      --log-format text|json\n"
    "  -v, --verbose / -q, --quiet\n"
    "  -h, --help                show this help\n";

static void vmsg(const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Set by --log-format json: from then on every message on stderr is a
 * JSON log line (a usage error before the flag is read stays text). */
static bool log_json;

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	if (!log_json) {
		fprintf(stderr, "sipsync: %s", kind);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (msg)
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	const char *level = kind[0] == 'e'   ? "error"
			    : kind[0] == 'w' ? "warning"
					     : "info";
	logline_write(stderr, true, level, NULL, msg ? msg : "out of memory");
	free(msg);
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void cli_warnf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_infof(const struct cli_common *c, const char *fmt, ...)
{
	if (c && c->verbosity < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

/* In the order of enum cli_color and enum cli_log_format. */
static const char *const colors[] = {"auto", "always", "never", NULL};
static const char *const log_formats[] = {"text", "json", NULL};

static int account_option(struct cli_common *c, int opt, const char *arg)
{
	if (opt == CLI_OPT_ALL) {
		c->all_accounts = true;
		return 1;
	}
	if (opt == CLI_OPT_FAIL_FAST) {
		c->fail_fast = true;
		return 1;
	}
	if (opt == CLI_OPT_PARALLEL_ACCOUNTS) {
		char *end = NULL;
		errno = 0;
		c->parallel_accounts = strtol(arg, &end, 10);
		if (errno || !end || *end || end == arg ||
		    c->parallel_accounts < 1 || c->parallel_accounts > 64) {
			cli_errorf("--parallel-accounts: expected a number "
				   "from 1 to 64, got '%s'",
				   arg);
			return -1;
		}
		return 1;
	}
	if (c->n_account_names == CLI_MAX_ACCOUNTS) {
		cli_errorf("--account: at most %d", CLI_MAX_ACCOUNTS);
		return -1;
	}
	c->account_names[c->n_account_names++] = arg;
	return 1;
}

int cli_common_option(struct cli_common *c, int opt, const char *arg,
		      bool *want_help)
{
	int choice;

	switch (opt) {
	case CLI_OPT_API_URL:
		c->api_url = arg;
		return 1;
	case CLI_OPT_API_KEY_FILE:
		c->api_key_file = arg;
		return 1;
	case CLI_OPT_STATE_DIR:
		c->state_dir = arg;
		return 1;
	case CLI_OPT_CA_CERT:
		c->ca_cert = arg;
		return 1;
	case CLI_OPT_REPO:
		if (gitsrc_url_has_credentials(arg)) {
			/* the URL is not echoed: it holds the secret */
			cli_errorf("--repo: credentials in the URL are refused "
				   "(every user of the machine can read the "
				   "command line); remove them and set "
				   "SIPSYNC_GIT_TOKEN or pass --git-token-file "
				   "FILE");
			return -1;
		}
		c->repo = arg;
		return 1;
	case CLI_OPT_GIT_TOKEN_FILE:
		c->git_token_file = arg;
		return 1;
	case CLI_OPT_SSH_KEY:
		c->ssh_key = arg;
		return 1;
	case CLI_OPT_KNOWN_HOSTS:
		c->known_hosts = arg;
		return 1;
	case CLI_OPT_REF:
		c->ref = arg;
		return 1;
	case CLI_OPT_PATH:
		c->git_path = arg;
		return 1;
	case CLI_OPT_SECRETS_DIR:
		c->secrets_dir = arg;
		return 1;
	case CLI_OPT_POLICY:
		c->policy = arg;
		return 1;
	case CLI_OPT_VERIFY_COMMITS:
		c->verify_commits = true;
		return 1;
	case CLI_OPT_ALLOWED_SIGNERS:
		c->allowed_signers = arg;
		return 1;
	case CLI_OPT_TRUSTED_KEYS:
		c->trusted_keys = arg;
		return 1;
	case CLI_OPT_COLOR:
		choice = cli_parse_choice("--color", arg, colors);
		if (choice < 0)
			return -1;
		c->color = (enum cli_color)choice;
		return 1;
	case CLI_OPT_LOG_FORMAT:
		choice = cli_parse_choice("--log-format", arg, log_formats);
		if (choice < 0)
			return -1;
		c->log_format = (enum cli_log_format)choice;
		log_json = c->log_format == LOG_JSON;
		return 1;
	case 'h':
	case CLI_OPT_HELP:
		*want_help = true;
		return 1;
	case 'v':
	case CLI_OPT_VERBOSE:
		c->verbosity++;
		return 1;
	case 'q':
	case CLI_OPT_QUIET:
		c->verbosity--;
		return 1;
	case CLI_OPT_FORCE:
		c->force = true;
		return 1;
	case CLI_OPT_TIMEOUT:
		if (agent_parse_duration(arg, &c->timeout_ms) != 0 ||
		    c->timeout_ms <= 0) {
			cli_errorf(
			    "--timeout: expected a duration such as 90s, "
			    "5m or 1h, got '%s'",
			    arg);
			return -1;
		}
		return 1;
	case CLI_OPT_ALLOW_INSECURE_HTTP:
		c->allow_insecure_http = true;
		return 1;
	case CLI_OPT_ACCOUNT:
	case CLI_OPT_ALL:
	case CLI_OPT_PARALLEL_ACCOUNTS:
	case CLI_OPT_FAIL_FAST:
		return account_option(c, opt, arg);
	default:
		return 0;
	}
}

/* The option token as typed, for messages: set by cli_next_option for an
 * option it hands back as ':' or '?'. Never includes a value. */
static const char *bad_token = "";
/* The option table of that walk, for "did you mean". */
static const struct option *bad_longopts;

/* argv element holding the option just returned by getopt_long. */
static const char *typed_token(char **argv)
{
	if (optarg && optarg == argv[optind - 1] && optind >= 2)
		return argv[optind - 2]; /* "--opt VALUE" */
	return argv[optind - 1];	 /* "--opt", "--opt=VALUE", "-x" */
}

/* getopt_long takes unambiguous abbreviations (--api-key for
 * --api-key-file); sipsync wants every long option spelled out, so a
 * value is never read as something it was not meant to be. */
static bool typed_in_full(const char *tok, const struct option *o)
{
	size_t n = strlen(o->name);
	return strncmp(tok, "--", 2) == 0 &&
	       strncmp(tok + 2, o->name, n) == 0 &&
	       (tok[2 + n] == '\0' || tok[2 + n] == '=');
}

int cli_next_option(struct cli_common *c, int argc, char **argv,
		    const struct option *longopts, bool *started,
		    bool *want_help)
{
	if (!*started) {
		*started = true;
		opterr = 0; /* errors are reported by cli_option_error */
		optind = 1;
	}
	int opt, idx = -1;
	while ((opt = getopt_long(argc, argv, ":hvq", longopts, &idx)) != -1) {
		const char *tok = typed_token(argv);
		if (idx >= 0 && !typed_in_full(tok, &longopts[idx]))
			opt = '?';
		idx = -1;
		if (opt == '?' || opt == ':') {
			bad_token = tok;
			bad_longopts = longopts;
			return opt;
		}
		int rc = cli_common_option(c, opt, optarg, want_help);
		if (rc < 0)
			return -2;
		if (rc == 0)
			return opt;
	}
	return -1;
}

int cli_print_help(const char *usage)
{
	fputs(usage, stdout);
	fputs(cli_common_help, stdout);
	return EXIT_OK;
}

int cli_check_common(const struct cli_common *c)
{
	bool keys = c->allowed_signers || c->trusted_keys;
	if (c->verify_commits && !keys) {
		cli_errorf("--verify-commits needs --allowed-signers FILE (SSH "
			   "signatures) or --trusted-keys FILE (OpenPGP)");
		return -1;
	}
	if (keys && !c->verify_commits) {
		cli_errorf("--%s is used with --verify-commits only",
			   c->allowed_signers ? "allowed-signers"
					      : "trusted-keys");
		return -1;
	}
	return 0;
}

int cli_options_end(struct cli_common *c, int opt, bool help, const char *usage,
		    int argc, char **argv, int max_positional)
{
	if (opt == -2)
		return EXIT_USAGE;
	if (help)
		return cli_print_help(usage);
	if (cli_check_common(c) != 0)
		return EXIT_USAGE;
	if (cli_positional(c, argc, argv, max_positional) != 0)
		return EXIT_USAGE;
	return -1;
}

int cli_parse_args(struct cli_common *c, const struct cli_command *cmd,
		   void *ctx, int argc, char **argv)
{
	bool help = false, started = false;
	int opt;
	while ((opt = cli_next_option(c, argc, argv, cmd->longopts, &started,
				      &help)) >= 0) {
		/* ':' and '?': what getopt_long could not take */
		int rc = opt == ':' || opt == '?'
			     ? CLI_OPT_NOT_MINE
			     : cmd->option(ctx, opt, optarg);
		if (rc == CLI_OPT_NOT_MINE)
			return cli_option_error(cmd->name, opt, argv);
		if (rc != CLI_OPT_TAKEN)
			return EXIT_USAGE;
	}
	return cli_options_end(c, opt, help, cmd->usage, argc, argv,
			       cmd->max_positional);
}

int cli_parse_choice(const char *flag, const char *arg,
		     const char *const names[])
{
	size_t n = 0;
	for (; names[n]; n++)
		if (strcmp(arg, names[n]) == 0)
			return (int)n;
	char expected[256] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(expected); i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(expected + len, sizeof(expected) - len, "%s%s",
				 sep, names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	cli_errorf("%s: expected %s, got '%s'", flag, expected, arg);
	return -1;
}

/* An abbreviation (getopt's prefix match) names the one option it stands
 * for; NULL when it stands for none or several. */
static const char *only_prefix_of(const char *name, const char *const *names)
{
	const char *found = NULL;
	for (; *names; names++) {
		if (strncmp(*names, name, strlen(name)) != 0)
			continue;
		if (found)
			return NULL;
		found = *names;
	}
	return found;
}

/* The long option closest to the name typed ("--name" before any "="),
 * or NULL. Only a name from the table is ever shown, never what was
 * typed after it. */
static const char *closest_option(const char *tok, size_t n)
{
	char name[SUGGEST_MAX_LEN + 1];
	const char *names[128];
	size_t k = 0;
	if (!bad_longopts || strncmp(tok, "--", 2) != 0 || n < 3 ||
	    n - 2 > SUGGEST_MAX_LEN)
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(n - 2), tok + 2);
	for (const struct option *o = bad_longopts;
	     o->name && k + 1 < sizeof(names) / sizeof(names[0]); o++)
		names[k++] = o->name;
	names[k] = NULL;
	const char *near = suggest_closest(name, names);
	return near ? near : only_prefix_of(name, names);
}

int cli_option_error(const char *cmd, int opt, char **argv)
{
	(void)argv;
	/* the name only: "--opt=VALUE" may carry a secret */
	int n = (int)strcspn(bad_token, "=");
	const char *near = closest_option(bad_token, (size_t)n);
	/* getopt says "needs a value" for an abbreviation too */
	bool exact = near && strlen(near) + 2 == (size_t)n;
	if (n == 9 && strncmp(bad_token, "--api-key", 9) == 0)
		cli_errorf("%s: --api-key: the API key is never taken from the "
			   "command line (every user of the machine can read "
			   "it); set ULTRAVOX_API_KEY or pass --api-key-file "
			   "FILE",
			   cmd);
	else if (opt == ':' && (exact || !near))
		cli_errorf("%s: option '%.*s' needs a value", cmd, n,
			   bad_token);
	else if (near)
		cli_errorf("%s: unknown option '%.*s'; did you mean '--%s'? "
			   "(options are spelled out in full)",
			   cmd, n, bad_token, near);
	else
		cli_errorf(
		    "%s: unknown option '%.*s' (see 'sipsync %s --help')", cmd,
		    n, bad_token, cmd);
	return EXIT_USAGE;
}

int cli_positional(struct cli_common *c, int argc, char **argv,
		   int max_positional)
{
	int n = argc - optind;
	if (n > max_positional) {
		cli_errorf("unexpected argument '%s'",
			   argv[optind + max_positional]);
		return -1;
	}
	if (n > 0 && max_positional > 0)
		c->source = argv[optind];
	if (!c->source)
		c->source = ".";
	return 0;
}

void cli_print_diags(FILE *fp, const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		char *line = diag_format(d);
		if (line && log_json && fp == stderr)
			logline_write(fp, true,
				      d->severity == DIAG_NOTE
					  ? "info"
					  : diag_severity_name(d->severity),
				      NULL, line);
		/* a message with no file:line:col place says whose it is, as
		 * cli_errorf does */
		else if (line)
			fprintf(fp, "%s%s\n", d->file ? "" : "sipsync: ", line);
		free(line);
	}
}

bool cli_use_color(const struct cli_common *c, FILE *fp)
{
	if (c->color == COLOR_ALWAYS)
		return true;
	if (c->color == COLOR_NEVER || getenv("NO_COLOR"))
		return false;
	return isatty(fileno(fp));
}

const char *cli_api_url(const struct cli_common *c)
{
	if (c->account && c->account->api_url)
		return c->account->api_url;
	if (c->api_url)
		return c->api_url;
	const char *env = getenv("ULTRAVOX_API_URL");
	if (env && *env)
		return env;
	return "https://api.ultravox.ai";
}

/* The key file: a regular file (never waits on a FIFO), trailing blanks
 * trimmed. */
static char *read_key_file(const char *flag, const char *path)
{
	char *buf = NULL, *why = NULL;
	size_t n = 0;
	if (secret_read_file(path, path, 1024, &buf, &n, &why) != 0) {
		cli_errorf("%s: %s", flag, why ? why : "out of memory");
		free(why);
		return NULL;
	}
	size_t cap = n + 1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			 buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n && !memchr(buf, '\0', n))
		return buf;
	cli_errorf("%s %s: file is %s", flag, path,
		   n ? "not text (a NUL byte)" : "empty");
	str_wipe(buf, cap);
	free(buf);
	return NULL;
}

int cli_api_key(const struct cli_common *c, char **out)
{
	*out = NULL;
	if (c->account) { /* the accounts file names the key */
		char *why = NULL;
		if (accounts_resolve_key(c->accounts, c->account, out, &why) ==
		    0)
			return 0;
		cli_errorf("%s", why ? why : "out of memory");
		free(why);
		return -1;
	}
	if (c->api_key_file) {
		*out = read_key_file("--api-key-file", c->api_key_file);
		return *out ? 0 : -1;
	}
	const char *env = getenv("ULTRAVOX_API_KEY");
	if (!env || !*env) {
		cli_errorf("no API key: set ULTRAVOX_API_KEY or pass "
			   "--api-key-file FILE");
		return -1;
	}
	*out = strdup(env);
	return *out ? 0 : -1;
}

char *cli_key_source(const struct cli_common *c)
{
	if (c->account)
		return accounts_key_source(c->account);
	if (c->api_key_file)
		return str_printf("--api-key-file %s", c->api_key_file);
	return str_dup("ULTRAVOX_API_KEY");
}

char *cli_state_dir(const struct cli_common *c)
{
	if (c->state_dir)
		return strdup(c->state_dir);
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char buf[4096];
	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/sipsync", xdg);
	else
		snprintf(buf, sizeof(buf), "%s/.local/state/sipsync",
			 home && *home ? home : ".");
	return strdup(buf);
}

int cli_git_token(const struct cli_common *c, char **out,
		  struct diag_list *diags)
{
	char *why = NULL;
	size_t n = 0;
	*out = NULL;
	if (!c->git_token_file) {
		const char *env = getenv("SIPSYNC_GIT_TOKEN");
		if (env && *env && !(*out = strdup(env)))
			return -1;
		return 0;
	}
	if (secret_read_file(c->git_token_file, c->git_token_file, 1024, out,
			     &n, &why) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "--git-token-file: %s",
			 why ? why : "out of memory");
		free(why);
		return -1;
	}
	while (n > 0 && strchr(" \t\r\n", (*out)[n - 1]))
		(*out)[--n] = '\0';
	if (n && !memchr(*out, '\0', n))
		return 0;
	diag_add(diags, DIAG_ERROR, NULL, NULL,
		 "--git-token-file %s: file is %s", c->git_token_file,
		 n ? "not text (a NUL byte)" : "empty");
	str_wipe_free(*out);
	*out = NULL;
	return -1;
}

int cli_open_source(const struct cli_common *c, struct source **out,
		    struct diag_list *diags)
{
	char *token = NULL;
	*out = NULL;
	if (!c->repo && c->verify_commits) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "--verify-commits: %s is not a git source (give "
			 "--repo URL)",
			 c->source ? c->source : ".");
		return -1;
	}
	if (!c->repo)
		return source_from_path(out, c->source ? c->source : ".",
					diags);
	if (cli_git_token(c, &token, diags) != 0)
		return -1;
	char *state_dir = cli_state_dir(c);
	struct gitsrc_opts go = {
	    .url = c->repo,
	    .ref = c->ref,
	    .path = c->git_path,
	    .cache_root = state_dir,
	    .token = token,
	    .ssh_key = c->ssh_key ? c->ssh_key : getenv("SIPSYNC_SSH_KEY"),
	    .known_hosts =
		c->known_hosts ? c->known_hosts : getenv("SIPSYNC_KNOWN_HOSTS"),
	    .secrets_dir = c->secrets_dir,
	    .verify_commits = c->verify_commits,
	    .allowed_signers = c->allowed_signers,
	    .trusted_keys = c->trusted_keys,
	};
	int grc = state_dir ? gitsrc_load(out, &go, diags) : -1;
	free(state_dir);
	str_wipe_free(token);
	return grc;
}

int cli_load_policy(const struct cli_common *c, struct policy **out,
		    struct diag_list *diags)
{
	*out = NULL;
	return c->policy ? policy_load(out, c->policy, diags) : 0;
}

/* Source i of the account: a path beside the accounts file, or in the
 * same repository at the accounts file's commit. */
static int open_account_source(const struct cli_common *c, size_t i,
			       struct source **out, struct diag_list *diags)
{
	struct cli_common one = *c;
	char *path = accounts_source_path(c->accounts, c->account, i);
	if (!path) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	one.account = NULL;
	if (c->repo) {
		one.git_path = path;
		one.ref = c->accounts->commit ? c->accounts->commit : c->ref;
	} else {
		one.source = path;
	}
	int rc = cli_open_source(&one, out, diags);
	free(path);
	return rc;
}

static int load_account(const struct cli_common *c, const struct load_opts *lo,
			struct desired_state **out, size_t *n_files,
			struct diag_list *diags)
{
	size_t n = c->account->n_sources;
	struct source **layers = calloc(n ? n : 1, sizeof(*layers));
	int rc = -1;
	if (!layers)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (open_account_source(c, i, &layers[i], diags) != 0)
			goto out;
		if (n_files)
			*n_files += layers[i]->n_files;
	}
	rc = load_desired_layers(out, (const struct source *const *)layers, n,
				 lo, diags);
	if (rc == 0 &&
	    accounts_adopt(c->accounts, c->account, *out, diags) != 0) {
		model_desired_free(*out);
		*out = NULL;
		rc = -1;
	}
out:
	for (size_t i = 0; i < n; i++)
		source_free(layers[i]);
	free(layers);
	return rc;
}

int cli_load_into(const struct cli_common *c, const struct load_opts *lo,
		  struct desired_state **out, size_t *n_files,
		  struct diag_list *diags)
{
	struct source *src = NULL;
	*out = NULL;
	if (n_files)
		*n_files = 0;
	if (c->account)
		return load_account(c, lo, out, n_files, diags);
	if (cli_open_source(c, &src, diags) != 0)
		return -1;
	if (n_files)
		*n_files = src->n_files;
	int rc = load_desired(out, src, lo, diags);
	source_free(src);
	return rc;
}

int cli_load_desired(const struct cli_common *c, const struct load_opts *opts,
		     struct desired_state **out)
{
	struct diag_list diags = {0};
	struct policy *policy = NULL;
	struct load_opts lo = {0};
	int rc = -1;
	*out = NULL;
	if (opts)
		lo = *opts;
	if (cli_load_policy(c, &policy, &diags) == 0) {
		lo.policy = policy;
		rc = cli_load_into(c, &lo, out, NULL, &diags);
	}
	diag_list_sort(&diags);
	cli_print_diags(stderr, &diags);
	diag_list_clear(&diags);
	policy_free(policy);
	return rc;
}
