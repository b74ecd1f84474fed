/*
 * sim_state: the account model, its lock and its file.
 */
#include "sim_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/crypto.h"
#include "reconcile/base/file.h"
#include "reconcile/base/format.h"
#include "sim_valid.h"

int sim_state_new_uuid(char buf[37])
{
	unsigned char b[16];
	size_t i, o = 0;

	if (crypto_random(b, sizeof(b)) != 0)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		snprintf(buf + o, 3, "%02x", b[i]);
		o += 2;
	}
	buf[o] = '\0';
	return 0;
}

void sim_state_now(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	char base[24];
	unsigned us;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	us = (unsigned)(ts.tv_nsec / 1000) % 1000000u;
	snprintf(buf, 32, "%.19s.%06uZ", base, us);
}

int sim_state_new(struct sim_state **out, const char *domain, const char *path)
{
	struct sim_state *st = calloc(1, sizeof(*st));
	char err[64];

	*out = NULL;
	if (!st)
		return -1;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		return -1;
	}
	st->domain = domain ? strdup(domain) : NULL;
	st->path = path ? strdup(path) : NULL;
	st->doc = json_object();
	if ((domain && !st->domain) || (path && !st->path) || !st->doc ||
	    sim_state_replace(st, st->doc, err, sizeof(err)) != 0) {
		sim_state_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

void sim_state_free(struct sim_state *st)
{
	if (!st)
		return;
	json_decref(st->doc);
	free(st->path);
	free(st->domain);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

void sim_state_lock(struct sim_state *st)
{
	pthread_mutex_lock(&st->lock);
}

void sim_state_unlock(struct sim_state *st)
{
	pthread_mutex_unlock(&st->lock);
}

bool sim_state_agent_exists(const struct sim_state *st, const char *uuid)
{
	const json_t *agents = json_object_get(st->doc, "agents");
	const json_t *a;
	size_t i;

	if (!format_uuid_valid(uuid))
		return false;
	if (!agents)
		return true;
	json_array_foreach(agents, i, a)
	{
		if (strcmp(json_string_value(a), uuid) == 0)
			return true;
	}
	return false;
}

/* Writes "what: errors-as-json" into err. */
static void error_json(char *err, size_t errlen, const char *what,
		       const json_t *errors)
{
	char *text = json_dumps(errors, JSON_COMPACT);

	snprintf(err, errlen, "%s: %s", what, text ? text : "invalid");
	free(text);
}

const char *sim_state_agent_name(const struct sim_state *st, const char *uuid)
{
	return json_string_value(
	    json_object_get(json_object_get(st->doc, "agentNames"), uuid));
}

/* A seed entry: "<uuid>" or {"agentId": "<uuid>", "name": "..."}; the
 * uuid returned, *name set when there is one. */
static const char *agent_entry(const json_t *a, const char **name)
{
	*name = json_string_value(json_object_get(a, "name"));
	if (json_is_object(a))
		return json_string_value(json_object_get(a, "agentId"));
	return json_string_value(a);
}

static json_t *normalize_agents(const json_t *agents, json_t *names, char *err,
				size_t errlen)
{
	json_t *out = json_array(), *a;
	size_t i;
	char canon[37];

	json_array_foreach(agents, i, a)
	{
		const char *name, *s = agent_entry(a, &name);
		size_t k;
		if (!s || !format_uuid_valid(s)) {
			snprintf(err, errlen, "agents[%zu]: not a uuid", i);
			json_decref(out);
			return NULL;
		}
		for (k = 0; k < 36; k++)
			canon[k] = (s[k] >= 'A' && s[k] <= 'F')
				       ? (char)(s[k] - 'A' + 'a')
				       : s[k];
		canon[36] = '\0';
		json_array_append_new(out, json_string(canon));
		if (name)
			json_object_set_new(names, canon, json_string(name));
	}
	return out;
}

static json_t *normalize_sip(const json_t *sip, const json_t *agents, char *err,
			     size_t errlen)
{
	json_t *errors = NULL, *clean, *out, *empty = json_object();

	clean = sim_valid_sip(sip ? sip : empty, agents, &errors);
	json_decref(empty);
	if (!clean) {
		error_json(err, errlen, "sip", errors);
		json_decref(errors);
		return NULL;
	}
	out =
	    json_pack("{s:[],s:b,s:[],s:n}", "allowedCidrRanges",
		      "allowAllAgents", 0, "allowedAgents", "fallbackHandler");
	json_object_update(out, clean);
	json_decref(clean);
	return out;
}

void sim_state_registration_defaults(json_t *reg)
{
	if (!json_object_get(reg, "username"))
		json_object_set_new(reg, "username", json_string(""));
	if (!json_object_get(reg, "outboundProxy"))
		json_object_set_new(reg, "outboundProxy", json_null());
	if (!json_object_get(reg, "authUser"))
		json_object_set_new(reg, "authUser", json_null());
}

static int fill_registration_defaults(json_t *reg, const json_t *src, char *err,
				      size_t errlen, size_t i)
{
	const json_t *id = json_object_get(src, "registrationId");
	const json_t *created = json_object_get(src, "created");
	const json_t *ok = json_object_get(src, "successful");
	char buf[37], now[32];

	if (!json_object_get(reg, "proxy")) {
		snprintf(err, errlen, "registrations[%zu]: proxy is required",
			 i);
		return -1;
	}
	if (id && !json_is_string(id)) {
		snprintf(err, errlen,
			 "registrations[%zu]: registrationId: not a string", i);
		return -1;
	}
	if (!id && sim_state_new_uuid(buf) != 0)
		return -1;
	json_object_set_new(reg, "registrationId",
			    json_string(id ? json_string_value(id) : buf));
	if (created && !json_is_string(created)) {
		snprintf(err, errlen,
			 "registrations[%zu]: created: not a string", i);
		return -1;
	}
	sim_state_now(now);
	json_object_set_new(
	    reg, "created",
	    json_string(created ? json_string_value(created) : now));
	if (ok && !json_is_boolean(ok) && !json_is_null(ok)) {
		snprintf(err, errlen,
			 "registrations[%zu]: successful: not a boolean", i);
		return -1;
	}
	json_object_set(reg, "successful", ok ? (json_t *)ok : json_null());
	sim_state_registration_defaults(reg);
	return 0;
}

static json_t *normalize_registrations(const json_t *regs, char *err,
				       size_t errlen)
{
	json_t *out = json_array(), *r, *errors = NULL;
	size_t i;

	json_array_foreach(regs, i, r)
	{
		json_t *clean = sim_valid_registration(r, true, &errors);
		char what[48];
		if (!clean) {
			snprintf(what, sizeof(what), "registrations[%zu]", i);
			error_json(err, errlen, what, errors);
			json_decref(errors);
			goto fail;
		}
		if (fill_registration_defaults(clean, r, err, errlen, i) != 0) {
			json_decref(clean);
			goto fail;
		}
		json_array_append_new(out, clean);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

int sim_state_replace(struct sim_state *st, const json_t *doc, char *err,
		      size_t errlen)
{
	const json_t *domain = json_object_get(doc, "domain");
	const json_t *agents = json_object_get(doc, "agents");
	const json_t *regs = json_object_get(doc, "registrations");
	json_t *out = NULL, *a = NULL, *sip = NULL, *r = NULL, *names = NULL;

	if (!json_is_object(doc)) {
		snprintf(err, errlen, "state: expected an object");
		return -1;
	}
	if ((domain && !json_is_string(domain)) ||
	    (agents && !json_is_array(agents)) ||
	    (regs && !json_is_array(regs))) {
		snprintf(err, errlen,
			 "state: domain must be a string, agents and "
			 "registrations lists");
		return -1;
	}
	/* a saved document carries the names beside the uuids */
	names = json_deep_copy(json_object_get(doc, "agentNames"));
	if (!json_is_object(names)) {
		json_decref(names);
		names = json_object();
	}
	if (agents && !(a = normalize_agents(agents, names, err, errlen)))
		goto fail;
	if (!(sip = normalize_sip(json_object_get(doc, "sip"), a, err, errlen)))
		goto fail;
	if (!(r = regs ? normalize_registrations(regs, err, errlen)
		       : json_array()))
		goto fail;
	out = json_pack("{s:s,s:o,s:o}", "domain",
			st->domain ? st->domain
			: domain   ? json_string_value(domain)
				   : SIM_DEFAULT_DOMAIN,
			"sip", sip, "registrations", r);
	sip = r = NULL;
	if (!out)
		goto fail;
	if (a)
		json_object_set_new(out, "agents", a);
	if (json_object_size(names))
		json_object_set_new(out, "agentNames", names);
	else
		json_decref(names);
	/* realism switch: GET /api/sip leaves fallbackHandler.secrets out */
	if (json_is_true(json_object_get(doc, "hideSecrets")))
		json_object_set_new(out, "hideSecrets", json_true());
	json_decref(st->doc);
	st->doc = out;
	return 0;
fail:
	json_decref(names);
	json_decref(a);
	json_decref(sip);
	json_decref(r);
	return -1;
}

int sim_state_load_file(struct sim_state *st, const char *path, char *err,
			size_t errlen)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 1;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line,
			 jerr.column, jerr.text);
		return -1;
	}
	rc = sim_state_replace(st, doc, err, errlen);
	json_decref(doc);
	if (rc != 0) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, errlen, "%s", tmp);
	}
	return rc;
}

int sim_state_save(struct sim_state *st)
{
	struct diag_list d = {0};
	struct buf b;
	char *text = NULL;
	int rc = -1;

	if (!st->path)
		return 0;
	buf_init(&b, SIZE_MAX);
	text = json_dumps(st->doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text || buf_adds(&b, text) != 0 || buf_adds(&b, "\n") != 0)
		diag_add(&d, DIAG_ERROR, NULL, NULL, "%s: out of memory",
			 st->path);
	else
		rc = file_write_atomic(st->path, buf_str(&b), buf_len(&b), 0600,
				       &d);
	for (size_t i = 0; i < d.len; i++)
		fprintf(stderr, "sipsync-sim: error: cannot save state: %s\n",
			d.items[i].message);
	diag_list_clear(&d);
	buf_free(&b);
	free(text);
	return rc;
}
