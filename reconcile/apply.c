#include "reconcile/apply.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/core/render.h"
#include "reconcile/state.h"

char *apply_label(const struct plan_item *it)
{
	const char *m = it->action == PLAN_CREATE   ? "+"
			: it->action == PLAN_DELETE ? "-"
						    : "~";
	/* the title carries live data: no control character gets out */
	char *title = render_escape(it->title);
	if (!title)
		return NULL;
	size_t n = strlen(title) + (it->reason ? strlen(it->reason) : 0) + 16;
	char *s = malloc(n);
	if (s && it->reason)
		snprintf(s, n, "%s %s  [%s]", m, title, it->reason);
	else if (s)
		snprintf(s, n, "%s %s", m, title);
	free(title);
	return s;
}

/*
 * The saver: a thread that writes the state file whenever a write's record
 * was added since its last save, so that the event loop sending the writes
 * never waits on the disk (two fsyncs a save: on a slow disk that would
 * hold the writes under the API's rate). Records that arrive while a save
 * is under way go into the next one, so a save covers every write answered
 * before it began. Without the thread (it could not be started), each
 * record is saved at once, in the loop, as before.
 */
struct saver {
	pthread_mutex_t mu; /* guards the state file and the fields below */
	pthread_cond_t cv;
	struct state_file *st;
	bool dirty;  /* a record since the last save began */
	bool stop;   /* the batch is over: save what is dirty, then end */
	bool failed; /* stop trying: the final save reports it */
	bool running;
	pthread_t thread;
};

static void *saver_main(void *arg)
{
	struct saver *sv = arg;
	pthread_mutex_lock(&sv->mu);
	for (;;) {
		while (!sv->dirty && !sv->stop)
			pthread_cond_wait(&sv->cv, &sv->mu);
		if (!sv->dirty)
			break;
		sv->dirty = false;
		char *text = sv->failed ? NULL : state_text(sv->st);
		pthread_mutex_unlock(&sv->mu);
		/* a failure here is reported by the caller's final save (it
		 * fails the same way, or succeeds and then nothing is lost) */
		struct diag_list quiet = {0};
		bool ok = text && state_write_text(sv->st, text, &quiet) == 0;
		diag_list_clear(&quiet);
		free(text);
		pthread_mutex_lock(&sv->mu);
		if (!ok)
			sv->failed = true;
	}
	pthread_mutex_unlock(&sv->mu);
	return NULL;
}

static void saver_start(struct saver *sv, struct state_file *st)
{
	memset(sv, 0, sizeof(*sv));
	sv->st = st;
	if (!st || pthread_mutex_init(&sv->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&sv->cv, NULL) != 0) {
		pthread_mutex_destroy(&sv->mu);
		return;
	}
	sv->running = pthread_create(&sv->thread, NULL, saver_main, sv) == 0;
	if (!sv->running) {
		pthread_cond_destroy(&sv->cv);
		pthread_mutex_destroy(&sv->mu);
	}
}

/* Waits for the last save: every record so far is on disk (or failed). */
static void saver_stop(struct saver *sv)
{
	if (!sv->running)
		return;
	pthread_mutex_lock(&sv->mu);
	sv->stop = true;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
	pthread_join(sv->thread, NULL);
	pthread_cond_destroy(&sv->cv);
	pthread_mutex_destroy(&sv->mu);
	sv->running = false;
}

struct progress_ctx {
	reconcile_progress_fn fn;
	void *ctx;
	/* the batch in flight: on_write records each success at once */
	const struct plan *p;
	const struct api_write *w;
	const size_t *idx;
	size_t n;
	struct state_file *st;
	struct saver saver;
	bool save_failed; /* no saver: stop trying, the final save reports it */
	long started_ms;  /* when the batch in flight was sent */
};

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(struct state_file *st, const struct plan_item *it);

/* Makes a succeeded write's fingerprints durable as soon as the disk
 * allows: an apply killed part-way then loses no record but those of the
 * writes answered during the save under way (the state file is rewritten
 * atomically, so it is always one complete version). */
static void record_now(struct progress_ctx *pc, const struct api_write *w)
{
	if (!pc->st || !pc->w || w < pc->w || w >= pc->w + pc->n)
		return;
	const struct plan_item *it = &pc->p->items[pc->idx[w - pc->w]];
	if (!it->n_secrets && !it->forget_key)
		return;
	if (pc->saver.running) {
		pthread_mutex_lock(&pc->saver.mu);
		record(pc->st, it);
		pc->saver.dirty = true;
		pthread_cond_signal(&pc->saver.cv);
		pthread_mutex_unlock(&pc->saver.mu);
		return;
	}
	record(pc->st, it);
	struct diag_list quiet = {0};
	if (!pc->save_failed && state_save(pc->st, &quiet) != 0)
		pc->save_failed = true;
	diag_list_clear(&quiet);
}

static void on_write(void *ctx, const struct api_write *w)
{
	struct progress_ctx *pc = ctx;
	if (w->result == 1)
		record_now(pc, w);
	if (!pc->fn)
		return;
	struct reconcile_step st = {
	    .label = w->label,
	    .ok = w->result == 1,
	    .status = w->status,
	    .attempted = w->result != 0,
	    .error = w->result == 1 ? NULL : "failed",
	    .method = request_method_name(w->method),
	    .path = w->path,
	    .duration_ms = mono_ms() - pc->started_ms,
	};
	pc->fn(pc->ctx, &st);
}

static int write_fill(struct api_write *w, const struct plan_item *it)
{
	memset(w, 0, sizeof(*w));
	w->method = it->req.method;
	w->path = strdup(it->req.path);
	w->body = it->req.body ? strdup(it->req.body) : NULL;
	w->create_key = it->req.create_key ? strdup(it->req.create_key) : NULL;
	w->label = apply_label(it);
	return w->path && w->label && (!it->req.body || w->body) &&
		       (!it->req.create_key || w->create_key)
		   ? 0
		   : -1;
}

static void record(struct state_file *st, const struct plan_item *it)
{
	if (!st)
		return;
	for (size_t i = 0; i < it->n_secrets; i++)
		state_set(st, it->secrets[i].key, it->secrets[i].fingerprint);
	if (it->forget_key)
		state_remove(st, it->forget_key);
}

static int add_gone(struct apply_after *a, const char *id)
{
	char **g = realloc(a->gone, (a->n_gone + 1) * sizeof(*g));
	if (!g)
		return -1;
	a->gone = g;
	if (!(a->gone[a->n_gone] = strdup(id)))
		return -1;
	a->n_gone++;
	return 0;
}

/* Moves a done write's answer into after: -1 when it says nothing sure of
 * what the server now holds (then the account must be read again). */
static int keep_after(struct apply_after *a, const struct plan_item *it,
		      struct api_write *w)
{
	if (it->resource == PLAN_SIP) {
		if (!w->answer_sip || a->sip)
			return -1;
		a->sip = w->answer_sip;
		w->answer_sip = NULL;
		return 0;
	}
	if (it->action != PLAN_CREATE && (!it->id || add_gone(a, it->id)))
		return -1;
	if (it->action == PLAN_DELETE)
		return 0;
	if (!w->answer_reg)
		return -1;
	struct registration *r = realloc(a->regs, (a->n_regs + 1) * sizeof(*r));
	if (!r)
		return -1;
	a->regs = r;
	a->regs[a->n_regs++] = *w->answer_reg;
	free(w->answer_reg);
	w->answer_reg = NULL;
	return 0;
}

void apply_after_release(struct apply_after *a)
{
	if (!a)
		return;
	if (a->sip)
		model_sip_release(a->sip);
	free(a->sip);
	for (size_t i = 0; i < a->n_regs; i++)
		model_registration_release(&a->regs[i]);
	free(a->regs);
	for (size_t i = 0; i < a->n_gone; i++)
		free(a->gone[i]);
	free(a->gone);
	memset(a, 0, sizeof(*a));
}

static int by_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int apply_after_fingerprint(const struct apply_after *a,
			    const struct live_state *before,
			    const char *api_key, char out[65])
{
	if (!a->complete || !before)
		return -1;
	/* the registrations: the live ones not updated or deleted, then the
	   answers (the fingerprint sorts them); shallow copies, owned by
	   before and a */
	struct registration *regs =
	    calloc(before->n_regs + a->n_regs + 1, sizeof(*regs));
	if (!regs)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < before->n_regs; i++) {
		const char *id = before->regs[i].id;
		if (a->n_gone && id &&
		    bsearch(&id, a->gone, a->n_gone, sizeof(*a->gone), by_str))
			continue;
		regs[n++] = before->regs[i];
	}
	for (size_t i = 0; i < a->n_regs; i++)
		regs[n++] = a->regs[i];
	struct live_state now = {
	    .sip = a->sip ? *a->sip : before->sip,
	    .regs = regs,
	    .n_regs = n,
	};
	int rc = plan_live_fingerprint(&now, api_key, out);
	free(regs);
	return rc;
}

/* Runs the items whose index is in idx[0..n): returns 0 when all done. */
static int run_batch(struct api_client *api, const struct plan *p,
		     const size_t *idx, size_t n, struct state_file *st,
		     struct progress_ctx *pc, struct apply_report *rep,
		     struct apply_after *after, struct diag_list *d)
{
	struct api_write *w = calloc(n + 1, sizeof(*w));
	int rc = -1;
	if (!w) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "apply: out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (write_fill(&w[i], &p->items[idx[i]])) {
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "apply: out of memory");
			goto out;
		}
	pc->p = p;
	pc->w = w;
	pc->idx = idx;
	pc->n = n;
	pc->st = st;
	pc->started_ms = mono_ms();
	saver_start(&pc->saver, st);
	rc = api_execute(api, w, n, on_write, pc, d);
	saver_stop(&pc->saver);
	pc->w = NULL;
	for (size_t i = 0; i < n; i++) {
		if (w[i].result == 1) {
			rep->done++;
			record(st, &p->items[idx[i]]); /* again: idempotent */
			if (after &&
			    keep_after(after, &p->items[idx[i]], &w[i]) != 0)
				after->complete = false;
		} else if (w[i].result < 0) {
			rep->failed++;
		} else {
			rep->skipped++;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		api_write_release(&w[i]);
	free(w);
	return rc;
}

static void report_skipped(const struct plan *p, const size_t *idx, size_t n,
			   struct progress_ctx *pc, struct apply_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		char *label = apply_label(&p->items[idx[i]]);
		struct reconcile_step st = {
		    .label = label ? label : "?",
		    .ok = false,
		    .attempted = false,
		    .error = "not attempted: an earlier step failed",
		};
		if (pc->fn)
			pc->fn(pc->ctx, &st);
		free(label);
		rep->skipped++;
	}
}

/* A write that would send nothing (an update without a body, or "{}")
 * changes nothing on the server yet would count as done and record its
 * fingerprints: refuse the whole plan before anything is sent. */
static bool plan_sendable(const struct plan *p, struct diag_list *d)
{
	bool ok = true;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->req.method == REQUEST_DELETE)
			continue;
		if (it->req.body && strcmp(it->req.body, "{}") != 0 &&
		    *it->req.body)
			continue;
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s %s: refusing to send a request with an empty "
			 "body (nothing would change); nothing was sent",
			 it->req.method == REQUEST_POST ? "POST" : "PATCH",
			 it->req.path);
		ok = false;
	}
	return ok;
}

int apply_plan(struct api_client *api, const struct plan *p,
	       struct state_file *state, reconcile_progress_fn progress,
	       void *ctx, struct apply_report *rep, struct apply_after *after,
	       struct diag_list *d)
{
	struct progress_ctx pc = {.fn = progress, .ctx = ctx};
	size_t *first = calloc(p->n_items + 1, sizeof(*first));
	size_t *last = calloc(p->n_items + 1, sizeof(*last));
	size_t nf = 0, nl = 0;
	int rc = -1;
	memset(rep, 0, sizeof(*rep));
	rep->total = p->n_items;
	if (after) {
		memset(after, 0, sizeof(*after));
		after->complete = true;
	}
	if (!first || !last) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "apply: out of memory");
		goto out;
	}
	if (!plan_sendable(p, d)) {
		rep->skipped = p->n_items;
		goto out;
	}
	for (size_t i = 0; i < p->n_items; i++) {
		if (p->items[i].action == PLAN_DELETE)
			last[nl++] = i;
		else
			first[nf++] = i;
	}
	rc = 0;
	if (nf && run_batch(api, p, first, nf, state, &pc, rep, after, d))
		rc = -1;
	if (rc == 0 && nl &&
	    run_batch(api, p, last, nl, state, &pc, rep, after, d))
		rc = -1;
	else if (rc != 0)
		report_skipped(p, last, nl, &pc, rep);
out:
	if (after && rc != 0)
		after->complete = false;
	if (after && after->n_gone) /* for apply_after_fingerprint */
		qsort(after->gone, after->n_gone, sizeof(*after->gone), by_str);
	free(first);
	free(last);
	return rc;
}
