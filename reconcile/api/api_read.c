/*
 * Paged reads: GET /api/sip and every page of the registrations (the
 * `next` links checked and resolved against the page), fetched together
 * on the transfer engine; and the agents-exist checks.
 */
#include "reconcile/api/api_internal.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "reconcile/api/api_parse.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/str.h"

/* ---- reads ---- */

static void snapshot_set(struct api_client *c, const struct registration *regs,
			 size_t n)
{
	api_snapshot_clear(c);
	c->snap_keys = calloc(n + 1, sizeof(char *));
	c->snap_ids = calloc(n + 1, sizeof(char *));
	if (!c->snap_keys || !c->snap_ids) {
		api_snapshot_clear(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		c->snap_keys[i] = model_registration_key(&regs[i]);
		c->snap_ids[i] = strdup(regs[i].id ? regs[i].id : "");
		c->n_snap = i + 1;
		if (!c->snap_keys[i] || !c->snap_ids[i]) {
			api_snapshot_clear(c);
			return;
		}
	}
	c->have_snapshot = true;
}

static bool same_origin(const struct api_client *c, const char *url)
{
	char *o = NULL;
	bool same =
	    api_url_origin(url, &o, NULL) == 0 && strcmp(o, c->origin) == 0;
	free(o);
	return same;
}

static bool seen_before(char **seen, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], url) == 0)
			return true;
	return false;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A page's `next`, absolute: as given when it is, else resolved against
 * the URL of the page that named it (as a browser resolves a link).
 * Allocated; NULL when it is no URL (or out of memory). */
static char *resolve_next(const char *page_url, const char *next)
{
	CURLU *u = curl_url();
	char *abs = NULL, *out = NULL;
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK) {
		out = strdup(next);
	} else if (curl_url_set(u, CURLUPART_URL, page_url, 0) == CURLUE_OK &&
		   curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK &&
		   curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK) {
		out = strdup(abs);
	}
	curl_free(abs);
	curl_url_cleanup(u);
	return out;
}

/* Checks a page's `next` (absolute, see resolve_next) before following
 * it. 0 ok, -1 with a diag on the page that named it. */
static int check_next(struct api_client *c, const struct xfer *page,
		      const char *next, char **seen, size_t n_seen,
		      struct diag_list *d)
{
	char buf[900], *shown = NULL;
	const char *why = NULL;
	if (!same_origin(c, next)) {
		shown = api_url_shown(next);
		snprintf(buf, sizeof(buf),
			 "refusing to follow `next` to another server: %s "
			 "(the API key is only sent to %s)",
			 shown ? shown : "?", c->origin);
		why = buf;
	} else if (seen_before(seen, n_seen, next)) {
		why = "pagination loops (`next` repeats an earlier page)";
	} else if (n_seen >= MAX_PAGES) {
		why = "too many pages";
	}
	free(shown);
	if (!why)
		return 0;
	api_add_http_diag(c, d, REQUEST_GET, page->path, 200, why);
	return -1;
}

/* From a finished page to the next: *next (as the page gave it) made
 * absolute and checked, the page's URL remembered in *seen. 0, or -1 with
 * a diag. */
/* What a paged read holds from one page to the next. */
struct pager {
	struct xqueue q;
	char *next;  /* the next page's URL, or NULL */
	char **seen; /* the URLs of the pages read */
	size_t n_seen;
};

static void pager_release(struct pager *pg)
{
	api_queue_clear(&pg->q);
	free(pg->q.v);
	free(pg->next);
	free_strings(pg->seen, pg->n_seen);
}

static int advance(struct api_client *c, const struct xfer *px,
		   struct pager *pg, struct diag_list *d)
{
	char **next = &pg->next, ***seen = &pg->seen;
	size_t *n_seen = &pg->n_seen;
	char *abs = resolve_next(px->url, *next);
	if (!abs) {
		char *shown = api_url_for_message(*next), msg[600];
		snprintf(msg, sizeof(msg), "`next` is not a URL: %s",
			 shown ? shown : "?");
		api_add_http_diag(c, d, REQUEST_GET, px->path, 200, msg);
		free(shown);
		return -1;
	}
	free(*next);
	*next = abs;
	char **grown = realloc(*seen, (*n_seen + 1) * sizeof(*grown));
	if (!grown) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	*seen = grown;
	grown[(*n_seen)++] = strdup(px->url);
	if (!grown[*n_seen - 1]) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	return check_next(c, px, *next, grown, *n_seen, d);
}

/* A read that failed (x) or answered something that is not a `what`
 * (*why from the parser, freed): one diag naming the request. -1. */
static int read_failed(struct api_client *c, const struct xfer *x,
		       const char *what, char *why, struct diag_list *d)
{
	char buf[400];
	if (x->result != XR_OK) {
		api_add_http_diag(c, d, x->method, x->path, x->status,
				  x->error);
		return -1;
	}
	snprintf(buf, sizeof(buf), "response is not a %s: %s", what,
		 why ? why : "out of memory");
	api_add_http_diag(c, d, x->method, x->path, x->status, buf);
	free(why);
	return -1;
}

static int page_result(struct api_client *c, struct xfer *x,
		       struct registration **regs, size_t *n, char **next,
		       struct diag_list *d)
{
	char *why = NULL;
	if (x->result != XR_OK ||
	    api_parse_page(buf_str(&x->resp), buf_len(&x->resp), regs, n, next,
			   &why) < 0)
		return read_failed(c, x, "PaginatedSipRegistrationList", why,
				   d);
	return 0;
}

static int sip_result(struct api_client *c, struct xfer *x,
		      struct sip_config *sip, struct diag_list *d)
{
	char *why = NULL;
	if (x->result != XR_OK ||
	    api_parse_sip(buf_str(&x->resp), buf_len(&x->resp), sip, &why) < 0)
		return read_failed(c, x, "SipConfig", why, d);
	/* a later error message must not echo a live secret either */
	for (size_t i = 0; i < sip->fallback.n_secrets; i++)
		api_redact_add(c, sip->fallback.secrets[i].value);
	return 0;
}

struct id_at {
	const char *id;
	size_t at;
};

static int by_id_then_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int r = strcmp(x->id, y->id);
	return r ? r : (x->at > y->at) - (x->at < y->at);
}

/* Pages that overlap (the listing changed while it was read) repeat a
 * registration: keep its first occurrence only, so nobody takes the
 * repeat for a duplicate to delete. Returns 0, or -1 when out of memory. */
static int drop_repeated_ids(struct registration *regs, size_t *n)
{
	struct id_at *v = *n > 1 ? calloc(*n, sizeof(*v)) : NULL;
	bool *gone = *n > 1 ? calloc(*n, sizeof(*gone)) : NULL;
	size_t kept = 0;
	if (*n <= 1)
		return 0;
	if (!v || !gone) {
		free(v);
		free(gone);
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = (struct id_at){regs[i].id ? regs[i].id : "", i};
	qsort(v, *n, sizeof(*v), by_id_then_at);
	for (size_t i = 1; i < *n; i++)
		gone[v[i].at] = strcmp(v[i].id, v[i - 1].id) == 0;
	for (size_t i = 0; i < *n; i++) {
		if (gone[i])
			model_registration_release(&regs[i]);
		else
			regs[kept++] = regs[i];
	}
	*n = kept;
	free(v);
	free(gone);
	return 0;
}

static int agents_page(struct api_client *c, struct xfer *x,
		       struct agent_names *names, char **next,
		       struct diag_list *d)
{
	char *why = NULL;
	if (x->result != XR_OK ||
	    api_parse_agents_page(buf_str(&x->resp), buf_len(&x->resp), names,
				  next, &why) < 0)
		return read_failed(c, x, "PaginatedAgentList", why, d);
	return 0;
}

/* The first page: /api/agents?pageSize=N[&search=ESCAPED]. */
static char *agents_first_url(const struct api_client *c, const char *search)
{
	char *esc = search ? curl_easy_escape(NULL, search, 0) : NULL;
	char *url = NULL;
	if (!search || esc)
		url = str_printf("/api/agents?pageSize=%d%s%s", c->page_size,
				 esc ? "&search=" : "", esc ? esc : "");
	curl_free(esc);
	return url;
}

/* One chain of api_read_set: GET /api/sip, or the pages of a listing,
 * each page pushed as soon as the one naming it is read. */
enum chain_kind { CH_SIP, CH_REGS, CH_AGENTS, CH_N };

struct chain {
	struct pager pg;
	struct xfer *cur; /* the request in flight, or NULL */
	bool failed, done;
	struct diag_list diags; /* this chain's failure, moved up at the end */
};

struct readset {
	struct chain ch[CH_N];
	struct xqueue q; /* every request of every chain */
	struct sip_config *sip;
	struct registration **regs;
	size_t *n_regs;
	struct agent_names *names;
	bool agents_optional;
	bool oom;
};

static const char *const chain_path[CH_N] = {
    "/api/sip", "/api/sip/registrations", "/api/agents"};

static bool required_failed(const struct readset *rs)
{
	return rs->ch[CH_SIP].failed || rs->ch[CH_REGS].failed ||
	       (rs->ch[CH_AGENTS].failed && !rs->agents_optional);
}

/* Pushes the request for ch's next page (or first). 0, or -1 (oom). */
static int chain_push(struct api_client *c, struct readset *rs,
		      enum chain_kind k, const char *url)
{
	struct chain *ch = &rs->ch[k];
	ch->cur = api_xfer_new(c, REQUEST_GET, url, chain_path[k], NULL);
	if (!ch->cur || api_queue_push(&rs->q, ch->cur) < 0) {
		api_xfer_free(ch->cur);
		ch->cur = NULL;
		rs->oom = ch->failed = true;
		return -1;
	}
	return 0;
}

/* A finished page of ch: parsed into the result, and the next page pushed
 * at once (unless another chain failed: the whole read fails then). */
static void chain_page(struct api_client *c, struct readset *rs,
		       enum chain_kind k, struct xfer *x)
{
	struct chain *ch = &rs->ch[k];
	int r = k == CH_SIP ? sip_result(c, x, rs->sip, &ch->diags)
		: k == CH_REGS
		    ? page_result(c, x, rs->regs, rs->n_regs, &ch->pg.next,
				  &ch->diags)
		    : agents_page(c, x, rs->names, &ch->pg.next, &ch->diags);
	ch->cur = NULL;
	if (r < 0 || (ch->pg.next && advance(c, x, &ch->pg, &ch->diags) < 0)) {
		ch->failed = true;
		return;
	}
	if (!ch->pg.next) {
		ch->done = true;
		return;
	}
	if (required_failed(rs)) {
		ch->failed = true; /* not read on: the result is dropped */
		return;
	}
	char *url = ch->pg.next;
	ch->pg.next = NULL;
	chain_push(c, rs, k, url);
	free(url);
}

static void readset_done(struct api_client *c, struct xfer *x, void *ctx)
{
	struct readset *rs = ctx;
	for (int k = 0; k < CH_N; k++)
		if (rs->ch[k].cur == x)
			chain_page(c, rs, (enum chain_kind)k, x);
}

static void readset_release(struct readset *rs)
{
	for (size_t i = 0; i < rs->q.n; i++)
		api_xfer_free(rs->q.v[i]);
	free(rs->q.v);
	for (int k = 0; k < CH_N; k++) {
		pager_release(&rs->ch[k].pg);
		diag_list_clear(&rs->ch[k].diags);
	}
}

/* The engine of api_read_set: every chain asked for runs side by side on
 * the client's connections. 0, or -1 with the diag of the first chain
 * that failed (in the order sip, registrations, agents). */
static int read_set(struct api_client *c, const struct api_read_want *w,
		    struct readset *rs, bool *agents_ok, struct diag_list *d)
{
	char first[96];
	char *agents_url =
	    w->agents ? agents_first_url(c, w->agents_search) : NULL;
	rs->q.on_done = readset_done;
	rs->q.ctx = rs;
	snprintf(first, sizeof(first), "/api/sip/registrations?pageSize=%d",
		 c->page_size);
	if ((w->sip && chain_push(c, rs, CH_SIP, "/api/sip") < 0) ||
	    (w->registrations && chain_push(c, rs, CH_REGS, first) < 0) ||
	    (w->agents &&
	     (!agents_url || chain_push(c, rs, CH_AGENTS, agents_url) < 0)))
		rs->oom = true;
	free(agents_url);
	if (!rs->oom)
		api_run_queue(c, &rs->q);
	if (rs->oom) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	for (int k = 0; k < CH_N; k++)
		if (rs->ch[k].failed && rs->ch[k].diags.len &&
		    (k != CH_AGENTS || !rs->agents_optional)) {
			diag_list_move(d, &rs->ch[k].diags);
			return -1;
		}
	if (required_failed(rs))
		return -1; /* stopped early because of another chain */
	if (agents_ok)
		*agents_ok = w->agents && rs->ch[CH_AGENTS].done;
	if (w->agents && rs->ch[CH_AGENTS].done)
		rs->names->complete = !w->agents_search;
	return 0;
}

int api_read_set(struct api_client *c, const struct api_read_want *w,
		 struct live_state **live, struct agent_names *names,
		 bool *agents_ok, struct diag_list *d)
{
	struct live_state *ls = NULL;
	struct readset rs = {.names = names,
			     .agents_optional = w->agents_optional};
	int rc = -1;
	if (live)
		*live = NULL;
	if (agents_ok)
		*agents_ok = false;
	assert(!w->agents || names);
	assert(!(w->sip || w->registrations) || live);
	if ((w->sip || w->registrations) && !(ls = calloc(1, sizeof(*ls)))) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	if (ls) {
		rs.sip = &ls->sip;
		rs.regs = &ls->regs;
		rs.n_regs = &ls->n_regs;
	}
	if (read_set(c, w, &rs, agents_ok, d) < 0)
		goto out;
	if (w->registrations && drop_repeated_ids(ls->regs, &ls->n_regs) < 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "api: out of memory");
		goto out;
	}
	if (w->registrations)
		snapshot_set(c, ls->regs, ls->n_regs);
	rc = 0;
out:
	readset_release(&rs);
	if (w->agents && (rc < 0 || (agents_ok && !*agents_ok)))
		agent_names_release(names); /* nothing half-read is kept */
	if (rc < 0)
		model_live_free(ls);
	else if (live)
		*live = ls;
	return rc;
}

int api_read_all(struct api_client *c, struct sip_config *sip,
		 struct registration **regs, size_t *n, struct diag_list *d)
{
	struct api_read_want w = {.sip = sip != NULL, .registrations = true};
	struct live_state *ls = NULL;
	if (api_read_set(c, &w, &ls, NULL, NULL, d) < 0)
		return -1;
	if (sip) {
		*sip = ls->sip;
		memset(&ls->sip, 0, sizeof(ls->sip));
	}
	*regs = ls->regs;
	*n = ls->n_regs;
	ls->regs = NULL;
	ls->n_regs = 0;
	model_live_free(ls);
	return 0;
}

void api_free_regs(struct registration *regs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
}

int api_list_registrations(struct api_client *c, struct registration **out,
			   size_t *n, struct diag_list *diags)
{
	struct registration *regs = NULL;
	size_t count = 0;
	*out = NULL;
	*n = 0;
	if (api_read_all(c, NULL, &regs, &count, diags) < 0) {
		api_free_regs(regs, count);
		return -1;
	}
	*out = regs;
	*n = count;
	return 0;
}

int api_read_live(struct api_client *c, struct live_state **out,
		  struct diag_list *diags)
{
	struct live_state *ls = calloc(1, sizeof(*ls));
	*out = NULL;
	if (!ls) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "api: out of memory");
		return -1;
	}
	if (api_read_all(c, &ls->sip, &ls->regs, &ls->n_regs, diags) < 0) {
		model_live_free(ls);
		return -1;
	}
	*out = ls;
	return 0;
}

int api_list_agents(struct api_client *c, const char *search,
		    struct agent_names *out, struct diag_list *d)
{
	struct api_read_want w = {.agents = true, .agents_search = search};
	return api_read_set(c, &w, NULL, out, NULL, d);
}

int api_agents_exist(struct api_client *c, const char *const *ids, size_t n,
		     int *exists, struct diag_list *diags)
{
	struct xqueue q = {0};
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *esc = curl_easy_escape(NULL, ids[i], 0);
		char path[512];
		struct xfer *x = NULL;
		exists[i] = -1;
		if (esc)
			snprintf(path, sizeof(path), "/api/agents/%s", esc);
		curl_free(esc);
		if (!esc ||
		    !(x = api_xfer_new(c, REQUEST_GET, path, path, NULL)) ||
		    api_queue_push(&q, x) < 0) {
			api_xfer_free(x);
			diag_add(diags, DIAG_ERROR, NULL, NULL,
				 "api: out of memory");
			rc = -1;
			goto out;
		}
	}
	api_run_queue(c, &q);
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = q.v[i];
		if (x->result == XR_OK)
			exists[i] = 1;
		else if (x->status == 404)
			exists[i] = 0;
		else {
			api_add_http_diag(c, diags, x->method, x->path,
					  x->status, x->error);
			rc = -1;
		}
	}
out:
	for (size_t i = 0; i < q.n; i++)
		api_xfer_free(q.v[i]);
	free(q.v);
	return rc;
}

int api_agent_exists(struct api_client *c, const char *agent_id,
		     struct diag_list *diags)
{
	int exists = -1;
	api_agents_exist(c, &agent_id, 1, &exists, diags);
	return exists;
}
