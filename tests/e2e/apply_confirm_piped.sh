# `sipsync apply | tee log` on a terminal: stdin is the terminal, stdout a
# pipe. The question is still asked (on the terminal) and only "yes"
# applies; with stdin not a terminal it still refuses. Driven through a
# pseudo-terminal (python3 pty) with stdout redirected to a file, bounded
# in time.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$cfg"
piped="$SCRATCH/piped-stdout"

stdout_piped()
{ # stdout_piped ANSWER -> prints the terminal transcript, returns the status
	python3 - "$1" "$piped" "$SIPSYNC" apply "$cfg" --state-dir "$STATE_DIR" <<'PY'
import os, pty, select, sys, time
answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    # stdin and stderr stay on the terminal; stdout goes to a file (tee)
    out = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.execv(sys.argv[3], sys.argv[3:])
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
if not sent:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

rc=0
t=$(stdout_piped no) || rc=$?
assert_not_contains "$t" "not a terminal" "refused although stdin is a terminal"
assert_contains "$t" "Apply these changes? Only 'yes' is accepted:" "the question on the terminal"
assert_eq "$rc" 1 "answering no"
assert_contains "$t" "apply cancelled: nothing was changed" "cancel message"
assert_contains "$(cat "$piped")" "203.0.113.0/24" "the plan went to the pipe"
assert_eq "$(log_writes)" "" "nothing written after no"

rc=0
t=$(stdout_piped yes) || rc=$?
assert_eq "$rc" 0 "answering yes"
assert_contains "$(cat "$piped")" "Apply complete: 1 of 1 changes made." "applied after yes"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "live changed"

# stdin not a terminal (whatever stdout is): refused, nothing sent
sed -i 's|203.0.113.0/24|198.51.100.0/24|' "$cfg"
ss apply "$cfg"
assert_rc 1 "apply without a terminal"
assert_contains "$(err)" "refusing to apply without confirmation: not a terminal" "refusal"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "live unchanged"
exit 0
