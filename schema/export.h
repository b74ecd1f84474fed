/*
 * export: the live account as a desired-state file (YAML, written with
 * libyaml's emitter). Secret values are never written: registration
 * passwords and fallback secrets become {env: NAME} placeholders, listed in
 * the header comment. Once those variables hold the real values, planning
 * the exported file against the same account shows no changes (passwords
 * with no recorded fingerprint show as "unknown (write-only)" notes).
 * Live duplicates of one registration identity are exported once (the
 * header says which were left out).
 */
#ifndef SIPSYNC_EXPORT_H
#define SIPSYNC_EXPORT_H

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

/* Returns 0 and *out (NUL-terminated YAML, caller frees), or -1 with a
 * diag. */
int export_yaml(const struct live_state *live, char **out, struct diag_list *d);

#endif
