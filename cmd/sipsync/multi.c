/*
 * multi: one command over the accounts of an accounts file. Output of an
 * account that cannot go straight to the terminal (JSON and markdown are
 * collected; a child process's output would interleave) is captured in a
 * temporary file and shown when the account is done, in account order.
 */
#include "cmd/sipsync/multi.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/str.h"
#include "reconcile/core/render.h"
#include "schema/accounts.h"
#include "schema/source.h"
#include "schema/suggest.h"

/* What markdown around the accounts' own blocks may take. */
#define MULTI_MD_OVERHEAD 512
#define MULTI_MD_PER_ACCOUNT 400

struct slot {
	const struct account *acc;
	FILE *out, *err; /* capturing stdout / stderr while it runs, or NULL */
	char *out_text, *err_text; /* what they captured, once it is done:
				      in memory, so a thousand accounts do
				      not hold a thousand files open */
	pid_t pid;		   /* a running child, or 0 */
	int rc;
};

struct multi {
	struct cli_common *c;
	const struct multi_opts *o;
	int (*fn)(void *ctx);
	void *ctx;
	struct slot *slots;
	size_t n;
	bool capture, parallel;
};

static bool yaml_name(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return (n > 5 && strcmp(p + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(p + n - 4, ".yml") == 0);
}

/* Reads the accounts file c names, if it names one: 1 (and *out), 0 not
 * one, -1 failure (printed). A directory is never an accounts file. */
static int open_accounts(const struct cli_common *c, struct accounts **out)
{
	struct diag_list d = {0};
	struct source *src = NULL;
	struct stat st;
	int rc = 0;
	*out = NULL;
	if (c->repo ? !yaml_name(c->git_path)
		    : stat(c->source ? c->source : ".", &st) != 0 ||
			  !S_ISREG(st.st_mode))
		return 0;
	if (cli_open_source(c, &src, &d) != 0)
		rc = -1;
	else if (accounts_is_file(src))
		rc = accounts_parse(out, src, &d) == 0 ? 1 : -1;
	diag_list_sort(&d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	source_free(src);
	return rc;
}

static void list_names(const struct accounts *a, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < a->n && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "",
				       a->items[i].name);
}

static int unknown_account(const struct accounts *a, const char *name)
{
	const char *names[CLI_MAX_ACCOUNTS + 1];
	size_t k = 0;
	char list[2048];
	for (size_t i = 0; i < a->n && k < CLI_MAX_ACCOUNTS; i++)
		names[k++] = a->items[i].name;
	names[k] = NULL;
	const char *near = suggest_closest(name, names);
	list_names(a, list, sizeof(list));
	if (near)
		cli_errorf("--account: no account '%s' in %s; did you mean "
			   "'%s'?",
			   name, a->file, near);
	else
		cli_errorf("--account: no account '%s' in %s (accounts: %s)",
			   name, a->file, list);
	return EXIT_USAGE;
}

/* The selected accounts, in the file's order. */
static int select_accounts(struct multi *m, const struct accounts *a)
{
	const struct cli_common *c = m->c;
	bool one = m->o->output == MULTI_PLAIN;
	char list[2048];
	if (one && (c->all_accounts || c->n_account_names > 1)) {
		cli_errorf("%s: this command takes one account of %s; pick it "
			   "with --account NAME (run it once per account)",
			   c->all_accounts ? "--all" : "several --account",
			   a->file);
		return EXIT_USAGE;
	}
	if (!c->all_accounts && c->n_account_names == 0) {
		list_names(a, list, sizeof(list));
		cli_errorf("%s is an accounts file: pick %s with "
			   "--account NAME%s (accounts: %s)",
			   a->file, one ? "one" : "accounts",
			   one ? "" : " or --all", list);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < c->n_account_names; i++)
		if (!accounts_find(a, c->account_names[i]))
			return unknown_account(a, c->account_names[i]);
	m->slots = calloc(a->n, sizeof(*m->slots));
	if (!m->slots)
		return EXIT_FAILURE_;
	for (size_t i = 0; i < a->n; i++) {
		bool want = c->all_accounts;
		for (size_t j = 0; j < c->n_account_names && !want; j++)
			want =
			    strcmp(c->account_names[j], a->items[i].name) == 0;
		if (want)
			m->slots[m->n++].acc = &a->items[i];
	}
	return -1;
}

static void header(const struct multi *m, const struct account *acc)
{
	if (m->o->output == MULTI_TEXT)
		printf("=== account %s (%s) ===\n", acc->name, acc->domain);
	fflush(stdout);
}

/* All fp holds (a capture), in memory: "" when empty or past 16 MiB (the
 * account's output is then dropped whole, never cut), NULL when out of
 * memory. Caller frees. */
static char *read_capture(FILE *fp)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	buf_init(&b, 16u << 20);
	if (fp) {
		rewind(fp);
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			if (buf_add(&b, chunk, n) != 0)
				break;
	}
	return buf_take(&b, NULL);
}

/* The account's captures, opened when it starts. 0, or -1 (printed). */
static int slot_open(const struct multi *m, struct slot *s)
{
	if ((m->capture && !(s->out = tmpfile())) ||
	    (m->parallel && !(s->err = tmpfile()))) {
		cli_errorf("account %s: cannot capture output: %s",
			   s->acc->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The account is done: its captures read into memory and closed. */
static void slot_collect(struct slot *s)
{
	if (s->out) {
		s->out_text = read_capture(s->out);
		fclose(s->out);
		s->out = NULL;
	}
	if (s->err) {
		s->err_text = read_capture(s->err);
		fclose(s->err);
		s->err = NULL;
	}
}

/* In this process, stdout into s->out for the account's run. */
static int run_here(struct multi *m, struct slot *s)
{
	int saved = -1;
	fflush(stdout);
	if (s->out) {
		saved = dup(STDOUT_FILENO);
		if (saved < 0 || dup2(fileno(s->out), STDOUT_FILENO) < 0) {
			cli_errorf("cannot capture output: %s",
				   strerror(errno));
			if (saved >= 0)
				close(saved);
			return EXIT_FAILURE_;
		}
	}
	m->c->account = s->acc;
	int rc = m->fn(m->ctx);
	m->c->account = NULL;
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc;
}

/* A child process for the account, its stdout and stderr captured. */
static int start_child(struct multi *m, struct slot *s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		cli_errorf("account %s: fork: %s", s->acc->name,
			   strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(fileno(s->out), STDOUT_FILENO);
		dup2(fileno(s->err), STDERR_FILENO);
		m->c->account = s->acc;
		int rc = m->fn(m->ctx);
		fflush(stdout);
		fflush(stderr);
		_exit(rc & 0xff);
	}
	s->pid = pid;
	return 0;
}

/* Waits for one child; its slot gets the exit code. */
static void reap_one(struct multi *m)
{
	int status = 0;
	pid_t pid;
	while ((pid = wait(&status)) < 0 && errno == EINTR)
		;
	for (size_t i = 0; pid > 0 && i < m->n; i++) {
		if (m->slots[i].pid != pid)
			continue;
		m->slots[i].pid = 0;
		m->slots[i].rc =
		    WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE_;
		slot_collect(&m->slots[i]);
	}
}

static size_t running(const struct multi *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		k += m->slots[i].pid != 0;
	return k;
}

static bool stop_now(const struct multi *m, size_t upto)
{
	if (!m->c->fail_fast)
		return false;
	for (size_t i = 0; i < upto; i++)
		if (m->slots[i].pid == 0 && m->slots[i].rc == EXIT_FAILURE_)
			return true;
	return false;
}

static void run_all(struct multi *m)
{
	size_t par = m->parallel ? (size_t)m->c->parallel_accounts : 1;
	for (size_t i = 0; i < m->n; i++)
		m->slots[i].rc = -1; /* not run */
	for (size_t i = 0; i < m->n && !stop_now(m, i); i++) {
		struct slot *s = &m->slots[i];
		while (par > 1 && running(m) >= par)
			reap_one(m);
		if (par > 1 && stop_now(m, i))
			break;
		if (slot_open(m, s) != 0) {
			slot_collect(s);
			s->rc = EXIT_FAILURE_;
			continue;
		}
		if (par > 1 && start_child(m, s) != 0) {
			slot_collect(s);
			break;
		}
		if (par == 1) {
			if (!s->out)
				header(m, s->acc);
			s->rc = run_here(m, s);
			slot_collect(s);
		}
	}
	while (running(m) > 0)
		reap_one(m);
}

/* One account's markdown budget: an equal share of the comment, at least
 * enough for its head (emit_markdown then keeps the whole comment under
 * GitHub's limit, whatever n). */
static size_t md_budget(size_t n)
{
	size_t per = (RENDER_MARKDOWN_LIMIT - MULTI_MD_OVERHEAD) / n;
	return per > 2 * MULTI_MD_PER_ACCOUNT ? per - MULTI_MD_PER_ACCOUNT
					      : MULTI_MD_PER_ACCOUNT;
}

static const char *result_word(const struct multi *m, int rc)
{
	switch (rc) {
	case -1:
		return "skipped";
	case EXIT_OK:
		return m->o->ok_word ? m->o->ok_word : "ok";
	case EXIT_CHANGES:
		return m->o->changes_word ? m->o->changes_word : "ok";
	default:
		return "failed";
	}
}

/* One account's entry of the JSON document; its captured value when it
 * is one (an account that failed before printing has none). */
static json_t *json_entry(const struct multi *m, const struct slot *s)
{
	json_t *e = json_pack("{s:s, s:s, s:i, s:s}", "name", s->acc->name,
			      "domain", s->acc->domain, "exitCode", s->rc,
			      "result", result_word(m, s->rc));
	if (!e || !s->out_text)
		return e;
	json_error_t err;
	json_t *v = json_loads(s->out_text, 0, &err);
	if (v)
		json_object_set_new(e, m->o->json_key, v);
	return e;
}

static int emit_json(const struct multi *m)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < m->n; i++)
		json_array_append_new(list, json_entry(m, &m->slots[i]));
	json_t *doc = json_pack("{s:o}", "accounts", list);
	char *text =
	    doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text) {
		cli_errorf("out of memory");
		return -1;
	}
	puts(text);
	free(text);
	return 0;
}

/* The summary line: every account's name and result ("Accounts: 2
 * (staging changes, prod failed); 1 planned, 1 failed."), or with names
 * false only the counts of each result. Caller frees; NULL out of memory. */
static char *summary_line(const struct multi *m, bool names)
{
	struct buf b;
	size_t failed = 0, ok = 0, changes = 0, skipped = 0;
	buf_init(&b, SIZE_MAX / 2);
	buf_addf(&b, "Accounts: %zu", m->n);
	for (size_t i = 0; i < m->n; i++) {
		int rc = m->slots[i].rc;
		if (names)
			buf_addf(&b, "%s%s %s", i ? ", " : " (",
				 m->slots[i].acc->name, result_word(m, rc));
		failed += rc == EXIT_FAILURE_ || rc == EXIT_USAGE;
		ok += rc == EXIT_OK;
		changes += rc == EXIT_CHANGES;
		skipped += rc == -1;
	}
	if (!names) {
		const char *word[] = {result_word(m, EXIT_OK),
				      result_word(m, EXIT_CHANGES), "failed",
				      "skipped"};
		size_t count[] = {ok, changes, failed, skipped};
		const char *sep = " (";
		if (strcmp(word[0], word[1]) == 0) { /* "ok" for both */
			count[0] += count[1];
			count[1] = 0;
		}
		for (size_t k = 0; k < 4; k++) {
			if (!count[k])
				continue;
			buf_addf(&b, "%s%zu %s", sep, count[k], word[k]);
			sep = ", ";
		}
	}
	buf_addf(&b, "%s; %zu %s, %zu failed.", m->n ? ")" : "", m->n - failed,
		 m->o->verb, failed);
	return buf_take(&b, NULL);
}

static void emit_summary(const struct multi *m)
{
	char *line = summary_line(m, true);
	if (line)
		puts(line);
	free(line);
}

/* ---- markdown: the whole comment under GitHub's limit -------------------
 * Every account's block in full when they all fit; else every account as
 * one line (its plan's summary), and the accounts with changes or failures
 * in full while room remains; else, when even those lines do not fit, a
 * table of the accounts with changes or failures, as many rows as fit, and
 * how many were cut. Nothing is left out without saying so. */

/* The whole comment, in bytes (GitHub counts characters: never more). */
#define MULTI_MD_LIMIT RENDER_MARKDOWN_LIMIT
/* Kept free for the closing note of a cut comment. */
#define MULTI_MD_NOTE 400

struct md_item {
	char *full; /* the <details> block */
	char *line; /* the one-line form (a list item) */
	char *plan; /* the plan's summary ("Plan: 1 to create, ..."), or NULL */
	bool detail; /* shown in full */
};

/* The account's plan summary, from its markdown ("**Plan: ...**" in the
 * head render_markdown writes). Caller frees; NULL when there is none. */
static char *plan_summary(const char *md)
{
	for (const char *l = md; l && *l;) {
		const char *nl = strchr(l, '\n');
		const char *end =
		    strncmp(l, "**", 2) == 0 ? strstr(l + 2, "**") : NULL;
		if (end && end > l + 2 && (!nl || end < nl))
			return strndup(l + 2, (size_t)(end - l - 2));
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int md_item_fill(const struct multi *m, const struct slot *s,
			struct md_item *it)
{
	const char *word = result_word(m, s->rc);
	const char *md = s->out_text ? s->out_text : "";
	it->plan = s->rc == EXIT_CHANGES ? plan_summary(md) : NULL;
	it->full =
	    str_printf("<details><summary>Account <code>%s</code> (%s): %s"
		       "</summary>\n\n%s%s\n</details>\n\n",
		       s->acc->name, s->acc->domain, word, md,
		       s->rc == EXIT_FAILURE_
			   ? "The plan failed; the job's log says why.\n"
			   : "");
	it->line =
	    str_printf("- `%s` (%s): %s%s%s\n", s->acc->name, s->acc->domain,
		       word, it->plan ? ": " : "",
		       it->plan			? it->plan
		       : s->rc == EXIT_FAILURE_ ? " (the job's log says why)"
						: "");
	return it->full && it->line ? 0 : -1;
}

/* Every account in full, or one line each with the accounts that changed
 * or failed in full while they fit: the number cut to a line, or -1 when
 * the lines alone do not fit in room. */
static long md_choose(const struct multi *m, struct md_item *it, size_t room)
{
	size_t full = 0, lines = 0;
	long cut = 0;
	for (size_t i = 0; i < m->n; i++) {
		full += strlen(it[i].full);
		lines +=
		    strlen(it[i].line) + 1; /* a blank line before a block */
	}
	if (full <= room) {
		for (size_t i = 0; i < m->n; i++)
			it[i].detail = true;
		return 0;
	}
	if (lines + MULTI_MD_NOTE > room)
		return -1;
	size_t left = room - MULTI_MD_NOTE - lines;
	for (size_t i = 0; i < m->n; i++) {
		size_t more = strlen(it[i].full);
		it[i].detail = m->slots[i].rc != EXIT_OK && more <= left;
		if (it[i].detail)
			left -= more;
		else
			cut += m->slots[i].rc != EXIT_OK;
	}
	return cut;
}

static void md_blocks(const struct multi *m, const struct md_item *it, long cut)
{
	bool in_list = false;
	for (size_t i = 0; i < m->n; i++) {
		if (it[i].detail && in_list)
			putchar('\n');
		fputs(it[i].detail ? it[i].full : it[i].line, stdout);
		in_list = !it[i].detail;
	}
	if (in_list)
		putchar('\n');
	if (cut > 0)
		printf("%ld account%s with changes or failures shown by their "
		       "summary only, to keep this comment under GitHub's "
		       "65,535 characters: `sipsync plan --account NAME` "
		       "shows one in full.\n",
		       cut, cut == 1 ? "" : "s");
}

/* When even one line per account does not fit: a table of the accounts
 * that changed or failed, as many as fit, and the count of the rest. */
static void md_table(const struct multi *m, const struct md_item *it,
		     size_t room)
{
	size_t listed = 0, want = 0, clean = 0, used = 0;
	for (size_t i = 0; i < m->n; i++)
		want += m->slots[i].rc != EXIT_OK;
	clean = m->n - want;
	used += (size_t)printf(
	    "Too many accounts for one line each: the %zu with changes or "
	    "failures below, the %zu with no changes not listed.\n\n"
	    "| Account | Result | Plan |\n|---|---|---|\n",
	    want, clean);
	for (size_t i = 0; i < m->n; i++) {
		const struct slot *s = &m->slots[i];
		if (s->rc == EXIT_OK)
			continue;
		char *row = str_printf("| `%s` | %s | %s |\n", s->acc->name,
				       result_word(m, s->rc),
				       it[i].plan ? it[i].plan : "");
		if (!row || used + strlen(row) + MULTI_MD_NOTE > room) {
			free(row);
			break;
		}
		used += strlen(row);
		fputs(row, stdout);
		free(row);
		listed++;
	}
	if (listed < want)
		printf("\n%zu more account%s with changes or failures not "
		       "shown (GitHub's 65,535-character limit): `sipsync "
		       "plan --all` lists every one.\n",
		       want - listed, want - listed == 1 ? "" : "s");
}

static void emit_markdown(const struct multi *m)
{
	struct md_item *it = calloc(m->n ? m->n : 1, sizeof(*it));
	char *head = NULL, *sum = summary_line(m, true);
	/* the names of a thousand accounts would take the comment alone */
	if (sum && strlen(sum) > MULTI_MD_LIMIT / 8) {
		free(sum);
		sum = summary_line(m, false);
	}
	head =
	    sum ? str_printf("### sipsync: %zu accounts\n\n%s\n\n", m->n, sum)
		: NULL;
	bool ok = it && head;
	for (size_t i = 0; ok && i < m->n; i++)
		ok = md_item_fill(m, &m->slots[i], &it[i]) == 0;
	if (!ok) {
		cli_errorf("out of memory");
	} else {
		size_t room = MULTI_MD_LIMIT - strlen(head);
		fputs(head, stdout);
		long cut = md_choose(m, it, room);
		if (cut >= 0)
			md_blocks(m, it, cut);
		else
			md_table(m, it, room);
	}
	for (size_t i = 0; it && i < m->n; i++) {
		free(it[i].full);
		free(it[i].line);
		free(it[i].plan);
	}
	free(it);
	free(head);
	free(sum);
}

/* A child's stderr, each line marked with its account. */
static void copy_err(const struct slot *s)
{
	for (const char *l = s->err_text; l && *l;) {
		const char *nl = strchr(l, '\n');
		int len = (int)(nl ? (size_t)(nl - l) : strlen(l));
		fprintf(stderr, "[%s] %.*s\n", s->acc->name, len, l);
		l = nl ? nl + 1 : NULL;
	}
	fflush(stderr);
}

static void emit(const struct multi *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct slot *s = &m->slots[i];
		if (s->err_text)
			copy_err(s);
		if ((m->o->output == MULTI_TEXT ||
		     m->o->output == MULTI_PLAIN) &&
		    s->out_text) {
			header(m, s->acc);
			fputs(s->out_text, stdout);
		}
	}
	if (m->o->output == MULTI_MARKDOWN)
		emit_markdown(m);
	else if (m->o->output == MULTI_JSON)
		emit_json(m);
	else if (m->o->summary && m->o->output == MULTI_TEXT)
		emit_summary(m);
	fflush(stdout);
}

static int overall(const struct multi *m)
{
	int rc = EXIT_OK;
	for (size_t i = 0; i < m->n; i++) {
		int r = m->slots[i].rc;
		if (r != EXIT_OK && r != EXIT_CHANGES)
			return EXIT_FAILURE_;
		if (r == EXIT_CHANGES)
			rc = EXIT_CHANGES;
	}
	return rc;
}

static void slots_free(struct multi *m)
{
	for (size_t i = 0; i < m->n; i++) {
		slot_collect(&m->slots[i]);
		free(m->slots[i].out_text);
		free(m->slots[i].err_text);
	}
	free(m->slots);
}

int multi_run(struct cli_common *c, const struct multi_opts *o,
	      int (*fn)(void *ctx), void *ctx)
{
	struct multi m = {.c = c, .o = o, .fn = fn, .ctx = ctx};
	struct accounts *a = NULL;
	int found = open_accounts(c, &a);
	if (found < 0)
		return EXIT_FAILURE_;
	if (found == 0) {
		if (!c->all_accounts && c->n_account_names == 0)
			return -1;
		cli_errorf("--account and --all need an accounts file as "
			   "SOURCE (a file with accounts: and no sip:)");
		return EXIT_USAGE;
	}
	c->accounts = a;
	int rc = select_accounts(&m, a);
	if (rc >= 0)
		goto out;
	m.parallel = c->parallel_accounts > 1 && m.n > 1;
	m.capture = m.parallel || o->output == MULTI_JSON ||
		    o->output == MULTI_MARKDOWN;
	if (o->output == MULTI_MARKDOWN)
		c->md_limit = md_budget(m.n);
	run_all(&m);
	emit(&m);
	rc = overall(&m);
out:
	slots_free(&m);
	c->accounts = NULL;
	accounts_free(a);
	return rc;
}
