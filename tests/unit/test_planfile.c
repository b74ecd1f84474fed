/* Saved plans: render_json → planfile_parse → planfile_check accepts the
 * same plan and refuses a changed account, changed requests or a changed
 * secret; malformed files are clear errors. Also render details: colour
 * only when asked, JSON fields, no secret anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"
#include "reconcile/core/planfile.h"
#include "reconcile/core/render.h"

#define KEY "k"
#define PW "very-secret-password"

static struct live_state *live_new(const char *cidr)
{
	struct live_state *ls = calloc(1, sizeof(*ls));
	ls->sip.cidrs_state = ls->sip.allow_all_state = ls->sip.agents_state =
	    FIELD_SET;
	ls->sip.fallback_state = FIELD_NULL;
	ls->sip.domain = strdup("a.sip.ultravox.ai");
	ls->sip.cidrs = calloc(1, sizeof(char *));
	ls->sip.cidrs[0] = strdup(cidr);
	ls->sip.n_cidrs = 1;
	return ls;
}

static struct desired_state *desired_new(const char *cidr, const char *pw)
{
	struct desired_state *ds = calloc(1, sizeof(*ds));
	ds->version = 1;
	ds->has_sip = true;
	ds->sip.cidrs_state = FIELD_SET;
	ds->sip.cidrs = calloc(1, sizeof(char *));
	ds->sip.cidrs[0] = strdup(cidr);
	ds->sip.n_cidrs = 1;
	ds->has_registrations = true;
	ds->regs = calloc(1, sizeof(*ds->regs));
	ds->n_regs = 1;
	ds->regs[0].username = strdup("u");
	ds->regs[0].proxy = strdup("p.example.com");
	ds->regs[0].has_password = true;
	ds->regs[0].password.value = strdup(pw);
	ds->source.path = strdup("sip.yaml");
	return ds;
}

static struct plan *make(const char *want, const char *have, const char *pw)
{
	struct desired_state *ds = desired_new(want, pw);
	struct live_state *ls = live_new(have);
	struct plan_input in = {ds, ls, NULL, KEY, false, NULL};
	struct diag_list d = {0};
	struct plan *p = NULL;
	assert_int_equal(plan_build(&p, &in, &d), 0);
	model_desired_free(ds);
	model_live_free(ls);
	return p;
}

static struct saved_plan *save_and_parse(const struct plan *p)
{
	char *json = render_json(p);
	struct saved_plan *sp = NULL;
	struct diag_list d = {0};
	assert_non_null(json);
	assert_null(strstr(json, PW));
	assert_int_equal(planfile_parse(&sp, "p.json", json, &d), 0);
	free(json);
	return sp;
}

static void expect_refusal(const struct saved_plan *sp, const struct plan *p,
			   const char *why)
{
	struct diag_list d = {0};
	assert_int_equal(planfile_check(sp, p, &d), -1);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, why));
	diag_list_clear(&d);
}

static void test_same_plan_accepted(void **st)
{
	(void)st;
	struct plan *p = make("10.0.0.0/8", "192.0.2.0/24", PW);
	struct plan *again = make("10.0.0.0/8", "192.0.2.0/24", PW);
	struct saved_plan *sp = save_and_parse(p);
	struct diag_list d = {0};
	assert_string_equal(sp->source.path, "sip.yaml");
	assert_null(sp->source.commit);
	assert_string_equal(sp->live_domain, "a.sip.ultravox.ai");
	assert_int_equal(planfile_check(sp, again, &d), 0);
	planfile_free(sp);
	plan_free(p);
	plan_free(again);
}

static void test_changes_refused(void **st)
{
	(void)st;
	struct plan *p = make("10.0.0.0/8", "192.0.2.0/24", PW);
	struct saved_plan *sp = save_and_parse(p);
	struct plan *live_moved = make("10.0.0.0/8", "198.51.100.0/24", PW);
	struct plan *desired_moved = make("172.16.0.0/12", "192.0.2.0/24", PW);
	struct plan *secret_moved =
	    make("10.0.0.0/8", "192.0.2.0/24", "another");
	expect_refusal(sp, live_moved,
		       "the account changed since the plan was made");
	expect_refusal(sp, desired_moved,
		       "the desired state or a secret changed");
	expect_refusal(sp, secret_moved,
		       "the desired state or a secret changed");
	planfile_free(sp);
	plan_free(p);
	plan_free(live_moved);
	plan_free(desired_moved);
	plan_free(secret_moved);
}

static void test_malformed(void **st)
{
	(void)st;
	struct saved_plan *sp = NULL;
	struct diag_list d = {0};
	assert_int_equal(planfile_parse(&sp, "x.json", "{not json", &d), -1);
	assert_non_null(strstr(d.items[0].message, "x.json:1:"));
	diag_list_clear(&d);
	assert_int_equal(
	    planfile_parse(&sp, "x.json", "{\"format_version\": 2}", &d), -1);
	assert_non_null(
	    strstr(d.items[0].message, "unsupported plan format_version"));
	diag_list_clear(&d);
	assert_int_equal(
	    planfile_parse(&sp, "x.json", "{\"format_version\": 1}", &d), -1);
	assert_non_null(strstr(d.items[0].message, "not a plan file"));
	diag_list_clear(&d);
	assert_int_equal(planfile_read(&sp, "/nonexistent/plan.json", &d), -1);
	assert_non_null(strstr(d.items[0].message, "/nonexistent/plan.json"));
	diag_list_clear(&d);
	assert_null(sp);
}

static void test_render_colour_and_json(void **st)
{
	(void)st;
	struct plan *p = make("10.0.0.0/8", "192.0.2.0/24", PW);
	char *plain = render_text(p, false), *col = render_text(p, true);
	char *json = render_json(p);
	assert_null(strchr(plain, '\033'));
	assert_non_null(strstr(col, "\033[32m+ 10.0.0.0/8"));
	assert_non_null(strstr(col, "\033[31m- 192.0.2.0/24"));
	assert_non_null(strstr(json, "\"format_version\": 1"));
	assert_non_null(strstr(json, "\"password\": \"<redacted>\""));
	assert_non_null(
	    strstr(json, "\"key\": \"registration/u@p.example.com/password\""));
	assert_null(strstr(json, PW));
	assert_null(strstr(plain, PW));
	char *sum = render_summary(p);
	assert_string_equal(sum,
			    "Plan: 1 to create, 1 to update, 0 to delete.");
	free(sum);
	free(plain);
	free(col);
	free(json);
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_plan_accepted),
	    cmocka_unit_test(test_changes_refused),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_render_colour_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
