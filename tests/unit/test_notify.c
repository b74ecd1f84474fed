/* Unit tests of notify (core, no I/O): the json, slack and teams bodies of
 * an event made from a plan, the cap on "changes", and the signature (a
 * vector computed independently with Python's hmac module). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/core/notify.h"
#include "reconcile/core/plan.h"

#define S(x) ((char *)(x))
#define T0 1796083200LL /* 2026-12-01T00:00:00Z */

/* An event of kind k made from a plan as plan_build leaves it: one sip
 * update of a list field (one change per entry) and a secret, one
 * registration create. The change texts hold values; the event must not. */
static void event_of_plan(struct notify_event *ev, enum notify_kind k,
			  const char *account, const char *commit)
{
	struct plan p = {0};
	struct plan_item items[2] = {{0}};
	struct plan_change ch[3] = {{0}};
	ch[0].field = S("allowedCidrRanges");
	ch[0].text = S("allowedCidrRanges: + 10.0.0.0/8");
	ch[1].field = S("allowedCidrRanges");
	ch[1].text = S("allowedCidrRanges: - 192.0.2.0/24");
	ch[2].field = S("fallbackHandler.secrets");
	ch[2].text = S("fallbackHandler.secrets: (sensitive)");
	items[0].action = PLAN_UPDATE;
	items[0].title = S("sip config (acme.sip.ultravox.ai)");
	items[0].changes = ch;
	items[0].n_changes = 3;
	items[1].action = PLAN_CREATE;
	items[1].title = S("registration alice@pbx.example.com");
	p.items = items;
	p.n_items = 2;
	p.creates = 1;
	p.updates = 1;
	memset(ev, 0, sizeof(*ev));
	assert_int_equal(notify_event_init(ev, k, account, commit, NULL, T0),
			 0);
	assert_int_equal(notify_event_add_plan(ev, &p), 0);
}

static void json_body_of_a_plan(void **state)
{
	(void)state;
	struct notify_event ev;
	char *body = NULL;
	event_of_plan(&ev, NOTIFY_DRIFT_DETECTED, "acme.sip.ultravox.ai",
		      "0123456789abcdef0123456789abcdef01234567");
	assert_int_equal(notify_body(&ev, NOTIFY_FORMAT_JSON, &body), 0);
	assert_string_equal(
	    body,
	    "{\"event\":\"drift_detected\",\"account\":\"acme.sip.ultravox."
	    "ai\",\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
	    "\"summary\":\"1 to create, 1 to update, 0 to delete\","
	    "\"changes\":[\"update sip config (acme.sip.ultravox.ai): "
	    "allowedCidrRanges\",\"update sip config (acme.sip.ultravox.ai): "
	    "fallbackHandler.secrets\",\"create registration "
	    "alice@pbx.example.com\"],\"time\":\"2026-12-01T00:00:00Z\","
	    "\"text\":\"sipsync: drift detected on acme.sip.ultravox.ai at "
	    "0123456789ab: 1 to create, 1 to update, 0 to delete\"}");
	assert_null(strstr(body, "10.0.0.0/8"));
	assert_null(strstr(body, "192.0.2.0"));
	free(body);
	notify_event_release(&ev);
}

static void local_source_and_reminder(void **state)
{
	(void)state;
	struct notify_event ev = {0};
	char *body = NULL;
	assert_int_equal(notify_event_init(&ev, NOTIFY_SUSPENDED, NULL, NULL,
					   "carrier migration", T0),
			 0);
	ev.reminder = true;
	assert_int_equal(notify_body(&ev, NOTIFY_FORMAT_JSON, &body), 0);
	assert_string_equal(
	    body, "{\"event\":\"suspended\",\"account\":null,\"commit\":null,"
		  "\"summary\":\"carrier migration\",\"changes\":[],\"time\":"
		  "\"2026-12-01T00:00:00Z\",\"text\":\"sipsync: suspended "
		  "(reminder) on the account: carrier migration\"}");
	free(body);
	notify_event_release(&ev);
	notify_event_release(NULL);
}

static void slack_and_teams(void **state)
{
	(void)state;
	struct notify_event ev;
	char *body = NULL;
	event_of_plan(&ev, NOTIFY_APPLIED, "a.example", NULL);
	assert_int_equal(notify_body(&ev, NOTIFY_FORMAT_SLACK, &body), 0);
	assert_string_equal(
	    body, "{\"text\":\"sipsync: applied on a.example: 1 to create, 1 "
		  "to update, 0 to delete\\n• update sip config "
		  "(acme.sip.ultravox.ai): allowedCidrRanges\\n• update sip "
		  "config (acme.sip.ultravox.ai): fallbackHandler.secrets\\n• "
		  "create registration alice@pbx.example.com\"}");
	free(body);

	assert_int_equal(notify_body(&ev, NOTIFY_FORMAT_TEAMS, &body), 0);
	json_t *o = json_loads(body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "type")),
			    "message");
	json_t *att = json_array_get(json_object_get(o, "attachments"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(att, "contentType")),
	    "application/vnd.microsoft.card.adaptive");
	json_t *card = json_object_get(att, "content");
	assert_string_equal(json_string_value(json_object_get(card, "type")),
			    "AdaptiveCard");
	json_t *cb = json_object_get(card, "body");
	/* the title, the facts, one block per change */
	assert_int_equal(json_array_size(cb), 5);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cb, 1), "type")),
	    "FactSet");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cb, 4), "text")),
	    "create registration alice@pbx.example.com");
	json_decref(o);
	free(body);
	notify_event_release(&ev);
}

static void changes_are_capped(void **state)
{
	(void)state;
	struct notify_event ev = {0};
	char *body = NULL;
	assert_int_equal(
	    notify_event_init(&ev, NOTIFY_APPLIED, NULL, NULL, "many", T0), 0);
	for (int i = 0; i < NOTIFY_MAX_CHANGES + 7; i++)
		assert_int_equal(notify_event_add_change(&ev, "x"), 0);
	assert_int_equal(notify_body(&ev, NOTIFY_FORMAT_JSON, &body), 0);
	json_t *o = json_loads(body, 0, NULL);
	json_t *c = json_object_get(o, "changes");
	assert_int_equal(json_array_size(c), NOTIFY_MAX_CHANGES + 1);
	assert_string_equal(
	    json_string_value(json_array_get(c, NOTIFY_MAX_CHANGES)),
	    "... and 7 more");
	json_decref(o);
	free(body);
	notify_event_release(&ev);
}

static void signature_vector(void **state)
{
	(void)state;
	/* python3 -c 'import hmac,hashlib; print(hmac.new(
	 *   b"s3cr3t-notify-key", b"{\"event\":\"applied\",\"account\":"
	 *   b"\"acme.sip.ultravox.ai\"}", hashlib.sha256).hexdigest())' */
	const char *body =
	    "{\"event\":\"applied\",\"account\":\"acme.sip.ultravox.ai\"}";
	char sig[NOTIFY_SIGNATURE_LEN];
	assert_int_equal(
	    notify_signature("s3cr3t-notify-key", body, strlen(body), sig), 0);
	assert_string_equal(sig, "sha256=579d155c28b975335613b924b35dd4862914e"
				 "5a47d9ed23102bf1348b25b2178");
	assert_int_equal(notify_signature("", body, strlen(body), sig), -1);
	assert_int_equal(notify_signature(NULL, body, strlen(body), sig), -1);
}

static void names_and_formats(void **state)
{
	(void)state;
	enum notify_format f;
	assert_string_equal(notify_kind_name(NOTIFY_INVALID_COMMIT),
			    "invalid_commit");
	assert_string_equal(notify_kind_name(NOTIFY_RECOVERED), "recovered");
	assert_int_equal(notify_format_parse("teams", &f), 0);
	assert_int_equal(f, NOTIFY_FORMAT_TEAMS);
	assert_int_equal(notify_format_parse("slack", &f), 0);
	assert_int_equal(f, NOTIFY_FORMAT_SLACK);
	assert_int_equal(notify_format_parse("xml", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_body_of_a_plan),
	    cmocka_unit_test(local_source_and_reminder),
	    cmocka_unit_test(slack_and_teams),
	    cmocka_unit_test(changes_are_capped),
	    cmocka_unit_test(signature_vector),
	    cmocka_unit_test(names_and_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
