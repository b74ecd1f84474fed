/*
 * model: the SIP configuration of one account, as desired (loaded from
 * YAML) and as live (read from the API). Both use the same structs so the
 * diff can compare them field by field.
 *
 * Omitted means unmanaged: every optional field carries a field_state.
 * FIELD_UNSET: the file does not name it (not compared, not sent).
 * FIELD_NULL:  an explicit null (managed: must be null / removed).
 * FIELD_SET:   a value (managed).
 *
 * Ownership: every char * and array below is owned by the struct that holds
 * it and freed by model_desired_free / model_live_free. struct pos .file
 * points into desired_state.files (never freed on its own).
 */
#ifndef SIPSYNC_MODEL_H
#define SIPSYNC_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

/* API limits from openapi.yaml */
#define MODEL_MAX_AGENTS 20
#define MODEL_MAX_PATTERN_LEN 200
#define MODEL_MAX_AGENT_NAME_LEN 64
#define MODEL_MIN_SECRETS 1
#define MODEL_MAX_SECRETS 10
#define MODEL_MAX_SECRET_LEN 120
#define MODEL_MAX_USERNAME_LEN 60
#define MODEL_MAX_PROXY_LEN 100
#define MODEL_MAX_AUTH_USER_LEN 60

enum field_state { FIELD_UNSET = 0, FIELD_NULL, FIELD_SET };

enum secret_kind { SECRET_LITERAL, SECRET_ENV, SECRET_FILE };

/* A secret as written in the file: {env: NAME}, {file: PATH} or a literal.
 * value is the resolved secret (NULL until resolved, or offline); it must
 * never be printed, logged or written to a plan. Live secrets read from the
 * API are SECRET_LITERAL with ref NULL. */
struct secret_ref {
	enum secret_kind kind;
	char *ref; /* env var name or file path as written; NULL for literal */
	char *value; /* resolved value or NULL */
	struct pos pos;
};

struct agent_allowance {
	char *agent_id;	       /* NULL: named by agent_name, not resolved */
	char *agent_name;      /* `agent: NAME` as written, else NULL */
	char *to_user_pattern; /* NULL: the API default ^agent_<agentId>$ */
	struct pos pos;	       /* the list item */
	struct pos id_pos, pattern_pos; /* id_pos: agentId or agent */
};

struct fallback_handler {
	char *url;
	enum field_state
	    secrets_state; /* UNSET: secrets not named (server generates) */
	struct secret_ref *secrets;
	size_t n_secrets;
	struct pos pos, url_pos;
};

struct sip_config {
	enum field_state cidrs_state;
	char **cidrs;	      /* as written (desired) or as returned (live) */
	struct pos *cidr_pos; /* desired only, one per cidr; may be NULL */
	size_t n_cidrs;

	enum field_state allow_all_state;
	bool allow_all;

	enum field_state agents_state;
	struct agent_allowance *agents;
	size_t n_agents;

	enum field_state fallback_state; /* FIELD_NULL: no fallback handler */
	struct fallback_handler fallback;

	char *domain; /* live only (read-only field) */
	struct pos pos;
};

struct registration {
	char *id;      /* live: registrationId; desired: NULL */
	char *created; /* live only */
	char *username;
	char *proxy;
	enum field_state outbound_proxy_state;
	char *outbound_proxy;
	enum field_state auth_user_state;
	char *auth_user;
	bool has_password; /* desired: password named in the file */
	struct secret_ref password;
	int successful; /* live: -1 null/unknown, 0 false, 1 true */
	struct pos pos;
};

/* What a route test says the fallback handler must answer (sipsync
 * probe): expect: {fallback: reject | {reject: CODE} | startCall |
 * {startAgentCall: ID}}. */
enum fallback_expect {
	FALLBACK_EXPECT_ANY, /* plain `expect: fallback` */
	FALLBACK_EXPECT_REJECT,
	FALLBACK_EXPECT_START_CALL,
	FALLBACK_EXPECT_START_AGENT_CALL,
};

/* One sipHeaders entry of a synthetic fallback request. */
struct probe_header {
	char *name;
	char *value; /* the header text (Ultravox reads it as JSON) */
};

/* A route test case (routeTests: in the file). expect is an agent uuid,
 * "fallback" or "reject" (the map form {fallback: ...} sets "fallback"
 * and fb_*). from, from_display_name and headers only feed sipsync probe. */
struct route_test {
	char *name; /* optional, NULL when absent */
	char *to;   /* user part or full sip: URI */
	char *expect;
	char *expect_name; /* expect: {agent: NAME} (expect is then NULL) */
	char *from;	   /* optional caller: user part or sip: URI */
	char *from_display_name; /* optional */
	struct probe_header *headers;
	size_t n_headers;
	enum fallback_expect fb_expect;
	int fb_reject_code; /* 0: any code */
	char *fb_agent;	    /* startAgentCall: the agent id (or name) */
	struct pos pos, to_pos, expect_pos;
};

/* Where the desired state came from, recorded in plans. */
struct source_info {
	char *repo;   /* NULL for a local path */
	char *ref;    /* NULL for a local path */
	char *commit; /* full hex id, NULL for a local path */
	char *path;   /* the file or directory (or path inside the repo) */
};

/* Where a managed field got its value (schema/load.c), e.g.
 * "sip.allowedCidrRanges" at prod/sip.yaml:3:3. When several sources
 * overlay (an accounts file), overrode is the place of the value a later
 * source replaced (line 0: none). */
struct field_origin {
	char *field;
	struct pos pos;
	struct pos overrode;
};

struct desired_state {
	int version;

	char *domain; /* account.domain guard, NULL when not set */
	struct pos domain_pos;

	bool has_sip; /* the sip: key is present */
	struct sip_config sip;

	bool has_registrations; /* the registrations: key is present */
	bool prune;
	struct registration *regs;
	size_t n_regs;

	struct route_test *route_tests;
	size_t n_route_tests;

	char **route_samples; /* routeSamples: user parts the plan's routing
				 impact checks besides its own */
	size_t n_route_samples;

	char *
	    *files; /* display names of every file read; pos.file points here */
	size_t n_files;

	struct source_info source;

	/* suspend: {reason, until}: a change freeze kept in git */
	bool has_suspend;
	char *suspend_reason;
	long long suspend_until; /* unix seconds; 0: until removed */
	struct pos suspend_pos;
	struct field_origin *origins; /* in the order first set */
	size_t n_origins;
};

/* True when ds says suspend and its until (if any) is after now (unix
 * seconds): plan only, write nothing. */
bool model_suspended(const struct desired_state *ds, long long now);

struct live_state {
	struct sip_config sip; /* every field_state FIELD_SET or FIELD_NULL */
	struct registration *regs;
	size_t n_regs;
};

/* The default toUserPattern the API applies: ^agent_<agentId>$.
 * Returns a string the caller frees, or NULL when out of memory. */
char *model_default_pattern(const char *agent_id);

/* Effective pattern of an allowance (its own, or the default). The caller
 * frees the result. */
char *model_effective_pattern(const struct agent_allowance *a);

/* Registration identity "username@proxy" with proxy lower-cased; caller
 * frees. */
char *model_registration_key(const struct registration *r);

/* Interns a file name in the desired state's file table and returns the
 * stored pointer (for struct pos .file), or NULL when out of memory. */
const char *model_desired_add_file(struct desired_state *ds, const char *name);

void model_secret_release(struct secret_ref *s); /* wipes value, frees */
void model_sip_release(struct sip_config *sip);
void model_registration_release(struct registration *r);
void model_route_test_release(struct route_test *t);
void model_source_info_release(struct source_info *si);

/* Free the whole state; accept NULL. */
void model_desired_free(struct desired_state *ds);
void model_live_free(struct live_state *ls);

#endif
