#!/usr/bin/env bash
# sipsync probe against a handler that answers each failure kind Ultravox
# rejects a call for: each is a FAIL with a one-line reason and exit 1.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="broken-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
cat >"$SCRATCH/tests.yaml" <<'YAML'
routeTests:
  - name: night line
    to: night
    expect: fallback
YAML

expect_fail()
{
	local mode=$1 want=$2
	shift 2
	broken_start "$mode"
	probe_state "$HANDLER_URL"
	capture "$SIPSYNC" probe --offline "$@" "$SCRATCH/state.yaml"
	assert_eq "$rc" 1 "$mode: exit code ($out $err)"
	assert_contains "$out" "FAIL night line: $want" "$mode"
	assert_contains "$out" "probe: 0 passed, 1 failed" "$mode summary"
	assert_not_contains "$out$err" "$SIP_FALLBACK_SECRET" "$mode: secret"
}

expect_fail 500 "handler answered HTTP 500 (Ultravox needs 200)"
expect_fail html "Content-Type is 'text/html', not JSON"
expect_fail both "handler answered both startCall and reject (exactly one must be set)"
expect_fail code-range "reject.sipRejectCode 700 is out of range (400-699)"
expect_fail unknown-field "unknown field 'rejects' in the answer"
expect_fail redirect "POST http://127.0.0.1:"
assert_contains "$out" "answered 302, a redirect (not followed" "redirect reason"
# the handler sleeps 3 s; the probe gives up after 1 s
expect_fail slow "POST http://127.0.0.1:" --timeout 1s
assert_contains "$out" "/sip: no answer within 1000 ms (--timeout; Ultravox's own limit is undocumented)" "slow reason"

# the expectation: the handler answers reject 486, the test wants startCall
cat >"$SCRATCH/tests.yaml" <<'YAML'
routeTests:
  - name: night line
    to: night
    expect: {fallback: startCall}
YAML
expect_fail ok "expected startCall, handler answered reject 486"
echo "probe_broken: ok"
