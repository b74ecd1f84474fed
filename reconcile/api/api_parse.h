/*
 * api_parse: the JSON bodies of the Ultravox SIP API, turned into the model
 * (reconcile/model.h) and into readable error messages. Pure functions on
 * text (no I/O), so they can be unit-tested and fuzzed on their own.
 * Internal to the api module.
 *
 * Every parser ignores unknown fields and rejects the wrong shape with *why
 * set to an allocated message such as "allowedAgents is not a list" (the
 * caller frees it; it is NULL when out of memory).
 */
#ifndef SIPSYNC_API_PARSE_H
#define SIPSYNC_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/core/agents.h"
#include "reconcile/core/model.h"

/* A SipConfig (GET/PATCH /api/sip). Fills *sip (release with
 * model_sip_release); every top-level field_state is FIELD_SET or
 * FIELD_NULL; fallback secrets are SECRET_LITERAL with value set, and
 * fallback.secrets_state is FIELD_UNSET when the server did not return
 * them. Returns 0, or -1 with *why (sip left empty). */
int api_parse_sip(const char *body, size_t len, struct sip_config *sip,
		  char **why);

/* One page of PaginatedSipRegistrationList. Appends the results to
 * *regs / *n (grown with realloc; the caller owns them) and sets *next to
 * the next page URL (allocated) or NULL. A registrationId that could not
 * be used as a path segment (empty, ".", "..", or holding '/', '?', '#',
 * '%', whitespace or a control character) is the wrong shape. Returns 0,
 * or -1 with *why (*regs and *n then hold what was appended before the
 * failure). */
int api_parse_page(const char *body, size_t len, struct registration **regs,
		   size_t *n, char **next, char **why);

/* One page of PaginatedAgentList: adds each agent's id and name (absent
 * or null: none) to *names and sets *next as api_parse_page does. An
 * agentId that is not a uuid is the wrong shape. Returns 0, or -1 with
 * *why (*names keeps what was added). */
int api_parse_agents_page(const char *body, size_t len,
			  struct agent_names *names, char **next, char **why);

/* A SipRegistration (a POST or PATCH answer) into *r (release with
 * model_registration_release), checked as api_parse_page checks each
 * result. Returns 0, or -1 with *why (*r then empty). */
int api_parse_registration(const char *body, size_t len, struct registration *r,
			   char **why);

/* The registrationId of a SipRegistration (POST answer): allocated, or
 * NULL when absent, unusable (as for api_parse_page) or not JSON. */
char *api_parse_registration_id(const char *body, size_t len);

/* Longest rendering of an error body kept by api_parse_error. */
#define API_PARSE_ERROR_MAX ((size_t)65536)

/* A Django REST Framework error body rendered on one line:
 *   {"detail": "x"}                                -> "x"
 *   {"allowedAgents": [{}, {"toUserPattern": ["m"]}]}
 *                                  -> "allowedAgents[1].toUserPattern: m"
 *   {"non_field_errors": ["m"]}                    -> "m"
 * several messages joined with "; ". The text is NOT redacted: the caller
 * redacts it whole and only then shortens it for display. It is cut (with
 * no marker) at API_PARSE_ERROR_MAX bytes; *cut (may be NULL) then says
 * true, and the last bytes may hold the start of a secret. Returns an
 * allocated string, or NULL when the body is not a JSON object or array. */
char *api_parse_error(const char *body, size_t len, bool *cut);

/* The secret values a request body carries ("password", and the strings
 * of "fallbackHandler.secrets"): calls fn for each. Bodies that are not
 * JSON are ignored. */
void api_parse_body_secrets(const char *body,
			    void (*fn)(void *ctx, const char *secret),
			    void *ctx);

/* The version of the jansson sipsync runs with, for `sipsync version`. */
const char *api_parse_jansson_version(void);

#endif
