/*
 * lock: one writer per account on this machine. An apply holds an
 * exclusive flock(2) on STATE_DIR/<domain>.lock from before the plan it
 * acts on until its state file is saved, so two applies never interleave
 * and the second plans (and is guarded) against the account as the first
 * left it. The kernel drops the lock when the holder dies (even SIGKILL),
 * so no stale lock is ever left; the file only records who holds it (pid,
 * host, command, start time; never a secret) for the message of the one
 * that waits, and is emptied on release. Across machines the lock does nothing:
 * CI's concurrency groups serialise those.
 */
#ifndef SIPSYNC_LOCK_H
#define SIPSYNC_LOCK_H

#include <stdbool.h>

#include "reconcile/base/diag.h"

struct lock;

/* Takes the lock of domain in state_dir (created 0700 when missing) for
 * command (e.g. "sipsync apply"), waiting up to timeout_ms (0: fail at
 * once). Returns 0 and *out (release with lock_release), or -1 with one
 * diag: "account acme.sip.ultravox.ai is locked by pid 4711 on ci-runner-3
 * (sipsync apply, since 12:03:10 UTC); --lock-timeout 2m waits", or the
 * path and errno when the file cannot be opened. */
int lock_acquire(struct lock **out, const char *state_dir, const char *domain,
		 const char *command, long timeout_ms, struct diag_list *d);

/* True when no other process of this machine can have held the lock
 * since since_ms (realtime, ms): it was taken without waiting, its
 * last holder released it (a holder that died holding it is not
 * trusted) and did so a second or more before since_ms (a release
 * empties the file and touches it). A read of the account started at
 * since_ms then saw no half-made apply of another sipsync, and need not
 * be made again now that the lock is held. */
bool lock_quiet_since(const struct lock *l, long long since_ms);

/* Releases the lock and frees l. Accepts NULL. */
void lock_release(struct lock *l);

#endif
