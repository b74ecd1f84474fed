/*
 * request: one write that plan produces and apply sends (method, path,
 * body). It lives in the core (not in the API client) so that the pure
 * plan needs no header of the I/O layer; the API client takes the same
 * method enum.
 *
 * Ownership: a struct request owns its strings; request_release frees them
 * and wipes the body first, since it holds real secret values.
 */
#ifndef SIPSYNC_REQUEST_H
#define SIPSYNC_REQUEST_H

enum request_method {
	REQUEST_GET,
	REQUEST_POST,
	REQUEST_PATCH,
	REQUEST_DELETE
};

struct request {
	enum request_method method;
	char *path;	     /* /api/sip, /api/sip/registrations/ID (escaped) */
	char *body;	     /* JSON with real secrets (never print), or NULL */
	char *body_redacted; /* same with every secret as "<redacted>" */
	char *create_key;    /* POST of a registration: its identity, for
				the lost-response check; else NULL */
};

/* "GET", "POST", "PATCH" or "DELETE" (static storage). */
const char *request_method_name(enum request_method m);

/* Frees what r holds (the body wiped first) and zeroes it; accepts NULL. */
void request_release(struct request *r);

#endif
