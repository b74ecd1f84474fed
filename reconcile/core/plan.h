/*
 * plan: the pure core. desired state + live state + recorded fingerprints
 * → the list of changes and the exact requests that make the account match.
 * No I/O: the caller reads the live state and the state file.
 *
 * Comparison rules (DESIGN §3):
 * - a field the desired state omits is unmanaged: not compared, not sent;
 * - allowedCidrRanges compare as sets of canonical networks;
 * - allowedAgents compare in order, a missing toUserPattern being the
 *   default ^agent_<agentId>$; entries are matched by agentId (the n-th
 *   occurrence of an id with the n-th), so a reorder shows as moves;
 * - fallbackHandler: url as text, secrets as values when the live state
 *   returns them, else through the keyed fingerprint recorded in the state;
 * - registrations are matched by username@lowercase(proxy); several live
 *   registrations of one identity that the file declares are drift: the
 *   oldest is kept, the others deleted (with or without prune); duplicates
 *   of an undeclared identity are deleted when pruning, noted otherwise;
 *   password is write-only: compared through the keyed
 *   fingerprint; no record is a note (not a change) unless sync_secrets.
 *
 * Ownership: everything hangs off struct plan; plan_free frees it all and
 * wipes the request bodies (they hold real secret values).
 */
#ifndef SIPSYNC_PLAN_H
#define SIPSYNC_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "reconcile/core/request.h"

struct crypto_hmac;

struct fpstore;
struct agent_names;  /* reconcile/core/agents.h */
struct route_impact; /* reconcile/core/route_impact.h */

#define PLAN_FORMAT_VERSION 1

/* State keys of write-only values. */
#define PLAN_FALLBACK_SECRETS_KEY "sip/fallbackHandler/secrets"

enum plan_action { PLAN_CREATE, PLAN_UPDATE, PLAN_DELETE };
enum plan_resource { PLAN_SIP, PLAN_REGISTRATION };

enum plan_op {
	PLAN_OP_SET,	   /* field old → new */
	PLAN_OP_ADD,	   /* list entry added */
	PLAN_OP_REMOVE,	   /* list entry removed */
	PLAN_OP_MOVE,	   /* allowedAgents entry moved */
	PLAN_OP_SENSITIVE, /* a secret changes; no value shown */
};

struct plan_change {
	enum plan_op op;
	char *field;	  /* JSON-ish path: allowedCidrRanges, allowAllAgents,
			     allowedAgents[1], allowedAgents[0].toUserPattern,
			     fallbackHandler, fallbackHandler.url,
			     fallbackHandler.secrets, outboundProxy, authUser,
			     password */
	char *agent_id;	  /* allowedAgents entries, else NULL */
	char *agent_name; /* the agent's name when known, else NULL */
	char *old_json;	  /* SET/REMOVE: the old value as JSON text, or NULL */
	char *new_json;	  /* SET/ADD: the new value as JSON text, or NULL */
	long index;	  /* allowedAgents: desired index, -1 otherwise */
	long from_index;  /* allowedAgents MOVE/REMOVE: live index, else -1 */
	char *text;	  /* the line as printed (no marker, no colour) */
};

/* A write-only value a request sends: its state key and keyed fingerprint
 * (HMAC-SHA256 with the API key), recorded in the state after success. */
struct plan_secret {
	char *key;
	char fingerprint[65];
};

struct plan_item {
	enum plan_action action;
	enum plan_resource resource;
	char *key;	    /* registration identity, or the domain for sip */
	char *id;	    /* live registrationId, NULL otherwise */
	char *title;	    /* "sip config (acme...)", "registration k (id)" */
	const char *reason; /* deletes: "prune" or "duplicate"; else NULL */
	struct pos pos;	    /* desired place, when there is one */

	struct plan_change *changes;
	size_t n_changes;

	struct request req; /* the request apply sends */
	struct plan_secret *secrets;
	size_t n_secrets;
	char *forget_key; /* state key to remove once deleted, or NULL */
};

/* Something worth saying that is not a change (no write, no exit code 2). */
struct plan_note {
	char *subject; /* "registration alice@pbx.example.com (reg_1)" */
	char *field;   /* "password", or NULL */
	char *text;    /* "unknown (write-only)" */
};

/* The texts of the registration health notes (subject "registration K"). */
#define PLAN_NOTE_NOT_REGISTERED "not registered (successful: false)"
#define PLAN_NOTE_STATUS_UNKNOWN "status not known yet (successful: null)"

/* A live registration the plan keeps and the status it reported. */
struct plan_health {
	char *key;	/* registration identity, alice@pbx.example.com */
	int successful; /* 1, 0, or -1 (null: not known yet); of several
			   live copies of one identity the best */
};

struct plan {
	int format_version;
	struct source_info source; /* copy of the desired state's */
	char *live_domain;
	char *live_fingerprint; /* sha256 hex of plan_live_canonical_json */

	struct plan_item *items; /* sip first, then registrations */
	size_t n_items;
	struct plan_note *notes;
	size_t n_notes;
	struct plan_health *health; /* by identity, sorted (one each) */
	size_t n_health;
	struct route_impact *routing; /* where calls land before and after,
					 when the plan changes routing
					 fields; else NULL */

	size_t creates, updates, deletes;
	bool sync_secrets; /* built with --sync-secrets (kept in saved plans) */
	bool key_changed;  /* the state's fingerprints were keyed with another
			      API key (there is a note saying so) */

	/* inputs of the guards (reconcile_guards) */
	char *desired_domain; /* account.domain, or NULL */
	struct pos desired_domain_pos;
	bool has_desired; /* the source holds sip: or registrations: */
	size_t live_regs; /* live registrations before apply */
	size_t reg_updates, reg_deletes;
	size_t reg_dup_deletes; /* of reg_deletes: extra live copies of a
				   declared identity */
	bool lockout;		/* accepted calls before, none after */
	bool fallback_secret_regenerated; /* the PATCH sends the fallback
					     handler without the secrets the
					     API hid: the server generates a
					     new one (a guard) */
	struct crypto_hmac *fp_key;	  /* while plan_build runs: the API key,
					     set up once for every fingerprint */
};

struct plan_input {
	const struct desired_state *ds; /* secrets resolved */
	const struct live_state *live;
	const struct fpstore *fps; /* recorded fingerprints, may be NULL;
				      a store whose fingerprints were made
				      with another API key
				      (fpstore_key_changed) gets a note */
	const char *api_key;	   /* fingerprint key */
	bool sync_secrets;
	const struct agent_names *names; /* shown beside ids; may be NULL */
};

/* Builds the plan. Returns 0 and *out (free with plan_free), or -1 with a
 * diag (out of memory, or a desired secret that was not resolved). */
int plan_build(struct plan **out, const struct plan_input *in,
	       struct diag_list *d);

/* The canonical JSON text of a live state the fingerprint is taken of:
 * keys sorted, CIDRs as sorted canonical networks, agents in order with
 * their effective pattern, fallback secrets only as one keyed fingerprint,
 * registrations sorted by id with username, proxy, outboundProxy and
 * authUser. Volatile fields (registration `successful`, `created`) are left
 * out: they change without anyone changing the configuration. The caller
 * frees the result; NULL when out of memory. */
char *plan_live_canonical_json(const struct live_state *live,
			       const char *api_key);

/* sha256 hex of plan_live_canonical_json. 0 or -1. */
int plan_live_fingerprint(const struct live_state *live, const char *api_key,
			  char out[65]);

/* Orders two live registrations by age: the older `created` first (an
 * absent one last), then by registrationId. Of several live registrations
 * of one identity the first in this order is the one kept (plan) and the
 * one exported (export). <0, 0 or >0. */
int plan_registration_age_cmp(const struct registration *a,
			      const struct registration *b);

/* True when the plan has any create, update or delete (notes excluded). */
bool plan_has_changes(const struct plan *p);

void plan_free(struct plan *p);

#endif
