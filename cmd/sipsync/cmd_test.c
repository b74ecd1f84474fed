/*
 * sipsync test: run the route tests (routeTests: in the desired state)
 * offline and report them as text, JSON or JUnit XML.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "reconcile/core/route.h"
#include "reconcile/base/format.h"

static const char test_usage[] =
    "usage: sipsync test [SOURCE] [--format text|json|junit]\n"
    "\n"
    "Runs the route tests of the desired state in SOURCE (default .) or in\n"
    "git (--repo/--ref/--path), offline: for each routeTests: case, where a\n"
    "call to `to` would land (allowedAgents in order, allowAllAgents, the\n"
    "fallback handler, else reject), compared with `expect` (an agent id,\n"
    "fallback or reject). Secrets are not resolved.\n"
    "\n"
    "Options:\n"
    "      --format FORMAT       text (default: one line per failure and a\n"
    "                            summary), json (a list of results) or\n"
    "                            junit (JUnit XML), on stdout\n"
    "\n"
    "Exit codes: 0 every case passed (or there is none), 1 a case failed or\n"
    "could not be decided, or the desired state is invalid, 64 usage error.\n"
    "\n";

enum tformat { TF_TEXT, TF_JSON, TF_JUNIT };
static const char *const format_names[] = {"text", "json", "junit", NULL};

enum { OPT_FORMAT = 2000 };

struct test_args {
	struct cli_common common;
	enum tformat format;
};

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct test_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	bool help = false, started = false;
	int opt, choice;
	while ((opt = cli_next_option(&a->common, argc, argv, longopts,
				      &started, &help)) >= 0) {
		if (opt == OPT_FORMAT) {
			choice =
			    cli_parse_choice("--format", optarg, format_names);
			if (choice < 0)
				return EXIT_USAGE;
			a->format = (enum tformat)choice;
		} else {
			return cli_option_error("test", opt, argv);
		}
	}
	return cli_options_end(&a->common, opt, help, test_usage, argc, argv,
			       1);
}

/* The one-line report of a failed case:
 * FILE:LINE:COL: error: routeTests[3] "name": to "…": expected …, got … */
static char *failure_line(const struct route_test_result *r)
{
	struct diag_list d = {0};
	char *label = route_test_label(r);
	char *to = route_quote(r->test->to ? r->test->to : "", 200);
	char *line = NULL;
	if (label && to &&
	    diag_add(&d, DIAG_ERROR, r->test->pos.file ? &r->test->pos : NULL,
		     NULL, "%s: to %s: %s", label, to,
		     r->message ? r->message : "failed") == 0)
		line = diag_format(&d.items[0]);
	diag_list_clear(&d);
	free(label);
	free(to);
	return line;
}

static void print_text(const struct cli_common *c,
		       const struct route_test_result *r, size_t n)
{
	size_t passed = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].status == ROUTE_TEST_PASS) {
			passed++;
			if (c->verbosity > 0) {
				char *label = route_test_label(&r[i]);
				char *got = route_decision_describe(&r[i].got);
				printf("ok: %s → %s\n", label ? label : "",
				       got ? got : "");
				free(label);
				free(got);
			}
			continue;
		}
		char *line = failure_line(&r[i]);
		printf("%s\n", line ? line : "error: out of memory");
		free(line);
	}
	printf("%zu passed, %zu failed\n", passed, n - passed);
}

static const char *status_name(enum route_test_status s)
{
	return s == ROUTE_TEST_PASS   ? "pass"
	       : s == ROUTE_TEST_FAIL ? "fail"
				      : "error";
}

static const char *kind_name(enum route_kind k)
{
	switch (k) {
	case ROUTE_AGENT:
		return "agent";
	case ROUTE_IMPLICIT_AGENT:
		return "implicit_agent";
	case ROUTE_FALLBACK:
		return "fallback";
	default:
		return "reject";
	}
}

/* A JSON string (a quoted, escaped form when s is not valid UTF-8, as a
 * percent-decoded user part may be), or null. */
static json_t *json_str_or_null(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) {
		char *q = route_quote(s, strlen(s));
		j = q ? json_string(q) : NULL;
		free(q);
	}
	return j;
}

static json_t *decision_json(const struct route_decision *g)
{
	json_t *o = json_pack("{s:s, s:o}", "kind", kind_name(g->kind), "user",
			      json_str_or_null(g->user));
	if (o && (g->kind == ROUTE_AGENT || g->kind == ROUTE_IMPLICIT_AGENT)) {
		json_object_set_new(o, "agentId",
				    json_str_or_null(g->agent_id));
		json_object_set_new(o, "pattern", json_str_or_null(g->pattern));
	}
	if (o && g->kind == ROUTE_AGENT) {
		json_object_set_new(o, "allowance",
				    json_integer((json_int_t)g->index));
		json_object_set_new(o, "defaultPattern",
				    json_boolean(g->default_pattern));
	}
	return o;
}

static json_t *result_json(const struct route_test_result *r)
{
	const struct route_test *t = r->test;
	json_t *o = json_pack(
	    "{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:o, s:o}", "index",
	    (json_int_t)r->index, "name", json_str_or_null(t->name), "to",
	    json_str_or_null(t->to), "expect", json_str_or_null(t->expect),
	    "file", json_str_or_null(t->pos.file), "line",
	    (json_int_t)t->pos.line, "col", (json_int_t)t->pos.col, "status",
	    status_name(r->status), "result",
	    r->decided ? decision_json(&r->got) : json_null(), "message",
	    json_str_or_null(r->message));
	return o;
}

static int print_json(const struct route_test_result *r, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, result_json(&r[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	if (!list || json_dumpf(list, stdout, JSON_INDENT(2)) != 0) {
		json_decref(list);
		cli_errorf("test: could not write the JSON report");
		return -1;
	}
	fputc('\n', stdout);
	json_decref(list);
	return 0;
}

/* XML text or attribute value: markup escaped; what XML 1.0 cannot carry
 * (control characters, invalid UTF-8) becomes U+FFFD. */
static void xml_put(FILE *fp, const char *s)
{
	static const char repl[] = "\xef\xbf\xbd";
	for (size_t i = 0; s && s[i];) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c >= 0x80 && (strnlen(s + i, len) < len ||
				  !format_utf8_valid(s + i, len))) {
			fputs(repl, fp);
			i++;
			continue;
		}
		if (c == '&')
			fputs("&amp;", fp);
		else if (c == '<')
			fputs("&lt;", fp);
		else if (c == '>')
			fputs("&gt;", fp);
		else if (c == '"')
			fputs("&quot;", fp);
		else if (c == '\'')
			fputs("&apos;", fp);
		else if (c == '\n' || c == '\t')
			fprintf(fp, "&#%u;", c);
		else if (c < 0x20)
			fputs(repl, fp);
		else
			fwrite(s + i, 1, len, fp);
		i += len;
	}
}

static void junit_case(const struct route_test_result *r)
{
	const struct route_test *t = r->test;
	char *label = route_test_label(r);
	char *to = route_quote(t->to ? t->to : "", 200);
	fputs("    <testcase classname=\"", stdout);
	xml_put(stdout, t->pos.file ? t->pos.file : "routeTests");
	fputs("\" name=\"", stdout);
	if (t->name) {
		xml_put(stdout, t->name);
	} else {
		xml_put(stdout, label);
		fputs(": to ", stdout);
		xml_put(stdout, to);
	}
	printf("\" file=\"");
	xml_put(stdout, t->pos.file ? t->pos.file : "");
	printf("\" line=\"%u\"", t->pos.line);
	if (r->status == ROUTE_TEST_PASS) {
		fputs("/>\n", stdout);
	} else {
		const char *el =
		    r->status == ROUTE_TEST_FAIL ? "failure" : "error";
		char *line = failure_line(r);
		printf(">\n      <%s type=\"route\" message=\"", el);
		xml_put(stdout, r->message);
		fputs("\">", stdout);
		xml_put(stdout, line);
		printf("</%s>\n    </testcase>\n", el);
		free(line);
	}
	free(label);
	free(to);
}

static void print_junit(const struct route_test_result *r, size_t n)
{
	size_t fails = 0, errors = 0;
	for (size_t i = 0; i < n; i++) {
		fails += r[i].status == ROUTE_TEST_FAIL;
		errors += r[i].status == ROUTE_TEST_ERROR;
	}
	printf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"sipsync route tests\" tests=\"%zu\" "
	    "failures=\"%zu\" errors=\"%zu\">\n"
	    "  <testsuite name=\"routeTests\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"%zu\" skipped=\"0\">\n",
	    n, fails, errors, n, fails, errors);
	for (size_t i = 0; i < n; i++)
		junit_case(&r[i]);
	printf("  </testsuite>\n</testsuites>\n");
}

static int report(const struct test_args *a, const struct route_test_result *r,
		  size_t n)
{
	const char *where = a->common.repo ? a->common.repo : a->common.source;
	if (n == 0 && a->format == TF_TEXT) {
		printf("no route tests in %s (add a routeTests: list to the "
		       "desired state)\n",
		       where);
		return 0;
	}
	if (n == 0)
		cli_infof(&a->common, "no route tests in %s", where);
	switch (a->format) {
	case TF_JSON:
		return print_json(r, n);
	case TF_JUNIT:
		print_junit(r, n);
		return 0;
	default:
		print_text(&a->common, r, n);
		return 0;
	}
}

int cmd_test(int argc, char **argv)
{
	struct test_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	struct load_opts opts = {.offline = true, .strict = false};
	struct desired_state *ds = NULL;
	struct route_test_result *r = NULL;
	struct diag_list diags = {0};
	size_t n = 0;
	rc = EXIT_FAILURE_;
	if (cli_load_desired(&a.common, &opts, &ds) != 0)
		goto out;
	if (route_run_tests(ds, &r, &n, &diags) != 0) {
		diag_list_sort(&diags);
		cli_print_diags(stderr, &diags);
		goto out;
	}
	if (report(&a, r, n) != 0 || fflush(stdout) != 0)
		goto out;
	rc = EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (r[i].status != ROUTE_TEST_PASS)
			rc = EXIT_FAILURE_;
out:
	diag_list_clear(&diags);
	route_test_results_free(r, n);
	model_desired_free(ds);
	return rc;
}
