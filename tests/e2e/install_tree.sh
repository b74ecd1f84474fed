#!/usr/bin/env bash
# cmake --install honours DESTDIR and --prefix and lays out the binaries,
# man pages, bash/zsh/fish completion, schemas and examples; the installed
# binary runs.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
build=$(dirname "$SIPSYNC")
command -v cmake >/dev/null || { echo "install_tree: skip: no cmake"; exit 77; }
rm -rf dest
DESTDIR=$SCRATCH/dest cmake --install "$build" --prefix /opt/sipsync >install.log 2>&1 ||
	{ cat install.log >&2; fail "cmake --install"; }
p=$SCRATCH/dest/opt/sipsync
want=(bin/sipsync bin/sipsync-sim
	share/bash-completion/completions/sipsync
	share/zsh/vendor-completions/_sipsync
	share/fish/vendor_completions.d/sipsync.fish
	share/sipsync/sipsync.schema.json share/sipsync/plan.schema.json
	share/sipsync/policy.schema.json
	share/doc/sipsync/examples/full.yaml share/doc/sipsync/examples/multi/00-account.yaml
	share/doc/sipsync/examples/github/sipsync.yml
	share/doc/sipsync/examples/systemd/sipsync-agent.service)
if [ -d "$build/man" ]; then
	want+=(share/man/man1/sipsync.1 share/man/man1/sipsync-sim.1 share/man/man5/sipsync.yaml.5)
fi
for f in "${want[@]}"; do
	[ -f "$p/$f" ] || fail "cmake --install did not install $f (under DESTDIR/prefix): $(cd "$p" && find . -type f | sort)"
done
[ -z "$(find "$SCRATCH/dest" -mindepth 1 -maxdepth 1 ! -name opt)" ] || fail "files outside the prefix: $(find "$SCRATCH/dest" -maxdepth 2)"
"$p/bin/sipsync" version >out || fail "the installed sipsync does not run"
assert_contains "$(head -n1 out)" "sipsync " "installed sipsync version"
"$p/bin/sipsync" validate --offline "$p/share/doc/sipsync/examples/full.yaml" >/dev/null 2>&1 ||
	fail "the installed example does not validate"
echo "install_tree: ok (${#want[@]} files)"
