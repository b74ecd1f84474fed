/*
 * policy_int: the parsed policy, shared by schema/policy.c (the reader)
 * and schema/policy_check.c (the rules). Private to schema/policy*.c.
 * Every pos points into the file name the struct policy owns.
 */
#ifndef SIPSYNC_POLICY_INT_H
#define SIPSYNC_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/base/format.h"

struct policy_int {
	bool set;
	long v;
	struct pos pos; /* the value */
};

struct policy_flag {
	bool on; /* false when not given */
	struct pos pos;
};

struct policy_net {
	struct cidr c;
	char text[19]; /* canonical network */
	struct pos pos;
};

struct policy_nets {
	bool set;
	struct policy_net *items;
	size_t n;
	struct pos pos; /* the list */
};

struct policy_host {
	char *name; /* lower case, may begin with "*." */
	struct pos pos;
};

struct policy_hosts {
	bool set;
	struct policy_host *items;
	size_t n;
	struct pos pos; /* the list */
};

struct policy {
	char *file;
	struct policy_int min_prefix;	       /* cidr.minPrefix */
	struct policy_nets forbid, within;     /* cidr.forbid, .within */
	struct policy_int agents_max;	       /* allowedAgents.max */
	struct policy_flag require_route_test; /* .requireRouteTest */
	struct policy_flag forbid_catch_all;   /* .forbidCatchAll */
	struct policy_flag require_https;      /* fallbackHandler.* */
	struct policy_hosts url_hosts;	       /* fallbackHandler.* */
	struct policy_hosts proxies;	       /* registrations.proxies */
	struct policy_int regs_max;	       /* registrations.max */
};

#endif
