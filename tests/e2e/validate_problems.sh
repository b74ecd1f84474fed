#!/usr/bin/env bash
# sipsync validate: a file with many problems: every one reported, sorted by place,
# with the summary; no literal secret printed; -q hides the summary.
source "$SRC_DIR/tests/lib/cli.sh"

# a file with many problems: every one reported, sorted by place
cat > bad.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [91.200.160.14/32, 203.0.113.7/24, 203.0.113.0/24, 1.2.3.4]
  allowAllAgent: false
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^(sales$'
  fallbackHandler:
    url: http://hooks.example.com/sip
    secrets: [literal-Value-555]
YAML
sipsync_expect 1 validate --offline bad.yaml
same "$(cat err)" "bad.yaml:3:41: warning: sip.allowedCidrRanges[1]: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24
bad.yaml:3:57: error: sip.allowedCidrRanges[2]: duplicate CIDR range 203.0.113.0/24; first defined at bad.yaml:3:41
bad.yaml:3:73: error: sip.allowedCidrRanges[3]: '1.2.3.4' is not an ipv4-cidr: missing /prefix (write a.b.c.d/32 for one address)
bad.yaml:4:3: error: sip: unknown key 'allowAllAgent'; did you mean 'allowAllAgents'?
bad.yaml:7:22: error: sip.allowedAgents[0].toUserPattern: regex does not compile: missing closing parenthesis at offset 8
bad.yaml:9:10: warning: sip.fallbackHandler.url: 'http://hooks.example.com/sip' uses plain http; the webhook and its signature travel unencrypted (use https)
bad.yaml:10:15: warning: sip.fallbackHandler.secrets[0]: literal secret; use {env: NAME} or {file: PATH}" "bad.yaml diagnostics"
same "$(cat out)" "invalid: 1 file, 4 errors, 3 warnings" "bad.yaml summary"
! grep -q literal-Value-555 out err || fail "literal secret printed"
sipsync_expect 1 validate --offline -q bad.yaml
same "$(cat out)" "" "-q hides the summary"
echo "validate_problems: ok"
