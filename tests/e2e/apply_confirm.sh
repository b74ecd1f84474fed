# On a terminal apply shows the plan (in colour) and asks; only "yes"
# applies. Driven through a pseudo-terminal (python3 pty), bounded in time.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$cfg"

on_tty()
{ # on_tty ANSWER -> prints the transcript, returns sipsync's status
	python3 - "$1" "$SIPSYNC" apply "$cfg" --state-dir "$STATE_DIR" <<'PY'
import os, pty, select, sys, time
answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
buf, sent, deadline = b"", False, time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    if not sent and b"Only 'yes' is accepted:" in buf:
        os.write(fd, answer)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

rc=0
t=$(on_tty no) || rc=$?
assert_eq "$rc" 1 "answering no"
assert_contains "$t" "Apply these changes? Only 'yes' is accepted:" "the question"
assert_contains "$t" $'\033[' "colour on a terminal"
assert_contains "$t" "apply cancelled: nothing was changed" "cancel message"
assert_eq "$(log_writes)" "" "nothing written after no"

rc=0
t=$(on_tty yes) || rc=$?
assert_eq "$rc" 0 "answering yes"
assert_contains "$t" "Apply complete: 1 of 1 changes made." "applied after yes"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "live changed"

# no colour when not a terminal
ss plan "$cfg"
assert_not_contains "$(out)" $'\033[' "no colour in a pipe"
ss plan "$cfg" --color always
sed -i 's|203.0.113.0/24|198.51.100.0/24|' "$cfg"
ss plan "$cfg" --color always
assert_contains "$(out)" $'\033[' "--color always"
exit 0
