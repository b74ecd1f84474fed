#!/usr/bin/env bash
# Benchmark of plan CPU on loopback (prints figures; not a pass/fail test):
# for N = 1,000, 3,000 and 10,000 registrations, all live in sipsync-sim
# (no added latency) and all declared in the desired file, runs
# `sipsync plan` RUNS times and prints the median wall time and the median
# user+sys CPU of the sipsync process, then the fit: the exponent of N
# between the smallest and the largest N, log(t_hi/t_lo)/log(N_hi/N_lo)
# (1 is linear, about 1.05 is N log N, 2 is quadratic).
#
# usage: tests/bench/bench_plan_cpu.sh [BUILD_DIR]   (default build/release)
#   env: RUNS (default 5), SIZES (default "1000 3000 10000")
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC_DIR/build/release}
export SIPSYNC="${SIPSYNC:-$BUILD/sipsync}" SIPSYNC_SIM="${SIPSYNC_SIM:-$BUILD/sipsync-sim}"
export SCRATCH="${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/sipsync-bench.XXXXXX")}"
RUNS=${RUNS:-5}
SIZES=${SIZES:-"1000 3000 10000"}
source "$SRC_DIR/tests/lib/sim.sh"

seed_regs()
{ # seed_regs N: N live registrations u00000.. with random UUIDs as ids and
	# distinct `created` times; the API lists by (created, id), so the ids
	# come in random order, as from the real API
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
{ # regs_yaml N: a desired file declaring the N registrations
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
print("version: 1\nregistrations:\n  items:")
for i in range(n):
    print("    - {username: u%05d, proxy: pbx.example.com, password: {env: PW}}" % i)
PY
}

# measure FILE: runs plan RUNS times; prints "wall_s cpu_s" (medians)
measure()
{
	python3 - "$SIPSYNC" "$1" "$SCRATCH/state" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
exe, desired, state, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
walls, cpus = [], []
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen([exe, "plan", desired, "--state-dir", state],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    walls.append(time.monotonic() - t0)
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 2):
        sys.stderr.write(err.decode(errors="replace"))
        sys.exit("bench: plan exited %d" % rc)
    cpus.append(ru.ru_utime + ru.ru_stime)
print("%.4f %.4f" % (statistics.median(walls), statistics.median(cpus)))
PY
}

export PW=bench-password
echo "plan on loopback, median of $RUNS runs; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%8s %10s %12s\n' N wall_s cpu_s
declare -A WALL CPU
for n in $SIZES; do
	# a seed file, not PUT /_sim/state: 10,000 exceed the 1 MiB body limit
	seed_regs "$n" >"$SCRATCH/seed$n.json"
	regs_yaml "$n" >"$SCRATCH/d$n.yaml"
	sim_start --seed "$SCRATCH/seed$n.json"
	read -r w c < <(measure "$SCRATCH/d$n.yaml")
	sim_stop || { echo "bench: the simulator failed" >&2; exit 1; }
	WALL[$n]=$w CPU[$n]=$c
	printf '%8d %10s %12s\n' "$n" "$w" "$c"
done
lo=${SIZES%% *} hi=${SIZES##* }
python3 - "$lo" "$hi" "${WALL[$lo]}" "${WALL[$hi]}" "${CPU[$lo]}" "${CPU[$hi]}" <<'PY'
import math, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
wl, wh, cl, ch = map(float, sys.argv[3:7])
f = lambda a, b: math.log(b / a) / math.log(hi / lo) if a > 0 and b > 0 else float("nan")
print("fit (exponent of N, %d..%d): wall %.2f  cpu %.2f  (N log N would be %.2f)"
      % (lo, hi, f(wl, wh), f(cl, ch), 1 + math.log(math.log(hi) / math.log(lo)) / math.log(hi / lo)))
PY
