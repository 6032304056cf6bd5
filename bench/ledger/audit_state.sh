#!/usr/bin/env bash
# bench/ledger/audit_state.sh: the whole-state audit beside the
# observations-only one (issue 15, "Benchmark"), in one run on one center:
# ENTRIES observations POSTed in batches of 10,000 (bench/ledger/gen.awk,
# the ledger bench's), the center left to settle, then
#
#   truce audit URL --observations-only   (the audit before issue 15)
#   truce audit URL                       (every state kind compared too)
#
# each timed (wall clock, and user + sys CPU of the audit process), with
# entries/s and entries per CPU-second, and the ratio of the two wall
# times (the bar: whole-state within 2x). The center has no witnesses: the
# cosignatures are not what is measured (bench/ledger/run.sh measures them).
#
# Usage: bench/ledger/audit_state.sh   (after `make build/release/truce`;
#        prints a Markdown section for bench/RESULTS.md)
# Environment: ENTRIES (default 1000000), TRUCE_BIN (default
# build/release/truce), BENCH_DIR (default a temporary directory, removed
# at the end).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TRUCE_BIN:-$top/build/release/truce}
ENTRIES=${ENTRIES:-1000000}
W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/truce-audit-state.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"
	rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
[ -x "$T" ] || { echo "build $T first (make build/release/truce)" >&2; exit 1; }

. "$top/bench/center.sh"
bench_center C bench.example/state || exit 1

t0=$(date +%s.%N)
batches=$((ENTRIES / 10000))
for b in $(seq 0 $((batches - 1))); do
	awk -v B="$b" -v N=10000 -f "$top/bench/ledger/gen.awk" >batch.json
	s=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary @batch.json "$URL/v1/observations")
	[ "$s" = 201 ] || { echo "batch $b: HTTP $s" >&2; exit 1; }
done
size=$(curl -s "$URL/v1/health" | jq .log_size)
# Settled: the checkpoint covers the log and the store has applied it.
for i in $(seq 1 6000); do
	n=$(curl -s "$URL/checkpoint" | sed -n 2p)
	a=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"$URL/v1/state/digest?kind=principals&from=0&to=1&size=$size")
	[ "$n" = "$size" ] && [ "$a" = 200 ] && break
	sleep 0.2
done
load_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
incidents=$(curl -s -H "Authorization: Bearer $TOKEN" \
	"$URL/v1/state/digest?kind=incidents&from=0&to=$size&size=$size" |
	jq .count)

# center_ticks: user + sys clock ticks of the serving center so far.
center_ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}
hz=$(getconf CLK_TCK)

# run_audit ARGS...: sets OUT, PASSED (1 if it said audit OK), WALL (s),
# CPU (user + sys of the audit, s) and CCPU (the center's over the audit:
# serving the checkpoint, tiles, entries and digests).
run_audit() {
	local s0 s1 c0
	TIMEFORMAT='%U %S'
	c0=$(center_ticks)
	s0=$(date +%s.%N)
	{ time "$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" "$@" \
		>audit.out 2>&1; } 2>time.out
	PASSED=$(grep -c '^audit OK' audit.out)
	s1=$(date +%s.%N)
	OUT=$(cat audit.out)
	WALL=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", b - a }')
	CPU=$(tail -1 time.out | awk '{ printf "%.2f", $1 + $2 }')
	CCPU=$(awk -v a="$c0" -v b="$(center_ticks)" -v hz="$hz" \
		'BEGIN { printf "%.2f", (b - a) / hz }')
}
row() { # row NAME
	printf '| %s | %s s = %s entries/s | %s s = %s entries per CPU-second | %s s | %s |\n' \
		"$1" "$WALL" "$(awk -v n="$size" -v s="$WALL" 'BEGIN { printf "%.0f", n / s }')" \
		"$CPU" "$(awk -v n="$size" -v s="$CPU" 'BEGIN { printf "%.0f", n / s }')" \
		"$CCPU" \
		"$([ "$PASSED" = 1 ] && echo OK || echo FAILED)"
}

echo "## Whole-state audit beside the observations-only audit ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "bench/ledger/audit_state.sh, ENTRIES=$ENTRIES: $size log entries"
echo "($incidents incidents), loaded and settled in $load_s s. Machine load"
echo "before the audits: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| audit | wall clock | CPU of the audit process (user + sys) | CPU of the center over it | result |"
echo "|---|---|---|---|---|"
run_audit --observations-only
obs_wall=$WALL
obs_out=$OUT
row "observations only (\`--observations-only\`, the audit before issue 15)"
obs_cpu=$CPU
run_audit
row "whole state (every kind of \`GET /v1/state/digest\` compared)"
echo
echo "Whole-state / observations-only wall time: $(awk -v a="$WALL" -v b="$obs_wall" 'BEGIN { printf "%.2f", a / b }')x wall, $(awk -v a="$CPU" -v b="$obs_cpu" 'BEGIN { printf "%.2f", a / b }')x CPU of the audit (bar: within 2x)."
echo "Machine load after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Summary lines:"
echo
echo "    $obs_out"
echo "    $OUT"
