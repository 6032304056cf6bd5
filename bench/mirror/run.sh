#!/usr/bin/env bash
# bench/mirror/run.sh: a member's mirror catching up with a center (issue
# 16, "Benchmark": a mirror's catch-up over N entries, entries/s and CPU
# per entry against `truce audit`'s), in one run on this machine:
#
#   1. a fresh center (no witnesses: the joint checkpoint is the log's
#      own) is loaded with ENTRIES - 1 observations through the real
#      server, in POSTs of 10,000 (bench/ledger/gen.awk), and left to
#      settle (store caught up, checkpoint at the log's size);
#   2. RUNS times, one after the other against the same center:
#      - `truce audit` (the whole-state audit, docs/audit.md): its wall
#        time (its summary line) and the CPU of the audit process and of
#        the center (user + system, every thread);
#      - `truce audit --observations-only` (the audit before issue 15),
#        the same figures;
#      - `truce mirror --once` into an empty directory (docs/mirror.md):
#        fetch, verify, keep (fdatasync per 16 bundles) and replay with
#        fusion into its own durable SQLite store; the same figures, and
#        the split its summary line gives (wall and CPU fetching and
#        verifying, then replaying);
#      - with a PostgreSQL cluster (below), `truce mirror --once --store
#        postgresql://...` into an empty directory and a new database of
#        it: the same figures, and the cluster's CPU over the command
#        (its processes' ticks, the exited ones' included);
#   medians of the RUNS, entries/s and CPU µs per entry, and the ratios.
#
# The PostgreSQL run uses a throwaway cluster (tests/lib/pg.sh with
# PostgreSQL's durable defaults, as bench/pgstore/run.sh) when the binary
# has the PostgreSQL store; MIRROR_PG=0 skips it.
#
# The figures are of the apply path as it is in this tree: the store's
# apply speed is being worked on elsewhere (issue 16's store efficiency
# targets), and both the mirror and the audit replay through it.
#
# Usage: bench/mirror/run.sh (after `make build/release/truce`; `make
#        bench-mirror` does both).
# Environment: ENTRIES (50000; 1000000 for the issue's figure), RUNS (3),
#   TRUCE_BIN (build/release/truce), BENCH_KEEP=1 keeps the work
#   directory.
# Raw outputs go to bench/out/mirror-ENTRIES/ (not committed); the summary
# replaces the section between the MIRROR-ENTRIES markers of
# bench/RESULTS.md (appended with its heading when absent; one section per
# size), nothing else of that file; `ENTRIES=N bench/mirror/run.sh
# --report-only` rewrites it from the last outputs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TRUCE_BIN:-$top/build/release/truce}
ENTRIES=${ENTRIES:-50000}
RUNS=${RUNS:-3}
OUT=$top/bench/out/mirror-$ENTRIES
TAG=MIRROR-$ENTRIES # the markers of this size's section
T_START=$(date +%s)

log() { printf '%s bench/mirror: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }
# median: the median of the numbers on standard input, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
	else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# col WHAT KEY: the values of KEY on the lines of runs.txt for WHAT.
col() { awk -v w="what=$1" -v k="$2=" '$1 == w { for (i = 2; i <= NF; i++)
	if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$OUT/runs.txt"; }
med() { col "$1" "$2" | median; }

# report: the Markdown section from $OUT.
report() {
	local n runs aw ac as ow oc os mw mc ms rw rc fw fc pw pc ps pp prw prc
	n=$(sed -n 's/^entries=//p' "$OUT/center.txt")
	runs=$(col mirror wall | wc -l)
	aw=$(med audit wall) ac=$(med audit cpu) as=$(med audit server)
	ow=$(med obs wall) oc=$(med obs cpu) os=$(med obs server)
	mw=$(med mirror wall) mc=$(med mirror cpu) ms=$(med mirror server)
	rw=$(med replay wall) rc=$(med replay cpu)
	fw=$(med fetch wall) fc=$(med fetch cpu)
	pw=$(med mirror_pg wall) pc=$(med mirror_pg cpu) ps=$(med mirror_pg server)
	pp=$(med mirror_pg pg) prw=$(med pg_replay wall) prc=$(med pg_replay cpu)
	# row NAME WALL CPU SERVER: one line of the table.
	row() {
		awk -v name="$1" -v w="$2" -v c="$3" -v sv="$4" -v n="$n" 'BEGIN {
			printf "| %s | %.2f s | %s | %.2f s | %.1f | %s |\n", name, w,
			    (w > 0 ? sprintf("%.0f", n / w) : "-"), c, c * 1e6 / n,
			    (sv == "-" ? "-" : sprintf("%.1f µs", sv * 1e6 / n)) }'
	}
	echo "Run $(sed -n 's/^when=//p' "$OUT/center.txt") on this machine" \
		"($(nproc) cores shared by several engineers; load when started:" \
		"$(sed -n 's/^load=//p' "$OUT/center.txt")): a center of $n entries" \
		"($((n - 1)) observations POSTed in batches of 10,000, settled in" \
		"$(sed -n 's/^ingest_s=//p' "$OUT/center.txt") s), no witnesses," \
		"\`build/release/truce\`, medians of $runs runs (mirror catch-up:" \
		"$(col mirror wall | paste -sd' ') s; whole-state audit:" \
		"$(col audit wall | paste -sd' ') s). CPU is user + system of the" \
		"process, every thread; the center's is the serving center's CPU" \
		"over the same command. Command: \`ENTRIES=$n RUNS=$runs make" \
		"bench-mirror\`."
	echo
	echo "| what | wall | entries/s | CPU of the process | µs CPU per entry | center's CPU per entry |"
	echo "|---|---|---|---|---|---|"
	row "\`truce mirror --once\` from nothing (fetch, verify, keep, replay with fusion into its durable store)" "$mw" "$mc" "$ms"
	row "of which fetching and verifying (checkpoint, proof, tiles, bundles, hashes, appends; 8 bundles in flight)" "$fw" "$fc" -
	row "of which replaying (with fusion, into its durable store)" "$rw" "$rc" -
	row "\`truce audit\` (whole state, docs/audit.md)" "$aw" "$ac" "$as"
	row "\`truce audit --observations-only\`" "$ow" "$oc" "$os"
	echo
	if [ "$(col mirror_pg wall | wc -l)" -gt 0 ]; then
		echo "Into PostgreSQL (\`truce mirror --once --store postgresql://...\`," \
			"a new database of a throwaway PostgreSQL 15 + PostGIS cluster" \
			"on the same machine, PostgreSQL's durable defaults; runs:" \
			"$(col mirror_pg wall | paste -sd' ') s), beside the same" \
			"mirror into SQLite above:"
		echo
		echo "| what | wall | entries/s | CPU of the mirror | µs CPU per entry: mirror | µs CPU per entry: PostgreSQL server | µs CPU per entry: both |"
		echo "|---|---|---|---|---|---|---|"
		awk -v n="$n" -v w="$mw" -v c="$mc" 'BEGIN {
			printf "| into SQLite | %.2f s | %.0f | %.2f s | %.1f | - | %.1f |\n",
			    w, n / w, c, c * 1e6 / n, c * 1e6 / n }'
		awk -v n="$n" -v w="$pw" -v c="$pc" -v p="$pp" 'BEGIN {
			printf "| into PostgreSQL | %.2f s | %.0f | %.2f s | %.1f | %.1f | %.1f |\n",
			    w, n / w, c, c * 1e6 / n, p * 1e6 / n, (c + p) * 1e6 / n }'
		awk -v n="$n" -v w="$prw" -v c="$prc" 'BEGIN {
			printf "| of which replaying into PostgreSQL | %.2f s | %.0f | %.2f s | %.1f | - | - |\n",
			    w, n / w, c, c * 1e6 / n }'
		echo
	fi
	awk -v mw="$mw" -v mc="$mc" -v aw="$aw" -v ac="$ac" -v ow="$ow" -v oc="$oc" 'BEGIN {
		printf "The mirror against the whole-state audit: %.2fx its wall time, %.2fx its CPU per entry (against the observations-only audit: %.2fx and %.2fx).\n",
		    (aw > 0 ? mw / aw : 0), (ac > 0 ? mc / ac : 0),
		    (ow > 0 ? mw / ow : 0), (oc > 0 ? mc / oc : 0) }'
	cat <<'EOF'

Reading: on this shared machine CPU is the steadier figure (the wall
times of the runs are listed above). A mirror's CPU is nearly all its
replay: fetching and verifying (a SHA-256 per entry, the tiles, the
appends) is the few µs per entry of the second row; the replay with
fusion into its durable store is the same apply path the whole-state
audit's replay takes into its scratch store, so the two cost about the
same per entry. The whole-state audit also costs the center its state
digests (the last column); a mirror costs the center almost nothing.
Wall time differs by design: the mirror fetches (8 bundles and their
tiles in flight, an fdatasync per 16 bundles) and then replays, in one
thread, where the audit fetches, hashes and replays on three threads at
once. The apply path is being made faster elsewhere (issue
16's store efficiency targets): these figures are of the path as it is
in this tree, and a faster applier lowers both the mirror's and the
audit's replay rows.
EOF
}

# write_results: the section between the $TAG markers of
# bench/RESULTS.md (appended with its heading when absent) from $OUT.
write_results() {
	local R=$top/bench/RESULTS.md
	report >"$OUT/section.md"
	if grep -q "<!-- BEGIN $TAG " "$R"; then
		awk -v gen="$OUT/section.md" -v b="<!-- BEGIN $TAG " \
			-v e="<!-- END $TAG -->" '
			index($0, b) == 1 { print; while ((getline l < gen) > 0) print l; skip = 1; next }
			index($0, e) == 1 { skip = 0 }
			!skip { print }' "$R" >"$OUT/RESULTS.md.new"
	else
		{
			cat "$R"
			echo
			echo "## A member's mirror catching up over $ENTRIES entries, beside the audit (issue 16)"
			echo
			echo "<!-- BEGIN $TAG by bench/mirror/run.sh (make bench-mirror ENTRIES=$ENTRIES): edits inside are overwritten -->"
			cat "$OUT/section.md"
			echo "<!-- END $TAG -->"
		} >"$OUT/RESULTS.md.new"
	fi
	mv "$OUT/RESULTS.md.new" "$R"
}
if [ "${1:-}" = --report-only ]; then
	write_results
	exit 0
fi

[ -x "$T" ] || die "build $T first (make build/release/truce)"
for tool in curl jq awk; do
	command -v "$tool" >/dev/null || die "$tool is missing (make deps)"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/truce-mirror-bench.XXXXXX")
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	[ -z "${PG_DIR:-}" ] || pg_stop
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$W"

# cpu PID: CPU seconds (user + system, every thread) of process PID.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' \
	"/proc/$1/stat"; }
# pgcpu: ticks of the PostgreSQL cluster's processes, the exited ones
# included (0 without a cluster).
pgcpu() {
	local pm t p
	[ -n "${PG_DIR:-}" ] || { echo 0; return; }
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	t=$(awk '{print $16 + $17}' "/proc/$pm/stat")
	for p in $(pgrep -P "$pm"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null ||
			echo 0)))
	done
	echo "$t"
}
# timed WHAT CMD...: runs CMD, appends "what=WHAT wall= cpu= server=" to
# runs.txt (wall from the command's own summary when it prints one,
# "... S s" at the end of its line, else the clock).
timed() {
	local what=$1 t0 t1 s0 s1 c wall line
	shift
	s0=$(cpu "$SERVER_PID")
	p0=$(pgcpu)
	t0=$(date +%s.%N)
	TIMEFORMAT='%U %S'
	c=$( { time "$@" >"$OUT/$what.out" 2>&1; } 2>&1 | tail -1 |
		awk '{ print $1 + $2 }') || die "$what failed: $(tail -3 "$OUT/$what.out")"
	t1=$(date +%s.%N)
	s1=$(cpu "$SERVER_PID")
	p1=$(pgcpu)
	grep -q -e '^audit OK' -e '^mirror OK' "$OUT/$what.out" ||
		die "$what: $(tail -3 "$OUT/$what.out")"
	line=$(grep -e '^audit OK' -e '^mirror OK' "$OUT/$what.out")
	wall=$(printf '%s\n' "$line" |
		sed -n 's/.* \([0-9.]*\) s$/\1/p; s/.* replayed, \([0-9.]*\) s (.*/\1/p')
	[ -n "$wall" ] || wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	echo "what=$what wall=$wall cpu=$c server=$(awk -v a="$s0" -v b="$s1" \
		'BEGIN { printf "%.3f", b - a }')" \
		"pg=$(awk -v a="$p0" -v b="$p1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f", (b - a) / hz }')" >>"$OUT/runs.txt"
	# The mirror's own split: fetch and verify, replay (wall, CPU).
	local pre=
	[ "$what" = mirror_pg ] && pre=pg_
	printf '%s\n' "$line" | sed -n "s/.*(fetch and verify \([0-9.]*\) s, \([0-9.]*\) s CPU; replay \([0-9.]*\) s, \([0-9.]*\) s CPU)\$/what=${pre}fetch wall=\1 cpu=\2 server=-\nwhat=${pre}replay wall=\3 cpu=\4 server=-/p" \
		>>"$OUT/runs.txt"
	log "$what: $line"
}

# --- 1. the center ---
out=$("$T" init C --origin bench.example/mirror --member RU --member TR)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
# The bench measures the center, not a principal's write limit.
sed -i 's/^write_burst = .*/write_burst = 1000000000/;
	s/^write_per_minute = .*/write_per_minute = 1000000000/' C/truce.conf
"$T" serve C --listen 127.0.0.1:0 >serve.log 2>&1 &
SERVER_PID=$!
URL=
for i in $(seq 1 200); do
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' serve.log)
	[ -n "$URL" ] && break
	sleep 0.05
done
[ -n "$URL" ] || die "the center did not start: $(cat serve.log)"
load=$(cut -d' ' -f1-3 /proc/loadavg)
batches=$(((ENTRIES - 1 + 9999) / 10000))
log "loading $((ENTRIES - 1)) observations into the center"
t0=$(date +%s.%N)
left=$((ENTRIES - 1))
for b in $(seq 0 $((batches - 1))); do
	n=$((left < 10000 ? left : 10000))
	left=$((left - n))
	awk -v B="$b" -v N="$n" -f "$top/bench/ledger/gen.awk" >batch.json
	s=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary @batch.json "$URL/v1/observations")
	[ "$s" = 201 ] || die "batch $b: HTTP $s"
done
rm -f batch.json
size=$(curl -s "$URL/v1/health" | jq .log_size)
for i in $(seq 1 1200); do
	[ "$(curl -s "$URL/checkpoint" | sed -n 2p)" = "$size" ] && break
	sleep 0.1
done
# Settled: the store has applied the log (a read waits until it has).
for i in $(seq 1 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"$URL/v1/observations?limit=1")" = 200 ] && break
	sleep 0.1
done
ingest_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
{
	echo "entries=$size"
	echo "load=$load"
	echo "when=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "ingest_s=$ingest_s"
} >"$OUT/center.txt"
log "center: $size entries in $ingest_s s"

# A PostgreSQL cluster for the mirror's PostgreSQL runs.
PG_DIR=
if [ "${MIRROR_PG:-1}" != 0 ] &&
	"$T" serve --help-config 2>&1 | grep -q 'postgresql://'; then
	. "$top/tests/lib/pg.sh"
	export PG_DURABLE=1
	pg_start || die "no PostgreSQL cluster (MIRROR_PG=0 skips its runs)"
fi

# --- 2. the runs ---
for r in $(seq 1 "$RUNS"); do
	log "run $r of $RUNS"
	timed audit "$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN"
	timed obs "$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" \
		--observations-only
	rm -rf M
	timed mirror "$T" mirror "$URL" M --once --log-key "$LOGKEY" \
		--token "$TOKEN"
	grep -q "$size entries fetched and verified, $size replayed" \
		"$OUT/mirror.out" || die "mirror run: $(cat "$OUT/mirror.out")"
	if [ -n "$PG_DIR" ]; then
		rm -rf M
		pg_createdb "mirror$r" >/dev/null || die "createdb mirror$r"
		timed mirror_pg "$T" mirror "$URL" M --once --log-key "$LOGKEY" \
			--token "$TOKEN" --store "${PG_URI%/}/mirror$r"
		grep -q "$size entries fetched and verified, $size replayed" \
			"$OUT/mirror_pg.out" ||
			die "mirror run: $(cat "$OUT/mirror_pg.out")"
	fi
done
rm -rf M
write_results
log "done in $(($(date +%s) - T_START)) s; bench/RESULTS.md updated"
