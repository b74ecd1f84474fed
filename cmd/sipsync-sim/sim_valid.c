/*
 * sim_valid: DRF-style validation of SipConfig and SipRegistration writes.
 *
 * Each field check returns a new normalized value, or NULL with a new
 * error value in *err (a list of messages, or a nested object/list).
 */
#include "sim_valid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/format.h"

#define MSG_NULL "This field may not be null."
#define MSG_BLANK "This field may not be blank."
#define MSG_REQUIRED "This field is required."
#define MSG_STRING "Not a valid string."
#define MSG_BOOL "Must be a valid boolean."
#define MSG_UUID "Must be a valid UUID."
#define MSG_URL "Enter a valid URL."
#define MSG_CIDR "Enter a valid IPv4 CIDR range."

#define SECRET_BYTES 32

struct char_rules {
	size_t max; /* 0 = no limit */
	bool allow_null;
	bool allow_blank;
};

const char *sim_valid_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "dict";
	case JSON_ARRAY:
		return "list";
	case JSON_STRING:
		return "str";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_NULL:
	default:
		return "NoneType";
	}
}

json_t *sim_valid_detail(const char *msg)
{
	return json_pack("{s:s}", "detail", msg);
}

static json_t *msg_list(const char *msg)
{
	return json_pack("[s]", msg);
}

static json_t *non_field(const char *msg)
{
	return json_pack("{s:[s]}", "non_field_errors", msg);
}

/* Python's str.strip(), as DRF's CharField(trim_whitespace=True): every
 * str.isspace() character (Unicode White_Space and U+001C-U+001F, e.g.
 * U+00A0), not only ASCII, is stripped. */
static json_t *trimmed_string(const char *s)
{
	size_t len = strlen(s), lead, trail;

	format_py_strip_span(s, len, &lead, &trail);
	return json_stringn(s + lead, len - lead - trail);
}

static json_t *check_char(const json_t *v, const struct char_rules *r,
			  json_t **err)
{
	char buf[64];
	json_t *out = NULL;

	if (json_is_null(v)) {
		if (r->allow_null)
			return json_null();
		*err = msg_list(MSG_NULL);
		return NULL;
	}
	if (json_is_string(v)) {
		out = trimmed_string(json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		out = json_string(buf);
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		out = json_string(buf);
	} else {
		*err = msg_list(MSG_STRING);
		return NULL;
	}
	if (!out) {
		*err = msg_list(MSG_STRING);
		return NULL;
	}
	if (!r->allow_blank && json_string_length(out) == 0) {
		json_decref(out);
		*err = msg_list(MSG_BLANK);
		return NULL;
	}
	if (r->max && format_utf8_len(json_string_value(out)) > r->max) {
		json_decref(out);
		snprintf(buf, sizeof(buf),
			 "Ensure this field has no more than %zu characters.",
			 r->max);
		*err = msg_list(buf);
		return NULL;
	}
	return out;
}

static bool str_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* DRF BooleanField: true/false plus its accepted strings and 0/1. */
static json_t *check_bool(const json_t *v, json_t **err)
{
	static const char *const yes[] = {"t",	 "T",	"y",	"Y",	"yes",
					  "Yes", "YES", "true", "True", "TRUE",
					  "on",	 "On",	"ON",	"1",	NULL};
	static const char *const no[] = {
	    "f",     "F",     "n",   "N",   "no",  "No", "NO", "false",
	    "False", "FALSE", "off", "Off", "OFF", "0",	 NULL};

	if (json_is_boolean(v))
		return json_boolean(json_is_true(v));
	if (json_is_integer(v) &&
	    (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		return json_boolean(json_integer_value(v) == 1);
	if (json_is_string(v) && str_in(json_string_value(v), yes))
		return json_true();
	if (json_is_string(v) && str_in(json_string_value(v), no))
		return json_false();
	*err = msg_list(json_is_null(v) ? MSG_NULL : MSG_BOOL);
	return NULL;
}

/* Python uuid.UUID(): drops "urn:" / "uuid:", braces and hyphens, then
 * wants exactly 32 hex digits. Answers the canonical lowercase form. */
static json_t *check_uuid(const json_t *v, json_t **err)
{
	const char *s;
	char hex[33], out[37];
	size_t n = 0, i, o = 0;

	if (!json_is_string(v)) {
		*err = msg_list(json_is_null(v) ? MSG_NULL : MSG_UUID);
		return NULL;
	}
	s = json_string_value(v);
	if (strncmp(s, "urn:", 4) == 0)
		s += 4;
	if (strncmp(s, "uuid:", 5) == 0)
		s += 5;
	while (*s == '{')
		s++;
	for (; *s && *s != '}'; s++) {
		if (*s == '-')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 32)
			goto bad;
		hex[n++] = (char)tolower((unsigned char)*s);
	}
	while (*s == '}')
		s++;
	if (*s || n != 32)
		goto bad;
	for (i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i];
	}
	out[o] = '\0';
	return json_string(out);
bad:
	*err = msg_list(MSG_UUID);
	return NULL;
}

static bool host_label_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c < 0x80)
			return false;
	}
	return true;
}

static bool host_is_ipv4(const char *s, size_t len)
{
	char buf[32];
	struct cidr c;
	const char *why;

	if (len > 15)
		return false;
	snprintf(buf, sizeof(buf), "%.*s/32", (int)len, s);
	return format_cidr_parse(buf, &c, &why) == 0;
}

/* Django's hostname rule: dotted labels ending in a top-level label of two
 * or more letters (or xn--), or "localhost", or an IP address. */
static bool host_ok(const char *s, size_t len)
{
	size_t start = 0, i, tld_start = 0, labels = 0;

	if (len == 9 && strncasecmp(s, "localhost", 9) == 0)
		return true;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		for (i = 1; i + 1 < len; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return false;
		return len > 3;
	}
	if (host_is_ipv4(s, len))
		return true;
	if (len > 0 && s[len - 1] == '.')
		len--;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!host_label_ok(s + start, i - start))
			return false;
		tld_start = start;
		labels++;
		start = i + 1;
	}
	if (labels < 2)
		return false;
	if (len - tld_start > 4 && strncasecmp(s + tld_start, "xn--", 4) == 0)
		return true;
	for (i = tld_start; i < len; i++)
		if (isdigit((unsigned char)s[i]) || s[i] == '-')
			return false;
	return len - tld_start >= 2;
}

static bool authority_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t i, hostlen;

	if (at) {
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	hostlen = len;
	/* a port: the last ':' outside an IPv6 literal, then 1..5 digits */
	for (i = len; i > 0; i--) {
		if (s[i - 1] == ']')
			break;
		if (s[i - 1] == ':') {
			size_t d;
			if (i == len || len - i > 5)
				return false;
			for (d = i; d < len; d++)
				if (!isdigit((unsigned char)s[d]))
					return false;
			hostlen = i - 1;
			break;
		}
	}
	return host_ok(s, hostlen);
}

/* A simplified Django URLValidator: http, https, ftp or ftps, a valid host,
 * no whitespace anywhere. */
static bool url_ok(const char *s)
{
	static const char *const schemes[] = {"http://", "https://", "ftp://",
					      "ftps://", NULL};
	const char *const *sch;
	const char *p, *end;
	size_t n;

	if (strlen(s) > 2048)
		return false;
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return false;
	for (sch = schemes; *sch; sch++) {
		n = strlen(*sch);
		if (strncasecmp(s, *sch, n) == 0)
			break;
	}
	if (!*sch)
		return false;
	p = s + n;
	end = p + strcspn(p, "/?#");
	return authority_ok(p, (size_t)(end - p));
}

static json_t *check_url(const json_t *v, json_t **err)
{
	static const struct char_rules rules = {0, false, false};
	json_t *out = check_char(v, &rules, err);

	if (out && !url_ok(json_string_value(out))) {
		json_decref(out);
		*err = msg_list(MSG_URL);
		return NULL;
	}
	return out;
}

static json_t *check_cidr(const json_t *v, json_t **err)
{
	static const struct char_rules rules = {0, false, false};
	json_t *out = check_char(v, &rules, err);
	struct cidr c;
	const char *why = NULL;

	if (out && format_cidr_parse(json_string_value(out), &c, &why) != 0) {
		json_decref(out);
		*err = msg_list(MSG_CIDR);
		return NULL;
	}
	return out;
}

/* A DRF ListField: a list, optional length bounds, each item checked by
 * `item`; item errors keyed by index. */
static json_t *check_list(const json_t *v, size_t min, size_t max,
			  json_t *(*item)(const json_t *, json_t **),
			  json_t **err)
{
	char buf[96];
	json_t *out, *errs, *x, *ie = NULL;
	size_t i;

	if (!json_is_array(v)) {
		if (json_is_null(v))
			snprintf(buf, sizeof(buf), "%s", MSG_NULL);
		else
			snprintf(
			    buf, sizeof(buf),
			    "Expected a list of items but got type \"%s\".",
			    sim_valid_type_name(v));
		*err = msg_list(buf);
		return NULL;
	}
	if (json_array_size(v) < min || (max && json_array_size(v) > max)) {
		if (json_array_size(v) < min)
			snprintf(buf, sizeof(buf),
				 "Ensure this field has at least %zu elements.",
				 min);
		else
			snprintf(buf, sizeof(buf),
				 "Ensure this field has no more than %zu "
				 "elements.",
				 max);
		*err = msg_list(buf);
		return NULL;
	}
	out = json_array();
	errs = json_object();
	json_array_foreach(v, i, x)
	{
		json_t *y = item(x, &ie);
		if (!y) {
			snprintf(buf, sizeof(buf), "%zu", i);
			json_object_set_new(errs, buf, ie);
			ie = NULL;
			continue;
		}
		json_array_append_new(out, y);
	}
	if (json_object_size(errs) == 0) {
		json_decref(errs);
		return out;
	}
	json_decref(out);
	*err = errs;
	return NULL;
}

static json_t *check_cidr_list(const json_t *v, json_t **err)
{
	return check_list(v, 0, 0, check_cidr, err);
}

static json_t *check_secret(const json_t *v, json_t **err)
{
	static const struct char_rules rules = {120, false, false};
	return check_char(v, &rules, err);
}

/* "Invalid data. Expected a dictionary, but got list." as a nested
 * serializer says it. */
static json_t *not_a_dict(const json_t *v)
{
	char buf[96];

	if (json_is_null(v))
		return non_field(MSG_NULL);
	snprintf(buf, sizeof(buf),
		 "Invalid data. Expected a dictionary, but got %s.",
		 sim_valid_type_name(v));
	return non_field(buf);
}

static json_t *generated_secret(void)
{
	unsigned char raw[SECRET_BYTES];
	char hex[2 * SECRET_BYTES + 1];
	size_t i;

	if (crypto_random(raw, sizeof(raw)) != 0)
		return NULL;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return json_pack("[s]", hex);
}

/* Runs one field check when the field is present: on success stores the
 * value in out[name], on failure the error in errs[name]. */
static void field(const json_t *body, const char *name, json_t *out,
		  json_t *errs, json_t *(*check)(const json_t *, json_t **))
{
	const json_t *v = json_object_get(body, name);
	json_t *e = NULL, *y;

	if (!v)
		return;
	y = check(v, &e);
	if (y)
		json_object_set_new(out, name, y);
	else
		json_object_set_new(errs, name, e);
}

static void char_field(const json_t *body, const char *name,
		       const struct char_rules *r, json_t *out, json_t *errs)
{
	const json_t *v = json_object_get(body, name);
	json_t *e = NULL, *y;

	if (!v)
		return;
	y = check_char(v, r, &e);
	if (y)
		json_object_set_new(out, name, y);
	else
		json_object_set_new(errs, name, e);
}

static json_t *check_secrets(const json_t *v, json_t **err)
{
	return check_list(v, 1, 10, check_secret, err);
}

static json_t *check_fallback(const json_t *v, json_t **err)
{
	json_t *out, *errs;

	if (json_is_null(v))
		return json_null();
	if (!json_is_object(v)) {
		*err = not_a_dict(v);
		return NULL;
	}
	out = json_object();
	errs = json_object();
	if (!json_object_get(v, "url"))
		json_object_set_new(errs, "url", msg_list(MSG_REQUIRED));
	field(v, "url", out, errs, check_url);
	field(v, "secrets", out, errs, check_secrets);
	if (json_object_size(errs) > 0) {
		json_decref(out);
		*err = errs;
		return NULL;
	}
	json_decref(errs);
	if (!json_object_get(out, "secrets")) {
		json_t *gen = generated_secret();
		if (!gen) {
			json_decref(out);
			*err = non_field("could not generate a secret");
			return NULL;
		}
		json_object_set_new(out, "secrets", gen);
	}
	return out;
}

static bool agent_known(const json_t *agents, const char *uuid)
{
	size_t i;
	json_t *a;

	if (!agents)
		return true;
	json_array_foreach(agents, i, a)
	{
		if (json_is_string(a) &&
		    strcmp(json_string_value(a), uuid) == 0)
			return true;
	}
	return false;
}

static json_t *check_allowance(const json_t *v, const json_t *agents,
			       json_t **err)
{
	static const struct char_rules pattern = {200, false, false};
	char buf[160];
	json_t *out, *errs, *id;

	if (!json_is_object(v)) {
		*err = not_a_dict(v);
		return NULL;
	}
	out = json_object();
	errs = json_object();
	if (!json_object_get(v, "agentId"))
		json_object_set_new(errs, "agentId", msg_list(MSG_REQUIRED));
	field(v, "agentId", out, errs, check_uuid);
	char_field(v, "toUserPattern", &pattern, out, errs);
	id = json_object_get(out, "agentId");
	if (id && !agent_known(agents, json_string_value(id))) {
		snprintf(buf, sizeof(buf),
			 "Invalid pk \"%s\" - object does not exist.",
			 json_string_value(id));
		json_object_set_new(errs, "agentId", msg_list(buf));
	}
	if (json_object_size(errs) > 0) {
		json_decref(out);
		*err = errs;
		return NULL;
	}
	json_decref(errs);
	return out;
}

/* A DRF ListSerializer of AgentAllowance: errors as a list with one
 * object per item ({} for good ones); list-level errors under
 * non_field_errors. */
static json_t *check_allowances(const json_t *v, const json_t *agents,
				json_t **err)
{
	char buf[96];
	json_t *out, *errs, *x;
	size_t i;
	bool bad = false;

	if (!json_is_array(v)) {
		if (json_is_null(v)) {
			*err = msg_list(MSG_NULL);
			return NULL;
		}
		snprintf(buf, sizeof(buf),
			 "Expected a list of items but got type \"%s\".",
			 sim_valid_type_name(v));
		*err = non_field(buf);
		return NULL;
	}
	if (json_array_size(v) > 20) {
		*err = non_field(
		    "Ensure this field has no more than 20 elements.");
		return NULL;
	}
	out = json_array();
	errs = json_array();
	json_array_foreach(v, i, x)
	{
		json_t *ie = NULL, *y = check_allowance(x, agents, &ie);
		if (y) {
			json_array_append_new(out, y);
			json_array_append_new(errs, json_object());
		} else {
			json_array_append_new(errs, ie);
			bad = true;
		}
	}
	if (!bad) {
		json_decref(errs);
		return out;
	}
	json_decref(out);
	*err = errs;
	return NULL;
}

json_t *sim_valid_sip(const json_t *body, const json_t *agents, json_t **errors)
{
	json_t *out, *errs, *e = NULL, *y;
	const json_t *v;

	*errors = NULL;
	if (!json_is_object(body)) {
		*errors = not_a_dict(body);
		return NULL;
	}
	out = json_object();
	errs = json_object();
	field(body, "allowedCidrRanges", out, errs, check_cidr_list);
	field(body, "allowAllAgents", out, errs, check_bool);
	v = json_object_get(body, "allowedAgents");
	if (v) {
		y = check_allowances(v, agents, &e);
		if (y)
			json_object_set_new(out, "allowedAgents", y);
		else
			json_object_set_new(errs, "allowedAgents", e);
	}
	field(body, "fallbackHandler", out, errs, check_fallback);
	if (json_object_size(errs) > 0) {
		json_decref(out);
		*errors = errs;
		return NULL;
	}
	json_decref(errs);
	return out;
}

json_t *sim_valid_registration(const json_t *body, bool partial,
			       json_t **errors)
{
	static const struct char_rules username = {60, false, true};
	static const struct char_rules password = {0, false, false};
	static const struct char_rules proxy = {100, false, false};
	static const struct char_rules outbound = {100, true, false};
	static const struct char_rules auth_user = {60, true, false};
	static const char *const required[] = {"password", "proxy", NULL};
	const char *const *r;
	json_t *out, *errs;

	*errors = NULL;
	if (!json_is_object(body)) {
		*errors = not_a_dict(body);
		return NULL;
	}
	out = json_object();
	errs = json_object();
	for (r = required; !partial && *r; r++)
		if (!json_object_get(body, *r))
			json_object_set_new(errs, *r, msg_list(MSG_REQUIRED));
	char_field(body, "username", &username, out, errs);
	char_field(body, "password", &password, out, errs);
	char_field(body, "proxy", &proxy, out, errs);
	char_field(body, "outboundProxy", &outbound, out, errs);
	char_field(body, "authUser", &auth_user, out, errs);
	if (json_object_size(errs) > 0) {
		json_decref(out);
		*errors = errs;
		return NULL;
	}
	json_decref(errs);
	return out;
}
