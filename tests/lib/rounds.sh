# Rounds of API requests in the simulator's request log. Source after
# sim.sh:
#   source "$SRC_DIR/tests/lib/sim.sh"; source "$SRC_DIR/tests/lib/rounds.sh"
#
# A round is a maximal group of requests whose spans (startMs..endMs in the
# log: arrival to answer) overlap, directly or through others of the
# group: what a client sent side by side. Sequential requests are one round
# each. Give the simulator some latency (--latency-ms, or "latencyMs" in
# /_sim/faults) so that requests sent together overlap visibly.
#
#   rounds          the number of rounds in the log
#   rounds_show     one line per round: "N: METHOD PATH, METHOD PATH ..."
#                   (within a round sorted, as their order is chance)

_rounds_py='
import json, sys
reqs = sorted(json.load(sys.stdin)["requests"], key=lambda r: r["startMs"])
rounds, end = [], None
for r in reqs:
    if end is None or r["startMs"] >= end:
        rounds.append([])
        end = r["endMs"]
    rounds[-1].append(r)
    end = max(end, r["endMs"])
if sys.argv[1] == "count":
    print(len(rounds))
else:
    for i, g in enumerate(rounds, 1):
        print("%d: %s" % (i, ", ".join(sorted(r["method"] + " " + r["path"] for r in g))))
'

rounds()
{
	sim_ctl GET /_sim/log | python3 -c "$_rounds_py" count
}

rounds_show()
{
	sim_ctl GET /_sim/log | python3 -c "$_rounds_py" show
}
