/* The engine on top of the plan: apply's refusals before anything is sent
 * and the guards. Built on the plan tests' harness (plan_fixture.h), with a
 * state directory per test. */
#include <sys/stat.h>
#include <unistd.h>

#include "plan_fixture.h"
#include "reconcile/reconcile.h"
#include "reconcile/state.h"

static int setup_dir(void **st)
{
	setup(st);
	struct fx *f = *st;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_reconcile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	return 0;
}

static int teardown_dir(void **st)
{
	struct fx *f = *st;
	rmdir(f->dir);
	return teardown(st);
}

/* Finding: a state file that cannot be read at apply time stops apply
 * before anything is sent, and the result says so (not "0 of 0"). */
static void test_apply_state_unreadable(void **st)
{
	struct fx *f = *st;
	f->ds->has_registrations = true;
	add_reg(&f->ds->regs, &f->ds->n_regs, NULL, "alice", "pbx.example.com",
		NULL);
	build(f);
	char path[128];
	snprintf(path, sizeof(path), "%s/acme.sip.ultravox.ai.json", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{not json", fp);
	fclose(fp);
	struct reconcile_opts o;
	reconcile_opts_init(&o);
	o.state_dir = f->dir;
	o.api_key = KEY;
	struct reconcile_result r = {0};
	struct diag_list d = {0};
	/* no API client: nothing may be sent */
	assert_int_equal(reconcile_apply(NULL, f->plan, &o, &r, &d), -1);
	assert_true(r.state_unreadable);
	assert_false(r.applied);
	assert_int_equal(r.writes_done, 0);
	assert_int_equal(r.writes_total, 1);
	assert_true(d.len > 0);
	diag_list_clear(&d);
	reconcile_result_release(&r);
	unlink(path);
}

/* Issue 9 item 4 (the plan side is test_plan's): the handler would be
 * sent without secrets, so the guard refuses it unless forced. */
static void test_fallback_secret_guard(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	set_fallback(&ds->sip, "https://new.example.com/hook", NULL);
	set_fallback(&f->live->sip, "https://old.example.com/hook", NULL);
	f->live->sip.fallback.secrets_state = FIELD_UNSET;
	build(f);
	assert_true(f->plan->fallback_secret_regenerated);
	struct reconcile_opts o;
	reconcile_opts_init(&o);
	const char *guard = NULL;
	struct diag_list d = {0};
	assert_int_equal(reconcile_guards(f->plan, &o, &guard, &d), -1);
	assert_string_equal(guard, "fallback-secret");
	diag_list_clear(&d);
	o.force = true;
	assert_int_equal(reconcile_guards(f->plan, &o, &guard, &d), 0);
}

/* Issue 9 item 1, apply side: a plan item whose update body is empty (as
 * an unencodable value once produced) is never sent and records no
 * fingerprint; nothing else of the plan is sent either. */
static void test_apply_refuses_empty_body(void **st)
{
	struct fx *f = *st;
	f->ds->has_registrations = true;
	add_reg(&f->ds->regs, &f->ds->n_regs, NULL, "alice", "pbx.example.com",
		PW_ALICE);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		"pbx.example.com", NULL);
	f->sync_secrets = true;
	build(f);
	assert_int_equal(f->plan->n_items, 1);
	struct plan_item *it = &f->plan->items[0];
	assert_int_equal(it->n_secrets, 1);
	/* what the unencodable value used to leave: PATCH {} */
	free(it->req.body);
	it->req.body = strdup("{}");
	struct reconcile_opts o;
	reconcile_opts_init(&o);
	o.state_dir = f->dir;
	o.api_key = KEY;
	struct reconcile_result r = {0};
	struct diag_list d = {0};
	/* no API client: a request sent would crash the test */
	assert_int_equal(reconcile_apply(NULL, f->plan, &o, &r, &d), -1);
	assert_false(r.applied);
	assert_int_equal(r.writes_done, 0);
	assert_true(d.len > 0);
	assert_non_null(strstr(d.items[0].message, "empty body"));
	diag_list_clear(&d);
	reconcile_result_release(&r);
	struct state_file *saved = NULL;
	assert_int_equal(state_load(&saved, f->dir, "acme.sip.ultravox.ai", &d),
			 0);
	assert_null(state_get(saved, "registration/alice@pbx.example.com/"
				     "password"));
	state_free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_apply_state_unreadable,
					    setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_fallback_secret_guard,
					    setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_apply_refuses_empty_body,
					    setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
