#include "schema/export.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "reconcile/core/agents.h"
#include "reconcile/core/model.h"
#include "reconcile/core/plan.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/format.h"

/* Bound on the exported text: far above any account, still finite. */
#define EXPORT_MAX_LEN (256u * 1024 * 1024)

/* libyaml's output callback: 1 written, 0 failed (the buffer is then
 * empty, and export_yaml gives up). */
static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	return buf_add(data, buffer, size) == 0;
}

struct em {
	yaml_emitter_t e;
	int failed;
	const struct agent_names *names; /* may be NULL */
	bool by_name;			 /* agent: NAME where unambiguous */
};

static void emit(struct em *m, yaml_event_t *ev, int ok)
{
	if (m->failed)
		return;
	if (!ok || !yaml_emitter_emit(&m->e, ev))
		m->failed = 1;
}

static bool special_word(const char *s)
{
	static const char *const words[] = {
	    "null",  "Null",  "NULL",  "~",   "true", "True", "TRUE",
	    "false", "False", "FALSE", "yes", "Yes",  "YES",  "no",
	    "No",    "NO",    "on",    "On",  "ON",   "off",  "Off",
	    "OFF",   "y",     "Y",     "n",   "N"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

/* Plain only when no YAML reader could take it for anything but this
 * string; quoted otherwise. */
static bool plain_safe(const char *s)
{
	struct cidr c;
	const char *why;
	if (format_cidr_parse(s, &c, &why) == 0)
		return true;
	if (!*s || special_word(s) ||
	    !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._@/+-", *p))
			return false;
	return true;
}

static void scalar(struct em *m, const char *s)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = plain_safe(s)
					? YAML_PLAIN_SCALAR_STYLE
					: YAML_SINGLE_QUOTED_SCALAR_STYLE;
	emit(m, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL,
					  (yaml_char_t *)(uintptr_t)s,
					  (int)strlen(s), 1, 1, style));
}

/* A literal null / true / false / number (plain, resolved by the reader). */
static void literal(struct em *m, const char *s)
{
	yaml_event_t ev;
	emit(m, &ev,
	     yaml_scalar_event_initialize(
		 &ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)strlen(s),
		 1, 0, YAML_PLAIN_SCALAR_STYLE));
}

static void str_or_null(struct em *m, const char *s)
{
	if (s)
		scalar(m, s);
	else
		literal(m, "null");
}

static void map_start(struct em *m, bool flow)
{
	yaml_event_t ev;
	emit(m, &ev,
	     yaml_mapping_start_event_initialize(
		 &ev, NULL, NULL, 1,
		 flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void map_end(struct em *m)
{
	yaml_event_t ev;
	emit(m, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void seq_start(struct em *m, bool flow)
{
	yaml_event_t ev;
	emit(m, &ev,
	     yaml_sequence_start_event_initialize(
		 &ev, NULL, NULL, 1,
		 flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void seq_end(struct em *m)
{
	yaml_event_t ev;
	emit(m, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void env_ref(struct em *m, const char *name)
{
	map_start(m, true);
	scalar(m, "env");
	scalar(m, name);
	map_end(m);
}

/* The name to write as `agent: NAME` for id (--agent-names), or NULL:
 * only a name that resolves back to this id alone. */
static const char *export_agent_name(const struct em *m, const char *id)
{
	const char *name = agent_names_lookup(m->names, id), *ids[2];
	if (!m->by_name || !name || !m->names->complete ||
	    agent_names_find(m->names, name, ids, 2) != 1)
		return NULL;
	return name;
}

static void emit_sip(struct em *m, const struct sip_config *s)
{
	scalar(m, "sip");
	map_start(m, false);
	scalar(m, "allowedCidrRanges");
	seq_start(m, true);
	for (size_t i = 0; i < s->n_cidrs; i++)
		scalar(m, s->cidrs[i]);
	seq_end(m);
	scalar(m, "allowAllAgents");
	literal(m, s->allow_all ? "true" : "false");
	scalar(m, "allowedAgents");
	seq_start(m, false);
	for (size_t i = 0; i < s->n_agents; i++) {
		const struct agent_allowance *a = &s->agents[i];
		char *def = model_default_pattern(a->agent_id);
		const char *name = export_agent_name(m, a->agent_id);
		map_start(m, false);
		scalar(m, name ? "agent" : "agentId");
		scalar(m, name ? name : a->agent_id);
		if (a->to_user_pattern &&
		    (!def || strcmp(def, a->to_user_pattern) != 0)) {
			scalar(m, "toUserPattern");
			yaml_event_t ev;
			emit(m, &ev,
			     yaml_scalar_event_initialize(
				 &ev, NULL, NULL,
				 (yaml_char_t *)a->to_user_pattern,
				 (int)strlen(a->to_user_pattern), 1, 1,
				 YAML_SINGLE_QUOTED_SCALAR_STYLE));
		}
		map_end(m);
		free(def);
	}
	seq_end(m);
	scalar(m, "fallbackHandler");
	if (s->fallback_state != FIELD_SET) {
		literal(m, "null");
	} else {
		map_start(m, false);
		scalar(m, "url");
		str_or_null(m, s->fallback.url);
		if (s->fallback.n_secrets) {
			scalar(m, "secrets");
			seq_start(m, false);
			for (size_t i = 0; i < s->fallback.n_secrets; i++) {
				char name[64];
				snprintf(name, sizeof(name),
					 "SIPSYNC_FALLBACK_SECRET_%zu", i + 1);
				env_ref(m, name);
			}
			seq_end(m);
		}
		map_end(m);
	}
	map_end(m);
}

/* SIPSYNC_PASSWORD_<USERNAME> (upper case, [A-Z0-9_]), with _2, _3...
 * when two registrations would share a name. */
static char *password_env(const struct registration *r, char **used, size_t n)
{
	char base[96];
	size_t k = (size_t)snprintf(base, sizeof(base), "SIPSYNC_PASSWORD_");
	for (const char *p = r->username ? r->username : ""; *p && k < 80; p++)
		base[k++] = isalnum((unsigned char)*p)
				? (char)toupper((unsigned char)*p)
				: '_';
	base[k] = '\0';
	if (!r->username || !*r->username) /* the API allows none */
		snprintf(base, sizeof(base), "SIPSYNC_PASSWORD_NO_USERNAME");
	char name[112];
	snprintf(name, sizeof(name), "%s", base);
	for (int suffix = 2;; suffix++) {
		bool taken = false;
		for (size_t i = 0; i < n; i++)
			taken |= used[i] && strcmp(used[i], name) == 0;
		if (!taken)
			break;
		snprintf(name, sizeof(name), "%s_%d", base, suffix);
	}
	return strdup(name);
}

/* The export order: by identity (username@lower-case proxy), so the file
 * and its placeholder numbering do not follow the API's list order; of
 * several live registrations of one identity the one plan keeps (the
 * oldest) comes first and the others are skipped. */
struct reg_order {
	char *key;
	const struct registration *r;
	size_t index;
};

static int reg_order_cmp(const void *a, const void *b)
{
	const struct reg_order *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	c = plan_registration_age_cmp(x->r, y->r);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* order[0..n) of live registration indexes; skip[i] for the duplicates.
 * 0 or -1 (out of memory). */
static int export_order(const struct live_state *live, size_t *order,
			bool *skip)
{
	size_t n = live->n_regs;
	struct reg_order *v = calloc(n + 1, sizeof(*v));
	int rc = -1;
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i].key = model_registration_key(&live->regs[i]);
		v[i].r = &live->regs[i];
		v[i].index = i;
		if (!v[i].key)
			goto out;
	}
	qsort(v, n, sizeof(*v), reg_order_cmp);
	for (size_t i = 0; i < n; i++) {
		order[i] = v[i].index;
		skip[v[i].index] = i > 0 && strcmp(v[i - 1].key, v[i].key) == 0;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
	return rc;
}

static void emit_regs(struct em *m, const struct live_state *live, char **env,
		      const size_t *order, const bool *skip)
{
	scalar(m, "registrations");
	map_start(m, false);
	scalar(m, "prune");
	literal(m, "false");
	scalar(m, "items");
	seq_start(m, false);
	for (size_t k = 0; k < live->n_regs; k++) {
		size_t i = order[k];
		const struct registration *r = &live->regs[i];
		if (skip[i])
			continue;
		map_start(m, false);
		scalar(m, "username");
		scalar(m, r->username ? r->username : "");
		scalar(m, "proxy");
		scalar(m, r->proxy ? r->proxy : "");
		scalar(m, "password");
		env_ref(m, env[i]);
		scalar(m, "outboundProxy");
		str_or_null(m, r->outbound_proxy);
		scalar(m, "authUser");
		str_or_null(m, r->auth_user);
		map_end(m);
	}
	seq_end(m);
	map_end(m);
}

static void emit_document(struct em *m, const struct live_state *live,
			  char **env, const size_t *order, const bool *skip)
{
	yaml_event_t ev;
	emit(m, &ev,
	     yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(m, &ev,
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	map_start(m, false);
	scalar(m, "version");
	literal(m, "1");
	scalar(m, "account");
	map_start(m, false);
	scalar(m, "domain");
	str_or_null(m, live->sip.domain);
	map_end(m);
	emit_sip(m, &live->sip);
	emit_regs(m, live, env, order, skip);
	map_end(m);
	emit(m, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(m, &ev, yaml_stream_end_event_initialize(&ev));
}

/* The comment block above the document: which variables to set. 0 or -1. */
static int header(struct buf *b, const struct live_state *live, char **env,
		  const size_t *order, const bool *skip)
{
	int rc = buf_addf(
	    b,
	    "# The live SIP configuration of %s, exported by sipsync.\n"
	    "# Secret values are never exported. Set these environment "
	    "variables\n"
	    "# to the real values before plan/apply (passwords are "
	    "write-only):\n",
	    live->sip.domain ? live->sip.domain : "(unknown domain)");
	for (size_t i = 0; rc == 0 && i < live->sip.fallback.n_secrets &&
			   live->sip.fallback_state == FIELD_SET;
	     i++)
		rc = buf_addf(b,
			      "#   SIPSYNC_FALLBACK_SECRET_%zu  "
			      "fallbackHandler.secrets[%zu]\n",
			      i + 1, i);
	for (size_t k = 0; rc == 0 && k < live->n_regs; k++) {
		size_t i = order[k];
		const struct registration *r = &live->regs[i];
		const char *user = r->username ? r->username : "";
		const char *proxy = r->proxy ? r->proxy : "";
		if (skip[i])
			rc = buf_addf(b,
				      "#   (registration %s of %s@%s is a "
				      "duplicate; not exported): plan deletes "
				      "it, keeping the oldest\n",
				      r->id ? r->id : "?", user, proxy);
		else
			rc = buf_addf(b, "#   %s  password of %s@%s\n", env[i],
				      user, proxy);
	}
	return rc;
}

/* A line "  - agentId: <uuid>" or "    agentId: '<uuid>'": true and
 * id. */
static bool line_agent_id(const char *line, size_t len, char id[37])
{
	static const char key[] = "agentId: ";
	size_t i = 0;
	while (i < len && line[i] == ' ')
		i++;
	if (i + 1 < len && line[i] == '-' && line[i + 1] == ' ')
		i += 2;
	if (len - i < sizeof(key) - 1 ||
	    strncmp(line + i, key, sizeof(key) - 1) != 0)
		return false;
	i += sizeof(key) - 1;
	/* plain, or single-quoted when it could read as a number */
	bool quoted = len - i == 38 && line[i] == '\'' && line[len - 1] == '\'';
	if (len - i != 36 && !quoted)
		return false;
	memcpy(id, line + i + quoted, 36);
	id[36] = '\0';
	return format_uuid_valid(id);
}

/* "agentId: <uuid>" lines get the agent's name as a comment (libyaml's
 * emitter writes no comments; a uuid is always a plain scalar, so the line
 * is known exactly). A name's control bytes become '?'. 0 or -1. */
static int name_comments(char **yaml, const struct agent_names *names)
{
	struct buf b;
	buf_init(&b, EXPORT_MAX_LEN);
	for (const char *line = *yaml; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char id[37];
		const char *name = line_agent_id(line, len, id)
				       ? agent_names_lookup(names, id)
				       : NULL;
		char *shown = name ? agent_label_named(NULL, NULL, name) : NULL;
		if (buf_add(&b, line, len) != 0 ||
		    (shown && buf_addf(&b, "  # %s", shown) != 0) ||
		    (nl && buf_add(&b, "\n", 1) != 0)) {
			free(shown);
			return -1;
		}
		free(shown);
		line += len + (nl ? 1 : 0);
	}
	char *text = buf_take(&b, NULL);
	if (!text)
		return -1;
	free(*yaml);
	*yaml = text;
	return 0;
}

int export_yaml(const struct live_state *live, char **out, struct diag_list *d)
{
	return export_yaml_names(live, NULL, false, out, d);
}

int export_yaml_names(const struct live_state *live,
		      const struct agent_names *names, bool by_name, char **out,
		      struct diag_list *d)
{
	struct buf b;
	struct em m = {.names = names, .by_name = by_name};
	char **env = calloc(live->n_regs + 1, sizeof(*env));
	bool *skip = calloc(live->n_regs + 1, sizeof(*skip));
	size_t *order = calloc(live->n_regs + 1, sizeof(*order));
	size_t n_env = 0;
	int rc = -1;
	*out = NULL;
	buf_init(&b, EXPORT_MAX_LEN);
	if (!env || !skip || !order || export_order(live, order, skip))
		goto out;
	for (size_t k = 0; k < live->n_regs; k++) {
		size_t i = order[k];
		if (skip[i])
			continue;
		env[i] = password_env(&live->regs[i], env, live->n_regs);
		if (!env[i])
			goto out;
		n_env++;
	}
	if (header(&b, live, env, order, skip) != 0 ||
	    !yaml_emitter_initialize(&m.e))
		goto out;
	yaml_emitter_set_output(&m.e, write_handler, &b);
	yaml_emitter_set_unicode(&m.e, 1);
	yaml_emitter_set_width(&m.e, 100);
	emit_document(&m, live, env, order, skip);
	yaml_emitter_delete(&m.e);
	if (m.failed || !(*out = buf_take(&b, NULL)))
		goto out;
	if (names && name_comments(out, names) != 0) {
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "export: cannot write the YAML document");
	for (size_t i = 0; env && i < live->n_regs; i++)
		free(env[i]);
	free(env);
	free(skip);
	free(order);
	buf_free(&b);
	(void)n_env;
	return rc;
}
