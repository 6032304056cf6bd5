#!/usr/bin/env bash
# bench/pgstore/run.sh: issue 16's benchmark of the store backends, run by
# `make bench` (bench/run.sh's suites) or alone (`make bench-pgstore`).
# In the same run, on the same generated observations (bench/gen.c):
#
#   1. durable ingest over HTTP (batches of 1,000, one client: the log's
#      order is then the same in every center, so the queries' log
#      indexes can be compared across centers; the store, not the client,
#      is the bound either way) into a fresh
#      center on SQLite and into one on PostgreSQL + PostGIS (`store =
#      postgresql://...`), until the store has applied every observation:
#      observations/s, the server's CPU per observation (its applier
#      thread's apart), the store's bytes;
#   2. the observation query of issue 2 ("The center's record": bbox +
#      time + category, GET /v1/observations) over HTTP on both centers:
#      p50/p99 and the server's CPU per query;
#   3. the same rows COPYed into a bare PostGIS table with the best index
#      design bench/run.sh found (GiST(category, trange, geom), btree_gist),
#      and the same queries through libpq with a prepared statement.
#
# One PostgreSQL 15 cluster (tests/lib/pg.sh, PostgreSQL's durable
# defaults) serves both the truce center and the raw table. Repetitions
# interleave the stores. Knobs: BENCH_PG_OBS (100000), BENCH_REPS (3),
# BENCH_QUERIES (300 per path and repetition), BENCH_TRUCE (the binary,
# build/release/truce). Raw outputs go to
# bench/out/pgstore/; the summary replaces this benchmark's section of
# bench/RESULTS.md (between its markers). Skipped with a note while the
# binary has no PostgreSQL store (SQLite and raw PostGIS are still run).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
TRUCE=${BENCH_TRUCE:-$TOP/build/release/truce}
TB=$TOP/build/bench/tbench
OUT=$TOP/bench/out/pgstore
N=${BENCH_PG_OBS:-100000}
REPS=${BENCH_REPS:-3}
NQ=${BENCH_QUERIES:-300}
WARMQ=50
T_START=$(date +%s)

log() { printf '%s bench/pgstore: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

# report: the section of bench/RESULTS.md from bench/out/pgstore/.
report() {
	local f=$OUT/runs.txt
	echo "Issue 16: the store on PostgreSQL + PostGIS beside SQLite and raw"
	echo "PostGIS, in one run (\`make bench-pgstore\`, bench/pgstore/run.sh)."
	echo
	sed 's/^/    /' "$OUT/machine.txt"
	echo
	echo "Medians of $(awk -F'rep=' 'NF > 1 { split($2, a, " "); if (a[1] > m) m = a[1] } END { print m + 0 }' "$f") repetitions (min-max in brackets)."
	echo
	awk '
	function kv(line, k,   i, a, n) {
		n = split(line, a, " ")
		for (i = 1; i <= n; i++)
			if (index(a[i], k "=") == 1)
				return substr(a[i], length(k) + 2)
		return ""
	}
	function med(key,   n, i, j, t, v) {
		n = split(vals[key], v, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
		if (n == 0) return "-"
		return sprintf("%s [%s-%s]", v[int((n + 1) / 2)], v[1], v[n])
	}
	function add(key, x) { if (x != "") vals[key] = vals[key] " " x }
	{
		w = kv($0, "what"); s = kv($0, "store")
		if (w == "ingest") {
			add(s " obs_s", kv($0, "sustained_obs_per_s"))
			add(s " us", kv($0, "server_us_per_obs"))
			add(s " app", kv($0, "applier_us_per_obs"))
			add(s " pgus", kv($0, "pg_us_per_obs"))
			add(s " bytes", kv($0, "store_bytes_per_obs"))
			seen[s] = 1
		} else if (w == "query") {
			add(s " p50", kv($0, "p50_ms")); add(s " p99", kv($0, "p99_ms"))
			add(s " qcpu", kv($0, "server_cpu_us_per_query"))
			add(s " qpg", kv($0, "pg_cpu_us_per_query"))
			add(s " rows", kv($0, "rows"))
			seen[s] = 1
		} else if (w == "pg-copy") {
			add("raw copy", kv($0, "rows_per_s"))
			add("raw bytes", kv($0, "bytes_per_obs"))
		}
	}
	END {
		print "| store | ingest obs/s (until applied) | truce CPU µs/obs | its applier µs/obs | PostgreSQL CPU µs/obs | store bytes/obs | query p50 ms | query p99 ms | truce CPU µs/query | PostgreSQL CPU µs/query | rows found |"
		print "|---|---|---|---|---|---|---|---|---|---|---|"
		split("sqlite postgresql", order, " ")
		for (i = 1; i <= 2; i++) if ((s = order[i]) in seen)
			printf "| truce on %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s,
			    med(s " obs_s"), med(s " us"), med(s " app"), med(s " pgus"),
			    med(s " bytes"), med(s " p50"), med(s " p99"),
			    med(s " qcpu"), med(s " qpg"), med(s " rows")
		printf "| raw PostGIS (COPY + indexes) | %s rows/s (COPY, then indexes) | | | | %s | %s | %s | (libpq client) | %s | %s |\n",
		    med("raw copy"), med("raw bytes"), med("postgis-raw p50"),
		    med("postgis-raw p99"), med("postgis-raw qpg"),
		    med("postgis-raw rows")
	}' "$f"
	echo
	grep '^what=same-rows' "$OUT/check.txt" | sed 's/^/    /' || true
}

write_results() {
	local r=bench/RESULTS.md b='<!-- BEGIN pgstore (bench/pgstore/run.sh): edits inside are overwritten -->'
	local e='<!-- END pgstore -->'
	report >"$OUT/report.md"
	if grep -qF "$b" "$r"; then
		awk -v gen="$OUT/report.md" -v b="$b" -v e="$e" '
			$0 == b { print; while ((getline l < gen) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip { print }' "$r" >"$OUT/RESULTS.md.new"
		mv "$OUT/RESULTS.md.new" "$r"
	else
		{
			echo
			echo "## The store backends: SQLite, PostgreSQL + PostGIS, raw PostGIS (issue 16)"
			echo
			echo "$b"
			cat "$OUT/report.md"
			echo "$e"
		} >>"$r"
	fi
}
if [ "${1:-}" = --report-only ]; then
	write_results
	exit 0
fi

[ -x "$TRUCE" ] || die "$TRUCE is missing: run make bench-pgstore"
. tests/lib/pg.sh
pg_check || die "PostgreSQL 15 + PostGIS are needed: run make deps"
make -s -C bench
mkdir -p "$OUT"
rm -f "$OUT"/*
HAVE_PG=1
# (grep -q would close the pipe early: with pipefail, a false "no".)
"$TRUCE" serve --help-config >"$OUT/help-config.txt" 2>&1 || true
grep -q postgresql "$OUT/help-config.txt" || {
	HAVE_PG=
	log "this binary has no PostgreSQL store: SQLite and raw PostGIS only"
}

WORK=$(mktemp -d /tmp/truce-pgstore.XXXXXX)
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
		cp "$PG_DIR/log" "$OUT/postgres.log" 2>/dev/null || true
		pg_stop
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_center DIR STORE: a fresh center on STORE (sqlite or a URI); prints
# its admin token. No write limit: the bench measures the store.
new_center() {
	rm -rf "$1"
	"$TRUCE" init "$1" --origin bench.example/pg --member RU --member TR |
		awk '/^token: /{ print $2 }'
	sed -i 's/^write_burst = .*/write_burst = 1000000000/;
		s/^write_per_minute = .*/write_per_minute = 1000000000/' \
		"$1/truce.conf"
	if [ "$2" != sqlite ]; then
		sed -i "s|^store = .*|store = $2|" "$1/truce.conf"
		rm -f "$1"/store.db*
	fi
}
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
# server_cpu: the server's CPU seconds, then its applier thread's.
server_cpu() {
	local hz t all=0 app=0 c
	hz=$(getconf CLK_TCK)
	for t in /proc/"$SERVER_PID"/task/*; do
		c=$(awk '{ print $14 + $15 }' "$t/stat")
		all=$((all + c))
		[ "$(cat "$t/comm")" = applier ] && app=$((app + c))
	done
	awk -v a=$all -v p=$app -v hz="$hz" \
		'BEGIN { printf "%.2f %.2f", a / hz, p / hz }'
}
# pg_cpu: CPU seconds the cluster has used so far: the postmaster, its
# live children and those it has reaped (the truce server's backend
# connections do the PostgreSQL store's work there, not in the server).
pg_cpu() {
	local hz pm p all=0
	hz=$(getconf CLK_TCK)
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	all=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat")
	for p in $(pgrep -P "$pm"); do
		all=$((all + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	awk -v a="$all" -v hz="$hz" 'BEGIN { printf "%.2f", a / hz }'
}
# caught_up TOKEN: waits until a read sees every acknowledged write.
caught_up() {
	local code
	for _ in $(seq 600); do
		code=$(curl -s -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $1" "$URL/v1/observations?limit=1")
		[ "$code" = 200 ] && return 0
	done
	die "the store did not catch up with the log"
}

# ---- the machine -------------------------------------------------------
{
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1) cores=$(nproc)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg) date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+dirty src')"
	echo "obs=$N reps=$REPS queries=$NQ postgresql=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null) postgis=$(dpkg-query -W -f='${Version}' postgresql-15-postgis-3 2>/dev/null)"
} >"$OUT/machine.txt"

log "starting PostgreSQL 15 + PostGIS (durable defaults)"
PG_UP=1
PG_DURABLE=1 pg_start -c shared_buffers=1GB -c effective_cache_size=4GB \
	-c maintenance_work_mem=512MB -c max_wal_size=4GB ||
	die "PostgreSQL did not start"
PGCONN="host=127.0.0.1 port=$PG_PORT user=postgres dbname=raw"
pg_createdb raw
tmpl_bytes=$(pg_sql postgres -At -c \
	"SELECT pg_database_size('truce_template')")

stores=(sqlite)
[ -n "$HAVE_PG" ] && stores+=(postgresql)
for rep in $(seq "$REPS"); do
	for s in "${stores[@]}"; do
		log "$s: ingest of $N observations, repetition $rep"
		if [ "$s" = sqlite ]; then
			uri=sqlite
		else
			db=truce_$rep
			pg_createdb "$db"
			uri=${PG_URI}$db
		fi
		tok=$(new_center "$WORK/c" "$uri")
		start_server "$WORK/c"
		read -r cpu0 app0 <<<"$(server_cpu)"
		pg0=$(pg_cpu)
		t0=$(date +%s.%N)
		line=$("$TB" ingest "$URL" "$tok" 1000 1 "$N" 3600 \
			2>>"$OUT/ingest.log")
		caught_up "$tok"
		sec=$(since "$t0")
		read -r cpu1 app1 <<<"$(server_cpu)"
		pg1=$(pg_cpu)
		if [ "$s" = sqlite ]; then
			bytes=$(du -cb "$WORK/c"/store.db* | tail -1 | cut -f1)
		else
			bytes=$(($(pg_sql "$db" -At -c \
				"SELECT pg_database_size('$db')") - tmpl_bytes))
		fi
		awk -v l="$line" -v s="$s" -v r="$rep" -v n="$N" -v t="$sec" \
		    -v c="$cpu0 $cpu1 $app0 $app1 $pg0 $pg1" -v b="$bytes" 'BEGIN {
			split(c, x, " ")
			printf "rep=%s store=%s %s until_applied_s=%s sustained_obs_per_s=%.0f server_cpu_s=%.2f server_us_per_obs=%.1f applier_us_per_obs=%.1f pg_cpu_s=%.2f pg_us_per_obs=%.1f store_bytes=%d store_bytes_per_obs=%.0f\n",
			    r, s, l, t, n / t, x[2] - x[1], (x[2] - x[1]) * 1e6 / n,
			    (x[4] - x[3]) * 1e6 / n, x[6] - x[5],
			    (x[6] - x[5]) * 1e6 / n, b, b / n }' |
			tee -a "$OUT/runs.txt" >&2
		log "$s: $NQ queries, repetition $rep"
		# As for the bare table below: autovacuum's and the
		# checkpointer's work after the ingest is done first, so that
		# the cluster's CPU during the queries is the queries'.
		[ "$s" = sqlite ] ||
			pg_sql "$db" -c "VACUUM ANALYZE" -c CHECKPOINT
		read -r cpu0 app0 <<<"$(server_cpu)"
		pg0=$(pg_cpu)
		line=$(TBENCH_TRACE=$OUT/trace-$s.txt "$TB" query-http "$URL" \
			"$tok" $WARMQ "$NQ" 2>>"$OUT/query.log")
		read -r cpu1 app1 <<<"$(server_cpu)"
		pg1=$(pg_cpu)
		awk -v l="$line" -v s="$s" -v r="$rep" -v a="$cpu0" -v b="$cpu1" \
		    -v p="$pg0 $pg1" -v n=$((WARMQ + NQ)) 'BEGIN {
			split(p, x, " ")
			printf "rep=%s store=%s %s server_cpu_us_per_query=%.0f pg_cpu_us_per_query=%.0f\n",
			    r, s, l, (b - a) * 1e6 / n, (x[2] - x[1]) * 1e6 / n }' |
			tee -a "$OUT/runs.txt" >&2
		stop_server
		if [ "$s" = sqlite ] && [ "$rep" = 1 ]; then
			"$TB" csv "$WORK/c/store.db" >"$WORK/obs.csv"
		fi
		[ "$s" = sqlite ] || pg_sql postgres -c "DROP DATABASE $db"
	done

	# The same rows in a bare PostGIS table: COPY, then the indexes of
	# bench/run.sh's best design.
	log "raw PostGIS: COPY $N rows and index them, repetition $rep"
	pg_sql raw -c "DROP TABLE IF EXISTS observation" \
		-c "CREATE TABLE observation (
		idx bigint NOT NULL, id bytea NOT NULL,
		t_from bigint NOT NULL, t_to bigint NOT NULL,
		category text NOT NULL, source_type text NOT NULL, member text,
		geom geometry(Point, 4326), entry text NOT NULL,
		trange int8range GENERATED ALWAYS AS
		    (int8range(t_from, t_to, '[]')) STORED)" -c CHECKPOINT
	t0=$(date +%s.%N)
	pg_sql raw -c "\\copy observation (idx, id, t_from, t_to, category, source_type, member, geom, entry) FROM '$WORK/obs.csv' WITH (FORMAT csv)"
	copy_s=$(since "$t0")
	pg_sql raw -c "ALTER TABLE observation ADD PRIMARY KEY (idx)" \
		-c "CREATE UNIQUE INDEX observation_id ON observation (id)" \
		-c "CREATE INDEX observation_cat_trange_geom ON observation
		    USING gist (category, trange, geom)" \
		-c "VACUUM ANALYZE observation" -c CHECKPOINT
	all_s=$(since "$t0")
	bytes=$(pg_sql raw -At -c "SELECT pg_total_relation_size('observation')")
	awk -v r="$rep" -v n="$N" -v c="$copy_s" -v a="$all_s" -v b="$bytes" \
		'BEGIN { printf "rep=%s store=postgis-raw what=pg-copy rows=%d copy_s=%s with_indexes_s=%s rows_per_s=%.0f total_bytes=%d bytes_per_obs=%.0f\n",
		    r, n, c, a, n / a, b, b / n }' | tee -a "$OUT/runs.txt" >&2
	pg0=$(pg_cpu)
	line=$(TBENCH_TRACE=$OUT/trace-postgis-raw.txt "$TB" query-pg "$PGCONN" \
		$WARMQ "$NQ" range 2>>"$OUT/query.log")
	pg1=$(pg_cpu)
	awk -v l="$line" -v r="$rep" -v p="$pg0 $pg1" -v n=$((WARMQ + NQ)) 'BEGIN {
		split(p, x, " ")
		printf "rep=%s store=postgis-raw %s pg_cpu_us_per_query=%.0f\n",
		    r, l, (x[2] - x[1]) * 1e6 / n }' | tee -a "$OUT/runs.txt" >&2
done
rm -f "$WORK/obs.csv"

# Did every path find the same rows for every query (count and sum of
# log indexes per query)?
for s in postgresql postgis-raw; do
	[ -f "$OUT/trace-$s.txt" ] || continue
	if cmp -s "$OUT/trace-sqlite.txt" "$OUT/trace-$s.txt"; then
		same=1
	else
		same=0
	fi
	echo "what=same-rows path=$s against=sqlite queries=$(wc -l <"$OUT/trace-$s.txt") same=$same" |
		tee -a "$OUT/check.txt" >&2
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg) duration_s=$(($(date +%s) - T_START))" >>"$OUT/machine.txt"
write_results
log "done in $(($(date +%s) - T_START)) s: bench/RESULTS.md, raw outputs in $OUT"
