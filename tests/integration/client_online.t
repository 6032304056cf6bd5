#!/usr/bin/env bash
# Client commands against the real server (TAP): starts `truce serve` on an
# ephemeral port of 127.0.0.1 and drives observe, import and query through
# it — idempotent resubmission, batches, paging through every match, the
# filters, export -> import round trips in every format, 401 and 403.
# Skips when this build has no server.
set -u
BIN=${TRUCE_BIN:?TRUCE_BIN must point at the truce binary}
TOP=${TRUCE_TOP:?TRUCE_TOP must point at the repository}
DATA=$TOP/tests/data

if ! "$BIN" serve --help >/dev/null 2>&1; then
	echo "1..0 # SKIP this build has no \`truce serve\`"
	exit 0
fi

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1

n=0
fails=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}
run() {
	"$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
is_rc() {
	[ "$rc" -eq "$1" ]
	local r=$?
	ok $r "$2 (exit $rc, want $1)"
	[ $r -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -5
}
has() {
	grep -qF -- "$2" "$TMP/$1"
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || { echo "# missing: $2"; sed 's/^/# /' "$TMP/$1" | head -8; }
}
bail() {
	echo "Bail out! $*"
	exit 1
}

# --- a fresh center on a free port ---------------------------------------
"$BIN" init "$TMP/center" --origin example.org/test --member RU --member TR \
	>"$TMP/init" 2>&1 || bail "truce init failed: $(cat "$TMP/init")"
TRUCE_TOKEN=$(sed -n 's/^token: //p' "$TMP/init")
[ -n "$TRUCE_TOKEN" ] || bail "truce init printed no token"
export TRUCE_TOKEN
"$BIN" serve "$TMP/center" --listen 127.0.0.1:0 >"$TMP/serve.out" \
	2>"$TMP/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		"$TMP/serve.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "${port:-}" ] || bail "the server did not start: $(cat "$TMP/serve.err")"
export TRUCE_SERVER=http://127.0.0.1:$port

# --- observe ---------------------------------------------------------------
obs=(observe --at 2025-03-05T10:00:00Z --source-type patrol --member RU
	--unit P-12 --category explosion --weapon mortar --count 3
	--count-qualifier about --place Ağdam --bearing 225 --distance 3000
	--distance-error 500 --narrative "Heard 3 explosions")
run "${obs[@]}"
is_rc 0 "observe submits one observation"
has out "status: new" "it is new"
id1=$(sed -n 's/^id: //p' "$TMP/out")
idx1=$(sed -n 's/^index: //p' "$TMP/out")
[ ${#id1} -eq 64 ] && [ -n "$idx1" ]
ok $? "it gets a 64-hex id and an index ($idx1)"
run "${obs[@]}"
is_rc 0 "observe the same again"
has out "status: existing" "it already exists"
[ "$(sed -n 's/^id: //p' "$TMP/out")" = "$id1" ] &&
	[ "$(sed -n 's/^index: //p' "$TMP/out")" = "$idx1" ]
ok $? "same id and index"
run observe --at now --source-type uav --member TR --category explosion \
	--lat 39.95 --lon 46.95 --precision 10 --evidence \
	"$(printf 'ab%.0s' {1..32}):image/jpeg"
is_rc 0 "observe a point with evidence, now"

# --- import ------------------------------------------------------------------
for f in import_good.csv import_good.geojson import_good.jsonl; do
	run import "$DATA/$f"
	is_rc 0 "import $f"
	has out "rejected 0" "$f: nothing rejected"
done
run import "$DATA/import_good.csv"
has out "imported 4 (new 0, existing 4), rejected 0" \
	"importing a file again finds every row existing"
run import "$DATA/import_bad.csv"
is_rc 1 "import of a file with bad rows exits 1"
has out "imported 2 (new 2, existing 0), rejected 6" \
	"the good rows of a bad file are imported, the bad ones counted"

# Enough for more than a page (1,000) of observations and of incidents.
"$BIN" simulate --from 2025-03-01 --days 20 --per-day 120 --seed 3 \
	>sim.jsonl 2>/dev/null
nsim=$(wc -l <sim.jsonl)
run import sim.jsonl --batch 500
is_rc 0 "import $nsim simulated observations in batches of 500"
has out "imported $nsim (new $nsim, existing 0), rejected 0" \
	"all $nsim are new"
run import sim.jsonl --batch 10000
has out "imported $nsim (new 0, existing $nsim)" \
	"again in one batch: all existing"

# --- query -------------------------------------------------------------------
run query --format jsonl
is_rc 0 "query everything as JSON lines"
total=$(wc -l <"$TMP/out")
[ "$total" -ge "$((nsim + 10))" ]
ok $? "paging returns every observation ($total, more than one page)"
[ "$(jq -r .id "$TMP/out" | sort -u | wc -l)" -eq "$total" ]
ok $? "each observation exactly once"
run query --limit 5
is_rc 0 "query --limit 5 as a table"
[ "$(wc -l <"$TMP/out")" -eq 6 ]
ok $? "a header and 5 rows"
has out "OBSERVED_AT" "the table has its header"
lim=$((total - 5)) # more than a page of 1000, fewer than there are
run query --limit $lim --format jsonl
[ "$(wc -l <"$TMP/out")" -eq $lim ]
ok $? "--limit $lim stops across pages at $lim"
run query --category explosion,muzzle_flash --format jsonl
[ -s "$TMP/out" ] && ! jq -r .properties.category "$TMP/out" |
	grep -qvE '^(explosion|muzzle_flash)$'
ok $? "--category filters"
run query --source patrol --member TR --format jsonl
[ -s "$TMP/out" ] && [ "$(jq -r '.properties.source.type + " " +
	.properties.source.member' "$TMP/out" | sort -u)" = "patrol TR" ]
ok $? "--source and --member filter"
run query --bbox 46.9,39.9,47.1,40.1 --format jsonl
[ -s "$TMP/out" ] && jq -e -s 'all(.[]; .geometry.coordinates[0] >= 46.9 and
	.geometry.coordinates[0] <= 47.1 and .geometry.coordinates[1] >= 39.9
	and .geometry.coordinates[1] <= 40.1)' "$TMP/out" >/dev/null
ok $? "--bbox filters"
run query --from 2025-03-02T00:00:00Z --to 2025-03-02T23:59:59Z --format jsonl
[ -s "$TMP/out" ] && ! jq -r '.properties.observed_at |
	if type == "object" then .from else . end' "$TMP/out" |
	grep -qv '^2025-03-0[12]'
ok $? "--from/--to filter"

# --- incidents: the same paging, with the incidents' string cursor -----------
run incidents --format jsonl
is_rc 0 "incidents as JSON lines"
ninc=$(wc -l <"$TMP/out")
[ "$ninc" -gt 1000 ]
ok $? "more than one page of incidents ($ninc)"
[ "$(jq -r .id "$TMP/out" | sort -u | wc -l)" -eq "$ninc" ]
ok $? "each incident exactly once"
run incidents --limit 1003 --format jsonl
[ "$(wc -l <"$TMP/out")" -eq 1003 ]
ok $? "incidents --limit 1003 stops across pages at 1003"
run incidents --bbox 1,2,3
is_rc 1 "incidents with a malformed bbox: exit 1"
has err "400" "the server's 400 is reported"

# --- export -> import round trips --------------------------------------------
for fmt in csv geojson jsonl; do
	"$BIN" query --format $fmt >"export.$fmt" 2>"$TMP/err"
	ok $? "export as $fmt"
	[ ! -s "$TMP/err" ]
	ok $? "the $fmt export loses nothing (no warning)"
	run import "export.$fmt" --batch 5000
	has out "imported $total (new 0, existing $total), rejected 0" \
		"the $fmt export imports again: all $total existing"
done
jq -e '.type == "FeatureCollection" and (.features | length) > 0' \
	export.geojson >/dev/null
ok $? "the GeoJSON export is one FeatureCollection"

# --- authentication -----------------------------------------------------------
run query --token wrong-token-1234
is_rc 1 "a bad token is refused"
has err "401" "with 401"
! grep -q "wrong-token-1234" "$TMP/err" "$TMP/out"
ok $? "the token is not printed"
"$BIN" token add "$TMP/center" --name v --role viewer >"$TMP/tok" 2>&1
viewer=$(sed -n 's/^token: //p' "$TMP/tok")
if [ -n "$viewer" ]; then
	run import "$DATA/import_good.jsonl" --token "$viewer"
	is_rc 1 "a viewer may not import"
	has err "403" "with 403"
	run query --limit 1 --token "$viewer"
	is_rc 0 "a viewer may query"
else
	ok 1 "truce token add printed a viewer token: $(cat "$TMP/tok")"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
