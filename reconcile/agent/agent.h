/*
 * agent: the long-running GitOps loop behind `sipsync run`.
 *
 * Each cycle fetches the repository (gitsrc), resolves the ref, loads the
 * desired state from that commit and calls reconcile_once (plan only in
 * detect mode, plan and apply in apply mode). A cycle runs at start, every
 * interval, and at once when a signed webhook arrives. A failed cycle is
 * retried with exponential backoff that never retries sooner than the
 * interval; a commit whose desired state does not load is reported and
 * nothing is sent for it (the account keeps the last good state), and
 * /readyz turns unready until a cycle succeeds again.
 *
 * Logs go to cfg->log, one line each (text or JSON); every line written
 * during a cycle carries the commit. Secret values are never logged.
 * Write-only values with no record are a warning each time their set
 * changes (sent only with sync_secrets); a ref that moved to a commit not
 * descending from the last applied one is a warning naming both.
 */
#ifndef SIPSYNC_AGENT_H
#define SIPSYNC_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "reconcile/git/gitsrc.h"
#include "schema/load.h"

struct agent_notify_config; /* reconcile/agent/agent_notify.h */
struct accounts;	    /* schema/accounts.h */

struct agent_config {
	struct gitsrc_opts git;		 /* url, ref, path, cache_root (the
					    state dir), token, ssh_key,
					    known_hosts */
	const char *git_token_file;	 /* overrides git.token; re-read on
					    SIGHUP */
	const char *webhook_secret_file; /* re-read on SIGHUP; NULL: every
					    webhook is refused */
	const char *api_url;
	bool allow_insecure_http; /* http:// API URL to a non-loopback host */
	const char *ca_cert;
	const char *api_key;	  /* used when api_key_file is NULL */
	const char *api_key_file; /* re-read on SIGHUP */
	const char *state_dir;	  /* fingerprints of write-only values */
	long interval_ms;	  /* between cycles; 0 = back to back */
	bool apply;		  /* false: detect mode (plan only) */
	bool sync_secrets;	  /* apply mode: send write-only values with
				     no record (then recorded, so once) */
	const char *listen;	  /* HTTP endpoint, NULL: none */
	bool once;		  /* run one cycle, then return */
	unsigned long max_cycles; /* stop after this many cycles; 0: never */
	struct load_opts load;	  /* .policy is the agent's own */
	const char *policy_file;  /* --policy: every commit is checked
				     against it; re-read on SIGHUP (a file
				     that does not load keeps the previous
				     policy) */
	/* an accounts file at git.path (schema/accounts.h): the account
	 * reconciled, read at every commit with its sources as overlays;
	 * metrics carry it as the account label. NULL: desired state. */
	const char *account;
	/* one process, many accounts (run --all, several --account): the
	 * accounts file as parsed at start (each account's key is resolved
	 * from it, again on SIGHUP, until a commit's file replaces it: see
	 * all_accounts) and the names reconciled, one after
	 * another each cycle after one fetch, each with its own API client,
	 * key, backoff, notifications and metrics; /readyz is every
	 * account's. n_account_names 0: account above, or desired state. */
	const struct accounts *accounts;
	const char *const *account_names;
	size_t n_account_names;
	/* multi: at every new commit the accounts file there (verified
	 * with --verify-commits) is read again: each account's domain,
	 * apiUrl and apiKey source follow it (a change: a new client, the
	 * key read again); with all_accounts (--all) so does which accounts
	 * are served (added: served from that commit; removed: no longer,
	 * their readiness and metrics gone, their state left). A file that
	 * does not load keeps the accounts as they were. */
	bool all_accounts;
	int parallelism; /* API requests in flight at most; 0: default */
	double max_rps;	 /* API requests started per second at most, per
			    account's client; 0: default */
	long account_timeout_ms; /* one account's reconcile in a cycle
				    (every request and retry) ends within
				    this; 0: no bound but each request's */
	const char *key_source;	 /* one account: where api_key came from
				    (401/403 messages); NULL: the default */
	bool log_json;
	int verbosity; /* < 0: errors and warnings only */
	FILE *log;     /* stderr normally */
	/* --notify: events on state changes (agent_notify.h); NULL: none */
	const struct agent_notify_config *notify;
};

/* Runs the agent until a stop signal (agent_signal(SIGTERM/SIGINT)),
 * max_cycles, or after one cycle with once. Returns 0 on a clean stop (with
 * once: when the cycle succeeded), -1 when it cannot start (a secret file
 * unreadable, --listen unavailable, the cache unusable; logged) or, with
 * once, when the cycle failed. */
int agent_run(const struct agent_config *cfg);

/* To be called from a signal handler (async-signal-safe): SIGTERM and
 * SIGINT stop the agent after the current step (a fetch in progress is
 * abandoned at once), SIGHUP re-reads the secret files (regular files
 * only; a FIFO is refused) and the policy file. Does nothing when no agent is
 * running. */
void agent_signal(int sig);

/* Parses an interval: "90" or "90s" seconds, "5m", "1h", "250ms"; also
 * combinations such as "1h30m". Returns 0 and *ms, or -1 when malformed or
 * larger than a week. */
int agent_parse_duration(const char *s, long *ms);

#endif
