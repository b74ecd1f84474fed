/* gitsrc_verify: telling SSH from OpenPGP by the armor, reading gpgv's
 * status lines, the options, and gitsrc_verify on commits made with the
 * git command line: unsigned, signed in an unknown format, and signed
 * with SSH while ssh-keygen cannot be run (a verifier failure). HOME
 * points into the scratch directory: ~/.ssh is never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reconcile/base/proc.h"
#include "reconcile/git/gitsrc.h"
#include "reconcile/git/gitsrc_verify.h"

static char scratch[256], repo[512], state[512], signers[512];

/* Runs script with sh, $1 the repository, $2 the scratch directory and $3
 * the allowed signers file: the paths reach the script as arguments,
 * never pasted into it. Returns its exit status. */
static int shell(const char *script)
{
	const char *argv[] = {"sh", "-c",    script,  "sh",
			      repo, scratch, signers, NULL};
	struct proc_result r;
	int rc = proc_run(argv, NULL, 60000, &r) == 0 ? r.status : -1;
	if (rc != 0)
		print_error("%s: %s%s\n", script, r.err ? r.err : "", r.why);
	proc_result_release(&r);
	return rc;
}

#define GIT                                                                    \
	"git -c user.name=t -c user.email=t@e -c init.defaultBranch=main "     \
	"-c commit.gpgsign=false "

static void test_sig_kind(void **state_)
{
	(void)state_;
	static const struct {
		const char *sig;
		enum gitsrc_sig_kind want;
	} cases[] = {
	    {"", GITSRC_SIG_NONE},
	    {" \n", GITSRC_SIG_NONE},
	    {"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", GITSRC_SIG_SSH},
	    {"\n-----BEGIN SSH SIGNATURE-----", GITSRC_SIG_SSH},
	    {"-----BEGIN PGP SIGNATURE-----\n\niQ\n", GITSRC_SIG_PGP},
	    {"-----BEGIN PGP MESSAGE-----\n", GITSRC_SIG_PGP},
	    {"-----BEGIN SIGNED MESSAGE-----\n", GITSRC_SIG_OTHER},
	    {"-----BEGIN SSH SIGNATUR", GITSRC_SIG_OTHER},
	    {"garbage", GITSRC_SIG_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (gitsrc_verify_sig_kind(
			cases[i].sig, strlen(cases[i].sig)) != cases[i].want)
			fail_msg("case %zu: '%s'", i, cases[i].sig);
}

static void test_gpgv_status(void **state_)
{
	(void)state_;
	char who[128];
	const char *good =
	    "[GNUPG:] NEWSIG t@example.com\n"
	    "[GNUPG:] GOODSIG 6663B811F010505D Test <t@example.com>\n"
	    "[GNUPG:] VALIDSIG EE18723CFF33F57D0084B3866663B811F010505D "
	    "2026-12-02 1796194723 0 4 0 22 8 00 "
	    "EE18723CFF33F57D0084B3866663B811F010505D\n";
	assert_int_equal(gitsrc_verify_gpgv_status(good, who, sizeof(who)),
			 GITSRC_GPGV_GOOD);
	assert_string_equal(who, "Test <t@example.com> (key "
				 "EE18723CFF33F57D0084B3866663B811F010505D)");
	static const struct {
		const char *status;
		enum gitsrc_gpgv_outcome want;
	} cases[] = {
	    {"", GITSRC_GPGV_UNKNOWN},
	    {"[GNUPG:] BADSIG 6663B811F010505D Test <t@example.com>\n",
	     GITSRC_GPGV_BAD},
	    {"[GNUPG:] ERRSIG 6663B811F010505D 22 8 00 1796194723 9 EE18\n"
	     "[GNUPG:] NO_PUBKEY 6663B811F010505D\n",
	     GITSRC_GPGV_NO_KEY},
	    {"[GNUPG:] EXPKEYSIG 6663B811F010505D Test\n"
	     "[GNUPG:] VALIDSIG EE18 x\n",
	     GITSRC_GPGV_EXPIRED},
	    {"[GNUPG:] REVKEYSIG 6663B811F010505D Test\n"
	     "[GNUPG:] VALIDSIG EE18 x\n",
	     GITSRC_GPGV_REVOKED},
	    /* a good mark alone, without VALIDSIG, is not enough */
	    {"[GNUPG:] GOODSIG 6663B811F010505D Test\n", GITSRC_GPGV_UNKNOWN},
	    /* a keyword only counts at the start of a status line */
	    {"gpgv: [GNUPG:] GOODSIG x\n[GNUPG:] VALIDSIG y\n",
	     GITSRC_GPGV_UNKNOWN},
	    /* a bad mark wins over a good one */
	    {"[GNUPG:] GOODSIG A T\n[GNUPG:] VALIDSIG B\n[GNUPG:] BADSIG A T\n",
	     GITSRC_GPGV_BAD},
	    /* GOODSIGX is not GOODSIG */
	    {"[GNUPG:] GOODSIGX A T\n[GNUPG:] VALIDSIG B\n",
	     GITSRC_GPGV_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (gitsrc_verify_gpgv_status(cases[i].status, who,
					      sizeof(who)) != cases[i].want)
			fail_msg("case %zu: '%s'", i, cases[i].status);
}

static int setup(void **state_)
{
	(void)state_;
	snprintf(scratch, sizeof(scratch), "/tmp/test_gitsrc_verify.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	snprintf(repo, sizeof(repo), "%s/repo", scratch);
	snprintf(state, sizeof(state), "%s/state", scratch);
	snprintf(signers, sizeof(signers), "%s/allowed_signers", scratch);
	setenv("HOME", scratch, 1);
	return shell(GIT
		     "init -q \"$1\" && echo 'version: 1' >\"$1/sip.yaml\" && "
		     "ssh-keygen -q -t ed25519 -N '' -f \"$2/key\" && "
		     "printf 'ops@example.com %s\\n' \"$(cat \"$2/key.pub\")\" "
		     ">\"$3\"");
}

static int teardown(void **state_)
{
	(void)state_;
	return shell("rm -rf \"$2\"");
}

/* gitsrc_verify on the tip of main; the one diag's message into msg. */
static int verify_main(char *msg, size_t size)
{
	struct gitsrc_opts o = {.url = repo,
				.cache_root = state,
				.verify_commits = true,
				.allowed_signers = signers};
	struct gitsrc *g = NULL;
	struct diag_list d = {0};
	char commit[41];
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), 0);
	assert_int_equal(gitsrc_resolve(g, commit, &d), 0);
	assert_true(gitsrc_verifies(g));
	int rc = gitsrc_verify(g, commit, &d);
	assert_int_equal(d.len, 1);
	snprintf(msg, size, "%s", d.items[0].message);
	diag_list_clear(&d);
	gitsrc_free(g);
	return rc;
}

static void expect_refusal(const char *want)
{
	char msg[1024];
	assert_int_equal(verify_main(msg, sizeof(msg)), -1);
	if (!strstr(msg, want))
		fail_msg("'%s' lacks '%s'", msg, want);
}

static void test_unsigned(void **state_)
{
	(void)state_;
	assert_int_equal(
	    shell("cd \"$1\" && " GIT "add -A && " GIT "commit -q -m unsigned"),
	    0);
	expect_refusal(": not signed (--verify-commits)");
}

/* a gpgsig header that is neither SSH nor OpenPGP (as gpgsm writes) */
static void test_unknown_format(void **state_)
{
	(void)state_;
	assert_int_equal(
	    shell(
		"cd \"$1\" && git cat-file commit HEAD | "
		"sed '/^committer /a gpgsig -----BEGIN SIGNED MESSAGE-----\\n "
		"MIAGCSqGSIb3DQEHAqCAMIACAQEx\\n -----END SIGNED MESSAGE-----' "
		">\"$2/c\" && git update-ref refs/heads/main "
		"\"$(git hash-object -t commit -w \"$2/c\")\""),
	    0);
	expect_refusal(": signed in a format that is neither SSH nor OpenPGP");
}

/* the verifier cannot run: refused, never waved through */
static void test_verifier_missing(void **state_)
{
	(void)state_;
	assert_int_equal(
	    shell("cd \"$1\" && echo 'version: 1 ' >sip.yaml && " GIT
		  "add -A && " GIT "-c gpg.format=ssh -c "
		  "user.signingkey=\"$2/key\" commit -q -S -m signed"),
	    0);
	char msg[1024];
	assert_int_equal(verify_main(msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, ": good SSH signature by ops@example.com"));
	char *path = strdup(getenv("PATH"));
	setenv("PATH", "/nonexistent", 1);
	expect_refusal(": ssh-keygen failed: cannot run ssh-keygen: No such "
		       "file or directory (--verify-commits)");
	setenv("PATH", path, 1);
	free(path);
}

static void test_options(void **state_)
{
	(void)state_;
	struct gitsrc_opts o = {
	    .url = repo, .cache_root = state, .verify_commits = true};
	struct gitsrc *g = NULL;
	struct diag_list d = {0};
	assert_int_equal(gitsrc_open(&g, &o, &d), -1);
	assert_string_equal(d.items[0].message,
			    "--verify-commits needs --allowed-signers FILE "
			    "or --trusted-keys FILE");
	diag_list_clear(&d);
	o.trusted_keys = "/nonexistent/keyring.gpg";
	assert_int_equal(gitsrc_open(&g, &o, &d), -1);
	assert_string_equal(d.items[0].message,
			    "--trusted-keys /nonexistent/keyring.gpg: No such "
			    "file or directory");
	diag_list_clear(&d);
	o.trusted_keys = NULL;
	o.allowed_signers = scratch;
	assert_int_equal(gitsrc_open(&g, &o, &d), -1);
	assert_non_null(strstr(d.items[0].message, ": not a regular file"));
	diag_list_clear(&d);
	/* without verify_commits nothing is checked */
	o.verify_commits = false;
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_false(gitsrc_verifies(g));
	assert_int_equal(
	    gitsrc_verify(g, "0000000000000000000000000000000000000000", &d),
	    0);
	assert_int_equal(d.len, 0);
	gitsrc_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sig_kind),
	    cmocka_unit_test(test_gpgv_status),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_unknown_format),
	    cmocka_unit_test(test_verifier_missing),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
