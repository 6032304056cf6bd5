#!/usr/bin/env bash
# Read servers (issue 16, docs/readservers.md): one writer and two
# `truce serve --read-only` over one SQLite store (WAL) and one log, real
# binaries on 127.0.0.1. The read servers answer what the writer answers at
# the same X-Truce-Log-Size; ?min_size= waits for a write and then answers;
# min_size beyond read_wait_max_ms is a 503 with Retry-After naming the
# bound; a write sent to a read server is a 405 naming the writer and
# changes nothing; a read server takes no lock (the writer restarts under
# it) and writes no byte of the log or the store; they follow a rebuilt
# SQLite store. With
# TRUCE_TEST_STORE=postgresql the same runs over one PostgreSQL database.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

# reader_serve DIR VAR: starts a read server of DIR; sets VAR to its URL.
reader_serve() {
	local log="$TAP_TMP/reader.$RANDOM.log" i u
	"$T" serve "$1" --read-only --listen 127.0.0.1:0 >"$log" 2>&1 &
	tap_pids+=("$!")
	RPID=$!
	for i in $(seq 1 300); do
		u=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$log")
		[ -n "$u" ] && { eval "$2=$u"; return 0; }
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# read server did not start:" && sed 's/^/#   /' "$log"
	return 1
}
# get BASE PATH: prints the X-Truce-Log-Size, the status, then the body.
get() {
	curl -s -D hdr.$$ -o body.$$ -H "Authorization: Bearer $TOKEN" \
		"$1$2" -w '%{http_code}\n' >status.$$
	printf '%s\n' "$(tr -d '\r' <hdr.$$ |
		sed -n 's/^X-Truce-Log-Size: //Ip')"
	cat status.$$ body.$$
}
size_of() { printf '%s\n' "$1" | sed -n 1p; }
st_of() { printf '%s\n' "$1" | sed -n 2p; }
bd_of() { printf '%s\n' "$1" | sed '1,2d'; }
post_batch() { # post_batch BASE B N
	awk -v B="$2" -v N="$3" -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @batch.json \
		"$1/v1/observations"
}
# The store: A/store.db, or a PostgreSQL database when the test runs with
# TRUCE_TEST_STORE=postgresql (tests/lib/tap.sh): the read servers then
# share it with the writer over libpq.
store_uri() { sed -n 's/^store = \(postgresql:.*\)$/\1/p' A/truce.conf; }
store_sql() {
	if [ -n "$(store_uri)" ]; then
		psql -X -A -t -q "$(store_uri)" -c "$1"
	else
		sqlite3 A/store.db "$1"
	fi
}
applied() { store_sql "SELECT value FROM meta WHERE key = 'applied_size'"; }

center_init A || exit 1
conf_set A read_wait_max_ms 1500
conf_set A writer http://writer.example:8080
center_serve A || exit 1
W=$URL
r=$(post_json /v1/alerts/rules '{"name":"booms","when":{"categories":["explosion"]}}')
is "$(status_of "$r")" 201 "an alert rule (alert events in the stream)"
is "$(post_batch "$W" 0 50)" 201 "the writer takes 50 observations"
reader_serve A R1 || exit 1
reader_serve A R2 || exit 1
diag "writer $W, read servers $R1 $R2"

# --- consistency at one size ---
w=$(get "$W" "/v1/observations?limit=1000")
N=$(size_of "$w")
like "$N" '^[0-9]+$' "the writer's read answer carries X-Truce-Log-Size ($N)"
r1=$(get "$R1" "/v1/observations?limit=1000&min_size=$N")
r2=$(get "$R2" "/v1/observations?limit=1000&min_size=$N")
is "$(st_of "$r1") $(st_of "$r2")" "200 200" "both read servers answer the read"
is "$(size_of "$r1")" "$N" "read server 1 reflects the writer's size"
is "$(size_of "$r2")" "$N" "read server 2 reflects the writer's size"
[ "$(bd_of "$r1")" = "$(bd_of "$w")" ] && [ "$(bd_of "$r2")" = "$(bd_of "$w")" ]
ok $? "both read servers' observations equal the writer's byte for byte"
is "$(printf '%s' "$(bd_of "$r1")" | jq '.features | length')" 50 \
	"... all 50 of them"
w=$(get "$W" "/v1/incidents?limit=1000")
r1=$(get "$R1" "/v1/incidents?limit=1000&min_size=$N")
[ "$(bd_of "$r1")" = "$(bd_of "$w")" ] && [ "$(st_of "$r1")" = 200 ]
ok $? "incidents equal the writer's"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$R2/v1/geo" | sha256sum)" \
	"$(curl -s -H "Authorization: Bearer $TOKEN" "$W/v1/geo" | sha256sum)" \
	"the map's layers (GET /v1/geo) equal the writer's"
if [ -n "$(store_uri)" ]; then
	n=$(psql -X -A -t -q "$(store_uri)" -c "SELECT count(*) FROM
		pg_stat_activity WHERE application_name = 'truce-read-server'")
	[ "$n" -ge 2 ]
	ok $? "the read servers' PostgreSQL sessions are named ($n of them)"
	r=$(psql -X -A -t -q "$(store_uri)?options=-c%20default_transaction_read_only%3Don" \
		-c "UPDATE meta SET value = value WHERE key = 'x'" 2>&1)
	like "$r" "read-only transaction" "... and such a session cannot write"
fi
h=$(curl -s "$R1/v1/health")
is "$(printf '%s' "$h" | jq .log_size)" "$N" "health of a read server: log_size is the applied size"

# --- every read route answers as the writer's ---
head -c 5000 /dev/urandom >photo.jpg
r=$(api POST /v1/evidence -H 'Content-Type: image/jpeg' --data-binary @photo.jpg)
is "$(status_of "$r")" 201 "evidence uploaded at the writer"
sha=$(body_of "$r" | jq -r .sha256)
r=$(post_json /v1/reports '{"kind":"daily","date":"2025-01-05"}')
is "$(status_of "$r")" 201 "a daily report drafted at the writer"
rep=$(body_of "$r" | jq -r .id)
N=$(size_of "$(get "$W" /v1/observations?limit=1)")
oid=$(get "$W" "/v1/observations?limit=1" | sed '1,2d' | jq -r '.features[0].id')
iid=$(get "$W" "/v1/incidents?limit=1" | sed '1,2d' | jq -r '.features[0].id')
same=0 differ=
for p in /v1/me "/v1/observations/digest?from=0&to=$N" \
	"/v1/state/digest?kind=incidents&from=0&to=$N&size=$N" \
	"/v1/state/digest?kind=states&from=0&to=$N&size=$N&rows=1" "/v1/observations/$oid" \
	/v1/members \
	/v1/principals "/v1/evidence/$sha/custody" \
	"/v1/incidents/$iid" "/v1/incidents/$iid/assessments" \
	"/v1/incidents?format=map" /v1/queue /v1/reports "/v1/reports/$rep" \
	/v1/trends /v1/log/witnesses "/v1/log/proof/consistency?from=5&to=$N"; do
	case $p in *\?*) q="$p&min_size=$N" ;; *) q="$p?min_size=$N" ;; esac
	wl=$(get "$W" "$q")
	rl=$(get "$R2" "$q")
	if [ "$(st_of "$rl")" = 200 ] && [ "$(size_of "$rl")" = "$N" ] &&
		[ "$(bd_of "$rl")" = "$(bd_of "$wl")" ]; then
		same=$((same + 1))
	else
		differ="$differ $p($(st_of "$wl")/$(st_of "$rl"))"
	fi
done
t="/tile/entries/000.p/$((N % 256))"
is "$(curl -s -H "Authorization: Bearer $TOKEN" "$R2$t" | sha256sum)" \
	"$(curl -s -H "Authorization: Bearer $TOKEN" "$W$t" | sha256sum)" \
	"the entry bundle $t equals the writer's"
is "$same${differ:+ differ:$differ}" 17 "17 more read routes answer 200 at size $N, as the writer's byte for byte"
r=$(get "$R1" "/v1/evidence/$sha?min_size=$N")
is "$(st_of "$r")" 421 "fetching evidence on a read server: 421 (each fetch is logged)"
like "$(bd_of "$r")" "chain of custody.*writer at http://writer.example" "... naming the writer"
r=$(get "$R1" "/v1/observations/$oid/receipt?min_size=$N")
is "$(st_of "$r")" 200 "a receipt from a read server (on its joint checkpoint)"

# --- the event stream: the same events, alerts included ---
# events BASE: the stream from the first entry for 3 s, without heartbeats
# and checkpoint events (those depend on timing).
events() {
	curl -s -N -m 3 -H "Authorization: Bearer $TOKEN" \
		"$1/v1/events?after=-1&min_size=$N" |
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		    !/^:/ && !/event: checkpoint/ { print }'
}
events "$W" >ev.w &
epid=$!
events "$R1" >ev.r1
wait "$epid"
[ -s ev.w ] && cmp -s ev.w ev.r1
ok $? "a read server's event stream equals the writer's ($(grep -c '^id:' ev.r1) entries)"
is "$(grep -c '^event: alert$' ev.r1)" 50 "... its 50 alert events included"
r=$(get "$R2" "/v1/alerts/rules")
is "$(st_of "$r")" 404 "alert rules on a read server: 404"
like "$(bd_of "$r")" "the writer's.*writer.example" "... naming the writer"

# --- log routes from the log files, read-only ---
wait_joint "$N" || exit 1
is "$(curl -s "$R1/checkpoint?min_size=$N")" "$(curl -s "$W/checkpoint")" \
	"a read server serves the writer's joint checkpoint"
is "$(curl -s "$R1/v1/log/key")" "$(curl -s "$W/v1/log/key")" \
	"the log's key, read from the genesis entry, equals the writer's"
is "$(curl -s "$R2/v1/log/proof/inclusion?index=7&size=$N")" \
	"$(curl -s "$W/v1/log/proof/inclusion?index=7&size=$N")" \
	"an inclusion proof from a read server equals the writer's"
is "$(curl -s "$R1/tile/0/000" | sha256sum)" "$(curl -s "$W/tile/0/000" | sha256sum)" \
	"a tile from a read server equals the writer's"
id=$(printf '%s' "$(bd_of "$w")" | jq -r '.features[0].id')
r=$(get "$R2" "/v1/incidents/$id/history")
w=$(get "$W" "/v1/incidents/$id/history")
[ "$(st_of "$r")" = 200 ] && [ "$(bd_of "$r")" = "$(bd_of "$w")" ]
ok $? "incident $id's history (read from the log's entries) equals the writer's"

# --- min_size waits for a write, then answers ---
start=$(date +%s%N)
get "$R1" "/v1/observations?limit=1000&min_size=$((N + 20))" >waited.out &
wpid=$!
sleep 0.4
is "$(post_batch "$W" 1 20)" 201 "the writer takes 20 more while a read waits"
wait "$wpid"
ms=$((($(date +%s%N) - start) / 1000000))
r=$(cat waited.out)
is "$(st_of "$r")" 200 "the waiting read answers once the store applied the write"
[ "$(size_of "$r")" -ge $((N + 20)) ] && [ "$ms" -ge 300 ]
ok $? "... at X-Truce-Log-Size $(size_of "$r") >= $((N + 20)), after $ms ms (it waited)"
is "$(printf '%s' "$(bd_of "$r")" | jq '.features | length')" 70 \
	"... and it holds the 20 new observations"
N=$(size_of "$(get "$W" /v1/observations?limit=1)")
r=$(get "$R2" "/v1/observations/digest?min_size=$N")
w=$(get "$W" "/v1/observations/digest")
[ "$(bd_of "$r")" = "$(bd_of "$w")" ] && [ "$(size_of "$r")" = "$N" ]
ok $? "the other read server's observations digest equals the writer's at $N"

# --- min_size beyond the bound ---
start=$(date +%s%N)
curl -s -D hdr.far -o far.body -H "Authorization: Bearer $TOKEN" \
	"$R1/v1/incidents?min_size=$((N + 1000))" -w '%{http_code}' >far.status
ms=$((($(date +%s%N) - start) / 1000000))
is "$(cat far.status)" 503 "min_size beyond what arrives within the bound: 503"
like "$(jq -r .detail far.body)" "applied $N log entries, fewer than the $((N + 1000)) asked.*within 1500 ms \(read_wait_max_ms\).*http://writer.example:8080" \
	"... saying what was applied, what was asked, the bound and the writer"
like "$(tr -d '\r' <hdr.far)" $'Retry-After: 1' "... with Retry-After"
[ "$ms" -ge 1400 ] && [ "$ms" -lt 6000 ]
ok $? "... after waiting the bound ($ms ms)"
r=$(get "$W" "/v1/incidents?min_size=$((N + 1000))")
is "$(st_of "$r")" 503 "the writer bounds min_size the same way"
r=$(get "$R1" "/v1/incidents?min_size=abc")
is "$(st_of "$r")" 400 "min_size that is not a size: 400"
like "$(bd_of "$r")" "min_size" "... naming min_size"
r=$(get "$R1" "/v1/incidents?min_size=1&min_size=2")
is "$(st_of "$r")" 400 "min_size given twice: 400"

# --- a write to a read server is refused and changes nothing ---
before=$(applied)
wsize=$(curl -s "$W/v1/health" | jq .log_size)
awk -v B=9 -v N=3 -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
curl -s -D hdr.w -o w.body -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data-binary @batch.json \
	"$R1/v1/observations" -w '%{http_code}' >w.status
is "$(cat w.status)" 405 "POST /v1/observations to a read server: 405"
like "$(jq -r .detail w.body)" "read server.*changes nothing.*writer at http://writer.example:8080" \
	"... naming the writer"
is "$(jq -r .writer w.body)" "http://writer.example:8080" "... also as the problem's writer member"
like "$(tr -d '\r' <hdr.w)" $'Allow: GET, HEAD' "... with Allow: GET, HEAD"
r=$(curl -s -X DELETE -H "Authorization: Bearer $TOKEN" "$R2/v1/principals/admin" -w '\n%{http_code}')
is "$(status_of "$r")" 405 "DELETE /v1/principals/admin to a read server: 405"
sleep 0.2
is "$(applied)" "$before" "the store is unchanged"
is "$(curl -s "$W/v1/health" | jq .log_size)" "$wsize" "the log is unchanged"
is "$(status_of "$(api GET /v1/me)")" 200 "the admin token still works at the writer"

# --- no lock: the writer restarts under its read servers ---
center_stop
is $? 0 "the writer stops"
ls A/control.sock >/dev/null 2>&1
is $? 2 "no control socket left: the read servers made none"
sum() {
	local db=store.db
	[ -n "$(store_uri)" ] && db=
	(cd A && sha256sum log/entries log/index log/hashes \
		log/checkpoint.joint $db)
	store_sql "SELECT 'applied', value FROM meta WHERE key =
		'applied_size'; SELECT count(*) FROM observation"
}
sum >sums.before
r=$(get "$R1" "/v1/incidents?limit=1000")
is "$(st_of "$r")" 200 "a read server answers while the writer is down"
for i in 1 2 3 4 5; do get "$R2" /v1/observations?limit=1000 >/dev/null; done
curl -s "$R2/tile/0/000" >/dev/null
sum >sums.after
cmp -s sums.before sums.after
ok $? "the read servers wrote nothing to the log or the store"
# A store whose applied size falls (rebuilt in place) is not served as if
# it held what was served before.
if [ -z "$(store_uri)" ]; then
	was=$(applied)
	store_sql "UPDATE meta SET value = 5 WHERE key = 'applied_size'"
	sleep 0.3
	r=$(get "$R1" "/v1/incidents")
	is "$(st_of "$r")" 503 "the store's applied size falls: a read server answers 503"
	like "$(bd_of "$r")" "fell from $was to 5" "... saying so"
	store_sql "UPDATE meta SET value = $was WHERE key = 'applied_size'"
	sleep 0.3
	r=$(get "$R1" "/v1/incidents")
	is "$(st_of "$r") $(size_of "$r")" "200 $was" "... and answers again once it is back"
fi
center_serve A || exit 1
W=$URL
ok $? "the writer starts again with two read servers on its log (no lock held)"
is "$(post_batch "$W" 2 10)" 201 "the writer takes 10 more"
N=$(size_of "$(get "$W" /v1/observations?limit=1)")
r=$(get "$R1" "/v1/observations?limit=1000&min_size=$N")
is "$(st_of "$r") $(size_of "$r")" "200 $N" "a read server follows the restarted writer to $N"
is "$(printf '%s' "$(bd_of "$r")" | jq '.features | length')" 80 "... with all 80 observations"

# A SQLite `truce rebuild` renames a new store.db over the one the read
# servers opened: they move to it and follow the writer on, their event
# streams too (PostgreSQL rebuilds in place).
if [ -z "$(store_uri)" ]; then
	center_stop
	"$T" rebuild A >rebuild.out 2>&1
	is $? 0 "truce rebuild of the store under two running read servers"
	center_serve A || exit 1
	W=$URL
	is "$(post_batch "$W" 3 10)" 201 "the rebuilt writer takes 10 more"
	N=$(size_of "$(get "$W" /v1/observations?limit=1)")
	for R in "$R1" "$R2"; do
		r=$(get "$R" "/v1/observations?limit=1000&min_size=$N")
		is "$(st_of "$r") $(size_of "$r")" "200 $N" \
			"a read server follows the rebuilt store to $N"
		is "$(printf '%s' "$(bd_of "$r")" | jq '.features | length')" 90 \
			"... with all 90 observations"
	done
	ev=$(curl -sN --max-time 1.5 -H "Authorization: Bearer $TOKEN" \
		"$R1/v1/events?after=$((N - 2))" | sed -n 's/^data: //p' | head -n 1)
	like "$ev" '"incident":"inc-[0-9a-f]{24}"' \
		"... and its event stream names the new observation's incident"
fi

# --- a read server without a store to read refuses to start ---
mkdir -p E && cp A/truce.conf E/
out=$("$T" serve E --read-only --listen 127.0.0.1:0 2>&1)
is $? 1 "a read server of a directory without a log exits 1"
like "$out" "read server reads the writer's log" "... saying it needs the writer's log"
done_testing
