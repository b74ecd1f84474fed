/*
 * api_probe: one synthetic fallback request to a customer's handler
 * (sipsync probe), over libcurl: TLS verified (ca_cert for a private CA),
 * redirects not followed, the answer read up to API_PROBE_MAX_BODY bytes,
 * the whole exchange bounded by timeout_ms. Independent of the API client:
 * no API key goes to the handler.
 */
#ifndef SIPSYNC_API_PROBE_H
#define SIPSYNC_API_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

/* Handler answers are small JSON objects; anything past this is refused
 * (a handler that streams a page of HTML should not fill memory). */
#define API_PROBE_MAX_BODY (64 * 1024)

struct api_probe_request {
	const char *url;
	const char *body;      /* JSON */
	const char *timestamp; /* X-Ultravox-Webhook-Timestamp */
	const char *signature; /* X-Ultravox-Webhook-Signature (a secret-
				  derived value: never in a diag) */
	const char *ca_cert;   /* NULL: the system store */
	long timeout_ms;       /* > 0 */
};

struct api_probe_answer {
	long status;
	char *content_type; /* NULL when absent */
	char *body;	    /* NUL-terminated */
	size_t len;
	long elapsed_ms;
};

/* Checks that url is an absolute https:// URL, or http:// to a loopback
 * host (127.0.0.0/8, ::1, localhost). Returns 0, or -1 with a diag. */
int api_probe_check_url(const char *url, struct diag_list *diags);

/* The request's name in messages: "POST https://host/path" (no query
 * string, no user info: either may carry a token). Caller frees. */
char *api_probe_request_name(const char *url);

/* Sends one POST. Returns 0 and fills *out (any HTTP status; release with
 * api_probe_answer_release), or -1 with one diag naming the request
 * (timeout, connection or TLS failure, redirect, oversized answer). */
int api_probe_send(const struct api_probe_request *rq,
		   struct api_probe_answer *out, struct diag_list *diags);

void api_probe_answer_release(struct api_probe_answer *a);

#endif
