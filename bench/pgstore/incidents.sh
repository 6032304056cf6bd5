#!/usr/bin/env bash
# bench/pgstore/incidents.sh: GET /v1/incidents?limit=100 on a PostgreSQL
# store, two binaries in turn over the same center (bench/RESULTS.md,
# "Prepared query shapes"). A throwaway cluster (tests/lib/pg.sh, durable
# defaults); a center fed `truce simulate` (30 days, 60 a day) by BINARY_A;
# then REPS times each binary serves it and answers 300 listings (cursor
# 0..39), after 30 to warm. Prints p50, the cluster's CPU per listing
# (its backends' ticks and the exited ones', 10 ms each) and the serving
# truce's. PROFILE=1
# instead logs every statement of two listings and counts them by kind.
#   BINARY_A=old/truce BINARY_B=build/release/truce bench/pgstore/incidents.sh
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
A=${BINARY_A:?BINARY_A names a truce binary}
B=${BINARY_B:-$TOP/build/release/truce}
REPS=${REPS:-3}
. "$TOP/tests/lib/pg.sh"
export PG_DURABLE=1
pg_start || exit 1
W=$(mktemp -d)
trap 'pg_stop; rm -rf "$W"' EXIT
pg_createdb inc >/dev/null || exit 1
cd "$W" || exit 1
ln -s "$TOP/data" data
out=$("$B" init C --origin example.org/inc --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
sed -i "s|^store = .*|store = ${PG_URI%/}/inc|" C/truce.conf
rm -f C/store.db
serve() {
	"$1" serve C --listen 127.0.0.1:0 >serve.log 2>&1 &
	SPID=$!
	for _ in $(seq 1 200); do
		URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' serve.log)
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	return 1
}
get() { curl -s -H "Authorization: Bearer $TOKEN" "$URL$1" "${@:2}"; }
pgcpu() { # ticks of the cluster's processes, the exited ones included
	local pm t p
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	t=$(awk '{print $16 + $17}' "/proc/$pm/stat")
	for p in $(pgrep -P "$pm"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null ||
			echo 0)))
	done
	echo "$t"
}
serve "$B" || exit 1
"$B" simulate --from 2026-10-01 --days 30 --per-day 60 --seed 3 \
	2>/dev/null >sim.jsonl
TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN "$B" import sim.jsonl >&2
sleep 3
kill "$SPID"; wait "$SPID"
psql -X -q "${PG_URI%/}/inc" -c "VACUUM ANALYZE" >/dev/null
if [ -n "${PROFILE:-}" ]; then
	psql -X -q "${PG_URI%/}/postgres" \
		-c "ALTER SYSTEM SET log_min_duration_statement = 0" \
		-c "SELECT pg_reload_conf()" >/dev/null
	serve "$B" || exit 1
	get "/v1/incidents?limit=100&cursor=3" -o /dev/null
	get "/v1/incidents?limit=100&cursor=4" -o /dev/null
	kill "$SPID"; wait "$SPID"
	grep -o "execute [a-z0-9<>]*: .\{0,90\}" "$PG_DIR/log" | sort |
		uniq -c | sort -rn | head -14
	exit 0
fi
for rep in $(seq 1 "$REPS"); do
	for which in A B; do
		bin=$A; [ "$which" = B ] && bin=$B
		serve "$bin" || exit 1
		for _ in $(seq 1 30); do get "/v1/incidents?limit=100" -o /dev/null; done
		c0=$(pgcpu); s0=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
		for i in $(seq 1 300); do
			get "/v1/incidents?limit=100&cursor=$((i % 40))" -o /dev/null \
				-w '%{time_total} %{http_code}\n'
		done >"t.$which"
		c1=$(pgcpu); s1=$(awk '{print $14 + $15}' "/proc/$SPID/stat")
		echo "rep=$rep binary=$which p50_s=$(sort -n "t.$which" | sed -n 150p | cut -d' ' -f1)" \
			"status=$(cut -d' ' -f2 "t.$which" | sort -u | tr '\n' ' ')" \
			"pg_cpu_us_per_listing=$(( (c1 - c0) * 10000 / 300 ))" \
			"truce_cpu_us_per_listing=$(( (s1 - s0) * 10000 / 300 ))"
		kill "$SPID"; wait "$SPID"
	done
done
