"""A small smart-HTTP git server for tests: `git http-backend` behind HTTP
basic auth, on loopback.

usage: git_http_server.py ROOT TOKEN_FILE PORT_FILE [CERT KEY]

Serves every repository under ROOT. Every request must carry basic auth
x-access-token:TOKEN, TOKEN being the content of TOKEN_FILE (re-read on
every request, so tests can rotate it), else 401 with WWW-Authenticate. Writes the port it
listens on to PORT_FILE. Logs one line per request (never the token) to
stderr. With CERT and KEY (PEM) it speaks https.
"""
import base64
import http.server
import os
import ssl
import subprocess
import sys

ROOT, TOKEN_FILE, PORT_FILE = sys.argv[1], sys.argv[2], sys.argv[3]


def wanted():
    with open(TOKEN_FILE) as f:
        token = f.read().strip()
    return "Basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("git-http: %s %s\n" % (self.command, self.path))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def handle_git(self):
        body = self.read_body() if self.command == "POST" else b""
        if self.headers.get("Authorization") != wanted():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query,
                   REQUEST_METHOD=self.command, REMOTE_USER="x-access-token",
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)))
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not payload and b"\n\n" in out:
            head, _, payload = out.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = handle_git
    do_POST = handle_git


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 5:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
