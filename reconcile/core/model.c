#include "reconcile/core/model.h"
#include "reconcile/base/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *model_default_pattern(const char *agent_id)
{
	/* the API stores agent ids as lowercase uuids: its default pattern
	 * carries the lowercase form whatever case the id was written in */
	size_t n = strlen(agent_id) + sizeof("^agent_$");
	char *p = malloc(n);
	if (!p)
		return NULL;
	snprintf(p, n, "^agent_%s$", agent_id);
	str_lower(p + strlen("^agent_"));
	return p;
}

char *model_effective_pattern(const struct agent_allowance *a)
{
	if (a->to_user_pattern)
		return strdup(a->to_user_pattern);
	return model_default_pattern(a->agent_id ? a->agent_id : "");
}

/* The username part of a key: '%' and '@' percent-encoded, so the first
 * '@' of a key always separates username from proxy ("a@b"+"c" and
 * "a"+"b@c" are two identities). */
static size_t key_user_len(const char *u)
{
	size_t n = 0;
	for (; *u; u++)
		n += *u == '%' || *u == '@' ? 3 : 1;
	return n;
}

char *model_registration_key(const struct registration *r)
{
	const char *u = r->username ? r->username : "";
	const char *p = r->proxy ? r->proxy : "";
	size_t n = key_user_len(u) + strlen(p) + 2;
	char *k = malloc(n), *o = k;
	if (!k)
		return NULL;
	for (; *u; u++) {
		if (*u == '%' || *u == '@')
			o += snprintf(o, 4, "%%%02X", (unsigned char)*u);
		else
			*o++ = *u;
	}
	*o++ = '@';
	for (; *p; p++)
		*o++ = (char)tolower((unsigned char)*p);
	*o = '\0';
	return k;
}

const char *model_desired_add_file(struct desired_state *ds, const char *name)
{
	for (size_t i = 0; i < ds->n_files; i++)
		if (strcmp(ds->files[i], name) == 0)
			return ds->files[i];
	char **files = realloc(ds->files, (ds->n_files + 1) * sizeof(*files));
	if (!files)
		return NULL;
	ds->files = files;
	char *copy = strdup(name);
	if (!copy)
		return NULL;
	ds->files[ds->n_files++] = copy;
	return copy;
}

void model_secret_release(struct secret_ref *s)
{
	if (!s)
		return;
	str_wipe_free(s->value);
	free(s->ref);
	memset(s, 0, sizeof(*s));
}

void model_sip_release(struct sip_config *sip)
{
	if (!sip)
		return;
	for (size_t i = 0; i < sip->n_cidrs; i++)
		free(sip->cidrs[i]);
	free(sip->cidrs);
	free(sip->cidr_pos);
	for (size_t i = 0; i < sip->n_agents; i++) {
		free(sip->agents[i].agent_id);
		free(sip->agents[i].to_user_pattern);
		free(sip->agents[i].agent_name);
	}
	free(sip->agents);
	free(sip->fallback.url);
	for (size_t i = 0; i < sip->fallback.n_secrets; i++)
		model_secret_release(&sip->fallback.secrets[i]);
	free(sip->fallback.secrets);
	free(sip->domain);
	memset(sip, 0, sizeof(*sip));
}

void model_registration_release(struct registration *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->created);
	free(r->username);
	free(r->proxy);
	free(r->outbound_proxy);
	free(r->auth_user);
	model_secret_release(&r->password);
	memset(r, 0, sizeof(*r));
}

void model_route_test_release(struct route_test *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->to);
	free(t->expect);
	free(t->from);
	free(t->from_display_name);
	for (size_t i = 0; i < t->n_headers; i++) {
		free(t->headers[i].name);
		free(t->headers[i].value);
	}
	free(t->headers);
	free(t->expect_name);
	free(t->fb_agent);
	memset(t, 0, sizeof(*t));
}

void model_source_info_release(struct source_info *si)
{
	if (!si)
		return;
	free(si->repo);
	free(si->ref);
	free(si->commit);
	free(si->path);
	memset(si, 0, sizeof(*si));
}

void model_desired_free(struct desired_state *ds)
{
	if (!ds)
		return;
	free(ds->domain);
	free(ds->suspend_reason);
	model_sip_release(&ds->sip);
	for (size_t i = 0; i < ds->n_regs; i++)
		model_registration_release(&ds->regs[i]);
	free(ds->regs);
	for (size_t i = 0; i < ds->n_route_tests; i++)
		model_route_test_release(&ds->route_tests[i]);
	free(ds->route_tests);
	for (size_t i = 0; i < ds->n_route_samples; i++)
		free(ds->route_samples[i]);
	free(ds->route_samples);
	for (size_t i = 0; i < ds->n_files; i++)
		free(ds->files[i]);
	free(ds->files);
	model_source_info_release(&ds->source);
	for (size_t i = 0; i < ds->n_origins; i++)
		free(ds->origins[i].field);
	free(ds->origins);
	free(ds);
}

void model_live_free(struct live_state *ls)
{
	if (!ls)
		return;
	model_sip_release(&ls->sip);
	for (size_t i = 0; i < ls->n_regs; i++)
		model_registration_release(&ls->regs[i]);
	free(ls->regs);
	free(ls);
}

bool model_suspended(const struct desired_state *ds, long long now)
{
	return ds && ds->has_suspend &&
	       (!ds->suspend_until || ds->suspend_until > now);
}
