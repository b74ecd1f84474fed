/*
 * accounts: the accounts file, one repository for many Ultravox accounts
 * (sipsync.yaml(5), schema/accounts.schema.json):
 *
 *   version: 1
 *   accounts:
 *     - name: prod                      # [a-z0-9-]+, unique
 *       domain: acme.sip.ultravox.ai    # the account.domain guard
 *       sources: [base, prod]           # relative to this file, in order
 *       apiKey: {env: ULTRAVOX_API_KEY_PROD}   # or {file: PATH}
 *       apiUrl: https://api.ultravox.ai        # optional
 *
 * A source is an accounts file when it is one file whose (single) YAML
 * document has a top-level `accounts:` key and no `sip:` key; a directory
 * is always desired state. The account's desired state is its sources
 * read in order as overlays (load_desired_layers in schema/load.h).
 *
 * The apiKey is a secret reference, never a literal, and is not read
 * when the file is parsed: a missing key fails only the account that
 * needs it (accounts_resolve_key).
 *
 * Ownership: accounts_parse returns a struct accounts the caller frees
 * with accounts_free (accepts NULL); every pos points into it.
 */
#ifndef SIPSYNC_ACCOUNTS_H
#define SIPSYNC_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"
#include "reconcile/core/source.h"

#define ACCOUNTS_MAX_NAME_LEN 63

struct account {
	char *name;
	char *domain;
	char **sources; /* as written, relative to the accounts file */
	size_t n_sources;
	struct secret_ref api_key; /* kind and ref; value NULL until resolved */
	char *api_url;		   /* NULL: the default */
	struct pos pos;
};

struct accounts {
	char *file;	/* display name of the accounts file */
	char *path;	/* its path (in the repository, for a git source) */
	char *base_dir; /* what the sources are relative to ("." or a dir) */
	char *key_dir;	/* what {file:} keys are relative to (a git source:
			   --secrets-dir, NULL refuses them) */
	bool from_git;	/* {file:} keys confined to key_dir */
	char *commit;	/* a git source: the commit its sources are read at */
	struct account *items;
	size_t n;
};

/* True when src is an accounts file (see above). */
bool accounts_is_file(const struct source *src);

/* The same; when src is one file naming `accounts` that is not YAML, the
 * parse errors (FILE:LINE:COL) are added to diags (when not NULL). */
bool accounts_is_file_why(const struct source *src, struct diag_list *diags);

/* Parses the accounts file (src's only file). Returns 0 and *out, or -1
 * with every problem added to diags as FILE:LINE:COL errors. */
int accounts_parse(struct accounts **out, const struct source *src,
		   struct diag_list *diags);

/* The account called name, or NULL. */
const struct account *accounts_find(const struct accounts *a, const char *name);

/* The account's API key. Returns 0 and *out (the caller wipes and frees),
 * or -1 and *why (caller frees; names the account and the variable or
 * file, never a value). */
int accounts_resolve_key(const struct accounts *a, const struct account *acc,
			 char **out, char **why);

/* Where acc's key comes from, for messages: "VAR, account NAME's apiKey"
 * or "file PATH, account NAME's apiKey" (never the value). Caller frees;
 * NULL when out of memory. */
char *accounts_key_source(const struct account *acc);

/* The path of source i of acc, relative to the current directory (or, for
 * a git source, to the repository root). Caller frees; NULL when out of
 * memory. */
char *accounts_source_path(const struct accounts *a, const struct account *acc,
			   size_t i);

/* Makes ds (loaded from acc's sources) acc's: its domain becomes the
 * account.domain guard (a source naming another domain is an error) and
 * its source path the accounts file's. 0, or -1 with the problem in
 * diags. */
int accounts_adopt(const struct accounts *a, const struct account *acc,
		   struct desired_state *ds, struct diag_list *diags);

void accounts_free(struct accounts *a);

#endif
