#!/usr/bin/env bash
# pg_compare.sh PG_BASE_URL [DAYS]: the same log in a SQLite store and in
# a PostgreSQL + PostGIS store must give the same API answers, byte for
# byte (docs/storage.md, "PostgreSQL + PostGIS backend").
#
#   PG_BASE_URL  a cluster's URL without a database, e.g.
#                postgresql://postgres@127.0.0.1:55432 (databases
#                truce_cmp_a, truce_cmp_b are dropped and created there)
#
# 1. A center on SQLite takes simulated observations over HTTP (the live
#    path), an analyst's merge, and a source's status.
# 2. Its directory is copied; the copy's store is set to PostgreSQL and
#    `truce serve` catches it up from the log (the catch-up path); more
#    observations are POSTed to it (the live path on PostgreSQL).
# 3. The copy's log is copied back to a third directory with a SQLite
#    store and rebuilt there; the copy is rebuilt on PostgreSQL too.
# 4. Every read route compared: served from SQLite (rebuilt), from
#    PostgreSQL (live) and from PostgreSQL (rebuilt).
# Exit 0 when every answer is equal; the differences are printed.
set -u
PG=${1:?usage: pg_compare.sh PG_BASE_URL [DAYS]}
DAYS=${2:-2}
BIN=${TRUCE_BIN:-$(dirname "$0")/../build/asan/truce}
T=$(mktemp -d /tmp/truce-pgcmp.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p"; done
	rm -rf "$T"
}
trap cleanup EXIT
fail=0

psql -q "$PG/postgres" -c 'DROP DATABASE IF EXISTS truce_cmp_a' \
	-c 'CREATE DATABASE truce_cmp_a' >/dev/null || exit 2

serve() { # serve DIR: sets URL
	local log=$T/serve.$RANDOM.log i
	"$BIN" serve "$1" --listen 127.0.0.1:0 >"$log" 2>&1 &
	SPID=$!
	pids+=("$SPID")
	for i in $(seq 1 600); do
		URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$log")
		[ -n "$URL" ] && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "server of $1 did not start:"
	cat "$log"
	exit 2
}
stop() {
	kill -TERM "$SPID"
	wait "$SPID"
}

out=$("$BIN" init "$T/a" --origin example.org/cmp --member RU --member TR \
	--party AM --party AZ) || exit 2
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
"$BIN" simulate --from 2025-03-01 --days "$DAYS" --per-day 40 --seed 7 \
	2>/dev/null | sed 's/"side A"/"AM"/g; s/"side B"/"AZ"/g' >"$T/obs.jsonl"
split -n l/2 --additional-suffix=.jsonl "$T/obs.jsonl" "$T/part."

serve "$T/a"
export TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN
"$BIN" import "$T/part.aa.jsonl" >"$T/import.log" 2>&1 || { echo "import failed"; tail -3 "$T/import.log"; exit 2; }
post() { # post PATH JSON
	curl -s -o /dev/null -w '%{http_code} ' \
		-H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary "$2" "$URL$1"
}
ids=$(curl -s -H "Authorization: Bearer $TOKEN" \
	"$URL/v1/incidents?limit=6" | jq -r '.features[].id')
set -- $ids
if [ $# -ge 6 ]; then
	post "/v1/incidents/$1/merge" "{\"with\":\"$2\",\"reason\":\"one event\"}"
	post "/v1/incidents/$3/state" '{"to":"under_investigation","reason":"triage"}'
	post "/v1/incidents/$4/state" "{\"to\":\"duplicate\",\"reason\":\"triage\",\"duplicate_of\":\"$3\"}"
	post "/v1/incidents/$5/tasks" '{"unit":"p12","kind":"uav_flight","description":"fly over","due":"2026-12-01T12:00:00Z"}'
	post "/v1/incidents/$6/release" '{"party":"AM","reason":"for comment"}'
	post /v1/sources/OP-7/status '{"type":"observation_post","member":"TR","status":"down","reason":"power","from":"2025-03-01T20:00:00Z","to":"2025-03-02T04:00:00Z"}'
	echo "(writes answered)"
fi
stop

cp -a "$T/a" "$T/b"
rm -f "$T/b/store.db"*
sed -i "s|^store = .*|store = $PG/truce_cmp_a|" "$T/b/truce.conf"
serve "$T/b"
export TRUCE_SERVER=$URL
"$BIN" import "$T/part.ab.jsonl" >"$T/import.log" 2>&1 || { echo "import (pg) failed"; tail -3 "$T/import.log"; exit 2; }
sleep 1
stop

# The routes compared (GET), relative to the center.
routes() {
	local u=$1
	echo /v1/observations?limit=1000
	echo "/v1/observations?limit=1000&bbox=46.5,39.5,47.5,40.5"
	echo "/v1/observations?limit=1000&from=2025-03-01T18:00:00Z&to=2025-03-02T06:00:00Z"
	echo /v1/observations?limit=7
	echo "/v1/observations?limit=1000&category=artillery"
	echo /v1/incidents?limit=1000
	echo "/v1/incidents?limit=5"
	echo "/v1/incidents?limit=1000&bbox=46.5,39.5,47.5,40.5"
	echo "/v1/incidents?limit=1000&from=2025-03-01T18:00:00Z&to=2025-03-02T06:00:00Z"
	size=$(curl -s "$u/checkpoint" | sed -n 2p)
	for k in incidents states assessments tasks principals members \
		custody reports; do
		echo "/v1/state/digest?kind=$k&from=0&to=$size&size=$size&rows=1"
	done
	echo "/v1/observations/digest?from=0&to=$size"
	echo /v1/principals
	echo /v1/members
	curl -s -H "Authorization: Bearer $TOKEN" "$u/v1/incidents?limit=1000" |
		jq -r '.features[].id' | head -40 |
		sed 's|^\(.*\)$|/v1/incidents/\1\n/v1/incidents/\1/history\n/v1/incidents/\1/assessments|'
	echo /v1/queue
	echo "/v1/trends?days=400"
	curl -s -H "Authorization: Bearer $TOKEN" "$u/v1/observations?limit=30" |
		jq -r '.features[].id' | sed 's|^|/v1/observations/|'
}

# answers DIR NAME: serves DIR, saves every route's answer under NAME.
answers() {
	local d=$1 n=$2 r i=0
	serve "$d"
	mkdir -p "$T/ans.$n"
	routes "$URL" >"$T/routes.$n"
	while read -r r; do
		i=$((i + 1))
		curl -s -H "Authorization: Bearer $TOKEN" "$URL$r" \
			-w '\n%{http_code}\n' >"$T/ans.$n/$i"
	done <"$T/routes.$n"
	stop
}

answers "$T/b" pg_live

cp -a "$T/b" "$T/c"
sed -i "s|^store = .*|store = sqlite|" "$T/c/truce.conf"
rm -f "$T/c/store.db"*
"$BIN" rebuild "$T/c" >/dev/null || { echo "rebuild (sqlite) failed"; exit 2; }
"$BIN" rebuild "$T/b" >/dev/null || { echo "rebuild (pg) failed"; exit 2; }
answers "$T/c" sqlite
answers "$T/b" pg_rebuilt

n=$(wc -l <"$T/routes.sqlite")
for other in pg_live pg_rebuilt; do
	if ! cmp -s "$T/routes.sqlite" "$T/routes.$other"; then
		echo "not ok - the incident lists differ ($other)"
		fail=1
	fi
	for i in $(seq 1 "$n"); do
		r=$(sed -n "${i}p" "$T/routes.sqlite")
		if cmp -s "$T/ans.sqlite/$i" "$T/ans.$other/$i"; then
			echo "ok - $other: GET $r ($(wc -c <"$T/ans.sqlite/$i") bytes, $(tail -n 1 "$T/ans.sqlite/$i"))"
		else
			echo "not ok - $other: GET $r differs"
			diff <(head -c 3000 "$T/ans.sqlite/$i" | jq -S . 2>/dev/null || head -c 600 "$T/ans.sqlite/$i") \
				<(head -c 3000 "$T/ans.$other/$i" | jq -S . 2>/dev/null || head -c 600 "$T/ans.$other/$i") | head -20
			fail=1
		fi
	done
done
exit $fail
