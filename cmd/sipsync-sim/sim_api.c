/*
 * sim_api: the simulated endpoints. Order of checks follows Django/DRF:
 * URL (404) → authentication (401) → method (405) → body (415/400) →
 * object lookup (404) → validation (400) → change.
 */
#include "sim_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/crypto.h"
#include "reconcile/base/format.h"
#include "sim_order.h"
#include "sim_valid.h"

#define REG_PREFIX "/api/sip/registrations/"
#define AGENT_PREFIX "/api/agents/"
#define MAX_CURSOR 1024

enum route {
	ROUTE_NONE,
	ROUTE_SIP,
	ROUTE_REGS,
	ROUTE_REG,
	ROUTE_AGENT,
	ROUTE_AGENTS,
};

/* A page of the registration list: [start, end) of the sorted order. */
struct page {
	size_t start, end;
	char *next, *previous; /* raw cursor payloads or NULL */
};

static enum route route_of(const char *path, const char **id)
{
	size_t n;

	*id = NULL;
	if (strcmp(path, "/api/sip") == 0)
		return ROUTE_SIP;
	if (strcmp(path, "/api/sip/registrations") == 0)
		return ROUTE_REGS;
	n = strlen(REG_PREFIX);
	if (strncmp(path, REG_PREFIX, n) == 0 && path[n] &&
	    !strchr(path + n, '/')) {
		*id = path + n;
		return ROUTE_REG;
	}
	if (strcmp(path, "/api/agents") == 0)
		return ROUTE_AGENTS;
	n = strlen(AGENT_PREFIX);
	if (strncmp(path, AGENT_PREFIX, n) == 0 && path[n] &&
	    !strchr(path + n, '/')) {
		*id = path + n;
		return ROUTE_AGENT;
	}
	return ROUTE_NONE;
}

bool sim_api_known_path(const char *path)
{
	const char *id;
	return route_of(path, &id) != ROUTE_NONE;
}

void sim_api_detail(struct sim_response *rsp, unsigned status, const char *msg)
{
	json_decref(rsp->body);
	rsp->status = status;
	rsp->body = sim_valid_detail(msg);
}

void sim_api_not_allowed(struct sim_response *rsp, const char *method,
			 const char *allow)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "Method \"%.20s\" not allowed.", method);
	rsp->allow = allow;
	sim_api_detail(rsp, 405, msg);
}

static void reply(struct sim_response *rsp, unsigned status, json_t *body)
{
	json_decref(rsp->body);
	rsp->status = status;
	rsp->body = body;
}

static bool is_json_type(const char *ct)
{
	static const char json_type[] = "application/json";
	size_t n = sizeof(json_type) - 1;

	while (ct && isspace((unsigned char)*ct))
		ct++;
	if (!ct || strncasecmp(ct, json_type, n) != 0)
		return false;
	ct += n;
	while (isspace((unsigned char)*ct))
		ct++;
	return *ct == '\0' || *ct == ';';
}

json_t *sim_api_parse_body(const struct sim_request *rq,
			   struct sim_response *rsp)
{
	json_error_t jerr;
	json_t *v;
	char msg[300];

	if (!rq->body || rq->body_len == 0)
		return json_object();
	if (!is_json_type(rq->content_type)) {
		char ct[80];
		snprintf(ct, sizeof(ct), "%s",
			 rq->content_type ? rq->content_type : "");
		for (char *p = ct; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == '"' ||
			    (unsigned char)*p >= 0x7f)
				*p = '?';
		snprintf(msg, sizeof(msg),
			 "Unsupported media type \"%s\" in request.", ct);
		sim_api_detail(rsp, 415, msg);
		return NULL;
	}
	v = json_loadb(rq->body, rq->body_len,
		       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		snprintf(msg, sizeof(msg),
			 "JSON parse error - %s: line %d column %d (char %d)",
			 jerr.text, jerr.line, jerr.column, jerr.position);
		sim_api_detail(rsp, 400, msg);
		return NULL;
	}
	return v;
}

/* --- views of the model ------------------------------------------------ */

/* The account a request authenticated as, and the state it lives in. */
struct acct {
	struct sim_state *st;
	json_t *doc; /* the account's document inside st->doc */
};

static json_t *sip_view(const struct acct *a)
{
	json_t *v = json_deep_copy(json_object_get(a->doc, "sip"));

	json_object_set(v, "domain", json_object_get(a->doc, "domain"));
	json_t *fh = json_object_get(v, "fallbackHandler");
	if (json_is_true(json_object_get(a->doc, "hideSecrets")) &&
	    json_is_object(fh))
		json_object_del(fh, "secrets");
	return v;
}

/* A registration as the API answers it: fixed key order, no password. */
static json_t *reg_view(const json_t *r)
{
	static const char *const keys[] = {
	    "registrationId", "created",  "username",	"proxy",
	    "outboundProxy",  "authUser", "successful", NULL};
	const char *const *k;
	json_t *v = json_object();

	for (k = keys; *k; k++) {
		json_t *x = json_object_get(r, *k);
		json_object_set_new(v, *k, x ? json_deep_copy(x) : json_null());
	}
	return v;
}

static json_t *find_reg(const struct acct *a, const char *id, size_t *index)
{
	json_t *regs = json_object_get(a->doc, "registrations"), *r;
	size_t i;

	json_array_foreach(regs, i, r)
	{
		if (strcmp(
			json_string_value(json_object_get(r, "registrationId")),
			id) == 0) {
			if (index)
				*index = i;
			return r;
		}
	}
	return NULL;
}

/* --- /api/sip ------------------------------------------------------------ */

static void sip_patch(struct acct *a, const struct sim_request *rq,
		      struct sim_response *rsp)
{
	json_t *body = sim_api_parse_body(rq, rsp), *clean, *errors = NULL;

	if (!body)
		return;
	clean = sim_valid_sip(body, json_object_get(a->doc, "agents"), &errors);
	if (!clean) {
		reply(rsp, 400, errors);
	} else {
		/* only the fields sent change; lists are replaced whole */
		json_object_update(json_object_get(a->doc, "sip"), clean);
		sim_state_save(a->st);
		reply(rsp, 200, sip_view(a));
		json_decref(clean);
	}
	json_decref(body);
}

static void handle_sip(struct acct *a, const struct sim_request *rq,
		       struct sim_response *rsp)
{
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
		reply(rsp, 200, sip_view(a));
	} else if (strcmp(rq->method, "PATCH") == 0) {
		sip_patch(a, rq, rsp);
	} else {
		sim_api_not_allowed(rsp, rq->method, "GET, PATCH, HEAD");
	}
}

/* --- registrations list and cursors ------------------------------------- */

/* Sort key "created|registrationId" compared to the cursor's key. */
static int key_cmp(const json_t *r, const char *created, const char *id)
{
	int c =
	    strcmp(json_string_value(json_object_get(r, "created")), created);

	if (c)
		return c;
	return strcmp(json_string_value(json_object_get(r, "registrationId")),
		      id);
}

static char *cursor_payload(char dir, const json_t *r)
{
	const char *created = "", *id = "";
	size_t n;
	char *s;

	if (r) {
		created = json_string_value(json_object_get(r, "created"));
		id = json_string_value(json_object_get(r, "registrationId"));
	}
	n = strlen(created) + strlen(id) + 4;
	s = malloc(n);
	if (s)
		snprintf(s, n, "%c|%s|%s", dir, created, id);
	return s;
}

static char *hex_encode(const char *s)
{
	size_t n = strlen(s), i;
	char *out = malloc(2 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned char)s[i]);
	out[2 * n] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a cursor into buf: "<dir>|<created>|<id>". Returns 0 or -1. */
static int cursor_decode(const char *cur, char *buf, size_t len)
{
	size_t n = strlen(cur), i;

	if (n == 0 || n % 2 || n / 2 >= len)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(cur[2 * i]), lo = hexval(cur[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		buf[i] = (char)(hi * 16 + lo);
	}
	buf[n / 2] = '\0';
	return 0;
}

/* Lays out the page of `sorted` (n items, in list order) for cursor
 * payload `cur` (NULL = first page). Returns 0, or -1 for an invalid
 * cursor. */
static int page_layout(json_t *const *sorted, size_t n, const char *cur,
		       size_t size, struct page *pg)
{
	char dir = 'f', *created = NULL, *id = NULL, *bar;
	char buf[MAX_CURSOR];
	size_t k = 0, lo, hi, mid;

	memset(pg, 0, sizeof(*pg));
	if (cur) {
		if (cursor_decode(cur, buf, sizeof(buf)) != 0 || !buf[0] ||
		    buf[1] != '|')
			return -1;
		dir = buf[0];
		created = buf + 2;
		bar = strchr(created, '|');
		if (!bar || !strchr("abfe", dir))
			return -1;
		*bar = '\0';
		id = bar + 1;
	}
	/* 'a' starts after the cursor's key, 'b' ends before it: k is the
	 * first item above it ('a') or at or above it ('b') */
	if (dir == 'a' || dir == 'b') {
		lo = 0;
		hi = n;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (key_cmp(sorted[mid], created, id) <
			    (dir == 'a' ? 1 : 0))
				lo = mid + 1;
			else
				hi = mid;
		}
		k = lo;
	}
	if (dir == 'a' || dir == 'f') {
		pg->start = dir == 'a' ? k : 0;
		pg->end = pg->start + size < n ? pg->start + size : n;
	} else {
		pg->end = dir == 'b' ? k : n;
		pg->start = pg->end > size ? pg->end - size : 0;
	}
	if (pg->end < n && pg->end > 0)
		pg->next = cursor_payload('a', sorted[pg->end - 1]);
	else if (pg->end < n)
		pg->next = cursor_payload('f', NULL);
	if (pg->start > 0)
		pg->previous = pg->start < n
				   ? cursor_payload('b', sorted[pg->start])
				   : cursor_payload('e', NULL);
	return 0;
}

static json_t *page_url(const struct sim_request *rq, const char *payload,
			const char *page_size)
{
	char *cur, *url;
	size_t n;
	json_t *v;

	if (!payload)
		return json_null();
	cur = hex_encode(payload);
	if (!cur)
		return json_null();
	n = strlen(rq->base_url) + strlen(rq->path) + strlen(cur) + 64;
	url = malloc(n);
	if (!url) {
		free(cur);
		return json_null();
	}
	if (page_size)
		snprintf(url, n, "%s%s?cursor=%s&pageSize=%s", rq->base_url,
			 rq->path, cur, page_size);
	else
		snprintf(url, n, "%s%s?cursor=%s", rq->base_url, rq->path, cur);
	v = json_string(url);
	free(url);
	free(cur);
	return v;
}

/* DRF: a positive integer, else the default; capped by the maximum. */
static size_t page_size_of(const char *s, long max, char *echo, size_t len)
{
	char *end;
	long v;

	echo[0] = '\0';
	if (!s || !*s)
		return (size_t)max;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		return (size_t)max;
	if (v > max)
		v = max;
	snprintf(echo, len, "%ld", v);
	return (size_t)v;
}

static void regs_list(const struct sim_api_config *cfg, struct acct *a,
		      const struct sim_request *rq, struct sim_response *rsp)
{
	json_t *regs, *results, *body;
	json_t *const *sorted;
	struct page pg = {0};
	char echo[24];
	size_t n, i, size;

	size = page_size_of(rq->page_size, cfg->page_size, echo, sizeof(echo));
	regs = json_object_get(a->doc, "registrations");
	/* kept in order between requests: a page is a binary search for the
	 * cursor and a slice (a sort of the whole list per page made a plan
	 * of 10,000 registrations cost the simulator ~0.6 s of CPU) */
	sorted = sim_order_get(&a->st->orders, regs, &n);
	if (!sorted) {
		sim_api_detail(rsp, 500, "Out of memory.");
		return;
	}
	/* DRF reads an empty ?cursor= as the first page */
	if (page_layout(sorted, n,
			rq->cursor && *rq->cursor ? rq->cursor : NULL, size,
			&pg) != 0) {
		sim_api_detail(rsp, 404, "Invalid cursor");
		goto out;
	}
	results = json_array();
	for (i = pg.start; i < pg.end; i++)
		json_array_append_new(results, reg_view(sorted[i]));
	body = json_object();
	json_object_set_new(body, "next",
			    page_url(rq, pg.next, echo[0] ? echo : NULL));
	json_object_set_new(body, "previous",
			    page_url(rq, pg.previous, echo[0] ? echo : NULL));
	json_object_set_new(body, "results", results);
	json_object_set_new(body, "total", json_integer((json_int_t)n));
	reply(rsp, 200, body);
out:
	free(pg.next);
	free(pg.previous);
}

static void regs_create(struct acct *a, const struct sim_request *rq,
			struct sim_response *rsp)
{
	json_t *body = sim_api_parse_body(rq, rsp), *reg, *errors = NULL;
	char id[37], now[32];

	if (!body)
		return;
	reg = sim_valid_registration(body, false, &errors);
	json_decref(body);
	if (!reg) {
		reply(rsp, 400, errors);
		return;
	}
	if (sim_state_new_uuid(id) != 0) {
		json_decref(reg);
		sim_api_detail(rsp, 500, "Could not make an id.");
		return;
	}
	sim_state_now(now);
	json_object_set_new(reg, "registrationId", json_string(id));
	json_object_set_new(reg, "created", json_string(now));
	json_object_set_new(reg, "successful", json_null());
	sim_state_registration_defaults(reg);
	sim_state_health_arm(a->doc, reg);
	json_array_append(json_object_get(a->doc, "registrations"), reg);
	sim_order_add(&a->st->orders, json_object_get(a->doc, "registrations"),
		      reg);
	sim_state_save(a->st);
	/* under the lock: from now on another request may change reg */
	reply(rsp, 201, reg_view(reg));
	json_decref(reg);
}

static void handle_regs(const struct sim_api_config *cfg, struct acct *a,
			const struct sim_request *rq, struct sim_response *rsp)
{
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
		regs_list(cfg, a, rq, rsp);
	} else if (strcmp(rq->method, "POST") == 0) {
		regs_create(a, rq, rsp);
	} else {
		sim_api_not_allowed(rsp, rq->method, "GET, POST, HEAD");
	}
}

/* --- one registration ---------------------------------------------------- */

static void reg_patch(struct acct *a, const char *id,
		      const struct sim_request *rq, struct sim_response *rsp)
{
	json_t *body = sim_api_parse_body(rq, rsp), *clean, *errors = NULL;
	json_t *reg;

	if (!body)
		return;
	reg = find_reg(a, id, NULL);
	if (!reg) {
		sim_api_detail(rsp, 404, "Not found.");
		goto out;
	}
	clean = sim_valid_registration(body, true, &errors);
	if (!clean) {
		reply(rsp, 400, errors);
		goto out;
	}
	json_object_update(reg, clean);
	json_decref(clean);
	sim_state_health_arm(a->doc, reg);
	sim_state_save(a->st);
	reply(rsp, 200, reg_view(reg));
out:
	json_decref(body);
}

static void handle_reg(struct acct *a, const char *id,
		       const struct sim_request *rq, struct sim_response *rsp)
{
	json_t *reg;
	size_t index = 0;

	if (strcmp(rq->method, "PATCH") == 0) {
		reg_patch(a, id, rq, rsp);
		return;
	}
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") &&
	    strcmp(rq->method, "DELETE")) {
		sim_api_not_allowed(rsp, rq->method,
				    "GET, PATCH, DELETE, HEAD");
		return;
	}
	reg = find_reg(a, id, &index);
	if (!reg) {
		sim_api_detail(rsp, 404, "Not found.");
	} else if (strcmp(rq->method, "DELETE") == 0) {
		sim_order_remove(&a->st->orders,
				 json_object_get(a->doc, "registrations"), reg);
		json_array_remove(json_object_get(a->doc, "registrations"),
				  index);
		sim_state_save(a->st);
		reply(rsp, 204, NULL);
	} else {
		reply(rsp, 200, reg_view(reg));
	}
}

/* --- agents -------------------------------------------------------------- */

/* An Agent; name left out when it has none (the field is optional). */
static json_t *agent_view(const char *id, const char *name)
{
	json_t *a = json_pack("{s:s,s:n,s:s,s:n,s:{s:i}}", "agentId", id,
			      "publishedRevisionId", "created",
			      "2026-01-01T00:00:00.000000Z", "callTemplate",
			      "statistics", "calls", 0);
	if (a && name)
		json_object_set_new(a, "name", json_string(name));
	return a;
}

/* DRF's SearchFilter, simplified: the name contains the search text,
 * ignoring ASCII case. */
static bool name_matches(const char *name, const char *search)
{
	size_t n = strlen(search);
	if (!search[0])
		return true;
	for (const char *p = name; p && *p; p++)
		if (strncasecmp(p, search, n) == 0)
			return true;
	return false;
}

/* The seeded agents that match ?search=, in seed order. */
static json_t *agents_matching(const json_t *acct, const char *search)
{
	json_t *out = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(acct, "agents"), i, a)
	{
		const char *id = json_string_value(a);
		const char *name = sim_state_agent_name(acct, id);
		if (!search || name_matches(name, search))
			json_array_append_new(out, agent_view(id, name));
	}
	return out;
}

/* ?cursor= of the agent list: the hex of "o|<offset>". -1 when invalid. */
static long agents_offset(const char *cur)
{
	char buf[32], *end = NULL;
	if (!cur || !*cur)
		return 0;
	if (cursor_decode(cur, buf, sizeof(buf)) != 0 ||
	    strncmp(buf, "o|", 2) != 0)
		return -1;
	long v = strtol(buf + 2, &end, 10);
	return *end || v < 0 ? -1 : v;
}

/* The next page's URL, keeping pageSize and search (percent-encoded). */
static json_t *agents_next(const struct sim_request *rq, long offset,
			   const char *page_size)
{
	char payload[32], *cur;
	snprintf(payload, sizeof(payload), "o|%ld", offset);
	cur = hex_encode(payload);
	struct buf url;
	buf_init(&url, 8192);
	buf_addf(&url, "%s%s?cursor=%s", rq->base_url, rq->path,
		 cur ? cur : "");
	if (page_size)
		buf_addf(&url, "&pageSize=%s", page_size);
	if (rq->search) {
		buf_adds(&url, "&search=");
		for (const unsigned char *p = (const void *)rq->search; *p; p++)
			buf_addf(&url, isalnum(*p) ? "%c" : "%%%02X", *p);
	}
	json_t *v = buf_len(&url) ? json_string(buf_str(&url)) : json_null();
	buf_free(&url);
	free(cur);
	return v;
}

static void agents_list(const struct sim_api_config *cfg, struct acct *acct,
			const struct sim_request *rq, struct sim_response *rsp)
{
	char echo[24];
	size_t size =
	    page_size_of(rq->page_size, cfg->page_size, echo, sizeof(echo));
	long off = agents_offset(rq->cursor);
	if (strcmp(rq->method, "GET")) {
		sim_api_not_allowed(rsp, rq->method, "GET");
		return;
	}
	if (off < 0) {
		sim_api_detail(rsp, 404, "Invalid cursor");
		return;
	}
	json_t *all = agents_matching(acct->doc, rq->search),
	       *page = json_array();
	size_t n = json_array_size(all), end = (size_t)off + size;
	for (size_t i = (size_t)off; i < n && i < end; i++)
		json_array_append(page, json_array_get(all, i));
	reply(rsp, 200,
	      json_pack("{s:o,s:n,s:o,s:I}", "next",
			end < n
			    ? agents_next(rq, (long)end, echo[0] ? echo : NULL)
			    : json_null(),
			"previous", "results", page, "total", (json_int_t)n));
	json_decref(all);
}

static void handle_agent(struct acct *a, const char *id,
			 const struct sim_request *rq, struct sim_response *rsp)
{
	char canon[37];
	const char *name;
	size_t i;
	bool exists;

	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		sim_api_not_allowed(rsp, rq->method, "GET, HEAD");
		return;
	}
	if (!format_uuid_valid(id)) {
		sim_api_detail(rsp, 404, "Not found.");
		return;
	}
	for (i = 0; i < 36; i++)
		canon[i] = (char)tolower((unsigned char)id[i]);
	canon[36] = '\0';
	exists = sim_state_agent_in(a->doc, canon);
	name = sim_state_agent_name(a->doc, canon);
	if (exists)
		reply(rsp, 200, agent_view(canon, name));
	else
		sim_api_detail(rsp, 404, "Not found.");
}

/* The account rq's key names, under the lock: the primary (cfg->api_key)
 * or an extra one. NULL with rsp filled (401) when none. */
static json_t *authenticate(const struct sim_api_config *cfg,
			    struct sim_state *st, const struct sim_request *rq,
			    struct sim_response *rsp)
{
	json_t *doc = NULL;

	if (!rq->api_key || !*rq->api_key) {
		sim_api_detail(rsp, 401,
			       "Authentication credentials were not provided.");
		return NULL;
	}
	if (cfg->api_key && crypto_equal(rq->api_key, cfg->api_key))
		doc = st->doc;
	else
		doc = sim_state_account_by_key(st, rq->api_key);
	if (!doc) {
		sim_api_detail(rsp, 401, "Invalid API key.");
		return NULL;
	}
	/* the log names the account (never the key) once there are several */
	if (json_object_get(st->doc, "accounts"))
		snprintf(rsp->account, sizeof(rsp->account), "%s",
			 json_string_value(json_object_get(doc, "domain")));
	return doc;
}

static void dispatch(const struct sim_api_config *cfg, struct acct *a,
		     enum route r, const char *id, const struct sim_request *rq,
		     struct sim_response *rsp)
{
	switch (r) {
	case ROUTE_SIP:
		handle_sip(a, rq, rsp);
		break;
	case ROUTE_REGS:
		handle_regs(cfg, a, rq, rsp);
		break;
	case ROUTE_REG:
		handle_reg(a, id, rq, rsp);
		break;
	case ROUTE_AGENT:
		handle_agent(a, id, rq, rsp);
		break;
	case ROUTE_AGENTS:
		agents_list(cfg, a, rq, rsp);
		break;
	case ROUTE_NONE:
		break;
	}
}

void sim_api_handle(const struct sim_api_config *cfg, struct sim_state *st,
		    const struct sim_request *rq, struct sim_response *rsp)
{
	const char *id = NULL;
	enum route r = route_of(rq->path, &id);
	struct acct a = {st, NULL};

	rsp->status = 500;
	if (r == ROUTE_NONE) {
		sim_api_detail(rsp, 404, "Not found.");
		return;
	}
	/* one lock for the whole request: the account document it works on
	 * stays valid even if /_sim/state replaces the model meanwhile */
	sim_state_lock(st);
	a.doc = authenticate(cfg, st, rq, rsp);
	if (a.doc) {
		sim_state_health_settle(a.doc);
		dispatch(cfg, &a, r, id, rq, rsp);
	}
	sim_state_unlock(st);
}
