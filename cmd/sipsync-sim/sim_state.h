/*
 * sim_state: the simulator's account model (SIP config, registrations,
 * known agents), its lock, and its JSON file (load, atomic save).
 *
 * The model is kept as a JSON document because that is what the simulator
 * serves and stores; this header is private to sipsync-sim, so the jansson
 * type stays inside the simulator binary.
 *
 * Document shape (also the --state/--seed file and /_sim/state body):
 *   {"domain": "...",
 *    "sip": {"allowedCidrRanges": [...], "allowAllAgents": false,
 *            "allowedAgents": [...], "fallbackHandler": null | {...}},
 *    "registrations": [{"registrationId", "created", "username", "password",
 *                       "proxy", "outboundProxy", "authUser", "successful"}],
 *    "agents": ["<uuid>", ...],          (absent: every uuid is an agent;
 *                                         a seed may write {"agentId":
 *                                         "<uuid>", "name": "sales-bot"})
 *    "agentNames": {"<uuid>": "name"},   (normalized from the seed: the
 *                                         names GET /api/agents serves)
 *    "hideSecrets": true,                (optional: GET /api/sip leaves
 *                                         fallbackHandler.secrets out)
 *    "registrationHealth": {"delayMs": N, "fail": ["user@proxy", ...],
 *                           "unknown": ["user@proxy", ...]},
 *                     (optional: a registration created or updated reports
 *                      successful null, then after delayMs false when
 *                      listed in fail, null for good when in unknown, else
 *                      true; without it, null stays null)
 *    "accounts": [{"domain", "apiKey" | "apiKeySha256", "sip",
 *                  "registrations", "agents", "hideSecrets",
 *                  "registrationHealth"}, ...]}
 *                     (optional: further accounts, each seen only through
 *                      its own key; stored as its SHA-256, never the key)
 */
#ifndef SIPSYNC_SIM_STATE_H
#define SIPSYNC_SIM_STATE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define SIM_DEFAULT_DOMAIN "sim.sip.ultravox.ai"

struct sim_order;

struct sim_state {
	pthread_mutex_t lock;
	json_t *doc;  /* owned; the shape above, always normalized */
	char *path;   /* --state FILE or NULL */
	char *domain; /* --domain override or NULL */
	struct sim_order *orders; /* the registrations lists' order, kept
				     between requests (sim_order.h) */
};

/* Creates an empty state (domain from `domain` or the default). `path`
 * (may be NULL) is where sim_state_save writes. Free with sim_state_free. */
int sim_state_new(struct sim_state **out, const char *domain, const char *path);
void sim_state_free(struct sim_state *st);

/* Replaces the model by `doc` after checking and normalizing it (missing
 * parts get defaults, the --domain override wins). Does not take the lock.
 * Returns 0, or -1 with a message in err. Does not steal `doc`. */
int sim_state_replace(struct sim_state *st, const json_t *doc, char *err,
		      size_t errlen);

/* Binds keys to extra accounts: `binds` is [{"domain", "apiKey"}, ...]
 * (--account KEY=DOMAIN); an account of the model with that domain gets
 * the key, any other domain becomes a new empty account. 0, or -1 with a
 * message in err (model unchanged). */
int sim_state_bind_accounts(struct sim_state *st, const json_t *binds,
			    char *err, size_t errlen);

/* Loads a state/seed file into the model. Returns 0, 1 when the file does
 * not exist (model unchanged), or -1 with a message in err. */
int sim_state_load_file(struct sim_state *st, const char *path, char *err,
			size_t errlen);

/* Writes the model to st->path (if set) atomically: temporary file, fsync,
 * rename, mode 0600. Caller holds the lock. Returns 0 or -1 (message on
 * stderr). */
int sim_state_save(struct sim_state *st);

/* Gives a registration object the optional fields it lacks, as the API
 * stores them: username "", outboundProxy and authUser null. */
void sim_state_registration_defaults(json_t *reg);

void sim_state_lock(struct sim_state *st);
void sim_state_unlock(struct sim_state *st);

/* True when `uuid` (canonical lowercase) names an existing agent. Caller
 * holds the lock. */
bool sim_state_agent_exists(const struct sim_state *st, const char *uuid);
/* The same for one account's document. */
bool sim_state_agent_in(const json_t *acct, const char *uuid);

/* The extra account whose key is `key` (compared by SHA-256, in constant
 * time), or NULL. Caller holds the lock; the result lives until the model
 * is next replaced. */
json_t *sim_state_account_by_key(struct sim_state *st, const char *key);

/* registrationHealth: checks its shape (0, or -1 with a message); arms a
 * registration just created or updated (successful null until delayMs
 * passed); settles every armed registration of `acct` whose time came.
 * Without registrationHealth in the account, arm and settle do nothing. */
int sim_state_health_check(const json_t *h, char *err, size_t errlen);
void sim_state_health_arm(const json_t *acct, json_t *reg);
void sim_state_health_settle(json_t *acct);

/* The name of agent uuid in one account's document, or NULL when it has
 * none. Caller holds the lock; the string lives as long as the document. */
const char *sim_state_agent_name(const json_t *acct, const char *uuid);

/* Fills buf (at least 37 bytes) with a random version-4 uuid. */
int sim_state_new_uuid(char buf[37]);

/* Fills buf (at least 28 bytes) with the current UTC time as RFC 3339 with
 * microseconds, e.g. 2026-11-23T04:10:00.123456Z. */
void sim_state_now(char buf[32]);

#endif
