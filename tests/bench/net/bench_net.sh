#!/usr/bin/env bash
# A benchmark that sees the network (prints figures; not a pass/fail test,
# not in ctest). Run as root:
#
#   tests/bench/net/bench_net.sh [SIPSYNC [SIPSYNC_SIM]]
#   tests/bench/net/bench_net.sh --loopback [SIPSYNC [SIPSYNC_SIM]]
#
# SIPSYNC is the binary measured (default build/release/sipsync), so the same
# script compares any two builds; SIPSYNC_SIM defaults to the one beside it.
#
# Two network namespaces made here, a client and a server, joined by a TUN
# pair through tests/bench/net/delayline.c (compiled here with cc), which
# holds every packet DELAY_MS each way (50 ms RTT), in order, bounded queue;
# the RTT is checked with ICMP echo and printed. In the server namespace
# sipsync-sim sits behind nginx, which terminates TLS 1.3 with HTTP/2 and
# keep-alive (a throw-away CA and certificate made here with openssl) and
# enforces the documented 200 requests/s per key (limit_req, 429 with
# Retry-After: 1). sipsync runs in the client namespace with --ca-cert.
#
# Cases: plan for 1,000 and 10,000 registrations, apply creating 200
# registrations, a one-CIDR apply (examples/full.yaml, and an account of
# 10,000 registrations), a no-change plan (examples/full.yaml).
# Each case runs RUNS times, sipsync and the floor paired (tests/bench/net/
# floor.c: the same requests over one kept-alive HTTP/2 connection, 8 in
# flight, libcurl multi), from the same live state each time. Per case:
# wall time (median, min-max), sipsync CPU (user+sys, median), requests (the
# nginx access log), TCP connections (SYNs) and TLS handshakes (ClientHellos)
# counted on the wire by the delay line, 429 answers, the physical limit
# max(round trips x RTT, 2 x RTT + requests / RATE) and the ratios.
#
# --loopback: no namespaces, no delay, no root needed (nginx and the
# simulator on 127.0.0.1, one run each, connections from the nginx log): a
# check of the script's own paths, its figures mean nothing.
#
# env: RUNS (5; loopback 1), CASES ("plan1k plan10k create200 cidr cidr10k
# nochange"), DELAY_MS (25), RATE (200; 0 = no limit), BURST (20),
# TCP_CC (congestion control in both namespaces: cubic if allowed, else reno), SIPSYNC_ARGS (extra
# sipsync arguments), BENCH_TIMEOUT (whole run, 1200 s),
# KEEP=1 (keep the scratch directory). Everything it starts is stopped and
# the namespaces deleted on exit, whatever the exit.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../../.." && pwd)
NET_DIR="$SRC_DIR/tests/bench/net"
MODE=net
if [ "${1:-}" = --loopback ]; then
	MODE=loopback
	shift
fi
SIPSYNC=$(realpath "${1:-$SRC_DIR/build/release/sipsync}")
SIPSYNC_SIM=$(realpath "${2:-$(dirname "$SIPSYNC")/sipsync-sim}")
if [ "$MODE" = net ]; then
	RUNS=${RUNS:-5} RATE=${RATE:-200}
else # no round trip: 8 in flight would exceed any rate limit
	RUNS=${RUNS:-1} RATE=${RATE:-0}
fi
CASES=${CASES:-"plan1k plan10k create200 cidr cidr10k nochange"}
DELAY_MS=${DELAY_MS:-25}
BURST=${BURST:-20}
if [ -z "${TCP_CC:-}" ]; then
	# cubic, the usual default, where a namespace may pick it; else reno
	# (the same slow start, which is what these short flows see)
	TCP_CC=reno
	! grep -qw cubic /proc/sys/net/ipv4/tcp_allowed_congestion_control 2>/dev/null || TCP_CC=cubic
fi
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
read -r -a EXTRA <<<"${SIPSYNC_ARGS:-}"

die()
{
	echo "bench_net: $*" >&2
	exit 1
}

for tool in nginx openssl cc curl python3 timeout; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool not found"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$SIPSYNC" ] || die "not executable: $SIPSYNC"
[ -x "$SIPSYNC_SIM" ] || die "not executable: $SIPSYNC_SIM"
[ "$MODE" = loopback ] || [ "$(id -u)" = 0 ] || die "run as root (or --loopback)"

S=$(mktemp -d "${TMPDIR:-/tmp}/sipsync-bench-net.XXXXXX")
chmod 755 "$S"
PIDS=()
NETNS=()
WATCHDOG=""
SIM_PID=""

stop_pid()
{ # stop_pid PID: SIGTERM, up to 5 s, then SIGKILL
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup()
{
	local i
	trap - EXIT INT TERM
	[ -z "$WATCHDOG" ] || stop_pid "$WATCHDOG"
	[ -z "$SIM_PID" ] || stop_pid "$SIM_PID"
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench_net: kept $S" >&2; else rm -rf "$S"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

watchdog()
{ # the whole benchmark stops by itself after $1 s
	sleep "$1" &
	local s=$!
	trap 'kill $s 2>/dev/null; exit 0' TERM
	if wait $s; then
		echo "bench_net: still running after $1 s: stopping" >&2
		kill -TERM $$
	fi
}
watchdog "$BENCH_TIMEOUT" &
WATCHDOG=$!

free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_file()
{ # wait_file FILE PID WHAT: up to 10 s for FILE while PID lives
	local i
	for i in $(seq 1 200); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || die "$3 exited during start: $(tail -n 5 "$S/$3.err" 2>/dev/null)"
		sleep 0.05
	done
	die "$3 did not start within 10 s"
}

# --- the two sides -----------------------------------------------------
CLI=()
SRV=()
if [ "$MODE" = net ]; then
	HOST=198.18.0.2 # RFC 2544 benchmarking range, inside our namespaces
	PORT=443
	SIM_PORT=18080
	CLI_NS="sipsync-bench-cli-$$"
	SRV_NS="sipsync-bench-srv-$$"
	cc -O2 -Wall -Wextra -std=c11 -o "$S/delayline" "$NET_DIR/delayline.c"
	for ns in "$CLI_NS" "$SRV_NS"; do
		ip netns add "$ns"
		NETNS+=("$ns")
		ip -n "$ns" link set lo up
	done
	CLI=(ip netns exec "$CLI_NS")
	SRV=(ip netns exec "$SRV_NS")
	"$S/delayline" --ns-a "/run/netns/$CLI_NS" --ns-b "/run/netns/$SRV_NS" --dev sbtun \
		--delay-ms "$DELAY_MS" --lifetime "$BENCH_TIMEOUT" --ready "$S/dl.ready" \
		--stats "$S/dl.stats" >"$S/delayline.out" 2>"$S/delayline.err" &
	PIDS+=($!)
	wait_file "$S/dl.ready" $! delayline
	ip -n "$CLI_NS" addr add 198.18.0.1 peer "$HOST" dev sbtun
	ip -n "$SRV_NS" addr add "$HOST" peer 198.18.0.1 dev sbtun
	for ns in "$CLI_NS" "$SRV_NS"; do
		ip -n "$ns" link set sbtun mtu 1500 up
		# the host's default may be bbr, whose pacing of a connection that
		# is never bandwidth-bound adds ~20 ms to a 20 kB page at 50 ms RTT
		ip netns exec "$ns" sysctl -qw "net.ipv4.tcp_congestion_control=$TCP_CC"
	done
else
	HOST=127.0.0.1
	PORT=$(free_port)
	SIM_PORT=$(free_port)
fi
BASE="https://$HOST:$PORT"
cc -O2 -Wall -Wextra -std=c11 -o "$S/floor" "$NET_DIR/floor.c" $(pkg-config --cflags --libs libcurl jansson)

# --- a throw-away CA and server certificate ----------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=sipsync-bench-ca -keyout "$S/ca.key" -out "$S/ca.pem" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$HOST" \
	-keyout "$S/srv.key" -out "$S/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$HOST" >"$S/srv.ext"
openssl x509 -req -in "$S/srv.csr" -CA "$S/ca.pem" -CAkey "$S/ca.key" -CAcreateserial \
	-days 2 -extfile "$S/srv.ext" -out "$S/srv.pem" 2>/dev/null

# --- the simulator (restarted from a seed file for every fresh state) ----
KEY="bench-key-$RANDOM$RANDOM"
sim_restart()
{ # sim_restart SEED_FILE
	[ -z "$SIM_PID" ] || stop_pid "$SIM_PID"
	SIM_PID=""
	rm -f "$S/sim.port"
	SIPSYNC_SIM_API_KEY="$KEY" "${SRV[@]}" "$SIPSYNC_SIM" --listen "127.0.0.1:$SIM_PORT" \
		--control --port-file "$S/sim.port" --seed "$1" >"$S/sim.out" 2>"$S/sim.err" &
	SIM_PID=$!
	wait_file "$S/sim.port" "$SIM_PID" sim
}

ctl()
{ # ctl METHOD PATH: the simulator's control API, body on stdout
	"${SRV[@]}" curl -sS --fail --max-time 30 -X "$1" "http://127.0.0.1:$SIM_PORT$2"
}

# --- nginx: TLS 1.3, HTTP/2, keep-alive, the rate limit ----------------
mkdir -p "$S/nginx"
limit="" zone_rate=1
if [ "$RATE" -gt 0 ]; then
	zone_rate=$RATE
	limit="limit_req zone=perkey burst=$BURST nodelay; limit_req_status 429;"
fi
cat >"$S/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $S/nginx/error.log warn;
pid $S/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  log_format bench '\$msec \$connection \$connection_requests \$ssl_session_reused '
                   '\$ssl_protocol \$server_protocol \$status \$request_method \$uri '
                   '\$request_time \$upstream_response_time';
  access_log $S/nginx/access.log bench;
  client_body_temp_path $S/nginx/body;
  proxy_temp_path $S/nginx/proxy;
  fastcgi_temp_path $S/nginx/fastcgi;
  uwsgi_temp_path $S/nginx/uwsgi;
  scgi_temp_path $S/nginx/scgi;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  limit_req_zone \$http_x_api_key zone=perkey:1m rate=${zone_rate}r/s;
  upstream sim { server 127.0.0.1:$SIM_PORT max_fails=0; keepalive 64; }
  server {
    listen $HOST:$PORT ssl http2;
    ssl_certificate $S/srv.pem;
    ssl_certificate_key $S/srv.key;
    ssl_protocols TLSv1.3;
    error_page 429 @throttled;
    location / {
      $limit
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      # the simulator's page links are http://Host/...: the client must
      # see the scheme it used
      sub_filter 'http://\$http_host/' 'https://\$http_host/';
      sub_filter_once off;
      sub_filter_types application/json;
    }
    location @throttled {
      add_header Retry-After 1 always;
      default_type application/json;
      return 429 '{"detail":"Request was throttled. Expected available in 1 second."}';
    }
  }
}
EOF

python3 - "$S/empty.json" <<'PY'
import json, sys
json.dump({"domain": "acme.sip.ultravox.ai", "sip": {"allowedCidrRanges": [],
    "allowAllAgents": False, "allowedAgents": [], "fallbackHandler": None},
    "registrations": []}, open(sys.argv[1], "w"))
PY
sim_restart "$S/empty.json"
"${SRV[@]}" "$NGINX" -p "$S/nginx" -c "$S/nginx.conf" -e "$S/nginx/error.log" \
	>"$S/nginx.out" 2>"$S/nginx.err" &
PIDS+=($!)
NGINX_PID=$!
ok=""
for _ in $(seq 1 100); do
	kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(cat "$S/nginx.err" "$S/nginx/error.log" 2>/dev/null)"
	if "${CLI[@]}" curl -sS --fail --max-time 5 --http2 --cacert "$S/ca.pem" -H "X-API-Key: $KEY" \
		-o /dev/null "$BASE/api/sip" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || die "nginx does not answer on $BASE"

# --- the round-trip time ------------------------------------------------
RTT_MS=0
if [ "$MODE" = net ]; then
	read -r RTT_MS rtt_line < <("${CLI[@]}" python3 - "$HOST" <<'PY'
import os, socket, statistics, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.settimeout(2)
rtts = []
for seq in range(1, 11):
    hdr = struct.pack("!BBHHH", 8, 0, 0, os.getpid() & 0xffff, seq) + b"sipsync-bench..."
    pkt = hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]
    t0 = time.monotonic()
    sock.sendto(pkt, (sys.argv[1], 0))
    while True:
        data = sock.recv(2048)
        icmp = data[(data[0] & 15) * 4:]
        if icmp[0] == 0 and struct.unpack("!H", icmp[6:8])[0] == seq:
            break
    rtts.append((time.monotonic() - t0) * 1000)
    time.sleep(0.05)
med = statistics.median(rtts)
print("%.3f ICMP echo x10: min/median/max %.2f/%.2f/%.2f ms" % (med, min(rtts), med, max(rtts)))
PY
	)
	echo "RTT $rtt_line (delay line ${DELAY_MS} ms each way; TCP $TCP_CC)"
fi

# --- desired states and seeds -------------------------------------------
source "$SRC_DIR/tests/bench/seed.sh"

export PW=bench-password
export SIP_FALLBACK_SECRET=bench-fb-1 SIP_FALLBACK_SECRET_NEXT=bench-fb-2
export PBX_SALES_PASSWORD=bench-pw-1 PBX_SUPPORT_PASSWORD=bench-pw-2
export ULTRAVOX_API_URL="$BASE" ULTRAVOX_API_KEY="$KEY" FLOOR_API_KEY="$KEY" FLOOR_CA="$S/ca.pem"
SS=("$SIPSYNC")

synced_seed()
{ # the account as examples/full.yaml leaves it, and fingerprints for it
	[ -s "$S/synced.json" ] && return 0
	sim_restart "$SRC_DIR/examples/sim-seed.json"
	"${CLI[@]}" timeout 120 "$SIPSYNC" apply "$SRC_DIR/examples/full.yaml" --auto-approve \
		--ca-cert "$S/ca.pem" --state-dir "$S/state-synced" >"$S/sync.out" 2>&1 ||
		die "apply of examples/full.yaml failed: $(cat "$S/sync.out")"
	ctl GET /_sim/state >"$S/synced.json"
}

# case_setup NAME: sets SEED, ARGS (sipsync), FLOOR_ARGS, RESET (1: fresh
# state before every run), ROUNDS (sequential round trips with unlimited
# parallelism, the TCP and TLS handshakes included), OK_RC, TITLE, STATE
# (sipsync's state directory)
case_setup()
{
	RESET=0 OK_RC=0 STATE="$S/state-$1"
	case "$1" in
	plan1k | plan10k)
		local n=1000
		[ "$1" = plan1k ] || n=10000
		seed_regs "$n" >"$S/seed-$1.json"
		regs_yaml "$n" >"$S/$1.yaml"
		SEED="$S/seed-$1.json" ARGS=(plan "$S/$1.yaml") FLOOR_ARGS=(--read)
		ROUNDS=$((2 + (n + 99) / 100)) TITLE="plan, $n registrations"
		;;
	create200)
		seed_regs 0 >"$S/seed-$1.json"
		regs_yaml 200 >"$S/$1.yaml"
		for i in $(seq 0 199); do
			printf 'POST /api/sip/registrations {"username":"u%05d","password":"%s","proxy":"pbx.example.com"}\n' "$i" "$PW"
		done >"$S/$1.writes"
		SEED="$S/seed-$1.json" ARGS=(apply "$S/$1.yaml" --auto-approve)
		FLOOR_ARGS=(--read --writes "$S/$1.writes") RESET=1 ROUNDS=4
		TITLE="apply creating 200 registrations"
		;;
	cidr10k)
		seed_regs 10000 >"$S/seed-$1.json"
		printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >"$S/$1.yaml"
		echo 'PATCH /api/sip {"allowedCidrRanges":["198.51.100.0/24"]}' >"$S/$1.writes"
		SEED="$S/seed-$1.json" ARGS=(apply "$S/$1.yaml" --auto-approve)
		FLOOR_ARGS=(--read --writes "$S/$1.writes") RESET=1 ROUNDS=103
		TITLE="apply adding one CIDR, 10,000 registrations"
		;;
	cidr)
		synced_seed
		sed 's|allowedCidrRanges: \[91.200.160.14/32, 203.0.113.0/24\]|allowedCidrRanges: [91.200.160.14/32, 203.0.113.0/24, 198.51.100.0/24]|' \
			"$SRC_DIR/examples/full.yaml" >"$S/$1.yaml"
		grep -q 198.51.100.0/24 "$S/$1.yaml" || die "cidr: examples/full.yaml changed shape"
		echo 'PATCH /api/sip {"allowedCidrRanges":["91.200.160.14/32","203.0.113.0/24","198.51.100.0/24"]}' >"$S/$1.writes"
		SEED="$S/synced.json" ARGS=(apply "$S/$1.yaml" --auto-approve) STATE="$S/state-synced"
		FLOOR_ARGS=(--read --writes "$S/$1.writes") RESET=1 ROUNDS=4
		TITLE="apply adding one CIDR"
		;;
	nochange)
		synced_seed
		SEED="$S/synced.json" ARGS=(plan "$SRC_DIR/examples/full.yaml" --detailed-exitcode)
		STATE="$S/state-synced"
		FLOOR_ARGS=(--read) ROUNDS=3 TITLE="plan, no changes (examples/full.yaml)"
		;;
	*) die "unknown case: $1" ;;
	esac
}

cat >"$S/timed" <<'EOF'
#!/usr/bin/env bash
# timed OUT CMD...: runs CMD; OUT gets "start end user_s sys_s" of it
out=$1
shift
t0=$EPOCHREALTIME
"$@"
rc=$?
t1=$EPOCHREALTIME
# the builtin in this shell, not in a pipeline's subshell: its second
# line is the user and system time of this shell's children
times >"$out.times"
echo "$t0 $t1 $(tail -n1 "$out.times")" >"$out"
exit $rc
EOF
chmod +x "$S/timed"

wire()
{ # "syn client_hello" so far (0 0 on loopback)
	if [ "$MODE" = net ]; then
		awk '/^syn /{s=$2} /^client_hello /{h=$2} END{print s+0, h+0}' "$S/dl.stats"
	else
		echo "0 0"
	fi
}

# measure CASE WHO RUN CMD...: one timed run in the client namespace; appends
# a row to results.tsv
measure()
{
	local c=$1 who=$2 run=$3 log0 syn0 hello0 syn1 hello1 rc=0
	shift 3
	ctl DELETE /_sim/log >/dev/null
	log0=$(wc -l <"$S/nginx/access.log")
	read -r syn0 hello0 < <(wire)
	"${CLI[@]}" "$S/timed" "$S/t" timeout 300 "$@" >"$S/run.out" 2>"$S/run.err" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = "$OK_RC" ] ||
		die "$c: $who run $run exited $rc: $(tail -n 5 "$S/run.err")"
	read -r syn1 hello1 < <(wire)
	cp "$S/run.err" "$S/$who.$c.$run.err" # kept with KEEP=1 (SIPSYNC_ARGS=-v)
	tail -n +"$((log0 + 1))" "$S/nginx/access.log" >"$S/run.log"
	ctl GET /_sim/log | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))' >"$S/sim.count"
	python3 - "$S/t" "$S/run.log" "$c" "$who" "$run" "$((syn1 - syn0))" "$((hello1 - hello0))" \
		"$(cat "$S/sim.count")" >>"$S/results.tsv" <<'PY'
import sys
t0, t1, cu, cs = open(sys.argv[1]).read().split()
sec = lambda v: float(v.split("m")[0]) * 60 + float(v.split("m")[1].rstrip("s"))
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
conns = len({r[1] for r in rows})
full = len({r[1] for r in rows if r[3] == "."})
n429 = sum(1 for r in rows if r[6] == "429")
proto = ",".join(sorted({r[5] for r in rows})) or "-"
# what the simulator saw is what nginx passed on (all but its own 429s)
if int(sys.argv[8]) != len(rows) - n429:
    sys.stderr.write("bench_net: %s %s: nginx logged %d requests (%d answered 429 by it), the "
                     "simulator %s\n" % (sys.argv[3], sys.argv[4], len(rows), n429, sys.argv[8]))
# the time the server spent, summed over the requests (upstream, or nginx's own)
server = sum(float(r[10]) if r[10] != "-" else float(r[9]) for r in rows)
print("\t".join([sys.argv[3], sys.argv[4], sys.argv[5],
                 "%.1f" % ((float(t1) - float(t0)) * 1000), "%.3f" % (sec(cu) + sec(cs)),
                 str(len(rows)), str(conns), str(full), str(n429), proto,
                 sys.argv[6], sys.argv[7], "%.3f" % server]))
PY
}

check_case()
{ # the run did what the case says (not a timing check)
	case "$1" in
	create200)
		local n
		n=$(ctl GET /_sim/state | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["registrations"]))')
		[ "$n" = 200 ] || die "create200: $2 left $n registrations, not 200"
		;;
	cidr)
		ctl GET /_sim/state | grep -q 198.51.100.0/24 || die "cidr: $2 did not add the CIDR"
		;;
	esac
}

echo "sipsync: $SIPSYNC ($("$SIPSYNC" --version | head -n1)); $RUNS runs a case; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
t_start=$(date +%s)
: >"$S/results.tsv"
for c in $CASES; do
	case_setup "$c"
	sim_restart "$SEED"
	for run in $(seq 1 "$RUNS"); do
		[ "$RESET" = 0 ] || sim_restart "$SEED"
		measure "$c" sipsync "$run" "${SS[@]}" "${ARGS[@]}" --ca-cert "$S/ca.pem" \
			--state-dir "$STATE" "${EXTRA[@]}"
		check_case "$c" sipsync
		[ "$RESET" = 0 ] || sim_restart "$SEED"
		measure "$c" floor "$run" "$S/floor" "$BASE" "${FLOOR_ARGS[@]}"
		check_case "$c" floor
	done
	printf '%s\t%s\t%s\n' "$c" "$ROUNDS" "$TITLE" >>"$S/cases.tsv"
	echo "  $c done ($(($(date +%s) - t_start)) s)"
done

python3 - "$S/results.tsv" "$S/cases.tsv" "$MODE" "$RTT_MS" "$RATE" <<'PY'
import collections, statistics, sys
res, cases, mode, rtt, rate = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
runs = collections.defaultdict(list)
for line in open(res):
    c, who, _, ms, cpu, reqs, conns, full, n429, proto, syn, hello, server = line.rstrip("\n").split("\t")
    runs[c, who].append(dict(ms=float(ms), cpu=float(cpu), reqs=int(reqs), conns=int(conns),
                             full=int(full), n429=int(n429), proto=proto, syn=int(syn), hello=int(hello),
                             server=float(server)))
med = lambda rs, k: statistics.median(r[k] for r in rs)
def wall(rs):
    return "%.3f s (%.3f–%.3f)" % (med(rs, "ms") / 1e3, min(r["ms"] for r in rs) / 1e3,
                                    max(r["ms"] for r in rs) / 1e3)
def conns(rs):
    if mode == "net":
        return "%g / %g" % (med(rs, "syn"), med(rs, "hello"))
    return "%g / -" % med(rs, "conns")
def reqs(rs):
    lo, hi = min(r["reqs"] for r in rs), max(r["reqs"] for r in rs)
    return str(lo) if lo == hi else "%d–%d" % (lo, hi)
print()
print("| case | sipsync wall, median (min–max) | floor | physical limit | sipsync ÷ floor | sipsync ÷ limit "
      "| requests sipsync / floor | TCP / TLS sipsync | TCP / TLS floor | 429s sipsync / floor | sipsync CPU | server time sipsync / floor |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for line in open(cases):
    c, rounds, title = line.rstrip("\n").split("\t")
    s, f = runs[c, "sipsync"], runs[c, "floor"]
    sw, fw = med(s, "ms") / 1e3, med(f, "ms") / 1e3
    if mode == "net":
        by_rtt = int(rounds) * rtt / 1e3
        by_rate = 2 * rtt / 1e3 + med(f, "reqs") / rate if rate > 0 else 0
        limit = max(by_rtt, by_rate)
        lim = "%.3f s (%s)" % (limit, "%s round trips" % rounds if by_rtt >= by_rate
                                else "2 round trips + %g req at %g/s" % (med(f, "reqs"), rate))
        xlim = "%.2f×" % (sw / limit)
    else:
        lim, xlim = "-", "-"
    protos = sorted({r["proto"] for r in s})
    print("| %s | %s | %s | %s | %.2f× | %s | %s / %s | %s (%s) | %s | %d / %d | %.3f s | %.3f / %.3f s |" % (
        title, wall(s), wall(f), lim, sw / fw, xlim, reqs(s), reqs(f), conns(s),
        ",".join(p.replace("HTTP/2.0", "h2") for p in protos), conns(f),
        sum(r["n429"] for r in s), sum(r["n429"] for r in f), med(s, "cpu"),
        med(s, "server"), med(f, "server")))
PY
if [ "$MODE" = net ]; then
	awk '/^dropped/ && $2 > 0 {d=1} END{exit d}' "$S/dl.stats" ||
		echo "note: the delay line dropped packets (queue full): $(grep dropped "$S/dl.stats" | tr '\n' ' ')"
fi
echo "total $(($(date +%s) - t_start)) s for the cases"
