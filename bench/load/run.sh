#!/usr/bin/env bash
# bench/load/run.sh: the load figures of issue 17 ("Transport and load"),
# run by `make bench-load`. Against the release binary on 127.0.0.1:
#   1. 1,000 concurrent keep-alive connections for LOAD_SECONDS (60) with
#      wrk and mix.lua (queries, proofs, tiles, writes): every status
#      counted (only 2xx and the documented 429/503 may appear), wrk's
#      connection errors, the server's RSS before, at its peak and after;
#   2. a normal client's latency (100 requests, p50/p99) alone, then while
#      500 slow-sending connections (a header byte a second) are open.
# Writes bench/load/RESULTS.md's measured part. Knobs: LOAD_SECONDS,
# LOAD_CONNECTIONS (1000), LOAD_OBSERVATIONS (20000).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
T=$TOP/build/release/truce
SECS=${LOAD_SECONDS:-60}
CONNS=${LOAD_CONNECTIONS:-1000}
NOBS=${LOAD_OBSERVATIONS:-20000}
W=$(mktemp -d /tmp/truce-load.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
log() { printf '%s load: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$PID/status"; }

out=$("$T" init "$W/C" --origin bench.example/load --member RU --member TR)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
# Enough connections for the load, from one address; a burst allowance that
# lets the writes through (the per-principal limit is measured elsewhere).
sed -i -e "s/^max_connections = .*/max_connections = $((CONNS + 24))/" \
    -e "s/^max_connections_per_address = .*/max_connections_per_address = $((CONNS * 2))/" \
    -e 's/^write_burst = .*/write_burst = 1000000000/' \
    -e 's/^write_per_minute = .*/write_per_minute = 1000000000/' "$W/C/truce.conf"
"$T" serve "$W/C" --listen 127.0.0.1:0 >"$W/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$W/serve.log")
	[ -n "$URL" ] && break
	sleep 0.1
done
[ -n "$URL" ] || { cat "$W/serve.log"; exit 1; }
log "loading $NOBS observations"
left=$NOBS; b=0
while [ "$left" -gt 0 ]; do
	n=$((left < 5000 ? left : 5000))
	awk -v B=$((b + 900)) -v N="$n" -f "$TOP/bench/ledger/gen.awk" >"$W/b.json"
	curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
	    -H 'Content-Type: application/json' --data-binary @"$W/b.json" "$URL/v1/observations"
	left=$((left - n)); b=$((b + 1))
done
sleep 1
SIZE=$(curl -s "$URL/v1/health" | jq .log_size)
R0=$(rss)
log "wrk: $CONNS connections for $SECS s"
TOKEN=$TOKEN LOG_SIZE=$SIZE wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s \
    -s "$TOP/bench/load/mix.lua" "$URL" >"$W/wrk.out" 2>&1 || true
R1=$(hwm)
sleep 2
t0=$(date +%s%N)
HEALTH=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$URL/v1/health")
t1=$(date +%s%N)
R2=$(rss)
ALIVE=$(kill -0 "$PID" 2>/dev/null && echo yes || echo no)

# A normal client alone, then beside 500 slow senders.
lat() { # prints p50 and p99 (ms) of 100 sequential queries
	for _ in $(seq 1 100); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
		    "$URL/v1/observations?bbox=46.8,39.9,47.1,40.1&limit=10"
	done | sort -n | awk '{ v[NR] = $1 * 1000 } END { printf "%.1f %.1f", v[50], v[99] }'
}
ALONE=$(lat)
python3 - "${URL##*:}" >"$W/slow.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(500):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except OSError:
        pass
print("open", len(socks), flush=True)
for _ in range(25):
    for s in socks:
        try:
            s.sendall(b"X-a: b\r\n")
        except OSError:
            pass
    time.sleep(1)
PY
SLOWPID=$!
sleep 3
BESIDE=$(lat)
wait "$SLOWPID" || true

MACHINE="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
{
	echo "## Measured $(date -u +%Y-%m-%dT%H:%MZ) at $(git rev-parse --short HEAD)"
	echo
	echo "Machine: $MACHINE (shared; other work ran beside it)."
	echo
	echo "### $CONNS keep-alive connections for $SECS s (wrk -t2, mix.lua)"
	echo
	echo '```'
	grep -E '^statuses|^p50_ms|Requests/sec|Socket errors' "$W/wrk.out" || cat "$W/wrk.out"
	echo '```'
	echo
	echo "| measure | value |"
	echo "|---|---|"
	echo "| log size before | $SIZE entries |"
	echo "| server RSS before | $((R0 / 1024)) MiB |"
	echo "| server RSS at its peak (VmHWM) | $((R1 / 1024)) MiB |"
	echo "| server RSS 2 s after | $((R2 / 1024)) MiB |"
	echo "| health right after | $HEALTH in $(( (t1 - t0) / 1000000 )) ms |"
	echo "| server still running | $ALIVE |"
	echo
	echo "### A normal client's 100 queries, alone and beside 500 slow senders"
	echo
	echo "| | p50 ms | p99 ms |"
	echo "|---|---|---|"
	echo "| alone | ${ALONE% *} | ${ALONE#* } |"
	echo "| beside 500 slow senders ($(sed -n 's/^open //p' "$W/slow.out") opened) | ${BESIDE% *} | ${BESIDE#* } |"
} >"$W/results.md"
cat "$W/results.md"
python3 - "$TOP/bench/load/RESULTS.md" "$W/results.md" <<'PY'
import sys
path, new = sys.argv[1], open(sys.argv[2]).read()
try:
    old = open(path).read()
except FileNotFoundError:
    old = ""
mark = "<!-- measured: bench/load/run.sh writes below -->\n"
head = old.split(mark)[0] if mark in old else old
open(path, "w").write(head + mark + "\n" + new)
PY
