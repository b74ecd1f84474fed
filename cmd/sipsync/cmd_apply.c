/*
 * sipsync apply: make the live account match the desired state (or a
 * saved plan), after the guards and a confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/notify_flags.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/session.h"
#include "reconcile/agent/agent.h"
#include "reconcile/audit.h"
#include "reconcile/base/str.h"
#include "reconcile/core/planfile.h"
#include "reconcile/core/render.h"
#include "reconcile/lock.h"
#include "reconcile/regwait.h"
#include "schema/export.h"

static const char apply_usage[] =
    "usage: sipsync apply [SOURCE | --plan PLAN.json] [--auto-approve]\n"
    "                     [--max-deletes N] [--force] [--sync-secrets]\n"
    "                     [--parallelism N] [--lock-timeout DURATION]\n"
    "                     [--audit-log FILE] [--wait-registrations D]\n"
    "                     [--notify URL] [--max-rps N]\n"
    "\n"
    "Makes the live SIP configuration match the desired state in SOURCE\n"
    "(default .) or git (--repo/--ref/--path), sending only what differs.\n"
    "\n"
    "Options:\n"
    "      --plan FILE           apply a plan saved by 'plan --out'; refused\n"
    "                            when the account, the desired state or a\n"
    "                            secret changed since\n"
    "      --auto-approve        do not ask for confirmation (required when\n"
    "                            stdin is not a terminal)\n"
    "      --max-deletes N       refuse plans deleting more than N "
    "registrations\n"
    "      --force               override the guards (domain, deletes, share "
    "of\n"
    "                            registrations, lock-out) for this run\n"
    "      --sync-secrets        send write-only values that have no record\n"
    "      --parallelism N       requests in flight at most (default 64;\n"
    "                            fewer when the rate needs fewer at the\n"
    "                            measured round trip)\n"
    "      --lock-timeout D      wait up to D (30s, 2m) for another apply of\n"
    "                            the account to finish (default 0: fail at\n"
    "                            once, naming the holder)\n"
    "      --audit-log FILE      append the run to FILE (default\n"
    "                            STATE_DIR/audit.jsonl)\n"
    "      --wait-registrations D  then wait up to D (30s) for the\n"
    "                            registrations created or updated to\n"
    "                            register; exit 1 when one fails\n"
    "      --account NAME / --all  with an accounts file as SOURCE: apply\n"
    "                            these accounts, one after another\n"
    "      --parallel-accounts N apply up to N accounts at once (with\n"
    "                            --auto-approve)\n"
    "      --fail-fast           stop at the first account that fails\n"
    "      --max-rps N           API requests started per second at most\n"
    "                            (default 190, under the API's 200/s per key;\n"
    "                            halved on a 429, grown back "
    "slowly)\n" NOTIFY_FLAGS_HELP "\n"
    "A desired state that says suspend: (a change freeze) is planned, not\n"
    "applied: apply says why and exits 0 (--force applies anyway).\n"
    "\n"
    "Exit codes: 0 applied (or nothing to do), 1 failure or refused, 64 "
    "usage.\n"
    "\n";

enum {
	OPT_PLAN = 2000,
	OPT_AUTO,
	OPT_MAXDEL,
	OPT_SYNC,
	OPT_PAR,
	OPT_LOCK_TIMEOUT,
	OPT_AUDIT_LOG,
	OPT_WAIT_REGS,
	OPT_MAX_RPS
};

struct apply_args {
	struct session s;
	const char *plan_file;
	bool auto_approve;
	long max_deletes;
	bool sync_secrets;
	bool source_given;
	long lock_timeout_ms;
	const char *audit_log;
	long wait_regs_ms;	    /* --wait-registrations, 0: do not wait */
	struct notify_flags notify; /* applied, apply_failed, suspended */
	struct agent_notify *notifier;
};

static int apply_option(void *ctx, int opt, const char *arg)
{
	struct apply_args *a = ctx;
	long v = 0;
	switch (opt) {
	case OPT_PLAN:
		a->plan_file = arg;
		return 0;
	case OPT_AUTO:
		a->auto_approve = true;
		return 0;
	case OPT_MAXDEL:
		return session_parse_long("--max-deletes", arg,
					  &a->max_deletes);
	case OPT_SYNC:
		a->sync_secrets = true;
		return 0;
	case OPT_PAR:
		if (session_parse_range("--parallelism", arg, 1, 64, &v) != 0)
			return -1;
		a->s.parallelism = (int)v;
		return 0;
	case OPT_LOCK_TIMEOUT:
		if (agent_parse_duration(arg, &a->lock_timeout_ms) != 0 &&
		    strcmp(arg, "0") != 0) {
			cli_errorf("--lock-timeout: expected a duration such "
				   "as 30s, 2m or 0");
			return -1;
		}
		if (strcmp(arg, "0") == 0)
			a->lock_timeout_ms = 0;
		return 0;
	case OPT_AUDIT_LOG:
		a->audit_log = arg;
		return 0;
	case OPT_WAIT_REGS:
		if (agent_parse_duration(arg, &a->wait_regs_ms) != 0) {
			cli_errorf("--wait-registrations: expected a duration "
				   "such as 30s or 2m");
			return -1;
		}
		return 0;
	case OPT_MAX_RPS:
		if (session_parse_range("--max-rps", arg, 1, 10000, &v) != 0)
			return -1;
		a->s.max_rps = (double)v;
		return 0;
	}
	return notify_flags_option(&a->notify, opt, arg);
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct apply_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"plan", required_argument, NULL, OPT_PLAN},
	    {"auto-approve", no_argument, NULL, OPT_AUTO},
	    {"max-deletes", required_argument, NULL, OPT_MAXDEL},
	    {"sync-secrets", no_argument, NULL, OPT_SYNC},
	    {"parallelism", required_argument, NULL, OPT_PAR},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"audit-log", required_argument, NULL, OPT_AUDIT_LOG},
	    {"wait-registrations", required_argument, NULL, OPT_WAIT_REGS},
	    {"max-rps", required_argument, NULL, OPT_MAX_RPS},
	    CLI_COMMON_LONGOPTS,
	    NOTIFY_FLAGS_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    MULTI_RUN_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"apply", apply_usage, longopts,
					       1, apply_option};
	a->max_deletes = -1;
	int end = cli_parse_args(&a->s.common, &cmd, a, argc, argv);
	if (end >= 0)
		return end;
	a->source_given = optind < argc;
	if (a->plan_file && (a->source_given || a->s.common.repo)) {
		cli_errorf("apply: give either SOURCE (or --repo) or --plan, "
			   "not both");
		return EXIT_USAGE;
	}
	return notify_flags_finish(&a->notify) == 0 ? -1 : EXIT_USAGE;
}

/* The saved plan names where its desired state came from: load it from
 * there again (git: the same repository and ref). */
static int use_saved_source(struct apply_args *a, const struct saved_plan *sp)
{
	if (sp->source.repo) {
		a->s.common.repo = sp->source.repo;
		a->s.common.ref = sp->source.ref;
		a->s.common.git_path = sp->source.path;
		return 0;
	}
	if (!sp->source.path) {
		cli_errorf("%s: the plan does not say where its desired state "
			   "came from",
			   a->plan_file);
		return -1;
	}
	a->s.common.source = sp->source.path;
	return 0;
}

/* A plan from git must be applied to the commit it was made from. */
static int check_commit(const struct saved_plan *sp,
			const struct desired_state *ds)
{
	if (!sp->source.commit)
		return 0;
	if (ds->source.commit &&
	    strcmp(ds->source.commit, sp->source.commit) == 0)
		return 0;
	cli_errorf("the ref %s moved since the plan was made (plan: %.12s, "
		   "now: %.12s); "
		   "run plan again",
		   sp->source.ref ? sp->source.ref : "?", sp->source.commit,
		   ds->source.commit ? ds->source.commit : "none");
	return -1;
}

/* The labels of the steps not done, for the final report. */
struct step_log {
	char **not_done;
	size_t n;
	size_t refused; /* answered with a 4xx that re-running cannot fix */
};

/* A 4xx the server will answer the same way to the same request: the
 * request itself (the desired state) or the key must change. Not 404
 * (the next plan re-reads and re-plans), 408/409/423/425 (transient) or
 * 429 (rate limit). */
static bool status_needs_change(long status)
{
	return status >= 400 && status < 500 && status != 404 &&
	       status != 408 && status != 409 && status != 423 &&
	       status != 425 && status != 429;
}

static void on_step(void *ctx, const struct reconcile_step *st)
{
	struct step_log *log = ctx;
	if (st->ok)
		printf("  done    %s\n", st->label);
	else if (!st->attempted)
		printf("  skipped %s (%s)\n", st->label,
		       st->error ? st->error : "");
	else
		printf("  FAILED  %s%s\n", st->label,
		       st->status ? "" : " (no response: outcome unknown)");
	fflush(stdout);
	if (st->ok || !log)
		return;
	if (st->attempted && status_needs_change(st->status))
		log->refused++;
	char **v = realloc(log->not_done, (log->n + 1) * sizeof(*v));
	if (!v)
		return;
	log->not_done = v;
	v[log->n] = strdup(st->label);
	if (v[log->n])
		log->n++;
}

static bool confirm(struct apply_args *a)
{
	if (a->auto_approve)
		return true;
	if (!isatty(STDIN_FILENO)) {
		cli_errorf(
		    "refusing to apply without confirmation: not a terminal "
		    "(pass --auto-approve to apply unattended)");
		return false;
	}
	/* stdout may be a pipe (apply | tee log): the question goes to the
	 * person at the terminal, and stdout keeps only the plan and result */
	FILE *tty = isatty(STDOUT_FILENO) ? NULL : fopen("/dev/tty", "w");
	FILE *ask = isatty(STDOUT_FILENO) ? stdout : tty ? tty : stderr;
	fputs("\nApply these changes? Only 'yes' is accepted: ", ask);
	fflush(ask);
	if (tty)
		fclose(tty);
	char line[64] = "";
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, "yes") == 0)
		return true;
	cli_errorf("apply cancelled: nothing was changed");
	return false;
}

static void summary(const struct reconcile_result *r, struct step_log *log,
		    bool ok)
{
	if (r->state_unreadable) {
		printf("\nApply failed: nothing was sent (the state file could "
		       "not be read, or the snapshot of the account not "
		       "saved; the error follows).\n");
		return;
	}
	if (ok) {
		printf("\nApply complete: %zu of %zu changes made.\n",
		       r->writes_done, r->writes_total);
		return;
	}
	if (r->writes_failed == 0) {
		printf("\nApply incomplete: all %zu changes were made, but the "
		       "state file was not saved, so the fingerprints of the "
		       "write-only values sent are not recorded (the next plan "
		       "shows them as unknown; the error follows).\n",
		       r->writes_done);
		return;
	}
	printf("\nApply incomplete: %zu of %zu changes made, %zu not made:\n",
	       r->writes_done, r->writes_total, r->writes_failed);
	for (size_t i = 0; i < log->n; i++)
		printf("  not made: %s\n", log->not_done[i]);
	if (r->state_unsaved)
		printf("The state file was not saved either: the fingerprints "
		       "of the write-only values sent are not recorded.\n");
	if (log->refused == 0) {
		printf("Running apply again makes what is missing (the errors "
		       "follow).\n");
		return;
	}
	printf("%zu of them %s refused by the server (4xx): running apply "
	       "again sends the same request and fails the same way; the "
	       "desired state (or the API key) must change first (the errors "
	       "follow).\n",
	       log->refused, log->refused == 1 ? "was" : "were");
	if (log->refused < r->writes_failed)
		printf("Running apply again makes the others.\n");
}

static void print_wait(const struct regwait *w)
{
	static const char *const word[] = {"unknown", "registered", "FAILED"};
	printf("\nRegistrations (waited %.1f s): %zu registered, %zu failed, "
	       "%zu unknown\n",
	       (double)w->waited_ms / 1000.0, w->up, w->failed, w->unknown);
	for (size_t i = 0; i < w->n; i++)
		printf("  %-10s registration %s%s\n", word[w->v[i].status],
		       w->v[i].key,
		       w->v[i].status == REGWAIT_FAILED ? " (successful: false)"
		       : w->v[i].status == REGWAIT_UNKNOWN ? " (no status yet)"
							   : "");
}

/* --wait-registrations after a complete apply: the exit code. */
static int wait_registrations(struct apply_args *a, const struct plan *p,
			      struct diag_list *d)
{
	struct regwait w;
	int rc = EXIT_FAILURE_;
	if (regwait_from_plan(&w, p) != 0) {
		cli_errorf("out of memory");
		goto out;
	}
	if (w.n == 0) {
		rc = EXIT_OK;
		goto out;
	}
	int wr = regwait_run(a->s.api, &w, a->wait_regs_ms, d);
	print_wait(&w);
	if (wr != 0)
		cli_errorf(
		    "the configuration was applied, but the registrations' "
		    "status could not be read (the error follows)");
	else if (w.failed)
		cli_errorf("%zu registration%s failed to register; the "
			   "configuration was applied (check the password, "
			   "proxy and authUser)",
			   w.failed, w.failed == 1 ? "" : "s");
	else
		rc = EXIT_OK;
out:
	regwait_release(&w);
	return rc;
}

static int load_plan_source(struct apply_args *a, struct saved_plan **sp)
{
	struct diag_list d = {0};
	int rc = planfile_read(sp, a->plan_file, &d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	if (rc != 0 || use_saved_source(a, *sp) != 0)
		return -1;
	/* the saved plan decides what is sent: --sync-secrets cannot add
	 * requests to it, and a plan made with it is applied with it */
	if (a->sync_secrets && !(*sp)->sync_secrets) {
		cli_errorf("%s: the plan was made without --sync-secrets, so "
			   "--sync-secrets cannot apply to it; run plan "
			   "--sync-secrets --out again",
			   a->plan_file);
		return -1;
	}
	if ((*sp)->sync_secrets && !a->sync_secrets)
		cli_infof(NULL,
			  "note: %s was made with --sync-secrets: applying it "
			  "sends write-only values that have no record",
			  a->plan_file);
	a->sync_secrets = (*sp)->sync_secrets;
	return 0;
}

/* The audit record of this run: the log file and where the desired
 * state came from. 0, or -1 (printed). */
static int open_audit(struct apply_args *a, struct audit **out)
{
	const struct source_info *si = &a->s.ds->source;
	struct audit_source src = {
	    .command = "sipsync apply",
	    .path = si->path,
	    .repo = si->repo,
	    .ref = si->ref,
	    .commit = si->commit,
	};
	char *def = NULL;
	const char *log = a->audit_log;
	if (!log) {
		size_t n = strlen(a->s.state_dir) + sizeof("/audit.jsonl");
		def = malloc(n);
		if (def)
			snprintf(def, n, "%s/audit.jsonl", a->s.state_dir);
		log = def;
	}
	int rc = log ? audit_new(out, log, &src) : -1;
	free(def);
	if (rc != 0)
		cli_errorf("out of memory");
	return rc;
}

/* Queues one event for --notify (nothing without it). */
static void apply_notify(struct apply_args *a, enum notify_kind k,
			 const char *summary, const struct plan *p)
{
	const struct desired_state *ds = a->s.ds;
	agent_notify_post(a->notifier, k,
			  p    ? p->live_domain
			  : ds ? ds->domain
			       : NULL,
			  ds ? ds->source.commit : NULL, summary, p,
			  (long long)time(NULL));
}

/* A change freeze (suspend: in the desired state): says why and writes
 * nothing unless --force. True when the apply stops here. */
static bool suspended(struct apply_args *a, const struct plan *p)
{
	const struct desired_state *ds = a->s.ds;
	if (!model_suspended(ds, (long long)time(NULL)))
		return false;
	bool force = a->s.common.force;
	char *why = notify_suspend_text(ds->suspend_reason, ds->suspend_until,
					force ? "applying anyway (--force)"
					      : "nothing applied");
	if (force) {
		cli_warnf("suspended: %s", why ? why : "out of memory");
	} else {
		printf("\nSuspended: %s (apply --force applies anyway).\n",
		       why ? why : "out of memory");
		apply_notify(a, NOTIFY_SUSPENDED, why, p);
	}
	free(why);
	return !force;
}

/* applied, or apply_failed with what was not made. */
static void notify_applied(struct apply_args *a,
			   const struct reconcile_result *r,
			   const struct plan *p, bool ok)
{
	char *why = NULL;
	if (ok) {
		apply_notify(a, NOTIFY_APPLIED, NULL, p);
		return;
	}
	if (r->state_unreadable)
		why = str_dup("nothing was sent: the state file could not be "
			      "read");
	else
		why = str_printf("%zu of %zu changes not made%s",
				 r->writes_failed, r->writes_total,
				 r->state_unsaved ? "; state file not saved"
						  : "");
	apply_notify(a, NOTIFY_APPLY_FAILED, why, p);
	free(why);
}

static int run(struct apply_args *a)
{
	struct diag_list d = {0};
	struct reconcile_opts o;
	struct reconcile_result r = {0};
	struct saved_plan *sp = NULL;
	struct plan *p = NULL;
	struct step_log log = {0};
	struct lock *lk = NULL;
	struct audit *au = NULL;
	struct live_state *live = NULL;
	int rc = EXIT_FAILURE_;
	if (notify_flags_start(&a->notify, &a->s.common, &a->notifier) != 0 ||
	    (a->plan_file && load_plan_source(a, &sp) != 0))
		goto out;
	a->s.default_timeout_ms = SESSION_APPLY_TIMEOUT_MS;
	if (session_load(&a->s) != 0) {
		apply_notify(a, NOTIFY_INVALID_COMMIT,
			     "the desired state does not load; nothing applied",
			     NULL);
		goto out;
	}
	if ((sp && check_commit(sp, a->s.ds) != 0) ||
	    session_open_api(&a->s) != 0 || open_audit(a, &au) != 0)
		goto out;
	session_opts(&a->s, &o);
	o.lock_timeout_ms = a->lock_timeout_ms;
	o.lock_command = "sipsync apply";
	o.audit = au;
	o.export_fn = export_yaml;
	/* one read gives the lock its domain and the plan its account; the
	 * lock is held from there until the state is saved, and the account
	 * read again when another writer held it meanwhile (the plan applied
	 * is made against the account as the previous writer left it) */
	long long read_ms = reconcile_clock_ms();
	if (session_read(&a->s, &live) != 0) {
		apply_notify(a, NOTIFY_APPLY_FAILED,
			     "could not plan; nothing applied", NULL);
		goto out;
	}
	struct live_state *again = NULL;
	if (reconcile_lock_read(a->s.api, &o, live, read_ms, &lk, &again, &d) !=
	    0)
		goto out;
	if (again) {
		model_live_free(live);
		live = again;
	}
	o.live = live;
	o.sync_secrets = a->sync_secrets;
	o.max_deletes = a->max_deletes;
	o.progress = on_step;
	o.progress_ctx = &log;
	if (reconcile_plan(a->s.api, a->s.ds, &o, &p, &d) != 0 ||
	    (sp && planfile_check(sp, p, &d) != 0)) {
		apply_notify(a, NOTIFY_APPLY_FAILED,
			     "could not plan; nothing applied", NULL);
		goto out;
	}
	session_print_plan(&a->s, p, stdout);
	if (suspended(a, p)) {
		rc = EXIT_OK;
		goto out;
	}
	if (reconcile_guards(p, &o, &r.guard, &d) != 0) {
		char *why = str_printf("guard refused: %s; nothing was sent",
				       r.guard ? r.guard : "?");
		apply_notify(a, NOTIFY_APPLY_FAILED, why, p);
		free(why);
		goto out;
	}
	if (!plan_has_changes(p)) {
		rc = EXIT_OK;
		goto out;
	}
	if (!confirm(a))
		goto out;
	api_client_restart_deadline(a->s.api); /* the prompt's time is not
						  the API's */
	printf("\n");
	int ar = reconcile_apply(a->s.api, p, &o, &r, &d);
	summary(&r, &log, ar == 0);
	notify_applied(a, &r, p, ar == 0);
	rc = ar == 0 ? EXIT_OK : EXIT_FAILURE_;
	if (ar == 0 && a->wait_regs_ms > 0)
		rc = wait_registrations(a, p, &d);
out:
	diag_list_sort(&d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	lock_release(lk);
	model_live_free(live);
	audit_free(au);
	notify_flags_stop(a->notifier);
	plan_free(p);
	planfile_free(sp);
	for (size_t i = 0; i < log.n; i++)
		free(log.not_done[i]);
	free(log.not_done);
	return rc;
}

static int apply_account(void *ctx)
{
	struct apply_args *a = ctx;
	int rc = run(a);
	session_close(&a->s);
	return rc;
}

/* An accounts file: every account applied (or refused) on its own. */
static int apply_accounts(struct apply_args *a)
{
	static const struct multi_opts mo = {"applied", MULTI_TEXT, NULL,
					     NULL,	NULL,	    true};
	bool selected =
	    a->s.common.all_accounts || a->s.common.n_account_names > 0;
	if (selected && a->plan_file) {
		cli_errorf("apply: --plan applies one saved plan; give it "
			   "without --account or --all");
		return EXIT_USAGE;
	}
	if (a->s.common.parallel_accounts > 1 && !a->auto_approve) {
		cli_errorf("apply: --parallel-accounts needs --auto-approve "
			   "(accounts applied at once cannot each ask)");
		return EXIT_USAGE;
	}
	return a->plan_file ? -1
			    : multi_run(&a->s.common, &mo, apply_account, a);
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0) {
		notify_flags_release(&a.notify);
		return rc;
	}
	rc = apply_accounts(&a);
	if (rc >= 0) {
		notify_flags_release(&a.notify);
		return rc;
	}
	rc = run(&a);
	session_close(&a.s);
	notify_flags_release(&a.notify);
	return rc;
}
