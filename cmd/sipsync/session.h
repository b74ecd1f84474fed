/*
 * session: what plan, apply and export share in cmd/: the API client from
 * the flags (key, deadline, stop pipe, progress and request log
 * callbacks), loading the desired state, the state directory, printing a
 * plan.
 */
#ifndef SIPSYNC_SESSION_H
#define SIPSYNC_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd/sipsync/cli.h"
#include "reconcile/api/api.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/plan.h"
#include "reconcile/reconcile.h"

struct session {
	struct cli_common common;
	int parallelism;	 /* 0: the client's default */
	double max_rps;		 /* 0: the client's default */
	long default_timeout_ms; /* without --timeout; 0: SESSION_TIMEOUT_MS */
	char *api_key;
	char *state_dir;
	struct api_client *api;
	struct desired_state *ds;
	struct agent_names names; /* session_read */
};

/* The deadline of a command without --timeout: reads of even a large
 * account take well under it; apply's is longer (1,000 creates at the rate
 * limit with retries). */
#define SESSION_TIMEOUT_MS (5L * 60 * 1000)
#define SESSION_APPLY_TIMEOUT_MS (15L * 60 * 1000)

/* Reads the key and opens the API client with the command's deadline
 * (--timeout), SIGINT/SIGTERM as its stop request (a second one ends the
 * process at once) and, when stderr is a terminal, a still-waiting line
 * every 10 s. 0, or -1 (message printed). */
int session_open_api(struct session *s);

/* Loads, validates and resolves the desired state. 0 or -1 (printed). */
int session_load(struct session *s);

/* The plan's reads side by side (reconcile_read: the live account and
 * the agent names), then every `agent: NAME` of the desired state
 * resolved. 0 and *live (model_live_free), or -1 (printed). */
int session_read(struct session *s, struct live_state **live);

/* Fills o from the session (state dir, key, force, agent names). */
void session_opts(struct session *s, struct reconcile_opts *o);

void session_close(struct session *s);

/* Prints the text plan on fp (colour per --color and fp). */
void session_print_plan(struct session *s, const struct plan *p, FILE *fp);

/* Parses a non-negative decimal number for flag. 0, or -1 (printed). */
int session_parse_long(const char *flag, const char *arg, long *out);

/* The same, within lo..hi (--parallelism 1..64, --max-rps 1..10000). */
int session_parse_range(const char *flag, const char *arg, long lo, long hi,
			long *out);

#endif
