#include "reconcile/git/gitsrc_verify.h"
#include "reconcile/git/gitsrc.h"
#include "reconcile/git/gitsrc_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "reconcile/base/file.h"
#include "reconcile/base/proc.h"

/* ---- the pure parts ---- */

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

enum gitsrc_sig_kind gitsrc_verify_sig_kind(const char *sig, size_t len)
{
	while (len &&
	       (*sig == ' ' || *sig == '\t' || *sig == '\n' || *sig == '\r')) {
		sig++;
		len--;
	}
	if (!len)
		return GITSRC_SIG_NONE;
	if (starts_with(sig, len, "-----BEGIN SSH SIGNATURE-----"))
		return GITSRC_SIG_SSH;
	/* git's gpg.openpgp prefixes */
	if (starts_with(sig, len, "-----BEGIN PGP SIGNATURE-----") ||
	    starts_with(sig, len, "-----BEGIN PGP MESSAGE-----"))
		return GITSRC_SIG_PGP;
	return GITSRC_SIG_OTHER;
}

/* The rest of the status line after "[GNUPG:] KEYWORD ", or NULL. */
static const char *status_line(const char *status, const char *keyword)
{
	size_t n = strlen(keyword);
	for (const char *p = status; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "[GNUPG:] ", 9) == 0 &&
		    strncmp(p + 9, keyword, n) == 0 &&
		    (p[9 + n] == ' ' || p[9 + n] == '\n' || !p[9 + n]))
			return p[9 + n] == ' ' ? p + 10 + n : p + 9 + n;
	}
	return NULL;
}

/* The n-th (0-based) blank-separated word of a status line into out. */
static void status_word(const char *rest, int n, char *out, size_t size)
{
	out[0] = '\0';
	for (; rest && n > 0; n--) {
		rest = strchr(rest, ' ');
		rest = rest ? rest + 1 : NULL;
	}
	if (rest && size)
		snprintf(out, size, "%.*s", (int)strcspn(rest, " \n"), rest);
}

enum gitsrc_gpgv_outcome gitsrc_verify_gpgv_status(const char *status,
						   char *signer, size_t size)
{
	const char *good = status_line(status, "GOODSIG");
	const char *valid = status_line(status, "VALIDSIG");
	if (size)
		signer[0] = '\0';
	if (status_line(status, "BADSIG"))
		return GITSRC_GPGV_BAD;
	if (status_line(status, "REVKEYSIG"))
		return GITSRC_GPGV_REVOKED;
	if (status_line(status, "EXPKEYSIG") || status_line(status, "EXPSIG"))
		return GITSRC_GPGV_EXPIRED;
	if (status_line(status, "NO_PUBKEY"))
		return GITSRC_GPGV_NO_KEY;
	if (!good || !valid)
		return GITSRC_GPGV_UNKNOWN;
	char uid[200], fpr[64], line[256];
	const char *sp = strchr(good, ' ');
	proc_first_line(sp ? sp + 1 : "", uid, sizeof(uid));
	status_word(valid, 0, fpr, sizeof(fpr));
	proc_first_line(fpr, line, sizeof(line));
	if (size)
		snprintf(signer, size, "%s (key %s)", uid, line);
	return GITSRC_GPGV_GOOD;
}

/* ---- options ---- */

/* A key file: a regular file, kept as given (for messages) and as an
 * absolute path (for the verifier). */
static int key_file(const char *flag, const char *path, char **abs,
		    char **shown, struct diag_list *diags)
{
	char real[PATH_MAX];
	struct stat st;
	if (!path || !*path)
		return 0;
	if (!realpath(path, real) || stat(real, &st) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "%s %s: %s", flag, path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "%s %s: not a regular file", flag, path);
		return -1;
	}
	if (!(*abs = strdup(real)) || !(*shown = strdup(path))) {
		diag_add(diags, DIAG_ERROR, NULL, NULL, "git: out of memory");
		return -1;
	}
	return 0;
}

int gitsrc_verify_setup(struct gitsrc *g, const struct gitsrc_opts *o,
			struct diag_list *diags)
{
	if (!o->verify_commits)
		return 0;
	g->verify = true;
	if (key_file("--allowed-signers", o->allowed_signers,
		     &g->allowed_signers, &g->signers_shown, diags) != 0 ||
	    key_file("--trusted-keys", o->trusted_keys, &g->trusted_keys,
		     &g->keys_shown, diags) != 0)
		return -1;
	if (g->allowed_signers || g->trusted_keys)
		return 0;
	diag_add(diags, DIAG_ERROR, NULL, NULL,
		 "--verify-commits needs --allowed-signers FILE or "
		 "--trusted-keys FILE");
	return -1;
}

void gitsrc_verify_release(struct gitsrc *g)
{
	free(g->allowed_signers);
	free(g->trusted_keys);
	free(g->signers_shown);
	free(g->keys_shown);
}

bool gitsrc_verifies(const struct gitsrc *g)
{
	return g && g->verify;
}

/* ---- the private temporary directory ---- */

struct verify_ctx {
	struct gitsrc *g;
	char dir[PATH_MAX];  /* mkdtemp'd, 0700; "" when none */
	char home[PATH_MAX]; /* gpg's home inside it */
	char sig[PATH_MAX], payload[PATH_MAX];
	char keyring[PATH_MAX];	     /* what gpgv reads */
	char reason[PATH_MAX + 512]; /* why the commit is refused */
	char signer[300];	     /* who signed it, once verified */
};

static int tmp_path(const struct verify_ctx *v, const char *name, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", v->dir, name);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int make_dir(struct verify_ctx *v)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(v->dir, sizeof(v->dir), "%s/sipsync-verify-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
	if (n <= 0 || (size_t)n >= sizeof(v->dir) || !mkdtemp(v->dir)) {
		snprintf(v->reason, sizeof(v->reason),
			 "cannot create a temporary directory: %s",
			 strerror(errno));
		v->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* A new file in the directory (never an existing one or a link), with a
 * final newline added when nl and the data has none. */
static int write_tmp(struct verify_ctx *v, const char *path, const char *data,
		     size_t len, bool nl)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = fd >= 0 ? file_write_all(fd, data, len) : -1;
	if (rc == 0 && nl && (!len || data[len - 1] != '\n'))
		rc = file_write_all(fd, "\n", 1);
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	if (rc != 0)
		snprintf(v->reason, sizeof(v->reason), "cannot write %s: %s",
			 path, strerror(errno));
	return rc;
}

/* Removes dir and what the helpers left in it (gpg may make files and a
 * directory or two in its home). */
static void remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	while (d && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n <= 0 || (size_t)n >= sizeof(path))
			continue;
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4)
			remove_tree(path, depth + 1);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The signature and the signed payload into the directory. */
static int write_inputs(struct verify_ctx *v, const git_buf *sig,
			const git_buf *payload)
{
	if (make_dir(v) != 0)
		return -1;
	if (tmp_path(v, "signature", v->sig) != 0 ||
	    tmp_path(v, "payload", v->payload) != 0 ||
	    tmp_path(v, "gnupg", v->home) != 0) {
		snprintf(v->reason, sizeof(v->reason),
			 "temporary path too long");
		return -1;
	}
	if (mkdir(v->home, 0700) != 0) {
		snprintf(v->reason, sizeof(v->reason), "cannot create %s: %s",
			 v->home, strerror(errno));
		return -1;
	}
	if (write_tmp(v, v->sig, sig->ptr, sig->size, true) != 0)
		return -1;
	return write_tmp(v, v->payload, payload->ptr, payload->size, false);
}

/* ---- the verifiers ---- */

/* Runs a helper; -1 with "TOOL failed: why" as the reason when it did not
 * run to an end. */
static int run_tool(struct verify_ctx *v, const char *const argv[],
		    const char *in, struct proc_result *r)
{
	if (proc_run(argv, in, GITSRC_VERIFY_TIMEOUT_MS, r) == 0)
		return 0;
	snprintf(v->reason, sizeof(v->reason), "%s failed: %s", argv[0],
		 r->why);
	return -1;
}

static void tool_failed(struct verify_ctx *v, const char *tool,
			const struct proc_result *r)
{
	char line[256];
	proc_first_line(r->err, line, sizeof(line));
	snprintf(v->reason, sizeof(v->reason), "%s failed: %s", tool,
		 *line ? line : "no message");
}

/* The principal the allowed signers file lists for the signing key:
 * find-principals does not check the signature, only whose key it names. */
static int ssh_principal(struct verify_ctx *v, char *out, size_t size)
{
	const char *argv[] = {"ssh-keygen",
			      "-Y",
			      "find-principals",
			      "-f",
			      v->g->allowed_signers,
			      "-s",
			      v->sig,
			      NULL};
	struct proc_result r;
	int rc = run_tool(v, argv, NULL, &r);
	if (rc == 0 && r.status == 0)
		proc_first_line(r.out, out, size);
	if (rc == 0 && (r.status != 0 || !*out)) {
		rc = -1;
		if (strstr(r.err, "No principal matched") || r.status == 0)
			snprintf(v->reason, sizeof(v->reason),
				 "signed by a key not in %s",
				 v->g->signers_shown);
		else
			tool_failed(v, "ssh-keygen", &r);
	}
	proc_result_release(&r);
	return rc;
}

static int verify_ssh(struct verify_ctx *v)
{
	char principal[256] = "", line[256];
	if (!v->g->allowed_signers) {
		snprintf(v->reason, sizeof(v->reason),
			 "signed with an SSH key, but no --allowed-signers "
			 "FILE is given");
		return -1;
	}
	if (ssh_principal(v, principal, sizeof(principal)) != 0)
		return -1;
	const char *argv[] = {
	    "ssh-keygen", "-Y",	     "verify", "-f",  v->g->allowed_signers,
	    "-I",	  principal, "-n",     "git", "-s",
	    v->sig,	  NULL};
	struct proc_result r;
	int rc = run_tool(v, argv, v->payload, &r);
	if (rc == 0 && r.status != 0) {
		proc_first_line(*r.err ? r.err : r.out, line, sizeof(line));
		snprintf(v->reason, sizeof(v->reason),
			 "bad signature (ssh-keygen: %s)",
			 *line ? line : "verification failed");
		rc = -1;
	}
	if (rc == 0)
		snprintf(v->signer, sizeof(v->signer), "SSH signature by %s",
			 principal);
	proc_result_release(&r);
	return rc;
}

/* gpgv reads binary keyrings only: an armored one is dearmored into the
 * temporary directory. Sets v->keyring to the file to give gpgv. */
static int pgp_keyring(struct verify_ctx *v)
{
	static const char armor[] = "-----BEGIN PGP";
	char head[sizeof(armor)] = "";
	snprintf(v->keyring, sizeof(v->keyring), "%s", v->g->trusted_keys);
	FILE *fp = fopen(v->g->trusted_keys, "rb");
	size_t n = fp ? fread(head, 1, sizeof(head) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	if (n < sizeof(head) - 1 || memcmp(head, armor, n) != 0)
		return 0;
	if (tmp_path(v, "keyring.gpg", v->keyring) != 0)
		return -1;
	const char *argv[] = {
	    "gpg",	    "--homedir",	v->home,     "--batch",
	    "--no-options", "--quiet",		"--dearmor", "--output",
	    v->keyring,	    v->g->trusted_keys, NULL};
	struct proc_result r;
	int rc = run_tool(v, argv, NULL, &r);
	if (rc == 0 && r.status != 0) {
		tool_failed(v, "gpg --dearmor", &r);
		rc = -1;
	}
	proc_result_release(&r);
	return rc;
}

/* The refusal reason for a gpgv outcome other than good. */
static void pgp_reason(struct verify_ctx *v, enum gitsrc_gpgv_outcome o,
		       const struct proc_result *r)
{
	const char *why = NULL;
	switch (o) {
	case GITSRC_GPGV_BAD:
		why = "bad signature";
		break;
	case GITSRC_GPGV_EXPIRED:
		why = "signed by an expired key";
		break;
	case GITSRC_GPGV_REVOKED:
		why = "signed by a revoked key";
		break;
	case GITSRC_GPGV_NO_KEY:
		snprintf(v->reason, sizeof(v->reason),
			 "signed by a key not in %s", v->g->keys_shown);
		return;
	default:
		tool_failed(v, "gpgv", r);
		return;
	}
	snprintf(v->reason, sizeof(v->reason), "%s", why);
}

static int verify_pgp(struct verify_ctx *v)
{
	if (!v->g->trusted_keys) {
		snprintf(v->reason, sizeof(v->reason),
			 "signed with an OpenPGP key, but no --trusted-keys "
			 "FILE is given");
		return -1;
	}
	if (pgp_keyring(v) != 0)
		return -1;
	const char *argv[] = {
	    "gpgv",	 "--homedir", v->home, "--status-fd", "1",
	    "--keyring", v->keyring,  v->sig,  v->payload,    NULL};
	struct proc_result r;
	char who[sizeof(v->signer) - 32];
	if (run_tool(v, argv, NULL, &r) != 0) {
		proc_result_release(&r);
		return -1;
	}
	enum gitsrc_gpgv_outcome o =
	    gitsrc_verify_gpgv_status(r.out, who, sizeof(who));
	int rc = o == GITSRC_GPGV_GOOD && r.status == 0 ? 0 : -1;
	if (rc == 0)
		snprintf(v->signer, sizeof(v->signer),
			 "OpenPGP signature by %s", who);
	else
		pgp_reason(v, o == GITSRC_GPGV_GOOD ? GITSRC_GPGV_UNKNOWN : o,
			   &r);
	proc_result_release(&r);
	return rc;
}

/* The signature of commit, checked. 0, or -1 with v->reason. */
static int check_commit(struct verify_ctx *v, const git_oid *oid)
{
	git_buf sig = {0}, payload = {0};
	int rc = -1;
	int e = git_commit_extract_signature(&sig, &payload, v->g->repo,
					     (git_oid *)oid, NULL);
	enum gitsrc_sig_kind kind =
	    e == 0 ? gitsrc_verify_sig_kind(sig.ptr, sig.size)
		   : GITSRC_SIG_NONE;
	if (e != 0 && e != GIT_ENOTFOUND) {
		char msg[512];
		gitsrc_git_message(v->g, msg, sizeof(msg));
		snprintf(v->reason, sizeof(v->reason),
			 "cannot read its signature: %s", msg);
	} else if (kind == GITSRC_SIG_NONE) {
		snprintf(v->reason, sizeof(v->reason), "not signed");
	} else if (kind == GITSRC_SIG_OTHER) {
		snprintf(v->reason, sizeof(v->reason),
			 "signed in a format that is neither SSH nor "
			 "OpenPGP (x509?), which cannot be verified");
	} else if (write_inputs(v, &sig, &payload) == 0) {
		rc = kind == GITSRC_SIG_SSH ? verify_ssh(v) : verify_pgp(v);
	}
	git_buf_dispose(&sig);
	git_buf_dispose(&payload);
	return rc;
}

int gitsrc_verify(struct gitsrc *g, const char *commit, struct diag_list *diags)
{
	struct verify_ctx v = {.g = g};
	git_oid oid;
	git_commit *cm = NULL;
	char short_id[GITSRC_SHORT_LEN + 1];
	if (!g->verify)
		return 0;
	snprintf(short_id, sizeof(short_id), "%s", commit);
	int rc = -1;
	if (git_oid_fromstr(&oid, commit) != 0 ||
	    git_commit_lookup(&cm, g->repo, &oid) != 0)
		snprintf(v.reason, sizeof(v.reason), "not in the cache");
	else
		rc = check_commit(&v, &oid);
	git_commit_free(cm);
	if (v.dir[0])
		remove_tree(v.dir, 0);
	if (rc == 0)
		diag_add(diags, DIAG_NOTE, NULL, NULL,
			 "git: %s: commit %s: good %s", g->shown_url, short_id,
			 v.signer);
	else
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "git: %s: commit %s: %s (--verify-commits)",
			 g->shown_url, short_id, v.reason);
	return rc;
}
