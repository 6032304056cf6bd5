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
"$T" init C --origin bench.example/ingest --member RU --member TR >init.out ||
	exit 1
TOKEN=$(sed -n 's/^token: //p' init.out)
sed -i 's/^write_burst = .*/write_burst = 1000000000/;
	s/^write_per_minute = .*/write_per_minute = 1000000000/' C/truce.conf
for b in $(seq 0 $((BATCHES - 1))); do
	awk -v B="$b" -v N="$N" -f "$top/bench/ledger/gen.awk" >"b$b.json"
done
"$T" serve C --listen 127.0.0.1:0 >serve.log 2>&1 &
pid=$!
for i in $(seq 1 200); do
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' serve.log)
	[ -n "$URL" ] && break
	sleep 0.05
done
[ -n "$URL" ] || { cat serve.log >&2; exit 1; }
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
