/*
 * load_int: what the parts of the loader share (schema/load.c: the
 * document walker, the merge of several files and the field readers;
 * load_sip.c: account and sip; load_regs.c: registrations and
 * routeTests). Private to schema/load*.c, and to schema/policy.c, which
 * reads the policy file with the same walker.
 *
 * Every reader reports its problems through load_report (at most
 * LOAD_MAX_DIAGS, see load_capped) and returns what it could read.
 */
#ifndef SIPSYNC_LOAD_INT_H
#define SIPSYNC_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "schema/load.h"
#include "schema/source.h"
#include "schema/yamldoc.h"

#define PATH_MAX_LEN 256

struct loader {
	struct desired_state *ds;
	const struct load_opts *opts;
	struct diag_list *diags;
	const struct source_file *sf;
	const char *file; /* interned in ds->files */
	bool from_git;	  /* {file:} confined to base_dir (--secrets-dir) */
	bool capped;
	size_t content_docs;
	size_t alias_nodes; /* nodes aliases added in every file so far */
	bool sip_seen, account_seen, prune_seen, items_seen;
	struct pos sip_at, account_at, prune_at;
	size_t regs_cap, tests_cap;
	char **reg_paths; /* parallel to ds->regs */
};

struct field {
	const char *name;
	const struct yamldoc_node *key, *val;
};

/* What load_str_field checks in the text itself. */
enum text_rule {
	TEXT_ANY,     /* nothing */
	TEXT_LINE,    /* no control character (no line break) */
	TEXT_TRIMMED, /* TEXT_LINE, no leading/trailing space either: the API
		       * trims the value, so it would never match */
};

/* ---- readers (load.c) ---- */

__attribute__((format(printf, 5, 6))) void
load_report(struct loader *L, enum diag_severity sev, const struct pos *at,
	    const char *path, const char *fmt, ...);

/* True once the diagnostics cap is reached: stop walking. */
bool load_capped(struct loader *L);

/* Field paths: parent.key and parent[i] into buf (PATH_MAX_LEN bytes). */
void load_path_key(char *buf, const char *parent, const char *key);
void load_path_index(char *buf, const char *parent, size_t i);

/* "file:line:col" of p into buf. */
void load_place_str(char *buf, size_t n, const struct pos *p);

/* Type checks: true (or the value) when n has the type, else reported. */
bool load_want_seq(struct loader *L, const struct yamldoc_node *n,
		   const char *path);
bool load_is_null(const struct yamldoc_node *n);
const char *load_want_str(struct loader *L, const struct yamldoc_node *n,
			  const char *path, bool non_empty);
bool load_want_bool(struct loader *L, const struct yamldoc_node *n,
		    const char *path, bool *out);

/* Matches the keys of map against f[0..nf) (see load.c). */
bool load_walk_map(struct loader *L, const struct yamldoc_node *map,
		   const char *path, struct field *f, size_t nf);
bool load_require(struct loader *L, const struct yamldoc_node *map,
		  const char *path, const struct field *f);

/* A checked copy of a string field (caller frees), NULL when invalid. */
char *load_str_field(struct loader *L, const struct yamldoc_node *n,
		     const char *path, size_t max_len, enum text_rule rule);

/* A secret: a literal string, {env: NAME} or {file: PATH}, resolved
 * unless offline. */
void load_secret(struct loader *L, const struct yamldoc_node *n,
		 const char *path, struct secret_ref *out, size_t max_len);

/* ---- sections ---- */

/* account (load_sip.c) */
void load_account(struct loader *L, const struct yamldoc_node *n,
		  struct desired_state *ds);

/* sip (load_sip.c) */
void load_sip(struct loader *L, const struct yamldoc_node *n,
	      struct sip_config *sip);

/* registrations, routeTests (load_regs.c) */
void load_registrations(struct loader *L, const struct yamldoc_node *n);
void load_route_tests(struct loader *L, const struct yamldoc_node *n);
void load_route_samples(struct loader *L, const struct yamldoc_node *n);

#endif
