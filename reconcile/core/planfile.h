/*
 * planfile: saved plans (`sipsync plan --out PLAN.json`, `sipsync apply
 * --plan PLAN.json`). The file is render_json's output; it holds no secret
 * value, only keyed fingerprints of the secrets each request would send.
 *
 * Applying a saved plan never trusts the file's requests: apply computes a
 * fresh plan and planfile_check refuses unless the live state, the requests
 * and the secret fingerprints are exactly those of the saved plan.
 */
#ifndef SIPSYNC_PLANFILE_H
#define SIPSYNC_PLANFILE_H

#include <stdbool.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"

struct saved_plan {
	int format_version;
	struct source_info source; /* where the desired state came from */
	char *live_domain;
	char *live_fingerprint;
	bool sync_secrets;
	char *requests; /* canonical JSON text of the "requests" array */
};

/* Parses a saved plan from text; name is used in messages. Returns 0 and
 * *out (planfile_free), or -1 with a diag naming the file. */
int planfile_parse(struct saved_plan **out, const char *name, const char *text,
		   struct diag_list *d);

/* Reads and parses the file at path. 0 or -1 with a diag. */
int planfile_read(struct saved_plan **out, const char *path,
		  struct diag_list *d);

/* Compares a fresh plan with the saved one. Returns 0 when they are the
 * same plan; -1 with one error diag saying why not:
 *   "the account changed since the plan was made; run plan again"
 *   "the desired state or a secret changed since the plan was made; ..." */
int planfile_check(const struct saved_plan *sp, const struct plan *fresh,
		   struct diag_list *d);

void planfile_free(struct saved_plan *sp);

#endif
