#include "schema/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "reconcile/base/format.h"

#define QUOTE_MAX 60

void validate_quote(char *buf, size_t n, const char *s)
{
	size_t o = 0, chars = 0;
	if (n == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char tmp[8];
		if ((*p & 0xc0) != 0x80 && ++chars > QUOTE_MAX) {
			snprintf(tmp, sizeof(tmp), "...");
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
		} else {
			tmp[0] = (char)*p;
			tmp[1] = '\0';
		}
		size_t t = strlen(tmp);
		if (o + t + 1 > n)
			break;
		memcpy(buf + o, tmp, t);
		o += t;
		if (chars > QUOTE_MAX)
			break;
	}
	buf[o] = '\0';
}

/* Names the first stripped character of s, e.g. "U+00A0", for a message
 * that must not quote s. */
static void space_name(const char *s, char buf[16])
{
	size_t len = strlen(s), lead, trail;
	format_py_strip_span(s, len, &lead, &trail);
	const unsigned char *u =
	    (const unsigned char *)(lead ? s : s + len - trail);
	unsigned long c = u[0];
	if (c >= 0xc0 && (c & 0xe0) == 0xc0)
		c = ((c & 0x1f) << 6) | (u[1] & 0x3f);
	else if ((c & 0xf0) == 0xe0)
		c = ((c & 0x0f) << 12) | ((u[1] & 0x3fUL) << 6) | (u[2] & 0x3f);
	snprintf(buf, 16, "U+%04lX", c);
}

int validate_text(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s, bool trimmed)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r') {
			diag_add(d, DIAG_ERROR, at, path,
				 "contains a line break (a YAML | or > block "
				 "adds one; use |- or quotes)");
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			diag_add(d, DIAG_ERROR, at, path,
				 "contains a control character (byte 0x%02x "
				 "at offset %zu)",
				 c, i);
			return -1;
		}
	}
	if (trimmed && format_py_strippable(s)) {
		char name[16], shown[24] = "";
		space_name(s, name);
		if (strcmp(name, "U+0020") != 0) /* name the unexpected ones */
			snprintf(shown, sizeof(shown), " (%s)", name);
		diag_add(d, DIAG_ERROR, at, path,
			 "leading or trailing whitespace%s: the API trims it, "
			 "so the live value would never match this one",
			 shown);
		return -1;
	}
	return 0;
}

int validate_max_len(struct diag_list *d, const struct pos *at,
		     const char *path, const char *s, size_t max)
{
	size_t len = format_utf8_len(s);
	if (len <= max)
		return 0;
	diag_add(d, DIAG_ERROR, at, path,
		 "too long: %zu characters (at most %zu)", len, max);
	return -1;
}

int validate_uuid(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s)
{
	if (format_uuid_valid(s))
		return 0;
	char q[256];
	validate_quote(q, sizeof(q), s);
	diag_add(d, DIAG_ERROR, at, path,
		 "'%s' is not a uuid (expected 8-4-4-4-12 hexadecimal digits)",
		 q);
	return -1;
}

int validate_cidr(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s, char out_network[19])
{
	struct cidr c;
	const char *why = NULL;
	char q[256];
	if (format_cidr_parse(s, &c, &why) != 0) {
		validate_quote(q, sizeof(q), s);
		diag_add(d, DIAG_ERROR, at, path,
			 "'%s' is not an ipv4-cidr: %s", q, why);
		return -1;
	}
	format_cidr_network(&c, out_network, 19);
	if (format_cidr_has_host_bits(&c))
		diag_add(d, DIAG_WARNING, at, path,
			 "%s has host bits set; the network is %s", s,
			 out_network);
	return 0;
}

int validate_pattern(struct diag_list *d, const struct pos *at,
		     const char *path, const char *s)
{
	int err = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF, &err, &off, NULL);
	if (re) {
		pcre2_code_free(re);
		return 0;
	}
	PCRE2_UCHAR buf[256];
	if (pcre2_get_error_message(err, buf, sizeof(buf)) < 0)
		snprintf((char *)buf, sizeof(buf), "error %d", err);
	diag_add(d, DIAG_ERROR, at, path,
		 "regex does not compile: %s at offset %zu", (char *)buf,
		 (size_t)off);
	return -1;
}

static bool url_char_ok(const char *p)
{
	unsigned char c = (unsigned char)*p;
	if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c))
		return false;
	if (c == '%') {
		static const char hex[] = "0123456789abcdefABCDEF";
		return p[1] && strchr(hex, p[1]) && p[2] && strchr(hex, p[2]);
	}
	return true;
}

/* Quotes the URL s into buf with the userinfo (user:password@ before the
 * host) replaced by "***". */
static void quote_url(char *buf, size_t n, const char *s)
{
	const char *scheme_end = strstr(s, "://");
	size_t start = scheme_end ? (size_t)(scheme_end + 3 - s) : 0;
	size_t auth_len = strcspn(s + start, "/?#");
	const char *at_sign = NULL;
	for (const char *p = s + start; p < s + start + auth_len; p++)
		if (*p == '@')
			at_sign = p;
	if (!at_sign) {
		validate_quote(buf, n, s);
		return;
	}
	size_t rest = strlen(at_sign);
	char *masked = malloc(start + 3 + rest + 1);
	if (!masked) {
		snprintf(buf, n, "(URL)");
		return;
	}
	memcpy(masked, s, start);
	memcpy(masked + start, "***", 3);
	memcpy(masked + start + 3, at_sign, rest + 1);
	validate_quote(buf, n, masked);
	free(masked);
}

int validate_url(struct diag_list *d, const struct pos *at, const char *path,
		 const char *s)
{
	char q[256];
	bool https = strncasecmp(s, "https://", 8) == 0;
	bool http = !https && strncasecmp(s, "http://", 7) == 0;
	const char *host = s + (https ? 8 : 7);
	size_t host_len = (http || https) ? strcspn(host, "/?#") : 0;
	const char *at_sign = memchr(host, '@', host_len);
	if (at_sign) {
		host_len -= (size_t)(at_sign + 1 - host);
		host = at_sign + 1;
	}
	bool ok = (http || https) && host_len > 0 && host[0] != ':';
	for (const char *p = s; ok && *p; p++)
		ok = url_char_ok(p);
	quote_url(q, sizeof(q), s);
	if (!ok) {
		diag_add(d, DIAG_ERROR, at, path,
			 "'%s' is not an absolute http(s) URL", q);
		return -1;
	}
	if (http)
		diag_add(d, DIAG_WARNING, at, path,
			 "'%s' uses plain http; the webhook and its signature "
			 "travel unencrypted (use https)",
			 q);
	return 0;
}

struct keyed {
	const char *key;
	size_t index;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *ka = a, *kb = b;
	int c = strcmp(ka->key, kb->key);
	if (c)
		return c;
	return ka->index < kb->index ? -1 : ka->index > kb->index;
}

typedef void (*dup_report)(struct diag_list *d, const void *ctx, size_t first,
			   size_t again);

/* Sorts keys (NULL keys skipped) and reports each later duplicate against
 * the first item with that key. */
static int report_dups(struct diag_list *d, char *const *keys, size_t n,
		       dup_report report, const void *ctx)
{
	struct keyed *k = malloc((n ? n : 1) * sizeof(*k));
	if (!k)
		return -1;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (keys[i])
			k[m++] = (struct keyed){keys[i], i};
	qsort(k, m, sizeof(*k), keyed_cmp);
	int rc = 0;
	for (size_t i = 1, first = 0; i < m; i++) {
		if (strcmp(k[i].key, k[first].key) != 0) {
			first = i;
			continue;
		}
		report(d, ctx, k[first].index, k[i].index);
		rc = -1;
	}
	free(k);
	return rc;
}

static void place_str(char *buf, size_t n, const struct pos *p)
{
	snprintf(buf, n, "%s:%u:%u", p->file ? p->file : "?", p->line, p->col);
}

struct cidr_ctx {
	const struct sip_config *sip;
	char *const *networks;
	const char *const *paths;
};

static void cidr_report(struct diag_list *d, const void *ctx, size_t first,
			size_t again)
{
	const struct cidr_ctx *c = ctx;
	char where[512];
	const struct pos *fp =
	    c->sip->cidr_pos ? &c->sip->cidr_pos[first] : NULL;
	const struct pos *ap =
	    c->sip->cidr_pos ? &c->sip->cidr_pos[again] : NULL;
	place_str(where, sizeof(where), fp ? fp : &c->sip->pos);
	diag_add(d, DIAG_ERROR, ap, c->paths ? c->paths[again] : NULL,
		 "duplicate CIDR range %s; first defined at %s",
		 c->networks[again], where);
}

int validate_cidr_dups(struct diag_list *d, const struct sip_config *sip,
		       char *const *networks, const char *const *paths)
{
	struct cidr_ctx c = {sip, networks, paths};
	return report_dups(d, networks, sip->n_cidrs, cidr_report, &c);
}

struct agent_ctx {
	const struct sip_config *sip;
	const char *const *paths;
};

static void agent_report(struct diag_list *d, const void *ctx, size_t first,
			 size_t again)
{
	const struct agent_ctx *c = ctx;
	const struct agent_allowance *a = &c->sip->agents[again];
	const char *who = a->agent_id ? a->agent_id : a->agent_name;
	char where[512], q[256];
	place_str(where, sizeof(where), &c->sip->agents[first].pos);
	if (a->to_user_pattern) {
		validate_quote(q, sizeof(q), a->to_user_pattern);
		diag_add(d, DIAG_ERROR, &a->pos,
			 c->paths ? c->paths[again] : NULL,
			 "duplicate allowance for agent %s with pattern '%s'; "
			 "first defined at %s",
			 who, q, where);
	} else {
		diag_add(d, DIAG_ERROR, &a->pos,
			 c->paths ? c->paths[again] : NULL,
			 "duplicate allowance for agent %s (default pattern); "
			 "first defined at %s",
			 who, where);
	}
}

static void free_keys(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

int validate_agent_dups(struct diag_list *d, const struct sip_config *sip,
			const char *const *paths)
{
	size_t n = sip->n_agents;
	char **keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct agent_allowance *a = &sip->agents[i];
		/* `agent: NAME` keys start with '@', which no uuid does */
		const char *who = a->agent_id ? a->agent_id : a->agent_name;
		if (!who)
			continue;
		char *pat = model_effective_pattern(a);
		size_t len = strlen(who) + (pat ? strlen(pat) : 0) + 3;
		keys[i] = pat ? malloc(len) : NULL;
		if (keys[i])
			snprintf(keys[i], len, "%s%s\n%s",
				 a->agent_id ? "" : "@", who, pat);
		free(pat);
	}
	struct agent_ctx c = {sip, paths};
	int rc = report_dups(d, keys, n, agent_report, &c);
	free_keys(keys, n);
	return rc;
}

struct reg_ctx {
	const struct registration *regs;
	char *const *keys;
	const char *const *paths;
};

static void reg_report(struct diag_list *d, const void *ctx, size_t first,
		       size_t again)
{
	const struct reg_ctx *c = ctx;
	char where[512], q[256];
	place_str(where, sizeof(where), &c->regs[first].pos);
	validate_quote(q, sizeof(q), c->keys[again]);
	diag_add(d, DIAG_ERROR, &c->regs[again].pos,
		 c->paths ? c->paths[again] : NULL,
		 "duplicate registration %s; first defined at %s", q, where);
}

int validate_registration_dups(struct diag_list *d,
			       const struct registration *regs, size_t n,
			       const char *const *paths)
{
	char **keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (regs[i].username && regs[i].proxy)
			keys[i] = model_registration_key(&regs[i]);
	struct reg_ctx c = {regs, keys, paths};
	int rc = report_dups(d, keys, n, reg_report, &c);
	free_keys(keys, n);
	return rc;
}

const char *validate_pcre2_version(void)
{
	/* PCRE2_CONFIG_VERSION needs at most 24 code units (pcre2api(3)). */
	static PCRE2_UCHAR buf[64];
	if (pcre2_config(PCRE2_CONFIG_VERSION, buf) < 0)
		return "unknown";
	return (const char *)buf;
}
