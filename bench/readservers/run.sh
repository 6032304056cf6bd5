#!/usr/bin/env bash
# bench/readservers/run.sh: read servers (issue 16, docs/readservers.md),
# run by `make bench-readservers`. One center of READ_OBS observations, its
# writer, and 1, 2 and 4 `truce serve --read-only` over its store (SQLite
# in WAL mode, then one PostgreSQL database: a throwaway cluster of
# tests/lib/pg.sh), each loaded by its own wrk (READ_CONNS connections,
# one thread) for READ_SECONDS with the bbox + time + category query of
# GET /v1/observations; READ_REPS repetitions, medians reported. The writer
# alone (no read server) is the baseline. Per configuration: queries/s (the
# sum over the servers), p99 (the worst server's), and queries per CPU
# second of the serving processes (utime + stime from /proc, the read
# servers' and the PostgreSQL backends' for PostgreSQL), which is the
# figure that holds on a machine with more cores than this one.
# Prints a Markdown section on stdout (and to bench/out/readservers.md, gitignored).
# Knobs: READ_OBS (20000), READ_SECONDS (5), READ_REPS (3), READ_CONNS
# (8), READ_STORES ("sqlite postgresql"), READ_SETTLE (3 s after read
# servers start, before measuring).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
T=${TRUCE:-$TOP/build/release/truce}
NOBS=${READ_OBS:-20000}
SECS=${READ_SECONDS:-5}
REPS=${READ_REPS:-3}
CONNS=${READ_CONNS:-8}
STORES=${READ_STORES:-sqlite postgresql}
W=$(mktemp -d /tmp/truce-readsrv.XXXXXX)
PIDS=()
QUERY="/v1/observations?bbox=46.2,39.2,46.8,39.8&from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z&category=explosion&limit=100"
log() { printf '%s readservers: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}
cleanup() {
	stop_all
	[ -n "${PG_DIR:-}" ] && pg_stop
	rm -rf "$W"
}
trap cleanup EXIT
command -v wrk >/dev/null || { log "wrk is missing (make deps)"; exit 1; }

# serve DIR [--read-only]: starts a server; prints its URL; its pid is
# appended to PIDS (by the caller, from $W/last.pid).
serve() {
	local out="$W/serve.$RANDOM.log" u i
	"$T" serve "$1" --listen 127.0.0.1:0 ${2:-} >"$out" 2>&1 &
	echo $! >"$W/last.pid"
	for i in $(seq 1 200); do
		u=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$out")
		[ -n "$u" ] && { echo "$u"; return 0; }
		sleep 0.05
	done
	log "server did not start: $(cat "$out")"
	return 1
}
# cpu PID...: CPU seconds (utime + stime) of the processes, summed.
cpu() {
	local p tck
	tck=$(getconf CLK_TCK)
	for p in "$@"; do
		awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0
	done | awk -v t="$tck" '{ s += $1 } END { printf "%.2f", s / t }'
}
# pg_backends: the pids of the cluster's backends serving truce.
pg_backends() {
	pg_sql postgres -A -t -c "SELECT pid FROM pg_stat_activity WHERE
	    datname LIKE 'bench%' AND pid <> pg_backend_pid()" 2>/dev/null || true
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run_store STORE: the center, its writer, then each configuration.
run_store() {
	local store=$1 C="$W/C-$1" out wurl n k rep urls u pids qps p99 c0 c1
	local wpid bpids line wrks bad kib
	out=$("$T" init "$C" --origin bench.example/readservers --member RU \
	    --member TR)
	TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
	sed -i -e 's/^write_burst = .*/write_burst = 1000000000/' \
	    -e 's/^write_per_minute = .*/write_per_minute = 1000000000/' \
	    "$C/truce.conf"
	if [ "$store" = postgresql ]; then
		pg_createdb bench_readsrv
		sed -i "s|^store = .*|store = ${PG_URI}bench_readsrv|" \
		    "$C/truce.conf"
		rm -f "$C/store.db"
	fi
	wurl=$(serve "$C")
	wpid=$(cat "$W/last.pid")
	PIDS+=("$wpid")
	for n in $(seq 0 $((NOBS / 5000 - 1))); do
		awk -v B="$n" -v N=5000 -f bench/ledger/gen.awk >"$W/batch.json"
		curl -s -o /dev/null -f -H "Authorization: Bearer $TOKEN" \
		    -H 'Content-Type: application/json' \
		    --data-binary @"$W/batch.json" "$wurl/v1/observations"
	done
	SIZE=$(curl -s -H "Authorization: Bearer $TOKEN" -D - -o /dev/null \
	    "$wurl/v1/observations?limit=1" | tr -d '\r' |
	    sed -n 's/^X-Truce-Log-Size: //Ip')
	ROWS=$(curl -s -H "Authorization: Bearer $TOKEN" "$wurl$QUERY" |
	    jq '.features | length')
	log "$store: $SIZE log entries; the query answers $ROWS rows"
	for k in 0 1 2 4; do
		urls=()
		pids=()
		if [ "$k" -eq 0 ]; then
			urls=("$wurl")
			pids=("$wpid")
		fi
		for _ in $(seq 1 "$k"); do
			u=$(serve "$C" --read-only)
			urls+=("$u")
			pids+=("$(cat "$W/last.pid")")
			PIDS+=("$(cat "$W/last.pid")")
		done
		for u in "${urls[@]}"; do # warm: the page cache and the pools
			curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
			    "$u$QUERY&min_size=$SIZE"
		done
		# A new server's events hub reads the log once at start
		# (docs/readservers.md): not part of what a query costs.
		[ "$k" -gt 0 ] && sleep "${READ_SETTLE:-3}"
		for rep in $(seq 1 "$REPS"); do
			bpids=()
			[ "$store" = postgresql ] && bpids=($(pg_backends))
			c0=$(cpu "${pids[@]}" "${bpids[@]}")
			n=0
			wrks=()
			for u in "${urls[@]}"; do
				wrk -t1 -c"$CONNS" -d"${SECS}s" --latency \
				    -H "Authorization: Bearer $TOKEN" \
				    "$u$QUERY" >"$W/wrk.$n" 2>&1 &
				wrks+=($!)
				n=$((n + 1))
			done
			wait "${wrks[@]}"
			c1=$(cpu "${pids[@]}" "${bpids[@]}")
			qps=$(cat "$W"/wrk.* | awk '/^Requests\/sec/ { s += $2 }
			    END { printf "%.0f", s }')
			p99=$(cat "$W"/wrk.* | awk '$1 == "99%" {
			    v = $2; u = v; sub(/[a-z]+$/, "", v);
			    sub(/^[0-9.]+/, "", u);
			    ms = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v;
			    if (ms > m) m = ms } END { printf "%.1f", m }')
			bad=$(cat "$W"/wrk.* | awk '/Non-2xx/ { s += $NF }
			    END { print s + 0 }')
			# KiB per answer: a check that every run answered the
			# same rows (Transfer/sec over Requests/sec).
			kib=$(cat "$W"/wrk.* | awk '/^Transfer\/sec/ {
			    v = $2; u = v; sub(/[A-Za-z]+$/, "", v);
			    sub(/^[0-9.]+/, "", u);
			    m = u == "MB" ? 1024 : u == "GB" ? 1048576 : 1;
			    t += u == "KB" || u == "MB" || u == "GB" ? v * m : v / 1024 }
			    /^Requests\/sec/ { q += $2 }
			    END { printf "%.1f", (q > 0 ? t / q : 0) }')
			line="$store $k $rep $qps $p99 $(awk -v a="$c0" \
			    -v b="$c1" 'BEGIN { printf "%.2f", b - a }') $bad $kib"
			echo "$line" >>"$RAW"
			log "$line"
			rm -f "$W"/wrk.*
		done
		# Only the read servers of this configuration stop.
		if [ "$k" -gt 0 ]; then
			for u in "${pids[@]}"; do
				kill "$u"
				wait "$u" 2>/dev/null || true
			done
			PIDS=("$wpid")
		fi
	done
	kill "$wpid"
	wait "$wpid" 2>/dev/null || true
	PIDS=()
}

RAW="$W/raw"
mkdir -p "$TOP/bench/out"
: >"$RAW"
for s in $STORES; do
	if [ "$s" = postgresql ]; then
		. "$TOP/tests/lib/pg.sh"
		if ! pg_start; then
			log "no PostgreSQL cluster: its part is skipped"
			continue
		fi
		if ! "$T" serve --help-config 2>&1 | grep 'postgresql://' >/dev/null; then
			log "this truce has no PostgreSQL backend: skipped"
			continue
		fi
	fi
	log "$s: $NOBS observations, then 0 (writer), 1, 2, 4 read servers"
	run_store "$s"
done

MACHINE="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
{
	echo "### Measured $(date -u +%Y-%m-%dT%H:%MZ) at $(git rev-parse --short HEAD)"
	echo
	echo "Machine: $MACHINE, shared with other work; wrk runs on the"
	echo "same $(nproc) cores. Query: \`GET $QUERY\`"
	echo "(bbox + time + category, $NOBS observations). $REPS runs of"
	echo "${SECS} s per configuration, one wrk -t1 -c$CONNS per server;"
	echo "medians. CPU: the serving processes' utime + stime (read"
	echo "servers, or the writer alone; for PostgreSQL also its backends)."
	echo
	echo "| store | read servers | queries/s (sum) | p99 ms (worst server) | CPU s / run | queries per CPU second | KiB per answer | non-2xx |"
	echo "|---|---|---|---|---|---|---|---|"
	for s in $STORES; do
		for k in 0 1 2 4; do
			grep "^$s $k " "$RAW" >"$W/sel" || continue
			q=$(awk '{ print $4 }' "$W/sel" | median)
			p=$(awk '{ print $5 }' "$W/sel" | median)
			c=$(awk '{ print $6 }' "$W/sel" | median)
			e=$(awk '{ s += $7 } END { print s + 0 }' "$W/sel")
			kb=$(awk '{ print $8 }' "$W/sel" | median)
			per=$(awk '{ if ($6 > 0) print $4 * '"$SECS"' / $6 }' \
			    "$W/sel" | median)
			printf '| %s | %s | %s | %s | %s | %.0f | %s | %s |\n' \
			    "$s" \
			    "$([ "$k" -eq 0 ] && echo "none (the writer)" || echo "$k")" \
			    "$q" "$p" "$c" "$per" "$kb" "$e"
		done
	done
	echo
	echo "Raw lines (store, read servers, run, queries/s, p99 ms, CPU s, non-2xx, KiB per answer):"
	echo
	echo '```'
	cat "$RAW"
	echo '```'
} | tee "$TOP/bench/out/readservers.md"
