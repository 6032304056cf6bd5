#!/usr/bin/env bash
# bench/run.sh: the benchmark of issue 2, run by `make bench` after it has
# built build/release/truce. Side by side, on the same generated
# observations (bench/gen.c):
#
#   1. durable ingest over HTTP keep-alive into a fresh center: batches of
#      1, 100 and 1,000 from 1 and 8 concurrent clients;
#   2. bulk import with `truce import` (skipped with a note while the binary
#      has no such command);
#   3. 1,000,000 observations loaded through the real server, the same rows
#      COPYed into PostgreSQL 15 + PostGIS, and the same bbox + time +
#      category query run on both: truce over HTTP, truce's own SQL straight
#      on store.db, PostGIS through libpq with a prepared statement;
#   4. the embedded store's limit: the same rows inserted into a fresh
#      SQLite database in one transaction.
#
# Raw outputs go to bench/out/ (gitignored); the summary replaces the
# generated part of bench/RESULTS.md. PostgreSQL refuses to run as root, so
# it runs as the `postgres` user (runuser) in a temporary directory on a free
# port of 127.0.0.1 and is stopped on exit, like every truce server started
# here. Knobs (environment): BENCH_REPS (3), BENCH_INGEST_SECONDS (5),
# BENCH_QUERIES (1000 per path and repetition), BENCH_QUERIES_PLAIN (100, for
# the slow PostGIS design), BENCH_RAW_ROWS (200000), BENCH_RAW_ALL=1 (SQLite's
# raw speed on all rows as well), BENCH_QUERY_SET (1000000, smaller only to
# try the script out), BENCH_KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
TRUCE=$TOP/build/release/truce
TB=$TOP/build/bench/tbench
OUT=$TOP/bench/out
PGBIN=/usr/lib/postgresql/15/bin
REPS=${BENCH_REPS:-3}
INGEST_S=${BENCH_INGEST_SECONDS:-5}
NQ=${BENCH_QUERIES:-1000}
NQ_PLAIN=${BENCH_QUERIES_PLAIN:-100}
WARMQ=100
RAW_ROWS=${BENCH_RAW_ROWS:-200000}
QUERY_SET=${BENCH_QUERY_SET:-1000000}
IMPORT_N=200000
MMAP="PRAGMA mmap_size=2147483648"
T_START=$(date +%s)

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
# measure REP CMD...: runs a measuring command, prefixes its line with rep=REP
# (a failing command stops the benchmark).
measure() {
	local rep=$1 line
	shift
	line=$("$@")
	echo "rep=$rep $line"
}
die() { log "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run me as root (PostgreSQL is started with runuser -u postgres)"
[ -x "$TRUCE" ] || die "$TRUCE is missing: run make bench"
[ -x "$PGBIN/postgres" ] || die "PostgreSQL 15 is missing: run make deps"

log "building the measuring tool"
make -s -C bench
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.log "$OUT"/report.md "$OUT"/trace-*

WORK=$(mktemp -d /tmp/truce-bench.XXXXXX)
chmod 755 "$WORK" # the postgres user works in $WORK/pg
SERVER_PID=
PG_UP=

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	cat "$WORK/serve.log" >>"$OUT/serve.log" 2>/dev/null || true
}

cleanup() {
	stop_server
	if [ -n "$PG_UP" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" \
			-m fast -w stop >/dev/null 2>&1 || true
		cp "$WORK/pg/log" "$OUT/postgres.log" 2>/dev/null || true
	fi
	[ -n "${BENCH_KEEP:-}" ] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_center DIR: a fresh center; prints its admin token.
new_center() {
	rm -rf "$1"
	"$TRUCE" init "$1" --origin bench.example/truce --member RU --member TR |
		awk '/^token: /{ print $2 }'
}

# start_server DIR: serves DIR on a free port; sets SERVER_PID and URL.
start_server() {
	local i
	: >"$WORK/serve.log"
	"$TRUCE" serve "$1" --listen 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
	SERVER_PID=$!
	URL=
	for i in $(seq 100); do
		URL=$(sed -n 's|.* on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' \
			"$WORK/serve.log")
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/serve.log" >&2
	die "truce serve $1 did not start"
}

# server_cpu: CPU seconds (user + system) the server has used so far, then
# those of its threads named like the process other than the main thread:
# the sequencer, which runs every group commit serially.
server_cpu() {
	local hz main t all=0 seq=0 c
	hz=$(getconf CLK_TCK)
	main=$SERVER_PID
	for t in /proc/"$SERVER_PID"/task/*; do
		c=$(awk '{ print $14 + $15 }' "$t/stat")
		all=$((all + c))
		[ "${t##*/}" != "$main" ] && [ "$(cat "$t/comm")" = truce ] && seq=$((seq + c))
	done
	awk -v a=$all -v s=$seq -v hz="$hz" 'BEGIN { printf "%.2f %.2f", a / hz, s / hz }'
}

sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# with_cpu LINE CPU SEQ: LINE plus the server's CPU cost per observation.
with_cpu() {
	echo "$1" | awk -v cpu="$2" -v seq="$3" '{
		for (i = 1; i <= NF; i++) if ($i ~ /^obs=/) { split($i, a, "="); n = a[2] }
		printf "%s server_cpu_s=%s seq_cpu_s=%s server_us_per_obs=%.1f seq_us_per_obs=%.1f\n",
			$0, cpu, seq, n ? cpu * 1e6 / n : 0, n ? seq * 1e6 / n : 0 }'
}

free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	die "no free port found"
}

# ---- the machine -------------------------------------------------------
log "describing the machine"
dev=$(df -P "$WORK" | awk 'NR == 2 { print $1 }')
{
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "cores=$(nproc)"
	echo "ram=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "disk=$dev ($(df -PT "$WORK" | awk 'NR == 2 { print $2 }'), $(lsblk -dno SIZE,ROTA "$dev" 2>/dev/null |
		awk '{ print $1 ", lsblk ROTA=" $2 }'))"
	echo "kernel=$(uname -r)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	for p in libsqlite3-0 libmicrohttpd12 libjansson4 libsodium23 postgresql-15 \
		postgresql-15-postgis-3 libcurl4; do
		echo "pkg_$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
	done
	echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+dirty src')"
} >"$OUT/machine.txt"
"$TB" fsync "$WORK" 4 | tee "$OUT/fsync.txt" >&2
dd if=/dev/zero of="$WORK/dd.tmp" bs=4k count=2000 oflag=dsync 2>&1 |
	tail -1 | sed 's/^/what=dd-dsync-4k /' | tee -a "$OUT/fsync.txt" >&2
rm -f "$WORK/dd.tmp"

# ---- 1. ingest over HTTP ----------------------------------------------
for batch in 1 100 1000; do
	case $batch in
	1) count=50000 ;;
	100) count=400000 ;;
	*) count=600000 ;;
	esac
	for clients in 1 8; do
		for rep in $(seq "$REPS"); do
			log "ingest: batch $batch, $clients client(s), repetition $rep"
			tok=$(new_center "$WORK/ingest")
			start_server "$WORK/ingest"
			read -r cpu0 seq0 <<<"$(server_cpu)"
			line=$(measure "$rep" "$TB" ingest "$URL" "$tok" "$batch" \
				"$clients" "$count" "$INGEST_S" 2>>"$OUT/ingest.log")
			read -r cpu seq <<<"$(server_cpu)"
			stop_server
			with_cpu "$line" "$(sub "$cpu" "$cpu0")" "$(sub "$seq" "$seq0")" |
				tee -a "$OUT/ingest.txt" >&2
		done
	done
done
rm -rf "$WORK/ingest"

# ---- 2. truce import ---------------------------------------------------
if "$TRUCE" import --help >/dev/null 2>&1; then
	"$TB" jsonl 0 "$IMPORT_N" >"$WORK/import.jsonl"
	for rep in $(seq "$REPS"); do
		log "import: $IMPORT_N observations, repetition $rep"
		tok=$(new_center "$WORK/import")
		start_server "$WORK/import"
		before=$(curl -s "$URL/v1/health" | jq .log_size)
		t0=$(date +%s.%N)
		TRUCE_SERVER=$URL TRUCE_TOKEN=$tok "$TRUCE" import \
			"$WORK/import.jsonl" >>"$OUT/import.log" 2>&1 </dev/null ||
			log "truce import failed (see bench/out/import.log)"
		s=$(since "$t0")
		after=$(curl -s "$URL/v1/health" | jq .log_size)
		stop_server
		awk -v r="$rep" -v n=$((after - before)) -v s="$s" \
			'BEGIN { printf "rep=%s what=import obs=%d seconds=%.3f obs_per_s=%.0f\n", r, n, s, n / s }' |
			tee -a "$OUT/import.txt" >&2
	done
	rm -rf "$WORK/import" "$WORK/import.jsonl"
else
	echo "what=import skipped=1 reason=the-binary-has-no-import-command" |
		tee "$OUT/import.txt" >&2
fi

# ---- 3a. the query set through the real server --------------------------
log "loading $QUERY_SET observations into truce over HTTP (batches of 10,000, 2 clients)"
tokq=$(new_center "$WORK/q")
start_server "$WORK/q"
read -r cpu0 seq0 <<<"$(server_cpu)"
line=$("$TB" ingest "$URL" "$tokq" 10000 2 "$QUERY_SET" 3600 2>>"$OUT/ingest.log")
read -r cpu seq <<<"$(server_cpu)"
with_cpu "$line" "$(sub "$cpu" "$cpu0")" "$(sub "$seq" "$seq0")" | tee "$OUT/load.txt" >&2
store_bytes=$(du -cb "$WORK/q/store.db"* | tail -1 | cut -f1)
log_bytes=$(du -sb "$WORK/q/log" | cut -f1)
echo "what=truce-size store_bytes=$store_bytes log_bytes=$log_bytes" >>"$OUT/load.txt"

# ---- 4. SQLite's raw speed on the same rows -----------------------------
for rep in $(seq "$REPS"); do
	for mode in full table; do
		log "sqlite raw: $RAW_ROWS rows ($mode), repetition $rep"
		measure "$rep" "$TB" sqlite-raw "$WORK/q/store.db" "$WORK/raw.db" \
			$mode "$RAW_ROWS" | tee -a "$OUT/raw.txt" >&2
	done
done
# All rows at once costs a minute or two more: only on request.
if [ -n "${BENCH_RAW_ALL:-}" ]; then
	log "sqlite raw: all $QUERY_SET rows (full, once)"
	measure "1 scale=all" "$TB" sqlite-raw "$WORK/q/store.db" "$WORK/raw.db" \
		full "$QUERY_SET" | tee -a "$OUT/raw.txt" >&2
fi
rm -f "$WORK"/raw.db*

# ---- 3b. PostgreSQL 15 + PostGIS ----------------------------------------
log "starting PostgreSQL 15 + PostGIS"
mkdir -p "$WORK/pg"
chown postgres:postgres "$WORK/pg"
chmod 700 "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres -A trust \
	-E UTF8 --no-locale >"$OUT/pg-initdb.log" 2>&1
PGPORT=$(free_port)
# Tuned as a team would for a 1M-row read-mostly table on this machine:
# everything fits in shared_buffers; durability settings stay at their
# defaults (fsync, synchronous_commit on); JIT off because it only adds
# compile time to queries this short.
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
	-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK/pg \
	    -c shared_buffers=2GB -c effective_cache_size=8GB \
	    -c maintenance_work_mem=1GB -c max_wal_size=8GB -c jit=off" \
	start >/dev/null
PG_UP=1
PGCONN="host=127.0.0.1 port=$PGPORT user=postgres dbname=bench"
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "CREATE DATABASE bench"
pg() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d bench "$@"; }
pg -c "CREATE EXTENSION postgis"
pg -At -c "SELECT version(), postgis_full_version()" >"$OUT/pg-version.txt"
# The columns of truce's store (times in ms, the canonical entry); trange is
# the observed interval, for the composite GiST index below.
pg -c "CREATE TABLE observation (
	idx bigint NOT NULL, id bytea NOT NULL,
	t_from bigint NOT NULL, t_to bigint NOT NULL,
	category text NOT NULL, source_type text NOT NULL, member text,
	geom geometry(Point, 4326), entry text NOT NULL,
	trange int8range GENERATED ALWAYS AS (int8range(t_from, t_to, '[]')) STORED)"
"$TB" csv "$WORK/q/store.db" >"$WORK/obs.csv"
for rep in $(seq "$REPS"); do
	log "postgis: COPY $QUERY_SET rows, repetition $rep"
	pg -c "TRUNCATE observation"
	pg -c "CHECKPOINT"
	t0=$(date +%s.%N)
	pg -c "\\copy observation (idx, id, t_from, t_to, category, source_type, member, geom, entry) FROM '$WORK/obs.csv' WITH (FORMAT csv)"
	s=$(since "$t0")
	awk -v r="$rep" -v n="$QUERY_SET" -v s="$s" \
		'BEGIN { printf "rep=%s what=pg-copy rows=%d seconds=%.3f rows_per_s=%.0f\n", r, n, s, n / s }' |
		tee -a "$OUT/pg-load.txt" >&2
done
rm -f "$WORK/obs.csv"
pg_step() { # pg_step NAME SQL: runs and times one index build
	local t0
	t0=$(date +%s.%N)
	pg -c "$2"
	echo "what=pg-index step=$1 seconds=$(since "$t0")" |
		tee -a "$OUT/pg-load.txt" >&2
}
log "postgis: building indexes"
pg_step primary_key "ALTER TABLE observation ADD PRIMARY KEY (idx)"
pg_step unique_id "CREATE UNIQUE INDEX observation_id ON observation (id)"
pg_step gist_geom "CREATE INDEX observation_geom ON observation USING gist (geom)"
pg_step btree_time "CREATE INDEX observation_t_from ON observation (t_from)"
pg_step vacuum_analyze "VACUUM ANALYZE observation"
pg -c "CHECKPOINT"

# The design the issue names (a GiST index on geom, a time index) first, with
# fewer queries: it is two orders of magnitude slower than the others.
for rep in $(seq "$REPS"); do
	log "queries: PostGIS with GiST(geom) + btree(t_from), repetition $rep ($NQ_PLAIN queries)"
	TBENCH_TRACE=$OUT/trace-postgis-plain.txt measure "$rep" "$TB" query-pg \
		"$PGCONN" 10 "$NQ_PLAIN" plain 2>>"$OUT/query.log" |
		tee -a "$OUT/query.txt" >&2
done

# Then the best design found for PostGIS: one GiST index over (category,
# observed interval, point) (btree_gist supplies the text opclass), which
# answers the whole filter in the index like truce's R*Tree does for space
# and time.
pg -c "CREATE EXTENSION btree_gist"
pg_step gist_category_trange_geom "CREATE INDEX observation_cat_trange_geom ON observation USING gist (category, trange, geom)"
pg_step analyze "ANALYZE observation"
pg -c "CHECKPOINT"
echo "what=pg-size total_bytes=$(pg -At -c "SELECT pg_total_relation_size('observation')")" >>"$OUT/pg-load.txt"

# ---- 3d. a proposed store layout, measured on a copy --------------------
# Category as a fourth R*Tree dimension (min_c = max_c = the category's
# code): the R*Tree then answers bbox + time + category alone, as PostGIS's
# GiST(category, trange, geom) does, and only matching rows are looked up
# in the observation table. Built on a copy in log order, as the server
# would insert; BENCH_PROPOSALS=0 skips it.
CAT_CODE="CASE %s WHEN 'explosion' THEN 0 WHEN 'projectile_in_flight' THEN 1
	WHEN 'muzzle_flash' THEN 2 WHEN 'illumination_flare' THEN 3
	WHEN 'burst_or_shot' THEN 4 WHEN 'small_arms_fire' THEN 5
	WHEN 'drone_strike' THEN 6 WHEN 'airspace_violation' THEN 7
	WHEN 'movement_in_restricted_zone' THEN 8 WHEN 'fortification_work' THEN 9
	WHEN 'mine_or_uxo' THEN 10 WHEN 'other' THEN 11 ELSE -1 END"
PROPOSALS=${BENCH_PROPOSALS:-1}
if [ "$PROPOSALS" = 1 ]; then
	log "proposal: store.db copy with category as a 4th R*Tree dimension"
	"$TB" sqlite-exec "$WORK/q/store.db" "VACUUM INTO '$WORK/rt4.db'" >/dev/null
	# shellcheck disable=SC2059
	"$TB" sqlite-exec "$WORK/rt4.db" "BEGIN;
		CREATE VIRTUAL TABLE observation_rtree4 USING rtree_i32(idx,
		    min_lon, max_lon, min_lat, max_lat, min_t, max_t, min_c, max_c);
		INSERT INTO observation_rtree4 SELECT r.idx, r.min_lon, r.max_lon,
		    r.min_lat, r.max_lat, r.min_t, r.max_t,
		    $(printf "$CAT_CODE" o.category), $(printf "$CAT_CODE" o.category)
		    FROM observation_rtree r JOIN observation o ON o.idx = r.idx
		    ORDER BY r.idx;
		COMMIT;" | sed 's/^/what=rt4-build /' | tee -a "$OUT/raw.txt" >&2
fi
# The server's statement with the category tested inside the R*Tree (the
# same eleven parameters in the same order).
# shellcheck disable=SC2059
RT4_SQL="SELECT o.idx, o.entry FROM observation_rtree4 r
	JOIN observation o ON o.idx = r.idx WHERE
	r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND r.max_lat <= ?
	AND r.max_t >= ? AND r.min_t <= ? AND o.t_to >= ? AND o.t_from <= ?
	AND r.idx > ? AND r.min_c = ($(printf "$CAT_CODE" "?")) ORDER BY o.idx LIMIT ?"

# ---- 3c. the query, side by side ----------------------------------------
# Repetitions interleave the paths, so a burst of load from the other users
# of the machine does not land on one path only.
for rep in $(seq "$REPS"); do
	log "queries: repetition $rep ($NQ per path)"
	read -r cpu0 seq <<<"$(server_cpu)"
	line=$(TBENCH_TRACE=$OUT/trace-http.txt measure "$rep" "$TB" query-http \
		"$URL" "$tokq" $WARMQ "$NQ" 2>>"$OUT/query.log")
	read -r cpu1 seq <<<"$(server_cpu)"
	echo "$line server_cpu_us_per_query=$(awk -v a="$cpu0" -v b="$cpu1" -v n=$((WARMQ + NQ)) \
		'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')" | tee -a "$OUT/query.txt" >&2
	{
		TBENCH_TRACE=$OUT/trace-sqlite.txt measure "$rep" "$TB" query-sqlite \
			"$WORK/q/store.db" $WARMQ "$NQ" each
		measure "$rep" "$TB" query-sqlite "$WORK/q/store.db" $WARMQ "$NQ" once
		TBENCH_PRAGMAS="$MMAP" TBENCH_MODE=sqlite-mmap measure "$rep" \
			"$TB" query-sqlite "$WORK/q/store.db" $WARMQ "$NQ" each
		TBENCH_TRACE=$OUT/trace-postgis-range.txt measure "$rep" "$TB" \
			query-pg "$PGCONN" $WARMQ "$NQ" range
		if [ "$PROPOSALS" = 1 ]; then
			TBENCH_SQL=$RT4_SQL TBENCH_MODE=sqlite-rtree4 \
				TBENCH_TRACE=$OUT/trace-sqlite-rtree4.txt measure "$rep" \
				"$TB" query-sqlite "$WORK/rt4.db" $WARMQ "$NQ" each
			TBENCH_SQL=$RT4_SQL TBENCH_MODE=sqlite-rtree4-mmap \
				TBENCH_PRAGMAS="$MMAP" measure "$rep" "$TB" query-sqlite \
				"$WORK/rt4.db" $WARMQ "$NQ" each
		fi
	} 2>>"$OUT/query.log" | tee -a "$OUT/query.txt" >&2
done
# Did every path find the same rows for every query (count and sum of log
# indexes per query)? The slow PostGIS design ran the first NQ_PLAIN only.
for path in http postgis-range postgis-plain sqlite-rtree4; do
	[ -f "$OUT/trace-$path.txt" ] || continue
	n=$(wc -l <"$OUT/trace-$path.txt")
	if head -n "$n" "$OUT/trace-sqlite.txt" | cmp -s - "$OUT/trace-$path.txt"; then
		same=1
	else
		same=0
	fi
	echo "what=same-rows path=$path queries=$n same=$same" | tee -a "$OUT/check.txt" >&2
done
stop_server
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "duration_s=$(($(date +%s) - T_START))" >>"$OUT/machine.txt"

# ---- the report ----------------------------------------------------------
log "writing bench/RESULTS.md"
BENCH_INGEST_SECONDS=$INGEST_S BENCH_RAW_ROWS=$RAW_ROWS bench/report.sh "$OUT" >"$OUT/report.md"
if [ -f bench/RESULTS.md ] && grep -q '<!-- BEGIN GENERATED' bench/RESULTS.md; then
	awk -v gen="$OUT/report.md" '
		/<!-- BEGIN GENERATED/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
		/<!-- END GENERATED/ { skip = 0 }
		!skip { print }' bench/RESULTS.md >"$OUT/RESULTS.md.new"
else
	{
		echo "# truce benchmark results"
		echo
		echo "<!-- BEGIN GENERATED by bench/run.sh (make bench): edits inside are overwritten -->"
		cat "$OUT/report.md"
		echo "<!-- END GENERATED -->"
	} >"$OUT/RESULTS.md.new"
fi
mv "$OUT/RESULTS.md.new" bench/RESULTS.md
log "done in $(($(date +%s) - T_START)) s: bench/RESULTS.md, raw outputs in bench/out/"
