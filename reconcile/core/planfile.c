#include "reconcile/core/planfile.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/core/render.h"

static char *opt_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? strdup(s) : NULL;
}

static char *canon_requests(json_t *root)
{
	json_t *r = json_object_get(root, "requests");
	if (!json_is_array(r))
		return NULL;
	return json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
}

int planfile_parse(struct saved_plan **out, const char *name, const char *text,
		   struct diag_list *d)
{
	json_error_t err;
	struct saved_plan *sp = NULL;
	json_t *root = json_loads(text, 0, &err);
	*out = NULL;
	if (!root) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s:%d:%d: not a plan file: %s", name, err.line,
			 err.column, err.text);
		return -1;
	}
	json_t *fv = json_object_get(root, "format_version");
	json_t *live = json_object_get(root, "live");
	json_t *src = json_object_get(root, "source");
	if (!json_is_integer(fv) ||
	    json_integer_value(fv) != PLAN_FORMAT_VERSION) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: unsupported plan format_version (this sipsync "
			 "reads %d)",
			 name, PLAN_FORMAT_VERSION);
		goto fail;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		goto fail;
	sp->format_version = PLAN_FORMAT_VERSION;
	sp->live_domain = opt_str(live, "domain");
	sp->live_fingerprint = opt_str(live, "fingerprint");
	sp->source.repo = opt_str(src, "repo");
	sp->source.ref = opt_str(src, "ref");
	sp->source.commit = opt_str(src, "commit");
	sp->source.path = opt_str(src, "path");
	sp->sync_secrets = json_is_true(
	    json_object_get(json_object_get(root, "options"), "sync_secrets"));
	sp->requests = canon_requests(root);
	if (!sp->live_domain || !sp->live_fingerprint || !sp->requests) {
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "%s: not a plan file: live.domain, live.fingerprint or "
		    "requests missing",
		    name);
		goto fail;
	}
	json_decref(root);
	*out = sp;
	return 0;
fail:
	planfile_free(sp);
	json_decref(root);
	return -1;
}

int planfile_read(struct saved_plan **out, const char *path,
		  struct diag_list *d)
{
	json_error_t err;
	*out = NULL;
	json_t *root = json_load_file(path, 0, &err);
	if (!root) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: cannot read the plan: %s", path, err.text);
		return -1;
	}
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text)
		return -1;
	int rc = planfile_parse(out, path, text, d);
	free(text);
	return rc;
}

int planfile_check(const struct saved_plan *sp, const struct plan *fresh,
		   struct diag_list *d)
{
	if (strcmp(sp->live_domain, fresh->live_domain) != 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "the plan was made for account %s but the API key "
			 "belongs to %s",
			 sp->live_domain, fresh->live_domain);
		return -1;
	}
	if (strcmp(sp->live_fingerprint, fresh->live_fingerprint) != 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "the account changed since the plan was made; run "
			 "plan again");
		return -1;
	}
	char *json = render_json(fresh);
	json_t *root = json ? json_loads(json, 0, NULL) : NULL;
	char *req = root ? canon_requests(root) : NULL;
	int rc = 0;
	if (!req || strcmp(req, sp->requests) != 0) {
		diag_add(
		    d, DIAG_ERROR, NULL, NULL,
		    "the desired state or a secret changed since the plan was "
		    "made (the requests differ); run plan again");
		rc = -1;
	}
	free(req);
	json_decref(root);
	free(json);
	return rc;
}

void planfile_free(struct saved_plan *sp)
{
	if (!sp)
		return;
	model_source_info_release(&sp->source);
	free(sp->live_domain);
	free(sp->live_fingerprint);
	free(sp->requests);
	free(sp);
}
