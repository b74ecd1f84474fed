/*
 * multi: one command over the accounts of an accounts file. Output of an
 * account that cannot go straight to the terminal (JSON and markdown are
 * collected; a child process's output would interleave) is captured in a
 * temporary file and shown when the account is done, in account order.
 */
#include "cmd/sipsync/multi.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
	FILE *out, *err; /* captured stdout / stderr, or NULL */
	pid_t pid;	 /* a running child, or 0 */
	int rc;
};

struct multi {
	struct cli_common *c;
	const struct multi_opts *o;
	int (*fn)(void *ctx);
	void *ctx;
	struct slot *slots;
	size_t n;
	bool capture;
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
	char list[2048];
	if (!c->all_accounts && c->n_account_names == 0) {
		list_names(a, list, sizeof(list));
		cli_errorf("%s is an accounts file: pick accounts with "
			   "--account NAME or --all (accounts: %s)",
			   a->file, list);
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

static int open_captures(struct multi *m, bool parallel)
{
	for (size_t i = 0; i < m->n; i++) {
		struct slot *s = &m->slots[i];
		s->rc = -1; /* not run */
		if (m->capture && !(s->out = tmpfile()))
			return -1;
		if (parallel && !(s->err = tmpfile()))
			return -1;
	}
	return 0;
}

static void run_all(struct multi *m)
{
	size_t par =
	    m->c->parallel_accounts > 1 ? (size_t)m->c->parallel_accounts : 1;
	for (size_t i = 0; i < m->n && !stop_now(m, i); i++) {
		struct slot *s = &m->slots[i];
		if (par == 1) {
			if (!s->out)
				header(m, s->acc);
			s->rc = run_here(m, s);
			continue;
		}
		while (running(m) >= par)
			reap_one(m);
		if (stop_now(m, i) || start_child(m, s) != 0)
			break;
	}
	while (running(m) > 0)
		reap_one(m);
}

/* One account's markdown budget: the comment stays under GitHub's limit
 * (with hundreds of accounts each block is cut to its summary). */
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

static void copy_out(FILE *from, FILE *to)
{
	char buf[8192];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
	fflush(to);
}

/* One account's entry of the JSON document; its captured value when it
 * is one (an account that failed before printing has none). */
static json_t *json_entry(const struct multi *m, const struct slot *s)
{
	json_t *e = json_pack("{s:s, s:s, s:i, s:s}", "name", s->acc->name,
			      "domain", s->acc->domain, "exitCode", s->rc,
			      "result", result_word(m, s->rc));
	if (!e || !s->out)
		return e;
	rewind(s->out);
	json_error_t err;
	json_t *v = json_loadf(s->out, 0, &err);
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

static void emit_markdown(const struct multi *m, const struct slot *s)
{
	printf("<details><summary>Account <code>%s</code> (%s): %s"
	       "</summary>\n\n",
	       s->acc->name, s->acc->domain, result_word(m, s->rc));
	if (s->out)
		copy_out(s->out, stdout);
	if (s->rc == EXIT_FAILURE_)
		printf("The plan failed; the job's log says why.\n");
	printf("\n</details>\n\n");
}

static void emit_summary(const struct multi *m)
{
	size_t failed = 0;
	printf("Accounts: %zu", m->n);
	for (size_t i = 0; i < m->n; i++) {
		printf("%s%s %s", i ? ", " : " (", m->slots[i].acc->name,
		       result_word(m, m->slots[i].rc));
		failed += m->slots[i].rc == EXIT_FAILURE_ ||
			  m->slots[i].rc == EXIT_USAGE;
	}
	printf("); %zu %s, %zu failed.\n", m->n - failed, m->o->verb, failed);
}

/* A child's stderr, each line marked with its account. */
static void copy_err(const struct slot *s)
{
	char line[4096];
	rewind(s->err);
	while (fgets(line, sizeof(line), s->err))
		fprintf(stderr, "[%s] %s", s->acc->name, line);
	fflush(stderr);
}

static void emit(const struct multi *m)
{
	if (m->o->output == MULTI_MARKDOWN) {
		printf("### sipsync: %zu accounts\n\n", m->n);
		emit_summary(m);
		putchar('\n');
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct slot *s = &m->slots[i];
		if (s->err)
			copy_err(s);
		if (m->o->output == MULTI_TEXT && s->out) {
			header(m, s->acc);
			copy_out(s->out, stdout);
		} else if (m->o->output == MULTI_MARKDOWN) {
			emit_markdown(m, s);
		}
	}
	if (m->o->output == MULTI_JSON)
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
		if (m->slots[i].out)
			fclose(m->slots[i].out);
		if (m->slots[i].err)
			fclose(m->slots[i].err);
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
	bool parallel = c->parallel_accounts > 1 && m.n > 1;
	m.capture = parallel || o->output != MULTI_TEXT;
	if (o->output == MULTI_MARKDOWN)
		c->md_limit = md_budget(m.n);
	if (open_captures(&m, parallel) != 0) {
		cli_errorf("cannot capture output: %s", strerror(errno));
		rc = EXIT_FAILURE_;
		goto out;
	}
	run_all(&m);
	emit(&m);
	rc = overall(&m);
out:
	slots_free(&m);
	c->accounts = NULL;
	accounts_free(a);
	return rc;
}
