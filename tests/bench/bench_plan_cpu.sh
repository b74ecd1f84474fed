#!/usr/bin/env bash
# Benchmark of plan CPU on loopback (prints figures; not a pass/fail test):
# for N = 1,000, 3,000 and 10,000 registrations, all live in sipsync-sim
# (no added latency) and all declared in the desired file, runs
# `sipsync plan` RUNS times and prints the median wall time and the median
# user+sys CPU of the sipsync process, then the fit: the exponent of N
# between the smallest and the largest N, log(t_hi/t_lo)/log(N_hi/N_lo)
# (1 is linear, about 1.05 is N log N, 2 is quadratic).
#
# With BASELINE=path-to-another-sipsync, each size runs both binaries in
# turn (paired, alternating, against the same simulator, so a load change on
# a shared machine hits both) and prints both medians and their ratio.
#
# usage: tests/bench/bench_plan_cpu.sh [BUILD_DIR]   (default build/release)
#   env: RUNS (default 5), SIZES (default "1000 3000 10000"), BASELINE
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC_DIR/build/release}
export SIPSYNC="${SIPSYNC:-$BUILD/sipsync}" SIPSYNC_SIM="${SIPSYNC_SIM:-$BUILD/sipsync-sim}"
export SCRATCH="${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/sipsync-bench.XXXXXX")}"
RUNS=${RUNS:-5}
SIZES=${SIZES:-"1000 3000 10000"}
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/bench/seed.sh"

BASELINE=${BASELINE:-}
if [ -n "$BASELINE" ] && [ ! -x "$BASELINE" ]; then
	echo "bench: BASELINE=$BASELINE is not an executable" >&2
	exit 1
fi

# measure FILE: runs plan RUNS times; prints "wall_s cpu_s" (medians), then
# with BASELINE "wall_s cpu_s min_cpu max_cpu" of the baseline (its runs
# alternate with these) and of this one
measure()
{
	python3 - "$1" "$SCRATCH/state" "$RUNS" "$SIPSYNC" $BASELINE <<'PY'
import os, statistics, subprocess, sys, time
desired, state, runs, exes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
res = {e: ([], []) for e in exes}
def once(exe):
    walls, cpus = res[exe]
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
for i in range(runs):
    # alternate which goes first, so neither always runs on a warm cache
    for exe in (exes if i % 2 == 0 else exes[::-1]):
        once(exe)
out = []
for exe in exes:
    w, c = res[exe]
    out.append("%.4f %.4f" % (statistics.median(w), statistics.median(c)))
    if len(exes) > 1:
        out[-1] += " %.4f %.4f" % (min(c), max(c))
print(" ".join(out))
PY
}

export PW=bench-password
echo "plan on loopback, median of $RUNS runs; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
if [ -n "$BASELINE" ]; then
	echo "paired with BASELINE=$BASELINE (alternating runs)"
	printf '%8s %10s %22s %10s %22s %8s\n' N wall_s "cpu_s (min-max)" \
		base_wall "base_cpu (min-max)" cpu/base
else
	printf '%8s %10s %12s\n' N wall_s cpu_s
fi
declare -A WALL CPU
for n in $SIZES; do
	# a seed file, not PUT /_sim/state: 10,000 exceed the 1 MiB body limit
	seed_regs "$n" >"$SCRATCH/seed$n.json"
	regs_yaml "$n" >"$SCRATCH/d$n.yaml"
	sim_start --seed "$SCRATCH/seed$n.json"
	read -r w c lo hi bw bc blo bhi < <(measure "$SCRATCH/d$n.yaml")
	sim_stop || { echo "bench: the simulator failed" >&2; exit 1; }
	WALL[$n]=$w CPU[$n]=$c
	if [ -n "$BASELINE" ]; then
		printf '%8d %10s %22s %10s %22s %8s\n' "$n" "$w" \
			"$c ($lo-$hi)" "$bw" "$bc ($blo-$bhi)" \
			"$(python3 -c "print('%.2f' % ($c / $bc if $bc else 0))")"
	else
		printf '%8d %10s %12s\n' "$n" "$w" "$c"
	fi
done
# the fit over the whole range and between neighbours (a fixed start-up
# cost flattens it at the small end)
args=()
for n in $SIZES; do args+=("$n" "${WALL[$n]}" "${CPU[$n]}"); done
python3 - "${args[@]}" <<'PY'
import math, sys
a = sys.argv[1:]
rows = [(int(a[i]), float(a[i + 1]), float(a[i + 2])) for i in range(0, len(a), 3)]
def fit(x, y, k):
    return math.log(y[k] / x[k]) / math.log(y[0] / x[0]) if x[k] > 0 and y[k] > 0 else float("nan")
pairs = [(rows[0], rows[-1])] + list(zip(rows, rows[1:]))[:-1 if len(rows) == 2 else None]
for x, y in pairs:
    nlogn = 1 + math.log(math.log(y[0]) / math.log(x[0])) / math.log(y[0] / x[0])
    print("fit N %d..%d: wall exponent %.2f  cpu exponent %.2f  (N log N: %.2f)"
          % (x[0], y[0], fit(x, y, 1), fit(x, y, 2), nlogn))
PY
