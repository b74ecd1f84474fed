#include "reconcile/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/render.h"
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
};

static void on_write(void *ctx, const struct api_write *w)
{
	struct progress_ctx *pc = ctx;
	if (!pc->fn)
		return;
	struct reconcile_step st = {
	    .label = w->label,
	    .ok = w->result == 1,
	    .status = w->status,
	    .attempted = w->result != 0,
	    .error = w->result == 1 ? NULL : "failed",
	};
	pc->fn(pc->ctx, &st);
}

static int write_fill(struct api_write *w, const struct plan_item *it)
{
	memset(w, 0, sizeof(*w));
	w->method = it->method;
	w->path = strdup(it->path);
	w->body = it->body ? strdup(it->body) : NULL;
	w->create_key = it->create_key ? strdup(it->create_key) : NULL;
	w->label = apply_label(it);
	return w->path && w->label && (!it->body || w->body) &&
		       (!it->create_key || w->create_key)
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
	rc = api_execute(api, w, n, on_write, pc, d);
	for (size_t i = 0; i < n; i++) {
		if (w[i].result == 1) {
			rep->done++;
			record(st, &p->items[idx[i]]);
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

int apply_plan(struct api_client *api, const struct plan *p,
	       struct state_file *state, reconcile_progress_fn progress,
	       void *ctx, struct apply_report *rep, struct diag_list *d)
{
	struct progress_ctx pc = {progress, ctx};
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
