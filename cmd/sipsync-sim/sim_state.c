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
#include "sim_order.h"
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
	sim_order_clear(&st->orders);
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

bool sim_state_agent_in(const json_t *acct, const char *uuid)
{
	const json_t *agents = json_object_get(acct, "agents");
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

bool sim_state_agent_exists(const struct sim_state *st, const char *uuid)
{
	return sim_state_agent_in(st->doc, uuid);
}

json_t *sim_state_account_by_key(struct sim_state *st, const char *key)
{
	const json_t *list = json_object_get(st->doc, "accounts");
	json_t *a, *found = NULL;
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	size_t i;

	if (!list || crypto_sha256_hex(key, strlen(key), hash) != 0)
		return NULL;
	json_array_foreach(list, i, a)
	{
		const char *h =
		    json_string_value(json_object_get(a, "apiKeySha256"));
		/* compare every entry: the time taken names no account */
		if (crypto_equal(h, hash) && !found)
			found = a;
	}
	return found;
}

/* --- registration health ------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int string_list(const json_t *h, const char *key, char *err,
		       size_t errlen)
{
	const json_t *v = json_object_get(h, key), *x;
	size_t i;

	if (!v)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x))
				break;
		}
		if (i == json_array_size(v))
			return 0;
	}
	snprintf(err, errlen,
		 "registrationHealth.%s: expected a list of \"user@proxy\"",
		 key);
	return -1;
}

int sim_state_health_check(const json_t *h, char *err, size_t errlen)
{
	const json_t *d = json_object_get(h, "delayMs");

	if (!json_is_object(h)) {
		snprintf(err, errlen, "registrationHealth: expected an object");
		return -1;
	}
	if (d && (!json_is_integer(d) || json_integer_value(d) < 0 ||
		  json_integer_value(d) > 3600000)) {
		snprintf(err, errlen,
			 "registrationHealth.delayMs: expected 0..3600000");
		return -1;
	}
	return string_list(h, "fail", err, errlen) ||
		       string_list(h, "unknown", err, errlen)
		   ? -1
		   : 0;
}

void sim_state_health_arm(const json_t *acct, json_t *reg)
{
	const json_t *h = json_object_get(acct, "registrationHealth");

	if (!h)
		return;
	json_object_set_new(reg, "successful", json_null());
	json_object_set_new(
	    reg, "settleAtMs",
	    json_integer(now_ms() +
			 json_integer_value(json_object_get(h, "delayMs"))));
}

static bool listed(const json_t *h, const char *key, const char *who)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(h, key), i, x)
	{
		if (strcmp(json_string_value(x), who) == 0)
			return true;
	}
	return false;
}

/* The status a registration reports once it is known: false when listed
 * in "fail", null for good when listed in "unknown", else true. */
static json_t *settled_status(const json_t *h, const json_t *reg)
{
	char who[600];

	snprintf(who, sizeof(who), "%s@%s",
		 json_string_value(json_object_get(reg, "username")),
		 json_string_value(json_object_get(reg, "proxy")));
	if (listed(h, "fail", who))
		return json_false();
	if (listed(h, "unknown", who))
		return json_null();
	return json_true();
}

void sim_state_health_settle(json_t *acct)
{
	const json_t *h = json_object_get(acct, "registrationHealth");
	long long now = now_ms();
	json_t *r;
	size_t i;

	if (!h)
		return;
	json_array_foreach(json_object_get(acct, "registrations"), i, r)
	{
		const json_t *at = json_object_get(r, "settleAtMs");
		if (!at || json_integer_value(at) > now)
			continue;
		json_object_set_new(r, "successful", settled_status(h, r));
		json_object_del(r, "settleAtMs");
	}
}

/* Writes "what: errors-as-json" into err. */
static void error_json(char *err, size_t errlen, const char *what,
		       const json_t *errors)
{
	char *text = json_dumps(errors, JSON_COMPACT);

	snprintf(err, errlen, "%s: %s", what, text ? text : "invalid");
	free(text);
}

const char *sim_state_agent_name(const json_t *acct, const char *uuid)
{
	return json_string_value(
	    json_object_get(json_object_get(acct, "agentNames"), uuid));
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
	/* a status still settling survives a dump and reload */
	if (json_is_integer(json_object_get(src, "settleAtMs")))
		json_object_set(reg, "settleAtMs",
				json_object_get(src, "settleAtMs"));
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

/* Copies the optional switches of one account: hideSecrets (GET /api/sip
 * leaves fallbackHandler.secrets out) and registrationHealth (how created
 * registrations' status settles, see sim_state.h). */
static int copy_switches(json_t *out, const json_t *doc, char *err,
			 size_t errlen)
{
	const json_t *h = json_object_get(doc, "registrationHealth");

	if (json_is_true(json_object_get(doc, "hideSecrets")))
		json_object_set_new(out, "hideSecrets", json_true());
	if (!h || json_is_null(h))
		return 0;
	if (sim_state_health_check(h, err, errlen) != 0)
		return -1;
	json_object_set_new(out, "registrationHealth", json_deep_copy(h));
	return 0;
}

/* One account's document, normalized; `domain` (may be NULL) overrides
 * the document's. NULL with a message in err. */
static json_t *normalize_account(const json_t *doc, const char *domain,
				 char *err, size_t errlen)
{
	const json_t *dom = json_object_get(doc, "domain");
	const json_t *agents = json_object_get(doc, "agents");
	const json_t *regs = json_object_get(doc, "registrations");
	json_t *out = NULL, *a = NULL, *sip = NULL, *r = NULL, *names = NULL;

	if (!json_is_object(doc)) {
		snprintf(err, errlen, "state: expected an object");
		return NULL;
	}
	if ((dom && !json_is_string(dom)) ||
	    (agents && !json_is_array(agents)) ||
	    (regs && !json_is_array(regs))) {
		snprintf(err, errlen,
			 "state: domain must be a string, agents and "
			 "registrations lists");
		return NULL;
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
			domain ? domain
			: dom  ? json_string_value(dom)
			       : SIM_DEFAULT_DOMAIN,
			"sip", sip, "registrations", r);
	sip = r = NULL;
	if (!out)
		goto fail;
	if (a)
		json_object_set_new(out, "agents", a);
	a = NULL;
	if (json_object_size(names))
		json_object_set_new(out, "agentNames", names);
	else
		json_decref(names);
	names = NULL;
	if (copy_switches(out, doc, err, errlen) == 0)
		return out;
fail:
	json_decref(out);
	json_decref(names);
	json_decref(a);
	json_decref(sip);
	json_decref(r);
	return NULL;
}

/* The key of an extra account as stored: its SHA-256, never the key. */
static int account_key_hash(const json_t *acct, char out[65], char *err,
			    size_t errlen, size_t i)
{
	const char *key = json_string_value(json_object_get(acct, "apiKey"));
	const char *h =
	    json_string_value(json_object_get(acct, "apiKeySha256"));

	if (key && *key)
		return crypto_sha256_hex(key, strlen(key), out);
	if (h && strlen(h) == CRYPTO_SHA256_HEX_LEN &&
	    strspn(h, "0123456789abcdef") == CRYPTO_SHA256_HEX_LEN) {
		snprintf(out, 65, "%s", h);
		return 0;
	}
	snprintf(err, errlen,
		 "accounts[%zu]: apiKey (or apiKeySha256, 64 lowercase hex) "
		 "is required",
		 i);
	return -1;
}

/* Fails when the last account of `out` repeats the domain or the key of an
 * earlier one. */
static int account_clash(const json_t *out, char *err, size_t errlen)
{
	size_t n = json_array_size(out), k;
	const json_t *a = json_array_get(out, n - 1);

	for (k = 0; k + 1 < n; k++) {
		const json_t *b = json_array_get(out, k);
		if (json_equal(json_object_get(a, "domain"),
			       json_object_get(b, "domain")) ||
		    json_equal(json_object_get(a, "apiKeySha256"),
			       json_object_get(b, "apiKeySha256"))) {
			snprintf(err, errlen,
				 "accounts[%zu]: domain or key already used by "
				 "accounts[%zu]",
				 n - 1, k);
			return -1;
		}
	}
	return 0;
}

/* The extra accounts (--account KEY=DOMAIN or "accounts" in the state),
 * each a normalized account plus apiKeySha256; domains and keys unique,
 * none the primary's domain. */
static json_t *normalize_accounts(const json_t *list, const char *primary,
				  char *err, size_t errlen)
{
	json_t *out = json_array(), *x, *acct;
	char hash[65];
	size_t i;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "state: accounts must be a list");
		goto fail;
	}
	json_array_foreach(list, i, x)
	{
		const char *d;
		if (account_key_hash(x, hash, err, errlen, i) != 0 ||
		    !(acct = normalize_account(x, NULL, err, errlen)))
			goto fail;
		d = json_string_value(json_object_get(acct, "domain"));
		json_object_set_new(acct, "apiKeySha256", json_string(hash));
		json_array_append_new(out, acct);
		if (strcmp(d, primary) == 0) {
			snprintf(err, errlen,
				 "accounts[%zu]: %s is the primary account's "
				 "domain",
				 i, d);
			goto fail;
		}
		if (account_clash(out, err, errlen) != 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

int sim_state_replace(struct sim_state *st, const json_t *doc, char *err,
		      size_t errlen)
{
	const json_t *list = json_object_get(doc, "accounts");
	json_t *out = normalize_account(doc, st->domain, err, errlen), *accts;

	if (!out)
		return -1;
	/* a document without "accounts" keeps the extra accounts there are:
	 * their keys (--account) are nowhere else */
	if (!list && st->doc)
		list = json_object_get(st->doc, "accounts");
	if (list && json_array_size(list) > 0) {
		accts = normalize_accounts(
		    list, json_string_value(json_object_get(out, "domain")),
		    err, errlen);
		if (!accts) {
			json_decref(out);
			return -1;
		}
		json_object_set_new(out, "accounts", accts);
	}
	sim_order_clear(&st->orders);
	json_decref(st->doc);
	st->doc = out;
	return 0;
}

/* Gives the account with bind's domain in `doc` (a copy) bind's key, or
 * appends a new empty account with both. */
static int bind_one(json_t *doc, const json_t *bind)
{
	json_t *list = json_object_get(doc, "accounts"), *a;
	size_t i;

	if (!list) {
		list = json_array();
		if (json_object_set_new(doc, "accounts", list) != 0)
			return -1;
	}
	json_array_foreach(list, i, a)
	{
		if (json_equal(json_object_get(a, "domain"),
			       json_object_get(bind, "domain"))) {
			json_object_del(a, "apiKeySha256");
			return json_object_set(a, "apiKey",
					       json_object_get(bind, "apiKey"));
		}
	}
	return json_array_append_new(list, json_deep_copy(bind));
}

int sim_state_bind_accounts(struct sim_state *st, const json_t *binds,
			    char *err, size_t errlen)
{
	json_t *doc = json_deep_copy(st->doc), *b;
	size_t i;
	int rc = -1;

	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(binds, i, b)
	{
		if (bind_one(doc, b) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = sim_state_replace(st, doc, err, errlen);
out:
	json_decref(doc);
	return rc;
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
