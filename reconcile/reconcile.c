#include "reconcile/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "reconcile/agentnames.h"
#include "reconcile/apply.h"
#include "reconcile/audit.h"
#include "reconcile/lock.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/plan.h"
#include "reconcile/core/render.h"
#include "reconcile/state.h"

void reconcile_opts_init(struct reconcile_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_deletes = -1;
}

/* Every desired secret value is registered with the client so that no
 * error message can ever echo it. */
static int redact_secrets(struct api_client *api,
			  const struct desired_state *ds)
{
	int rc = 0;
	const struct fallback_handler *f = &ds->sip.fallback;
	for (size_t i = 0; i < f->n_secrets; i++)
		if (f->secrets[i].value)
			rc |= api_redact_add(api, f->secrets[i].value);
	for (size_t i = 0; i < ds->n_regs; i++)
		if (ds->regs[i].password.value)
			rc |= api_redact_add(api, ds->regs[i].password.value);
	return rc ? -1 : 0;
}

static bool live_has_agent(const struct live_state *live,
			   const struct agent_names *names, const char *id)
{
	/* listed by GET /api/agents: it exists */
	for (size_t j = 0; names && names->complete && j < names->n; j++)
		if (strcasecmp(names->v[j].id, id) == 0)
			return true;
	for (size_t j = 0; j < live->sip.n_agents; j++)
		if (strcasecmp(live->sip.agents[j].agent_id, id) == 0)
			return true;
	return false;
}

/* An `agent: NAME` the caller did not resolve (agentref_resolve). */
static int unresolved(const struct agent_allowance *a, size_t i,
		      struct diag_list *d)
{
	char path[64];
	snprintf(path, sizeof(path), "sip.allowedAgents[%zu].agent", i);
	diag_add(d, DIAG_ERROR, a->id_pos.file ? &a->id_pos : &a->pos, path,
		 "agent %s is not resolved to an id", a->agent_name);
	return -1;
}

/* Agents named by the desired state that the live config does not already
 * allow must exist: GET /api/agents/{id} answering 404 is an error at the
 * place of the id. */
static int check_agents(struct api_client *api, const struct desired_state *ds,
			const struct live_state *live,
			const struct agent_names *names, struct diag_list *d)
{
	const struct sip_config *s = &ds->sip;
	if (!ds->has_sip || s->agents_state != FIELD_SET || s->n_agents == 0)
		return 0;
	const char **ids = calloc(s->n_agents, sizeof(*ids));
	size_t *where = calloc(s->n_agents, sizeof(*where));
	int *exists = calloc(s->n_agents, sizeof(*exists));
	size_t n = 0;
	int rc = -1;
	if (!ids || !where || !exists)
		goto out;
	for (size_t i = 0; i < s->n_agents; i++)
		if (!s->agents[i].agent_id) { /* not resolved */
			rc = unresolved(&s->agents[i], i, d);
			goto out;
		} else if (!live_has_agent(live, names,
					   s->agents[i].agent_id)) {
			ids[n] = s->agents[i].agent_id;
			where[n++] = i;
		}
	rc = n ? api_agents_exist(api, ids, n, exists, d) : 0;
	for (size_t k = 0; k < n; k++) {
		if (exists[k] != 0)
			continue;
		char path[64];
		snprintf(path, sizeof(path), "sip.allowedAgents[%zu].agentId",
			 where[k]);
		const struct agent_allowance *a = &s->agents[where[k]];
		diag_add(d, DIAG_ERROR, a->id_pos.file ? &a->id_pos : &a->pos,
			 path,
			 "agent %s does not exist in this account (GET "
			 "/api/agents/%s: 404)",
			 a->agent_id, a->agent_id);
		rc = -1;
	}
out:
	free(ids);
	free(where);
	free(exists);
	return rc;
}

int reconcile_plan(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct plan **out,
		   struct diag_list *d)
{
	struct live_state *read = NULL;
	const struct live_state *live = o->live;
	struct state_file *st = NULL;
	int rc = -1;
	*out = NULL;
	if (redact_secrets(api, ds) != 0 ||
	    (!live && api_read_live(api, &read, d) != 0))
		goto out;
	if (!live)
		live = read;
	if (!live->sip.domain || !*live->sip.domain) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "GET /api/sip: the response carries no domain");
		goto out;
	}
	if (o->state_dir &&
	    state_load(&st, o->state_dir, live->sip.domain, d) != 0)
		goto out;
	if (st && state_bind_key(st, o->api_key) < 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "state: out of memory");
		goto out;
	}
	if (check_agents(api, ds, live, o->names, d) != 0)
		goto out;
	if (o->audit && o->export_fn) {
		/* what was there before the apply, in the form one can apply
		   to put it back (secrets as placeholders) */
		char *yaml = NULL;
		if (o->export_fn(live, &yaml, d) != 0)
			goto out;
		audit_set_snapshot(o->audit, yaml);
	}
	struct plan_input in = {
	    .ds = ds,
	    .live = live,
	    .fps = st ? state_store(st) : NULL,
	    .api_key = o->api_key,
	    .sync_secrets = o->sync_secrets,
	    .names = o->names,
	};
	rc = plan_build(out, &in, d);
out:
	state_free(st);
	model_live_free(read);
	return rc;
}

int reconcile_read(struct api_client *api, const struct desired_state *ds,
		   struct live_state **live, struct agent_names *names,
		   struct diag_list *d)
{
	struct api_read_want w = {.sip = true, .registrations = true};
	if (names)
		reconcile_agent_want(ds, &w);
	if (api_read_set(api, &w, live, names, NULL, d) != 0)
		return -1;
	if (!(*live)->sip.domain || !*(*live)->sip.domain) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "GET /api/sip: the response carries no domain");
		goto fail;
	}
	if (names && reconcile_agent_finish(api, ds, names, d) != 0)
		goto fail;
	return 0;
fail:
	model_live_free(*live);
	*live = NULL;
	if (names)
		agent_names_release(names);
	return -1;
}

static bool guard_fails(const char *name, const char **guard, bool force)
{
	if (force)
		return false;
	if (!*guard)
		*guard = name;
	return true;
}

static bool domain_guard(const struct plan *p, const struct reconcile_opts *o,
			 const char **guard, struct diag_list *d)
{
	if (!p->desired_domain ||
	    strcasecmp(p->desired_domain, p->live_domain) == 0 ||
	    !guard_fails("domain", guard, o->force))
		return false;
	char *live = render_escape(p->live_domain); /* live data */
	diag_add(d, DIAG_ERROR, &p->desired_domain_pos, "account.domain",
		 "the desired state is for %s but the API key belongs to %s "
		 "(refusing; --force overrides)",
		 p->desired_domain, live ? live : "?");
	free(live);
	return true;
}

int reconcile_domain_guard(const struct plan *p, const struct reconcile_opts *o,
			   struct diag_list *d)
{
	const char *g = NULL;
	return domain_guard(p, o, &g, d) ? -1 : 0;
}

int reconcile_guards(const struct plan *p, const struct reconcile_opts *o,
		     const char **guard, struct diag_list *d)
{
	*guard = NULL;
	if (!p->has_desired && guard_fails("empty-source", guard, false))
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "refusing to apply: the source holds no desired state (no "
		    "sip: and no registrations:), which is never read as "
		    "\"delete everything\"");
	domain_guard(p, o, guard, d);
	if (o->max_deletes >= 0 && p->deletes > (size_t)o->max_deletes &&
	    guard_fails("max-deletes", guard, o->force))
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "refusing to apply: the plan deletes %zu registration%s, "
		    "more than --max-deletes %ld (--force overrides)",
		    p->deletes, p->deletes == 1 ? "" : "s", o->max_deletes);
	size_t touched = p->reg_updates + p->reg_deletes;
	if (p->live_regs >= 10 && touched * 10 > p->live_regs * 3 &&
	    guard_fails("registrations-share", guard, o->force)) {
		if (p->reg_dup_deletes)
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "refusing to apply: the plan updates or "
				 "deletes %zu of %zu existing registrations, "
				 "more than 30%% (%zu of them are extra live "
				 "copies of a declared identity, the oldest "
				 "being kept) (--force overrides)",
				 touched, p->live_regs, p->reg_dup_deletes);
		else
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "refusing to apply: the plan updates or "
				 "deletes %zu of %zu existing registrations, "
				 "more than 30%% (--force overrides)",
				 touched, p->live_regs);
	}
	if (p->fallback_secret_regenerated &&
	    guard_fails("fallback-secret", guard, o->force))
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "refusing to apply: the plan changes the fallback "
		    "handler while its secrets are unmanaged and not "
		    "returned by the API, so the server would generate a "
		    "new secret and every handler checking the current one "
		    "would fail; declare fallbackHandler.secrets, or pass "
		    "--force to accept a new secret");
	if (p->lockout && guard_fails("lockout", guard, o->force))
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "refusing to apply: the plan leaves the account accepting "
		    "no "
		    "incoming call at all (no CIDR, no agent allowance, no "
		    "registration) (--force overrides)");
	return *guard ? -1 : 0;
}

/* Records each write in the audit, then reports it as the caller asked. */
struct audit_progress {
	struct audit *audit;
	reconcile_progress_fn fn;
	void *ctx;
};

static void audit_step(void *ctx, const struct reconcile_step *st)
{
	struct audit_progress *ap = ctx;
	(void)audit_add_write(ap->audit, st->label, st->method, st->path,
			      st->status,
			      st->ok	       ? "done"
			      : !st->attempted ? "skipped"
					       : "failed",
			      st->attempted ? st->duration_ms : 0);
	if (ap->fn)
		ap->fn(ap->ctx, st);
}

/* The live fingerprint after the writes: the account as the plan read it
 * with each write's answer put in place (each answer is the resource as
 * the server now holds it), so a change another writer made meanwhile is
 * not credited to this apply, and no read is spent on it (a read of a
 * large account is one round trip per 100 registrations). When an answer
 * is missing or not understood, or a write failed, the account is read
 * again. NULL when it cannot be read (the line then says so with null). */
static char *live_fingerprint_after(struct api_client *api,
				    const struct reconcile_opts *o,
				    const struct apply_after *after)
{
	struct live_state *live = NULL;
	struct diag_list quiet = {0};
	char *fp = malloc(65);
	if (!fp)
		return NULL;
	/* o->live is the account this plan was made from (reconcile.h) */
	if (after &&
	    apply_after_fingerprint(after, o->live, o->api_key, fp) == 0)
		return fp;
	if (api_read_live(api, &live, &quiet) != 0 ||
	    plan_live_fingerprint(live, o->api_key, fp) != 0) {
		free(fp);
		fp = NULL;
	}
	model_live_free(live);
	diag_list_clear(&quiet);
	return fp;
}

static void audit_finish(struct api_client *api, const struct plan *p,
			 const struct reconcile_opts *o,
			 const struct reconcile_result *r,
			 const struct apply_after *answers, struct diag_list *d)
{
	char *after = r->writes_done ? live_fingerprint_after(api, o, answers)
				     : strdup(p->live_fingerprint);
	struct audit_outcome ao = {
	    .domain = p->live_domain,
	    .outcome = r->outcome == RECONCILE_APPLIED	 ? "applied"
		       : r->outcome == RECONCILE_PARTIAL ? "partial"
							 : "error",
	    .creates = p->creates,
	    .updates = p->updates,
	    .deletes = p->deletes,
	    .fingerprint_before = p->live_fingerprint,
	    .fingerprint_after = after,
	};
	struct diag_list ad = {0};
	/* the writes are made: a lost audit line is said loudly, but does not
	   turn a good apply into a failed one */
	if (audit_append(o->audit, &ao, &ad) != 0)
		for (size_t i = 0; i < ad.len; i++)
			diag_add(d, DIAG_WARNING, NULL, NULL, "audit log: %s",
				 ad.items[i].message);
	diag_list_clear(&ad);
	free(after);
}

int reconcile_apply(struct api_client *api, const struct plan *p,
		    const struct reconcile_opts *o, struct reconcile_result *r,
		    struct diag_list *d)
{
	struct state_file *st = NULL;
	struct apply_report rep = {0};
	struct audit_progress ap = {o->audit, o->progress, o->progress_ctx};
	int rc = -1;
	r->writes_total = p->n_items;
	r->writes_done = r->writes_failed = 0;
	r->applied = false;
	if (o->state_dir &&
	    (state_load(&st, o->state_dir, p->live_domain, d) != 0 ||
	     state_bind_key(st, o->api_key) < 0 ||
	     (o->audit &&
	      audit_save_snapshot(o->audit, o->state_dir, p->live_domain,
				  AUDIT_SNAPSHOTS_KEEP, d) != 0))) {
		/* nothing sent: what it sends could not be recorded */
		r->state_unreadable = true;
		r->outcome = RECONCILE_ERROR;
		state_free(st);
		return -1;
	}
	struct apply_after answers = {0};
	if (o->audit)
		rc = apply_plan(api, p, st, audit_step, &ap, &rep,
				o->live ? &answers : NULL, d);
	else
		rc = apply_plan(api, p, st, o->progress, o->progress_ctx, &rep,
				NULL, d);
	/* record what was sent even after a partial failure: the next run
	 * then re-sends only what is still missing */
	if (st && rep.done && state_save(st, d) != 0) {
		r->state_unsaved = true;
		rc = -1;
	}
	r->writes_total = rep.total;
	r->writes_done = rep.done;
	r->writes_failed = rep.failed + rep.skipped;
	r->applied = rc == 0;
	r->outcome = rc == 0 ? RECONCILE_APPLIED : RECONCILE_PARTIAL;
	state_free(st);
	if (o->audit)
		audit_finish(api, p, o, r, o->live ? &answers : NULL, d);
	apply_after_release(&answers);
	return rc;
}

long long reconcile_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int reconcile_lock_read(struct api_client *api, const struct reconcile_opts *o,
			const struct live_state *live, long long read_ms,
			struct lock **out, struct live_state **again,
			struct diag_list *d)
{
	*out = NULL;
	*again = NULL;
	if (!o->state_dir)
		return 0;
	if (lock_acquire(out, o->state_dir, live->sip.domain,
			 o->lock_command ? o->lock_command : "sipsync",
			 o->lock_timeout_ms, d) != 0)
		return -1;
	if (lock_quiet_since(*out, read_ms))
		return 0;
	/* another writer may have been at work during the read (it held
	   the lock, or released it since): the plan reads the account as it
	   left it */
	if (api_read_live(api, again, d) != 0) {
		lock_release(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int reconcile_result_from_plan(struct reconcile_result *r, const struct plan *p)
{
	r->creates = p->creates;
	r->updates = p->updates;
	r->deletes = p->deletes;
	r->notes = p->n_notes;
	r->key_changed = p->key_changed;
	r->changes = plan_has_changes(p);
	r->outcome = r->changes ? RECONCILE_PLANNED : RECONCILE_NO_CHANGES;
	free(r->live_domain);
	free(r->live_fingerprint);
	free(r->plan_text);
	r->live_domain = strdup(p->live_domain);
	r->live_fingerprint = strdup(p->live_fingerprint);
	r->plan_text = render_text(p, false);
	return r->live_domain && r->live_fingerprint && r->plan_text ? 0 : -1;
}

static int once(struct api_client *api, const struct desired_state *ds,
		const struct reconcile_opts *o, struct reconcile_result *r,
		struct diag_list *d);

int reconcile_once(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct reconcile_result *r,
		   struct diag_list *d)
{
	struct lock *l = NULL;
	struct live_state *own = NULL, *again = NULL;
	struct reconcile_opts with_live = *o;
	long long read_ms = o->live ? o->live_read_ms : reconcile_clock_ms();
	memset(r, 0, sizeof(*r));
	r->outcome = RECONCILE_ERROR;
	/* one read takes the lock (by its domain) and makes the plan, unless
	   another writer held the lock meanwhile */
	if (!o->live && (redact_secrets(api, ds) != 0 ||
			 reconcile_read(api, ds, &own, NULL, d) != 0))
		return -1;
	with_live.live = o->live ? o->live : own;
	if (o->apply && o->lock &&
	    reconcile_lock_read(api, o, with_live.live, read_ms, &l, &again,
				d) != 0) {
		model_live_free(own);
		return -1;
	}
	if (again)
		with_live.live = again;
	int rc = once(api, ds, &with_live, r, d);
	lock_release(l);
	model_live_free(own);
	model_live_free(again);
	return rc;
}

static int once(struct api_client *api, const struct desired_state *ds,
		const struct reconcile_opts *o, struct reconcile_result *r,
		struct diag_list *d)
{
	struct plan *p = NULL;
	memset(r, 0, sizeof(*r));
	r->outcome = RECONCILE_ERROR;
	if (reconcile_plan(api, ds, o, &p, d) != 0)
		return -1;
	r->plan = p;
	if (reconcile_result_from_plan(r, p) != 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "reconcile: out of memory");
		r->outcome = RECONCILE_ERROR;
		return -1;
	}
	if (!o->apply) {
		/* the domain guard holds for detection too: another account's
		 * drift is not this config's drift */
		if (domain_guard(p, o, &r->guard, d)) {
			r->outcome = RECONCILE_REFUSED;
			return -1;
		}
		return 0;
	}
	if (reconcile_guards(p, o, &r->guard, d) != 0) {
		r->outcome = RECONCILE_REFUSED;
		return -1;
	}
	if (!r->changes) {
		r->applied = true;
		return 0;
	}
	return reconcile_apply(api, p, o, r, d);
}

void reconcile_result_release(struct reconcile_result *r)
{
	if (!r)
		return;
	free(r->live_domain);
	free(r->live_fingerprint);
	free(r->plan_text);
	plan_free(r->plan);
	memset(r, 0, sizeof(*r));
}
