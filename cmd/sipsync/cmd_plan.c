/*
 * sipsync plan: compare the desired state with the live account and print
 * what apply would change (text, JSON or markdown); optionally save the
 * plan for `apply --plan`.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "cmd/sipsync/notify_flags.h"
#include "cmd/sipsync/multi.h"
#include "cmd/sipsync/session.h"
#include "reconcile/base/file.h"
#include "reconcile/core/notify.h"
#include "reconcile/core/plan.h"
#include "reconcile/core/render.h"
#include "schema/accounts.h"

static const char plan_usage[] =
    "usage: sipsync plan [SOURCE] [--format text|json|markdown] [--out "
    "PLAN.json]\n"
    "                    [--detailed-exitcode] [--sync-secrets]\n"
    "\n"
    "Reads the live SIP configuration, compares it with the desired state in\n"
    "SOURCE (default .) or git (--repo/--ref/--path), and prints the changes\n"
    "apply would make. Nothing is changed.\n"
    "\n"
    "Options:\n"
    "      --format FORMAT       text (default), json (the saved-plan format)\n"
    "                            or markdown (a pull request comment)\n"
    "      --out FILE            also save the plan as JSON for 'apply "
    "--plan'\n"
    "      --detailed-exitcode   exit 2 when there are changes, 0 when none\n"
    "      --sync-secrets        plan to send write-only values with no "
    "record\n"
    "      --force               plan even when account.domain does not match\n"
    "      --account NAME / --all  with an accounts file as SOURCE: plan\n"
    "                            these accounts (--account repeatable)\n"
    "      --parallel-accounts N plan up to N accounts at once\n"
    "      --fail-fast           stop at the first account that "
    "fails\n" NOTIFY_FLAGS_HELP "\n"
    "Exit codes: 0 ok (no changes with --detailed-exitcode), 1 failure,\n"
    "2 changes present (only with --detailed-exitcode), 64 usage error.\n"
    "\n";

enum pformat { PF_TEXT, PF_JSON, PF_MARKDOWN };
static const char *const format_names[] = {"text", "json", "markdown", NULL};

enum { OPT_FORMAT = 2000, OPT_OUT, OPT_DETAILED, OPT_SYNC };

struct plan_args {
	struct session s;
	enum pformat format;
	const char *out;
	bool detailed;
	bool sync_secrets;
	struct notify_flags notify; /* drift_detected, invalid_commit */
};

static int plan_option(void *ctx, int opt, const char *arg)
{
	struct plan_args *a = ctx;
	int choice;
	switch (opt) {
	case OPT_FORMAT:
		choice = cli_parse_choice("--format", arg, format_names);
		if (choice < 0)
			return CLI_OPT_BAD;
		a->format = (enum pformat)choice;
		return CLI_OPT_TAKEN;
	case OPT_OUT:
		a->out = arg;
		return CLI_OPT_TAKEN;
	case OPT_DETAILED:
		a->detailed = true;
		return CLI_OPT_TAKEN;
	case OPT_SYNC:
		a->sync_secrets = true;
		return CLI_OPT_TAKEN;
	default:
		return notify_flags_option(&a->notify, opt, arg);
	}
}

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct plan_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
	    {"sync-secrets", no_argument, NULL, OPT_SYNC},
	    CLI_COMMON_LONGOPTS,
	    NOTIFY_FLAGS_LONGOPTS,
	    CLI_ACCOUNT_LONGOPTS,
	    MULTI_RUN_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"plan", plan_usage, longopts, 1,
					       plan_option};
	int end = cli_parse_args(&a->s.common, &cmd, a, argc, argv);
	if (end < 0 && notify_flags_finish(&a->notify) != 0)
		return EXIT_USAGE;
	return end;
}

/* The JSON plan of one account of an accounts file, with its name and
 * where each managed field came from (its sources overlay). */
static char *account_json(const struct plan *p, const struct desired_state *ds,
			  const char *account)
{
	char *text = render_json(p), where[600];
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	json_t *src = json_object();
	free(text);
	text = NULL;
	for (size_t i = 0; doc && src && i < ds->n_origins; i++) {
		const struct pos *at = &ds->origins[i].pos;
		snprintf(where, sizeof(where), "%s:%u:%u", at->file, at->line,
			 at->col);
		json_object_set_new(src, ds->origins[i].field,
				    json_string(where));
	}
	if (doc && src) {
		json_object_set_new(doc, "account", json_string(account));
		json_object_set(doc, "sources", src);
		text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	}
	json_decref(src);
	json_decref(doc);
	return text;
}

static int print_plan(struct plan_args *a, const struct plan *p)
{
	char *text = NULL;
	const struct account *acc = a->s.common.account;
	if (a->format == PF_JSON && acc)
		text = account_json(p, a->s.ds, acc->name);
	else if (a->format == PF_JSON)
		text = render_json(p);
	else if (a->format == PF_MARKDOWN)
		text = render_markdown(p, a->s.common.md_limit);
	else
		text = render_text(p, cli_use_color(&a->s.common, stdout));
	if (!text) {
		cli_errorf("out of memory");
		return -1;
	}
	fputs(text, stdout);
	fflush(stdout);
	free(text);
	return 0;
}

/* The other guards do not stop a plan, but say now what apply will refuse. */
static void warn_guards(const struct plan *p, const struct reconcile_opts *o)
{
	struct diag_list g = {0};
	const char *name = NULL;
	if (reconcile_guards(p, o, &name, &g) != 0)
		for (size_t i = 0; i < g.len; i++)
			g.items[i].severity = DIAG_WARNING;
	cli_print_diags(stderr, &g);
	diag_list_clear(&g);
}

/* Says now that apply will write nothing (a change freeze). */
static void warn_suspended(const struct desired_state *ds)
{
	if (!model_suspended(ds, (long long)time(NULL)))
		return;
	char *why =
	    notify_suspend_text(ds->suspend_reason, ds->suspend_until,
				"apply writes nothing (unless --force)");
	cli_warnf("suspended: %s", why ? why : "out of memory");
	free(why);
}

/* A saved plan names a local source by its absolute path, so apply --plan
 * works from any directory (a git source's path is inside the repository
 * already and stays as it is). */
static int absolute_source(struct plan *p)
{
	if (p->source.repo || !p->source.path || p->source.path[0] == '/')
		return 0;
	char *abs = realpath(p->source.path, NULL);
	if (!abs) {
		cli_errorf("%s: %s", p->source.path, strerror(errno));
		return -1;
	}
	free(p->source.path);
	p->source.path = abs;
	return 0;
}

static int run(struct plan_args *a)
{
	struct diag_list d = {0};
	struct reconcile_opts o;
	struct plan *p = NULL;
	struct agent_notify *nt = NULL;
	struct live_state *live = NULL;
	int rc = EXIT_FAILURE_;
	if (notify_flags_start(&a->notify, &a->s.common, &nt) != 0)
		goto out;
	if (session_load(&a->s) != 0) {
		agent_notify_post(nt, NOTIFY_INVALID_COMMIT, NULL, NULL,
				  "the desired state does not load", NULL,
				  (long long)time(NULL));
		goto out;
	}
	if (session_open_api(&a->s) != 0 || session_read(&a->s, &live) != 0)
		goto out;
	session_opts(&a->s, &o);
	o.live = live;
	o.sync_secrets = a->sync_secrets;
	if (reconcile_plan(a->s.api, a->s.ds, &o, &p, &d) != 0)
		goto out;
	/* before printing: --format json shows what --out saves */
	if (a->out && absolute_source(p) != 0)
		goto out;
	if (print_plan(a, p) != 0)
		goto out;
	if (plan_has_changes(p))
		agent_notify_post(nt, NOTIFY_DRIFT_DETECTED, p->live_domain,
				  p->source.commit, NULL, p,
				  (long long)time(NULL));
	if (reconcile_domain_guard(p, &o, &d) != 0)
		goto out;
	warn_guards(p, &o);
	warn_suspended(a->s.ds);
	if (a->out) {
		char *json = render_json(p);
		if (!json) {
			diag_add(&d, DIAG_ERROR, NULL, NULL, "out of memory");
			goto out;
		}
		int w = file_write_atomic(a->out, json, strlen(json), 0644, &d);
		free(json);
		if (w != 0)
			goto out;
	}
	/* an account always says whether it has changes (the summary);
	 * cmd_plan keeps --detailed-exitcode's meaning */
	rc = (a->detailed || a->s.common.account) && plan_has_changes(p)
		 ? EXIT_CHANGES
		 : EXIT_OK;
out:
	diag_list_sort(&d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	plan_free(p);
	model_live_free(live);
	notify_flags_stop(nt);
	return rc;
}

static int plan_account(void *ctx)
{
	struct plan_args *a = ctx;
	int rc = EXIT_USAGE;
	if (a->out)
		cli_errorf("--out saves the plan of one desired state; with an "
			   "accounts file use --format json");
	else
		rc = run(a);
	session_close(&a->s);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	static const enum multi_output outputs[] = {MULTI_TEXT, MULTI_JSON,
						    MULTI_MARKDOWN};
	struct plan_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0) {
		notify_flags_release(&a.notify);
		return rc;
	}
	struct multi_opts mo = {"planned",    outputs[a.format], "plan",
				"no changes", "changes",	 true};
	rc = multi_run(&a.s.common, &mo, plan_account, &a);
	if (rc == EXIT_CHANGES && !a.detailed)
		rc = EXIT_OK;
	if (rc >= 0) {
		notify_flags_release(&a.notify);
		return rc;
	}
	rc = run(&a);
	session_close(&a.s);
	notify_flags_release(&a.notify);
	return rc;
}
