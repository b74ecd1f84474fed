#!/usr/bin/env bash
# sipsync probe --url: a staging copy of the handler; https:// is required
# unless the host is a loopback address; no handler URL at all, or no
# secrets to sign with, is a clear error.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="url-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
example_start
probe_state "https://hooks.example.invalid/sip"

# --url replaces the desired state's URL (the secrets stay)
capture "$SIPSYNC" probe --url "$HANDLER_URL" "$SCRATCH/state.yaml"
assert_eq "$rc" 0 "--url exit ($out $err)"
assert_contains "$out" "PASS default call" "--url used"

capture "$SIPSYNC" probe --url "http://hooks.example.com/sip" "$SCRATCH/state.yaml"
assert_eq "$rc" 1 "http exit"
assert_contains "$err" "refusing to probe hooks.example.com over http:// (use https://" "http refused"

cat >"$SCRATCH/nofh.yaml" <<'YAML'
version: 1
sip:
  allowAllAgents: true
YAML
capture "$SIPSYNC" probe "$SCRATCH/nofh.yaml"
assert_eq "$rc" 1 "no handler exit"
assert_contains "$err" "sets no sip.fallbackHandler.url (pass --url)" "no handler"
capture "$SIPSYNC" probe --url "$HANDLER_URL" "$SCRATCH/nofh.yaml"
assert_eq "$rc" 1 "no secrets exit"
assert_contains "$err" "sip.fallbackHandler.secrets is not set" "no secrets"

capture "$SIPSYNC" probe --repeat 0 "$SCRATCH/state.yaml"
assert_eq "$rc" 64 "--repeat 0"
echo "probe_url: ok"
