/*
 * notify: notification bodies (see notify.h). JSON through jansson; the
 * Teams card follows the Adaptive Card 1.4 schema (TextBlock, FactSet).
 */
#include "reconcile/core/notify.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/str.h"
#include "reconcile/core/plan.h"

static const char *const kind_names[] = {
    "drift_detected", "drift_resolved", "applied",   "apply_failed",
    "invalid_commit", "recovered",	"suspended",
};

/* What the text says after "sipsync: ". */
static const char *const kind_words[] = {
    "drift detected",	     "drift resolved", "applied",   "apply failed",
    "desired state refused", "recovered",      "suspended",
};

const char *notify_kind_name(enum notify_kind k)
{
	return kind_names[k];
}

int notify_format_parse(const char *name, enum notify_format *out)
{
	static const char *const names[] = {"json", "slack", "teams"};
	for (int i = 0; i < 3; i++) {
		if (name && strcmp(name, names[i]) == 0) {
			*out = (enum notify_format)i;
			return 0;
		}
	}
	return -1;
}

int notify_event_init(struct notify_event *ev, enum notify_kind kind,
		      const char *account, const char *commit,
		      const char *summary, long long time)
{
	ev->kind = kind;
	ev->time = time;
	ev->account = str_dup(account);
	ev->commit = str_dup(commit);
	ev->summary = str_dup(summary);
	if ((account && !ev->account) || (commit && !ev->commit) ||
	    (summary && !ev->summary)) {
		notify_event_release(ev);
		return -1;
	}
	return 0;
}

static int push_change(struct notify_event *ev, char *s)
{
	char **v =
	    s ? realloc(ev->changes, (ev->n_changes + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		return -1;
	}
	ev->changes = v;
	v[ev->n_changes++] = s;
	return 0;
}

int notify_event_add_change(struct notify_event *ev, const char *change)
{
	if (ev->n_changes >= NOTIFY_MAX_CHANGES) {
		ev->changes_omitted++;
		return 0;
	}
	return push_change(ev, str_dup(change));
}

static const char *action_word(enum plan_action a)
{
	return a == PLAN_CREATE	  ? "create"
	       : a == PLAN_DELETE ? "delete"
				  : "update";
}

int notify_event_add_plan(struct notify_event *ev, const struct plan *p)
{
	for (size_t i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];
		const char *act = action_word(it->action);
		int rc = 0;
		if (!it->n_changes || it->action != PLAN_UPDATE) {
			char *s = str_printf("%s %s", act, it->title);
			rc = s ? notify_event_add_change(ev, s) : -1;
			free(s);
		}
		for (size_t c = 0;
		     c < it->n_changes && rc == 0 && it->action == PLAN_UPDATE;
		     c++) {
			/* a list field shows one line per entry added or
			   removed: one path is enough */
			if (c && !strcmp(it->changes[c].field,
					 it->changes[c - 1].field))
				continue;
			char *s = str_printf("%s %s: %s", act, it->title,
					     it->changes[c].field);
			rc = s ? notify_event_add_change(ev, s) : -1;
			free(s);
		}
		if (rc != 0)
			return -1;
	}
	if (ev->summary)
		return 0;
	ev->summary = str_printf("%zu to create, %zu to update, %zu to delete",
				 p->creates, p->updates, p->deletes);
	return ev->summary ? 0 : -1;
}

char *notify_event_text(const struct notify_event *ev)
{
	char at[32] = "";
	if (ev->commit)
		snprintf(at, sizeof(at), " at %.12s", ev->commit);
	return str_printf("sipsync: %s%s on %s%s%s%s", kind_words[ev->kind],
			  ev->reminder ? " (reminder)" : "",
			  ev->account ? ev->account : "the account", at,
			  ev->summary ? ": " : "",
			  ev->summary ? ev->summary : "");
}

static void format_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	out[0] = '\0';
	if (gmtime_r(&tt, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The entries, and a last "... and N more" for those left out. */
static json_t *changes_array(const struct notify_event *ev)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < ev->n_changes; i++) {
		if (json_array_append_new(a, json_string(ev->changes[i])) !=
		    0) {
			json_decref(a);
			return NULL;
		}
	}
	char *more = ev->changes_omitted
			 ? str_printf("... and %zu more", ev->changes_omitted)
			 : NULL;
	if (a && ev->changes_omitted &&
	    (!more || json_array_append_new(a, json_string(more)) != 0)) {
		json_decref(a);
		a = NULL;
	}
	free(more);
	return a;
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *body_json(const struct notify_event *ev, const char *text,
			 const char *when)
{
	json_t *changes = changes_array(ev);
	if (!changes)
		return NULL;
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:s}", "event",
			 kind_names[ev->kind], "account", nullable(ev->account),
			 "commit", nullable(ev->commit), "summary",
			 nullable(ev->summary), "changes", changes, "time",
			 when, "text", text);
}

/* Slack's mrkdwn: the changes as a bullet list under the text. */
static json_t *body_slack(const struct notify_event *ev, const char *text)
{
	json_t *o = NULL, *changes = changes_array(ev), *c;
	struct buf b;
	size_t i;
	buf_init(&b, 1 << 20);
	int rc = changes ? buf_adds(&b, text) : -1;
	json_array_foreach(changes, i, c)
	{
		if (rc == 0)
			rc = buf_addf(&b, "\n• %s", json_string_value(c));
	}
	if (rc == 0)
		o = json_pack("{s:s}", "text", buf_str(&b));
	buf_free(&b);
	json_decref(changes);
	return o;
}

static json_t *fact(const char *title, const char *value)
{
	return json_pack("{s:s, s:s}", "title", title, "value",
			 value ? value : "-");
}

static json_t *card_body(const struct notify_event *ev, const char *text,
			 const char *when)
{
	json_t *facts =
	    json_pack("[o, o, o, o]", fact("Event", kind_names[ev->kind]),
		      fact("Account", ev->account), fact("Commit", ev->commit),
		      fact("Time", when));
	json_t *body =
	    json_pack("[{s:s, s:s, s:s, s:b}, {s:s, s:o}]", "type", "TextBlock",
		      "text", text, "weight", "Bolder", "wrap", 1, "type",
		      "FactSet", "facts", facts ? facts : json_null());
	json_t *changes = body ? changes_array(ev) : NULL, *c;
	size_t i;
	if (!changes) {
		json_decref(body);
		return NULL;
	}
	json_array_foreach(changes, i, c)
	{
		json_t *tb = json_pack("{s:s, s:O, s:b}", "type", "TextBlock",
				       "text", c, "wrap", 1);
		if (!tb || json_array_append_new(body, tb) != 0) {
			json_decref(body);
			body = NULL;
			break;
		}
	}
	json_decref(changes);
	return body;
}

static json_t *body_teams(const struct notify_event *ev, const char *text,
			  const char *when)
{
	json_t *body = card_body(ev, text, when);
	if (!body)
		return NULL;
	return json_pack(
	    "{s:s, s:[{s:s, s:n, s:{s:s, s:s, s:s, s:o}}]}", "type", "message",
	    "attachments", "contentType",
	    "application/vnd.microsoft.card.adaptive", "contentUrl", "content",
	    "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type", "AdaptiveCard", "version", "1.4", "body", body);
}

int notify_body(const struct notify_event *ev, enum notify_format f, char **out)
{
	char when[32];
	json_t *o = NULL;
	char *text = notify_event_text(ev);
	*out = NULL;
	format_time(ev->time, when);
	if (text && f == NOTIFY_FORMAT_JSON)
		o = body_json(ev, text, when);
	else if (text && f == NOTIFY_FORMAT_SLACK)
		o = body_slack(ev, text);
	else if (text)
		o = body_teams(ev, text, when);
	if (o)
		*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(text);
	return *out ? 0 : -1;
}

int notify_signature(const char *secret, const char *body, size_t len,
		     char out[NOTIFY_SIGNATURE_LEN])
{
	char hex[CRYPTO_SHA256_HEX_LEN + 1];
	if (!secret || !*secret ||
	    crypto_hmac_sha256_hex(secret, strlen(secret), body, len, hex) != 0)
		return -1;
	snprintf(out, NOTIFY_SIGNATURE_LEN, "sha256=%s", hex);
	return 0;
}

char *notify_suspend_text(const char *reason, long long until, const char *what)
{
	char when[32] = "";
	if (until)
		format_time(until, when);
	return str_printf("%s%s%s%s; %s", reason ? reason : "suspended",
			  *when ? " (until " : "", when, *when ? ")" : "",
			  what);
}

void notify_event_release(struct notify_event *ev)
{
	if (!ev)
		return;
	free(ev->account);
	free(ev->commit);
	free(ev->summary);
	for (size_t i = 0; i < ev->n_changes; i++)
		free(ev->changes[i]);
	free(ev->changes);
	memset(ev, 0, sizeof(*ev));
}
