/*
 * policy: an organisation's rules over the desired state, given from
 * outside the repository (--policy FILE) so that a pull request cannot
 * relax them. The file format (version 1) is in sipsync.yaml(5) and
 * schema/policy.schema.json; it is read with the desired-state loader's
 * YAML machinery (positions, unknown keys with a did-you-mean).
 *
 * Every rule violated is an error at the place of the offending value in
 * the desired state, naming the rule and its place in the policy file:
 *   sip.yaml:7:9: error: sip.allowedCidrRanges[2]: 10.0.0.0/8 is wider
 *   than /16 (policy cidr.minPrefix, policy.yaml:4:16)
 *
 * Ownership: policy_load returns a struct policy the caller frees with
 * policy_free (accepts NULL); every pos in it points into the struct.
 */
#ifndef SIPSYNC_POLICY_H
#define SIPSYNC_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

/* A policy file larger than this is refused. */
#define POLICY_MAX_FILE (1024 * 1024)

struct policy;

/* Parses data[0..len) of the policy file named name (for places). Returns
 * 0 and *out, or -1 with every problem added to diags (*out NULL). */
int policy_parse(struct policy **out, const char *name, const char *data,
		 size_t len, struct diag_list *diags);

/* Reads and parses the policy file at path. 0 and *out, or -1 (diags). */
int policy_load(struct policy **out, const char *path, struct diag_list *diags);

/* Checks ds against every rule of p; each violation is an error added to
 * diags. reg_paths[i] is the field path of ds->regs[i] (as the loader
 * named it), or reg_paths is NULL for registrations.items[i]. Returns 0
 * when none was found, -1 otherwise. */
int policy_check(const struct policy *p, const struct desired_state *ds,
		 const char *const *reg_paths, struct diag_list *diags);

void policy_free(struct policy *p);

#endif
