/*
 * sim_api: the simulated Ultravox endpoints (/api/sip, /api/sip/registrations,
 * /api/agents/{id}): auth, method, body parsing, validation, the state
 * change and the answer. No HTTP library here: sim_http fills a
 * sim_request and sends the sim_response. Private to sipsync-sim.
 */
#ifndef SIPSYNC_SIM_API_H
#define SIPSYNC_SIM_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim_state.h"

struct sim_request {
	const char *method;
	const char *path;	  /* without the query */
	const char *query;	  /* decoded "k=v&k=v" for the log, or "" */
	const char *api_key;	  /* X-API-Key header or NULL */
	const char *content_type; /* Content-Type header or NULL */
	const char *cursor;	  /* ?cursor= or NULL */
	const char *page_size;	  /* ?pageSize= or NULL */
	const char *search;	  /* ?search= or NULL */
	const char *base_url;	  /* "http://host:port" from the Host header */
	const char *body;	  /* raw body, NUL-terminated, or NULL */
	size_t body_len;
	long long start_ms; /* monotonic ms its headers arrived (the log's
			       startMs) */
};

struct sim_response {
	unsigned status;
	json_t *body;	      /* owned; NULL = no body (204) */
	const char *allow;    /* static Allow header value for 405, or NULL */
	unsigned retry_after; /* seconds, 0 = no Retry-After header */
	char account[256];    /* the domain the key named, for the log, when
				 the simulator serves several; else "" */
};

struct sim_api_config {
	const char *api_key; /* the primary account's key (NULL: none);
				extra accounts' keys are in the state */
	long page_size;	     /* default and maximum page size */
};

/* True when path is one the simulated API serves (otherwise 404 before
 * anything else, like Django's URL resolver). */
bool sim_api_known_path(const char *path);

/* Handles one /api request against st (takes the lock itself; saves the
 * state file after a write). Fills rsp; the caller frees rsp->body. */
void sim_api_handle(const struct sim_api_config *cfg, struct sim_state *st,
		    const struct sim_request *rq, struct sim_response *rsp);

/* Sets rsp to status with a {"detail": msg} body. */
void sim_api_detail(struct sim_response *rsp, unsigned status, const char *msg);

/* Sets rsp to 405 'Method "M" not allowed.' with an Allow header. */
void sim_api_not_allowed(struct sim_response *rsp, const char *method,
			 const char *allow);

/* Parses a JSON request body the DRF way: 415 for a content type other
 * than application/json, 400 "JSON parse error - ..." for bad JSON, an
 * empty body reads as {}. Returns the value, or NULL with rsp filled. */
json_t *sim_api_parse_body(const struct sim_request *rq,
			   struct sim_response *rsp);

#endif
