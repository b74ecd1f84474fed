# A black-holed API for the hang tests (tests/lib/blackhole.py). Source
# after sim.sh (it uses fail and SCRATCH):
#   blackhole_start     start it; exports BH_URL (http://127.0.0.1:PORT) and
#                       BH_LOG (one "METHOD PATH" line per request read);
#                       it is killed on exit (bh_on_exit, chained by the
#                       caller's trap) and ends by itself after 120 s
#   bh_count            how many requests it has read so far

BH_PID=""

blackhole_start()
{
	local i
	BH_LOG="$SCRATCH/blackhole.log"
	: >"$BH_LOG"
	rm -f "$SCRATCH/blackhole.port"
	python3 "$SRC_DIR/tests/lib/blackhole.py" "$SCRATCH/blackhole.port" \
		"$BH_LOG" 120 &
	BH_PID=$!
	for i in $(seq 1 100); do
		[ -s "$SCRATCH/blackhole.port" ] && break
		sleep 0.05
	done
	[ -s "$SCRATCH/blackhole.port" ] || fail "black hole did not listen"
	BH_URL="http://127.0.0.1:$(cat "$SCRATCH/blackhole.port")"
	export BH_URL BH_LOG BH_PID
}

bh_stop()
{
	[ -n "$BH_PID" ] || return 0
	kill "$BH_PID" 2>/dev/null || true
	wait "$BH_PID" 2>/dev/null || true
	BH_PID=""
}

bh_count()
{
	wc -l <"$BH_LOG" | tr -d ' '
}
