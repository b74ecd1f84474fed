#!/usr/bin/env bash
# sipsync validate: warnings alone exit 0, --strict makes them errors, also the
# route lint's findings.
source "$SRC_DIR/tests/lib/cli.sh"

# warnings only: exit 0; --strict makes them errors
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.1/8]\n' > warn.yaml
sipsync_expect 0 validate --offline warn.yaml
same "$(cat out)" "valid: 1 file, 0 errors, 1 warning" "warning summary"
sipsync_expect 1 validate --offline --strict warn.yaml
same "$(cat err)" "warn.yaml:3:23: error: sip.allowedCidrRanges[0]: 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8" "strict"

# the route lint runs after a successful load: its findings are reported
# (warnings; errors with --strict)
cat > shadow.yaml <<'YAML'
version: 1
sip:
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '.*'
    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
      toUserPattern: '^sales$'
YAML
sipsync_expect 0 validate --offline shadow.yaml
grep -q '^shadow.yaml:7:22: warning: sip.allowedAgents\[1\].toUserPattern: never matches' err ||
  fail "route lint warning missing: $(cat err)"
sipsync_expect 1 validate --offline --strict shadow.yaml
grep -q '^shadow.yaml:7:22: error: sip.allowedAgents\[1\].toUserPattern: never matches' err ||
  fail "route lint --strict: $(cat err)"
echo "validate_strict: ok"
