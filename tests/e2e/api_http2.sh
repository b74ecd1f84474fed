# HTTPS with a private CA (--ca-cert) and HTTP/2: against a small node
# http2 server using tests/fixtures/api_tls, `sipsync apply` reads and sends
# six registration PATCHes over ONE connection, several streams at once.
# Without --ca-cert the self-signed server is refused.
set -u
: "${SCRATCH:?}" "${SRC_DIR:?}" "${SIPSYNC:?}"
mkdir -p "$SCRATCH"
command -v node >/dev/null || { echo "node not found: skipped"; exit 0; }

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

tls="$SRC_DIR/tests/fixtures/api_tls"
key="h2-test-key-$RANDOM"
rm -f "$SCRATCH/port" "$SCRATCH/stats.json"
cat >"$SCRATCH/h2.js" <<'EOF'
const http2 = require('http2'), fs = require('fs');
const [tls, key, portFile, statsFile] = process.argv.slice(2);
const regs = [];
for (let i = 0; i < 6; i++)
  regs.push({registrationId: `reg_${i}`, created: '2026-01-01T00:00:00Z',
             username: `user${i}`, proxy: 'pbx.example.com',
             outboundProxy: null, authUser: null, successful: true});
const stats = {sessions: 0, requests: 0, inflight: 0, maxInflight: 0, versions: {}, paths: []};
const save = () => fs.writeFileSync(statsFile, JSON.stringify(stats));
const server = http2.createSecureServer({
  key: fs.readFileSync(tls + '/key.pem'), cert: fs.readFileSync(tls + '/cert.pem')});
server.on('session', () => { stats.sessions++; save(); });
server.on('request', (req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    stats.requests++;
    stats.versions[req.httpVersion] = (stats.versions[req.httpVersion] || 0) + 1;
    stats.paths.push(req.method + ' ' + req.url.split('?')[0]);
    stats.inflight++;
    stats.maxInflight = Math.max(stats.maxInflight, stats.inflight);
    const send = (status, obj) => setTimeout(() => {
      stats.inflight--; save();
      res.writeHead(status, {'content-type': 'application/json'});
      res.end(obj === undefined ? '' : JSON.stringify(obj));
    }, 100);
    if (req.headers['x-api-key'] !== key)
      return send(401, {detail: 'Invalid API key.'});
    const url = req.url.split('?')[0];
    if (req.method === 'GET' && url === '/api/sip')
      return send(200, {allowedCidrRanges: [], allowAllAgents: false, allowedAgents: [],
                        fallbackHandler: null, domain: 'h2.sip.ultravox.ai'});
    if (req.method === 'GET' && url === '/api/sip/registrations')
      return send(200, {next: null, previous: null, total: regs.length, results: regs});
    const m = url.match(/^\/api\/sip\/registrations\/(reg_\d+)$/);
    const r = m && regs.find((x) => x.registrationId === m[1]);
    if (req.method === 'PATCH' && r) {
      Object.assign(r, JSON.parse(body || '{}'));
      return send(200, r);
    }
    send(404, {detail: 'Not found.'});
  });
});
server.listen(0, '127.0.0.1', () => {
  save();
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
EOF
node "$SCRATCH/h2.js" "$tls" "$key" "$SCRATCH/port" "$SCRATCH/stats.json" \
	>"$SCRATCH/h2.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do
	[ -s "$SCRATCH/port" ] && break
	kill -0 $pid 2>/dev/null || { cat "$SCRATCH/h2.out"; fail "h2 server died"; }
	sleep 0.1
done
[ -s "$SCRATCH/port" ] || fail "h2 server did not start"
export ULTRAVOX_API_URL="https://127.0.0.1:$(cat "$SCRATCH/port")"
export ULTRAVOX_API_KEY="$key" H2_PW="h2-secret-$RANDOM"

{
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in 0 1 2 3 4 5; do
		printf '    - {username: user%s, proxy: pbx.example.com, password: {env: H2_PW}, outboundProxy: op%s.example.com}\n' "$i" "$i"
	done
} >"$SCRATCH/regs.yaml"

# no --ca-cert: the self-signed server is refused
out=$("$SIPSYNC" plan "$SCRATCH/regs.yaml" --state-dir "$SCRATCH/state" 2>&1) &&
	fail "plan trusted a self-signed server: $out"
case "$out" in
*"GET /api/sip"*certificate*) ;;
*) fail "no certificate error: $out" ;;
esac

before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sessions"])' "$SCRATCH/stats.json")
out=$("$SIPSYNC" apply "$SCRATCH/regs.yaml" --auto-approve --ca-cert "$tls/cert.pem" \
	--state-dir "$SCRATCH/state" 2>&1) || fail "apply over HTTP/2 failed: $out"

python3 - "$SCRATCH/stats.json" "$before" <<'EOF' || fail "HTTP/2 expectations not met"
import json, sys
s = json.load(open(sys.argv[1]))
before = int(sys.argv[2])
patches = [p for p in s["paths"] if p.startswith("PATCH ")]
print("h2 stats:", {k: s[k] for k in ("sessions", "requests", "maxInflight", "versions")})
assert len(patches) == 6, patches
assert set(s["versions"]) == {"2.0"}, s["versions"]
assert s["sessions"] - before == 1, "apply used %d connections" % (s["sessions"] - before)
assert s["maxInflight"] >= 2, "no concurrent streams"
EOF
echo "ok"
