/*
 * request: the HTTP method of a write the plan produces and apply sends.
 * It lives in the core (not in the API client) so that the pure plan needs
 * no header of the I/O layer; the API client takes the same enum.
 */
#ifndef SIPSYNC_REQUEST_H
#define SIPSYNC_REQUEST_H

enum request_method {
	REQUEST_GET,
	REQUEST_POST,
	REQUEST_PATCH,
	REQUEST_DELETE
};

/* "GET", "POST", "PATCH" or "DELETE" (static storage). */
const char *request_method_name(enum request_method m);

#endif
