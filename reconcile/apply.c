#include "reconcile/apply.h"

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

struct progress_ctx {
	reconcile_progress_fn fn;
	void *ctx;
	/* the batch in flight: on_write records each success at once */
	const struct plan *p;
	const struct api_write *w;
	const size_t *idx;
	size_t n;
	struct state_file *st;
	bool save_failed; /* stop trying: the final save reports it */
	long started_ms;  /* when the batch in flight was sent */
};

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(struct state_file *st, const struct plan_item *it);

/* Makes a succeeded write's fingerprints durable before the next one
 * finishes: an apply killed part-way then loses no record (the state file
 * is rewritten atomically, so it is always one complete version). */
static void record_now(struct progress_ctx *pc, const struct api_write *w)
{
	if (!pc->st || !pc->w || w < pc->w || w >= pc->w + pc->n)
		return;
	const struct plan_item *it = &pc->p->items[pc->idx[w - pc->w]];
	if (!it->n_secrets && !it->forget_key)
		return;
	record(pc->st, it);
	/* a failure here is reported by the caller's final save (it fails the
	 * same way, or succeeds and then nothing is lost) */
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

/* Runs the items whose index is in idx[0..n): returns 0 when all done. */
static int run_batch(struct api_client *api, const struct plan *p,
		     const size_t *idx, size_t n, struct state_file *st,
		     struct progress_ctx *pc, struct apply_report *rep,
		     struct diag_list *d)
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
	rc = api_execute(api, w, n, on_write, pc, d);
	pc->w = NULL;
	for (size_t i = 0; i < n; i++) {
		if (w[i].result == 1) {
			rep->done++;
			record(st, &p->items[idx[i]]); /* again: idempotent */
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
	       void *ctx, struct apply_report *rep, struct diag_list *d)
{
	struct progress_ctx pc = {.fn = progress, .ctx = ctx};
	size_t *first = calloc(p->n_items + 1, sizeof(*first));
	size_t *last = calloc(p->n_items + 1, sizeof(*last));
	size_t nf = 0, nl = 0;
	int rc = -1;
	memset(rep, 0, sizeof(*rep));
	rep->total = p->n_items;
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
	if (nf && run_batch(api, p, first, nf, state, &pc, rep, d))
		rc = -1;
	if (rc == 0 && nl && run_batch(api, p, last, nl, state, &pc, rep, d))
		rc = -1;
	else if (rc != 0)
		report_skipped(p, last, nl, &pc, rep);
out:
	free(first);
	free(last);
	return rc;
}
