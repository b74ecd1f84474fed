/*
 * gitsrc_int: what gitsrc.c (the cache and tree reading) and
 * gitsrc_fetch.c (the fetch) share. Private to reconcile/git/: nothing
 * outside this folder includes it (tests/contract/layers.sh checks).
 */
#ifndef SIPSYNC_GITSRC_INT_H
#define SIPSYNC_GITSRC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <git2.h>

#include "reconcile/base/diag.h"
#include "reconcile/git/gitsrc.h"

struct gitsrc {
	git_repository *repo;
	char *url;	 /* as given to libgit2 (local paths made absolute) */
	char *shown_url; /* for messages: userinfo hidden */
	char *ref, *path;
	char *token, *ssh_key, *known_hosts;
	char *ca_cert;	   /* re-applied in a fetch child (libgit2 re-init) */
	char *secrets_dir; /* base_dir of every file read, or NULL */
	char *cache_path;  /* the bare cache repository */
	char *ssh_host;
	int cancel_fd; /* readable: abandon a fetch in a child; -1: none */
	int ssh_port;
	long timeout_ms; /* whole fetch; <= 0: no limit (in process) */

	bool verify;	       /* --verify-commits */
	char *allowed_signers; /* absolute paths (gpgv reads a bare name */
	char *trusted_keys;    /* in its home), or NULL */
	char *signers_shown;   /* the paths as given, for messages */
	char *keys_shown;

	/* set by the callbacks during one fetch */
	int cred_attempts;
	bool auth_failed, no_creds, hostkey_refused, cert_refused;
};

/* The last libgit2 message into buf, with the token and URL credentials
 * never shown. */
void gitsrc_git_message(const struct gitsrc *g, char *buf, size_t size);

/* The authority of scheme://authority/...: start and *len, or NULL. */
const char *gitsrc_url_authority(const char *url, size_t *len);

/* gitsrc_verify.c: takes the verification options of o into g (the key
 * files must be regular files). Returns 0, or -1 with a diag. */
int gitsrc_verify_setup(struct gitsrc *g, const struct gitsrc_opts *o,
			struct diag_list *diags);

/* Frees what gitsrc_verify_setup set. */
void gitsrc_verify_release(struct gitsrc *g);

#endif
