/*
 * sipsync history: the audit log (every apply: who, what, from where, with
 * what outcome) as a table, newest first, or as JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "reconcile/base/file.h"

static const char history_usage[] =
    "usage: sipsync history [--account DOMAIN] [--audit-log FILE]\n"
    "                       [--format text|json]\n"
    "\n"
    "Prints the audit log that apply and the agent append to, newest\n"
    "first: time, account, actor, outcome, the plan's counts, the writes\n"
    "made and the source.\n"
    "\n"
    "Options:\n"
    "      --account DOMAIN      only the runs on this account\n"
    "      --audit-log FILE      the log to read (default\n"
    "                            STATE_DIR/audit.jsonl)\n"
    "      --format FORMAT       text (default; a table) or json (an array\n"
    "                            of the log's lines)\n"
    "\n"
    "Exit codes: 0 ok (also when there is no log yet), 1 failure, 64 "
    "usage.\n"
    "\n";

enum hformat { HF_TEXT, HF_JSON };
static const char *const format_names[] = {"text", "json", NULL};

enum { OPT_ACCOUNT = 2000, OPT_AUDIT_LOG, OPT_FORMAT };

/* The log is read whole; at ~2 KiB a run this is years of applies. */
#define HISTORY_LOG_LIMIT (256u * 1024 * 1024)

struct history_args {
	struct cli_common common;
	const char *account;
	const char *audit_log;
	enum hformat format;
};

static int history_option(void *ctx, int opt, const char *arg)
{
	struct history_args *a = ctx;
	int choice;
	switch (opt) {
	case OPT_ACCOUNT:
		a->account = arg;
		return CLI_OPT_TAKEN;
	case OPT_AUDIT_LOG:
		a->audit_log = arg;
		return CLI_OPT_TAKEN;
	case OPT_FORMAT:
		choice = cli_parse_choice("--format", arg, format_names);
		if (choice < 0)
			return CLI_OPT_BAD;
		a->format = (enum hformat)choice;
		return CLI_OPT_TAKEN;
	default:
		return CLI_OPT_NOT_MINE;
	}
}

static int parse_args(struct history_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"account", required_argument, NULL, OPT_ACCOUNT},
	    {"audit-log", required_argument, NULL, OPT_AUDIT_LOG},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"history", history_usage,
					       longopts, 0, history_option};
	return cli_parse_args(&a->common, &cmd, a, argc, argv);
}

static const char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

/* "3 done, 1 failed" over the writes of a line. */
static void writes_text(json_t *line, char *buf, size_t len)
{
	size_t done = 0, failed = 0, skipped = 0, i;
	json_t *w;
	json_array_foreach(json_object_get(line, "writes"), i, w)
	{
		const char *o = field(w, "outcome");
		if (strcmp(o, "done") == 0)
			done++;
		else if (strcmp(o, "failed") == 0)
			failed++;
		else
			skipped++;
	}
	snprintf(buf, len, "%zu done", done);
	size_t n = strlen(buf);
	if (failed)
		snprintf(buf + n, len - n, ", %zu failed", failed);
	n = strlen(buf);
	if (skipped)
		snprintf(buf + n, len - n, ", %zu skipped", skipped);
}

static void source_text(json_t *line, char *buf, size_t len)
{
	json_t *src = json_object_get(line, "source");
	const char *repo = json_string_value(json_object_get(src, "repo"));
	const char *commit = json_string_value(json_object_get(src, "commit"));
	if (repo)
		snprintf(buf, len, "%s@%.12s", repo, commit ? commit : "?");
	else
		snprintf(buf, len, "%s", field(src, "path"));
}

static void print_row(json_t *line)
{
	json_t *plan = json_object_get(line, "plan");
	char counts[64], writes[64], source[512];
	snprintf(
	    counts, sizeof(counts), "+%lld ~%lld -%lld",
	    (long long)json_integer_value(json_object_get(plan, "create")),
	    (long long)json_integer_value(json_object_get(plan, "update")),
	    (long long)json_integer_value(json_object_get(plan, "delete")));
	writes_text(line, writes, sizeof(writes));
	source_text(line, source, sizeof(source));
	printf("%-24s  %-28s  %-20s  %-8s  %-12s  %-18s  %s\n",
	       field(line, "time"), field(line, "account"),
	       field(line, "actor"), field(line, "outcome"), counts, writes,
	       source);
}

/* The lines of text that parse and match --account, oldest first; a line
 * that does not parse is reported with its number and skipped. */
static json_t *parse_log(const struct history_args *a, const char *path,
			 char *text)
{
	json_t *rows = json_array();
	unsigned lineno = 0;
	for (char *p = text; rows && p && *p;) {
		char *nl = strchr(p, '\n');
		lineno++;
		if (nl)
			*nl = '\0';
		json_t *j = *p ? json_loads(p, 0, NULL) : NULL;
		if (*p && !json_is_object(j))
			cli_warnf("%s:%u: not an audit line; skipped", path,
				  lineno);
		else if (j && (!a->account || strcasecmp(field(j, "account"),
							 a->account) == 0))
			json_array_append(rows, j);
		json_decref(j);
		p = nl ? nl + 1 : NULL;
	}
	return rows;
}

static void print_rows(const struct history_args *a, json_t *rows)
{
	size_t n = json_array_size(rows);
	if (a->format == HF_JSON) {
		json_t *rev = json_array();
		for (size_t i = n; rev && i > 0; i--)
			json_array_append(rev, json_array_get(rows, i - 1));
		char *s =
		    rev ? json_dumps(rev, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
			: NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(rev);
		return;
	}
	printf("%-24s  %-28s  %-20s  %-8s  %-12s  %-18s  %s\n", "TIME",
	       "ACCOUNT", "ACTOR", "OUTCOME", "PLAN", "WRITES", "SOURCE");
	for (size_t i = n; i > 0; i--)
		print_row(json_array_get(rows, i - 1));
}

static char *default_log(const struct history_args *a)
{
	char *dir = cli_state_dir(&a->common);
	size_t n = dir ? strlen(dir) + sizeof("/audit.jsonl") : 0;
	char *p = dir ? malloc(n) : NULL;
	if (p)
		snprintf(p, n, "%s/audit.jsonl", dir);
	free(dir);
	return p;
}

int cmd_history(int argc, char **argv)
{
	struct history_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	char *path = a.audit_log ? strdup(a.audit_log) : default_log(&a);
	char *text = NULL;
	size_t len = 0;
	struct diag_list d = {0};
	json_t *rows = NULL;
	rc = EXIT_FAILURE_;
	if (!path) {
		cli_errorf("out of memory");
		goto out;
	}
	if (access(path, F_OK) != 0) {
		/* no apply yet: an empty history, not an error */
		text = strdup("");
	} else if (file_read(&text, &len, path, HISTORY_LOG_LIMIT, &d) != 0) {
		cli_print_diags(stderr, &d);
		goto out;
	}
	rows = text ? parse_log(&a, path, text) : NULL;
	if (!rows) {
		cli_errorf("out of memory");
		goto out;
	}
	print_rows(&a, rows);
	rc = EXIT_OK;
out:
	diag_list_clear(&d);
	json_decref(rows);
	free(text);
	free(path);
	return rc;
}
