/*
 * Writes: the plan's requests sent on the transfer engine, and the
 * resolution of a POST whose answer was lost (re-list, compare with the
 * snapshot of the last listing, never send it twice).
 */
#include "reconcile/api/api_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/buf.h"

/* ---- writes ---- */

void api_write_release(struct api_write *w)
{
	if (!w)
		return;
	free(w->path);
	if (w->body) {
		explicit_bzero(w->body, strlen(w->body));
		free(w->body);
	}
	free(w->create_key);
	free(w->label);
	free(w->created_id);
	if (w->answer_reg)
		model_registration_release(w->answer_reg);
	free(w->answer_reg);
	if (w->answer_sip)
		model_sip_release(w->answer_sip);
	free(w->answer_sip);
	memset(w, 0, sizeof(*w));
}

static int snapshot_add(struct api_client *c, const char *key, const char *id);

struct exec_ctx {
	struct api_write *writes;
	api_progress_fn progress;
	void *pctx;
	struct diag_list *diags;
	bool failed;
	size_t skipped;
};

/* Keeps a done write's answer as the resource the server now holds (for
 * the audit's fingerprint after the writes). An answer not understood is
 * dropped: the caller then reads the account again. */
static void keep_answer(struct api_client *c, struct api_write *w,
			const struct buf *resp)
{
	char *why = NULL;
	if (w->method == REQUEST_DELETE || !buf_len(resp))
		return;
	if (w->method == REQUEST_PATCH && strcmp(w->path, "/api/sip") == 0) {
		struct sip_config *sip = malloc(sizeof(*sip));
		if (sip && api_parse_sip(buf_str(resp), buf_len(resp), sip,
					 &why) == 0) {
			/* a new secret the server made must not be echoed */
			for (size_t i = 0; i < sip->fallback.n_secrets; i++)
				api_redact_add(c,
					       sip->fallback.secrets[i].value);
			w->answer_sip = sip;
		} else {
			free(sip);
		}
	} else {
		struct registration *r = malloc(sizeof(*r));
		if (r && api_parse_registration(buf_str(resp), buf_len(resp), r,
						&why) == 0)
			w->answer_reg = r;
		else
			free(r);
		if (w->answer_reg && w->method == REQUEST_POST &&
		    !w->created_id)
			w->created_id = strdup(w->answer_reg->id);
	}
	free(why);
}

static void write_done(struct api_client *c, struct xfer *x, void *ctx)
{
	struct exec_ctx *e = ctx;
	struct api_write *w = x->user;
	w->status = x->status;
	if (x->result == XR_UNKNOWN)
		return; /* settled by re-listing */
	if (x->result == XR_SKIPPED) {
		e->failed = true; /* never sent: reported once, in total */
		e->skipped++;
		return;
	}
	if (x->result == XR_OK) {
		w->result = 1;
		keep_answer(c, w, &x->resp);
		if (w->method == REQUEST_POST && !w->created_id)
			w->created_id = api_parse_registration_id(
			    buf_str(&x->resp), buf_len(&x->resp));
		if (w->method == REQUEST_POST && w->create_key &&
		    c->have_snapshot) {
			/* keep the "before" picture true for later POSTs */
			if (!w->created_id ||
			    snapshot_add(c, w->create_key, w->created_id) < 0)
				api_snapshot_clear(c);
		}
	} else {
		w->result = -1;
		e->failed = true;
		api_add_http_diag(c, e->diags, w->method, w->path, x->status,
				  x->error);
	}
	if (e->progress)
		e->progress(e->pctx, w);
}

static bool in_snapshot(const struct api_client *c, const char *id)
{
	for (size_t i = 0; i < c->n_snap; i++)
		if (strcmp(c->snap_ids[i], id) == 0)
			return true;
	return false;
}

/* A registration with key that the snapshot did not have, or NULL. */
static const struct registration *find_new(const struct api_client *c,
					   const struct registration *regs,
					   size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		char *k = model_registration_key(&regs[i]);
		bool match = k && strcmp(k, key) == 0 && regs[i].id &&
			     !in_snapshot(c, regs[i].id);
		free(k);
		if (match)
			return &regs[i];
	}
	return NULL;
}

static int snapshot_add(struct api_client *c, const char *key, const char *id)
{
	char **k = realloc(c->snap_keys, (c->n_snap + 1) * sizeof(*k));
	if (!k)
		return -1;
	c->snap_keys = k;
	char **i = realloc(c->snap_ids, (c->n_snap + 1) * sizeof(*i));
	if (!i)
		return -1;
	c->snap_ids = i;
	c->snap_keys[c->n_snap] = strdup(key);
	c->snap_ids[c->n_snap] = strdup(id);
	if (!c->snap_keys[c->n_snap] || !c->snap_ids[c->n_snap]) {
		free(c->snap_keys[c->n_snap]);
		free(c->snap_ids[c->n_snap]);
		return -1;
	}
	c->n_snap++;
	return 0;
}

/* Settles one POST whose answer was lost, after a re-list: done when the
 * re-list shows a new registration of its identity, else failed (never
 * re-sent: the server may still commit it). */
static void settle_unknown(struct api_client *c, struct xfer *x,
			   const struct registration *regs, size_t n,
			   bool listed, struct exec_ctx *e)
{
	struct api_write *w = x->user;
	const struct registration *r =
	    listed ? find_new(c, regs, n, w->create_key) : NULL;
	if (r && (w->created_id = strdup(r->id))) {
		x->result = XR_OK;
		x->status = 201;
		write_done(c, x, e);
		return;
	}
	api_fail_unknown(c, x,
			 listed ? "and the registration is not listed (yet)"
				: "and re-listing registrations failed");
	write_done(c, x, e);
}

/* Re-lists once after lost POST answers and settles each of them. */
static void resolve_unknown(struct api_client *c, struct xqueue *q,
			    struct exec_ctx *e)
{
	struct registration *regs = NULL;
	size_t n = 0;
	bool any = false;
	for (size_t i = 0; i < q->n; i++)
		any |=
		    q->v[i]->state == X_DONE && q->v[i]->result == XR_UNKNOWN;
	if (!any)
		return;
	if (c->halted) { /* a re-list could not run either */
		for (size_t i = 0; i < q->n; i++) {
			struct xfer *x = q->v[i];
			if (x->state != X_DONE || x->result != XR_UNKNOWN)
				continue;
			api_fail_unknown(c, x, c->halted);
			write_done(c, x, e);
		}
		return;
	}
	struct diag_list tmp = {0};
	/* keep the pre-POST snapshot: api_read_all would replace it */
	char **keys = c->snap_keys, **ids = c->snap_ids;
	size_t n_snap = c->n_snap;
	c->snap_keys = c->snap_ids = NULL;
	c->n_snap = 0;
	bool listed = api_read_all(c, NULL, &regs, &n, &tmp) == 0;
	api_snapshot_clear(c);
	c->snap_keys = keys;
	c->snap_ids = ids;
	c->n_snap = n_snap;
	c->have_snapshot = true;
	if (!listed)
		diag_list_move(e->diags, &tmp);
	diag_list_clear(&tmp);
	for (size_t i = 0; i < q->n; i++) {
		struct xfer *x = q->v[i];
		if (x->state == X_DONE && x->result == XR_UNKNOWN)
			settle_unknown(c, x, regs, n, listed, e);
	}
	api_free_regs(regs, n);
}

static void register_body_secrets(struct api_client *c, struct api_write *w,
				  size_t n)
{
	for (size_t i = 0; i < n; i++)
		api_parse_body_secrets(w[i].body, api_redact_cb, c);
}

static int build_queue(struct api_client *c, struct api_write *w, size_t n,
		       struct xqueue *q, struct diag_list *d)
{
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = NULL;
		w[i].result = 0;
		w[i].status = 0;
		if (!w[i].path || w[i].path[0] != '/') {
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "api: write %zu has no absolute path", i);
			return -1;
		}
		if (!(x = api_xfer_new(c, w[i].method, w[i].path, w[i].path,
				       w[i].body)) ||
		    api_queue_push(q, x) < 0) {
			api_xfer_free(x);
			diag_add(d, DIAG_ERROR, NULL, NULL,
				 "api: out of memory");
			return -1;
		}
		x->user = &w[i];
		x->unknown_ok = w[i].method == REQUEST_POST && w[i].create_key;
	}
	return 0;
}

int api_execute(struct api_client *c, struct api_write *writes, size_t n,
		api_progress_fn progress, void *ctx, struct diag_list *diags)
{
	struct exec_ctx e = {writes, progress, ctx, diags, false, 0};
	struct xqueue q = {.on_done = write_done, .ctx = &e};
	bool posts = false;
	int rc = -1;

	register_body_secrets(c, writes, n);
	for (size_t i = 0; i < n; i++)
		posts |=
		    writes[i].method == REQUEST_POST && writes[i].create_key;
	if (posts && !c->have_snapshot) {
		/* the "before" picture for lost answers */
		struct registration *regs = NULL;
		size_t count = 0;
		if (api_read_all(c, NULL, &regs, &count, diags) < 0) {
			api_free_regs(regs, count);
			return -1;
		}
		api_free_regs(regs, count);
	}
	if (build_queue(c, writes, n, &q, diags) < 0)
		goto out;
	api_run_queue(c, &q);
	resolve_unknown(c, &q, &e);
	if (e.skipped)
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "api: %zu of %zu write%s not sent: %s", e.skipped, n,
			 n == 1 ? "" : "s", c->halted ? c->halted : "stopped");
	rc = e.failed ? -1 : 0;
out:
	for (size_t i = 0; i < q.n; i++)
		api_xfer_free(q.v[i]);
	free(q.v);
	return rc;
}
