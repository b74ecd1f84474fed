#!/usr/bin/env bash
# Installs what is needed, builds, and runs the demo: validate the examples,
# start the simulator on loopback, then plan and apply examples/ against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build/release
bin=build/release

echo "== sipsync validate examples/minimal.yaml --offline"
"$bin/sipsync" validate examples/minimal.yaml --offline

echo
echo "== start the simulator (examples/sim-seed.json) on 127.0.0.1, any free port"
demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/sipsync-demo.XXXXXX")
demo_key="demo-key-$$-$RANDOM"
"$bin/sipsync-sim" --listen 127.0.0.1:0 --api-key "$demo_key" \
	--seed examples/sim-seed.json --port-file "$demo_dir/url" \
	>"$demo_dir/sim.out" 2>"$demo_dir/sim.err" &
sim_pid=$!
stop_sim()
{
	kill "$sim_pid" 2>/dev/null || true
	wait "$sim_pid" 2>/dev/null || true
	rm -rf "$demo_dir"
}
trap stop_sim EXIT
for _ in $(seq 1 100); do
	[ -s "$demo_dir/url" ] && break
	kill -0 "$sim_pid" 2>/dev/null || { cat "$demo_dir/sim.err" >&2; exit 1; }
	sleep 0.1
done
[ -s "$demo_dir/url" ] || { echo "demo: the simulator did not start" >&2; exit 1; }
ULTRAVOX_API_URL=$(head -n1 "$demo_dir/url")
export ULTRAVOX_API_URL ULTRAVOX_API_KEY="$demo_key"
echo "simulator at $ULTRAVOX_API_URL"
# demo values for the secrets examples/full.yaml reads from the environment
export SIP_FALLBACK_SECRET=demo-fallback-secret-1
export SIP_FALLBACK_SECRET_NEXT=demo-fallback-secret-2
export PBX_SALES_PASSWORD=demo-sales-password
export PBX_SUPPORT_PASSWORD=demo-support-password
state=(--state-dir "$demo_dir/state")

echo
echo "== sipsync plan examples/full.yaml"
"$bin/sipsync" plan examples/full.yaml "${state[@]}"
echo
echo "== sipsync apply examples/full.yaml --auto-approve"
"$bin/sipsync" apply examples/full.yaml --auto-approve "${state[@]}"
echo
echo "== sipsync plan examples/full.yaml --detailed-exitcode (again)"
"$bin/sipsync" plan examples/full.yaml --detailed-exitcode "${state[@]}"
echo
echo "== sipsync export (the live account as YAML)"
"$bin/sipsync" export --out "$demo_dir/export.yaml" "${state[@]}"
head -n 20 "$demo_dir/export.yaml"
echo
echo "== sipsync probe examples/full.yaml against the example fallback handler"
# it knows only the second secret (a rotation in progress) and verifies the
# signature and timestamp as the Ultravox docs tell integrators to
printf '%s\n' "$SIP_FALLBACK_SECRET_NEXT" >"$demo_dir/handler.secrets"
python3 examples/fallback-handler/handler.py --secret-file "$demo_dir/handler.secrets" \
	--port-file "$demo_dir/handler.port" >/dev/null 2>"$demo_dir/handler.err" &
handler_pid=$!
trap 'kill "$handler_pid" 2>/dev/null || true; wait "$handler_pid" 2>/dev/null || true; stop_sim' EXIT
for _ in $(seq 1 100); do
	[ -s "$demo_dir/handler.port" ] && break
	sleep 0.1
done
[ -s "$demo_dir/handler.port" ] || { echo "demo: the handler did not start" >&2; exit 1; }
"$bin/sipsync" probe examples/full.yaml --offline \
	--url "http://127.0.0.1:$(cat "$demo_dir/handler.port")/ultravox/sip"
echo
echo "demo done: the account matches examples/full.yaml"
