#!/usr/bin/env bash
# The store is an index of the log (docs/storage.md): one log replayed by
# `truce rebuild` into two stores must answer every read API the same,
# byte for byte. A center is fed a simulated week (`truce simulate`),
# assessments, a ruling, a state change, a task, a release, a source status,
# an evidence item and reports; its directory is copied twice, each copy's
# store rebuilt from the log alone, one on SQLite and one on the second
# backend, and both served. Every read answer is then compared: observation
# listings with each filter and followed page by page, each observation and
# receipt, incidents (listing, map, exports, each one, its history and
# assessments), digests of observations and of every kind of state (with
# their rows), proofs, tiles, checkpoints, reports, trends, the queue, the
# principals and members, the event stream.
#
# Then the live path: B takes another day of observations, assessments and
# a state change as they come, its log is copied to C, C's store rebuilt
# on SQLite, and B and C compared the same way.
#
# The second backend is PostgreSQL + PostGIS when the binary has it (a
# throwaway cluster, tests/lib/pg.sh, or TRUCE_TEST_STORE's), else SQLite
# again (the test then checks that the replay is deterministic, and that
# the comparison itself works). TRUCE_EQUIV_STORE=sqlite|postgresql forces
# one; postgresql fails if the binary or the cluster cannot do it.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
# The binary itself, not tap.sh's per-center store wrapper: this test
# chooses each store.
T=${TRUCE_REAL_BIN:-$TRUCE_BIN}

cd "$TAP_TMP" || exit 1
want=${TRUCE_EQUIV_STORE:-auto}
if [ "$want" = auto ]; then
	if "$T" serve --help-config 2>&1 | grep -q 'postgresql://'; then
		want=postgresql
	else
		want=sqlite
		diag "this binary has no PostgreSQL store: SQLite against SQLite"
	fi
fi

for m in RU TR; do
	"$T" keygen "$m" --out "$m.key" >"$m.vkey" 2>/dev/null
done
D=$TAP_TMP/center
out=$("$T" init "$D" --origin e.org/equiv --member "RU=$(cat RU.vkey)" \
	--member "TR=$(cat TR.vkey)" --party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
ok $? "a center"
TRUCE_BIN=$T center_serve "$D" || exit 1

# --- the log -------------------------------------------------------------
# The simulation's parties are "side A" and "side B": here AM and AZ.
"$T" simulate --from 2026-11-16 --days 5 --per-day 30 --seed 7 2>/dev/null |
	sed 's/"side A"/"AM"/g; s/"side B"/"AZ"/g' >sim.jsonl
TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN "$T" import sim.jsonl >import.out 2>&1
ok $? "a simulated week imported ($(cat import.out))"
ana=$(TRUCE_BIN=$T token_for "$D" ana analyst)
RUA=$(TRUCE_BIN=$T token_for "$D" ru-a assessor --member RU)
TRA=$(TRUCE_BIN=$T token_for "$D" tr-a assessor --member TR)
lia=$(TRUCE_BIN=$T token_for "$D" lia liaison --party AM)
TRUCE_BIN=$T token_for "$D" p12 monitor --member RU >/dev/null
mapfile -t INC < <(api GET "/v1/incidents?limit=1000" | sed '$d' |
	jq -r '.features[] | select(.properties.kind == "observed") | .id')
[ "${#INC[@]}" -ge 6 ]
ok $? "fusion made observed incidents (${#INC[@]})"
assess() { # assess TOKEN MEMBER INCIDENT VERDICT
	"$T" assess "$3" --verdict "$4" --attribution unknown \
		--confidence moderate --rationale "by $2" --key "$2.key" \
		--server "$URL" --token "$1" >/dev/null
}
assess "$RUA" RU "${INC[0]}" violation &&
	assess "$TRA" TR "${INC[0]}" violation &&
	assess "$RUA" RU "${INC[1]}" violation &&
	assess "$TRA" TR "${INC[1]}" no_violation
ok $? "assessments: one agreed, one disputed"
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[2]}/state" \
	'{"to":"under_investigation","reason":"triage"}')
is "$(status_of "$r")" 200 "a state change"
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[3]}/tasks" \
	'{"unit":"p12","kind":"crater_analysis","description":"measure","due":"2026-12-01T12:00:00Z"}')
is "$(status_of "$r")" 201 "a task"
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[0]}/release" \
	'{"party":"AM","reason":"agreed"}')
is "$(status_of "$r")" 201 "a release to a party"
r=$(post_json /v1/sources/OP-5/status '{"type":"observation_post","member":"RU","status":"down","reason":"power","from":"2026-11-17T00:00:00Z","to":"2026-11-17T12:00:00Z"}')
is "$(status_of "$r")" 201 "a source status"
printf 'crater photo' >ev.bin
r=$(api POST /v1/evidence -H 'Content-Type: image/jpeg' --data-binary @ev.bin)
is "$(status_of "$r")" 201 "an evidence item"
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[4]}/merge" \
	"{\"with\":\"${INC[5]}\",\"reason\":\"one shelling\"}")
is "$(status_of "$r")" 200 "a merge decision"
for day in 2026-11-17 2026-11-18; do
	r=$(TOKEN=$ana post_json /v1/reports "{\"kind\":\"daily\",\"date\":\"$day\"}")
	is "$(status_of "$r")" 201 "the daily report of $day"
done
r=$(TOKEN=$ana post_json /v1/reports \
	"{\"kind\":\"spot\",\"incidents\":[\"${INC[0]}\"],\"narrative\":\"agreed\"}")
is "$(status_of "$r")" 201 "a spot report"
REP=$(body_of "$r" | jq -r .id)
for m in RU TR; do
	tok=$RUA
	[ "$m" = TR ] && tok=$TRA
	"$T" report sign "$REP" --key "$m.key" --server "$URL" \
		--token "$tok" >/dev/null
	ok $? "  signed by $m"
done
SIZE=$(curl -s "$URL/v1/health" | jq .log_size)
center_stop
ok $? "the center stops cleanly at $SIZE entries"

# --- two stores rebuilt from the log alone ---------------------------------
cp -a "$D" A && cp -a "$D" B
rm -f A/store.db* B/store.db*
if [ "$want" = postgresql ]; then
	if [ -z "${TRUCE_TEST_STORE:-}" ] || [ "$TRUCE_TEST_STORE" = sqlite ]; then
		. "$TRUCE_TOP/tests/lib/pg.sh"
		pg_start || { echo "Bail out! no PostgreSQL cluster"; exit 1; }
		base=$PG_URI
	else
		base=${TRUCE_TEST_STORE%/}/
	fi
	db=equiv_$$
	psql -X -q -v ON_ERROR_STOP=1 "${base}postgres" \
		-c "CREATE DATABASE $db TEMPLATE truce_template"
	ok $? "a fresh PostgreSQL database"
	conf_set B store "$base$db"
fi
diag "stores: A sqlite, B $(sed -n 's/^store = //p' B/truce.conf)"
"$T" rebuild A >rebuild-a.out 2>&1
ok $? "truce rebuild A (sqlite)" || sed 's/^/#   /' rebuild-a.out
"$T" rebuild B >rebuild-b.out 2>&1
ok $? "truce rebuild B ($want)" || sed 's/^/#   /' rebuild-b.out

TRUCE_BIN=$T center_serve A || exit 1
URL_A=$URL PID_A=$SERVER_PID
TRUCE_BIN=$T center_serve B || exit 1
URL_B=$URL PID_B=$SERVER_PID

# --- every read answer, byte for byte ---------------------------------------
ndiff=0
nsame=0
# fetch URL PATH [CURL ARGS]: status, content type and body of one answer.
fetch() {
	local u=$1 p=$2
	shift 2
	curl -s -H "Authorization: Bearer ${AS:-$TOKEN}" "$u$p" "$@" \
		-w '\n%{http_code} %{content_type}\n'
}
# same PATH [CURL ARGS]: A's and B's answers are the same bytes; on a
# difference, says where the first one is.
same() {
	local a b
	fetch "$URL_A" "$@" >got.a
	fetch "$URL_B" "$@" >got.b
	if cmp -s got.a got.b; then
		nsame=$((nsame + 1))
		return 0
	fi
	ndiff=$((ndiff + 1))
	ok 1 "same answer: GET $1"
	[ "$ndiff" -le 10 ] || return 1 # the first ten are shown
	a=$(cmp got.a got.b | sed 's/.* byte \([0-9]*\),.*/\1/')
	echo "#   first difference at byte $a:"
	echo "#   A: $(tail -c +$((a > 80 ? a - 80 : 1)) got.a | head -c 200)"
	echo "#   B: $(tail -c +$((a > 80 ? a - 80 : 1)) got.b | head -c 200)"
	return 1
}
# queue PATH, then flush: as `same` for each queued path, with one curl
# (one connection) per server for all of them; where they differ, each is
# asked again with `same`, which names it.
QUEUE=()
queue() { QUEUE+=("$1"); }
flush() {
	local p u a=() b=()
	[ "${#QUEUE[@]}" -gt 0 ] || return 0
	for p in "${QUEUE[@]}"; do
		a+=("$URL_A$p")
		b+=("$URL_B$p")
	done
	for u in a b; do
		local -n urls=$u
		curl -s -H "Authorization: Bearer ${AS:-$TOKEN}" "${urls[@]}" \
			-w '\n%{http_code} %{content_type}\n-- end of answer --\n' \
			>"many.$u"
	done
	if cmp -s many.a many.b; then
		nsame=$((nsame + ${#QUEUE[@]}))
	else
		for p in "${QUEUE[@]}"; do
			same "$p"
		done
	fi
	QUEUE=()
}
# body PATH: A's answer's body (what the comparisons iterate over).
body() { fetch "$URL_A" "$1" | sed '$d'; }

# compare_all: every read answer of URL_A and URL_B, at SIZE entries (LA
# and LB name the two in the tests' names).
compare_all() {
	local q i o r k n0 cursor pages span
	is "$(curl -s "$URL_A/v1/health" | jq .log_size)" "$SIZE" "$LA is at $SIZE"
	is "$(curl -s "$URL_B/v1/health" | jq .log_size)" "$SIZE" "$LB is at $SIZE"

	# Observations: filters, then every page of small pages.
	n0=$ndiff
	for q in "" "limit=1000" "bbox=46.5,39.5,47.2,40.3" \
		"from=2026-11-17T00:00:00Z&to=2026-11-18T06:00:00Z" \
		"category=explosion,drone_strike" "source=patrol" "member=TR" \
		"source=complaint" "bbox=46,39,48,41&category=explosion&from=2026-11-16T00:00:00Z&to=2026-11-19T00:00:00Z" \
		"bbox=0,0,1,1" "limit=1" "format=csv" "format=geojson" "format=kml" \
		"format=csv&category=explosion"; do
		queue "/v1/observations?$q"
	done
	flush
	cursor=
	pages=0
	while :; do
		same "/v1/observations?limit=7${cursor:+&cursor=$cursor}" || break
		cursor=$(sed '$d' got.a | jq -r '.next // empty')
		pages=$((pages + 1))
		[ -n "$cursor" ] && [ "$pages" -lt 200 ] || break
	done
	mapfile -t OBS < <(body "/v1/observations?limit=1000" | jq -r '.features[].id')
	for o in "${OBS[@]}"; do
		queue "/v1/observations/$o"
	done
	for o in "${OBS[@]:0:10}"; do
		queue "/v1/observations/$o/receipt"
	done
	flush
	is "$ndiff" "$n0" "observations: filters, ${pages} pages of 7, ${#OBS[@]} one by one"

	n0=$ndiff
	for q in "" "limit=1000" "limit=5" "format=map" "format=csv" "format=geojson" \
		"format=kml" "category=explosion" "bbox=46.5,39.5,47.2,40.3" \
		"from=2026-11-17T00:00:00Z&to=2026-11-18T00:00:00Z" \
		"zone=Azerbaijan" "format=map&limit=3"; do
		queue "/v1/incidents?$q"
	done
	flush
	cursor=
	while :; do
		same "/v1/incidents?limit=4${cursor:+&cursor=$cursor}" || break
		cursor=$(sed '$d' got.a | jq -r '.next // empty')
		[ -n "$cursor" ] || break
	done
	mapfile -t ALL < <(body "/v1/incidents?limit=1000" | jq -r '.features[].id')
	for i in "${ALL[@]}" "${INC[5]}"; do
		queue "/v1/incidents/$i"
		queue "/v1/incidents/$i/history"
		queue "/v1/incidents/$i/assessments"
	done
	flush
	same "/v1/incidents/${INC[0]}/history?limit=2"
	same "/v1/incidents/inc-000000000000000000000000"
	AS=$lia same "/v1/incidents"
	AS=$lia same "/v1/incidents/${INC[0]}"
	AS=$lia same "/v1/incidents/${INC[0]}/history"
	is "$ndiff" "$n0" "incidents: listings, map, exports, ${#ALL[@]} one by one with history and assessments, a liaison's view"

	n0=$ndiff
	for span in "0 $SIZE" "0 1" "5 40" "$((SIZE / 2)) $SIZE"; do
		set -- $span
		queue "/v1/observations/digest?from=$1&to=$2"
		for k in incidents states assessments tasks principals members \
			custody reports; do
			queue "/v1/state/digest?kind=$k&from=$1&to=$2&size=$SIZE"
			queue "/v1/state/digest?kind=$k&from=$1&to=$2&size=$SIZE&rows=1"
		done
	done
	flush
	is "$ndiff" "$n0" "digests of observations and of every kind of state, with rows"

	n0=$ndiff
	for i in 0 1 $((SIZE / 3)) $((SIZE - 1)); do
		queue "/v1/log/proof/inclusion?index=$i&size=$SIZE"
	done
	queue "/v1/log/proof/consistency?from=1&to=$SIZE"
	queue "/v1/log/proof/consistency?from=$((SIZE / 2))&to=$SIZE"
	queue "/checkpoint"
	queue "/v1/log/checkpoint"
	queue "/v1/log/key"
	queue "/v1/log/witnesses"
	queue "/tile/0/000.p/$((SIZE < 256 ? SIZE : 256))"
	queue "/tile/entries/000.p/$((SIZE < 256 ? SIZE : 256))"
	flush
	is "$ndiff" "$n0" "proofs, checkpoints, tiles"

	n0=$ndiff
	queue "/v1/reports"
	queue "/v1/reports?state=released"
	queue "/v1/reports?kind=daily"
	mapfile -t REPS < <(body "/v1/reports" | jq -r '.reports[].id')
	for r in "${REPS[@]}"; do
		queue "/v1/reports/$r"
		queue "/v1/reports/$r.svg"
		queue "/v1/reports/$r.html"
	done
	queue "/v1/trends"
	queue "/v1/trends?days=10&format=csv"
	queue "/v1/trends?days=365&category=explosion"
	flush
	AS=$lia same "/v1/reports"
	is "$ndiff" "$n0" "reports (${#REPS[@]}), their renderings, trends"

	n0=$ndiff
	same "/v1/principals"
	same "/v1/members"
	same "/v1/me"
	AS=$ana same "/v1/queue"
	AS=$RUA same "/v1/queue"
	AS=$TRA same "/v1/queue"
	same "/v1/alerts/rules"
	EVID=$(sha256sum ev.bin | cut -c1-64)
	same "/v1/evidence/$EVID/custody"
	is "$ndiff" "$n0" "principals, members, the queues, an evidence item's custody"

	# The event stream from the start: the same events, in the same order.
	for u in "$URL_A" "$URL_B"; do
		curl -s -N -m 3 -H "Authorization: Bearer $TOKEN" \
			"$u/v1/events?after=0" | grep -v '^:' >"ev.$([ "$u" = "$URL_A" ] && echo a || echo b)"
	done
	[ -s ev.a ] && cmp -s ev.a ev.b
	ok $? "the event stream from the start ($(grep -c '^id:' ev.a) events)" ||
		diff ev.a ev.b | head -5 | sed 's/^/#   /'
}

LA="A (sqlite, rebuilt)" LB="B ($want, rebuilt)"
compare_all
NOBS=$(grep -c . sim.jsonl)
if [ "$want" = postgresql ]; then
	# B's answers come from PostgreSQL, not from a store.db left behind.
	is "$(ls B/store.db* 2>/dev/null)" "" "B has no store.db"
	is "$(psql -X -At "$base$db" -c 'SELECT count(*) FROM observation')" \
		"$NOBS" "B's database holds the $NOBS observations"
fi

# --- the live path: B takes more entries; a SQLite replay of its log -------
# New observations, an assessment and a state change, applied by B's store
# as they come (the live path, a commit per batch); then B's log is copied
# to C, C's store rebuilt on SQLite, and the two compared again.
"$T" simulate --from 2026-11-21 --days 1 --per-day 30 --seed 8 2>/dev/null |
	sed 's/"side A"/"AM"/g; s/"side B"/"AZ"/g' >sim2.jsonl
URL=$URL_B
TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN "$T" import --batch 7 sim2.jsonl \
	>import2.out 2>&1
ok $? "B imports another day, 7 at a time ($(cat import2.out))"
mapfile -t NEW < <(api GET "/v1/incidents?limit=1000&from=2026-11-21T00:00:00Z" |
	sed '$d' | jq -r '.features[] | select(.properties.kind == "observed") | .id')
assess "$RUA" RU "${NEW[0]}" violation && assess "$TRA" TR "${NEW[0]}" violation
ok $? "and assessments of a new incident (${NEW[0]})"
r=$(TOKEN=$ana post_json "/v1/incidents/${NEW[1]}/state" \
	'{"to":"under_investigation","reason":"triage"}')
is "$(status_of "$r")" 200 "and a state change"
SIZE=$(curl -s "$URL_B/v1/health" | jq .log_size)
kill -TERM "$PID_A" "$PID_B"
wait "$PID_A" "$PID_B"
ok $? "A and B stop cleanly; B is at $SIZE entries"
cp -a B C
conf_set C store sqlite
"$T" rebuild C >rebuild-c.out 2>&1
ok $? "truce rebuild C (sqlite) from B's log" || sed 's/^/#   /' rebuild-c.out
TRUCE_BIN=$T center_serve B || exit 1
URL_B=$URL
TRUCE_BIN=$T center_serve C || exit 1
URL_A=$URL
LA="C (sqlite, rebuilt from B's log)" LB="B ($want, live)"
compare_all
[ -n "${TRUCE_EQUIV_KEEP:-}" ] && cp -a "$TAP_TMP" "$TRUCE_EQUIV_KEEP"

# Last: fetching an item is a custody step each center writes to its own
# log, with its own time.
same "/v1/evidence/$EVID"

diag "$nsame answers compared, $ndiff differ"
[ "$ndiff" -eq 0 ] && [ "$nsame" -ge 300 ]
ok $? "every answer the same ($nsame compared)"
done_testing
