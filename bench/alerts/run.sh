#!/usr/bin/env bash
# bench/alerts/run.sh: the benchmark of issue 13 (docs/alerts.md), run by
# `make bench-alerts` alone or by bench/run.sh after the others. Against
# the release binary on 127.0.0.1, with bench/alerts/abench.py measuring:
#
#   1. GET /v1/incidents, 200 sequential requests (p50, p99): idle, then
#      with 1,000 event streams held (narrow bbox filters), then during
#      the load of 3;
#   2. the same center with 100 alert rules (10 categories x 10 strips of
#      longitude: disjoint cells covering 10/12 of the observations, so
#      about 830 deliveries a second) to 10 webhook receivers on
#      127.0.0.1, 990 held streams and 10 streams of every event;
#   3. ingest at ALERTS_RATE (1,000) observations/s in batches of 10 over
#      16 keep-alive connections for ALERTS_SECONDS (30): latency from the
#      acknowledged write (its 201) to the webhook received and to the SSE
#      event received (every measuring stream, every observation); first
#      with the rules and one stream only (what the pipeline gives on the
#      machine), then with the 1,000 streams of 2;
#   4. side by side, PostgreSQL 15 LISTEN/NOTIFY (bench/alerts/pgnotify.c):
#      insert + NOTIFY in one transaction at the same rate and batches, 10
#      LISTEN connections, latency from the commit's acknowledgement.
#
# Writes its section of bench/RESULTS.md (between the "alerts" markers;
# the rest of the file is left alone). Raw outputs: bench/out/alerts/.
# PostgreSQL runs as the postgres user (runuser) in a temporary directory.
# Knobs: ALERTS_RATE, ALERTS_SECONDS, ALERTS_PRELOAD (20000 observations),
# ALERTS_HELD (1000).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
TRUCE=${ALERTS_TRUCE:-$TOP/build/release/truce}
AB="python3 $TOP/bench/alerts/abench.py"
OUT=$TOP/bench/out/alerts
RATE=${ALERTS_RATE:-1000}
SECS=${ALERTS_SECONDS:-30}
PRELOAD=${ALERTS_PRELOAD:-20000}
HELD=${ALERTS_HELD:-1000}
T_START=$(date +%s)

log() { printf '%s alerts: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

# write_report: bench/out/alerts/ into the alerts section of bench/RESULTS.md
# (between its markers; the rest of the file is left alone).
write_report() {
python3 - "$OUT" "$TOP/bench/RESULTS.md" "$RATE" "$SECS" "$HELD" <<'PY'
import os, re, sys
out, path, rate, secs, held = sys.argv[1:6]

def kv(fname):
    rows = []
    for l in open(os.path.join(out, fname)):
        rows.append(dict(re.findall(r'(\w+)=("[^"]*"|\S+)', l)))
    return rows

def one(rows, what):
    for r in rows:
        if r.get("what") == what:
            return r
    return {}

m = dict(l.strip().split("=", 1) for l in open(os.path.join(out, "machine.txt")))
inc = kv("incidents.txt")
load = kv("load.txt")
pg = one(kv("pg.txt"), "pg-notify")
idle, hold, busy = (one(inc, w) for w in
                    ("incidents-idle", "incidents-held", "incidents-load"))
hook, sse, ing = one(load, "webhook"), one(load, "sse"), one(load, "ingest")
quiet = kv("quiet.txt")
qhook, qsse, qing = one(quiet, "webhook"), one(quiet, "sse"), one(quiet, "ingest")
cpu = one(load, "load-cpu")

def f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")

def ratio(a, b):
    return f"{f(a) / f(b):.2f}x" if f(b) > 0 else "?"

def bar(ok):
    return "**met**" if ok else "**missed**"

th = {}
try:
    for l in open(os.path.join(out, "threads.txt")):
        w, *rest = l.split()
        th[w.split("=")[1]] = {k: float(v) for k, v in (x.split("=") for x in rest)}
    deltas = {k: th["threads-after"][k] - th["threads-before"].get(k, 0)
              for k in th["threads-after"]}
    threads = ", ".join(f"{k} {v:.1f} s" for k, v in
                        sorted(deltas.items(), key=lambda kv: -kv[1]) if v >= 0.05)
except (OSError, KeyError, ValueError):
    threads = "?"
held_ratio = f(hold.get("p99_ms")) / f(idle.get("p99_ms")) if f(idle.get("p99_ms")) > 0 else float("nan")
lines = [
    "<!-- BEGIN alerts: bench/alerts/run.sh (make bench-alerts) rewrites this section -->",
    "## Alerts: webhooks, event streams and PostgreSQL LISTEN/NOTIFY (issue 13)",
    "",
    f"Measured {m['date']} at {m['commit']} on {m['cores']} cores ({m['cpu']}, "
    f"{m['ram']}, Linux {m['kernel']}), shared with other work: load average "
    f"{m['loadavg_start']} at the start, {m.get('loadavg_end', '?')} at the end. "
    f"`make bench-alerts` (bench/alerts/run.sh, {m.get('duration_s', '?')} s).",
    "",
    f"Ingest at {rate} observations/s (batches of 10, 16 keep-alive connections) for "
    f"{secs} s: {ing.get('obs', '?')} acknowledged at {ing.get('rate', '?')}/s "
    f"({ing.get('errors', '?')} errors, {ing.get('backlogged_batches', '?')} batches sent late), "
    f"100 rules to 10 receivers ({cpu.get('deliveries', '?')} deliveries over this ingest and the one-stream one), "
    f"{held} streams ({cpu.get('sse', '?')}: {int(held) - 10} held with narrow bbox "
    f"filters, 10 receiving every event); the server used {cpu.get('server_cpu_s', '?')} CPU s "
    f"over the ingest ({threads}).",
    "",
    "| from the acknowledged write to | n | p50 ms | p90 ms | p99 ms | max ms | bar | |",
    "|---|---:|---:|---:|---:|---:|---|---|",
    f"| webhook received (truce) | {hook.get('n')} | {hook.get('p50_ms')} | {hook.get('p90_ms')} | {hook.get('p99_ms')} | {hook.get('max_ms')} | p99 ≤ 1,000 ms | {bar(f(hook.get('p99_ms')) <= 1000)} |",
    f"| SSE event received (truce, per stream) | {sse.get('n')} | {sse.get('p50_ms')} | {sse.get('p90_ms')} | {sse.get('p99_ms')} | {sse.get('max_ms')} | p99 ≤ 250 ms | {bar(f(sse.get('p99_ms')) <= 250)} |",
    f"| webhook received, the rules and 1 stream only ({qing.get('rate', '?')}/s acknowledged) | {qhook.get('n')} | {qhook.get('p50_ms')} | {qhook.get('p90_ms')} | {qhook.get('p99_ms')} | {qhook.get('max_ms')} | | |",
    f"| SSE event received, the rules and 1 stream only | {qsse.get('n')} | {qsse.get('p50_ms')} | {qsse.get('p90_ms')} | {qsse.get('p99_ms')} | {qsse.get('max_ms')} | | |",
    f"| NOTIFY received (PostgreSQL 15, 10 listeners) | {pg.get('n')} of {pg.get('expected')} | {pg.get('p50_ms')} | {pg.get('p90_ms')} | {pg.get('p99_ms')} | {pg.get('max_ms')} | | {pg.get('rate', '?')} rows/s |",
    "",
    "The p50 of each 5 s of writes, in order (ms; a queue that builds up "
    "shows as rising figures): webhook "
    f"{one(load, 'webhook-p50-per-5s').get('ms', '?')}, SSE "
    f"{one(load, 'sse-p50-per-5s').get('ms', '?')}; with one stream: webhook "
    f"{one(quiet, 'webhook-p50-per-5s').get('ms', '?')}, SSE "
    f"{one(quiet, 'sse-p50-per-5s').get('ms', '?')}. The event follower had "
    f"caught up with the 20,000 observations loaded first "
    f"({one(kv('preload.txt'), 'preload-followed').get('caught_up_s', '?')} s after them) "
    "and with the one-stream ingest before each ingest started.",
    "",
    f"Ratios, truce / PostgreSQL at p99: webhook {ratio(hook.get('p99_ms'), pg.get('p99_ms'))}, "
    f"SSE {ratio(sse.get('p99_ms'), pg.get('p99_ms'))}; at p50: webhook "
    f"{ratio(hook.get('p50_ms'), pg.get('p50_ms'))}, SSE {ratio(sse.get('p50_ms'), pg.get('p50_ms'))}.",
    "",
    "| GET /v1/incidents?limit=50, 200 sequential | p50 ms | p99 ms |",
    "|---|---:|---:|",
    f"| idle | {idle.get('p50_ms')} | {idle.get('p99_ms')} |",
    f"| {held} streams held ({hold.get('streams', '?')}; server RSS {int(hold.get('rss_kib', 0)) // 1024} MiB, {hold.get('threads', '?')} threads) | {hold.get('p50_ms')} | {hold.get('p99_ms')} |",
    f"| during the ingest above | {busy.get('p50_ms')} | {busy.get('p99_ms')} |",
    "",
    f"Held streams against idle, p99: {held_ratio:.2f}x (bar: within 1.5x: "
    f"{bar(held_ratio <= 1.5)}).",
    "<!-- END alerts -->",
]
text = "\n".join(lines) + "\n"
old = open(path).read() if os.path.exists(path) else "# truce benchmark results\n"
b, e = "<!-- BEGIN alerts", "<!-- END alerts -->\n"
if b in old and e in old:
    head, rest = old.split(b, 1)
    new = head + text + rest.split(e, 1)[1]
else:
    new = old.rstrip("\n") + "\n\n" + text
open(path, "w").write(new)
print(text)
PY
}

# bench/alerts/run.sh --report-only rewrites the section from the last run.
if [ "${1:-}" = --report-only ]; then
	write_report
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run me as root (PostgreSQL runs with runuser -u postgres)"
[ -x "$TRUCE" ] || die "$TRUCE is missing: run make bench-alerts"
. "$TOP/tests/lib/pg.sh"
pg_check || die "PostgreSQL 15 + PostGIS are needed: run make deps"
mkdir -p "$OUT" "$TOP/build/bench"
rm -f "$OUT"/*
cc -O2 -Wall -Wextra -I/usr/include/postgresql -o "$TOP/build/bench/pgnotify" \
	bench/alerts/pgnotify.c -lpq -lpthread

W=$(mktemp -d /tmp/truce-alerts.XXXXXX)
chmod 755 "$W"
PID= PG_UP= BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	cp "$W/serve.log" "$OUT/serve.log" 2>/dev/null || true
	if [ -n "$PG_UP" ]; then
		cp "$PG_DIR/log" "$OUT/postgres.log" 2>/dev/null || true
		pg_stop
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# lat_incidents: p50 and p99 (ms) of 200 sequential GET /v1/incidents.
lat_incidents() {
	for _ in $(seq 200); do
		curl -s -o /dev/null -w '%{time_total}\n' \
			-H "Authorization: Bearer $TOKEN" "$URL/v1/incidents?limit=50"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
		END { printf "%.1f %.1f", v[int(NR * 0.5)], v[int(NR * 0.99)] }'
}
# stop_bg PID: SIGTERM and wait (the measuring processes write on TERM).
stop_bg() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# wait_file PATH: 60 s at most.
wait_file() {
	for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.1; done
	die "$1 did not appear"
}
threads_cpu() { # "name=CPU-seconds" for each of the server's threads
	local t hz
	hz=$(getconf CLK_TCK)
	for t in /proc/"$PID"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm" | tr ' ' _)" \
			"$(awk '{ print $14 + $15 }' "$t/stat")"
	done | awk -v hz="$hz" '{ c[$1] += $2 } END { for (n in c) printf "%s=%.1f ", n, c[n] / hz }'
}
cpu_s() { # the server's user + system CPU seconds
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$PID/stat"
}

# ---- the machine ---------------------------------------------------------
{
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "cores=$(nproc)"
	echo "ram=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel=$(uname -r)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+dirty src')"
} >"$OUT/machine.txt"

# ---- a center ------------------------------------------------------------
out=$("$TRUCE" init "$W/C" --origin bench.example/alerts --member RU --member TR)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
sed -i -e "s/^max_connections = .*/max_connections = $((HELD * 2 + 200))/" \
	-e "s/^max_connections_per_address = .*/max_connections_per_address = $((HELD * 2 + 400))/" \
	-e "s/^stream_max = .*/stream_max = $((HELD * 2 + 100))/" \
	-e "s/^stream_max_per_principal = .*/stream_max_per_principal = $((HELD * 2 + 100))/" \
	-e 's/^write_burst = .*/write_burst = 1000000000/' \
	-e 's/^write_per_minute = .*/write_per_minute = 1000000000/' "$W/C/truce.conf"
"$TRUCE" serve "$W/C" --listen 127.0.0.1:0 >"$W/serve.log" 2>&1 &
PID=$!
URL=
for _ in $(seq 100); do
	URL=$(sed -n 's|.* on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$W/serve.log")
	[ -n "$URL" ] && break
	sleep 0.1
done
[ -n "$URL" ] || { cat "$W/serve.log" >&2; die "truce serve did not start"; }
log "preloading $PRELOAD observations"
mkdir -p "$W/pre"
$AB ingest "$URL" "$TOKEN" 10000 $((PRELOAD / 10000 > 0 ? PRELOAD / 10000 : 1)) 1000 2 "$W/pre"
cat "$W/pre/ingest.txt" | sed 's/^/what=preload /' >"$OUT/preload.txt"
# The measurements start once the event follower has caught up with it.
$AB caughtup "$URL" "$TOKEN" | sed 's/^/what=preload-followed /' >>"$OUT/preload.txt"
cat "$OUT/preload.txt" >&2

# ---- 1. GET /v1/incidents: idle, then with the streams held ------------
log "GET /v1/incidents, idle"
read -r i50 i99 <<<"$(lat_incidents)"
echo "what=incidents-idle p50_ms=$i50 p99_ms=$i99" | tee "$OUT/incidents.txt" >&2
log "opening $HELD held streams"
mkdir -p "$W/held"
$AB sse "$URL" "$TOKEN" "$HELD" 0 "$W/held" &
SSE=$!
BG+=("$SSE")
wait_file "$W/held/sse.open"
sleep 2
read -r h50 h99 <<<"$(lat_incidents)"
echo "what=incidents-held streams=\"$(cat "$W/held/sse.open")\" p50_ms=$h50 p99_ms=$h99 rss_kib=$(awk '/^VmRSS/ { print $2 }' /proc/$PID/status) threads=$(ls /proc/$PID/task | wc -l)" |
	tee -a "$OUT/incidents.txt" >&2
stop_bg "$SSE"
# A stream whose client left while suspended is found gone at its next
# heartbeat (stream_heartbeat_s, 15 s): let them go before the next phase.
sleep 17

# ---- 2, 3. rules, receivers, streams; ingest ------------------------------
log "10 receivers, 100 rules"
mkdir -p "$W/recv" "$W/quiet" "$W/load/held"
$AB recv "$W/recv" 10 &
RECV=$!
BG+=("$RECV")
wait_file "$W/recv/ports"
$AB rules "$URL" "$TOKEN" "$W/recv" | tee "$OUT/rules.txt" >&2

# 3a. The rules and one stream of every event, no held streams: what the
# pipeline gives on this machine without the streams' load.
log "ingest with the rules and 1 stream: $RATE observations/s for $SECS s"
$AB sse "$URL" "$TOKEN" 0 1 "$W/quiet" &
SSE=$!
BG+=("$SSE")
wait_file "$W/quiet/sse.open"
$AB caughtup "$URL" "$TOKEN" >&2
$AB ingest "$URL" "$TOKEN" "$RATE" "$SECS" 10 16 "$W/quiet"
sleep 5
stop_bg "$SSE"

# 3b. The same with 990 held streams and 10 streams of every event, in
# two processes (the measuring streams' reader is not slowed by the held
# ones).
log "$((HELD - 10)) held streams and 10 measuring streams"
$AB sse "$URL" "$TOKEN" $((HELD - 10)) 0 "$W/load/held" &
HSSE=$!
BG+=("$HSSE")
wait_file "$W/load/held/sse.open"
$AB sse "$URL" "$TOKEN" 0 10 "$W/load" &
SSE=$!
BG+=("$SSE")
wait_file "$W/load/sse.open"
$AB caughtup "$URL" "$TOKEN" >&2
log "ingest: $RATE observations/s for $SECS s"
cpu0=$(cpu_s)
th0=$(threads_cpu)
(sleep $((SECS / 3)); lat_incidents >"$W/load/incidents-load.txt") &
PROBE=$!
$AB ingest "$URL" "$TOKEN" "$RATE" "$SECS" 10 16 "$W/load"
cpu1=$(cpu_s)
echo "what=threads-before $th0" >"$OUT/threads.txt"
echo "what=threads-after $(threads_cpu)" >>"$OUT/threads.txt"
wait "$PROBE" || true
sleep 5 # what is still queued arrives
read -r l50 l99 <"$W/load/incidents-load.txt" || true
echo "what=incidents-load p50_ms=${l50:-?} p99_ms=${l99:-?}" | tee -a "$OUT/incidents.txt" >&2
stop_bg "$SSE"
stop_bg "$HSSE"
stop_bg "$RECV"
sed 's/^/what=ingest /' "$W/load/ingest.txt" >"$OUT/load.txt"
echo "what=load-cpu server_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }') sse=\"$(cat "$W/load/held/sse.open") + $(cat "$W/load/sse.open")\" deliveries=$(wc -l <"$W/recv/recv.txt")" >>"$OUT/load.txt"
$AB report "$W/load/ack.txt" "$W/recv/recv.txt" "$W/load/sse.txt" >>"$OUT/load.txt"
sed 's/^/what=ingest /' "$W/quiet/ingest.txt" >"$OUT/quiet.txt"
$AB report "$W/quiet/ack.txt" "$W/recv/recv.txt" "$W/quiet/sse.txt" >>"$OUT/quiet.txt"
cat "$OUT/quiet.txt" "$OUT/load.txt" >&2
curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/alerts/deliveries?state=pending&limit=1000" |
	jq '.deliveries | length' | sed 's/^/what=pending-after n=/' >>"$OUT/load.txt"
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
PID=

# ---- 4. PostgreSQL LISTEN/NOTIFY ------------------------------------------
log "PostgreSQL 15: insert + NOTIFY at $RATE/s, 10 listeners"
# A throwaway cluster with PostgreSQL's durable defaults (tests/lib/pg.sh).
PG_UP=1
PG_DURABLE=1 pg_start || die "PostgreSQL did not start"
PGPORT=$PG_PORT
"$TOP/build/bench/pgnotify" "host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres" \
	"$RATE" "$SECS" 10 10 | tee "$OUT/pg.txt" >&2
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "duration_s=$(($(date +%s) - T_START))" >>"$OUT/machine.txt"

# ---- the report -------------------------------------------------------------
log "writing bench/RESULTS.md (its alerts section)"
write_report
log "done in $(($(date +%s) - T_START)) s"
