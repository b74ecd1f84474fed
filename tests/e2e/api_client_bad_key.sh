# A wrong key: the auth message, naming the request and where the key came
# from (--api-key-file FILE, or the variable ULTRAVOX_API_KEY), never the
# key. (The parallelism bound is measured in tests/unit/test_api.c.)
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/api_seed.sh"

# -- a wrong key in a file
echo "not-the-key" >"$SCRATCH/bad.key"
out=$(env -u ULTRAVOX_API_KEY "$SIPSYNC" plan "$SCRATCH/sip.yaml" --api-key-file "$SCRATCH/bad.key" \
	--state-dir "$state" 2>&1) && fail "plan with a bad key succeeded"
assert_contains "$out" "GET /api/sip" "auth failure names the request"
assert_contains "$out" "401: authentication failed (check --api-key-file $SCRATCH/bad.key)" "auth message (file)"
assert_not_contains "$out" "not-the-key" "key in the error"

# -- a wrong key in the environment
out=$(ULTRAVOX_API_KEY=not-the-env-key "$SIPSYNC" plan "$SCRATCH/sip.yaml" \
	--state-dir "$state" 2>&1) && fail "plan with a bad env key succeeded"
assert_contains "$out" "GET /api/sip: 401: authentication failed (check ULTRAVOX_API_KEY): " "auth message (env)"
assert_not_contains "$out" "not-the-env-key" "env key in the error"
echo "ok"
