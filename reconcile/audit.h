/*
 * audit: who changed what on an account. One JSON line per apply run
 * appended to the audit log (default STATE_DIR/audit.jsonl): time, account,
 * actor, command, source, the plan's counts, every write (method, path,
 * status, outcome, duration), the outcome, the live fingerprint before and
 * after, and the snapshot of the live state taken before the first write.
 * Secret values never reach it: the writes are named by method and path,
 * and the live state only by its fingerprint. The line is written with
 * O_APPEND in one write(2) and fsynced, so concurrent writers never mix
 * lines and a crash loses at most the line being written.
 */
#ifndef SIPSYNC_AUDIT_H
#define SIPSYNC_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

/* Snapshots kept per account (the oldest are deleted). */
#define AUDIT_SNAPSHOTS_KEEP 50

/* Where the desired state came from and what ran; borrowed strings, any
 * may be NULL. */
struct audit_source {
	const char *command; /* "sipsync apply", "sipsync run" */
	const char *path;    /* a directory/file, or the path in the repo */
	const char *repo;
	const char *ref;
	const char *commit;
};

struct audit;

/* A record for one apply to be appended to log_path. Returns 0 and *out
 * (free with audit_free), or -1 when out of memory. */
int audit_new(struct audit **out, const char *log_path,
	      const struct audit_source *src);

void audit_free(struct audit *a);

/* Keeps yaml (the live state in export form, secrets as placeholders;
 * ownership passes to a) until audit_save_snapshot. */
void audit_set_snapshot(struct audit *a, char *yaml);

/* Writes the kept snapshot to STATE_DIR/snapshots/<domain>/<UTC time>.yaml
 * (atomically, 0600) and deletes all but the newest keep of that folder.
 * Nothing kept: nothing done. 0, or -1 with a diag naming the path. */
int audit_save_snapshot(struct audit *a, const char *state_dir,
			const char *domain, size_t keep, struct diag_list *d);

/* Records one write; method/path may be NULL (not attempted). */
int audit_add_write(struct audit *a, const char *label, const char *method,
		    const char *path, long status, const char *outcome,
		    long duration_ms);

struct audit_outcome {
	const char *domain;
	const char *outcome; /* "applied", "partial", "refused", "error" */
	size_t creates, updates, deletes;
	const char *fingerprint_before, *fingerprint_after; /* may be NULL */
	const char *guard; /* the guard that refused, or NULL */
};

/* Appends the line. 0, or -1 with a diag naming the log file. */
int audit_append(struct audit *a, const struct audit_outcome *o,
		 struct diag_list *d);

/* The actor: GITHUB_ACTOR (with the run's URL from GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY and GITHUB_RUN_ID) when set, else user@host. Caller
 * frees; NULL when out of memory. */
char *audit_actor(void);

#endif
