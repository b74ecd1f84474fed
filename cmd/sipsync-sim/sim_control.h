/*
 * sim_control: the test hooks of the simulator: the request log (secrets
 * redacted), armed faults (429/503 counts, latency, apply-then-drop) and
 * the /_sim/ control endpoints. Private to sipsync-sim.
 */
#ifndef SIPSYNC_SIM_CONTROL_H
#define SIPSYNC_SIM_CONTROL_H

#include <stdbool.h>

#include "sim_api.h"
#include "sim_state.h"

#define SIM_CONTROL_PREFIX "/_sim/"

struct sim_control;

/* What the armed faults do to one request. */
struct sim_fault_hit {
	unsigned status;      /* 429 or 503 to answer instead, or 0 */
	unsigned retry_after; /* seconds for the Retry-After header */
	long latency_ms;      /* sleep before answering */
	bool drop;	      /* apply, then close without an answer */
};

/* Monotonic milliseconds (the request log's startMs/endMs). */
long long sim_now_ms(void);

/* base_latency_ms: added to every request (--latency-ms). Free with
 * sim_control_free. */
int sim_control_new(struct sim_control **out, long base_latency_ms);
void sim_control_free(struct sim_control *c);

/* Takes the faults for one /api request with `method` (consumes the
 * counters it uses). */
void sim_control_faults(struct sim_control *c, const char *method,
			struct sim_fault_hit *hit);

/* Appends one request to the log, its body's secrets redacted; `account`
 * (the domain, or "" / NULL) marks the account it went to. */
void sim_control_log(struct sim_control *c, const struct sim_request *rq,
		     unsigned status, bool dropped, const char *account);

/* Handles a /_sim/ request. Fills rsp; the caller frees rsp->body. */
void sim_control_handle(struct sim_control *c, struct sim_state *st,
			const struct sim_request *rq, struct sim_response *rsp);

#endif
