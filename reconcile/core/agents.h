/*
 * agents: the names of an account's agents (GET /api/agents), for naming
 * an allowance by `agent: NAME` and for printing agents the way people know
 * them: "sales-bot (0b6f3c1e…)". Pure: the table is filled by the caller.
 *
 * Ownership: the table owns its strings; agent_names_release frees them.
 */
#ifndef SIPSYNC_AGENTS_H
#define SIPSYNC_AGENTS_H

#include <stdbool.h>
#include <stddef.h>

struct agent_name {
	char *id;   /* lower-case uuid */
	char *name; /* NULL: the agent has no name */
};

struct agent_names {
	struct agent_name *v;
	size_t n, cap;
	bool complete; /* every agent of the account was read (not a
			  search), so a name missing here does not exist */
};

/* Adds one agent (copies id, lower-cased, and name; name may be NULL). An
 * id already present is kept as it was. Returns 0, or -1 when out of
 * memory. */
int agent_names_add(struct agent_names *an, const char *id, const char *name);

/* The name of agent id (compared case-insensitively), or NULL when the
 * table is NULL, does not hold it, or the agent has no name. Borrowed. */
const char *agent_names_lookup(const struct agent_names *an, const char *id);

/* The ids of the agents named exactly `name` (case-sensitive), at most max
 * of them stored in ids (borrowed). Returns how many there are in all. */
size_t agent_names_find(const struct agent_names *an, const char *name,
			const char **ids, size_t max);

/* How an agent is shown: "sales-bot (0b6f3c1e…)" when its name is known,
 * "0b6f3c1e…" otherwise (control bytes of a name shown as '?': names are
 * live data). id may be NULL (""). Returns a string the caller frees, or
 * NULL when out of memory. */
char *agent_label(const struct agent_names *an, const char *id);

/* The same for an allowance that names its agent but whose id is not
 * known (offline): "sales-bot", or agent_label when id is set. */
char *agent_label_named(const struct agent_names *an, const char *id,
			const char *name);

/* Frees every entry and zeroes the table; accepts NULL. */
void agent_names_release(struct agent_names *an);

#endif
