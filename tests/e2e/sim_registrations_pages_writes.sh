# sipsync-sim: walking the registrations list page by page (next and
# previous, with and without pageSize) while registrations are created,
# patched and deleted between pages. Every page is checked whole against a
# model of the cursor rules, built from /_sim/state (the registrations in
# the order they were stored): the list is sorted by (created, id), ties
# keep that stored order; a cursor "a|created|id" (next) starts after that
# key, "b|created|id" (previous) ends before it, "f" is the first page,
# "e" the last one; total is the count now. Also: a registration there for
# the whole walk is met exactly once, in order, whatever changed around it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

python3 - >"$SCRATCH/seed.json" <<'EOF'
import json
regs = []
def reg(user, created, rid):
    regs.append({"registrationId": rid, "created": created,
                 "username": user, "password": "pw", "proxy": "p.example.com",
                 "outboundProxy": None, "authUser": None, "successful": True})
# seeded out of order; POSTs (created now) fall between the 2000 and 2099
# groups, so they land in the middle of the list, not only at its end
for i in range(9):
    reg("old%d" % i, "2000-01-01T00:00:%02dZ" % (8 - i),
        "00000000-0000-4000-8000-%012d" % (i * 7 % 9))
for i in range(8):
    reg("late%d" % i, "2099-01-01T00:00:%02dZ" % (i % 4),
        "ffffffff-0000-4000-8000-%012d" % (7 - i))
# equal created: the id decides; equal created and id: stored order
reg("tieB", "2000-06-01T00:00:00Z", "bbbbbbbb-0000-4000-8000-000000000000")
reg("tieA", "2000-06-01T00:00:00Z", "aaaaaaaa-0000-4000-8000-000000000000")
reg("dup1", "2000-06-01T00:00:00Z", "cccccccc-0000-4000-8000-000000000000")
reg("dup2", "2000-06-01T00:00:00Z", "cccccccc-0000-4000-8000-000000000000")
print(json.dumps({"domain": "acme.sip.ultravox.ai", "registrations": regs}))
EOF

sim_start --seed "$SCRATCH/seed.json" --page-size 4

python3 - "$SIM_URL" "$SIM_KEY" <<'EOF' || fail "paging while writing"
import json, random, sys, urllib.request, urllib.error

URL, KEY = sys.argv[1], sys.argv[2]
PATH = "/api/sip/registrations"
MAX = 4
rnd = random.Random(5)
n_created = n_pages = 0

def call(method, url, body=None, key=True):
    data = json.dumps(body).encode() if body is not None else None
    rq = urllib.request.Request(url if url.startswith("http") else URL + url,
                                data=data, method=method)
    if key:
        rq.add_header("X-API-Key", KEY)
    if data is not None:
        rq.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(rq, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None

def stored():
    st, doc = call("GET", "/_sim/state", key=False)
    assert st == 200, st
    return doc["registrations"]

def key(r):
    return (r["created"].encode(), r["registrationId"].encode())

def url_of(payload, echo):
    if payload is None:
        return None
    u = "%s%s?cursor=%s" % (URL, PATH, payload.encode().hex())
    return u + ("&pageSize=%s" % echo if echo else "")

def model(cursor, size, echo):
    """The page the simulator must answer for cursor (hex or None)."""
    regs = sorted(stored(), key=key)  # stable: ties keep stored order
    n = len(regs)
    d, k = "f", 0
    if cursor:
        s = bytes.fromhex(cursor).decode()
        d, rest = s[0], s[2:]
        created, rid = rest.split("|", 1)
        ck = (created.encode(), rid.encode())
        if d == "a":
            k = sum(1 for r in regs if key(r) <= ck)
        elif d == "b":
            k = sum(1 for r in regs if key(r) < ck)
    if d in "af":
        start = k if d == "a" else 0
        end = min(start + size, n)
    else:
        end = k if d == "b" else n
        start = max(end - size, 0)
    nxt = prev = None
    if end < n:
        nxt = "a|%s|%s" % (regs[end - 1]["created"],
                           regs[end - 1]["registrationId"]) if end else "f||"
    if start > 0:
        prev = "b|%s|%s" % (regs[start]["created"],
                            regs[start]["registrationId"]) if start < n else "e||"
    return {"next": url_of(nxt, echo), "previous": url_of(prev, echo),
            "results": [(r["username"], r["registrationId"], r["created"])
                        for r in regs[start:end]],
            "total": n}

def page(url, size, echo):
    global n_pages
    n_pages += 1
    cursor = None
    if "cursor=" in url:
        cursor = url.split("cursor=")[1].split("&")[0] or None
    want = model(cursor, size, echo)
    st, got = call("GET", url)
    assert st == 200, (url, st, got)
    for r in got["results"]:
        assert "password" not in r, r
    have = {"next": got["next"], "previous": got["previous"],
            "results": [(r["username"], r["registrationId"], r["created"])
                        for r in got["results"]],
            "total": got["total"]}
    assert have == want, "%s:\n got %s\nwant %s" % (url, have, want)
    return got

def write():
    """One to three random changes between two pages."""
    global n_created
    for _ in range(rnd.randint(1, 3)):
        regs = stored()
        op = rnd.random()
        # the list stays about its seeded size (21)
        if op < (0.6 if len(regs) < 21 else 0.2) or not regs:
            n_created += 1
            st, _ = call("POST", PATH, {"username": "new%d" % n_created,
                                        "password": "pw",
                                        "proxy": "p.example.com"})
            assert st == 201, st
        elif op < 0.85:
            r = rnd.choice(regs)
            st, _ = call("DELETE", "%s/%s" % (PATH, r["registrationId"]))
            assert st == 204, st
        else:
            r = rnd.choice(regs)
            st, _ = call("PATCH", "%s/%s" % (PATH, r["registrationId"]),
                         {"username": r["username"] + "p"})
            assert st == 200, st

def walk(first, size, echo, direction, writes):
    """Follows next (or previous) from first; checks every page; returns
    the ids met and the ids there for the whole walk."""
    before = {r["registrationId"] for r in stored()}
    met, url, pages = [], first, 0
    while url:
        got = page(url, size, echo)
        rows = got["results"] if direction == "next" else got["results"][::-1]
        met += [(r["registrationId"], key(r)) for r in rows]
        url = got[direction]
        pages += 1
        assert pages < 100, "walk does not end"
        if writes and url:
            write()
    after = {r["registrationId"] for r in stored()}
    always = before & after
    seen = [m[0] for m in met]
    for rid in always:
        if rid.startswith("cccccccc"):
            continue  # the two equal ids: one delete removes either
        assert seen.count(rid) == 1, ("met %d times" % seen.count(rid), rid)
    keys = [m[1] for m in met]
    if direction == "next":
        assert keys == sorted(keys), "out of order"
    else:
        assert keys == sorted(keys, reverse=True), "out of order"
    return pages

# a quiet walk first: the list in order, each once; 21 registrations in
# 5 pages, not 6: the third page ends at dup1, and its next cursor (after
# dup1's key) passes over dup2, which has the same key
p = walk(URL + PATH, MAX, None, "next", False)
assert p == 5, p
# the last page, then back with previous
st, first = call("GET", PATH + "?pageSize=3")
last = "%s%s?cursor=%s&pageSize=3" % (URL, PATH, b"e||".hex())
walk(last, 3, "3", "previous", False)
# bad cursors stay bad
for bad in ("bogus", "7a7c7c", b"a|x".hex(), ""):
    st, got = call("GET", PATH + "?cursor=" + bad)
    if bad:
        assert (st, got) == (404, {"detail": "Invalid cursor"}), (bad, st, got)
    else:
        assert st == 200 and got["previous"] is None, (st, got)
# walks with writes between pages, both ways, page sizes 1..4 and the
# maximum (no pageSize, and one above it, echoed as the maximum)
for rounds in range(6):
    for size, echo in ((1, "1"), (2, "2"), (MAX, None), (MAX, "4"), (3, "3")):
        q = "?pageSize=%s" % echo if echo else ""
        walk(URL + PATH + q, size, echo, "next", True)
        q = ("&pageSize=%s" % echo) if echo else ""
        walk("%s%s?cursor=%s%s" % (URL, PATH, b"e||".hex(), q), size, echo,
             "previous", True)
while len(stored()) < 6:
    write()
st, got = call("GET", PATH + "?pageSize=9")
assert len(got["results"]) == MAX and "pageSize=4" in got["next"], got
# a cursor whose registration was deleted still works (it is only a key)
st, got = call("GET", PATH + "?pageSize=2")
victim = got["results"][1]["registrationId"]
assert call("DELETE", "%s/%s" % (PATH, victim))[0] == 204
page(got["next"], 2, "2")
# /_sim/state replaces the model between two pages: as many registrations,
# other keys; the next page follows the new list
st, got = call("GET", PATH + "?pageSize=2")
doc = {"domain": "acme.sip.ultravox.ai", "registrations": [
    dict(r, created="2001-01-01T00:00:%02dZ" % (59 - i))
    for i, r in enumerate(stored())]}
rq = urllib.request.Request(URL + "/_sim/state", method="PUT",
                            data=json.dumps(doc).encode(),
                            headers={"Content-Type": "application/json"})
with urllib.request.urlopen(rq, timeout=30) as r:
    assert r.status == 200
page(got["next"], 2, "2")
walk(URL + PATH, MAX, None, "next", True)
print("created", n_created, "left", len(stored()), "pages", n_pages)
EOF
echo "ok"
