# Signed commits for the --verify-commits tests. Source after sim.sh and
# agent.sh, and call agent_trap after sim_start. Everything lives in $SCRATCH: HOME and GNUPGHOME point there,
# so ~/.ssh and ~/.gnupg are never read or written.
#
#   sign_ssh_setup        SSH keys $SIGN/trusted and $SIGN/other (ed25519,
#                         no passphrase); $SIGN/allowed_signers lists the
#                         trusted one for ops@example.com
#   sign_gpg_setup        two throw-away OpenPGP keys, trusted@example.com
#                         and other@example.com; the trusted public key in
#                         $SIGN/trusted.gpg (binary) and $SIGN/trusted.asc
#                         (armored)
#   ssh_commit DIR MSG KEY   commit everything, SSH-signed with KEY (a
#                         private key file); prints the id
#   gpg_commit DIR MSG UID   likewise, OpenPGP-signed by UID's key
#   tamper_head DIR       rewrite HEAD's commit object with the tree of
#                         DIR's work tree but the same headers and gpgsig,
#                         and move main to it (the signed payload altered:
#                         the signature no longer matches); prints the id

SIGN="$SCRATCH/signing"
rm -rf "$SIGN"
mkdir -p "$SIGN/home"
export HOME="$SIGN/home"
export GNUPGHOME="$SIGN/gnupg"
unset SSH_AUTH_SOCK

sign_ssh_setup()
{
	local k
	for k in trusted other; do
		ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$SIGN/$k" ||
			fail "ssh-keygen $k"
	done
	printf 'ops@example.com namespaces="git" %s\n' "$(cat "$SIGN/trusted.pub")" \
		>"$SIGN/allowed_signers"
}

sign_gpg_setup()
{
	local u
	mkdir -m 700 "$GNUPGHOME"
	# gpg starts an agent for this home: stopped on exit (needs agent_trap)
	cleanup_add 'gpgconf --kill all'
	for u in trusted other; do
		gpg --batch --quiet --passphrase '' --quick-gen-key \
			"$u <$u@example.com>" ed25519 sign never 2>/dev/null ||
			fail "gpg key $u"
	done
	gpg --batch --export trusted@example.com >"$SIGN/trusted.gpg"
	gpg --batch --armor --export trusted@example.com >"$SIGN/trusted.asc"
	[ -s "$SIGN/trusted.gpg" ] || fail "gpg export"
}

ssh_commit()
{
	(cd "$1" && "${GITC[@]}" add -A &&
		"${GITC[@]}" -c gpg.format=ssh -c user.signingkey="$3" \
			commit -q -S -m "$2") || fail "ssh-signed commit in $1"
	git -C "$1" rev-parse HEAD
}

gpg_commit()
{
	(cd "$1" && "${GITC[@]}" add -A &&
		"${GITC[@]}" -c gpg.format=openpgp -c user.signingkey="$3" \
			commit -q -S -m "$2") || fail "gpg-signed commit in $1"
	git -C "$1" rev-parse HEAD
}

tamper_head()
{
	local id tree
	(cd "$1" && "${GITC[@]}" add -A) || fail "git add"
	tree=$(git -C "$1" write-tree) || fail "write-tree"
	git -C "$1" cat-file commit HEAD >"$SIGN/commit.txt" || fail "cat-file"
	grep -q '^gpgsig ' "$SIGN/commit.txt" || fail "HEAD is not signed"
	# the work tree's content under HEAD's headers and signature
	sed -i "1 s/^tree .*/tree $tree/" "$SIGN/commit.txt"
	id=$(git -C "$1" hash-object -t commit -w "$SIGN/commit.txt") ||
		fail "hash-object"
	git -C "$1" update-ref refs/heads/main "$id" || fail "update-ref"
	echo "$id"
}
