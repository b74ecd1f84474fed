# issue 17: the state file is saved beside the writes, not between them.
# On a disk whose fsync takes 50 ms (tests/lib/slowfsync.c, LD_PRELOAD),
# an apply of 40 creates must not sync the state file once per create
# (2 fsyncs a save: 80 or more, and at least 4 s spent waiting on the
# disk between writes); the saves coalesce while the writes go on. Every
# password is still recorded: the re-run finds nothing unknown.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
shim="$UNIT_DIR/libslowfsync.so"
[ -f "$shim" ] || fail "no $shim (tests/CMakeLists.txt builds it)"
sim_start
export PW_ALL="Pw-$RANDOM$RANDOM-secret"
cfg="$SCRATCH/sip.yaml"
n=40
{
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in $(seq 1 $n); do
		printf '    - {username: user%02d, proxy: pbx.example.com, password: {env: PW_ALL}}\n' "$i"
	done
} >"$cfg"
mkdir -p "$STATE_DIR"
synclog="$SCRATCH/syncs"
rm -f "$synclog"
# the shim is not built with the sanitizers: let an ASan build load it first
RC=0
LD_PRELOAD="$shim" SLOWFSYNC_MS=50 SLOWFSYNC_LOG="$synclog" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	"$SIPSYNC" apply "$cfg" --auto-approve --state-dir "$STATE_DIR" \
	>"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
assert_rc 0 "apply on a slow disk"
assert_contains "$(out)" "Apply complete: $n of $n changes made." "all created"
syncs=$(wc -l <"$synclog")
[ "$syncs" -gt 0 ] || fail "the shim saw no fsync: is it loaded?"
[ "$syncs" -lt "$n" ] ||
	fail "$syncs fsyncs for $n creates: the state file was saved once per write, in the writes' way"
recorded=$(python3 - "$STATE_DIR" <<'PY'
import glob, json, sys
print(sum(len(json.load(open(f))["fingerprints"]) for f in glob.glob(sys.argv[1] + "/*.json")))
PY
)
assert_eq "$recorded" "$n" "every password recorded"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged, nothing unknown"
assert_not_contains "$(out)" "unknown (write-only)" "no unknown password"
exit 0
