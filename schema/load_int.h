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
	bool suspend_seen;
	struct pos suspend_at;
	/* overlays (load_desired_layers): the layer being read, and the one
	 * that last set sip, account and prune; a later layer overrides */
	size_t layer, sip_layer, account_layer, prune_layer;
	size_t origins_cap;
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

/* Records that field got its value at at (a later layer's record
 * replaces an earlier one, keeping its place as overrode). */
void load_origin(struct loader *L, const char *field, const struct pos *at);

/* Reads a file that holds one YAML document (the policy and accounts
 * files): parses data[0..len) of file (stored in every pos, so it must
 * outlive the diagnostics) and calls read on its root, with L->diags a list
 * of its own; a file of another shape is the error "FILE:1:1: <shape>".
 * Every problem is added to diags, sorted. Returns 0 when none was an
 * error, else -1. */
int load_one_document(struct loader *L, const char *file, const char *data,
		      size_t len, const char *shape,
		      void (*read)(struct loader *, const struct yamldoc_node *,
				   void *),
		      void *ctx, struct diag_list *diags);

/* The version: of a one-document file (v its value, NULL when missing):
 * reported unless it is 1 ("unsupported <what> version"). */
void load_version_1(struct loader *L, const struct yamldoc_node *root,
		    const struct yamldoc_node *v, const char *what);

/* ---- sections ---- */

/* account (load_sip.c) */
void load_account(struct loader *L, const struct yamldoc_node *n,
		  struct desired_state *ds);

/* sip (load_sip.c) */
void load_sip(struct loader *L, const struct yamldoc_node *n,
	      struct sip_config *sip);

/* Moves every field over sets (state not FIELD_UNSET) into dst, releasing
 * what it replaces; over is released. */
void load_sip_overlay(struct sip_config *dst, struct sip_config *over);

/* registrations, routeTests (load_regs.c) */
void load_registrations(struct loader *L, const struct yamldoc_node *n);
void load_route_tests(struct loader *L, const struct yamldoc_node *n);
void load_route_samples(struct loader *L, const struct yamldoc_node *n);

/* suspend (load_suspend.c) */
void load_suspend(struct loader *L, const struct yamldoc_node *n,
		  struct desired_state *ds);

/* An RFC 3339 time in UTC (YYYY-MM-DDTHH:MM:SS[.frac]Z) as unix seconds.
 * 0 or -1. */
int load_parse_utc(const char *s, long long *out);

#endif
