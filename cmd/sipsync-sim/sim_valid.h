/*
 * sim_valid: the write-side checks of the simulated API, answering the way
 * Django REST Framework serializers do (field → list of messages, list
 * items nested: a list of per-item objects for nested serializers, an
 * object keyed by index for plain lists). Private to sipsync-sim.
 */
#ifndef SIPSYNC_SIM_VALID_H
#define SIPSYNC_SIM_VALID_H

#include <jansson.h>
#include <stdbool.h>

/* Checks a SipConfig write. `agents` is the known agent list (array of
 * canonical uuids) or NULL when every uuid counts as an agent.
 * Returns a new object with only the writable fields sent, normalized
 * (uuids lowercase, strings trimmed, a generated secret added to a
 * fallbackHandler sent without secrets); read-only and unknown fields are
 * dropped. On failure returns NULL and sets *errors to a new DRF-style
 * error object. The caller frees both. */
json_t *sim_valid_sip(const json_t *body, const json_t *agents,
		      json_t **errors);

/* Checks a SipRegistration write: all required fields when !partial
 * (POST), only the sent ones when partial (PATCH). Same contract as
 * sim_valid_sip. */
json_t *sim_valid_registration(const json_t *body, bool partial,
			       json_t **errors);

/* Python's type name for a JSON value ("str", "int", "dict", ...), as DRF
 * puts it in messages. */
const char *sim_valid_type_name(const json_t *v);

/* Returns a new {"detail": msg} object. */
json_t *sim_valid_detail(const char *msg);

#endif
