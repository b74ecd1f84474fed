/*
 * probe: synthetic fallback requests and the check of their answers (see
 * probe.h). The answer schema is ultravox.v1.SipFallbackHandlerResponse of
 * the public spec; the check is stricter on the top level (no unknown
 * field) because a typo there ("rejects") is a call Ultravox rejects.
 */
#include "reconcile/core/probe.h"

#include <assert.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/crypto.h"
#include "reconcile/base/format.h"
#include "reconcile/base/str.h"

/* A bare user part becomes sip:user@host; a sip:/sips: URI stays. */
static char *sip_uri(const char *s, const char *host)
{
	if (strncasecmp(s, "sip:", 4) == 0 || strncasecmp(s, "sips:", 5) == 0)
		return str_dup(s);
	return str_printf("sip:%s@%s", s, host);
}

/* The caller id Ultravox derives from the From URI: its user part. */
static char *caller_id(const char *from)
{
	const char *s = from;
	if (strncasecmp(s, "sips:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "sip:", 4) == 0)
		s += 4;
	size_t n = strcspn(s, "@;>");
	return strndup(s, n);
}

static json_t *headers_json(const struct route_test *t)
{
	json_t *h = json_object();
	for (size_t i = 0; h && t && i < t->n_headers; i++)
		if (json_object_set_new(h, t->headers[i].name,
					json_string(t->headers[i].value)) !=
		    0) {
			json_decref(h);
			h = NULL;
		}
	return h;
}

int probe_body(const struct route_test *t, const char *domain, char **out)
{
	const char *host = domain && *domain ? domain : PROBE_DEFAULT_HOST;
	const char *to = t && t->to ? t->to : PROBE_DEFAULT_USER;
	const char *from = t && t->from ? t->from : "+15550100";
	const char *dn = t ? t->from_display_name : NULL;
	char *to_uri = sip_uri(to, host), *from_uri = sip_uri(from, host);
	char *cid = caller_id(from);
	json_t *b = NULL;
	int rc = -1;
	*out = NULL;
	if (!to_uri || !from_uri || !cid)
		goto out;
	b = json_pack("{s:s, s:o, s:s, s:s, s:o}", "callerId", cid,
		      "fromDisplayName", dn ? json_string(dn) : json_null(),
		      "fromUri", from_uri, "toUri", to_uri, "sipHeaders",
		      headers_json(t));
	if (b && (*out = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = 0;
out:
	json_decref(b);
	free(to_uri);
	free(from_uri);
	free(cid);
	return rc;
}

int probe_timestamp(time_t sec, long usec, char out[PROBE_TIMESTAMP_LEN])
{
	struct tm tm;
	if (usec < 0 || usec > 999999 || !gmtime_r(&sec, &tm))
		return -1;
	char day[32];
	if (strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	int n = snprintf(out, PROBE_TIMESTAMP_LEN, "%s.%06ld+00:00", day, usec);
	return n > 0 && n < PROBE_TIMESTAMP_LEN ? 0 : -1;
}

int probe_sign(const struct secret_ref *secrets, size_t n, const char *body,
	       const char *timestamp, char **out)
{
	struct buf msg, sig;
	int rc = -1;
	*out = NULL;
	buf_init(&msg, SIZE_MAX / 2);
	buf_init(&sig, SIZE_MAX / 2);
	if (n == 0 || buf_adds(&msg, body) != 0 ||
	    buf_adds(&msg, timestamp) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char hex[CRYPTO_SHA256_HEX_LEN + 1];
		const char *k = secrets[i].value;
		if (!k || crypto_hmac_sha256_hex(k, strlen(k), buf_str(&msg),
						 buf_len(&msg), hex) != 0)
			goto out;
		if ((i && buf_adds(&sig, ",") != 0) || buf_adds(&sig, hex) != 0)
			goto out;
	}
	if ((*out = buf_take(&sig, NULL)))
		rc = 0;
out:
	buf_free(&msg);
	buf_wipe(&sig);
	return rc;
}

/* application/json, or any application/...+json, parameters allowed. */
static bool json_media_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return true;
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	       strncasecmp(ct + n - 5, "+json", 5) == 0;
}

static int fail(char **why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*why = str_vprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static int check_reject(json_t *v, struct probe_answer *a, char **why)
{
	json_t *code = json_object_get(v, "sipRejectCode");
	json_t *msg = json_object_get(v, "message");
	a->kind = FALLBACK_EXPECT_REJECT;
	a->reject_code = 603;
	if (msg && !json_is_string(msg) && !json_is_null(msg))
		return fail(why, "reject.message is not a string");
	if (!code || json_is_null(code))
		return 0;
	if (!json_is_integer(code))
		return fail(why, "reject.sipRejectCode is not an integer");
	json_int_t c = json_integer_value(code);
	if (c < 400 || c > 699)
		return fail(why,
			    "reject.sipRejectCode %lld is out of range "
			    "(400-699)",
			    (long long)c);
	a->reject_code = (int)c;
	return 0;
}

static int check_agent_call(json_t *v, struct probe_answer *a, char **why)
{
	json_t *id = json_object_get(v, "agentId");
	a->kind = FALLBACK_EXPECT_START_AGENT_CALL;
	if (!json_is_string(id))
		return fail(why, "startAgentCall.agentId is %s",
			    id ? "not a string" : "missing (it is required)");
	if (!format_uuid_valid(json_string_value(id)))
		return fail(why, "startAgentCall.agentId is not a uuid");
	a->agent_id = str_dup(json_string_value(id));
	return a->agent_id ? 0 : fail(why, "out of memory");
}

static const char *const variants[] = {"startAgentCall", "startCall", "reject"};

/* Exactly one variant set (null counts as not set, as protobuf JSON
 * reads it), each an object; no other top-level field. */
static int check_shape(json_t *doc, const char **which, char **why)
{
	const char *key, *set[3];
	size_t n = 0;
	json_t *v;
	json_object_foreach(doc, key, v)
	{
		size_t i = 0;
		while (i < 3 && strcmp(key, variants[i]) != 0)
			i++;
		if (i == 3)
			return fail(why, "unknown field '%s' in the answer",
				    key);
		if (json_is_null(v))
			continue;
		if (!json_is_object(v))
			return fail(why, "%s is not an object", key);
		set[n++] = variants[i];
	}
	if (n == 0)
		return fail(why, "handler answered none of startAgentCall, "
				 "startCall, reject (exactly one must be set)");
	if (n > 1)
		return fail(why,
			    "handler answered both %s and %s (exactly one "
			    "must be set)",
			    set[0], set[1]);
	*which = set[0];
	return 0;
}

static int check_expect(const struct route_test *t,
			const struct probe_answer *a, char **why)
{
	if (!t || t->fb_expect == FALLBACK_EXPECT_ANY)
		return 0;
	char *want = NULL, *got = probe_answer_text(a);
	struct probe_answer w = {.kind = t->fb_expect,
				 .reject_code = t->fb_reject_code,
				 .agent_id = t->fb_agent};
	bool ok = a->kind == t->fb_expect;
	if (ok && t->fb_expect == FALLBACK_EXPECT_REJECT && t->fb_reject_code)
		ok = a->reject_code == t->fb_reject_code;
	if (ok && t->fb_expect == FALLBACK_EXPECT_START_AGENT_CALL &&
	    t->fb_agent && format_uuid_valid(t->fb_agent))
		ok = strcasecmp(a->agent_id, t->fb_agent) == 0;
	if (!ok && t->fb_expect == FALLBACK_EXPECT_REJECT && !t->fb_reject_code)
		want = str_dup("reject");
	else if (!ok)
		want = probe_answer_text(&w);
	int rc = ok ? 0
		    : fail(why, "expected %s, handler answered %s",
			   want ? want : "?", got ? got : "?");
	free(want);
	free(got);
	return rc;
}

int probe_check(long status, const char *content_type, const char *body,
		size_t len, const struct route_test *t, struct probe_answer *a,
		char **why)
{
	json_error_t err;
	json_t *doc = NULL;
	const char *which = NULL;
	int rc = -1;
	memset(a, 0, sizeof(*a));
	*why = NULL;
	if (status != 200) {
		fail(why, "handler answered HTTP %ld (Ultravox needs 200)",
		     status);
		goto out;
	}
	if (!json_media_type(content_type)) {
		fail(why, "Content-Type is %s%s%s, not JSON",
		     content_type ? "'" : "",
		     content_type ? content_type : "missing",
		     content_type ? "'" : "");
		goto out;
	}
	doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		fail(why, "body is not JSON: %s", err.text);
		goto out;
	}
	if (!json_is_object(doc)) {
		fail(why, "body is not a JSON object");
		goto out;
	}
	if (check_shape(doc, &which, why) != 0)
		goto out;
	json_t *v = json_object_get(doc, which);
	if (strcmp(which, "reject") == 0)
		rc = check_reject(v, a, why);
	else if (strcmp(which, "startAgentCall") == 0)
		rc = check_agent_call(v, a, why);
	else
		rc = (a->kind = FALLBACK_EXPECT_START_CALL, 0);
	if (rc == 0)
		rc = check_expect(t, a, why);
out:
	json_decref(doc);
	return rc;
}

void probe_answer_release(struct probe_answer *a)
{
	if (!a)
		return;
	free(a->agent_id);
	memset(a, 0, sizeof(*a));
}

char *probe_answer_text(const struct probe_answer *a)
{
	switch (a->kind) {
	case FALLBACK_EXPECT_REJECT:
		return a->reject_code ? str_printf("reject %d", a->reject_code)
				      : str_dup("reject");
	case FALLBACK_EXPECT_START_CALL:
		return str_dup("startCall");
	case FALLBACK_EXPECT_START_AGENT_CALL:
		return a->agent_id
			   ? str_printf("startAgentCall %s", a->agent_id)
			   : str_dup("startAgentCall");
	default:
		return str_dup("no valid answer");
	}
}

static int cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;
	return (a > b) - (a < b);
}

void probe_latency(long *ms, size_t n, long *p50, long *max)
{
	assert(n > 0);
	qsort(ms, n, sizeof(*ms), cmp_long);
	*p50 = ms[(n - 1) / 2];
	*max = ms[n - 1];
}

void probe_results_free(struct probe_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].label);
		free(r[i].message);
		free(r[i].answer);
	}
	free(r);
}
