/* The pure diff: hand-built desired and live models → plan, and what the
 * plan holds beyond its output (bodies with secrets, counters, guards'
 * inputs). Where a case has a golden text it is the plan.txt of the same
 * case in tests/fixtures/plan/cases/ (test_plan_cases runs those folders
 * from files: desired.yaml through the loader), so the two must agree.
 * Run with SIPSYNC_UPDATE_GOLDEN=1 to rewrite the golden files (then
 * review them). It links the core alone: no state directory, no API
 * client. */
#include <jansson.h>

#include "plan_fixture.h"

/* ---- cases
 * ------------------------------------------------------------------- */

/* The DESIGN §3 sample: every kind of change at once. */
static void test_design_sample(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	add_cidr(&ds->sip, "91.200.160.14/32");
	add_cidr(&ds->sip, "203.0.113.0/24");
	add_agent(&ds->sip, AG1, "^(sales|support)$");
	add_agent(&ds->sip, AG2, NULL);
	set_fallback(&ds->sip, "https://hooks.example.com/ultravox/sip",
		     FB_SECRET);
	ds->has_registrations = true;
	ds->prune = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "ultravox-sales",
		"pbx.example.com", PW_ALICE);
	struct registration *bob = add_reg(&ds->regs, &ds->n_regs, NULL, "bob",
					   "pbx.example.com", NULL);
	bob->outbound_proxy_state = FIELD_SET;
	bob->outbound_proxy = strdup("proxy.trunk.com");

	struct live_state *ls = f->live;
	add_cidr(&ls->sip, "91.200.160.14/32");
	add_cidr(&ls->sip, "198.51.100.0/24");
	add_agent(&ls->sip, AG1, "^sales$");
	set_fallback(&ls->sip, "https://hooks.example.com/ultravox/sip",
		     "old-secret");
	add_reg(&ls->regs, &ls->n_regs, "reg_4f2a", "bob", "PBX.example.com",
		NULL);
	add_reg(&ls->regs, &ls->n_regs, "reg_91c0", "old", "pbx.example.com",
		NULL);

	build(f);
	golden(f, "design_sample");
	assert_int_equal(f->plan->creates, 1);
	assert_int_equal(f->plan->updates, 2);
	assert_int_equal(f->plan->deletes, 1);

	const struct plan_item *sip =
	    find_item(f->plan, "acme.sip.ultravox.ai", PLAN_UPDATE);
	assert_non_null(sip);
	assert_string_equal(sip->req.path, "/api/sip");
	assert_non_null(strstr(sip->req.body, FB_SECRET));
	assert_null(strstr(sip->req.body_redacted, FB_SECRET));
	assert_string_equal(
	    sip->req.body_redacted,
	    "{\"allowedAgents\":[{\"agentId\":\"" AG1
	    "\",\"toUserPattern\":\"^(sales|support)$\"},"
	    "{\"agentId\":\"" AG2 "\"}],\"allowedCidrRanges\":[\"91.200.160.14/"
	    "32\",\"203.0.113.0/24\"],"
	    "\"fallbackHandler\":{\"secrets\":[\"<redacted>\"],\"url\":\"https:"
	    "//hooks.example.com/ultravox/sip\"}}");
	const struct plan_item *b =
	    find_item(f->plan, "bob@pbx.example.com", PLAN_UPDATE);
	assert_non_null(b);
	assert_string_equal(b->req.path, "/api/sip/registrations/reg_4f2a");
	assert_string_equal(b->req.body_redacted,
			    "{\"outboundProxy\":\"proxy.trunk.com\"}");
	const struct plan_item *c =
	    find_item(f->plan, "ultravox-sales@pbx.example.com", PLAN_CREATE);
	assert_non_null(c);
	assert_int_equal(c->n_secrets, 1);
	assert_string_equal(
	    c->secrets[0].key,
	    "registration/ultravox-sales@pbx.example.com/password");
	assert_string_equal(c->req.create_key,
			    "ultravox-sales@pbx.example.com");
	const struct plan_item *del =
	    find_item(f->plan, "old@pbx.example.com", PLAN_DELETE);
	assert_non_null(del);
	assert_string_equal(del->reason, "prune");
	assert_string_equal(del->req.path, "/api/sip/registrations/reg_91c0");
}

/* Equal after canonicalisation: host bits, order, duplicates of CIDRs, the
 * default pattern written out live, unmanaged fields. */
static void test_no_changes(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	add_cidr(&ds->sip, "203.0.113.7/24");
	add_cidr(&ds->sip, "10.0.0.1/32");
	add_agent(&ds->sip, AG2, NULL);
	ds->sip.allow_all_state = FIELD_SET;
	ds->sip.allow_all = false;
	struct live_state *ls = f->live;
	add_cidr(&ls->sip, "10.0.0.1/32");
	add_cidr(&ls->sip, "203.0.113.0/24");
	add_cidr(&ls->sip, "10.0.0.1/32");
	add_agent(&ls->sip, AG2, "^agent_" AG2 "$");
	set_fallback(&ls->sip, "https://unmanaged.example.com/", "whatever");
	add_reg(&ls->regs, &ls->n_regs, "reg_1", "x", "p.example.com", NULL);
	build(f);
	assert_false(plan_has_changes(f->plan));
	assert_int_equal(f->plan->n_items, 0);
	golden(f, "no_changes");
}

/* Write-only passwords: no record is a note, not a change; a recorded
 * fingerprint that differs is a change; --sync-secrets sends. */
static void test_password_fingerprints(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "alice", "pbx.example.com",
		PW_ALICE);
	add_reg(&ds->regs, &ds->n_regs, NULL, "bob", "pbx.example.com", PW_BOB);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_a", "alice",
		"pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_b", "bob",
		"pbx.example.com", NULL);

	build(f);
	assert_false(plan_has_changes(f->plan));
	assert_int_equal(f->plan->n_notes, 2);
	golden(f, "password_unknown");

	record_password(f, "alice@pbx.example.com", PW_ALICE);
	record_password(f, "bob@pbx.example.com", "an older password");
	build(f);
	assert_int_equal(f->plan->updates, 1);
	assert_int_equal(f->plan->n_notes, 0);
	const struct plan_item *b =
	    find_item(f->plan, "bob@pbx.example.com", PLAN_UPDATE);
	assert_non_null(b);
	assert_string_equal(b->req.body_redacted,
			    "{\"password\":\"<redacted>\"}");
	assert_non_null(strstr(b->req.body, PW_BOB));
	golden(f, "password_changed");

	fpstore_remove(f->fps, "registration/bob@pbx.example.com/password");
	f->sync_secrets = true;
	build(f);
	assert_int_equal(f->plan->updates, 1);
	golden(f, "password_sync");
}

/* allowedAgents in order: a reorder shows as a move, a removal as such. */
static void test_agents_move(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	add_agent(&ds->sip, AG2, NULL);
	add_agent(&ds->sip, AG1, "^sales$");
	add_agent(&f->live->sip, AG1, "^sales$");
	add_agent(&f->live->sip, AG2, NULL);
	add_agent(&f->live->sip, AG3, "^x$");
	build(f);
	assert_int_equal(f->plan->updates, 1);
	golden(f, "agents_move");
}

/* Duplicates of one identity: noted without prune, deleted with it; the
 * registration that registered successfully is the one kept. */
static void test_duplicates(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "alice", "pbx.example.com", NULL);
	struct registration *newer =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		    "pbx.example.com", NULL);
	newer->created = strdup("2026-03-01T10:00:00Z");
	struct registration *older =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_2", "alice",
		    "PBX.EXAMPLE.COM", NULL);
	older->created = strdup("2026-01-01T10:00:00Z");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_3", "stray",
		"pbx.example.com", NULL);
	/* the file declares alice once: the newer live copy is drift and is
	 * deleted without prune too; stray (undeclared) is left alone */
	build(f);
	assert_true(plan_has_changes(f->plan));
	assert_int_equal(f->plan->deletes, 1);
	assert_int_equal(f->plan->reg_dup_deletes, 1);
	const struct plan_item *extra =
	    find_item(f->plan, "alice@pbx.example.com", PLAN_DELETE);
	assert_non_null(extra);
	assert_string_equal(extra->id, "reg_1");
	assert_string_equal(extra->reason, "duplicate");
	assert_int_equal(f->plan->n_notes, 0);
	golden(f, "duplicates_declared");
	ds->prune = true;
	build(f);
	assert_int_equal(f->plan->deletes, 2);
	const struct plan_item *dup =
	    find_item(f->plan, "alice@pbx.example.com", PLAN_DELETE);
	assert_non_null(dup);
	assert_string_equal(dup->id, "reg_1");
	assert_string_equal(dup->reason, "duplicate");
	assert_null(dup->forget_key);
	golden(f, "duplicates_pruned");
}

/* One CIDR added: one PATCH holding only allowedCidrRanges. */
static void test_minimal_body(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	add_cidr(&ds->sip, "10.0.0.0/8");
	add_cidr(&ds->sip, "192.0.2.1/32");
	ds->sip.allow_all_state = FIELD_SET;
	add_cidr(&f->live->sip, "10.0.0.0/8");
	build(f);
	assert_int_equal(f->plan->n_items, 1);
	assert_string_equal(
	    f->plan->items[0].req.body,
	    "{\"allowedCidrRanges\":[\"10.0.0.0/8\",\"192.0.2.1/32\"]}");
	golden(f, "one_cidr");
}

/* Fallback handler: removed with null; url change keeps the live secrets
 * when the desired state does not manage them; lock-out detected. */
static void test_fallback_and_lockout(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	set_fallback(&ds->sip, "https://new.example.com/hook", NULL);
	set_fallback(&f->live->sip, "https://old.example.com/hook", FB_SECRET);
	build(f);
	const struct plan_item *it = &f->plan->items[0];
	assert_non_null(strstr(it->req.body, FB_SECRET));
	assert_string_equal(it->req.body_redacted,
			    "{\"fallbackHandler\":{\"secrets\":[\"<redacted>\"]"
			    ",\"url\":\"https://new.example.com/hook\"}}");
	assert_false(f->plan->lockout);
	golden(f, "fallback_url");

	model_sip_release(&ds->sip);
	ds->sip.fallback_state = FIELD_NULL;
	ds->sip.cidrs_state = FIELD_SET;
	add_cidr(&f->live->sip, "10.0.0.0/8");
	build(f);
	assert_true(f->plan->lockout);
	assert_string_equal(
	    f->plan->items[0].req.body_redacted,
	    "{\"allowedCidrRanges\":[],\"fallbackHandler\":null}");
	golden(f, "fallback_removed");
}

/* Fallback secrets the live state does not return: compared through the
 * recorded fingerprint; no record is a note unless the url changes too
 * (the handler object is sent whole). */
static void test_fallback_write_only(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	set_fallback(&ds->sip, "https://h.example.com/a", FB_SECRET);
	set_fallback(&f->live->sip, "https://h.example.com/a", NULL);
	f->live->sip.fallback.secrets_state = FIELD_UNSET;
	build(f);
	assert_false(plan_has_changes(f->plan));
	assert_int_equal(f->plan->n_notes, 1);
	assert_string_equal(f->plan->notes[0].text, "unknown (write-only)");
	golden(f, "fallback_unknown");

	const struct plan_item *it = NULL;
	free(f->live->sip.fallback.url);
	f->live->sip.fallback.url = strdup("https://h.example.com/old");
	build(f);
	assert_int_equal(f->plan->n_notes, 0);
	it = &f->plan->items[0];
	assert_int_equal(it->n_secrets, 1);
	assert_non_null(strstr(it->req.body, FB_SECRET));
	golden(f, "fallback_unknown_url");

	char fp[65];
	assert_int_equal(fpstore_fingerprint(KEY, "[\"" FB_SECRET "\"]", fp),
			 0);
	assert_int_equal(fpstore_set(f->fps, PLAN_FALLBACK_SECRETS_KEY, fp), 0);
	free(f->live->sip.fallback.url);
	f->live->sip.fallback.url = strdup("https://h.example.com/a");
	build(f);
	assert_false(plan_has_changes(f->plan));
	assert_int_equal(f->plan->n_notes, 0);
	assert_int_equal(
	    fpstore_set(f->fps, PLAN_FALLBACK_SECRETS_KEY,
			"0000000000000000000000000000000000000000000"
			"000000000000000000000"),
	    0);
	build(f);
	assert_int_equal(f->plan->updates, 1);
	assert_string_equal(
	    f->plan->items[0].changes[0].text,
	    "fallbackHandler.secrets: (sensitive value changed)");
}

/* The live fingerprint ignores volatile fields and order of CIDRs but not
 * a changed value. */
static void test_live_fingerprint(void **st)
{
	struct fx *f = *st;
	char a[65], b[65], c[65];
	add_cidr(&f->live->sip, "10.0.0.0/8");
	add_cidr(&f->live->sip, "192.0.2.0/24");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "x", "p", NULL);
	assert_int_equal(plan_live_fingerprint(f->live, KEY, a), 0);
	f->live->regs[0].successful = 1;
	char *t = f->live->sip.cidrs[0];
	f->live->sip.cidrs[0] = f->live->sip.cidrs[1];
	f->live->sip.cidrs[1] = t;
	assert_int_equal(plan_live_fingerprint(f->live, KEY, b), 0);
	assert_string_equal(a, b);
	free(f->live->regs[0].proxy);
	f->live->regs[0].proxy = strdup("q");
	assert_int_equal(plan_live_fingerprint(f->live, KEY, c), 0);
	assert_string_not_equal(a, c);
	char *canon = plan_live_canonical_json(f->live, KEY);
	assert_null(strstr(canon, "successful"));
	free(canon);
}

/* The canonical JSON is written without a tree of the registrations, so
 * prove it is exactly what jansson dumps: parsed and dumped again with
 * sorted keys it is the same bytes, and its registrations are the objects
 * json_pack made before (awkward strings, a missing value, ids out of
 * order). */
static void test_canonical_json_is_janssons(void **st)
{
	struct fx *f = *st;
	add_cidr(&f->live->sip, "192.0.2.0/24");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_b", "q\"uo\\te",
		"p\x01x\t/\xc3\xa9\xe2\x82\xac", NULL);
	struct registration *r =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_a",
		    "u\xf0\x9f\x93\x9e", "p", NULL);
	r->auth_user = strdup("</script>\u2028");
	r->outbound_proxy = strdup("");
	char *canon = plan_live_canonical_json(f->live, KEY);
	assert_non_null(canon);
	json_error_t err;
	json_t *parsed = json_loads(canon, 0, &err);
	assert_non_null(parsed);
	char *again = json_dumps(parsed, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(canon, again);
	json_t *want = json_array();
	for (int i = 1; i >= 0; i--) {
		struct registration *g = &f->live->regs[i];
		json_array_append_new(
		    want,
		    json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?}", "registrationId",
			      g->id, "username", g->username, "proxy", g->proxy,
			      "outboundProxy", g->outbound_proxy, "authUser",
			      g->auth_user));
	}
	assert_int_equal(json_array_size(want), 2);
	assert_true(json_equal(json_object_get(parsed, "registrations"), want));
	assert_string_equal(
	    json_string_value(json_object_get(parsed, "domain")),
	    "acme.sip.ultravox.ai");
	json_decref(want);
	json_decref(parsed);
	free(again);
	free(canon);
}

/* Markdown stays under the limit and says when it cut. */
static void test_markdown_truncation(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	for (int i = 0; i < 3000; i++) {
		char u[32];
		snprintf(u, sizeof(u), "user%04d", i);
		add_reg(&ds->regs, &ds->n_regs, NULL, u, "pbx.example.com",
			NULL);
	}
	build(f);
	char *md = render_markdown(f->plan, 0);
	assert_true(strlen(md) <= RENDER_MARKDOWN_LIMIT);
	assert_non_null(strstr(md, "truncated"));
	assert_non_null(
	    strstr(md, "Plan: 3000 to create, 0 to update, 0 to delete."));
	assert_non_null(strstr(md, "</details>"));
	free(md);
	char *small = render_markdown(f->plan, 100000000);
	assert_null(strstr(small, "truncated"));
	free(small);
}

/* Finding: a listing that holds one registrationId twice must never make
 * the kept registration a "duplicate" to delete (prune: true). */
static void test_repeated_id_never_deleted(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	ds->prune = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "alice", "pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		"pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		"pbx.example.com", NULL);
	build(f);
	assert_int_equal(f->plan->deletes, 0);
	assert_int_equal(f->plan->n_items, 0);
	assert_int_equal(f->plan->n_notes, 0);
	/* a real duplicate among repeats is deleted once, the kept one never */
	struct registration *r2 =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_2", "alice",
		    "pbx.example.com", NULL);
	r2->created = strdup("2026-05-01T00:00:00Z");
	f->live->regs[0].created = strdup("2026-01-01T00:00:00Z");
	f->live->regs[1].created = strdup("2026-01-01T00:00:00Z");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_2", "alice",
		"pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_9", "stray",
		"pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_9", "stray",
		"pbx.example.com", NULL);
	build(f);
	assert_int_equal(f->plan->deletes, 2);
	for (size_t i = 0; i < f->plan->n_items; i++) {
		assert_int_equal(f->plan->items[i].action, PLAN_DELETE);
		assert_string_not_equal(f->plan->items[i].id, "reg_1");
	}
	assert_string_not_equal(f->plan->items[0].id, f->plan->items[1].id);
}

/* A listing that repeats ids in random order (pages that overlapped): the
 * first listed entry of each id is the one kept, whatever the order, so
 * with prune every id is deleted exactly once, in list order. The expected
 * set is found the slow way, each entry against all earlier ones. */
static void test_repeated_ids_random_order(void **st)
{
	struct fx *f = *st;
	enum { N = 300, POOL = 97 };
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	ds->prune = true;
	unsigned x = 17;
	for (int j = 0; j < N; j++) {
		char id[16], user[16];
		x = x * 1103515245u + 12345u; /* a fixed pseudo-random order */
		snprintf(id, sizeof(id), "reg_%02u", (x >> 16) % POOL);
		snprintf(user, sizeof(user), "u%03d", j);
		add_reg(&f->live->regs, &f->live->n_regs, id, user,
			"pbx.example.com", NULL);
	}
	build(f);
	size_t k = 0;
	for (size_t j = 0; j < f->live->n_regs; j++) {
		bool first = true;
		for (size_t i = 0; i < j && first; i++)
			first = strcmp(f->live->regs[i].id,
				       f->live->regs[j].id) != 0;
		if (!first)
			continue;
		assert_true(k < f->plan->n_items);
		const struct plan_item *it = &f->plan->items[k++];
		char *key = model_registration_key(&f->live->regs[j]);
		assert_int_equal(it->action, PLAN_DELETE);
		assert_string_equal(it->id, f->live->regs[j].id);
		assert_string_equal(it->key, key);
		free(key);
	}
	assert_true(k > 50 && k <= POOL); /* the pool was mostly drawn */
	assert_int_equal(f->plan->n_items, k);
	assert_int_equal(f->plan->deletes, k);
}

/* Finding: an uppercase agentId with the default pattern converges with
 * the lowercase id the API returns. */
static void test_uppercase_agent_id(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	const char *upper = "0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14";
	char *pat = model_default_pattern(upper);
	assert_string_equal(pat, "^agent_" AG1 "$");
	free(pat);
	ds->has_sip = true;
	add_agent(&ds->sip, upper, NULL);
	add_agent(&f->live->sip, AG1, "^agent_" AG1 "$");
	build(f);
	assert_false(plan_has_changes(f->plan));
	/* the live side written in uppercase converges too */
	free(f->live->sip.agents[0].agent_id);
	f->live->sip.agents[0].agent_id = strdup(upper);
	free(f->live->sip.agents[0].to_user_pattern);
	f->live->sip.agents[0].to_user_pattern = NULL;
	build(f);
	assert_false(plan_has_changes(f->plan));
}

/* Finding: a live allowedAgents list longer than any desired one (the API
 * returns what it has) is planned, not "out of memory". */
static void test_many_live_agents(void **st)
{
	struct fx *f = *st;
	f->ds->has_sip = true;
	add_agent(&f->ds->sip, AG1, NULL);
	for (int i = 0; i < 120; i++) {
		char id[40];
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", i);
		add_agent(&f->live->sip, id, NULL);
	}
	add_agent(&f->live->sip, AG1, NULL);
	build(f);
	assert_int_equal(f->plan->n_items, 1);
	assert_int_equal(f->plan->items[0].n_changes, 120); /* removes */
	assert_non_null(strstr(f->plan->items[0].req.body, AG1));
}

/* Finding: the duplicate kept does not depend on `successful` (a volatile
 * field left out of the live fingerprint), so a saved plan still matches. */
static void test_primary_ignores_successful(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	ds->prune = true;
	struct registration *d = add_reg(&ds->regs, &ds->n_regs, NULL, "alice",
					 "pbx.example.com", NULL);
	d->auth_user_state = FIELD_SET;
	d->auth_user = strdup("alice-auth");
	struct registration *a =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_b", "alice",
		    "pbx.example.com", NULL);
	a->created = strdup("2026-02-01T00:00:00Z");
	a->successful = 1;
	struct registration *b =
	    add_reg(&f->live->regs, &f->live->n_regs, "reg_a", "alice",
		    "pbx.example.com", NULL);
	b->created = strdup("2026-01-01T00:00:00Z");
	b->successful = 0;
	build(f);
	char *first = strdup(f->plan->live_fingerprint);
	const struct plan_item *del =
	    find_item(f->plan, "alice@pbx.example.com", PLAN_DELETE);
	assert_non_null(del);
	assert_string_equal(del->id, "reg_b"); /* the older one is kept */
	f->live->regs[0].successful = 0;
	f->live->regs[1].successful = 1;
	build(f);
	/* the same change and live fingerprint; only the health note (about
	 * the kept registration, see test_registration_health) may differ */
	del = find_item(f->plan, "alice@pbx.example.com", PLAN_DELETE);
	assert_non_null(del);
	assert_string_equal(del->id, "reg_b");
	assert_string_equal(first, f->plan->live_fingerprint);
	free(first);
}

/* Finding: live strings cannot forge plan lines: control characters are
 * escaped in everything the text plan prints. */
static void test_live_control_chars(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	ds->prune = true;
	ds->has_sip = true;
	ds->sip.cidrs_state = FIELD_SET;
	add_reg(&f->live->regs, &f->live->n_regs, "reg_\x1b[2K",
		"evil\n+ registration fake@pbx.example.com", "p\r.example.com",
		NULL);
	add_cidr(&f->live->sip, "1.2.3.4/32\n+ 10.0.0.0/8");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_2", "tick````s",
		"pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_3",
		"c1\xc2\x9b[1m\xc2\xa9", "pbx.example.com", NULL);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_4", "del\x7f",
		"pbx.example.com", NULL);
	build(f);
	char *text = render_text(f->plan, false);
	/* C1 and DEL escaped, U+00A9 (also led by 0xc2) kept */
	assert_non_null(strstr(text, "c1\\u009b[1m\xc2\xa9@"));
	assert_non_null(strstr(text, "del\\x7f@"));
	char *md = render_markdown(f->plan, 0);
	assert_null(strstr(text, "\n+ registration fake"));
	assert_null(strstr(text, "\n+ 10.0.0.0/8"));
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\r'));
	assert_non_null(strstr(text, "evil\\n+ registration fake"));
	assert_non_null(strstr(text, "reg_\\x1b[2K"));
	assert_null(strstr(md, "\n+ registration fake"));
	/* a live backtick run cannot close the markdown code block */
	assert_non_null(strstr(md, "\n`````diff\n"));
	assert_non_null(strstr(md, "\n`````\n"));
	char *label = render_escape("a\tb\x7f\xc2\x9b[1m\xc3\xa9");
	assert_string_equal(label, "a\\tb\\x7f\\u009b[1m\xc3\xa9");
	free(label);
	free(text);
	free(md);
}

/* Finding: an '@' in a username cannot make two identities one. */
static void test_registration_key_unambiguous(void **st)
{
	(void)st;
	struct registration a = {0}, b = {0};
	a.username = (char *)"a@b";
	a.proxy = (char *)"c";
	b.username = (char *)"a";
	b.proxy = (char *)"b@c";
	char *ka = model_registration_key(&a), *kb = model_registration_key(&b);
	assert_string_not_equal(ka, kb);
	assert_string_equal(kb, "a@b@c");
	free(ka);
	free(kb);
	a.username = (char *)"alice";
	a.proxy = (char *)"PBX.example.com";
	ka = model_registration_key(&a);
	assert_string_equal(ka, "alice@pbx.example.com");
	free(ka);
}

/* Finding: after an API key rotation the recorded fingerprints are unknown
 * (a note), not "(sensitive value changed)" for every password. */
static void test_key_rotation_note(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "alice", "pbx.example.com",
		PW_ALICE);
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		"pbx.example.com", NULL);
	/* recorded with another key (as a rotation leaves it) */
	char fp[65];
	assert_int_equal(fpstore_bind_key(f->fps, "old-api-key"), 0);
	assert_int_equal(fpstore_fingerprint("old-api-key", PW_ALICE, fp), 0);
	assert_int_equal(
	    fpstore_set(f->fps, "registration/alice@pbx.example.com/password",
			fp),
	    0);
	/* the state file's keyId round trip is test_state's */
	assert_int_equal(fpstore_bind_key(f->fps, KEY), 1);
	build(f);
	assert_false(plan_has_changes(f->plan));
	char *text = render_text(f->plan, false);
	assert_non_null(strstr(text, "the API key changed"));
	assert_non_null(strstr(text, "password: unknown (write-only)"));
	assert_null(strstr(text, "sensitive value changed"));
	free(text);
	/* apply --sync-secrets sends it again (and records it) */
	f->sync_secrets = true;
	build(f);
	assert_int_equal(f->plan->updates, 1);
}

/* Issue 9 item 4: the url changes, the secrets are unmanaged and the API
 * hides them: the handler would be sent without secrets (the server then
 * generates one), so the plan says so and the guard refuses it. */
static void test_fallback_secret_generated(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_sip = true;
	set_fallback(&ds->sip, "https://new.example.com/hook", NULL);
	set_fallback(&f->live->sip, "https://old.example.com/hook", NULL);
	f->live->sip.fallback.secrets_state = FIELD_UNSET;
	build(f);
	assert_true(f->plan->fallback_secret_regenerated);
	assert_string_equal(f->plan->items[0].req.body_redacted,
			    "{\"fallbackHandler\":{\"url\":"
			    "\"https://new.example.com/hook\"}}");
	assert_int_equal(f->plan->items[0].n_secrets, 0);
	golden(f, "fallback_secret_generated");
	/* the guard that refuses it: test_reconcile.c */
	/* a new handler (none live) is not a rotation */
	model_live_free(f->live);
	f->live = live_new();
	build(f);
	assert_false(f->plan->fallback_secret_regenerated);
}

/* Issue 9 item 1: a secret value that cannot be encoded as JSON text (not
 * UTF-8) never yields a request without it: the plan refuses at the
 * secret's place, for a password update, a create and a fallback secret. */
static void test_unencodable_secret(void **st)
{
	struct fx *f = *st;
	struct desired_state *ds = f->ds;
	ds->has_registrations = true;
	add_reg(&ds->regs, &ds->n_regs, NULL, "alice", "pbx.example.com",
		"p\xe4sswort");
	add_reg(&f->live->regs, &f->live->n_regs, "reg_1", "alice",
		"pbx.example.com", NULL);
	f->sync_secrets = true; /* would send it: no record */
	struct diag_list d = {0};
	struct plan_input in = {f->ds, f->live, f->fps, KEY, true, NULL};
	assert_int_equal(plan_build(&f->plan, &in, &d), -1);
	assert_null(f->plan);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].path, "registrations.items.password");
	assert_non_null(strstr(d.items[0].message, "not valid UTF-8"));
	diag_list_clear(&d);
	/* a create of it: refused the same way, not a POST without password */
	model_live_free(f->live);
	f->live = live_new();
	assert_int_equal(plan_build(&f->plan, &in, &d), -1);
	assert_int_equal(d.len, 1);
	diag_list_clear(&d);
	/* a fallback secret: the same error, not "out of memory" */
	model_desired_free(f->ds);
	f->ds = ds = desired_new();
	in.ds = ds;
	ds->has_sip = true;
	set_fallback(&ds->sip, "https://h.example.com/a", "\xff\xfe");
	assert_int_equal(plan_build(&f->plan, &in, &d), -1);
	assert_int_equal(d.len, 1);
	assert_string_equal(d.items[0].path, "sip.fallbackHandler.secrets");
	assert_non_null(strstr(d.items[0].message, "not valid UTF-8"));
	diag_list_clear(&d);
}

/* request_release frees and zeroes a request (and accepts NULL), so a
 * released plan item holds no pointer to a freed or secret body. */
static void test_request_release(void **st)
{
	(void)st;
	struct request r = {REQUEST_POST, strdup("/api/sip/registrations"),
			    strdup("{\"password\":\"" PW_ALICE "\"}"),
			    strdup("{\"password\":\"<redacted>\"}"),
			    strdup("alice@pbx.example.com")};
	assert_string_equal(request_method_name(r.method), "POST");
	request_release(&r);
	assert_null(r.path);
	assert_null(r.body);
	assert_null(r.body_redacted);
	assert_null(r.create_key);
	assert_int_equal(r.method, REQUEST_GET);
	request_release(&r);
	request_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_design_sample, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_no_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_password_fingerprints, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_agents_move, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_minimal_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_and_lockout, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_write_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_live_fingerprint, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_canonical_json_is_janssons,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_markdown_truncation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_repeated_id_never_deleted,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeated_ids_random_order,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uppercase_agent_id, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_many_live_agents, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_primary_ignores_successful,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_live_control_chars, setup,
					    teardown),
	    cmocka_unit_test(test_registration_key_unambiguous),
	    cmocka_unit_test(test_request_release),
	    cmocka_unit_test_setup_teardown(test_key_rotation_note, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unencodable_secret, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_secret_generated,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
