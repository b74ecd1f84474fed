/*
 * sim_http: the HTTP/1.1 server (libmicrohttpd, a thread per connection):
 * reads requests, caps bodies, applies faults, dispatches to sim_api or
 * sim_control, logs, answers. Private to sipsync-sim.
 */
#ifndef SIPSYNC_SIM_HTTP_H
#define SIPSYNC_SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "sim_control.h"
#include "sim_state.h"

struct sim_http_config {
	const char *host; /* numeric IPv4 or IPv6 address to bind */
	unsigned port;	  /* 0 = any free port */
	const char *api_key;
	long page_size;	 /* default and maximum registrations per page */
	bool control;	 /* serve /_sim/ */
	size_t max_body; /* larger bodies get 413 */
};

struct sim_http;

/* Starts serving st. Returns 0 and *out, or -1 with a message in err.
 * Stop and free with sim_http_stop. cfg strings must outlive the server. */
int sim_http_start(struct sim_http **out, const struct sim_http_config *cfg,
		   struct sim_state *st, struct sim_control *ctl, char *err,
		   size_t errlen);

/* The base URL clients use, e.g. "http://127.0.0.1:41234". */
const char *sim_http_url(const struct sim_http *srv);

/* Stops the server (waits for the connection threads) and frees it.
 * Accepts NULL. */
void sim_http_stop(struct sim_http *srv);

#endif
