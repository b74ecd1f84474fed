/* The plan tests' model builders and harness, shared by test_plan.c (the
 * pure diff, core only) and test_reconcile.c (the engine on top of it).
 * Functions are static inline so that a file using only some of them
 * builds without unused-function warnings. */
#ifndef SIPSYNC_TEST_PLAN_FIXTURE_H
#define SIPSYNC_TEST_PLAN_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile/core/fpstore.h"
#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"
#include "reconcile/core/render.h"

#define KEY "test-api-key"
#define PW_ALICE "alice-Secret-1"
#define PW_BOB "bob-Secret-2"
#define FB_SECRET "fallback-Secret-3"
#define AG1 "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define AG2 "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define AG3 "11111111-2222-4333-8444-555555555555"

/* ---- model builders ------------------------------------------------------ */

static inline void add_cidr(struct sip_config *s, const char *c)
{
	s->cidrs = realloc(s->cidrs, (s->n_cidrs + 1) * sizeof(*s->cidrs));
	s->cidrs[s->n_cidrs++] = strdup(c);
	s->cidrs_state = FIELD_SET;
}

static inline void add_agent(struct sip_config *s, const char *id,
			     const char *pat)
{
	s->agents = realloc(s->agents, (s->n_agents + 1) * sizeof(*s->agents));
	struct agent_allowance *a = &s->agents[s->n_agents++];
	memset(a, 0, sizeof(*a));
	a->agent_id = strdup(id);
	a->to_user_pattern = pat ? strdup(pat) : NULL;
	s->agents_state = FIELD_SET;
}

static inline void set_fallback(struct sip_config *s, const char *url,
				const char *secret)
{
	s->fallback_state = FIELD_SET;
	s->fallback.url = strdup(url);
	if (!secret)
		return;
	s->fallback.secrets_state = FIELD_SET;
	s->fallback.secrets = calloc(1, sizeof(*s->fallback.secrets));
	s->fallback.secrets[0].kind = SECRET_LITERAL;
	s->fallback.secrets[0].value = strdup(secret);
	s->fallback.n_secrets = 1;
}

static inline struct registration *add_reg(struct registration **regs,
					   size_t *n, const char *id,
					   const char *user, const char *proxy,
					   const char *password)
{
	*regs = realloc(*regs, (*n + 1) * sizeof(**regs));
	struct registration *r = &(*regs)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->id = id ? strdup(id) : NULL;
	r->username = strdup(user);
	r->proxy = strdup(proxy);
	/* registered: the health notes have cases of their own */
	r->successful = 1;
	if (password) {
		r->has_password = true;
		r->password.kind = SECRET_ENV;
		r->password.ref = strdup("PW");
		r->password.value = strdup(password);
	}
	return r;
}

static inline struct desired_state *desired_new(void)
{
	struct desired_state *ds = calloc(1, sizeof(*ds));
	ds->version = 1;
	ds->source.path = strdup("examples/full.yaml");
	return ds;
}

static inline struct live_state *live_new(void)
{
	struct live_state *ls = calloc(1, sizeof(*ls));
	ls->sip.cidrs_state = FIELD_SET;
	ls->sip.allow_all_state = FIELD_SET;
	ls->sip.agents_state = FIELD_SET;
	ls->sip.fallback_state = FIELD_NULL;
	ls->sip.domain = strdup("acme.sip.ultravox.ai");
	return ls;
}

/* ---- harness ---------------------------------------------------------------
 */

struct fx {
	struct desired_state *ds;
	struct live_state *live;
	struct fpstore *fps; /* recorded fingerprints, in memory */
	char dir[64];	     /* test_reconcile only: a state directory */
	struct plan *plan;
	bool sync_secrets;
};

static inline int setup(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->ds = desired_new();
	f->live = live_new();
	f->fps = fpstore_new();
	assert_non_null(f->fps);
	*st = f;
	return 0;
}

static inline int teardown(void **st)
{
	struct fx *f = *st;
	model_desired_free(f->ds);
	model_live_free(f->live);
	fpstore_free(f->fps);
	plan_free(f->plan);
	free(f);
	return 0;
}

static inline void build(struct fx *f)
{
	struct diag_list d = {0};
	struct plan_input in = {f->ds, f->live,		f->fps,
				KEY,   f->sync_secrets, NULL};
	plan_free(f->plan);
	f->plan = NULL;
	assert_int_equal(plan_build(&f->plan, &in, &d), 0);
	assert_int_equal(d.len, 0);
}

static inline char *read_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, fp) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(fp);
	return s;
}

static inline void assert_no_secret(const char *text)
{
	assert_null(strstr(text, PW_ALICE));
	assert_null(strstr(text, PW_BOB));
	assert_null(strstr(text, FB_SECRET));
}

/* Renders the plan as text and compares it with the golden file. */
static inline void golden(struct fx *f, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/plan/cases/%s/plan.txt", FIXTURES_DIR,
		 name);
	char *text = render_text(f->plan, false);
	char *json = render_json(f->plan);
	char *md = render_markdown(f->plan, 0);
	assert_non_null(text);
	assert_non_null(json);
	assert_non_null(md);
	assert_no_secret(text);
	assert_no_secret(json);
	assert_no_secret(md);
	if (getenv("SIPSYNC_UPDATE_GOLDEN")) {
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
	}
	char *want = read_file(path);
	if (!want)
		fail_msg("missing golden file %s", path);
	if (strcmp(want, text) != 0)
		fail_msg("%s differs; got:\n%s\nwant:\n%s", path, text, want);
	free(want);
	free(text);
	free(json);
	free(md);
}

static inline const struct plan_item *
find_item(const struct plan *p, const char *key, enum plan_action a)
{
	for (size_t i = 0; i < p->n_items; i++)
		if (strcmp(p->items[i].key, key) == 0 &&
		    p->items[i].action == a)
			return &p->items[i];
	return NULL;
}

static inline void record_password(struct fx *f, const char *identity,
				   const char *pw)
{
	char key[256], fp[65];
	snprintf(key, sizeof(key), "registration/%s/password", identity);
	assert_int_equal(fpstore_fingerprint(KEY, pw, fp), 0);
	assert_int_equal(fpstore_set(f->fps, key, fp), 0);
}

#endif
