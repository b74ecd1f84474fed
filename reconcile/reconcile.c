/* Stub: the interface is stable; the implementation lands with plan/apply. */
#include "reconcile/reconcile.h"

#include <stdlib.h>
#include <string.h>

void reconcile_opts_init(struct reconcile_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_deletes = -1;
}

int reconcile_plan(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct plan **out,
		   struct diag_list *d)
{
	(void)api;
	(void)ds;
	(void)o;
	*out = NULL;
	diag_add(d, DIAG_ERROR, NULL, NULL, "reconcile: not implemented yet");
	return -1;
}

int reconcile_guards(const struct plan *p, const struct reconcile_opts *o,
		     const char **guard, struct diag_list *d)
{
	(void)p;
	(void)o;
	(void)d;
	*guard = NULL;
	return 0;
}

int reconcile_apply(struct api_client *api, const struct plan *p,
		    const struct reconcile_opts *o,
		    struct reconcile_result *r, struct diag_list *d)
{
	(void)api;
	(void)p;
	(void)o;
	(void)r;
	diag_add(d, DIAG_ERROR, NULL, NULL, "reconcile: not implemented yet");
	return -1;
}

int reconcile_result_from_plan(struct reconcile_result *r,
			       const struct plan *p)
{
	(void)r;
	(void)p;
	return -1;
}

int reconcile_once(struct api_client *api, const struct desired_state *ds,
		   const struct reconcile_opts *o, struct reconcile_result *r,
		   struct diag_list *d)
{
	memset(r, 0, sizeof(*r));
	struct plan *p = NULL;
	if (reconcile_plan(api, ds, o, &p, d) != 0)
		return -1;
	r->plan = p;
	return -1;
}

void reconcile_result_release(struct reconcile_result *r)
{
	if (!r)
		return;
	free(r->live_domain);
	free(r->live_fingerprint);
	free(r->plan_text);
	/* r->plan: plan_free once plan.c lands */
	memset(r, 0, sizeof(*r));
}
