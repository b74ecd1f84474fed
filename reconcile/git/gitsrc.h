/*
 * gitsrc: the desired state read from a git repository (libgit2 inside;
 * no libgit2 type crosses this header).
 *
 * The repository at URL is fetched into a bare cache repository under
 * CACHE_ROOT/git/<hash of URL> (created on first use; later fetches are
 * incremental, never a re-clone). REF (a branch, a tag, or a full or
 * abbreviated commit id) is resolved to a commit, and the YAML files at
 * PATH are read straight from that commit's tree, with no checkout, into a
 * struct source whose file names read PATH@SHORTSHA (e.g.
 * prod/sip.yaml@1a2b3c4), so messages point at prod/sip.yaml@1a2b3c4:14:9.
 *
 * Transports: a local path, file://, git://, http(s):// (a token sent as
 * basic auth x-access-token:TOKEN) and ssh:// or user@host:path (a private
 * key file; the host key must be listed in a known_hosts file, an unknown
 * host is refused). Secrets (the token) never appear in a message, and
 * userinfo in a URL is shown as "***".
 *
 * Every failure is one diag naming the repository and what failed.
 */
#ifndef SIPSYNC_GITSRC_H
#define SIPSYNC_GITSRC_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/source.h"

#define GITSRC_SHORT_LEN 7

struct gitsrc_opts {
	const char *url;	 /* required */
	const char *ref;	 /* NULL: "main" */
	const char *path;	 /* file or directory in the tree; NULL or
				    "" or ".": the root */
	const char *cache_root;	 /* the state dir; the cache goes in
				    CACHE_ROOT/git/ (created 0700) */
	const char *token;	 /* http(s) token or NULL (copied, wiped) */
	const char *ssh_key;	 /* private key file for ssh, or NULL */
	const char *known_hosts; /* NULL: $HOME/.ssh/known_hosts */
	const char *ca_cert;	 /* CA bundle for https instead of the system
				    store, or NULL. libgit2 keeps it process-
				    wide: the last one set wins */
	const char *secrets_dir; /* {file: PATH} secrets of this source
				    resolve inside this directory (the
				    base_dir of every file read); NULL:
				    the loader refuses them */
	long timeout_ms;	 /* a whole fetch; 0: 5 minutes; < 0: none.
				    With a limit a network fetch runs in a
				    child process killed at the deadline
				    (libgit2 has no network timeout of its
				    own); local paths and file:// have none.
				    The child restarts libgit2 (fresh TLS
				    randoms) and dies with its parent */
	bool verify_commits;	 /* gitsrc_verify refuses a commit not
				    signed by a trusted key */
	const char *allowed_signers; /* SSH signatures: an ssh-keygen
					allowed signers file, or NULL */
	const char *trusted_keys;    /* OpenPGP signatures: a keyring for
					gpgv (binary, or armored: then
					dearmored with gpg), or NULL */
};

struct gitsrc;

/* Opens (creating when needed) the cache repository for o->url. Copies
 * every option. Returns 0 and *out (free with gitsrc_free), or -1 with a
 * diag. Does not touch the network. */
int gitsrc_open(struct gitsrc **out, const struct gitsrc_opts *o,
		struct diag_list *diags);

void gitsrc_free(struct gitsrc *g);

/* Replaces the https token (NULL clears it), e.g. after SIGHUP. 0 or -1. */
int gitsrc_set_token(struct gitsrc *g, const char *token);

/* A fetch running in a child process is abandoned (the child killed, -1
 * with a "fetch cancelled" diag) as soon as fd is readable, e.g. the read
 * end of a pipe a stop signal writes to. -1 (the default): none. */
void gitsrc_set_cancel_fd(struct gitsrc *g, int fd);

/* Fetches every branch and tag from the remote into the cache (pruning
 * deleted branches), within the timeout. Returns 0, or -1 with a diag.
 * *seconds (may be NULL) receives the time the fetch took. */
int gitsrc_fetch(struct gitsrc *g, double *seconds, struct diag_list *diags);

/* Resolves the configured ref in the cache to a commit: full hex id into
 * out (41 bytes). Returns 0, or -1 with a diag. */
int gitsrc_resolve(struct gitsrc *g, char out[41], struct diag_list *diags);

/* Reads the YAML at the configured path from the tree of commit (full hex
 * id from gitsrc_resolve) into a new source (free with source_free) whose
 * info carries repo, ref, commit and path. Returns 0 and *out, or -1 with
 * a diag (path missing, not YAML, no YAML in a directory, ...). */
int gitsrc_read(struct gitsrc *g, const char *commit, struct source **out,
		struct diag_list *diags);

/* Whether the source was opened with verify_commits. */
bool gitsrc_verifies(const struct gitsrc *g);

/* With verify_commits: checks that commit (full hex id, in the cache) is
 * signed by a trusted key, its SSH signature with `ssh-keygen -Y verify -n
 * git` against allowed_signers, its OpenPGP signature with gpgv against
 * trusted_keys (gitsrc_verify.h says how). Only that commit is verified,
 * not its ancestors. Returns 0 (a note naming the signer added to diags),
 * or -1 with one error naming the commit and the reason: "commit 1a2b3c4:
 * not signed", "signed by a key not in FILE", "bad signature (...)",
 * "ssh-keygen failed: ...". Without verify_commits: 0, nothing added. */
int gitsrc_verify(struct gitsrc *g, const char *commit,
		  struct diag_list *diags);
/* As gitsrc_read for another path of the same tree (the sources of an
 * account, beside its accounts file). */
int gitsrc_read_path(struct gitsrc *g, const char *commit, const char *path,
		     struct source **out, struct diag_list *diags);

/* Whether commit descends from ancestor (full hex ids, both in the cache):
 * 1 yes (or the same commit), 0 no (a force push or a reset moved the ref
 * elsewhere), -1 when it cannot tell (an id not in the cache). */
int gitsrc_descends(struct gitsrc *g, const char *commit, const char *ancestor);

/* True when url carries credentials the command line would show to every
 * user of the machine: a password in any userinfo ("user:TOKEN@"), or any
 * userinfo at all in an http(s) URL (the user name is often the token, as
 * in https://TOKEN@host/). An ssh user name ("ssh://git@host", "git@host:
 * path") is no secret. */
bool gitsrc_url_has_credentials(const char *url);

/* The proxy a fetch of url goes through, read from the environment by
 * curl's rules (the API client's libcurl reads them itself): https:// uses
 * https_proxy or HTTPS_PROXY, else all_proxy / ALL_PROXY; no_proxy or
 * NO_PROXY lists hosts that go direct ("*" all; a name matches itself and
 * its subdomains, a leading dot ignored; an IPv4 or IPv6 address matches
 * itself; a.b.c.d/n an IPv4 range), compared without the port and
 * case-insensitively. A proxy without a scheme gets http://. Other schemes
 * never use a proxy: ssh, git, file and local paths have none, and
 * libgit2 1.5 reaches a proxy only by CONNECT, so plain http:// goes
 * direct. Returns 0 and *out (the proxy URL, caller frees, or NULL for a
 * direct connection), or -1 when out of memory. */
int gitsrc_proxy_for(const char *url, char **out);

/* One shot: open, fetch, resolve, verify (with verify_commits), read.
 * Returns 0 and *out, or -1. */
int gitsrc_load(struct source **out, const struct gitsrc_opts *o,
		struct diag_list *diags);

/* One shot: open, fetch, resolve o->ref to a full commit id in out (41
 * bytes), e.g. for `apply --plan` to check that the plan's commit is still
 * what the ref points at. Returns 0, or -1 with a diag. */
int gitsrc_resolve_ref(const struct gitsrc_opts *o, char out[41],
		       struct diag_list *diags);

/* True when ref pins commit: ref is a hex prefix (4..40 digits) of the full
 * id commit, so a moving branch cannot change what it names. */
bool gitsrc_ref_pins(const char *ref, const char *commit);

/* The URL as shown in messages: userinfo replaced by "***" (except a bare
 * ssh:// user name such as git@). Caller frees. */
char *gitsrc_display_url(const char *url);

/* The version of the libgit2 sipsync runs with ("1.5.1"), for `sipsync
 * version`. Static storage. */
const char *gitsrc_libgit2_version(void);

#endif
