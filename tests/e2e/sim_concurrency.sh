# sipsync-sim under 16 parallel clients doing mixed reads and writes:
# every answer well-formed, no lost registration, no lost update.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

sim_start --page-size 7

python3 - "$SIM_URL" "$SIM_KEY" <<'EOF' || fail "concurrency check failed"
import http.client, json, sys, threading, urllib.parse

URL, KEY = sys.argv[1], sys.argv[2]
HOST = urllib.parse.urlparse(URL)
CLIENTS, K = 16, 15
errors = []
lock = threading.Lock()

def call(conn, method, path, body=None):
    headers = {"X-API-Key": KEY}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    return r.status, (json.loads(raw) if raw else None)

def expect(cond, what):
    if not cond:
        with lock:
            errors.append(what)

def client(n):
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
    mine = []
    try:
        for i in range(K):
            s, b = call(conn, "POST", "/api/sip/registrations",
                        {"username": f"c{n}-r{i}", "password": "pw",
                         "proxy": "sip.example.com"})
            expect(s == 201 and b["username"] == f"c{n}-r{i}", f"POST {n}/{i}: {s}")
            mine.append(b["registrationId"])
            s, b = call(conn, "GET", "/api/sip")
            expect(s == 200 and "domain" in b, f"GET sip {n}: {s}")
            s, b = call(conn, "PATCH", "/api/sip",
                        {"allowedCidrRanges": [f"10.{n}.{i}.0/24"]})
            expect(s == 200 and len(b["allowedCidrRanges"]) == 1, f"PATCH sip {n}: {s}")
            s, b = call(conn, "GET", "/api/sip/registrations?pageSize=5")
            expect(s == 200 and len(b["results"]) <= 5, f"list {n}: {s}")
        # update each of mine, delete every third
        for i, rid in enumerate(mine):
            s, b = call(conn, "PATCH", f"/api/sip/registrations/{rid}",
                        {"authUser": f"a{n}-{i}"})
            expect(s == 200 and b["authUser"] == f"a{n}-{i}", f"PATCH reg {n}/{i}: {s}")
            if i % 3 == 0:
                s, b = call(conn, "DELETE", f"/api/sip/registrations/{rid}")
                expect(s == 204 and b is None, f"DELETE {n}/{i}: {s}")
    except Exception as e:
        expect(False, f"client {n}: {e!r}")
    finally:
        conn.close()

threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
for t in threads: t.start()
for t in threads: t.join(120)
if any(t.is_alive() for t in threads):
    errors.append("a client did not finish within 120 s")

# walk every page and check the result
conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
seen, auth, path, total = {}, {}, "/api/sip/registrations", None
for _ in range(1000):
    s, b = call(conn, "GET", path)
    if s != 200:
        errors.append(f"final list: {s}"); break
    total = b["total"]
    for r in b["results"]:
        seen[r["username"]] = seen.get(r["username"], 0) + 1
        auth[r["username"]] = r["authUser"]
    if not b["next"]:
        break
    path = b["next"][len(URL):]
kept = CLIENTS * (K - len(range(0, K, 3)))
expect(total == kept, f"total {total} != {kept}")
for n in range(CLIENTS):
    for i in range(K):
        name = f"c{n}-r{i}"
        if i % 3 == 0:
            expect(name not in seen, f"{name} still listed")
        else:
            expect(seen.get(name) == 1, f"{name} listed {seen.get(name)} times")
            expect(auth.get(name) == f"a{n}-{i}", f"{name}: lost update")
if errors:
    print("\n".join(errors[:20]), file=sys.stderr)
    sys.exit(1)
print(f"{CLIENTS} clients, {kept} registrations kept, all consistent")
EOF
sim_stop || fail "simulator did not exit cleanly"
echo "sim_concurrency: ok"
