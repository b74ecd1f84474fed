#!/usr/bin/env bash
# validate over an accounts file: -v names, per managed field, the file and
# line it came from and what an overlay overrode; without --account or
# --all it exits 64 listing the accounts; --all on desired state is a
# usage error too.
source "$SRC_DIR/tests/lib/cli.sh"
mkdir -p base staging
cat >accounts.yaml <<'YAML'
version: 1
accounts:
  - name: staging
    domain: acme-staging.sip.ultravox.ai
    sources: [base, staging]
    apiKey: {env: ULTRAVOX_API_KEY_STAGING}
  - name: prod
    domain: acme.sip.ultravox.ai
    sources: [base]
    apiKey: {env: ULTRAVOX_API_KEY_PROD}
YAML
cat >base/sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [91.200.160.14/32]
  allowAllAgents: false
YAML
cat >staging/sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [198.51.100.0/24]
YAML

sipsync_expect 0 validate --offline accounts.yaml --account staging -v
grep -qxF "sip.allowedCidrRanges: staging/sip.yaml:3:3 (overrides base/sip.yaml:3:3)" out ||
	fail "override not shown: $(cat out)"
grep -qxF "sip.allowAllAgents: base/sip.yaml:4:3" out || fail "base field not shown: $(cat out)"
sipsync_expect 0 validate --offline accounts.yaml --account prod -v
grep -qxF "sip.allowedCidrRanges: base/sip.yaml:3:3" out || fail "prod field: $(cat out)"

sipsync_expect 64 validate --offline accounts.yaml
same "$(cat err)" "sipsync: error: accounts.yaml is an accounts file: pick accounts with --account NAME or --all (accounts: staging, prod)" "no selection"
sipsync_expect 64 validate --offline accounts.yaml --account prd
same "$(cat err)" "sipsync: error: --account: no account 'prd' in accounts.yaml; did you mean 'prod'?" "unknown account"
sipsync_expect 64 validate --offline base/sip.yaml --all
grep -qF "need an accounts file" err || fail "--all on desired state: $(cat err)"

# an unknown key of the accounts file, at its place, with a did-you-mean
sed -i 's/    sources: \[base\]$/    source: [base]/' accounts.yaml
sipsync_expect 1 validate --offline accounts.yaml --all
grep -qF "accounts.yaml:9:5: error: accounts[1]: unknown key 'source'; did you mean 'sources'?" err ||
	fail "unknown key: $(cat err)"
echo "accounts_validate_overlay: ok"
