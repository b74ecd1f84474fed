/*
 * plan_internal: what the parts of plan share (plan.c: the driver and the
 * item/change/note builders; plan_sip.c: the sip config diff; plan_regs.c:
 * the registration diff; plan_fingerprint.c: the live fingerprint). Not a
 * public header: only the plan*.c files include it.
 *
 * Ownership: the builders append to the plan or item they are given; what
 * they allocate is freed with plan_free / plan_item_release.
 */
#ifndef SIPSYNC_PLAN_INTERNAL_H
#define SIPSYNC_PLAN_INTERNAL_H

#include <jansson.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/str.h"
#include "reconcile/core/fpstore.h"
#include "reconcile/core/plan.h"

#define REDACTED "<redacted>"

/* JSON text of a string or null (for display and the JSON plan); caller
 * frees, NULL when out of memory. */
char *plan_json_text_str(const char *s);

/* Appends a zeroed item / a change of field / a note. NULL or -1 when out
 * of memory. */
struct plan_item *plan_item_add(struct plan *p);
struct plan_change *plan_change_add(struct plan_item *it, enum plan_op op,
				    const char *field);
int plan_note_add(struct plan *p, const char *subject, const char *field,
		  const char *text);
/* Records that the item's request sends the secret of state key `key`. */
int plan_secret_add(struct plan_item *it, const char *key, const char *fp);

/* SET change "field: old → new", both JSON texts owned (freed on failure). */
int plan_change_set(struct plan_item *it, const char *field, char *old_json,
		    char *new_json);
/* A change of a secret: "field: what", no value. */
int plan_change_sensitive(struct plan_item *it, const char *field,
			  const char *what);

/* Sets the item's body and redacted body from two objects (steals both);
 * -1 for an empty body (never send PATCH {}). */
int plan_item_set_bodies(struct plan_item *it, json_t *body, json_t *red);
/* value into b[name], "<redacted>" into red[name]; -1 when the value
 * cannot be a JSON string. */
int plan_body_secret(json_t *b, json_t *red, const char *name,
		     const char *value);

/* Keyed fingerprints (HMAC-SHA256 with the API key) of one value (the
 * key set up once per plan, in p->fp_key), and of a secrets list (its
 * compact JSON array). 0 or -1. */
int plan_fingerprint(struct plan *p, const char *api_key, const char *value,
		     char out[65]);
int plan_secrets_fingerprint(const char *api_key, const struct secret_ref *s,
			     size_t n, char out[65]);

/* String lists: membership, free (accepts NULL), and the canonical
 * networks of CIDRs (duplicates dropped, order kept; caller frees with
 * plan_str_list_free; NULL when out of memory). */
bool plan_str_in(char **list, size_t n, const char *s);
void plan_str_list_free(char **l, size_t n);
char **plan_canon_list(char **cidrs, size_t n, size_t *out_n);

/* True when the live fallback handler's secrets were all returned. */
bool plan_live_secrets_known(const struct sip_config *ls);

/* Frees what the item holds (wipes the body) and zeroes it. */
void plan_item_release(struct plan_item *it);

/* The two diffs plan_build runs. 0 or -1 (out of memory). */
int plan_diff_sip(struct plan *p, const struct plan_input *in);
int plan_diff_registrations(struct plan *p, const struct plan_input *in);
/* Registration health: p->health (every live registration the plan keeps,
 * one per identity) and a note for each that is not registered or not
 * known yet. Call after the diffs (deleted ones are left out). 0 or -1. */
int plan_registration_health(struct plan *p, const struct live_state *live);

#endif
