#include "reconcile/api/api_parse.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/format.h"

static int set_why(char **why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int set_why(char **why, const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(*why);
	*why = strdup(buf);
	return -1;
}

static json_t *load(const char *body, size_t len, char **why)
{
	json_error_t err;
	json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &err);
	if (!root) {
		/* jansson adds " near '<token>'": text of the body, which may
		 * be (part of) a secret not known yet; say where instead */
		char text[JSON_ERROR_TEXT_LENGTH];
		snprintf(text, sizeof(text), "%s", err.text);
		char *near = strstr(text, " near ");
		if (near)
			*near = '\0';
		set_why(why, "invalid JSON: %s at line %d column %d", text,
			err.line, err.column);
	}
	return root;
}

/* A string member or null/missing: 0 with *out (NULL for null/missing),
 * -1 when it has another type. */
static int opt_string(json_t *obj, const char *name, char **out, bool *present)
{
	json_t *v = json_object_get(obj, name);
	*out = NULL;
	if (present)
		*present = v && !json_is_null(v);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = strdup(json_string_value(v));
	return *out ? 0 : -1;
}

static int parse_cidrs(json_t *v, struct sip_config *sip, char **why)
{
	size_t i;
	json_t *item;
	sip->cidrs_state = FIELD_SET;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return set_why(why, "allowedCidrRanges is not a list");
	sip->cidrs = calloc(json_array_size(v) + 1, sizeof(*sip->cidrs));
	if (!sip->cidrs)
		return set_why(why, "out of memory");
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item))
			return set_why(
			    why, "allowedCidrRanges[%zu] is not a string", i);
		sip->cidrs[i] = strdup(json_string_value(item));
		if (!sip->cidrs[i])
			return set_why(why, "out of memory");
		sip->n_cidrs = i + 1;
	}
	return 0;
}

static int parse_agents(json_t *v, struct sip_config *sip, char **why)
{
	size_t i;
	json_t *item;
	if (!v)
		return set_why(why, "allowedAgents is missing");
	sip->agents_state = FIELD_SET;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return set_why(why, "allowedAgents is not a list");
	sip->agents = calloc(json_array_size(v) + 1, sizeof(*sip->agents));
	if (!sip->agents)
		return set_why(why, "out of memory");
	json_array_foreach(v, i, item)
	{
		struct agent_allowance *a = &sip->agents[i];
		json_t *id = json_object_get(item, "agentId");
		if (!json_is_object(item))
			return set_why(
			    why, "allowedAgents[%zu] is not an object", i);
		sip->n_agents = i + 1;
		if (!json_is_string(id))
			return set_why(why, "allowedAgents[%zu].agentId is %s",
				       i, id ? "not a string" : "missing");
		if (!(a->agent_id = strdup(json_string_value(id))))
			return set_why(why, "out of memory");
		if (opt_string(item, "toUserPattern", &a->to_user_pattern,
			       NULL) < 0)
			return set_why(
			    why,
			    "allowedAgents[%zu].toUserPattern is not a string",
			    i);
	}
	return 0;
}

static int parse_secrets(json_t *v, struct fallback_handler *fb, char **why)
{
	size_t i;
	json_t *item;
	if (!v || json_is_null(v)) {
		fb->secrets_state = FIELD_UNSET; /* not returned */
		return 0;
	}
	if (!json_is_array(v))
		return set_why(why, "fallbackHandler.secrets is not a list");
	fb->secrets_state = FIELD_SET;
	fb->secrets = calloc(json_array_size(v) + 1, sizeof(*fb->secrets));
	if (!fb->secrets)
		return set_why(why, "out of memory");
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item))
			return set_why(
			    why, "fallbackHandler.secrets[%zu] is not a string",
			    i);
		fb->secrets[i].kind = SECRET_LITERAL;
		fb->secrets[i].value = strdup(json_string_value(item));
		if (!fb->secrets[i].value)
			return set_why(why, "out of memory");
		fb->n_secrets = i + 1;
	}
	return 0;
}

static int parse_fallback(json_t *v, struct sip_config *sip, char **why)
{
	if (!v || json_is_null(v)) {
		sip->fallback_state = FIELD_NULL;
		return 0;
	}
	if (!json_is_object(v))
		return set_why(why, "fallbackHandler is not an object");
	sip->fallback_state = FIELD_SET;
	json_t *url = json_object_get(v, "url");
	if (!json_is_string(url))
		return set_why(why, "fallbackHandler.url is %s",
			       url ? "not a string" : "missing");
	if (!(sip->fallback.url = strdup(json_string_value(url))))
		return set_why(why, "out of memory");
	return parse_secrets(json_object_get(v, "secrets"), &sip->fallback,
			     why);
}

static int parse_sip_obj(json_t *root, struct sip_config *sip, char **why)
{
	if (!json_is_object(root))
		return set_why(why, "not a JSON object");
	json_t *all = json_object_get(root, "allowAllAgents");
	json_t *dom = json_object_get(root, "domain");

	if (parse_cidrs(json_object_get(root, "allowedCidrRanges"), sip, why) <
	    0)
		return -1;
	sip->allow_all_state = FIELD_SET;
	if (all && !json_is_null(all) && !json_is_boolean(all))
		return set_why(why, "allowAllAgents is not a boolean");
	sip->allow_all = json_is_true(all);
	if (parse_agents(json_object_get(root, "allowedAgents"), sip, why) < 0)
		return -1;
	if (parse_fallback(json_object_get(root, "fallbackHandler"), sip, why) <
	    0)
		return -1;
	if (!json_is_string(dom))
		return set_why(why, "domain is %s",
			       dom ? "not a string" : "missing");
	if (!(sip->domain = strdup(json_string_value(dom))))
		return set_why(why, "out of memory");
	return 0;
}

int api_parse_sip(const char *body, size_t len, struct sip_config *sip,
		  char **why)
{
	memset(sip, 0, sizeof(*sip));
	*why = NULL;
	json_t *root = load(body, len, why);
	int rc = root ? parse_sip_obj(root, sip, why) : -1;
	json_decref(root);
	if (rc < 0)
		model_sip_release(sip);
	return rc;
}

static int nullable(json_t *obj, const char *name, enum field_state *st,
		    char **out)
{
	bool present = false;
	if (opt_string(obj, name, out, &present) < 0)
		return -1;
	*st = present ? FIELD_SET : FIELD_NULL;
	return 0;
}

/* A registrationId that is safe as the last segment of a request path:
 * not empty, "." or "..", and no '/', '?', '#', '%', whitespace or control
 * characters (any of these would send the request somewhere else). */
static bool id_usable(const char *id)
{
	if (!*id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/?#%", *p))
			return false;
	return true;
}

static int parse_registration(json_t *o, struct registration *r, size_t i,
			      char **why)
{
	json_t *ok = json_object_get(o, "successful");
	bool has;
	if (!json_is_object(o))
		return set_why(why, "results[%zu] is not an object", i);
	if (opt_string(o, "registrationId", &r->id, &has) < 0 || !has)
		return set_why(
		    why, "results[%zu].registrationId is not a string", i);
	if (!id_usable(r->id))
		return set_why(why,
			       "results[%zu].registrationId is not a usable id "
			       "(empty, \".\", \"..\", or holding '/', '?', "
			       "'#', '%%', whitespace or a control character)",
			       i);
	/* optional in the spec: none (missing or null) is the empty string,
	 * as in the desired model, so both give the identity "@proxy" */
	if (opt_string(o, "username", &r->username, &has) < 0)
		return set_why(why, "results[%zu].username is not a string", i);
	if (!has && !(r->username = strdup("")))
		return set_why(why, "out of memory");
	if (opt_string(o, "proxy", &r->proxy, &has) < 0 || !has)
		return set_why(why, "results[%zu].proxy is not a string", i);
	if (opt_string(o, "created", &r->created, NULL) < 0)
		return set_why(why, "results[%zu].created is not a string", i);
	if (nullable(o, "outboundProxy", &r->outbound_proxy_state,
		     &r->outbound_proxy) < 0)
		return set_why(why,
			       "results[%zu].outboundProxy is not a string", i);
	if (nullable(o, "authUser", &r->auth_user_state, &r->auth_user) < 0)
		return set_why(why, "results[%zu].authUser is not a string", i);
	if (ok && !json_is_null(ok) && !json_is_boolean(ok))
		return set_why(why, "results[%zu].successful is not a boolean",
			       i);
	r->successful = json_is_boolean(ok) ? json_is_true(ok) : -1;
	return 0;
}

/* The envelope of a paginated list: `results` a list, `next` a string,
 * null or absent (*next allocated when set). 0, or -1 with *why. */
static int page_envelope(json_t *root, json_t **results, char **next,
			 char **why)
{
	json_t *nx = json_object_get(root, "next");
	if (!json_is_object(root))
		return set_why(why, "not a JSON object");
	*results = json_object_get(root, "results");
	if (!json_is_array(*results))
		return set_why(why, "results is %s",
			       *results ? "not a list" : "missing");
	if (nx && !json_is_null(nx) && !json_is_string(nx))
		return set_why(why, "next is not a string");
	if (json_is_string(nx) && *json_string_value(nx) &&
	    !(*next = strdup(json_string_value(nx))))
		return set_why(why, "out of memory");
	return 0;
}

static int parse_page_obj(json_t *root, struct registration **regs, size_t *n,
			  char **next, char **why)
{
	json_t *results = NULL, *item;
	size_t i;
	if (page_envelope(root, &results, next, why) < 0)
		return -1;
	size_t add = json_array_size(results);
	struct registration *grown =
	    realloc(*regs, (*n + add + 1) * sizeof(**regs));
	if (!grown)
		return set_why(why, "out of memory");
	*regs = grown;
	json_array_foreach(results, i, item)
	{
		struct registration *r = &(*regs)[*n];
		memset(r, 0, sizeof(*r));
		int rc = parse_registration(item, r, i, why);
		(*n)++; /* owned either way: the caller releases it */
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_agents_obj(json_t *root, struct agent_names *names,
			    char **next, char **why)
{
	json_t *results = NULL, *item;
	size_t i;
	if (page_envelope(root, &results, next, why) < 0)
		return -1;
	json_array_foreach(results, i, item)
	{
		const char *id =
		    json_string_value(json_object_get(item, "agentId"));
		json_t *name = json_object_get(item, "name");
		if (!id || !format_uuid_valid(id))
			return set_why(why,
				       "results[%zu].agentId is not a uuid", i);
		if (name && !json_is_null(name) && !json_is_string(name))
			return set_why(why, "results[%zu].name is not a string",
				       i);
		if (agent_names_add(names, id, json_string_value(name)) < 0)
			return set_why(why, "out of memory");
	}
	return 0;
}

int api_parse_agents_page(const char *body, size_t len,
			  struct agent_names *names, char **next, char **why)
{
	*next = NULL;
	*why = NULL;
	json_t *root = load(body, len, why);
	int rc = root ? parse_agents_obj(root, names, next, why) : -1;
	json_decref(root);
	if (rc < 0) {
		free(*next);
		*next = NULL;
	}
	return rc;
}

int api_parse_page(const char *body, size_t len, struct registration **regs,
		   size_t *n, char **next, char **why)
{
	*next = NULL;
	*why = NULL;
	json_t *root = load(body, len, why);
	int rc = root ? parse_page_obj(root, regs, n, next, why) : -1;
	json_decref(root);
	if (rc < 0) {
		free(*next);
		*next = NULL;
	}
	return rc;
}

int api_parse_registration(const char *body, size_t len, struct registration *r,
			   char **why)
{
	memset(r, 0, sizeof(*r));
	*why = NULL;
	json_t *root = load(body, len, why);
	int rc = root ? parse_registration(root, r, 0, why) : -1;
	json_decref(root);
	if (rc < 0)
		model_registration_release(r);
	return rc;
}

char *api_parse_registration_id(const char *body, size_t len)
{
	json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	const char *id =
	    json_string_value(json_object_get(root, "registrationId"));
	char *out = id && id_usable(id) ? strdup(id) : NULL;
	json_decref(root);
	return out;
}

/* The error rendering, at most API_PARSE_ERROR_MAX bytes; full says that
 * something was left out. Text past the limit is cut, not refused: the
 * start of a long message is still worth showing. */
struct sbuf {
	struct buf text;
	bool full;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	size_t room = API_PARSE_ERROR_MAX - buf_len(&b->text);
	if (b->full)
		return;
	if (n > room) {
		n = room;
		b->full = true;
	}
	/* out of memory empties the buffer: say so rather than show less */
	if (buf_add(&b->text, s, n) != 0)
		b->full = true;
}

static void render_msg(struct sbuf *b, const char *prefix, const char *msg)
{
	if (buf_len(&b->text))
		sb_add(b, "; ");
	if (*prefix) {
		sb_add(b, prefix);
		sb_add(b, ": ");
	}
	sb_add(b, msg);
}

static void render(struct sbuf *b, const char *prefix, json_t *v, int depth);

/* DRF reports list items of a ListField as {"0": [...]}. */
static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* prefix + sep + key (+ close), allocated; a prefix longer than the whole
 * rendering could be is never built (NULL, and the output marked cut), so
 * a key is never cut part-way. */
static char *sub_prefix(struct sbuf *b, const char *prefix, const char *sep,
			const char *key, const char *close)
{
	size_t n = strlen(prefix) + strlen(sep) + strlen(key) + strlen(close);
	char *sub = n <= API_PARSE_ERROR_MAX ? malloc(n + 1) : NULL;
	if (!sub) {
		b->full = true;
		return NULL;
	}
	/* n is the exact length; checking it also tells GCC's
	 * -Wformat-truncation (Release, -O3) that nothing is cut */
	if (snprintf(sub, n + 1, "%s%s%s%s", prefix, sep, key, close) !=
	    (int)n) {
		free(sub);
		b->full = true;
		return NULL;
	}
	return sub;
}

static void render_object(struct sbuf *b, const char *prefix, json_t *v,
			  int depth)
{
	const char *key;
	json_t *val;
	json_t *detail = json_object_get(v, "detail");
	if (json_is_string(detail)) {
		render_msg(b, prefix, json_string_value(detail));
		return;
	}
	json_object_foreach(v, key, val)
	{
		char *sub;
		if (strcmp(key, "non_field_errors") == 0)
			sub = sub_prefix(b, prefix, "", "", "");
		else if (all_digits(key) && *prefix)
			sub = sub_prefix(b, prefix, "[", key, "]");
		else
			sub =
			    sub_prefix(b, prefix, *prefix ? "." : "", key, "");
		if (!sub)
			return;
		render(b, sub, val, depth + 1);
		free(sub);
	}
}

static void render(struct sbuf *b, const char *prefix, json_t *v, int depth)
{
	size_t i;
	json_t *item;
	char num[32];

	if (depth > 16 || b->full)
		return;
	if (json_is_object(v)) {
		render_object(b, prefix, v, depth);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			if (json_is_string(item) || !*prefix) {
				render(b, prefix, item, depth + 1);
				continue;
			}
			snprintf(num, sizeof(num), "%zu", i);
			char *sub = sub_prefix(b, prefix, "[", num, "]");
			if (!sub)
				return;
			render(b, sub, item, depth + 1);
			free(sub);
		}
	} else if (json_is_string(v)) {
		render_msg(b, prefix, json_string_value(v));
	} else if (json_is_number(v) || json_is_boolean(v)) {
		if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld",
				 (long long)json_integer_value(v));
		else
			snprintf(num, sizeof(num), "%s",
				 json_is_true(v)    ? "true"
				 : json_is_false(v) ? "false"
						    : "(number)");
		render_msg(b, prefix, num);
	}
}

char *api_parse_error(const char *body, size_t len, bool *cut)
{
	struct sbuf b = {.full = false};
	json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	if (cut)
		*cut = false;
	if (!json_is_object(root) && !json_is_array(root)) {
		json_decref(root);
		return NULL;
	}
	buf_init(&b.text, API_PARSE_ERROR_MAX);
	render(&b, "", root, 0);
	json_decref(root);
	if (cut)
		*cut = b.full;
	return buf_take(&b.text, NULL);
}

void api_parse_body_secrets(const char *body,
			    void (*fn)(void *ctx, const char *secret),
			    void *ctx)
{
	size_t i;
	json_t *item;
	json_t *root = body ? json_loads(body, 0, NULL) : NULL;
	const char *pw = json_string_value(json_object_get(root, "password"));
	json_t *fb = json_object_get(root, "fallbackHandler");
	if (pw)
		fn(ctx, pw);
	json_array_foreach(json_object_get(fb, "secrets"), i, item)
	{
		if (json_is_string(item))
			fn(ctx, json_string_value(item));
	}
	json_decref(root);
}

const char *api_parse_jansson_version(void)
{
	return jansson_version_str();
}
