/*
 * notify: the bodies of the notifications sipsync posts (`--notify URL`)
 * on drift, applies, failures, refused commits and suspensions. Pure: the
 * caller gives the time and sends the body (reconcile/api/api_notify.h).
 *
 * The json format is {"event", "account", "commit", "summary", "changes",
 * "time", "text"}; slack is an incoming-webhook {"text": ...}; teams an
 * Adaptive Card message. What goes in is what the plan's text shows (counts,
 * resource titles, field paths): never a value, so never a secret.
 */
#ifndef SIPSYNC_NOTIFY_H
#define SIPSYNC_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/crypto.h"

struct plan;

enum notify_kind {
	NOTIFY_DRIFT_DETECTED,
	NOTIFY_DRIFT_RESOLVED,
	NOTIFY_APPLIED,
	NOTIFY_APPLY_FAILED,
	NOTIFY_INVALID_COMMIT,
	NOTIFY_RECOVERED,
	NOTIFY_SUSPENDED,
};

enum notify_format {
	NOTIFY_FORMAT_JSON,
	NOTIFY_FORMAT_SLACK,
	NOTIFY_FORMAT_TEAMS
};

/* At most this many entries in "changes"; past it the last one says how
 * many more there are (a 1,000-registration import stays one small post). */
#define NOTIFY_MAX_CHANGES 50

/* "sha256=" and the hex digest, NUL-terminated. */
#define NOTIFY_SIGNATURE_LEN (7 + CRYPTO_SHA256_HEX_LEN + 1)

struct notify_event {
	enum notify_kind kind;
	char *account; /* the account's domain; NULL: unknown */
	char *commit;  /* git commit; NULL: a local source */
	char *summary; /* one line: counts, the reason */
	char **changes;
	size_t n_changes;
	size_t changes_omitted; /* past NOTIFY_MAX_CHANGES: "... and N more" */
	long long time;		/* unix seconds */
	bool reminder; /* the same state, said again (--notify-repeat) */
};

/* "drift_detected", ... (static). */
const char *notify_kind_name(enum notify_kind k);

/* json, slack or teams into *out. 0, or -1 for another name. */
int notify_format_parse(const char *name, enum notify_format *out);

/* Fills ev (zero it first) with kind, copies of account, commit and
 * summary, and time. 0, or -1 when out of memory (ev is then released). */
int notify_event_init(struct notify_event *ev, enum notify_kind kind,
		      const char *account, const char *commit,
		      const char *summary, long long time);

/* Adds one entry to ev->changes (copied; past NOTIFY_MAX_CHANGES only
 * counted, and the body ends the list with "... and N more"). 0 or -1
 * (out of memory). */
int notify_event_add_change(struct notify_event *ev, const char *change);

/* Adds every change of p as "TITLE: FIELD" (or TITLE alone for a create
 * or delete without field changes), as the plan's text names them, and
 * sets the summary to "N to create, N to update, N to delete" when ev has
 * none. 0 or -1. */
int notify_event_add_plan(struct notify_event *ev, const struct plan *p);

/* The one-line human text of ev ("sipsync: drift detected on acme... at
 * 1a2b3c4d5e6f: 0 to create, 1 to update, 0 to delete"). Caller frees;
 * NULL when out of memory. */
char *notify_event_text(const struct notify_event *ev);

/* The body to post in format f. Returns 0 and *out (caller frees), or -1
 * when out of memory. */
int notify_body(const struct notify_event *ev, enum notify_format f,
		char **out);

/* The X-Sipsync-Signature-256 value of body: "sha256=" and the lowercase
 * hex HMAC-SHA256 keyed with secret. 0, or -1 (empty secret, failure). */
int notify_signature(const char *secret, const char *body, size_t len,
		     char out[NOTIFY_SIGNATURE_LEN]);

/* "REASON (until 2026-12-24T00:00:00Z); WHAT" (no until: without the
 * parenthesis), the summary of a suspension and what apply prints.
 * Caller frees; NULL when out of memory. */
char *notify_suspend_text(const char *reason, long long until,
			  const char *what);

/* Frees what ev owns and zeroes it. Accepts NULL. */
void notify_event_release(struct notify_event *ev);

#endif
