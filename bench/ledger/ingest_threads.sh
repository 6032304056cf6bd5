#!/usr/bin/env bash
# bench/ledger/ingest_threads.sh: where a server's CPU goes while it takes
# observations over HTTP, thread by thread. BATCHES POSTs of N gen.awk
# observations (one client, keep-alive off), a read that waits until the
# store holds them, a pause for the event follower, then each thread's
# user + sys CPU from /proc/PID/task/*/stat.
#
# Usage: bench/ledger/ingest_threads.sh [LABEL]
# Environment: TRUCE_BIN (default build/release/truce), BATCHES (50), N
# (1000), SETTLE_S (10: seconds left to the event follower).
# Prints one line: LABEL ack=S caught=S cpu=S THREAD=S ...
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TRUCE_BIN:-$top/build/release/truce}
BATCHES=${BATCHES:-50}
N=${N:-1000}
W=$(mktemp -d "${TMPDIR:-/tmp}/truce-ingest.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
[ -x "$T" ] || { echo "build $T first (make build/release/truce)" >&2; exit 1; }
. "$top/bench/center.sh"
bench_center C bench.example/ingest || exit 1
for b in $(seq 0 $((BATCHES - 1))); do
	awk -v B="$b" -v N="$N" -f "$top/bench/ledger/gen.awk" >"b$b.json"
done
t0=$(date +%s.%N)
for b in $(seq 0 $((BATCHES - 1))); do
	s=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary "@b$b.json" "$URL/v1/observations")
	[ "$s" = 201 ] || { echo "batch $b: HTTP $s" >&2; exit 1; }
done
t1=$(date +%s.%N)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
	"$URL/v1/observations?limit=1"
t2=$(date +%s.%N)
sleep "${SETTLE_S:-10}"
hz=$(getconf CLK_TCK)
threads=$(for t in /proc/"$pid"/task/*; do
	printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" \
		"$(awk '{ print $14 + $15 }' "$t/stat")"
done | awk -v hz="$hz" '{ a[$1] += $2 }
	END { for (k in a) if (a[k] > 0) printf "%s=%.2f ", k, a[k] / hz }')
total=$(awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' \
	"/proc/$pid/stat")
awk -v l="${1:-run}" -v a="$t0" -v b="$t1" -v c="$t2" -v cpu="$total" \
	-v th="$threads" 'BEGIN { printf "%s ack=%.2f caught=%.2f cpu=%s %s\n",
	l, b - a, c - a, cpu, th }'
