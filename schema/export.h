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

#include <stdbool.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

/* Returns 0 and *out (NUL-terminated YAML, caller frees), or -1 with a
 * diag. */
int export_yaml(const struct live_state *live, char **out, struct diag_list *d);

/* export_yaml with the account's agent names (may be NULL): each agentId
 * gets its agent's name as a comment, or, with by_name, is written as
 * `agent: NAME` when the (complete) names hold that name for this agent
 * alone. */
struct agent_names;
int export_yaml_names(const struct live_state *live,
		      const struct agent_names *names, bool by_name, char **out,
		      struct diag_list *d);

#endif
