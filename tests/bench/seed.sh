# Seeds for the benchmarks. Source it:
#   source "$SRC_DIR/tests/bench/seed.sh"
#
#   seed_regs N     print a simulator state with N live registrations
#       u00000.. (random UUIDs as ids, fixed seed; distinct `created`
#       times: the API lists by (created, id), so the ids come in random
#       order, as from the real API)
#   regs_yaml N     print a desired file declaring those N registrations,
#       passwords {env: PW}

seed_regs()
{
	python3 - "$1" <<'PY'
import datetime, json, random, sys, uuid
n = int(sys.argv[1])
rnd = random.Random(17)
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
regs = [{"registrationId": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
         "created": (t0 + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
         "username": "u%05d" % i, "password": "seed", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True} for i in range(n)]
print(json.dumps({"domain": "acme.sip.ultravox.ai", "sip": {
    "allowedCidrRanges": [], "allowAllAgents": False, "allowedAgents": [],
    "fallbackHandler": None}, "registrations": regs}))
PY
}

regs_yaml()
{
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
print("version: 1\nregistrations:\n  items:")
for i in range(n):
    print("    - {username: u%05d, proxy: pbx.example.com, password: {env: PW}}" % i)
PY
}
