# Shell helpers for the notification tests: a loopback receiver. Source
# after sim.sh (and agent.sh, whose cleanup_add stops it):
#
#   receiver_start STATUS [tls]   python3 http.server on 127.0.0.1:0 that
#       answers every POST with STATUS and appends one JSON line per request
#       ({"path", "headers", "body"}) to $SCRATCH/received.jsonl; exits by
#       itself after 300 s. Exports RECV_URL (http://127.0.0.1:PORT) and
#       RECV_PID. With tls: HTTPS with tests/fixtures/api_tls (its own CA,
#       not in the system store), RECV_URL https://127.0.0.1:PORT.
#   receiver_count                number of requests received so far
#   receiver_events               the "event" of each JSON body, one a line

RECV_PID=""
RECV_URL=""

receiver_start()
{
	local status="$1" tls="${2:-}" i
	rm -f "$SCRATCH/received.jsonl" "$SCRATCH/recv.port"
	: >"$SCRATCH/received.jsonl"
	python3 - "$status" "$SCRATCH/received.jsonl" "$SCRATCH/recv.port" \
		"${tls:+$SRC_DIR/tests/fixtures/api_tls}" \
		>"$SCRATCH/recv.log" 2>&1 <<'PY' &
import http.server, json, ssl, sys, threading
status, out, portfile, tls = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path,
                                "headers": dict(self.headers.items()),
                                "body": body}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls + "/cert.pem", tls + "/key.pem")
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
threading.Timer(300, s.shutdown).start()  # bounded, whatever happens
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
	RECV_PID=$!
	for i in $(seq 1 100); do
		[ -s "$SCRATCH/recv.port" ] && break
		sleep 0.1
	done
	[ -s "$SCRATCH/recv.port" ] || fail "receiver did not start: $(cat "$SCRATCH/recv.log")"
	RECV_URL="http${tls:+s}://127.0.0.1:$(cat "$SCRATCH/recv.port")"
	export RECV_URL RECV_PID
	if declare -F cleanup_add >/dev/null; then
		cleanup_add 'kill "$RECV_PID" 2>/dev/null; wait "$RECV_PID" 2>/dev/null'
	fi
}

receiver_count()
{
	wc -l <"$SCRATCH/received.jsonl" | tr -d ' '
}

receiver_events()
{
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(json.loads(line)["body"])["event"])' "$SCRATCH/received.jsonl"
}
