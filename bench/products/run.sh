#!/usr/bin/env bash
# bench/products/run.sh: the products' benchmark (issue 12), in one run on
# this machine, everything through the real server over HTTP:
#
#   1. a daily report for a day with about 2,000 incidents (the SMM's peak
#      days): `truce simulate` writes two days of observations at
#      DAY_EVENTS true events a day, `truce import` posts them to a fresh
#      center, then POST /v1/reports drafts the report of DAY_DATE (the
#      first draft appends its entry; the next ones compute the same
#      report and answer 200) and GET /v1/reports/{id}.json, .html, .svg
#      and .pdf render it, RUNS times each (median of curl's total time);
#   2. a 365-day trend over OBS observations: `truce simulate` over the
#      365 days before today, thinned evenly to exactly OBS lines, posted
#      with `truce import` to a fresh center (fusion makes the incidents
#      on the way in), then GET /v1/trends?days=365 (JSON and CSV), RUNS
#      times each;
#   3. the peer: PostgreSQL 15 + PostGIS in a temporary cluster, the same
#      store rows loaded with COPY (the center's incidents with their
#      verification state, and the OBS observations), and the same
#      aggregation — violations per report day by category over the same
#      365 days, with the daily report's rules — as one SQL query, RUNS
#      times (psql's \timing, the query's round trip without the
#      connection), its answer compared row by row with truce's; beside
#      it the naive query a team might write first, observations per day
#      by category, which counts every source of one incident.
#
# Usage: bench/products/run.sh (as root, from anywhere, after
#        `make build/release/truce`; `make bench-products` does both).
# Environment: OBS (1000000; 100000 is a check of the script in about two
#   minutes, the figures of RESULTS.md are at the default), DAY_EVENTS
#   (3200), DAY_DATE (2026-11-21), RUNS (5), TRUCE_BIN
#   (build/release/truce), BENCH_KEEP=1 keeps the work directory,
#   DAILY_ONLY=1 measures the daily report alone (part 1, a few minutes):
#   its outputs go to bench/out/products-daily/ and its summary to the
#   section between the PRODUCTS-DAILY markers, after the PRODUCTS one,
#   which it leaves alone.
# Raw outputs go to bench/out/products/ (not committed); the summary
# replaces the section between the PRODUCTS markers of bench/RESULTS.md
# (appended when absent), nothing else of that file;
# `bench/products/run.sh --report-only` rewrites it from the last outputs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TRUCE_BIN:-$top/build/release/truce}
OBS=${OBS:-1000000}
DAY_EVENTS=${DAY_EVENTS:-3200}
DAY_DATE=${DAY_DATE:-2026-11-21}
RUNS=${RUNS:-5}
DAILY_ONLY=${DAILY_ONLY:-0}
OUT=$top/bench/out/products
[ "$DAILY_ONLY" = 1 ] && OUT=$top/bench/out/products-daily
T_START=$(date +%s)

log() { printf '%s bench/products: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
# median: the median of the numbers on standard input, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
	else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# write_results: the section between the PRODUCTS markers of
# bench/RESULTS.md (appended with its heading when absent) from $OUT.
write_results() {
	local R=$top/bench/RESULTS.md
	bash "$top/bench/products/report.sh" "$OUT" >"$OUT/section.md"
	if grep -q '<!-- BEGIN PRODUCTS' "$R"; then
		awk -v gen="$OUT/section.md" '
			/<!-- BEGIN PRODUCTS/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
			/<!-- END PRODUCTS/ { skip = 0 }
			!skip { print }' "$R" >"$OUT/RESULTS.md.new"
	else
		{
			cat "$R"
			echo
			echo "## Products: the daily report and the 365-day trend (issue 12)"
			echo
			echo "<!-- BEGIN PRODUCTS by bench/products/run.sh (make bench-products): edits inside are overwritten -->"
			cat "$OUT/section.md"
			echo "<!-- END PRODUCTS -->"
		} >"$OUT/RESULTS.md.new"
	fi
	mv "$OUT/RESULTS.md.new" "$R"
}
# write_daily_results: with DAILY_ONLY=1, the section between the
# PRODUCTS-DAILY markers (appended after the PRODUCTS section when absent).
write_daily_results() {
	local R=$top/bench/RESULTS.md
	bash "$top/bench/products/report.sh" "$OUT" --daily >"$OUT/section.md"
	if grep -q '<!-- BEGIN PRODUCTS-DAILY' "$R"; then
		awk -v gen="$OUT/section.md" '
			/<!-- BEGIN PRODUCTS-DAILY/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
			/<!-- END PRODUCTS-DAILY/ { skip = 0 }
			!skip { print }' "$R" >"$OUT/RESULTS.md.new"
	else
		awk -v gen="$OUT/section.md" '
			{ print }
			/<!-- END PRODUCTS -->/ {
				print ""
				print "## Products: the daily report alone, measured again (DAILY_ONLY=1)"
				print ""
				print "<!-- BEGIN PRODUCTS-DAILY by DAILY_ONLY=1 bench/products/run.sh: edits inside are overwritten -->"
				while ((getline l < gen) > 0) print l
				print "<!-- END PRODUCTS-DAILY -->"
			}' "$R" >"$OUT/RESULTS.md.new"
	fi
	mv "$OUT/RESULTS.md.new" "$R"
}
# bench/products/run.sh --report-only rewrites the section from the last
# run's outputs without measuring.
if [ "${1:-}" = --report-only ]; then
	if [ "$DAILY_ONLY" = 1 ]; then write_daily_results; else write_results; fi
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run me as root (PostgreSQL is started with runuser -u postgres)"
[ -x "$T" ] || die "$T is missing: make build/release/truce"
. "$top/tests/lib/pg.sh"
pg_check || die "PostgreSQL 15 + PostGIS are needed: make deps"
for tool in curl jq awk sqlite3 psql pdfinfo; do
	command -v "$tool" >/dev/null || die "$tool is missing (make deps)"
done

mkdir -p "$OUT"
rm -f "$OUT"/*
W=$(mktemp -d /tmp/truce-products-bench.XXXXXX)
SERVER_PID=
PG_UP=
cleanup() {
	stop_server
	if [ -n "$PG_UP" ]; then
		cp "$PG_DIR/log" "$OUT/postgres.log" 2>/dev/null || true
		pg_stop
	fi
	[ -n "${BENCH_KEEP:-}" ] && log "kept $W" || rm -rf "$W"
}
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	cat "$W/serve.log" >>"$OUT/serve.log" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_center DIR: a fresh center; sets TOKEN.
new_center() {
	rm -rf "$1"
	TOKEN=$("$T" init "$1" --origin bench.example/products --member RU \
		--member TR | awk '/^token: /{ print $2 }')
	# The bench measures the products, not a principal's write limit.
	sed -i 's/^write_burst = .*/write_burst = 1000000000/;
		s/^write_per_minute = .*/write_per_minute = 1000000000/' \
		"$1/truce.conf"
}

# start_server DIR: serves DIR on a free port; sets SERVER_PID and URL.
start_server() {
	local i
	: >"$W/serve.log"
	"$T" serve "$1" --listen 127.0.0.1:0 >"$W/serve.log" 2>&1 &
	SERVER_PID=$!
	URL=
	for i in $(seq 200); do
		URL=$(sed -n 's|.* on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' \
			"$W/serve.log")
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$W/serve.log" >&2
	die "truce serve $1 did not start"
}

# caught_up: waits until the store has applied every acknowledged
# observation (a read waits for that, docs/api.md) and prints the seconds.
caught_up() {
	local t0
	t0=$(date +%s.%N)
	for _ in $(seq 600); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $TOKEN" \
			"$URL/v1/observations?limit=1")" = 200 ] &&
			{ since "$t0"; return 0; }
	done
	die "the store did not catch up with the log"
}

# import FILE: `truce import FILE` into the server at URL; prints seconds.
import() {
	local t0
	t0=$(date +%s.%N)
	TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN "$T" import "$1" --batch 10000 \
		>>"$OUT/import.log" 2>&1 </dev/null ||
		die "truce import $1 failed (bench/out/products/import.log)"
	since "$t0"
}

# server_cpu: CPU seconds (user + system, every thread) the server has
# used so far. On a machine shared with others a request's wall time
# grows with their load; its CPU time much less.
server_cpu() {
	cat /proc/"$SERVER_PID"/task/*/stat 2>/dev/null |
		awk -v hz="$(getconf CLK_TCK)" '{ t += $14 + $15 } END { printf "%.2f", t / hz }'
}

# settle: waits (at most 120 s) until the server's threads are idle —
# after a large import the applier and the place words run on for a while
# — so that the CPU a request costs is its own.
settle() {
	local a b
	for _ in $(seq 120); do
		a=$(server_cpu)
		sleep 1
		b=$(server_cpu)
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.03) }' && return 0
	done
	log "the server did not settle in 120 s"
}

# timed NAME CURL-ARGS...: RUNS requests; appends "what=NAME s=... bytes=...
# cpu_s=..." lines to timings.txt and checks each answer's status (2xx).
timed() {
	local what=$1 i line code c0 c1
	shift
	for i in $(seq "$RUNS"); do
		c0=$(server_cpu)
		line=$(curl -s -o "$W/answer" -w '%{http_code} %{time_total} %{size_download}' \
			-H "Authorization: Bearer $TOKEN" "$@")
		c1=$(server_cpu)
		read -r code s bytes <<<"$line"
		case $code in 2??) ;; *) cat "$W/answer" >&2; die "$what: HTTP $code" ;; esac
		echo "what=$what run=$i s=$s bytes=$bytes cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" \
			>>"$OUT/timings.txt"
	done
}
med() { # med NAME: median seconds of timings.txt's lines for NAME
	awk -v w="what=$1" '$1 == w { sub(/^s=/, "", $3); print $3 }' \
		"$OUT/timings.txt" | median
}
bytes_of() { awk -v w="what=$1" '$1 == w { sub(/^bytes=/, "", $4); print $4; exit }' \
	"$OUT/timings.txt"; }

# ---- the machine -------------------------------------------------------
{
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "cores=$(nproc)"
	echo "ram=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel=$(uname -r)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "date_start=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$(git -C "$top" rev-parse --short HEAD)$(git -C "$top" diff --quiet HEAD -- src || echo '+dirty src')"
	for p in librsvg2-2 libcairo2 libpango-1.0-0 postgresql-15 postgresql-15-postgis-3; do
		echo "pkg_$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
	done
} >"$OUT/machine.txt"

# ---- 1. the daily report of a peak day ------------------------------------
day0=$(date -u -d "$DAY_DATE -1 day" +%F)
log "daily: simulating $day0 and $DAY_DATE at $DAY_EVENTS events a day"
"$T" simulate --from "$day0" --days 2 --per-day "$DAY_EVENTS" --seed 1 \
	-o "$W/day.jsonl" 2>>"$OUT/import.log"
new_center "$W/day"
start_server "$W/day"
day_obs=$(wc -l <"$W/day.jsonl")
s=$(import "$W/day.jsonl")
cu=$(caught_up)
echo "what=day-import obs=$day_obs per_day=$DAY_EVENTS seconds=$s caught_up_s=$cu" >>"$OUT/load.txt"
log "daily: $day_obs observations imported in $s s (+$cu s to catch up)"
req="{\"kind\":\"daily\",\"date\":\"$DAY_DATE\"}"
settle
timed draft -H 'Content-Type: application/json' -d "$req" "$URL/v1/reports"
ID=$(jq -r .id "$W/answer")
for fmt in json html svg pdf; do
	log "daily: GET /v1/reports/{id}.$fmt x $RUNS"
	timed "$fmt" "$URL/v1/reports/$ID.$fmt"
	cp "$W/answer" "$OUT/daily.$fmt"
done
{
	echo "what=daily-facts id=$ID" \
		"incidents=$(jq '.report.annex | length' "$OUT/daily.json")" \
		"violations=$(jq '.report.summary.total.incidents' "$OUT/daily.json")" \
		"events=$(jq '.report.summary.total.events' "$OUT/daily.json")" \
		"pdf_pages=$(pdfinfo "$OUT/daily.pdf" | awk '/^Pages:/ { print $2 }')"
} >>"$OUT/load.txt"
stop_server
rm -rf "$W/day" "$W/day.jsonl"
if [ "$DAILY_ONLY" = 1 ]; then
	echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
	echo "duration_s=$(($(date +%s) - T_START))" >>"$OUT/machine.txt"
	write_daily_results
	log "done in $(($(date +%s) - T_START)) s: bench/RESULTS.md, raw outputs in $OUT/"
	exit 0
fi

# ---- 2. the 365-day trend ------------------------------------------------
from=$(date -u -d '365 days ago' +%F)
# About 1.15 to 1.25 observations per simulated event: ask for a few more
# than OBS (10 % more events a day until there are), then keep OBS lines
# evenly spread over the year.
per_day=$(awk -v n="$OBS" 'BEGIN { printf "%.0f", n / 365 / 1.1 + 1 }')
while :; do
	log "trend: simulating 365 days from $from at $per_day events a day"
	"$T" simulate --from "$from" --days 365 --per-day "$per_day" --seed 2 \
		-o "$W/year-all.jsonl" 2>>"$OUT/import.log"
	all=$(wc -l <"$W/year-all.jsonl")
	[ "$all" -ge "$OBS" ] && break
	per_day=$(awk -v p="$per_day" 'BEGIN { printf "%.0f", p * 1.1 + 1 }')
done
awk -v N="$all" -v K="$OBS" 'int(NR * K / N) > int((NR - 1) * K / N)' \
	"$W/year-all.jsonl" >"$W/year.jsonl"
rm -f "$W/year-all.jsonl"
year_obs=$(wc -l <"$W/year.jsonl")
new_center "$W/year"
start_server "$W/year"
log "trend: importing $year_obs observations (truce import over HTTP)"
s=$(import "$W/year.jsonl")
cu=$(caught_up)
echo "what=year-import obs=$year_obs per_day=$per_day seconds=$s caught_up_s=$cu" >>"$OUT/load.txt"
log "trend: imported in $s s (+$cu s to catch up)"
rm -f "$W/year.jsonl"
settle
log "trend: GET /v1/trends?days=365 x $RUNS"
timed trend "$URL/v1/trends?days=365"
cp "$W/answer" "$OUT/trend.json"
timed trend-csv "$URL/v1/trends?days=365&format=csv"
stop_server
DB=$W/year/store.db
{
	echo "what=year-facts" \
		"incidents=$(sqlite3 "$DB" 'SELECT count(*) FROM incident WHERE live = 1')" \
		"observed=$(sqlite3 "$DB" 'SELECT count(*) FROM incident WHERE live = 1 AND kind = 0')" \
		"violations=$(jq '[.series[].incidents] | add' "$OUT/trend.json")" \
		"events=$(jq '[.series[].events] | add' "$OUT/trend.json")" \
		"first_date=$(jq -r .first_date "$OUT/trend.json")" \
		"last_date=$(jq -r .last_date "$OUT/trend.json")"
} >>"$OUT/load.txt"

# ---- 3. PostgreSQL 15 + PostGIS, the same rows ----------------------------
log "postgis: starting PostgreSQL 15"
# Tuned as bench/run.sh tunes it: the tables fit in shared_buffers, JIT
# off (it only adds compile time here), parallel workers as the default;
# PostgreSQL's durable defaults (tests/lib/pg.sh, PG_DURABLE).
PG_UP=1
PG_DURABLE=1 pg_start -c shared_buffers=2GB -c effective_cache_size=8GB \
	-c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB ||
	die "PostgreSQL did not start"
PGPORT=$PG_PORT
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "CREATE DATABASE bench"
pg() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d bench "$@"; }
pg -c "CREATE EXTENSION postgis"
pg -At -c "SELECT version(), postgis_full_version()" >"$OUT/pg-version.txt"
# The store's tables as a team would lay them out: names, not codes; the
# point as PostGIS geometry. Categories in the model's order
# (src/record/observation.c).
CATS="'explosion','projectile_in_flight','muzzle_flash','illumination_flare',
	'burst_or_shot','small_arms_fire','drone_strike','airspace_violation',
	'movement_in_restricted_zone','fortification_work','mine_or_uxo','other'"
pg -c "CREATE TABLE incident (id text PRIMARY KEY, kind text NOT NULL,
	category text NOT NULL, zone text, t_from bigint NOT NULL,
	t_to bigint NOT NULL, count integer NOT NULL,
	geom geometry(Point, 4326));
	CREATE TABLE incident_state (incident text PRIMARY KEY,
	state text NOT NULL);
	CREATE TABLE observation (idx bigint PRIMARY KEY, id bytea NOT NULL,
	t_from bigint NOT NULL, t_to bigint NOT NULL, category text NOT NULL,
	source_type text NOT NULL, member text, geom geometry(Point, 4326),
	entry text NOT NULL)"
CAT_VALUES=$(echo "$CATS" | tr -d '\n\t' | awk -F, '{
	for (i = 1; i <= NF; i++) printf "%s(%d,%s)", (i > 1 ? "," : ""), i - 1, $i }')
sqlite3 -csv "$DB" "WITH c(code, name) AS (VALUES $CAT_VALUES)
	SELECT i.id, CASE i.kind WHEN 0 THEN 'observed' ELSE 'complaint' END,
	c.name, i.zone, i.g_from, i.g_to, i.count,
	CASE WHEN i.lat_e7 IS NULL THEN NULL ELSE
	printf('SRID=4326;POINT(%.7f %.7f)', i.lon_e7 / 1e7, i.lat_e7 / 1e7) END
	FROM incident i JOIN c ON c.code = i.category WHERE i.live = 1" \
	>"$W/incident.csv"
sqlite3 -csv "$DB" "SELECT incident, state FROM incident_state" >"$W/state.csv"
sqlite3 -csv "$DB" "SELECT idx, '\\x' || lower(hex(id)), t_from, t_to, category,
	source_type, member, CASE WHEN lat_e7 IS NULL THEN NULL ELSE
	printf('SRID=4326;POINT(%.7f %.7f)', lon_e7 / 1e7, lat_e7 / 1e7) END,
	CAST(entry AS TEXT) FROM observation" >"$W/observation.csv"
log "postgis: COPY $(wc -l <"$W/incident.csv") incidents and $(wc -l <"$W/observation.csv") observations"
t0=$(date +%s.%N)
pg -c "\\copy incident FROM '$W/incident.csv' WITH (FORMAT csv)"
pg -c "\\copy incident_state FROM '$W/state.csv' WITH (FORMAT csv)"
echo "what=pg-copy table=incident rows=$(wc -l <"$W/incident.csv") seconds=$(since "$t0")" >>"$OUT/load.txt"
t0=$(date +%s.%N)
pg -c "\\copy observation FROM '$W/observation.csv' WITH (FORMAT csv)"
echo "what=pg-copy table=observation rows=$(wc -l <"$W/observation.csv") seconds=$(since "$t0")" >>"$OUT/load.txt"
rm -f "$W"/*.csv
t0=$(date +%s.%N)
pg -c "CREATE INDEX incident_t_from ON incident (t_from);
	CREATE INDEX incident_geom ON incident USING gist (geom);
	CREATE INDEX observation_t_from ON observation (t_from);
	CREATE INDEX observation_geom ON observation USING gist (geom)"
pg -c "VACUUM ANALYZE"
echo "what=pg-index seconds=$(since "$t0")" >>"$OUT/load.txt"

# The report day of a time: local time in the center's zone plus (24 h -
# cut-off), as a date (docs/products.md: the day D runs from the cut-off
# on D-1 to the cut-off on D).
conf_get() { sed -n "s/^$1 = //p" "$W/year/truce.conf"; }
TZNAME=$(conf_get report_timezone)
CUT=$(conf_get report_cutoff)
SHIFT_MIN=$((1440 - 10#${CUT%:*} * 60 - 10#${CUT#*:}))
FROM_MS=$(jq '.series[0].from_ms' "$OUT/trend.json")
TO_MS=$(jq '.series[-1].to_ms' "$OUT/trend.json")
DAY="(timezone('$TZNAME', to_timestamp(t_from / 1000.0)) +
	interval '$SHIFT_MIN minutes')::date"
SQL_INC="SELECT $DAY AS day, i.category, count(*) AS incidents,
	sum(greatest(i.count, 1)) AS events
	FROM incident i LEFT JOIN incident_state s ON s.incident = i.id
	WHERE i.kind = 'observed'
	AND coalesce(s.state, 'received') NOT IN ('agreed_no_violation', 'duplicate')
	AND i.t_from >= $FROM_MS AND i.t_from < $TO_MS
	GROUP BY 1, 2 ORDER BY 1, 2"
SQL_OBS="SELECT $DAY AS day, category, count(*) AS observations
	FROM observation WHERE source_type <> 'complaint'
	AND t_from >= $FROM_MS AND t_from < $TO_MS
	GROUP BY 1, 2 ORDER BY 1, 2"
echo "$SQL_INC;" >"$OUT/query-incidents.sql"
echo "$SQL_OBS;" >"$OUT/query-observations.sql"
# pg_timed NAME SQL: one warm-up, then RUNS runs in one session; psql's
# \timing is the round trip of the query and its rows.
pg_timed() {
	{
		echo '\o /dev/null'
		echo "$2;"
		echo '\timing on'
		for _ in $(seq "$RUNS"); do echo "$2;"; done
	} | pg | awk -v w="$1" '/^Time: / { printf "what=%s s=%.6f\n", w, $2 / 1000 }' |
		awk '{ print $1, "run=" NR, $2, "bytes=0" }' >>"$OUT/timings.txt"
}
log "postgis: the aggregation x $RUNS"
pg_timed pg-incidents "$SQL_INC"
pg_timed pg-observations "$SQL_OBS"
pg -At -F, -c "$SQL_INC" >"$OUT/pg-trend.csv"
pg -c "EXPLAIN (ANALYZE, BUFFERS) $SQL_INC" >"$OUT/pg-explain.txt"
# The same answer? truce's per-day categories against the query's rows.
jq -r '.series[] | .date as $d | .by_category | to_entries[] |
	"\($d),\(.key),\(.value.incidents),\(.value.events)"' "$OUT/trend.json" |
	sort >"$OUT/truce-trend.csv"
if sort "$OUT/pg-trend.csv" | cmp -s - "$OUT/truce-trend.csv"; then
	same=1
else
	same=0
	log "postgis: the answers differ (bench/out/products/*-trend.csv)"
fi
echo "what=same-answer rows=$(wc -l <"$OUT/truce-trend.csv") same=$same" >>"$OUT/load.txt"
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "duration_s=$(($(date +%s) - T_START))" >>"$OUT/machine.txt"

# ---- the section of bench/RESULTS.md --------------------------------------
write_results
log "done in $(($(date +%s) - T_START)) s: bench/RESULTS.md, raw outputs in bench/out/products/"
