/*
 * netaddr: listen addresses ("HOST:PORT", "[V6]:PORT") for the agent's
 * endpoint and the simulator, parsed once for both.
 */
#ifndef SIPSYNC_NETADDR_H
#define SIPSYNC_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Splits "HOST:PORT" or "[V6]:PORT" into host (without brackets; may be
 * empty for ":PORT") and port 0..65535. Returns 0, or -1 when spec has no
 * port, the port is not a number in range, or host does not fit. */
int netaddr_split(const char *spec, char *host, size_t host_len,
		  unsigned *port);

/* Fills *ss with the numeric IPv4 or IPv6 address host and port; *v6 says
 * which. Returns 0, or -1 when host is not a numeric address. */
int netaddr_from(const char *host, unsigned port, struct sockaddr_storage *ss,
		 bool *v6);

#endif
