# plan on an empty account (exit 2 with --detailed-exitcode), apply, plan
# again (no changes, exit 0), then a one-CIDR change sends exactly one
# PATCH holding only allowedCidrRanges; a second apply sends nothing.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW_ALICE="alice-pw-$RANDOM$RANDOM" FB_ONE="fb-secret-$RANDOM$RANDOM"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
account:
  domain: sim.sip.ultravox.ai
sip:
  allowedCidrRanges: [203.0.113.0/24]
  allowAllAgents: false
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^sales$'
  fallbackHandler:
    url: https://hooks.example.com/sip
    secrets: [{env: FB_ONE}]
registrations:
  items:
    - username: alice
      proxy: pbx.example.com
      password: {env: PW_ALICE}
YAML

ss plan "$cfg" --detailed-exitcode
assert_rc 2 "plan on an empty account"
assert_contains "$(out)" "~ sip config (sim.sip.ultravox.ai)" "sip header"
assert_contains "$(out)" "      + 203.0.113.0/24" "cidr added"
assert_contains "$(out)" "allowedAgents[0] + 0b6f3c1e" "agent added"
assert_contains "$(out)" "fallbackHandler.secrets: (sensitive value set)" "secret line"
assert_contains "$(out)" "+ registration alice@pbx.example.com" "registration"
assert_contains "$(out)" "Plan: 1 to create, 1 to update, 0 to delete." "summary"
ss plan "$cfg"
assert_rc 0 "plan without --detailed-exitcode"
assert_eq "$(log_writes)" "" "plan wrote nothing"

ss apply "$cfg"
assert_rc 1 "apply without a TTY and without --auto-approve"
assert_contains "$(err)" "refusing to apply without confirmation" "no-TTY refusal"
assert_eq "$(log_writes)" "" "refused apply wrote nothing"

ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
assert_contains "$(out)" "  done    ~ sip config (sim.sip.ultravox.ai)" "sip step"
assert_contains "$(out)" "  done    + registration alice@pbx.example.com" "registration step"
assert_contains "$(out)" "Apply complete: 2 of 2 changes made." "summary"
writes=$(log_writes)
assert_eq "$(printf '%s\n' "$writes" | wc -l)" 2 "two writes: $writes"
assert_contains "$writes" 'POST /api/sip/registrations {"password":"<redacted>","proxy":"pbx.example.com","username":"alice"}' "POST body"
assert_contains "$writes" 'PATCH /api/sip {"allowedAgents":[{"agentId":"0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14","toUserPattern":"^sales$"}],"allowedCidrRanges":["203.0.113.0/24"],"fallbackHandler":{"secrets":"<redacted>","url":"https://hooks.example.com/sip"}}' "PATCH body (the sim log redacts the secrets)"
[ -f "$STATE_DIR/sim.sip.ultravox.ai.json" ] || fail "no state file written"
assert_eq "$(stat -c %a "$STATE_DIR/sim.sip.ultravox.ai.json")" 600 "state file mode"

sim_ctl DELETE /_sim/log >/dev/null
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "plan after apply"
# the simulator reports a new registration's status as null (not known
# yet): a note, not a change
same "$(out)" "Notes:
  registration alice@pbx.example.com: status not known yet (successful: null)

No changes. The live SIP configuration matches the desired state." "no changes"
ss apply "$cfg" --auto-approve
assert_rc 0 "apply with nothing to do"
assert_eq "$(log_writes)" "" "no-change apply wrote nothing"

# one CIDR more: exactly one PATCH with only allowedCidrRanges
sed -i 's|\[203.0.113.0/24\]|[203.0.113.0/24, 198.51.100.7/32]|' "$cfg"
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply one CIDR"
assert_eq "$(log_writes)" 'PATCH /api/sip {"allowedCidrRanges":["203.0.113.0/24","198.51.100.7/32"]}' "minimal request"

# a changed outboundProxy: one PATCH of the registration with only that field
printf '      outboundProxy: proxy.pbx.example.com\n' >>"$cfg"
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply outboundProxy"
assert_contains "$(out)" 'outboundProxy null → "proxy.pbx.example.com"' "plan line"
w=$(log_writes)
case "$w" in
"PATCH /api/sip/registrations/"*' {"outboundProxy":"proxy.pbx.example.com"}') ;;
*) fail "expected one registration PATCH with only outboundProxy, got: $w" ;;
esac

# a changed password is sent (fingerprint differs), then converges
export PW_ALICE="alice-pw-new-$RANDOM"
ss plan "$cfg" --detailed-exitcode
assert_rc 2 "password change planned"
assert_contains "$(out)" "password: (sensitive value changed)" "password line"
ss apply "$cfg" --auto-approve
assert_rc 0 "apply password"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged after password change"
exit 0
