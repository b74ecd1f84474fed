/*
 * gitsrc_verify: what --verify-commits checks of a commit (gitsrc_verify
 * in gitsrc.h), and the pure parts of it, public for the unit tests.
 *
 * The signature and the signed payload (the commit object without its
 * gpgsig header) come from libgit2's git_commit_extract_signature and are
 * written to a private temporary directory (mkdtemp, 0700, removed
 * afterwards). The armor tells the kind. The verifier runs without a
 * shell, within GITSRC_VERIFY_TIMEOUT_MS:
 *
 * SSH: `ssh-keygen -Y find-principals -f ALLOWED -s SIG` names the
 * principal the allowed signers file lists for the signing key (as `git
 * verify-commit` does; no principal: the key is not trusted), then
 * `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n git -s SIG < PAYLOAD`
 * checks the signature itself, in the "git" namespace, with the validity
 * window of the file's entry taken at the time of the check.
 *
 * OpenPGP: `gpgv --homedir TMP --status-fd 1 --keyring KEYRING SIG
 * PAYLOAD` (an armored keyring is first dearmored with `gpg --dearmor`
 * into the temporary directory); only a GOODSIG with a VALIDSIG and exit
 * 0 passes.
 */
#ifndef SIPSYNC_GITSRC_VERIFY_H
#define SIPSYNC_GITSRC_VERIFY_H

#include <stddef.h>

#define GITSRC_VERIFY_TIMEOUT_MS (30L * 1000)

enum gitsrc_sig_kind {
	GITSRC_SIG_NONE,  /* empty */
	GITSRC_SIG_SSH,	  /* -----BEGIN SSH SIGNATURE----- */
	GITSRC_SIG_PGP,	  /* -----BEGIN PGP SIGNATURE----- (or MESSAGE) */
	GITSRC_SIG_OTHER, /* anything else (x509, garbage) */
};

/* The kind of an armored signature (len bytes, not NUL-terminated; leading
 * blanks skipped). */
enum gitsrc_sig_kind gitsrc_verify_sig_kind(const char *sig, size_t len);

enum gitsrc_gpgv_outcome {
	GITSRC_GPGV_GOOD,    /* GOODSIG and VALIDSIG */
	GITSRC_GPGV_BAD,     /* BADSIG: the payload or signature altered */
	GITSRC_GPGV_NO_KEY,  /* NO_PUBKEY: not in the keyring */
	GITSRC_GPGV_EXPIRED, /* EXPKEYSIG or EXPSIG */
	GITSRC_GPGV_REVOKED, /* REVKEYSIG */
	GITSRC_GPGV_UNKNOWN, /* none of these: a gpgv failure */
};

/* Reads gpgv's --status-fd output (lines "[GNUPG:] KEYWORD ..."). With
 * GOOD, signer (size bytes) receives the user id of the GOODSIG line and
 * the fingerprint of the VALIDSIG line: "Test <t@example.com> (key
 * EE18...)". A bad, expired or revoked mark wins over a good one. */
enum gitsrc_gpgv_outcome gitsrc_verify_gpgv_status(const char *status,
						   char *signer, size_t size);

#endif
