/*
 * agent_notify: the agent's notification state machine (see
 * agent_notify.h). Runs on the agent's thread; only the sender
 * (api_notify) has a thread of its own, so a cycle never waits for a
 * receiver.
 */
#include "reconcile/agent/agent_notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/base/str.h"
#include "reconcile/core/plan.h"
#include "reconcile/logline.h"
#include "reconcile/reconcile.h"

enum nstate {
	NS_UNKNOWN,
	NS_OK,
	NS_DRIFT,
	NS_FAILED,
	NS_INVALID,
	NS_SUSPENDED
};

struct agent_notify {
	struct api_notifier *sender;
	enum notify_format format;
	long repeat_ms;
	FILE *log;
	bool log_json;
	int verbosity;

	enum nstate state;
	long long said_at; /* unix seconds of the last event of state */
	char *account;	   /* last known domain */
	char invalid[41];  /* the commit last refused */
};

static void on_log(void *ctx, bool failed, const char *msg)
{
	struct agent_notify *n = ctx;
	if (!failed && n->verbosity < 0)
		return;
	logline_write(n->log, n->log_json, failed ? "warning" : "info", NULL,
		      msg);
}

int agent_notify_new(struct agent_notify **out,
		     const struct agent_notify_config *cfg, FILE *log,
		     bool log_json, int verbosity, struct diag_list *d)
{
	*out = NULL;
	if (!cfg || !cfg->send.n_urls)
		return 0;
	struct agent_notify *n = calloc(1, sizeof(*n));
	if (!n) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "out of memory");
		return -1;
	}
	n->format = cfg->format;
	n->repeat_ms = cfg->repeat_ms;
	n->log = log;
	n->log_json = log_json;
	n->verbosity = verbosity;
	struct api_notify_config sc = cfg->send;
	sc.log = on_log;
	sc.log_ctx = n;
	if (api_notifier_new(&n->sender, &sc, d) != 0) {
		free(n);
		return -1;
	}
	*out = n;
	return 0;
}

/* Builds ev's body and queues it. */
static void send_event(struct agent_notify *n, struct notify_event *ev)
{
	char *body = NULL;
	if (notify_body(ev, n->format, &body) == 0)
		api_notifier_post(n->sender, notify_kind_name(ev->kind), body);
	else
		on_log(n, true, "notification: out of memory");
	free(body);
}

static void post(struct agent_notify *n, enum notify_kind kind,
		 const char *account, const char *commit, const char *summary,
		 const struct plan *plan, long long now, bool reminder)
{
	struct notify_event ev = {0};
	if (notify_event_init(&ev, kind, account, commit, summary, now) == 0 &&
	    (!plan || notify_event_add_plan(&ev, plan) == 0)) {
		ev.reminder = reminder;
		send_event(n, &ev);
	} else {
		on_log(n, true, "notification: out of memory");
	}
	notify_event_release(&ev);
}

void agent_notify_post(struct agent_notify *n, enum notify_kind kind,
		       const char *account, const char *commit,
		       const char *summary, const struct plan *plan,
		       long long now)
{
	if (n)
		post(n, kind, account, commit, summary, plan, now, false);
}

/* Enters state s: the event kind when it is new, a reminder when it
 * persists past repeat_ms; false when there is nothing to say. */
static bool enter(struct agent_notify *n, enum nstate s, long long now,
		  bool *reminder)
{
	*reminder = false;
	if (n->state != s) {
		n->state = s;
		n->said_at = now;
		return true;
	}
	if (!n->repeat_ms || (now - n->said_at) * 1000 < n->repeat_ms)
		return false;
	n->said_at = now;
	*reminder = true;
	return true;
}

static void remember_account(struct agent_notify *n, const char *domain)
{
	char *copy = domain ? str_dup(domain) : NULL;
	if (!copy)
		return;
	free(n->account);
	n->account = copy;
}

static char *failure_summary(const struct reconcile_result *r)
{
	if (r->guard)
		return str_printf("guard refused: %s; nothing was sent",
				  r->guard);
	if (r->writes_failed)
		return str_printf("%zu of %zu changes not made",
				  r->writes_failed, r->writes_total);
	if (r->outcome == RECONCILE_ERROR)
		return str_dup("could not plan (see the agent's log)");
	return str_dup("apply incomplete (see the agent's log)");
}

/* A good cycle: applied (when writes were made), then drift_resolved or
 * recovered for the state it leaves. */
static void cycle_ok(struct agent_notify *n, const struct agent_notify_cycle *c)
{
	const struct reconcile_result *r = c->r;
	enum nstate was = n->state;
	bool reminder;
	if (c->apply_mode && r->writes_done)
		post(n, NOTIFY_APPLIED, n->account, c->commit, NULL, r->plan,
		     c->now, false);
	if (!c->apply_mode && r->changes) {
		if (enter(n, NS_DRIFT, c->now, &reminder))
			post(n, NOTIFY_DRIFT_DETECTED, n->account, c->commit,
			     NULL, r->plan, c->now, reminder);
		return;
	}
	enter(n, NS_OK, c->now, &reminder);
	if (was == NS_DRIFT)
		post(n, NOTIFY_DRIFT_RESOLVED, n->account, c->commit,
		     "the account matches the desired state", NULL, c->now,
		     false);
	else if (was == NS_FAILED || was == NS_INVALID)
		post(n, NOTIFY_RECOVERED, n->account, c->commit,
		     "the account matches the desired state", NULL, c->now,
		     false);
}

void agent_notify_cycle(struct agent_notify *n,
			const struct agent_notify_cycle *c)
{
	bool reminder;
	char *summary = NULL;
	if (!n)
		return;
	remember_account(n, c->r->live_domain);
	n->invalid[0] = '\0';
	if (c->suspended) {
		if (enter(n, NS_SUSPENDED, c->now, &reminder)) {
			summary = notify_suspend_text(
			    c->suspended, c->suspended_until, "planning only");
			post(n, NOTIFY_SUSPENDED, n->account, c->commit,
			     summary, c->r->plan, c->now, reminder);
		}
	} else if (c->rc != 0 && c->apply_mode) {
		if (enter(n, NS_FAILED, c->now, &reminder)) {
			summary = failure_summary(c->r);
			post(n, NOTIFY_APPLY_FAILED, n->account, c->commit,
			     summary, c->r->plan, c->now, reminder);
		}
	} else if (c->rc == 0) {
		cycle_ok(n, c);
	}
	free(summary);
}

/* The field paths of the errors (their messages may quote values). */
static void add_diag_paths(struct notify_event *ev, const struct diag_list *d)
{
	for (size_t i = 0; d && i < d->len; i++)
		if (d->items[i].severity == DIAG_ERROR && d->items[i].path)
			notify_event_add_change(ev, d->items[i].path);
}

void agent_notify_invalid(struct agent_notify *n, const char *commit,
			  const char *reason, const struct diag_list *d,
			  long long now)
{
	struct notify_event ev = {0};
	bool reminder = false;
	if (!n)
		return;
	/* a new refused commit is news even in the same state */
	bool fresh = !commit || strcmp(n->invalid, commit) != 0;
	if (!enter(n, NS_INVALID, now, &reminder) && !fresh)
		return;
	if (fresh) {
		reminder = false;
		n->said_at = now;
	}
	snprintf(n->invalid, sizeof(n->invalid), "%s", commit ? commit : "");
	if (notify_event_init(&ev, NOTIFY_INVALID_COMMIT, n->account, commit,
			      reason, now) != 0) {
		on_log(n, true, "notification: out of memory");
		return;
	}
	ev.reminder = reminder;
	add_diag_paths(&ev, d);
	send_event(n, &ev);
	notify_event_release(&ev);
}

void agent_notify_flush(struct agent_notify *n)
{
	if (n)
		api_notifier_flush(n->sender);
}

unsigned long agent_notify_failed(struct agent_notify *n)
{
	return n ? api_notifier_failed(n->sender) : 0;
}

void agent_notify_free(struct agent_notify *n)
{
	if (!n)
		return;
	api_notifier_free(n->sender);
	free(n->account);
	free(n);
}
