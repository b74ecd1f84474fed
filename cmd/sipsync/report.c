/*
 * report: the machine-readable and coloured reports of validate and test.
 */
#include "cmd/sipsync/report.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/base/format.h"

/* GitHub workflow command escaping: data escapes %, CR, LF; property
 * values also escape : and ,. */
static void gh_escape(FILE *fp, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else
			fputc(*s, fp);
	}
}

void report_diags_github(FILE *fp, const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		const char *kind = d->severity == DIAG_ERROR	 ? "error"
				   : d->severity == DIAG_WARNING ? "warning"
								 : "notice";
		fprintf(fp, "::%s", kind);
		const char *sep = " ";
		if (d->file) {
			fputs(" file=", fp);
			gh_escape(fp, d->file, true);
			fprintf(fp, ",line=%u,col=%u", d->line, d->col);
			sep = ",";
		}
		if (d->path) {
			fprintf(fp, "%stitle=", sep);
			gh_escape(fp, d->path, true);
		}
		fputs("::", fp);
		gh_escape(fp, d->message, false);
		fputc('\n', fp);
	}
}

static json_t *diag_json(const struct diag *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "severity",
			    json_string(diag_severity_name(d->severity)));
	if (d->file) {
		json_object_set_new(o, "file", json_string(d->file));
		json_object_set_new(o, "line", json_integer(d->line));
		json_object_set_new(o, "col", json_integer(d->col));
	}
	if (d->path)
		json_object_set_new(o, "path", json_string(d->path));
	json_object_set_new(o, "message", json_string(d->message));
	return o;
}

void report_diags_json(FILE *fp, const struct diag_list *diags, size_t n_files)
{
	json_t *list = json_array();
	for (size_t i = 0; i < diags->len; i++)
		json_array_append_new(list, diag_json(&diags->items[i]));
	json_t *root = json_object();
	json_object_set_new(root, "valid",
			    json_boolean(!diag_list_has_errors(diags)));
	json_object_set_new(root, "files", json_integer((json_int_t)n_files));
	json_object_set_new(
	    root, "errors",
	    json_integer((json_int_t)diag_list_count(diags, DIAG_ERROR)));
	json_object_set_new(
	    root, "warnings",
	    json_integer((json_int_t)diag_list_count(diags, DIAG_WARNING)));
	json_object_set_new(root, "diagnostics", list);
	json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(root);
}

/* Text lines with the severity word in colour (bold red / bold yellow). */
void report_diags_colored(FILE *fp, const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		char *line = diag_format(d);
		if (!line)
			continue;
		const char *sev = diag_severity_name(d->severity);
		const char *color = d->severity == DIAG_ERROR	  ? "\033[1;31m"
				    : d->severity == DIAG_WARNING ? "\033[1;33m"
								  : "\033[1m";
		/* the severity word is the first one followed by ": " */
		size_t skip = 0;
		if (d->file) {
			char place[64];
			snprintf(place, sizeof(place), ":%u:%u: ", d->line,
				 d->col);
			skip = strlen(d->file) + strlen(place);
		}
		size_t n = strlen(sev);
		if (strlen(line) >= skip + n &&
		    strncmp(line + skip, sev, n) == 0)
			fprintf(fp, "%.*s%s%s\033[0m%s\n", (int)skip, line,
				color, sev, line + skip + n);
		else
			fprintf(fp, "%s\n", line);
		free(line);
	}
}

void report_diags_summary(FILE *fp, const struct diag_list *diags,
			  size_t n_files)
{
	size_t e = diag_list_count(diags, DIAG_ERROR);
	size_t w = diag_list_count(diags, DIAG_WARNING);
	fprintf(fp, "%s: %zu file%s, %zu error%s, %zu warning%s\n",
		e ? "invalid" : "valid", n_files, n_files == 1 ? "" : "s", e,
		e == 1 ? "" : "s", w, w == 1 ? "" : "s");
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

void report_tests_text(FILE *fp, const struct route_test_result *r, size_t n,
		       bool verbose)
{
	size_t passed = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].status == ROUTE_TEST_PASS) {
			passed++;
			if (verbose) {
				char *label = route_test_label(&r[i]);
				char *got = route_decision_describe(&r[i].got);
				fprintf(fp, "ok: %s → %s\n", label ? label : "",
					got ? got : "");
				free(label);
				free(got);
			}
			continue;
		}
		char *line = failure_line(&r[i]);
		fprintf(fp, "%s\n", line ? line : "error: out of memory");
		free(line);
	}
	fprintf(fp, "%zu passed, %zu failed\n", passed, n - passed);
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
		if (g->agent_name)
			json_object_set_new(o, "agentName",
					    json_str_or_null(g->agent_name));
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
	if (o && t->expect_name) /* expect: {agent: NAME} */
		json_object_set_new(
		    o, "expect",
		    json_pack("{s:o}", "agent",
			      json_str_or_null(t->expect_name)));
	return o;
}

/* The list of results, or NULL when out of memory. */
static json_t *results_json(const struct route_test_result *r, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, result_json(&r[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	return list;
}

/* Writes doc (and takes it). 0 or -1. */
static int json_put(FILE *fp, json_t *doc)
{
	int rc = doc && json_dumpf(doc, fp, JSON_INDENT(2)) == 0 ? 0 : -1;
	if (rc == 0)
		fputc('\n', fp);
	json_decref(doc);
	return rc;
}

int report_tests_json(FILE *fp, const struct route_test_result *r, size_t n)
{
	return json_put(fp, results_json(r, n));
}

int report_tests_json_live(FILE *fp, const struct route_test_run *desired,
			   const struct route_test_run *live)
{
	json_t *d =
	    desired->ok ? results_json(desired->r, desired->n) : json_null();
	json_t *l = live->ok ? results_json(live->r, live->n) : json_null();
	return json_put(fp,
			json_pack("{s:o?,s:{s:s,s:o?}}", "desired", d, "live",
				  "domain", live->domain, "results", l));
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

static void junit_case(FILE *fp, const struct route_test_result *r)
{
	const struct route_test *t = r->test;
	char *label = route_test_label(r);
	char *to = route_quote(t->to ? t->to : "", 200);
	fputs("    <testcase classname=\"", fp);
	xml_put(fp, t->pos.file ? t->pos.file : "routeTests");
	fputs("\" name=\"", fp);
	if (t->name) {
		xml_put(fp, t->name);
	} else {
		xml_put(fp, label);
		fputs(": to ", fp);
		xml_put(fp, to);
	}
	fprintf(fp, "\" file=\"");
	xml_put(fp, t->pos.file ? t->pos.file : "");
	fprintf(fp, "\" line=\"%u\"", t->pos.line);
	if (r->status == ROUTE_TEST_PASS) {
		fputs("/>\n", fp);
	} else {
		const char *el =
		    r->status == ROUTE_TEST_FAIL ? "failure" : "error";
		char *line = failure_line(r);
		fprintf(fp, ">\n      <%s type=\"route\" message=\"", el);
		xml_put(fp, r->message);
		fputs("\">", fp);
		xml_put(fp, line);
		fprintf(fp, "</%s>\n    </testcase>\n", el);
		free(line);
	}
	free(label);
	free(to);
}

static void junit_count(const struct route_test_result *r, size_t n,
			size_t *fails, size_t *errors)
{
	for (size_t i = 0; i < n; i++) {
		*fails += r[i].status == ROUTE_TEST_FAIL;
		*errors += r[i].status == ROUTE_TEST_ERROR;
	}
}

/* One testsuite; name is XML-escaped. */
static void junit_suite(FILE *fp, const char *name,
			const struct route_test_result *r, size_t n)
{
	size_t fails = 0, errors = 0;
	junit_count(r, n, &fails, &errors);
	fputs("  <testsuite name=\"", fp);
	xml_put(fp, name);
	fprintf(fp,
		"\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"skipped=\"0\">\n",
		n, fails, errors);
	for (size_t i = 0; i < n; i++)
		junit_case(fp, &r[i]);
	fprintf(fp, "  </testsuite>\n");
}

static void junit_head(FILE *fp, size_t n, size_t fails, size_t errors)
{
	fprintf(fp,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"sipsync route tests\" tests=\"%zu\" "
		"failures=\"%zu\" errors=\"%zu\">\n",
		n, fails, errors);
}

void report_tests_junit(FILE *fp, const struct route_test_result *r, size_t n)
{
	size_t fails = 0, errors = 0;
	junit_count(r, n, &fails, &errors);
	junit_head(fp, n, fails, errors);
	junit_suite(fp, "routeTests", r, n);
	fprintf(fp, "</testsuites>\n");
}

void report_tests_junit_live(FILE *fp, const struct route_test_run *desired,
			     const struct route_test_run *live)
{
	size_t fails = 0, errors = 0;
	char name[200];
	junit_count(desired->r, desired->n, &fails, &errors);
	junit_count(live->r, live->n, &fails, &errors);
	junit_head(fp, desired->n + live->n, fails, errors);
	if (desired->ok)
		junit_suite(fp, "routeTests", desired->r, desired->n);
	snprintf(name, sizeof(name), "routeTests on the live account %s",
		 live->domain);
	if (live->ok)
		junit_suite(fp, name, live->r, live->n);
	fprintf(fp, "</testsuites>\n");
}

/* ---- sipsync probe ---- */

static void probe_timing(FILE *fp, const struct probe_result *r)
{
	if (r->repeat > 1)
		fprintf(fp, " in %ld ms (median of %zu, max %ld ms)", r->p50_ms,
			r->repeat, r->max_ms);
	else
		fprintf(fp, " in %ld ms", r->p50_ms);
}

void report_probe_text(FILE *fp, const char *request,
		       const struct probe_result *r, size_t n)
{
	size_t passed = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].pass) {
			passed++;
			fprintf(fp, "PASS %s \xe2\x86\x92 %s", r[i].label,
				r[i].answer ? r[i].answer : "?");
			probe_timing(fp, &r[i]);
			fputc('\n', fp);
		} else {
			fprintf(fp, "FAIL %s: %s\n", r[i].label, r[i].message);
		}
	}
	fprintf(fp, "\nprobe: %zu passed, %zu failed (%s)\n", passed,
		n - passed, request);
}

static json_t *probe_json(const struct probe_result *r)
{
	const struct route_test *t = r->test;
	json_t *o = json_pack(
	    "{s:o, s:s, s:o, s:s, s:o, s:o, s:I, s:I, s:I}", "index",
	    t ? json_integer((json_int_t)r->index) : json_null(), "label",
	    r->label, "to", json_str_or_null(t ? t->to : NULL), "status",
	    r->pass ? "pass" : "fail", "answer", json_str_or_null(r->answer),
	    "message", json_str_or_null(r->message), "calls",
	    (json_int_t)r->repeat, "p50Ms", (json_int_t)r->p50_ms, "maxMs",
	    (json_int_t)r->max_ms);
	return o;
}

int report_probe_json(FILE *fp, const char *request,
		      const struct probe_result *r, size_t n)
{
	size_t passed = 0;
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		passed += r[i].pass;
		if (json_array_append_new(list, probe_json(&r[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	json_t *doc =
	    list ? json_pack("{s:s, s:I, s:I, s:o}", "request", request,
			     "passed", (json_int_t)passed, "failed",
			     (json_int_t)(n - passed), "calls", list)
		 : NULL;
	if (!doc || json_dumpf(doc, fp, JSON_INDENT(2)) != 0) {
		json_decref(doc);
		return -1;
	}
	fputc('\n', fp);
	json_decref(doc);
	return 0;
}

void report_probe_junit(FILE *fp, const struct probe_result *r, size_t n)
{
	size_t fails = 0;
	for (size_t i = 0; i < n; i++)
		fails += !r[i].pass;
	fprintf(fp,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"sipsync probe\" tests=\"%zu\" "
		"failures=\"%zu\" errors=\"0\">\n"
		"  <testsuite name=\"probe\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"0\">\n",
		n, fails, n, fails);
	for (size_t i = 0; i < n; i++) {
		const struct route_test *t = r[i].test;
		fputs("    <testcase classname=\"", fp);
		xml_put(fp, t && t->pos.file ? t->pos.file : "probe");
		fputs("\" name=\"", fp);
		xml_put(fp, r[i].label);
		fprintf(fp, "\" time=\"%ld.%03ld\"", r[i].p50_ms / 1000,
			r[i].p50_ms % 1000);
		if (r[i].pass) {
			fputs("/>\n", fp);
			continue;
		}
		fputs(">\n      <failure type=\"probe\" message=\"", fp);
		xml_put(fp, r[i].message);
		fputs("\"/>\n    </testcase>\n", fp);
	}
	fprintf(fp, "  </testsuite>\n</testsuites>\n");
}
