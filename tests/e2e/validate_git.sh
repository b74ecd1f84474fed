#!/usr/bin/env bash
# sipsync validate: a git source (--repo/--ref/--path) validates like a directory;
# places name the file at its commit.
source "$SRC_DIR/tests/lib/cli.sh"

# a git source (--repo/--ref/--path) validates like a directory; places
# name the file at its commit
git init -q -b main repo
mkdir repo/conf && cp "$SRC_DIR"/examples/multi/*.yaml repo/conf/
printf 'version: 1\nregistrations:\n  items:\n    - {username: ultravox-sales, proxy: PBX.example.com, password: {env: P}}\n' > repo/conf/30-dup.yaml
git -C repo add . && git -C repo -c user.email=t@example.com -c user.name=t commit -qm init
short=$(git -C repo rev-parse --short=7 HEAD)
sipsync_expect 1 validate --offline --repo "file://$SCRATCH/repo" --ref main --path conf --state-dir "$SCRATCH/state"
same "$(cat err)" "conf/30-dup.yaml@$short:4:7: error: registrations.items[0]: duplicate registration ultravox-sales@pbx.example.com; first defined at conf/10-registrations-sales.yaml@$short:6:7" "git source"
same "$(cat out)" "invalid: 5 files, 1 error, 0 warnings" "git summary"
echo "validate_git: ok"
