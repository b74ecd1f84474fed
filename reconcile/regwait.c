/*
 * regwait: poll the registration list until the registrations an apply
 * made report their status.
 */
#include "reconcile/regwait.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/base/str.h"
#include "reconcile/core/model.h"

#define REGWAIT_FIRST_MS 250
#define REGWAIT_MAX_MS 4000

int regwait_from_plan(struct regwait *w, const struct plan *p)
{
	memset(w, 0, sizeof(*w));
	w->v = calloc(p->n_items + 1, sizeof(*w->v));
	if (!w->v)
		return -1;
	for (size_t i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->resource != PLAN_REGISTRATION ||
		    it->action == PLAN_DELETE)
			continue;
		w->v[w->n].key = str_dup(it->key);
		if (!w->v[w->n++].key)
			return -1;
	}
	w->unknown = w->n;
	return 0;
}

void regwait_release(struct regwait *w)
{
	for (size_t i = 0; w->v && i < w->n; i++)
		free(w->v[i].key);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The status of one identity in a listing: true wins over false (of
 * duplicates, one registered is enough), false over null. */
static enum regwait_status status_in(const char *key,
				     const struct registration *regs, size_t n)
{
	enum regwait_status s = REGWAIT_UNKNOWN;
	for (size_t j = 0; j < n; j++) {
		char *k = model_registration_key(&regs[j]);
		bool same = k && strcmp(k, key) == 0;
		free(k);
		if (same && regs[j].successful == 1)
			return REGWAIT_UP;
		if (same && regs[j].successful == 0)
			s = REGWAIT_FAILED;
	}
	return s;
}

/* One listing: updates the entries still unknown. 0 or -1. */
static int poll_once(struct api_client *api, struct regwait *w,
		     struct diag_list *d)
{
	struct registration *regs = NULL;
	size_t n = 0;
	if (api_list_registrations(api, &regs, &n, d) != 0)
		return -1;
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].status == REGWAIT_UNKNOWN)
			w->v[i].status = status_in(w->v[i].key, regs, n);
	for (size_t j = 0; j < n; j++)
		model_registration_release(&regs[j]);
	free(regs);
	return 0;
}

static void count(struct regwait *w)
{
	w->up = w->failed = w->unknown = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].status == REGWAIT_UP)
			w->up++;
		else if (w->v[i].status == REGWAIT_FAILED)
			w->failed++;
		else
			w->unknown++;
	}
}

/* Sleeps ms; false when a signal cut it short (the user wants to stop). */
static bool nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	return nanosleep(&ts, NULL) == 0 || errno != EINTR;
}

int regwait_run(struct api_client *api, struct regwait *w, long timeout_ms,
		struct diag_list *d)
{
	long start = now_ms(), delay = REGWAIT_FIRST_MS;
	int rc = 0;
	for (;;) {
		if (poll_once(api, w, d) != 0) {
			rc = -1;
			break;
		}
		count(w);
		long left = timeout_ms - (now_ms() - start);
		if (w->unknown == 0 || left <= 0 ||
		    !nap(delay < left ? delay : left))
			break;
		delay = delay * 2 < REGWAIT_MAX_MS ? delay * 2 : REGWAIT_MAX_MS;
	}
	w->waited_ms = now_ms() - start;
	return rc;
}
