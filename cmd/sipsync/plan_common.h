/*
 * plan_common: what plan, apply and export share in cmd/: flags to API
 * client, loading the desired state, printing a plan, writing a file
 * atomically.
 */
#ifndef SIPSYNC_PLAN_COMMON_H
#define SIPSYNC_PLAN_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd/sipsync/cli.h"
#include "reconcile/api/api.h"
#include "reconcile/core/plan.h"
#include "reconcile/reconcile.h"

struct pc_session {
	struct cli_common common;
	int parallelism;	 /* 0: the client's default */
	long default_timeout_ms; /* without --timeout; 0: PC_TIMEOUT_MS */
	char *api_key;
	char *state_dir;
	struct api_client *api;
	struct desired_state *ds;
};

/* The deadline of a command without --timeout: reads of even a large
 * account take well under it; apply's is longer (1,000 creates at the rate
 * limit with retries). */
#define PC_TIMEOUT_MS (5L * 60 * 1000)
#define PC_APPLY_TIMEOUT_MS (15L * 60 * 1000)

/* Reads the key and opens the API client with the command's deadline
 * (--timeout), SIGINT/SIGTERM as its stop request (a second one ends the
 * process at once) and, when stderr is a terminal, a still-waiting line
 * every 10 s. 0, or -1 (message printed). */
int pc_open_api(struct pc_session *s);

/* Loads, validates and resolves the desired state. 0 or -1 (printed). */
int pc_load(struct pc_session *s);

/* Fills o from the session (state dir, key, force). */
void pc_opts(struct pc_session *s, struct reconcile_opts *o);

void pc_close(struct pc_session *s);

/* Prints the text plan on fp (colour per --color and fp). */
void pc_print_plan(struct pc_session *s, const struct plan *p, FILE *fp);

/* Writes data to path atomically (temporary file, fsync, rename) with the
 * given mode. 0, or -1 (message printed). */
int pc_write_file(const char *path, const char *data, unsigned mode);

/* Parses a non-negative decimal number for flag. 0, or -1 (printed). */
int pc_parse_long(const char *flag, const char *arg, long *out);

#endif
