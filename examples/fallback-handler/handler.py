#!/usr/bin/env python3
"""An example Ultravox SIP fallback handler, for `sipsync probe` and the demo.

It verifies each request as the Ultravox "Securing Webhooks" page tells
integrators to: X-Ultravox-Webhook-Timestamp no older than a minute, and
X-Ultravox-Webhook-Signature holding (one of its comma-separated values)
hex HMAC-SHA256(secret, raw body + timestamp). Unsigned, stale or wrongly
signed requests get 401/403 and never reach the rule table.

The rule table (--rules FILE, JSON) is a list of
  {"to": REGEX, "answer": SipFallbackHandlerResponse}
tried in order on the user part of toUri; no match answers
{"reject": {"sipRejectCode": 404}}.

Secrets: --secret-file FILE (one per line), else $FALLBACK_SECRET. Never
printed. Standard library only.
"""
import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import sys

DEFAULT_RULES = [
    {"to": "^support$", "answer": {"reject": {"sipRejectCode": 486}}},
    {"to": "^night$", "answer": {"reject": {}}},
]


def signature_ok(secrets, body, timestamp, header):
    signed = body + timestamp.encode()
    for secret in secrets:
        want = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        for sig in header.split(","):
            if hmac.compare_digest(want, sig.strip()):
                return True
    return False


def fresh(timestamp):
    try:
        ts = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if ts.tzinfo is None:
        return False
    age = datetime.datetime.now(datetime.timezone.utc) - ts
    return datetime.timedelta(seconds=-5) <= age <= datetime.timedelta(minutes=1)


def user_part(uri):
    m = re.match(r"^sips?:([^@;>]*)", uri or "")
    return m.group(1) if m else (uri or "")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "example-fallback-handler"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("handler: " + (fmt % args) + "\n")

    def answer(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20))
        ts = self.headers.get("X-Ultravox-Webhook-Timestamp")
        sig = self.headers.get("X-Ultravox-Webhook-Signature")
        if not ts or not sig:
            return self.answer(401, {"detail": "unsigned request"})
        if not fresh(ts):
            return self.answer(401, {"detail": "stale or bad timestamp"})
        if not signature_ok(self.server.secrets, body, ts, sig):
            return self.answer(403, {"detail": "signature mismatch"})
        try:
            req = json.loads(body)
        except ValueError:
            return self.answer(400, {"detail": "body is not JSON"})
        user = user_part(req.get("toUri"))
        for rule in self.server.rules:
            if re.search(rule["to"], user):
                return self.answer(200, rule["answer"])
        return self.answer(200, {"reject": {"sipRejectCode": 404}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT")
    ap.add_argument("--port-file", help="write the bound port here")
    ap.add_argument("--rules", help="JSON rule table (default: built in)")
    ap.add_argument("--secret-file", help="secrets, one per line")
    ap.add_argument("-v", action="store_true", help="log requests")
    args = ap.parse_args()
    if args.secret_file:
        with open(args.secret_file, encoding="utf-8") as f:
            secrets = [line.strip() for line in f if line.strip()]
    else:
        secrets = [os.environ.get("FALLBACK_SECRET", "")]
    if not any(secrets):
        sys.exit("handler: no secret (--secret-file or $FALLBACK_SECRET)")
    rules = DEFAULT_RULES
    if args.rules:
        with open(args.rules, encoding="utf-8") as f:
            rules = json.load(f)
    host, _, port = args.listen.rpartition(":")
    srv = http.server.HTTPServer((host, int(port)), Handler)
    srv.secrets, srv.rules, srv.verbose = secrets, rules, args.v
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(str(srv.server_address[1]))
        os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
