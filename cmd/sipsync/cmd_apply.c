/*
 * sipsync apply: make the live account match the desired state (or a
 * saved plan), after the guards and a confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/session.h"
#include "reconcile/agent/agent.h"
#include "reconcile/audit.h"
#include "reconcile/core/planfile.h"
#include "reconcile/core/render.h"
#include "reconcile/lock.h"
#include "schema/export.h"

static const char apply_usage[] =
    "usage: sipsync apply [SOURCE | --plan PLAN.json] [--auto-approve]\n"
    "                     [--max-deletes N] [--force] [--sync-secrets]\n"
    "                     [--parallelism N] [--lock-timeout DURATION]\n"
    "                     [--audit-log FILE] [--max-rps N]\n"
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
    "      --max-rps N           API requests started per second at most\n"
    "                            (default 190, under the API's 200/s per key;\n"
    "                            halved on a 429, grown back slowly)\n"
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
		if (session_parse_long("--parallelism", arg, &v) != 0 ||
		    v < 1 || v > 64) {
			cli_errorf("--parallelism: expected 1..64");
			return -1;
		}
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
	case OPT_MAX_RPS:
		if (session_parse_long("--max-rps", arg, &v) != 0 || v < 1 ||
		    v > 10000) {
			cli_errorf("--max-rps: expected 1..10000");
			return -1;
		}
		a->s.max_rps = (double)v;
		return 0;
	}
	return CLI_OPT_NOT_MINE;
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
	    {"max-rps", required_argument, NULL, OPT_MAX_RPS},
	    CLI_COMMON_LONGOPTS,
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
	return -1;
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
	int rc = EXIT_FAILURE_;
	if (a->plan_file && load_plan_source(a, &sp) != 0)
		goto out;
	a->s.default_timeout_ms = SESSION_APPLY_TIMEOUT_MS;
	if (session_load(&a->s) != 0 ||
	    (sp && check_commit(sp, a->s.ds) != 0) ||
	    session_open_api(&a->s) != 0 || open_audit(a, &au) != 0)
		goto out;
	session_opts(&a->s, &o);
	o.lock_timeout_ms = a->lock_timeout_ms;
	o.lock_command = "sipsync apply";
	o.audit = au;
	o.export_fn = export_yaml;
	/* from before the plan until the state is saved: the plan applied is
	 * made against the account as the previous writer left it */
	if (reconcile_lock(a->s.api, &o, &lk, &d) != 0)
		goto out;
	o.sync_secrets = a->sync_secrets;
	o.max_deletes = a->max_deletes;
	o.progress = on_step;
	o.progress_ctx = &log;
	if (reconcile_plan(a->s.api, a->s.ds, &o, &p, &d) != 0 ||
	    (sp && planfile_check(sp, p, &d) != 0))
		goto out;
	session_print_plan(&a->s, p, stdout);
	if (reconcile_guards(p, &o, &r.guard, &d) != 0)
		goto out;
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
	rc = ar == 0 ? EXIT_OK : EXIT_FAILURE_;
out:
	diag_list_sort(&d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	lock_release(lk);
	audit_free(au);
	plan_free(p);
	planfile_free(sp);
	for (size_t i = 0; i < log.n; i++)
		free(log.not_done[i]);
	free(log.not_done);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	rc = run(&a);
	session_close(&a.s);
	return rc;
}
