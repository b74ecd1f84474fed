#include "reconcile/agent/agent.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/agent/agent_http.h"
#include "reconcile/agent/agent_notify.h"
#include "reconcile/api/api.h"
#include "reconcile/base/crypto.h"
#include "reconcile/core/plan.h"
#include "reconcile/agentnames.h"
#include "reconcile/audit.h"
#include "reconcile/reconcile.h"
#include "reconcile/base/str.h"
#include "schema/agentref.h"
#include "schema/accounts.h"
#include "schema/export.h"
#include "schema/policy.h"
#include "schema/secret.h"
#include "reconcile/logline.h"

#define AGENT_MAX_BACKOFF_MS (3600L * 1000)
#define AGENT_SECRET_MAX 4096

/* The write end of the self-pipe, for signal handlers and the webhook.
 * One agent per process. */
static volatile sig_atomic_t wake_fd = -1;
/* A stop signal: written to stop_fd (never drained, so a fetch in progress
 * sees it as readable and is abandoned) and kept in stop_requested, which
 * the loop checks too (a full self-pipe drops the byte). */
static volatile sig_atomic_t stop_fd = -1;
static volatile sig_atomic_t stop_requested;

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO };

/* One account's own state: its API client, key, backoff, registration
 * health, notifications and metrics. */
struct agent_acct {
	char *name;		   /* multi: the account's name; else NULL */
	const struct account *acc; /* multi: in agent.acs; NULL while the
				      accounts file at the last commit did
				      not list it (explicit --account) */
	const char *api_url;
	char *url_own;	  /* multi: the account's apiUrl as last read */
	char *domain;	  /* multi: its domain as last read */
	char *key_source; /* for the 401/403 and missing-key messages */
	struct api_client *api;
	struct api_stats api_base; /* totals of api clients already freed */
	char *api_key;
	struct plan_health *health; /* registrations' status at the last
				       plan, sorted by identity (the loop's
				       own: transitions are logged against
				       it) */
	size_t n_health;

	/* --notify (NULL: none), and whether the last commit said suspend */
	struct agent_notify *notify;
	bool suspended;
	unsigned failures;
	long due; /* monotonic ms of its next cycle */

	char bad_commit[41]; /* last commit that failed to load */
	char unknown_digest[CRYPTO_SHA256_HEX_LEN + 1]; /* of the set of
							   unknown write-only
							   values last warned
							   about; "" none */
	struct agent_metrics m; /* guarded by agent.lock */
};

struct agent {
	const struct agent_config *cfg;
	int pipe_rd, pipe_wr;
	int stop_rd, stop_wr;
	struct gitsrc *git;
	struct agent_http *http;
	struct policy *policy; /* cfg->policy_file as last read well */
	bool stop;
	bool multi;		  /* cfg->account_names: every log line names
				     the account */
	struct agent_acct *accts; /* one, or the accounts served (multi);
				     the array changes at a new commit,
				     under lock */
	size_t n_accts;
	/* multi: the accounts file every account's key and URL come from:
	 * cfg->accounts at start, then the one of the last commit that
	 * parsed (acs_own) */
	const struct accounts *acs;
	struct accounts *acs_own;
	struct agent_acct *cur; /* the account being reconciled */
	unsigned long cycles;	/* fetch cycles run (--max-cycles) */

	char commit[41];   /* commit of the cycle in progress (or last) */
	char verified[41]; /* last commit whose signature was logged */

	pthread_mutex_t lock; /* guards every accts[i].m */
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- logging ---- */

static const char *level_name[] = {"error", "warning", "info"};

static void log_line(struct agent *a, enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_line(struct agent *a, enum log_level lv, const char *fmt, ...)
{
	const struct agent_config *cfg = a->cfg;
	if (lv == LOG_INFO && cfg->verbosity < 0)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	int off = a->multi && a->cur
		      ? snprintf(msg, sizeof(msg), "account %s: ", a->cur->name)
		      : 0;
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	logline_write(cfg->log, cfg->log_json, level_name[lv], a->commit, msg);
}

static void log_diags(struct agent *a, struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++) {
		char *text = diag_format(&d->items[i]);
		const char *shown = text ? text : "out of memory";
		const char *sev = diag_severity_name(d->items[i].severity);
		size_t sl = strlen(sev);
		if (!strncmp(shown, sev, sl) && !strncmp(shown + sl, ": ", 2))
			shown += sl + 2;
		enum log_level lv =
		    d->items[i].severity == DIAG_ERROR	   ? LOG_ERROR
		    : d->items[i].severity == DIAG_WARNING ? LOG_WARN
							   : LOG_INFO;
		log_line(a, lv, "%s", shown);
		free(text);
	}
	diag_list_clear(d);
}

/* ---- durations ---- */

int agent_parse_duration(const char *s, long *ms)
{
	const long max = 7L * 24 * 3600 * 1000;
	long total = 0;
	if (!s || !*s)
		return -1;
	while (*s) {
		char *end = NULL;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (end == s || errno || v < 0 || v > max)
			return -1;
		long unit;
		if (strncmp(end, "ms", 2) == 0) {
			unit = 1;
			end += 2;
		} else if (*end == 's' || *end == '\0') {
			unit = 1000;
			end += *end ? 1 : 0;
		} else if (*end == 'm') {
			unit = 60 * 1000;
			end++;
		} else if (*end == 'h') {
			unit = 3600 * 1000;
			end++;
		} else {
			return -1;
		}
		if (v > (max - total) / unit)
			return -1;
		total += v * unit;
		s = end;
	}
	*ms = total;
	return 0;
}

/* ---- signals and the self-pipe ---- */

static void wake(int fd, char what)
{
	if (fd < 0)
		return;
	int saved = errno;
	ssize_t n = write(fd, &what, 1); /* full pipe: already awake */
	(void)n;
	errno = saved;
}

void agent_signal(int sig)
{
	if (wake_fd < 0)
		return;
	if (sig != SIGHUP) {
		stop_requested = 1;
		wake(stop_fd, 't');
	}
	wake(wake_fd, sig == SIGHUP ? 'h' : 't');
}

static void on_webhook(void *ctx)
{
	struct agent *a = ctx;
	wake(a->pipe_wr, 'w');
}

static int on_snapshots(void *ctx, struct agent_metrics **out, size_t *n)
{
	struct agent *a = ctx;
	pthread_mutex_lock(&a->lock);
	size_t count = a->n_accts;
	struct agent_metrics *m = calloc(count ? count : 1, sizeof(*m));
	for (size_t i = 0; m && i < count; i++) {
		m[i] = a->accts[i].m;
		/* a copy: the loop replaces the text while it is rendered */
		m[i].registrations_up = str_dup(a->accts[i].m.registrations_up);
		m[i].notifications_failed =
		    agent_notify_failed(a->accts[i].notify);
	}
	pthread_mutex_unlock(&a->lock);
	if (!m)
		return -1;
	*out = m;
	*n = count;
	return 0;
}

/* ---- secret files ---- */

/* Reads a small secret file, trailing newlines/blanks trimmed. Returns a
 * string to wipe_free, or NULL with an error logged (never the value). */
static char *read_secret(struct agent *a, const char *what, const char *path)
{
	char *buf = NULL, *why = NULL;
	size_t n = 0;
	/* a regular file only: a FIFO would block the loop for ever */
	if (secret_read_file(path, path, AGENT_SECRET_MAX, &buf, &n, &why) !=
	    0) {
		log_line(a, LOG_ERROR, "%s: %s", what,
			 why ? why : "out of memory");
		free(why);
		return NULL;
	}
	size_t cap = n + 1;
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		buf[--n] = '\0';
	if (n && !memchr(buf, '\0', n))
		return buf;
	log_line(a, LOG_ERROR, "%s %s: file is %s", what, path,
		 n ? "not text (a NUL byte)" : "empty");
	str_wipe(buf, cap);
	free(buf);
	return NULL;
}

/* A new key: the next cycle makes a new client; its counters are kept. */
static void drop_client(struct agent_acct *ac)
{
	if (!ac->api)
		return;
	const struct api_stats *st = api_client_stats(ac->api);
	ac->api_base.requests += st->requests;
	ac->api_base.seconds_total += st->seconds_total;
	ac->api_base.connections += st->connections;
	ac->api_base.reused += st->reused;
	for (int i = 0; i < 4; i++)
		ac->api_base.by_method[i] += st->by_method[i];
	api_client_free(ac->api);
	ac->api = NULL;
}

/* Multi: account ac's key from its apiKey (an {env:} or a {file:}, read
 * again on SIGHUP). A key that cannot be read fails the account (logged,
 * naming the variable or file) and keeps the previous one in use. A new
 * key for an account whose last cycle failed makes it due at once (the
 * failure may have been the old key). */
static int load_account_key(struct agent *a, struct agent_acct *ac)
{
	char *key = NULL, *why = NULL;
	struct agent_acct *was = a->cur;
	if (!ac->acc) /* not in the accounts file: its cycle says so */
		return -1;
	a->cur = NULL; /* why names the account */
	int rc = accounts_resolve_key(a->acs, ac->acc, &key, &why);
	if (rc != 0) {
		log_line(a, LOG_ERROR, "%s", why ? why : "out of memory");
	} else if (!ac->api_key || strcmp(key, ac->api_key) != 0) {
		if (ac->failures) {
			log_line(a, LOG_INFO,
				 "account %s: a new API key; reconciling now",
				 ac->name);
			ac->due = 0;
		}
		str_wipe_free(ac->api_key);
		ac->api_key = key;
		key = NULL;
		drop_client(ac);
	}
	str_wipe_free(key);
	free(why);
	a->cur = was;
	return rc;
}

/* Loads (or re-loads, on SIGHUP) every secret file. A file that cannot be
 * read keeps the previous value in use. Returns 0, or -1 when any failed. */
static int load_secrets(struct agent *a)
{
	const struct agent_config *cfg = a->cfg;
	int rc = 0;
	if (cfg->webhook_secret_file && a->http) {
		char *s = read_secret(a, "--webhook-secret-file",
				      cfg->webhook_secret_file);
		if (s)
			agent_http_set_secret(a->http, s);
		else
			rc = -1;
		str_wipe_free(s);
	}
	if (cfg->git_token_file) {
		char *s =
		    read_secret(a, "--git-token-file", cfg->git_token_file);
		if (s)
			gitsrc_set_token(a->git, s);
		else
			rc = -1;
		str_wipe_free(s);
	}
	if (cfg->api_key_file) {
		char *s = read_secret(a, "--api-key-file", cfg->api_key_file);
		if (s &&
		    (!a->cur->api_key || strcmp(s, a->cur->api_key) != 0)) {
			str_wipe_free(a->cur->api_key);
			a->cur->api_key = s;
			s = NULL;
			drop_client(a->cur);
		} else if (!s) {
			rc = -1;
		}
		str_wipe_free(s);
	} else if (!a->multi && !a->cur->api_key && cfg->api_key) {
		a->cur->api_key = strdup(cfg->api_key);
	}
	for (size_t i = 0; a->multi && i < a->n_accts; i++)
		load_account_key(a, &a->accts[i]); /* fails that account */
	return rc;
}

/* Reads (or re-reads, on SIGHUP) the policy file. One that does not load
 * keeps the previous policy: a broken file must not relax the rules.
 * Returns 0, or -1 when it did not load. */
static int load_policy(struct agent *a)
{
	struct diag_list d = {0};
	struct policy *p = NULL;
	if (!a->cfg->policy_file)
		return 0;
	if (policy_load(&p, a->cfg->policy_file, &d) != 0) {
		log_diags(a, &d);
		log_line(a, LOG_ERROR, "--policy %s does not load; %s",
			 a->cfg->policy_file,
			 a->policy ? "the previous policy stays in force"
				   : "not starting");
		return -1;
	}
	log_diags(a, &d);
	policy_free(a->policy);
	a->policy = p;
	return 0;
}

/* ---- one cycle ---- */

static void set_failed(struct agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->cur->m.ready = false;
	a->cur->m.last_success = false; /* a cycle that could not reconcile */
	a->cur->m.errors++;
	pthread_mutex_unlock(&a->lock);
}

static int fetch_commit(struct agent *a, char commit[41])
{
	struct diag_list d = {0};
	double secs = 0;
	int rc = gitsrc_fetch(a->git, &secs, &d);
	if (rc == 0)
		rc = gitsrc_resolve(a->git, commit, &d);
	if (a->cfg->verbosity > 0)
		log_line(a, LOG_INFO, "fetch took %.1f ms", secs * 1000);
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_accts; i++) {
		a->accts[i].m.git_fetch_seconds = secs;
		if (rc == 0)
			memcpy(a->accts[i].m.fetched_commit, commit, 41);
	}
	pthread_mutex_unlock(&a->lock);
	log_diags(a, &d);
	return rc;
}

/* --verify-commits: the signer is logged once per commit (each cycle
 * with -v); the gauge follows every check. */
static int verify_commit(struct agent *a, const char *commit,
			 struct diag_list *d)
{
	struct diag_list vd = {0};
	int rc = gitsrc_verify(a->git, commit, &vd);
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_accts; i++)
		a->accts[i].m.commit_verified = rc == 0;
	pthread_mutex_unlock(&a->lock);
	if (rc == 0 && a->cfg->verbosity <= 0 &&
	    strcmp(a->verified, commit) == 0)
		diag_list_clear(&vd);
	memcpy(a->verified, rc == 0 ? commit : "", rc == 0 ? 41 : 1);
	diag_list_move(d, &vd);
	diag_list_clear(&vd); /* what did not fit, out of memory */
	return rc;
}

/* The sources of acc at commit, each beside the accounts file. */
static int read_layers(struct agent *a, const char *commit,
		       const struct accounts *acs, const struct account *acc,
		       struct source **layers, struct diag_list *d)
{
	for (size_t i = 0; i < acc->n_sources; i++) {
		char *path = accounts_source_path(acs, acc, i);
		int rc =
		    path ? gitsrc_read_path(a->git, commit, path, &layers[i], d)
			 : -1;
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* cfg->account of the accounts file at commit: its sources as overlays,
 * its domain the guard. */
static int load_account(struct agent *a, const char *commit,
			const struct load_opts *lo, struct desired_state **ds,
			struct diag_list *d)
{
	struct source *file = NULL, **layers = NULL;
	struct accounts *acs = NULL;
	const struct account *acc = NULL;
	int rc = -1;
	if (gitsrc_read(a->git, commit, &file, d) != 0)
		goto out;
	size_t before = d->len;
	if (!accounts_is_file_why(file, d)) {
		if (d->len == before) /* else: the YAML errors, placed */
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "%s: not an accounts file (--account needs "
				 "one)",
				 file->n_files ? file->files[0].name
					       : file->info.path);
		goto out;
	}
	if (accounts_parse(&acs, file, d) != 0)
		goto out;
	const char *name = a->multi ? a->cur->name : a->cfg->account;
	if (!(acc = accounts_find(acs, name))) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "%s: no account '%s'",
			 acs->file, name);
		goto out;
	}
	layers = calloc(acc->n_sources, sizeof(*layers));
	if (!layers || read_layers(a, commit, acs, acc, layers, d) != 0)
		goto out;
	rc = load_desired_layers(ds, (const struct source *const *)layers,
				 acc->n_sources, lo, d);
	if (rc == 0 && accounts_adopt(acs, acc, *ds, d) != 0) {
		model_desired_free(*ds);
		*ds = NULL;
		rc = -1;
	}
out:
	for (size_t i = 0; layers && acc && i < acc->n_sources; i++)
		source_free(layers[i]);
	free(layers);
	accounts_free(acs);
	source_free(file);
	return rc;
}

static int load_commit(struct agent *a, const char *commit,
		       struct desired_state **ds)
{
	struct diag_list d = {0};
	struct source *src = NULL;
	struct load_opts lo = a->cfg->load;
	lo.policy = a->policy;
	int rc = verify_commit(a, commit, &d);
	if (rc == 0 && (a->cfg->account || a->multi)) {
		rc = load_account(a, commit, &lo, ds, &d);
	} else if (rc == 0) {
		rc = gitsrc_read(a->git, commit, &src, &d);
		if (rc == 0)
			rc = load_desired(ds, src, &lo, &d);
	}
	source_free(src);
	if (rc != 0) /* once per commit, then a reminder at most */
		agent_notify_invalid(a->cur->notify, commit,
				     "desired state invalid or against the "
				     "policy; nothing applied",
				     &d, (long long)time(NULL));
	bool reported = strcmp(a->cur->bad_commit, commit) == 0;
	if (rc != 0 && reported) {
		diag_list_clear(&d);
		log_line(a, LOG_ERROR,
			 "desired state at this commit is still "
			 "invalid; nothing applied");
		return -1;
	}
	log_diags(a, &d);
	if (rc != 0) {
		memcpy(a->cur->bad_commit, commit, 41);
		log_line(a, LOG_ERROR,
			 "desired state at this commit is "
			 "invalid; nothing applied, the account "
			 "keeps its last good state");
	}
	return rc;
}

static int ensure_api(struct agent *a)
{
	struct diag_list d = {0};
	if (a->cur->api)
		return 0;
	if (!a->cur->api_key) {
		log_line(a, LOG_ERROR, "no API key (check %s)",
			 a->cur->key_source ? a->cur->key_source : "the key");
		return -1;
	}
	struct api_config ac = {.base_url = a->cur->api_url,
				.api_key = a->cur->api_key,
				.key_source = a->cur->key_source,
				.deadline_ms = a->cfg->account_timeout_ms,
				.deadline_agent = true,
				.parallelism = a->cfg->parallelism,
				.max_rps = a->cfg->max_rps,
				.ca_cert = a->cfg->ca_cert,
				.allow_insecure_http =
				    a->cfg->allow_insecure_http};
	int rc = api_client_new(&a->cur->api, &ac, &d);
	log_diags(a, &d);
	/* a stop aborts a request in flight and any retry wait at once */
	if (rc == 0)
		api_client_set_cancel_fd(a->cur->api, a->stop_rd);
	return rc;
}

static void log_plan(struct agent *a, const char *text)
{
	const char *line = text;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		if (len > 0)
			log_line(a, LOG_INFO, "plan: %.*s", len, line);
		line = nl ? nl + 1 : NULL;
	}
}

static void record_result(struct agent *a, const char *commit, int rc,
			  const struct reconcile_result *r)
{
	const struct api_stats *st = api_client_stats(a->cur->api);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&a->lock);
	a->cur->m.reconciled = true;
	a->cur->m.last_reconcile_ts =
	    (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	a->cur->m.last_success = rc == 0;
	a->cur->m.ready = rc == 0;
	a->cur->m.suspended = a->cur->suspended;
	if (rc != 0)
		a->cur->m.errors++;
	if (r->outcome != RECONCILE_ERROR)
		a->cur->m.drift = r->changes;
	bool applying = a->cfg->apply && !a->cur->suspended;
	if (applying)
		a->cur->m.changes_applied += r->writes_done;
	if (rc == 0 && (applying || !r->changes))
		memcpy(a->cur->m.commit, commit, 41);
	a->cur->m.api_requests = a->cur->api_base.requests + st->requests;
	a->cur->m.api_seconds =
	    a->cur->api_base.seconds_total + st->seconds_total;
	a->cur->m.api_conns = a->cur->api_base.connections + st->connections;
	a->cur->m.api_reused = a->cur->api_base.reused + st->reused;
	for (int i = 0; i < 4; i++)
		a->cur->m.api_by_method[i] =
		    a->cur->api_base.by_method[i] + st->by_method[i];
	pthread_mutex_unlock(&a->lock);
}

static bool is_unknown_note(const struct plan_note *n)
{
	return n->field && n->text && !strcmp(n->text, "unknown (write-only)");
}

/* Write-only values with no record are never sent without --sync-secrets,
 * and the plan calls them notes, so every cycle would say "no changes".
 * Warn when the set of them changes (not each cycle: with a 1 m interval
 * that would be 1440 identical warnings a day; the gauge
 * sipsync_unknown_write_only_values stays up meanwhile). */
static void warn_unknown(struct agent *a, const struct plan *p)
{
	char *buf = NULL, digest[CRYPTO_SHA256_HEX_LEN + 1] = "";
	size_t len = 0, count = 0;
	const char *first = NULL;
	FILE *fp = p ? open_memstream(&buf, &len) : NULL;
	if (!fp)
		return; /* no plan, or out of memory: keep what was said */
	for (size_t i = 0; i < p->n_notes; i++) {
		if (!is_unknown_note(&p->notes[i]))
			continue;
		first = first ? first : p->notes[i].subject;
		count++;
		fprintf(fp, "%s%c%s%c", p->notes[i].subject, 0,
			p->notes[i].field, 0);
	}
	bool failed = fclose(fp) != 0 ||
		      (count && crypto_sha256_hex(buf, len, digest) != 0);
	free(buf);
	if (failed)
		return;
	pthread_mutex_lock(&a->lock);
	a->cur->m.unknown_secrets = count;
	pthread_mutex_unlock(&a->lock);
	if (strcmp(digest, a->cur->unknown_digest) == 0)
		return;
	memcpy(a->cur->unknown_digest, digest, sizeof(digest));
	if (!count) {
		log_line(a, LOG_INFO, "every write-only value is recorded");
		return;
	}
	log_line(a, LOG_WARN,
		 "%zu write-only value%s unknown (no fingerprint recorded, "
		 "e.g. after an API key rotation or a lost state file; first: "
		 "%s): %s",
		 count, count == 1 ? " is" : "s are", first,
		 a->cfg->apply ? "not sent; run with --sync-secrets to send "
				 "them once and record them"
			       : "detect mode cannot tell whether they match");
}

/* ---- registration health ---- */

static void health_free(struct plan_health *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].key);
	free(h);
}

static const char *health_word(int successful)
{
	return successful == 1	 ? "registered"
	       : successful == 0 ? "not registered (successful: false)"
				 : "status not known yet (successful: null)";
}

/* The registration's status at the last plan, or -2 when it was not
 * there (a->cur->health is sorted by key). */
static int health_before(const struct agent *a, const char *key)
{
	size_t lo = 0, hi = a->cur->n_health;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		int c = strcmp(a->cur->health[m].key, key);
		if (c == 0)
			return a->cur->health[m].successful;
		if (c < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return -2;
}

/* One sample line per registration whose status is known, the label
 * value escaped as the exposition format wants (\\, \", \n). */
static void health_sample(FILE *fp, const struct plan_health *h)
{
	fputs("sipsync_registration_up{registration=\"", fp);
	for (const char *c = h->key; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', fp);
		if (*c == '\n')
			fputs("\\n", fp);
		else
			fputc(*c, fp);
	}
	fprintf(fp, "\"} %d\n", h->successful);
}

/* Logs each registration whose status changed since the last plan (a new
 * one only when it failed: the first cycle must not log every
 * registration), then keeps p's list and renders the gauge. */
static void track_health(struct agent *a, const struct plan *p)
{
	char *text = NULL;
	size_t len = 0;
	struct plan_health *copy = calloc(p->n_health + 1, sizeof(*copy));
	FILE *fp = copy ? open_memstream(&text, &len) : NULL;
	size_t n = 0;
	if (!fp) {
		free(copy);
		return; /* out of memory: keep what was shown */
	}
	for (; n < p->n_health; n++) {
		const struct plan_health *h = &p->health[n];
		int before = health_before(a, h->key);
		if (before != h->successful &&
		    (before != -2 || h->successful == 0))
			log_line(a, h->successful == 0 ? LOG_WARN : LOG_INFO,
				 "registration %s: %s", h->key,
				 health_word(h->successful));
		if (h->successful >= 0)
			health_sample(fp, h);
		copy[n].successful = h->successful;
		if (!(copy[n].key = strdup(h->key)))
			break;
	}
	bool failed = fclose(fp) != 0 || n < p->n_health;
	if (failed) {
		health_free(copy, n);
		free(text);
		return;
	}
	health_free(a->cur->health, a->cur->n_health);
	a->cur->health = copy;
	a->cur->n_health = n;
	pthread_mutex_lock(&a->lock);
	free(a->cur->m.registrations_up);
	a->cur->m.registrations_up = text;
	pthread_mutex_unlock(&a->lock);
}

enum { AGENT_LOCK_TIMEOUT_MS = 60 * 1000 };

/* The audit record of an apply cycle (STATE_DIR/audit.jsonl). Without it
 * (out of memory) the cycle still runs: the log says so. */
static int open_audit(struct agent *a, const struct desired_state *ds,
		      struct audit **out)
{
	const struct source_info *si = &ds->source;
	struct audit_source src = {
	    .command = "sipsync run",
	    .path = si->path,
	    .repo = si->repo,
	    .ref = si->ref,
	    .commit = si->commit,
	};
	size_t n = strlen(a->cfg->state_dir) + sizeof("/audit.jsonl");
	char *log = malloc(n);
	int rc = -1;
	if (log) {
		snprintf(log, n, "%s/audit.jsonl", a->cfg->state_dir);
		rc = audit_new(out, log, &src);
	}
	free(log);
	if (rc != 0)
		log_line(a, LOG_ERROR, "audit: out of memory");
	return rc;
}

static int reconcile_commit(struct agent *a, const char *commit,
			    struct desired_state *ds)
{
	struct diag_list d = {0};
	struct reconcile_opts o;
	struct reconcile_result r;
	struct agent_names names = {0};
	int rc = -1;
	memset(&r, 0, sizeof(r));
	reconcile_opts_init(&o);
	o.state_dir = a->cfg->state_dir;
	o.api_key = a->cur->api_key;
	/* a change freeze in git: plan only (agent_notify says so once) */
	a->cur->suspended = model_suspended(ds, (long long)time(NULL));
	o.apply = a->cfg->apply && !a->cur->suspended;
	o.sync_secrets = a->cfg->sync_secrets;
	/* one writer per account: a CLI apply in progress is waited for (a
	   while), then this cycle plans against what it left */
	o.lock = true;
	o.lock_timeout_ms = AGENT_LOCK_TIMEOUT_MS;
	o.lock_command = "sipsync run";
	struct audit *au = NULL;
	if (o.apply && a->cfg->state_dir && open_audit(a, ds, &au) == 0) {
		o.audit = au;
		o.export_fn = export_yaml;
	}
	/* agent: NAME is resolved for each commit (names can change); the
	   names and the account are read side by side */
	struct live_state *live = NULL;
	o.live_read_ms = reconcile_clock_ms();
	if (reconcile_read(a->cur->api, ds, &live, &names, &d) == 0 &&
	    agentref_resolve(ds, &names, &d) == 0) {
		o.names = &names;
		o.live = live;
		rc = reconcile_once(a->cur->api, ds, &o, &r, &d);
	}
	model_live_free(live);
	audit_free(au);
	log_diags(a, &d);
	if (r.outcome != RECONCILE_ERROR)
		warn_unknown(a, r.plan);
	if (r.outcome != RECONCILE_ERROR && r.plan)
		track_health(a, r.plan);
	if (r.plan_text && (r.changes || a->cfg->verbosity > 0))
		log_plan(a, r.plan_text);
	record_result(a, commit, rc, &r);
	struct agent_notify_cycle nc = {
	    .commit = commit,
	    .apply_mode = a->cfg->apply,
	    .suspended = !a->cur->suspended   ? NULL
			 : ds->suspend_reason ? ds->suspend_reason
					      : "suspended",
	    .suspended_until = ds->suspend_until,
	    .rc = rc,
	    .r = &r,
	    .now = (long long)time(NULL),
	};
	agent_notify_cycle(a->cur->notify, &nc);
	if (rc != 0)
		log_line(a, LOG_ERROR, "reconcile failed%s%s",
			 r.guard ? ": guard refused: " : "",
			 r.guard ? r.guard : "");
	else if (!r.changes)
		log_line(a, LOG_INFO, "reconcile: no changes");
	else if (o.apply)
		log_line(a, LOG_INFO,
			 "reconcile: applied %zu to create, %zu to update, "
			 "%zu to delete",
			 r.creates, r.updates, r.deletes);
	else
		log_line(a, LOG_WARN,
			 "drift: %zu to create, %zu to update, %zu to delete "
			 "(%s: nothing changed)",
			 r.creates, r.updates, r.deletes,
			 a->cur->suspended ? "suspended" : "detect mode");
	reconcile_result_release(&r);
	agent_names_release(&names);
	return rc;
}

/* A ref that moved to a commit not descending from the one last applied
 * (a force push, a reset, another branch) is applied like any other, but
 * said out loud: what was reviewed and merged may have been rewritten. */
static void warn_if_rewritten(struct agent *a, const char *commit)
{
	char applied[41];
	pthread_mutex_lock(&a->lock);
	memcpy(applied, a->cur->m.commit, sizeof(applied));
	pthread_mutex_unlock(&a->lock);
	if (!applied[0] || strcmp(applied, commit) == 0 ||
	    gitsrc_descends(a->git, commit, applied) != 0)
		return;
	log_line(a, LOG_WARN,
		 "ref %s moved to %s, which does not descend from the last "
		 "applied commit %s (force push or history rewrite); "
		 "reconciling to it",
		 a->cfg->git.ref ? a->cfg->git.ref : "main", commit, applied);
}

/* ---- the accounts served (multi), followed at every commit ---- */

static void acct_free(struct agent_acct *ac)
{
	agent_notify_free(ac->notify);
	api_client_free(ac->api);
	str_wipe_free(ac->api_key);
	free(ac->name);
	free(ac->url_own);
	free(ac->domain);
	free(ac->key_source);
	health_free(ac->health, ac->n_health);
	free(ac->m.registrations_up);
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* Takes acc's domain, apiUrl and apiKey source as ac's. Returns 1 when
 * any of them differs from what ac had (a new client and key follow), 0
 * when none does, -1 out of memory (ac keeps what it had). */
static int acct_take(struct agent *a, struct agent_acct *ac,
		     const struct account *acc)
{
	char *src = accounts_key_source(acc);
	char *url = acc->api_url ? str_dup(acc->api_url) : NULL;
	char *dom = str_dup(acc->domain);
	if (!src || !dom || (acc->api_url && !url)) {
		free(src);
		free(url);
		free(dom);
		return -1;
	}
	int changed = !same_str(src, ac->key_source) ||
			      !same_str(url, ac->url_own) ||
			      !same_str(dom, ac->domain)
			  ? 1
			  : 0;
	free(ac->key_source);
	free(ac->url_own);
	free(ac->domain);
	ac->key_source = src;
	ac->url_own = url;
	ac->domain = dom;
	ac->api_url = url ? url : a->cfg->api_url;
	ac->acc = acc;
	return changed;
}

/* A new account of the accounts file (--all): its own notifications,
 * metrics label and backoff; due at once. 0, or -1 (logged). */
static int acct_new(struct agent *a, struct agent_acct *ac, const char *name)
{
	struct diag_list d = {0};
	memset(ac, 0, sizeof(*ac));
	if (!(ac->name = str_dup(name))) {
		log_line(a, LOG_ERROR, "out of memory");
		return -1;
	}
	if (agent_notify_new(&ac->notify, a->cfg->notify, a->cfg->log,
			     a->cfg->log_json, a->cfg->verbosity, &d) != 0) {
		log_diags(a, &d);
		free(ac->name);
		return -1;
	}
	snprintf(ac->m.account, sizeof(ac->m.account), "%s", name);
	ac->m.verify_commits = gitsrc_verifies(a->git);
	return 0;
}

static struct agent_acct *acct_named(struct agent *a, const char *name)
{
	for (size_t i = 0; i < a->n_accts; i++)
		if (strcmp(a->accts[i].name, name) == 0)
			return &a->accts[i];
	return NULL;
}

/* Multi, at a new commit: the accounts file there (from a verified commit
 * with --verify-commits) says which accounts there are (--all) and each
 * one's domain, apiUrl and apiKey source. An account whose settings
 * changed gets a new client and its key read again; --all starts serving
 * an added account and stops serving a removed one. A file that does not
 * load keeps the accounts as they were (each account's cycle reports the
 * commit as invalid, as for any desired state that does not load). */
static void follow_accounts(struct agent *a, const char *commit)
{
	struct diag_list d = {0};
	struct source *file = NULL;
	struct accounts *acs = NULL;
	const char *path = a->acs->path ? a->acs->path : a->acs->file;
	a->cur = NULL;
	bool verified = verify_commit(a, commit, &d) == 0, ok = verified;
	if (ok)
		log_diags(a, &d); /* the signer, logged once per commit */
	ok = ok && gitsrc_read(a->git, commit, &file, &d) == 0 &&
	     accounts_is_file(file) && accounts_parse(&acs, file, &d) == 0;
	if (ok && acs->path)
		path = acs->path;
	source_free(file);
	diag_list_clear(&d); /* each account's cycle reports them */
	if (!ok) {
		accounts_free(acs);
		log_line(a, LOG_WARN,
			 "%s %s at this commit: still serving the %zu "
			 "account%s of the last commit where it did",
			 path, verified ? "does not load" : "is not verified",
			 a->n_accts, a->n_accts == 1 ? "" : "s");
		return;
	}
	size_t n = a->cfg->all_accounts ? acs->n : a->n_accts;
	struct agent_acct *next = calloc(n ? n : 1, sizeof(*next));
	bool *kept = calloc(a->n_accts ? a->n_accts : 1, sizeof(*kept));
	if (!next || !kept) {
		free(next);
		free(kept);
		accounts_free(acs);
		log_line(a, LOG_ERROR, "out of memory");
		return;
	}
	size_t got = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = a->cfg->all_accounts ? acs->items[i].name
							: a->accts[i].name;
		struct agent_acct *was = acct_named(a, name);
		if (was) {
			kept[was - a->accts] = true;
			next[got] = *was;
		} else if (acct_new(a, &next[got], name) != 0) {
			continue;
		} else {
			a->cur = &next[got];
			log_line(a, LOG_INFO, "added in %s; serving it now",
				 path);
		}
		struct agent_acct *ac = &next[got++];
		a->cur = ac;
		const struct account *acc = accounts_find(acs, name);
		if (!acc) { /* explicit --account: its cycle fails, naming it */
			if (ac->acc)
				log_line(a, LOG_WARN,
					 "no longer in %s at this commit; "
					 "its cycles fail until it is back",
					 path);
			ac->acc = NULL;
			continue;
		}
		int changed = acct_take(a, ac, acc);
		if (changed < 0) {
			log_line(a, LOG_ERROR, "out of memory");
		} else if (changed && was) {
			log_line(a, LOG_INFO,
				 "domain, apiUrl or apiKey changed in %s: a "
				 "new API client, the key read again",
				 path);
			drop_client(ac);
			str_wipe_free(ac->api_key);
			ac->api_key = NULL;
			ac->due = 0;
		}
	}
	for (size_t j = 0; j < a->n_accts; j++) {
		if (kept[j])
			continue;
		a->cur = &a->accts[j];
		log_line(a, LOG_WARN,
			 "removed from %s: no longer served (its readiness and "
			 "metrics go; its state file and lock stay, nothing is "
			 "deleted on the account)",
			 path);
	}
	a->cur = NULL;
	struct agent_acct *old = a->accts;
	size_t n_old = a->n_accts;
	pthread_mutex_lock(&a->lock);
	a->accts = next;
	a->n_accts = got;
	pthread_mutex_unlock(&a->lock);
	for (size_t j = 0; j < n_old; j++)
		if (!kept[j])
			acct_free(&old[j]);
	free(old);
	free(kept);
	accounts_free(a->acs_own);
	a->acs_own = acs;
	a->acs = acs;
	for (size_t i = 0; i < a->n_accts; i++)
		if (!a->accts[i].api_key)
			load_account_key(a, &a->accts[i]);
}

static long next_delay(const struct agent *a);

/* The current account from commit: its desired state, its API client,
 * one reconcile. */
static int reconcile_account(struct agent *a, const char *commit)
{
	struct desired_state *ds = NULL;
	int rc = -1;
	pthread_mutex_lock(&a->lock);
	a->cur->m.cycles++;
	pthread_mutex_unlock(&a->lock);
	if (a->multi && !a->cur->api_key) /* set since?: try again */
		load_account_key(a, a->cur);
	if (load_commit(a, commit, &ds) != 0 || ensure_api(a) != 0) {
		set_failed(a);
		model_desired_free(ds);
		return -1;
	}
	/* --account-timeout: this cycle's requests and retries of this
	 * account end by then, so a hung API gives way to the next account */
	api_client_restart_deadline(a->cur->api);
	rc = reconcile_commit(a, commit, ds);
	if (rc == 0)
		a->cur->bad_commit[0] = '\0';
	else if (a->cfg->account_timeout_ms)
		drop_client(a->cur); /* a client past its deadline stays so */
	model_desired_free(ds);
	return rc;
}

/* One fetch, then every account that is due (all: every account), one
 * after another, each with its own backoff. Returns 0 when each of them
 * succeeded. */
static int run_cycle(struct agent *a, bool all)
{
	char commit[41];
	long now = now_ms();
	int rc = 0;
	a->cycles++;
	bool fetched = fetch_commit(a, commit) == 0;
	/* --once ends here: no retry follows */
	if (!fetched && !stop_requested)
		log_line(a, LOG_ERROR, "%s",
			 a->cfg->once ? "fetch failed"
				      : "fetch failed; will retry");
	if (fetched && strcmp(commit, a->commit) != 0) {
		memcpy(a->commit, commit, 41);
		log_line(a, LOG_INFO, "commit %s", commit);
		if (a->multi)
			follow_accounts(a, commit);
		for (size_t i = 0; i < a->n_accts; i++) {
			a->cur = &a->accts[i];
			warn_if_rewritten(a, commit);
		}
	}
	for (size_t i = 0; i < a->n_accts && !stop_requested; i++) {
		a->cur = &a->accts[i];
		if (!all && a->cur->due > now)
			continue;
		int one = -1;
		if (fetched) {
			one = reconcile_account(a, commit);
		} else {
			pthread_mutex_lock(&a->lock);
			a->cur->m.cycles++;
			pthread_mutex_unlock(&a->lock);
			set_failed(a);
		}
		a->cur->failures = one == 0 ? 0 : a->cur->failures + 1;
		a->cur->due = now_ms() + next_delay(a);
		rc = one == 0 ? rc : -1;
	}
	a->cur = a->multi ? NULL : &a->accts[0];
	return rc;
}

/* ---- the loop ---- */

static long next_delay(const struct agent *a)
{
	long base = a->cfg->interval_ms;
	if (!a->cur->failures)
		return base;
	/* after a failure: back off, but never retry sooner than the interval
	 */
	long d = base > 1000 ? base : 1000;
	for (unsigned i = 1; i < a->cur->failures && d < AGENT_MAX_BACKOFF_MS;
	     i++)
		d *= 2;
	if (d > AGENT_MAX_BACKOFF_MS)
		d = AGENT_MAX_BACKOFF_MS;
	return d > base ? d : base;
}

/* Events waiting in the self-pipe, coalesced: many webhooks during a
 * cycle make one more cycle, not many. */
struct events {
	bool stop, reload, webhook;
};

/* Waits until deadline (monotonic ms) or until an event arrives, then
 * takes every byte waiting. Returns true when an event arrived, false at
 * the deadline. */
static bool wait_events(struct agent *a, long deadline, struct events *ev)
{
	/* the pipe is looked at even when the deadline has passed, so an
	 * --interval 0 loop still sees signals */
	for (;;) {
		if (stop_requested) {
			ev->stop = true;
			return true;
		}
		long left = deadline - now_ms();
		if (left < 0)
			left = 0;
		struct pollfd p = {.fd = a->pipe_rd, .events = POLLIN};
		int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno != EINTR) {
			ev->stop = true;
			return true;
		}
		char buf[64];
		ssize_t got = n > 0 ? read(a->pipe_rd, buf, sizeof(buf)) : 0;
		ev->stop |= stop_requested != 0;
		for (ssize_t i = 0; i < got; i++) {
			ev->stop |= buf[i] == 't';
			ev->reload |= buf[i] == 'h';
			ev->webhook |= buf[i] == 'w';
		}
		if (got > 0)
			return true;
		if (left == 0)
			return false;
	}
}

static bool cycles_done(struct agent *a)
{
	return a->cfg->max_cycles && a->cycles >= a->cfg->max_cycles;
}

/* The monotonic ms at which the next account is due. */
static long next_due(const struct agent *a)
{
	if (!a->n_accts)
		return now_ms() + a->cfg->interval_ms;
	long due = a->accts[0].due;
	for (size_t i = 1; i < a->n_accts; i++)
		due = a->accts[i].due < due ? a->accts[i].due : due;
	return due;
}

static void reload(struct agent *a)
{
	log_line(a, LOG_INFO, "SIGHUP: re-reading secret files%s%s",
		 a->multi ? " (the accounts' apiKey files too)" : "",
		 a->cfg->policy_file ? " and the policy" : "");
	load_secrets(a);
	load_policy(a);
}

static int loop(struct agent *a)
{
	bool all = true;
	for (;;) {
		int rc = run_cycle(a, all);
		if (a->cfg->once)
			return rc;
		if (stop_requested) {
			log_line(a, LOG_INFO, "stopping");
			return 0;
		}
		if (cycles_done(a))
			return 0;
		long deadline = next_due(a);
		struct events ev = {0};
		while (wait_events(a, deadline, &ev) && !ev.stop &&
		       !ev.webhook) {
			if (ev.reload) {
				reload(a);
				ev.reload = false;
				deadline = next_due(a); /* a new key: due now */
			}
		}
		if (ev.reload && !ev.stop)
			reload(a);
		if (ev.stop) {
			log_line(a, LOG_INFO, "stopping");
			return 0;
		}
		if (ev.webhook)
			log_line(a, LOG_INFO, "webhook: fetching now");
		all = ev.webhook; /* else only the accounts now due */
	}
}

static int nonblocking_pipe(int *rd, int *wr)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	*rd = fds[0];
	*wr = fds[1];
	return 0;
}

static int open_pipe(struct agent *a)
{
	return nonblocking_pipe(&a->pipe_rd, &a->pipe_wr) == 0 &&
		       nonblocking_pipe(&a->stop_rd, &a->stop_wr) == 0
		   ? 0
		   : -1;
}

static int start(struct agent *a)
{
	const struct agent_config *cfg = a->cfg;
	struct diag_list d = {0};
	if (gitsrc_open(&a->git, &cfg->git, &d) != 0)
		goto fail;
	gitsrc_set_cancel_fd(a->git, a->stop_rd);
	/* each account its own state of what was said (one sender each) */
	for (size_t i = 0; i < a->n_accts; i++) {
		if (agent_notify_new(&a->accts[i].notify, cfg->notify, cfg->log,
				     cfg->log_json, cfg->verbosity, &d) != 0)
			goto fail;
		a->accts[i].m.verify_commits = gitsrc_verifies(a->git);
	}
	if (cfg->listen) {
		struct agent_http_config hc = {.listen = cfg->listen,
					       .snapshots = on_snapshots,
					       .hook = on_webhook,
					       .ctx = a};
		if (agent_http_start(&a->http, &hc, &d) != 0)
			goto fail;
	}
	if (load_policy(a) != 0)
		return -1;
	/* multi: an account without its key fails alone, at each cycle */
	if (load_secrets(a) != 0 || (!a->multi && !a->cur->api_key)) {
		if (!a->multi && !a->cur->api_key)
			log_line(a, LOG_ERROR, "no API key");
		return -1;
	}
	if (a->http) {
		const char *colon = strrchr(cfg->listen, ':');
		log_line(a, LOG_INFO, "listening on http://%.*s:%d",
			 (int)(colon - cfg->listen), cfg->listen,
			 agent_http_port(a->http));
	}
	return 0;
fail:
	log_diags(a, &d);
	return -1;
}

/* One account per name of cfg->account_names (multi), else the one. */
static int init_accounts(struct agent *a)
{
	const struct agent_config *cfg = a->cfg;
	a->multi = cfg->n_account_names > 0;
	a->acs = cfg->accounts;
	a->n_accts = a->multi ? cfg->n_account_names : 1;
	if (!(a->accts = calloc(a->n_accts, sizeof(*a->accts))))
		return -1;
	for (size_t i = 0; i < a->n_accts; i++) {
		struct agent_acct *ac = &a->accts[i];
		const char *label = cfg->account;
		ac->api_url = cfg->api_url;
		if (a->multi) {
			label = cfg->account_names[i];
			const struct account *acc =
			    accounts_find(cfg->accounts, label);
			assert(acc); /* the command checked each name */
			if (!(ac->name = str_dup(label)) ||
			    acct_take(a, ac, acc) < 0)
				return -1;
		} else if (cfg->key_source) {
			ac->key_source = str_dup(cfg->key_source);
		}
		if (label)
			snprintf(ac->m.account, sizeof(ac->m.account), "%s",
				 label);
	}
	a->cur = a->multi ? NULL : &a->accts[0];
	return 0;
}

static void accounts_release(struct agent *a)
{
	for (size_t i = 0; a->accts && i < a->n_accts; i++)
		acct_free(&a->accts[i]);
	free(a->accts);
	accounts_free(a->acs_own);
}

int agent_run(const struct agent_config *cfg)
{
	struct agent a;
	int rc = -1;
	memset(&a, 0, sizeof(a));
	a.cfg = cfg;
	a.pipe_rd = a.pipe_wr = a.stop_rd = a.stop_wr = -1;
	stop_requested = 0;
	pthread_mutex_init(&a.lock, NULL);
	if (init_accounts(&a) != 0) {
		log_line(&a, LOG_ERROR, "out of memory");
		goto out;
	}
	if (open_pipe(&a) != 0) {
		log_line(&a, LOG_ERROR, "cannot create a pipe: %s",
			 strerror(errno));
		goto out;
	}
	stop_fd = a.stop_wr;
	wake_fd = a.pipe_wr;
	if (start(&a) != 0)
		goto out;
	char *shown = gitsrc_display_url(cfg->git.url);
	char n[64] = "";
	if (a.multi)
		snprintf(n, sizeof(n), ", %zu accounts", a.n_accts);
	log_line(&a, LOG_INFO,
		 "agent started: %s mode, every %ld ms, repo %s ref %s path "
		 "%s%s",
		 cfg->apply ? "apply" : "detect", cfg->interval_ms,
		 shown ? shown : "?", cfg->git.ref ? cfg->git.ref : "main",
		 cfg->git.path ? cfg->git.path : ".", n);
	free(shown);
	rc = loop(&a);
out:
	wake_fd = -1;
	stop_fd = -1;
	agent_http_stop(a.http);
	gitsrc_free(a.git);
	accounts_release(&a);
	policy_free(a.policy);
	if (a.pipe_rd >= 0)
		close(a.pipe_rd);
	if (a.pipe_wr >= 0)
		close(a.pipe_wr);
	if (a.stop_rd >= 0)
		close(a.stop_rd);
	if (a.stop_wr >= 0)
		close(a.stop_wr);
	pthread_mutex_destroy(&a.lock);
	return rc;
}
