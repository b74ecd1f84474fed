/*
 * api_probe: one signed POST to a fallback handler (see api_probe.h).
 * A plain easy handle: a probe is a handful of sequential requests, and
 * measuring each one's answer time is the point, so no pool and no retry.
 */
#include "reconcile/api/api_probe.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/api/api_internal.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/str.h"

int api_post_url_allowed(const char *url, char **scheme, char **host)
{
	CURLU *u = curl_url();
	int rc = -1;
	*scheme = *host = NULL;
	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK)
		rc = strcasecmp(*scheme, "https") == 0 ||
		     (strcasecmp(*scheme, "http") == 0 &&
		      api_host_is_loopback(*host));
	if (rc < 0) {
		curl_free(*scheme);
		*scheme = NULL;
	}
	curl_url_cleanup(u);
	return rc;
}

int api_post_check_url(const char *url, const char *verb, const char *name,
		       struct diag_list *d)
{
	char *scheme = NULL, *host = NULL;
	int ok = api_post_url_allowed(url, &scheme, &host);
	if (ok < 0)
		diag_add(d, DIAG_ERROR, NULL, NULL, "%s is not an absolute URL",
			 name);
	else if (!ok)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "refusing to %s %s over %s:// (use https://; http:// "
			 "only to a loopback address)",
			 verb, host, scheme);
	curl_free(scheme);
	curl_free(host);
	return ok == 1 ? 0 : -1;
}

int api_probe_check_url(const char *url, struct diag_list *diags)
{
	/* the signature is replayable within a minute by anyone on the path */
	return api_post_check_url(url, "probe", "the fallback handler URL",
				  diags);
}

char *api_probe_request_name(const char *url)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *port = NULL, *path = NULL, *name = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		name = str_printf("POST %s://%s%s%s%s", s, h, port ? ":" : "",
				  port ? port : "", path);
	}
	curl_free(s);
	curl_free(h);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return name ? name : str_dup("POST <fallback handler>");
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct buf *b = userp;
	size_t n = size * nmemb;
	return buf_add(b, data, n) == 0 ? n : 0; /* 0 aborts past the cap */
}

static struct curl_slist *probe_headers(const struct api_probe_request *rq)
{
	char *ts =
	    str_printf("X-Ultravox-Webhook-Timestamp: %s", rq->timestamp);
	char *sig =
	    str_printf("X-Ultravox-Webhook-Signature: %s", rq->signature);
	const char *fixed[] = {"Content-Type: application/json",
			       "Accept: application/json",
			       "X-Sipsync-Probe: 1",
			       "Expect:",
			       ts,
			       sig};
	struct curl_slist *h =
	    api_post_headers(fixed, sizeof(fixed) / sizeof(fixed[0]));
	free(ts);
	str_wipe_free(sig);
	return h;
}

struct curl_slist *api_post_headers(const char *const *lines, size_t n)
{
	struct curl_slist *h = NULL, *t;
	for (size_t i = 0; i < n; i++) {
		if (!lines[i] || !(t = curl_slist_append(h, lines[i]))) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	return h;
}

void api_post_setup(CURL *e, const char *url, const char *body,
		    struct curl_slist *h, long timeout_ms, const char *ca_cert,
		    const char *ua)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_cert)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_cert);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)strlen(body));
}

static void setup(CURL *e, const struct api_probe_request *rq,
		  struct curl_slist *h, struct buf *b, char *errbuf)
{
	api_post_setup(e, rq->url, rq->body, h, rq->timeout_ms, rq->ca_cert,
		       "sipsync-probe/" SIPSYNC_VERSION " (+sipsync probe)");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
}

static void transport_fail(struct diag_list *d, const char *name, CURLcode cc,
			   const struct api_probe_request *rq,
			   const char *errbuf)
{
	if (cc == CURLE_OPERATION_TIMEDOUT)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: no answer within %ld ms (--timeout; Ultravox's "
			 "own limit is undocumented)",
			 name, rq->timeout_ms);
	else if (cc == CURLE_WRITE_ERROR)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: answer larger than %d bytes", name,
			 API_PROBE_MAX_BODY);
	else
		diag_add(d, DIAG_ERROR, NULL, NULL, "%s: %s", name,
			 *errbuf ? errbuf : curl_easy_strerror(cc));
}

int api_probe_send(const struct api_probe_request *rq,
		   struct api_probe_answer *out, struct diag_list *diags)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char *name = api_probe_request_name(rq->url);
	struct curl_slist *h = probe_headers(rq);
	struct buf b;
	CURL *e = curl_easy_init();
	int rc = -1;
	memset(out, 0, sizeof(*out));
	buf_init(&b, API_PROBE_MAX_BODY);
	if (!e || !h || !name) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "probe: out of memory");
		goto out;
	}
	setup(e, rq, h, &b, errbuf);
	CURLcode cc = curl_easy_perform(e);
	curl_off_t us = 0;
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
	out->elapsed_ms = (long)(us / 1000);
	if (cc != CURLE_OK) {
		transport_fail(diags, name, cc, rq, errbuf);
		goto out;
	}
	char *ct = NULL;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
	if (out->status >= 300 && out->status < 400) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "%s: answered %ld, a redirect (not followed: Ultravox "
			 "does not follow it either)",
			 name, out->status);
		goto out;
	}
	if ((ct && !(out->content_type = str_dup(ct))) ||
	    !(out->body = buf_take(&b, &out->len))) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "probe: out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		api_probe_answer_release(out);
	buf_free(&b);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	free(name);
	return rc;
}

void api_probe_answer_release(struct api_probe_answer *a)
{
	if (!a)
		return;
	free(a->content_type);
	free(a->body);
	memset(a, 0, sizeof(*a));
}
