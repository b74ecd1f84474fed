#!/usr/bin/env bash
# sipsync probe verifies the handler's TLS certificate: a certificate of a
# private CA fails without --ca-cert and passes with it.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="tls-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
tls="$SRC_DIR/tests/fixtures/api_tls"
PROBE_TLS_DIR="$tls" PROBE_SCHEME=https broken_start ok
assert_contains "$HANDLER_URL" "https://127.0.0.1:" "https handler"
probe_state "$HANDLER_URL"

capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
assert_eq "$rc" 1 "untrusted certificate exit ($out $err)"
assert_contains "$out" "FAIL default call to sipsync-probe-unrouted: POST $HANDLER_URL: " "untrusted certificate"
assert_eq "$(wc -l <"$SCRATCH/handler.log" | tr -d ' ')" 0 "no request reached the handler"

capture "$SIPSYNC" probe --ca-cert "$tls/cert.pem" "$SCRATCH/state.yaml"
assert_eq "$rc" 0 "--ca-cert exit ($out $err)"
assert_contains "$out" "PASS default call to sipsync-probe-unrouted → reject 486" "--ca-cert"
echo "probe_tls: ok"
