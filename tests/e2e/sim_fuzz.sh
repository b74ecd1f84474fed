# sipsync-sim against malformed requests: random methods, paths, queries,
# headers and bodies (mutated valid bodies, deep nesting, invalid UTF-8,
# random bytes), and raw-socket abuse (truncated requests, garbage request
# lines, bad chunked encoding, early close), for a bounded count and time.
# The simulator must stay up, still answer GET /api/sip, and exit cleanly
# (under the ASan build a sanitizer report makes the exit status non-zero).
#
# SIM_FUZZ_SEED and SIM_FUZZ_COUNT override the defaults to reproduce a run.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

sim_start --seed "$SRC_DIR/examples/sim-seed.json" --page-size 3

python3 - "$SIM_URL" "$SIM_KEY" "${SIM_FUZZ_SEED:-20261123}" \
	"${SIM_FUZZ_COUNT:-2500}" <<'EOF' || fail "fuzz driver failed"
import http.client, json, random, socket, sys, time, urllib.parse

URL, KEY, SEED, COUNT = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
U = urllib.parse.urlparse(URL)
rng = random.Random(SEED)
DEADLINE = time.monotonic() + 10
A = "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"

VALID = [
    {"allowedCidrRanges": ["10.0.0.0/8"], "allowAllAgents": True},
    {"allowedAgents": [{"agentId": A, "toUserPattern": "^a$"}]},
    {"fallbackHandler": {"url": "https://h.example.com/x", "secrets": ["s"]}},
    {"fallbackHandler": None},
    {"username": "u", "password": "p", "proxy": "sip.example.com",
     "outboundProxy": None, "authUser": "a"},
    {"domain": "x", "registrations": [{"proxy": "p.example.com"}], "agents": [A],
     "sip": {"allowedCidrRanges": []}},
]
ATOMS = [None, True, False, 0, -1, 2**63, 1e308, -0.0, "", "x" * 300, "é" * 201,
         "\u202e", "1.2.3.4/33", "999.1.1.1/8", A.upper(), "{" + A + "}",
         "urn:uuid:" + A, "http://", "ftp://a.b", "http://[::1]:99999/", [], {}, [[]]]
PATHS = ["/api/sip", "/api/sip/registrations", "/api/sip/registrations/",
         "/api/sip/registrations/x", "/api/sip/registrations/" + "a" * 5000,
         "/api/agents/" + A, "/api/agents/", "/api/agents/%00", "/_sim/log",
         "/_sim/state", "/", "//api//sip", "/api/sip/../sip", "/api/sip%2F",
         "/api/sip/registrations/%ff%fe", "*"]
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS",
           "TRACE", "CONNECT", "BREW", "get", "X" * 40]
CTYPES = [None, "application/json", "application/json; charset=utf-8",
          "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
          "application/jsonx", "", "\x01\x02", "application/json" + ";" * 500]

def mutate(v, depth=0):
    r = rng.random()
    if depth > 4 or r < 0.15:
        return rng.choice(ATOMS)
    if isinstance(v, dict):
        v = dict(v)
        for k in list(v):
            if rng.random() < 0.3: v[k] = mutate(v[k], depth + 1)
            if rng.random() < 0.1: del v[k]
        if rng.random() < 0.2: v[rng.choice(["agentId", "secrets", "url", "x", "password"])] = mutate(None, depth + 1)
        return v
    if isinstance(v, list):
        v = [mutate(x, depth + 1) if rng.random() < 0.3 else x for x in v]
        if rng.random() < 0.2: v = v * rng.randint(2, 30)
        return v
    return rng.choice(ATOMS)

def body():
    r = rng.random()
    if r < 0.55:
        return json.dumps(mutate(rng.choice(VALID))).encode()
    if r < 0.65:
        d = rng.randint(100, 5000)
        return ("[" * d + "]" * d).encode() if rng.random() < 0.5 else ('{"a":' * d + "1" + "}" * d).encode()
    if r < 0.75:
        s = json.dumps(rng.choice(VALID)).encode()
        return s[: rng.randint(0, len(s))]
    if r < 0.85:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))
    if r < 0.9:
        return b'{"username": "\xff\xfe", "password": "p", "proxy": "\xc0\xaf"}'
    return b""

def query():
    r = rng.random()
    if r < 0.5: return ""
    parts = [rng.choice(["cursor", "pageSize", "x", "cursor[]", ""]) + "=" +
             urllib.parse.quote(rng.choice(["", "0", "-1", "99999999999999999999", "abc",
                                            "61", "617c", "627c7c", "%%", "\x00", "a" * 3000]))
             for _ in range(rng.randint(1, 4))]
    return "?" + "&".join(parts)

def http_case():
    conn = http.client.HTTPConnection(U.hostname, U.port, timeout=10)
    try:
        headers = {}
        if rng.random() < 0.9: headers["X-API-Key"] = KEY if rng.random() < 0.9 else "wrong"
        ct = rng.choice(CTYPES)
        if ct is not None: headers["Content-Type"] = ct
        if rng.random() < 0.05: headers["Host"] = rng.choice(["", "evil\"host", "a" * 300, "h:1"])
        conn.putrequest(rng.choice(METHODS), rng.choice(PATHS) + query(), skip_host="Host" in headers)
        for k, v in headers.items(): conn.putheader(k, v)
        b = body()
        conn.putheader("Content-Length", str(len(b)))
        conn.endheaders(b)
        r = conn.getresponse()
        data = r.read()
        if r.status >= 500 and r.status != 503:
            raise SystemExit(f"server error {r.status}: {data[:200]!r}")
        if data and r.getheader("Content-Type") == "application/json":
            try:
                json.loads(data)
            except RecursionError:  # a logged deeply nested body
                pass
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()

RAW = [
    b"GET /api/sip HTTP/1.1\r\nHost: x\r\n",                       # no end
    b"PATCH /api/sip HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"",
    b"\x00\x01\x02garbage\r\n\r\n",
    b"GET /api/sip HTTP/9.9\r\n\r\n",
    b"GET " + b"/a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /api/sip/registrations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/json\r\n\r\nzz\r\nabc\r\n",
    b"POST /api/sip/registrations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n",
    b"GET /api/sip HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY.encode() + b"\r\n\r\n" * 3,
    b"GET /api/sip HTTP/1.1\r\n" + b"X-Junk: " + b"j" * 100000 + b"\r\n\r\n",
    b"PATCH /api/sip HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"PATCH /api/sip HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
]

def raw_case():
    s = socket.create_connection((U.hostname, U.port), timeout=0.2)
    try:
        msg = rng.choice(RAW)
        if rng.random() < 0.5: msg = msg[: rng.randint(0, len(msg))]
        s.sendall(msg)
        if rng.random() < 0.8: s.shutdown(socket.SHUT_WR)
        try:
            s.recv(65536)
        except OSError:
            pass
    except OSError:  # the server may close first; liveness is checked below
        pass
    finally:
        s.close()

n = 0
while n < COUNT and time.monotonic() < DEADLINE:
    (raw_case if rng.random() < 0.1 else http_case)()
    n += 1
print(f"fuzz: {n} requests (seed {SEED})")
EOF

kill -0 "$SIM_PID" 2>/dev/null || fail "the simulator died during the fuzz run"
sim_api GET /api/sip >/dev/null
assert_eq "$(sim_status)" 200 "GET /api/sip after the fuzz run"
sim_stop || fail "simulator did not exit cleanly after the fuzz run"
echo "sim_fuzz: ok"
