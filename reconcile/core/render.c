#include "reconcile/core/render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/format.h"
#include "reconcile/base/str.h"
#include "reconcile/core/agents.h"
#include "reconcile/core/route_impact.h"

#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RESET "\033[0m"

/* Render output: one buf, and whether any append failed. The first
 * failure sticks (later appends are skipped and out_take gives NULL), so
 * the renderers append without checking each call and a plan is never
 * shown with a line missing. */
struct out {
	struct buf b;
	bool failed;
};

/* Plans are small; the limit only stops a runaway. */
#define OUT_LIMIT ((size_t)64 << 20)

static void out_init(struct out *o)
{
	buf_init(&o->b, OUT_LIMIT);
	o->failed = false;
}

static void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	if (o->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	o->failed = buf_vaddf(&o->b, fmt, ap) != 0;
	va_end(ap);
}

/* Appends s as it is: the hot path of a long plan, without printf. */
static void out_puts(struct out *o, const char *s)
{
	if (!o->failed)
		o->failed = buf_adds(&o->b, s) != 0;
}

/* The text (caller frees), or NULL when an append failed. */
static char *out_take(struct out *o)
{
	char *s = o->failed ? NULL : buf_take(&o->b, NULL);
	buf_free(&o->b);
	return s;
}

/* ---- escaping ---------------------------------------------------------- */

/* Bytes of one escaped character of s into out (at least 7 bytes), or 0
 * when s[0] is printed as is. *used is how many input bytes it takes. */
static size_t escape_one(const unsigned char *s, char *out, size_t *used)
{
	*used = 1;
	if (s[0] == '\n' || s[0] == '\r' || s[0] == '\t') {
		out[0] = '\\';
		out[1] = s[0] == '\n' ? 'n' : s[0] == '\r' ? 'r' : 't';
		return 2;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return (size_t)snprintf(out, 7, "\\x%02x", s[0]);
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
		/* C1 controls (U+0080..U+009F): CSI and friends */
		*used = 2;
		return (size_t)snprintf(out, 7, "\\u%04x", s[1]);
	}
	return 0;
}

char *render_escape(const char *s)
{
	if (!s)
		return NULL;
	size_t n = 0, used;
	char tmp[8];
	for (const unsigned char *c = (const unsigned char *)s; *c; c += used) {
		size_t e = escape_one(c, tmp, &used);
		n += e ? e : 1;
	}
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c; c += used) {
		size_t e = escape_one(c, tmp, &used);
		if (e) {
			memcpy(o, tmp, e);
			o += e;
		} else {
			*o++ = (char)*c;
		}
	}
	*o = '\0';
	return out;
}

/* True when escape_one may change a byte of s: a control character or
 * the lead byte of a C1 control. */
static bool needs_escape(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f || *c == 0xc2)
			return true;
	return false;
}

/* Appends s with its control characters escaped (live data may hold
 * anything: a newline must not fake a plan line). */
static void out_puts_esc(struct out *b, const char *s)
{
	if (!s)
		s = "";
	if (!needs_escape(s)) {
		out_puts(b, s);
		return;
	}
	char *e = render_escape(s);
	if (!e)
		b->failed = true;
	else
		out_puts(b, e);
	free(e);
}

/* ---- text ------------------------------------------------------------------
 */

char *render_summary(const struct plan *p)
{
	struct out b;
	out_init(&b);
	if (!plan_has_changes(p))
		out_printf(&b, "No changes. The live SIP configuration matches "
			       "the desired state.");
	else
		out_printf(&b,
			   "Plan: %zu to create, %zu to update, %zu to delete.",
			   p->creates, p->updates, p->deletes);
	return out_take(&b);
}

static const char *marker(enum plan_action a)
{
	return a == PLAN_CREATE ? "+" : a == PLAN_DELETE ? "-" : "~";
}

static const char *action_color(enum plan_action a)
{
	return a == PLAN_CREATE ? C_GREEN : a == PLAN_DELETE ? C_RED : C_YELLOW;
}

static const char *op_color(enum plan_op op)
{
	return op == PLAN_OP_ADD      ? C_GREEN
	       : op == PLAN_OP_REMOVE ? C_RED
				      : C_YELLOW;
}

static void text_change(struct out *b, const struct plan_change *c,
			const char *indent, bool color)
{
	out_puts(b, indent);
	if (color)
		out_puts(b, op_color(c->op));
	out_puts_esc(b, c->text);
	out_puts(b, color ? C_RESET "\n" : "\n");
}

/* allowedCidrRanges changes are grouped under one heading. */
static void text_changes(struct out *b, const struct plan_item *it, bool color)
{
	bool in_cidrs = false;
	for (size_t i = 0; i < it->n_changes; i++) {
		const struct plan_change *c = &it->changes[i];
		bool cidr = strcmp(c->field, "allowedCidrRanges") == 0 &&
			    (c->op == PLAN_OP_ADD || c->op == PLAN_OP_REMOVE);
		if (cidr && !in_cidrs)
			out_printf(b, "    allowedCidrRanges:\n");
		in_cidrs = cidr;
		text_change(b, c, cidr ? "      " : "    ", color);
	}
}

static void text_item(struct out *b, const struct plan_item *it, bool color)
{
	const char *m = marker(it->action);
	if (color)
		out_printf(b, "%s%s" C_RESET " ", action_color(it->action), m);
	else
		out_printf(b, "%s ", m);
	out_puts_esc(b, it->title);
	if (it->reason)
		out_printf(b, "  [%s]", it->reason);
	bool inline_one =
	    it->resource == PLAN_REGISTRATION && it->n_changes == 1;
	if (inline_one) {
		out_puts(b, ": ");
		out_puts_esc(b, it->changes[0].text);
		out_puts(b, "\n");
		return;
	}
	out_puts(b, "\n");
	text_changes(b, it, color);
}

static bool has_unknown_note(const struct plan *p)
{
	for (size_t i = 0; i < p->n_notes; i++)
		if (strstr(p->notes[i].text, "unknown (write-only)"))
			return true;
	return false;
}

static void text_notes(struct out *b, const struct plan *p, bool color)
{
	if (!p->n_notes)
		return;
	out_printf(b, "%sNotes:%s\n", color ? C_BOLD : "",
		   color ? C_RESET : "");
	for (size_t i = 0; i < p->n_notes; i++) {
		const struct plan_note *n = &p->notes[i];
		out_puts(b, "  ");
		out_puts_esc(b, n->subject);
		out_puts(b, ": ");
		if (n->field) {
			out_puts(b, n->field);
			out_puts(b, ": ");
		}
		out_puts_esc(b, n->text);
		out_puts(b, "\n");
	}
	if (has_unknown_note(p))
		out_printf(
		    b, "  (a write-only value with no record is not compared; "
		       "apply --sync-secrets sends it)\n");
	out_printf(b, "\n");
}

/* ---- routing changes ---------------------------------------------------- */

/* How an agent is named in the routing section: "sales-bot (0b6f3c1e…)"
 * when the plan knew its name, else "0b6f3c1e…". Caller frees. */
static char *endpoint_agent(const struct route_endpoint *e)
{
	if (!e->agent_id)
		return strdup("?");
	return agent_label_named(NULL, e->agent_id, e->agent_name);
}

/* "0b6f3c1e… (allowedAgents[0])", "fallback handler", … Caller frees. */
static char *endpoint_label(const struct route_endpoint *e)
{
	char *a = NULL, *s = NULL;
	switch (e->kind) {
	case ROUTE_AGENT:
		a = endpoint_agent(e);
		s = a ? str_printf("%s (allowedAgents[%ld])", a, e->index)
		      : NULL;
		break;
	case ROUTE_IMPLICIT_AGENT:
		a = endpoint_agent(e);
		s = a ? str_printf("%s (allowAllAgents)", a) : NULL;
		break;
	case ROUTE_FALLBACK:
		return strdup("fallback handler");
	case ROUTE_REJECT:
		return strdup("reject");
	}
	free(a);
	return s;
}

/* Characters of s on a terminal (UTF-8 continuation bytes take none). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Width of s once escaped (0 when out of memory: only the padding suffers;
 * the append then fails and says so). */
static size_t esc_width(const char *s)
{
	char *e = render_escape(s);
	size_t w = e ? text_width(e) : 0;
	free(e);
	return w;
}

/* s escaped, padded with spaces to width. */
static void out_padded(struct out *b, const char *s, size_t width)
{
	char *e = render_escape(s);
	if (!e) {
		b->failed = true;
		return;
	}
	size_t w = text_width(e);
	out_printf(b, "%s%*s", e, (int)(width > w ? width - w : 0), "");
	free(e);
}

struct route_row {
	const char *user;
	char *before, *after;
};

static void text_route_rows(struct out *b, const struct plan *p)
{
	const struct route_impact *ri = p->routing;
	struct route_row *rows = calloc(ri->n_changes + 1, sizeof(*rows));
	size_t wu = 0, wb = 0;
	if (!rows) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < ri->n_changes; i++) {
		struct route_row *r = &rows[i];
		r->user = ri->changes[i].user[0] ? ri->changes[i].user : "\"\"";
		r->before = endpoint_label(&ri->changes[i].before);
		r->after = endpoint_label(&ri->changes[i].after);
		if (!r->before || !r->after)
			b->failed = true;
		if (esc_width(r->user) > wu)
			wu = esc_width(r->user);
		if (r->before && esc_width(r->before) > wb)
			wb = esc_width(r->before);
	}
	for (size_t i = 0; i < ri->n_changes && !b->failed; i++) {
		out_printf(b, "  ");
		out_padded(b, rows[i].user, wu + 2);
		out_padded(b, rows[i].before, wb);
		out_printf(b, "  \u2192  ");
		out_puts_esc(b, rows[i].after);
		out_printf(b, "\n");
	}
	for (size_t i = 0; i < ri->n_changes; i++) {
		free(rows[i].before);
		free(rows[i].after);
	}
	free(rows);
}

static void text_route_gaps(struct out *b, const struct route_impact *ri)
{
	for (size_t i = 0; i < ri->n_not_sampled; i++) {
		const struct route_impact_gap *g = &ri->not_sampled[i];
		char *q = route_quote(g->pattern, 200);
		out_printf(b, "  not sampled: %s allowedAgents[%ld] ",
			   g->live ? "live" : "desired", g->index);
		out_puts_esc(b, q);
		out_printf(b, " (no user part read from the pattern)\n");
		free(q);
	}
	for (size_t i = 0; i < ri->n_undecided; i++) {
		const struct route_impact_gap *g = &ri->undecided[i];
		char *q = route_quote(g->user, 200);
		out_printf(b, "  undecided: ");
		out_puts_esc(b, q);
		out_printf(b, " (%s: ", g->live ? "live" : "desired");
		out_puts_esc(b, g->message);
		out_printf(b, ")\n");
		free(q);
	}
}

/* The "Routing changes" section and a blank line, when the plan has one. */
static void text_routing(struct out *b, const struct plan *p, bool color)
{
	const struct route_impact *ri = p->routing;
	if (!ri)
		return;
	out_printf(b, "%sRouting changes%s", color ? C_BOLD : "",
		   color ? C_RESET : "");
	if (ri->error) {
		out_printf(b, ": not computed: ");
		out_puts_esc(b, ri->error);
		out_printf(b, "\n\n");
		return;
	}
	out_printf(b, " (%zu user part%s checked, %zu change%s):\n",
		   ri->checked, ri->checked == 1 ? "" : "s", ri->n_changes,
		   ri->n_changes == 1 ? "s" : "");
	text_route_rows(b, p);
	text_route_gaps(b, ri);
	out_printf(b, "\n");
}

/* The plan's changes, notes and summary line. */
static void text_body(struct out *b, const struct plan *p, bool color)
{
	for (size_t i = 0; i < p->n_items; i++)
		text_item(b, &p->items[i], color);
	if (p->n_items)
		out_printf(b, "\n");
	text_notes(b, p, color);
	char *sum = render_summary(p);
	if (!sum)
		b->failed = true;
	else if (color)
		out_printf(b, C_BOLD "%s" C_RESET "\n", sum);
	else
		out_printf(b, "%s\n", sum);
	free(sum);
}

char *render_text(const struct plan *p, bool color)
{
	struct out b;
	out_init(&b);
	text_routing(&b, p, color);
	text_body(&b, p, color);
	return out_take(&b);
}

static char *render_text_body(const struct plan *p)
{
	struct out b;
	out_init(&b);
	text_body(&b, p, false);
	return out_take(&b);
}

/* ---- JSON ------------------------------------------------------------------
 */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *action_name(enum plan_action a)
{
	return a == PLAN_CREATE	  ? "create"
	       : a == PLAN_DELETE ? "delete"
				  : "update";
}

static const char *op_name(enum plan_op op)
{
	switch (op) {
	case PLAN_OP_SET:
		return "set";
	case PLAN_OP_ADD:
		return "add";
	case PLAN_OP_REMOVE:
		return "remove";
	case PLAN_OP_MOVE:
		return "move";
	case PLAN_OP_SENSITIVE:
		return "sensitive";
	}
	return "set";
}

/* A value stored as JSON text, back as a JSON value. */
static json_t *json_value(const char *text)
{
	if (!text)
		return NULL;
	return json_loads(text, JSON_DECODE_ANY, NULL);
}

static json_t *json_change(const struct plan_change *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "op", json_string(op_name(c->op)));
	json_object_set_new(o, "field", json_string(c->field));
	json_object_set_new(o, "text", json_string(c->text));
	if (c->agent_id)
		json_object_set_new(o, "agentId", json_string(c->agent_id));
	if (c->agent_name)
		json_object_set_new(o, "agentName", json_string(c->agent_name));
	json_t *old = json_value(c->old_json), *nw = json_value(c->new_json);
	if (old)
		json_object_set_new(o, "old", old);
	if (nw)
		json_object_set_new(o, "new", nw);
	if (c->index >= 0)
		json_object_set_new(o, "index", json_integer(c->index));
	if (c->from_index >= 0)
		json_object_set_new(o, "from", json_integer(c->from_index));
	return o;
}

static json_t *json_item(const struct plan_item *it)
{
	json_t *o = json_object(), *fields = json_array();
	json_object_set_new(o, "action", json_string(action_name(it->action)));
	json_object_set_new(
	    o, "resource",
	    json_string(it->resource == PLAN_SIP ? "sip" : "registration"));
	json_object_set_new(o, "key", json_string(it->key));
	json_object_set_new(o, "id", str_or_null(it->id));
	json_object_set_new(o, "title", json_string(it->title));
	json_object_set_new(o, "reason", str_or_null(it->reason));
	for (size_t i = 0; i < it->n_changes; i++)
		json_array_append_new(fields, json_change(&it->changes[i]));
	json_object_set_new(o, "fields", fields);
	return o;
}

static json_t *json_request(const struct plan_item *it)
{
	json_t *o = json_object(), *secrets = json_array();
	json_object_set_new(o, "method",
			    json_string(request_method_name(it->req.method)));
	json_object_set_new(o, "path", json_string(it->req.path));
	json_t *body = json_value(it->req.body_redacted);
	json_object_set_new(o, "body", body ? body : json_null());
	if (it->req.create_key)
		json_object_set_new(o, "create_key",
				    json_string(it->req.create_key));
	for (size_t i = 0; i < it->n_secrets; i++)
		json_array_append_new(
		    secrets,
		    json_pack("{s:s,s:s}", "key", it->secrets[i].key,
			      "fingerprint", it->secrets[i].fingerprint));
	json_object_set_new(o, "secrets", secrets);
	return o;
}

static json_t *json_notes(const struct plan *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n_notes; i++)
		json_array_append_new(a,
				      json_pack("{s:s,s:o,s:s}", "subject",
						p->notes[i].subject, "field",
						str_or_null(p->notes[i].field),
						"text", p->notes[i].text));
	return a;
}

static const char *route_kind_name(enum route_kind k)
{
	return k == ROUTE_AGENT		   ? "agent"
	       : k == ROUTE_IMPLICIT_AGENT ? "implicit_agent"
	       : k == ROUTE_FALLBACK	   ? "fallback"
					   : "reject";
}

/* A string from the source or the account that may not be UTF-8 (a
 * percent-decoded user part): as is, else in its quoted form. */
static json_t *json_text(const char *s)
{
	size_t n = strlen(s);
	if (format_utf8_valid(s, n))
		return json_string(s);
	char *q = route_quote(s, n);
	json_t *j = q ? json_string(q) : NULL;
	free(q);
	return j;
}

static json_t *json_endpoint(const struct route_endpoint *e)
{
	return json_pack("{s:s,s:o,s:o,s:o}", "kind", route_kind_name(e->kind),
			 "agentId", str_or_null(e->agent_id), "agentName",
			 str_or_null(e->agent_name), "index",
			 e->index >= 0 ? json_integer(e->index) : json_null());
}

static json_t *json_gaps(const struct route_impact_gap *g, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o =
		    json_pack("{s:s}", "side", g[i].live ? "live" : "desired");
		if (g[i].index >= 0)
			json_object_set_new(o, "index",
					    json_integer(g[i].index));
		if (g[i].pattern)
			json_object_set_new(o, "pattern",
					    json_text(g[i].pattern));
		if (g[i].user)
			json_object_set_new(o, "userPart",
					    json_text(g[i].user));
		if (g[i].message)
			json_object_set_new(o, "message",
					    json_text(g[i].message));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_routing(const struct route_impact *ri)
{
	json_t *o = json_object(), *changes = json_array();
	for (size_t i = 0; i < ri->n_changes; i++)
		json_array_append_new(
		    changes,
		    json_pack("{s:o,s:o,s:o}", "userPart",
			      json_text(ri->changes[i].user), "before",
			      json_endpoint(&ri->changes[i].before), "after",
			      json_endpoint(&ri->changes[i].after)));
	json_object_set_new(o, "checked",
			    json_integer((json_int_t)ri->checked));
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "not_sampled",
			    json_gaps(ri->not_sampled, ri->n_not_sampled));
	json_object_set_new(o, "undecided",
			    json_gaps(ri->undecided, ri->n_undecided));
	json_object_set_new(o, "error",
			    ri->error ? json_text(ri->error) : json_null());
	return o;
}

static json_t *json_plan(const struct plan *p)
{
	json_t *root = json_object(), *changes = json_array(),
	       *reqs = json_array();
	json_object_set_new(root, "format_version",
			    json_integer(p->format_version));
	json_object_set_new(root, "sipsync_version",
			    json_string(SIPSYNC_VERSION));
	json_object_set_new(root, "source",
			    json_pack("{s:o,s:o,s:o,s:o}", "repo",
				      str_or_null(p->source.repo), "ref",
				      str_or_null(p->source.ref), "commit",
				      str_or_null(p->source.commit), "path",
				      str_or_null(p->source.path)));
	json_object_set_new(root, "live",
			    json_pack("{s:s,s:s}", "domain", p->live_domain,
				      "fingerprint", p->live_fingerprint));
	json_object_set_new(
	    root, "options",
	    json_pack("{s:b}", "sync_secrets", p->sync_secrets));
	json_object_set_new(
	    root, "summary",
	    json_pack("{s:I,s:I,s:I,s:I,s:b}", "create", (json_int_t)p->creates,
		      "update", (json_int_t)p->updates, "delete",
		      (json_int_t)p->deletes, "notes", (json_int_t)p->n_notes,
		      "changes", plan_has_changes(p)));
	for (size_t i = 0; i < p->n_items; i++) {
		json_array_append_new(changes, json_item(&p->items[i]));
		json_array_append_new(reqs, json_request(&p->items[i]));
	}
	json_object_set_new(root, "changes", changes);
	if (p->routing)
		json_object_set_new(root, "routing_changes",
				    json_routing(p->routing));
	json_object_set_new(root, "notes", json_notes(p));
	json_object_set_new(root, "requests", reqs);
	return root;
}

char *render_json(const struct plan *p)
{
	json_t *root = json_plan(p);
	char *text =
	    root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *out = realloc(text, n + 2);
	if (!out) {
		free(text);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

/* ---- markdown ---------------------------------------------------------------
 */

static void md_head(struct out *b, const struct plan *p)
{
	char *sum = render_summary(p);
	out_printf(b, "### sipsync plan for `%s`\n\n**%s**", p->live_domain,
		   sum ? sum : "");
	free(sum);
	if (p->n_notes)
		out_printf(b, " (%zu note%s)", p->n_notes,
			   p->n_notes == 1 ? "" : "s");
	out_printf(b, "\n\n");
	if (p->source.path || p->source.commit) {
		out_printf(b, "Source: `%s`",
			   p->source.path ? p->source.path : ".");
		if (p->source.commit)
			out_printf(b, " at `%.12s`", p->source.commit);
		out_printf(b, "\n\n");
	}
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Backticks enough to fence text: one more than its longest run (live
 * data could otherwise close the block and write markdown), at least 4. */
static size_t fence_len(const char *text)
{
	size_t best = 3, run = 0;
	for (; *text; text++) {
		run = *text == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best + 1;
}

static void out_fence(struct out *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_printf(b, "`");
}

/* The routing section in a block of its own, above the details. */
static void md_routing(struct out *b, const struct plan *p)
{
	struct out r;
	if (!p->routing)
		return;
	out_init(&r);
	text_routing(&r, p, false);
	char *text = out_take(&r);
	if (!text) {
		b->failed = true;
		return;
	}
	size_t fence = fence_len(text), n = strlen(text);
	out_fence(b, fence);
	out_printf(b, "\n%.*s\n", (int)(n > 2 ? n - 2 : n), text);
	out_fence(b, fence);
	out_printf(b, "\n\n");
	free(text);
}

char *render_markdown(const struct plan *p, size_t limit)
{
	static const char open[] = "<details><summary>Details</summary>\n\n";
	static const char close[] = "\n</details>\n";
	static const char cut[] =
	    "\u2026 truncated: %zu more lines not shown; run "
	    "`sipsync plan` to see the whole plan\n";
	struct out b;
	out_init(&b);
	char *text = render_text_body(p);
	if (!limit)
		limit = RENDER_MARKDOWN_LIMIT;
	md_head(&b, p);
	md_routing(&b, p);
	if (!text || b.failed) {
		free(text);
		buf_free(&b.b);
		return NULL;
	}
	size_t fence = fence_len(text);
	size_t frame = sizeof(open) + sizeof(close) + sizeof(cut) + 32 +
		       2 * fence + sizeof("diff\n\n");
	size_t room =
	    limit > buf_len(&b.b) + frame ? limit - buf_len(&b.b) - frame : 0;
	size_t keep = strlen(text);
	if (keep > room) {
		keep = room;
		while (keep > 0 && text[keep - 1] != '\n')
			keep--;
	}
	out_printf(&b, "%s", open);
	out_fence(&b, fence);
	out_printf(&b, "diff\n%.*s", (int)keep, text);
	if (keep < strlen(text))
		out_printf(&b, cut, count_lines(text + keep));
	out_fence(&b, fence);
	out_printf(&b, "\n%s", close);
	free(text);
	return out_take(&b);
}
