/* Plan cases as data (jq's tests/jq.test, curl's tests/data): every folder
 * tests/fixtures/plan/cases/<name>/ is one case, and one cmocka test:
 *
 *   desired.yaml  the desired state, loaded by the real loader
 *   live.json     {"sip": <GET /api/sip body>, "registrations": [<items of
 *                 GET /api/sip/registrations>], "agents": [<items of GET
 *                 /api/agents>] (optional: names shown, `agent: NAME`
 *                 resolved)}, parsed by the API client's own codecs
 *                 (api_parse)
 *   state.json    optional: {"fingerprints": {key: hex}, "values": {key:
 *                 plain value, recorded as its fingerprint}}
 *   args          optional: words; "sync-secrets"
 *   plan.txt      the expected text plan, byte for byte
 *   requests      the expected requests, one line each: METHOD PATH
 *                 [redacted body]
 *   routing.json  the "routing_changes" member of the JSON plan, when the
 *                 plan has one (and only then)
 *
 * A new case needs no C. SIPSYNC_UPDATE_GOLDEN=1 rewrites plan.txt and
 * requests (review the diff). No secret of the desired state may appear in
 * any rendering or request line. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/diag.h"
#include "reconcile/base/file.h"
#include "reconcile/core/fpstore.h"
#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"
#include "reconcile/core/render.h"
#include "schema/agentref.h"
#include "schema/load.h"
#include "schema/source.h"

#define CASES_DIR FIXTURES_DIR "/plan/cases"
#define API_KEY "test-api-key"
#define MAX_FILE ((size_t)1 << 20)

struct pcase {
	char dir[512];
	struct desired_state *ds;
	struct live_state *live;
	struct fpstore *fps;
	struct agent_names names;
	bool sync_secrets;
	struct plan *plan;
};

static char *case_read(const struct pcase *c, const char *name, bool need)
{
	char path[600], *text = NULL;
	size_t len;
	struct diag_list d = {0};
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	int rc = file_read(&text, &len, path, MAX_FILE, &d);
	diag_list_clear(&d);
	if (rc != 0 && need)
		fail_msg("%s: cannot read", path);
	return text;
}

static void print_diags(const struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++) {
		char *m = diag_format(&d->items[i]);
		print_message("%s\n", m ? m : "?");
		free(m);
	}
}

static void load_case_desired(struct pcase *c)
{
	char path[600];
	struct diag_list d = {0};
	struct source *src = NULL;
	snprintf(path, sizeof(path), "%s/desired.yaml", c->dir);
	int rc = source_from_path(&src, path, &d);
	if (rc == 0)
		rc = load_desired(&c->ds, src, NULL, &d);
	source_free(src);
	if (rc != 0) {
		print_diags(&d);
		diag_list_clear(&d);
		fail_msg("%s: does not load", path);
	}
	diag_list_clear(&d); /* warnings (literal secrets) are fine here */
}

static void load_case_live(struct pcase *c)
{
	char *text = case_read(c, "live.json", true), *why = NULL, *next = NULL;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	free(text);
	if (!root)
		fail_msg("%s/live.json:%d: %s", c->dir, err.line, err.text);
	c->live = calloc(1, sizeof(*c->live));
	assert_non_null(c->live);
	char *sip = json_dumps(json_object_get(root, "sip"), JSON_COMPACT);
	json_t *page =
	    json_pack("{s:O,s:n}", "results",
		      json_object_get(root, "registrations"), "next");
	char *regs = page ? json_dumps(page, JSON_COMPACT) : NULL;
	json_decref(page);
	json_decref(root);
	if (!sip || !regs)
		fail_msg("%s/live.json: needs \"sip\" and \"registrations\"",
			 c->dir);
	if (api_parse_sip(sip, strlen(sip), &c->live->sip, &why) != 0 ||
	    api_parse_page(regs, strlen(regs), &c->live->regs, &c->live->n_regs,
			   &next, &why) != 0)
		fail_msg("%s/live.json: %s", c->dir, why ? why : "?");
	free(next);
	free(sip);
	free(regs);
}

/* live.json "agents": the names a plan reads, and `agent: NAME` resolved
 * with them as sipsync plan does. */
static void load_case_agents(struct pcase *c)
{
	char *text = case_read(c, "live.json", true), *why = NULL, *next = NULL;
	json_t *root = json_loads(text, 0, NULL);
	json_t *agents = json_object_get(root, "agents");
	char *page = NULL;
	free(text);
	if (agents) {
		json_t *body =
		    json_pack("{s:O,s:n}", "results", agents, "next");
		page = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!page || api_parse_agents_page(page, strlen(page),
						   &c->names, &next, &why) != 0)
			fail_msg("%s/live.json: agents: %s", c->dir,
				 why ? why : "?");
	}
	json_decref(root);
	free(page);
	struct diag_list d = {0};
	if (agentref_resolve(c->ds, &c->names, &d) != 0) {
		print_diags(&d);
		fail_msg("%s: agent names do not resolve", c->dir);
	}
	diag_list_clear(&d);
}

/* state.json: recorded fingerprints, as hex or as the value they are of. */
static void load_case_state(struct pcase *c)
{
	c->fps = fpstore_new();
	assert_non_null(c->fps);
	char *text = case_read(c, "state.json", false);
	if (!text)
		return;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err), *v;
	free(text);
	if (!root)
		fail_msg("%s/state.json:%d: %s", c->dir, err.line, err.text);
	const char *k;
	json_object_foreach(json_object_get(root, "fingerprints"), k, v)
	    assert_int_equal(fpstore_set(c->fps, k, json_string_value(v)), 0);
	json_object_foreach(json_object_get(root, "values"), k, v)
	{
		char fp[65];
		assert_int_equal(
		    fpstore_fingerprint(API_KEY, json_string_value(v), fp), 0);
		assert_int_equal(fpstore_set(c->fps, k, fp), 0);
	}
	json_decref(root);
}

static void load_case_args(struct pcase *c)
{
	char *text = case_read(c, "args", false);
	for (char *w = text, *end; w && *w; w = end) {
		w += strspn(w, " \t\n");
		end = w + strcspn(w, " \t\n");
		if (end == w)
			break;
		if ((size_t)(end - w) == strlen("sync-secrets") &&
		    strncmp(w, "sync-secrets", (size_t)(end - w)) == 0)
			c->sync_secrets = true;
		else
			fail_msg("%s/args: unknown word %.*s", c->dir,
				 (int)(end - w), w);
	}
	free(text);
}

/* The requests the plan would send, one line each. */
static char *requests_text(const struct plan *p)
{
	struct buf b;
	buf_init(&b, MAX_FILE);
	for (size_t i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];
		buf_addf(&b, "%s %s%s%s\n", request_method_name(it->req.method),
			 it->req.path, it->req.body_redacted ? " " : "",
			 it->req.body_redacted ? it->req.body_redacted : "");
	}
	return buf_take(&b, NULL);
}

/* ---- comparing ------------------------------------------------------- */

struct lines {
	const char **v;
	size_t *len;
	size_t n;
};

static void lines_split(struct lines *l, const char *s)
{
	l->n = 0;
	for (const char *p = s; *p; p++)
		l->n += *p == '\n';
	l->n += *s && s[strlen(s) - 1] != '\n';
	l->v = calloc(l->n + 1, sizeof(*l->v));
	l->len = calloc(l->n + 1, sizeof(*l->len));
	assert_true(l->v && l->len);
	for (size_t i = 0; i < l->n; i++) {
		const char *e = strchr(s, '\n');
		l->v[i] = s;
		l->len[i] = e ? (size_t)(e - s) : strlen(s);
		s = e ? e + 1 : s + l->len[i];
	}
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b,
		    size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->v[i], b->v[j], a->len[i]) == 0;
}

/* A line diff (longest common subsequence; the files are small):
 * " kept", "-expected only", "+actual only". */
static void print_diff(const char *want, const char *got)
{
	struct lines a, b;
	lines_split(&a, want);
	lines_split(&b, got);
	size_t w = b.n + 1;
	size_t *t = calloc((a.n + 1) * w, sizeof(*t));
	assert_non_null(t);
	for (size_t i = a.n; i-- > 0;)
		for (size_t j = b.n; j-- > 0;)
			t[i * w + j] = line_eq(&a, i, &b, j)
					   ? t[(i + 1) * w + j + 1] + 1
				       : t[(i + 1) * w + j] > t[i * w + j + 1]
					   ? t[(i + 1) * w + j]
					   : t[i * w + j + 1];
	size_t i = 0, j = 0;
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && line_eq(&a, i, &b, j)) {
			print_message(" %.*s\n", (int)a.len[i], a.v[i]);
			i++, j++;
		} else if (i < a.n && (j == b.n || t[(i + 1) * w + j] >=
						       t[i * w + j + 1])) {
			print_message("-%.*s\n", (int)a.len[i], a.v[i]);
			i++;
		} else {
			print_message("+%.*s\n", (int)b.len[j], b.v[j]);
			j++;
		}
	}
	free(t);
	free(a.v);
	free(a.len);
	free(b.v);
	free(b.len);
}

/* Compares got with the case's file `name`; true when equal. Prints a diff
 * (--- expected, +++ actual) when not. */
static bool expect_file(const struct pcase *c, const char *name,
			const char *got)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (getenv("SIPSYNC_UPDATE_GOLDEN")) {
		struct diag_list d = {0};
		assert_int_equal(
		    file_write_atomic(path, got, strlen(got), 0644, &d), 0);
		diag_list_clear(&d);
	}
	char *want = case_read(c, name, false);
	bool same = want && strcmp(want, got) == 0;
	if (!same) {
		print_message("--- %s (expected)\n+++ %s (actual)\n", path,
			      name);
		print_diff(want ? want : "", got);
	}
	free(want);
	return same;
}

/* The JSON plan's routing_changes, pretty printed, or NULL when absent. */
static char *routing_json(const char *plan_json)
{
	json_t *root = json_loads(plan_json, 0, NULL);
	assert_non_null(root);
	json_t *r = json_object_get(root, "routing_changes");
	char *s = r ? json_dumps(r, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	if (!s)
		return NULL;
	struct buf b;
	buf_init(&b, MAX_FILE);
	assert_int_equal(buf_addf(&b, "%s\n", s), 0);
	free(s);
	return buf_take(&b, NULL);
}

static bool expect_routing(const struct pcase *c, const char *plan_json)
{
	char *got = routing_json(plan_json);
	bool ok;
	if (got) {
		ok = expect_file(c, "routing.json", got);
	} else {
		char *stale = case_read(c, "routing.json", false);
		ok = !stale;
		if (stale)
			print_message("%s/routing.json: the plan has no "
				      "routing_changes\n",
				      c->dir);
		free(stale);
	}
	free(got);
	return ok;
}

/* ---- secrets --------------------------------------------------------- */

static void no_secret_in(const struct desired_state *ds, const char *what,
			 const char *text)
{
	const struct fallback_handler *f = &ds->sip.fallback;
	for (size_t i = 0; i < f->n_secrets; i++)
		if (f->secrets[i].value && strstr(text, f->secrets[i].value))
			fail_msg("a fallback secret appears in the %s", what);
	for (size_t i = 0; i < ds->n_regs; i++)
		if (ds->regs[i].has_password && ds->regs[i].password.value &&
		    strstr(text, ds->regs[i].password.value))
			fail_msg("a password appears in the %s", what);
}

/* ---- the runner ------------------------------------------------------ */

static void run_case(void **st)
{
	struct pcase *c = *st;
	struct diag_list d = {0};
	load_case_desired(c);
	load_case_live(c);
	load_case_agents(c);
	load_case_state(c);
	load_case_args(c);
	struct plan_input in = {c->ds,	 c->live,	  c->fps,
				API_KEY, c->sync_secrets, &c->names};
	if (plan_build(&c->plan, &in, &d) != 0) {
		print_diags(&d);
		diag_list_clear(&d);
		fail_msg("%s: plan_build failed", c->dir);
	}
	char *text = render_text(c->plan, false);
	char *json = render_json(c->plan);
	char *md = render_markdown(c->plan, 0);
	char *reqs = requests_text(c->plan);
	assert_true(text && json && md && reqs);
	no_secret_in(c->ds, "text plan", text);
	no_secret_in(c->ds, "JSON plan", json);
	no_secret_in(c->ds, "markdown plan", md);
	no_secret_in(c->ds, "requests", reqs);
	bool ok = expect_file(c, "plan.txt", text);
	ok &= expect_file(c, "requests", reqs);
	ok &= expect_routing(c, json);
	free(text);
	free(json);
	free(md);
	free(reqs);
	if (!ok)
		fail_msg("case %s: output differs (diff above)", c->dir);
}

static int case_teardown(void **st)
{
	struct pcase *c = *st;
	plan_free(c->plan);
	model_desired_free(c->ds);
	model_live_free(c->live);
	fpstore_free(c->fps);
	agent_names_release(&c->names);
	c->plan = NULL;
	c->ds = NULL;
	c->live = NULL;
	c->fps = NULL;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case folders, sorted. */
static char **case_names(size_t *n)
{
	DIR *dir = opendir(CASES_DIR);
	char **v = NULL;
	*n = 0;
	if (!dir)
		return NULL;
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.')
			continue;
		v = realloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(dir);
	if (v)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

int main(void)
{
	size_t n = 0;
	char **names = case_names(&n);
	if (n == 0) {
		fprintf(stderr, "%s: no plan cases\n", CASES_DIR);
		return 1;
	}
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	struct pcase *cases = calloc(n, sizeof(*cases));
	if (!tests || !cases)
		return 1;
	for (size_t i = 0; i < n; i++) {
		snprintf(cases[i].dir, sizeof(cases[i].dir), "%s/%s", CASES_DIR,
			 names[i]);
		tests[i].name = names[i];
		tests[i].test_func = run_case;
		tests[i].teardown_func = case_teardown;
		tests[i].initial_state = &cases[i];
	}
	int rc = _cmocka_run_group_tests("plan_cases", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	free(cases);
	return rc;
}
