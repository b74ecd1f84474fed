#!/usr/bin/env python3
"""A deliberately misbehaving fallback handler for the probe tests.

usage: probe_handler.py PORT_FILE SECRET_FILE MODE [LOG_FILE]

It checks the signature itself first (HMAC-SHA256(secret, body +
timestamp), lowercase hex, any of the comma-separated values, a secret per
line in SECRET_FILE), so a signing bug in sipsync fails every test (403),
then answers as MODE says: slow, 500, html, both, unknown-agent,
code-range, redirect, unknown-field, agent (a seed agent of
examples/sim-seed.json), ok. LOG_FILE gets each request's
headers and body as one JSON line. Ends by itself after 120 s. With
$PROBE_TLS_DIR (cert.pem, key.pem) it serves https.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

PORT_FILE, SECRET_FILE, MODE = sys.argv[1:4]
LOG = sys.argv[4] if len(sys.argv) > 4 else None
with open(SECRET_FILE, encoding="utf-8") as f:
    SECRETS = [line.strip() for line in f if line.strip()]
UNKNOWN_AGENT = "99999999-9999-4999-8999-999999999999"

ANSWERS = {
    "both": {"startCall": {"systemPrompt": "hi"}, "reject": {}},
    "unknown-agent": {"startAgentCall": {"agentId": UNKNOWN_AGENT}},
    "agent": {"startAgentCall": {"agentId": "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"}},
    "code-range": {"reject": {"sipRejectCode": 700}},
    "unknown-field": {"reject": {}, "rejects": {}},
    "ok": {"reject": {"sipRejectCode": 486}},
}


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, status, ctype, data, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ts = self.headers.get("X-Ultravox-Webhook-Timestamp", "")
        sigs = self.headers.get("X-Ultravox-Webhook-Signature", "")
        if LOG:
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps({"headers": dict(self.headers),
                                    "body": body.decode()}) + "\n")
        ok = any(hmac.compare_digest(
            hmac.new(s.encode(), body + ts.encode(), hashlib.sha256).hexdigest(),
            sig) for s in SECRETS for sig in sigs.split(","))
        if not ts or not ok:
            return self.send(403, "application/json", b'{"detail":"bad signature"}')
        if MODE == "slow":
            time.sleep(3)
            return self.send(200, "application/json", b'{"reject":{}}')
        if MODE == "500":
            return self.send(500, "application/json", b'{"detail":"boom"}')
        if MODE == "html":
            return self.send(200, "text/html", b"<html>It works!</html>")
        if MODE == "redirect":
            return self.send(302, "text/plain", b"", [("Location", "/elsewhere")])
        self.send(200, "application/json", json.dumps(ANSWERS[MODE]).encode())


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
if os.environ.get("PROBE_TLS_DIR"):  # https with the test-only certificate
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    d = os.environ["PROBE_TLS_DIR"]
    ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
threading.Timer(120, lambda: os._exit(0)).start()
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(srv.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
