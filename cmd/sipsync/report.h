/*
 * report: the encoders of validate's and test's output, apart from the
 * commands that choose one: diagnostics as JSON, GitHub workflow
 * annotations or coloured text with a summary; route test results as
 * text, JSON or JUnit XML. Each writes to fp and frees what it allocates.
 */
#ifndef SIPSYNC_REPORT_H
#define SIPSYNC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/probe.h"
#include "reconcile/core/route.h"

/* One "::error file=F,line=L,col=C,title=PATH::message" line per
 * diagnostic (workflow command escaping). */
void report_diags_github(FILE *fp, const struct diag_list *diags);

/* {"valid", "files", "errors", "warnings", "diagnostics": [...]}. */
void report_diags_json(FILE *fp, const struct diag_list *diags, size_t n_files);

/* The compiler-style lines with the severity word in colour. */
void report_diags_colored(FILE *fp, const struct diag_list *diags);

/* "valid: 2 files, 0 errors, 1 warning". */
void report_diags_summary(FILE *fp, const struct diag_list *diags,
			  size_t n_files);

/* One line per failed case (and per passed one when verbose), then
 * "N passed, M failed". */
void report_tests_text(FILE *fp, const struct route_test_result *r, size_t n,
		       bool verbose);

/* A JSON list of the results. 0, or -1 when it could not be built or
 * written (nothing printed about it). */
int report_tests_json(FILE *fp, const struct route_test_result *r, size_t n);

/* A JUnit XML document: one testsuite, one testcase per route test. */
void report_tests_junit(FILE *fp, const struct route_test_result *r, size_t n);

/* One run of the route tests (sipsync test --live runs them twice: on the
 * desired state and on the live account). ok false: it could not run (the
 * reason was printed), r is NULL. */
struct route_test_run {
	bool ok;
	const struct route_test_result *r;
	size_t n;
	const char *domain; /* live: the account's SIP domain */
};

/* {"desired": [results] or null, "live": {"domain": D, "results": [...]
 * or null}}. 0 or -1 as report_tests_json. */
int report_tests_json_live(FILE *fp, const struct route_test_run *desired,
			   const struct route_test_run *live);

/* Two testsuites: "routeTests" and "routeTests on the live account D". */
void report_tests_junit_live(FILE *fp, const struct route_test_run *desired,
			     const struct route_test_run *live);

/* sipsync probe: "PASS LABEL → ANSWER in N ms" or "FAIL LABEL: REASON"
 * per call, then "probe: N passed, M failed (REQUEST)". */
void report_probe_text(FILE *fp, const char *request,
		       const struct probe_result *r, size_t n);

/* {"request", "passed", "failed", "calls": [...]}. 0, or -1 when it could
 * not be built or written. */
int report_probe_json(FILE *fp, const char *request,
		      const struct probe_result *r, size_t n);

/* A JUnit XML document: one testsuite "probe", one testcase per call. */
void report_probe_junit(FILE *fp, const struct probe_result *r, size_t n);

#endif
