#!/usr/bin/env bash
# Fusion end to end against the real server on 127.0.0.1: import a small
# simulated set, read the incidents over HTTP (GeoJSON, filters, paging),
# check they are the incidents `truce fuse` makes offline, merge and split
# (roles, errors with pointers), then `truce rebuild` and the very same
# /v1/incidents; and the `truce incidents` client.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

BIN=$TRUCE_BIN
D=$TAP_TMP/center
center_init "$D"
ok $? "init a center (region karabakh by default)"
grep -q '^region = karabakh' "$D/truce.conf"
ok $? "the region is in the configuration"

"$BIN" simulate --from 2025-03-01 --days 2 --per-day 40 --seed 5 \
	--truth "$TAP_TMP/truth.jsonl" >"$TAP_TMP/obs.jsonl" 2>/dev/null
ok $? "simulate two days"
nobs=$(wc -l <"$TAP_TMP/obs.jsonl")
ncomp=$(jq -r .source.type "$TAP_TMP/obs.jsonl" | grep -c complaint)
for form in sensors bearings ce90_m place; do
	n=$(jq -c "select(.location.$form != null)" "$TAP_TMP/obs.jsonl" | wc -l)
	[ "$n" -gt 0 ]
	ok $? "simulated observations use the $form form ($n)"
done

center_serve "$D" || exit 1
export TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN
"$BIN" import "$TAP_TMP/obs.jsonl" >/dev/null 2>&1
ok $? "import $nobs observations"

# --- reading incidents -----------------------------------------------------
r=$(api GET "/v1/incidents?limit=1000")
is "$(status_of "$r")" 200 "GET /v1/incidents"
body_of "$r" >"$TAP_TMP/all.json"
is "$(jq -r .type "$TAP_TMP/all.json")" FeatureCollection "a GeoJSON FeatureCollection"
ninc=$(jq '.features | length' "$TAP_TMP/all.json")
[ "$ninc" -gt 10 ] && [ "$ninc" -lt "$nobs" ]
ok $? "$nobs observations make $ninc incidents"
placed=$(jq '[.features[].properties | (.observations | length)] | add' "$TAP_TMP/all.json")
is "$placed" "$((nobs - ncomp))" "every observation but the complaints is in one incident"
dups=$(jq -r '.features[].properties.observations[]' "$TAP_TMP/all.json" | sort | uniq -d | wc -l)
is "$dups" 0 "and in one only"
ncompinc=$(jq '[.features[] | select(.properties.kind == "complaint")] | length' "$TAP_TMP/all.json")
is "$ncompinc" "$ncomp" "each complaint is a complaint incident"
bad=$(jq '[.features[] | select(.properties.kind == "observed") |
	select(.geometry.type != "Point" or .properties.ellipse.semi_major_m == null
	or .properties.time_window.from == null or .properties.count.value < 1
	or .properties.corroboration.independent_sources < 1
	or (.properties.corroboration.members | type) != "array"
	or (.id | test("^inc-[0-9a-f]{24}$") | not))] | length' "$TAP_TMP/all.json")
is "$bad" 0 "observed incidents have position, ellipse, time, count, sources"
worded=$(jq '[.features[] | select(.properties.description != null and (.properties.zones | length) > 0)] | length' "$TAP_TMP/all.json")
[ "$worded" -gt 0 ]
ok $? "incidents carry zones and a relative description ($worded)"
like "$(jq -r '[.features[].properties.description | select(. != null)][0]' "$TAP_TMP/all.json")" \
	'^(in |[0-9.]+ k?m [a-z-]+ of )' "described as monitors do"
linked=$(jq '[.features[] | select(.properties.kind == "observed") | .properties.corroboration.complaints[]] | length' "$TAP_TMP/all.json")
unc=$(jq '[.features[] | select(.properties.uncorroborated)] | length' "$TAP_TMP/all.json")
diag "complaints linked: $linked; uncorroborated complaint incidents: $unc"
[ "$((linked + unc))" -gt 0 ]
ok $? "complaints are linked or flagged uncorroborated"

# The same incidents as offline fusion of the same file.
"$BIN" fuse -o "$TAP_TMP/fused.jsonl" "$TAP_TMP/obs.jsonl" 2>/dev/null
ok $? "truce fuse runs offline"
a=$(jq -r '.features[].id' "$TAP_TMP/all.json" | sort | md5sum)
b=$(jq -r 'select(.merged_into == null) | .id' "$TAP_TMP/fused.jsonl" | sort | md5sum)
is "$a" "$b" "the server's incidents are truce fuse's, ids included"

id=$(jq -r '[.features[] | select(.properties.kind == "observed")][0].id' "$TAP_TMP/all.json")
r=$(api GET "/v1/incidents/$id")
is "$(status_of "$r")" 200 "GET one incident"
is "$(body_of "$r" | jq -r .id)" "$id" "by its id"
r=$(api GET "/v1/incidents/inc-000000000000000000000000")
is "$(status_of "$r")" 404 "unknown incident: 404"
r=$(api GET "/v1/incidents/nonsense")
is "$(status_of "$r")" 404 "malformed id: 404"
r=$(NO_TOKEN=1 api GET "/v1/incidents")
is "$(status_of "$r")" 401 "no token: 401"

# Filters and paging.
r=$(api GET "/v1/incidents?category=explosion&limit=1000")
is "$(body_of "$r" | jq '[.features[].properties.category] | unique | join(",")' -r)" \
	explosion "category filter"
zone=$(jq -r '[.features[].properties.zone | select(. != null)][0]' "$TAP_TMP/all.json")
ez=$(printf %s "$zone" | jq -sRr @uri)
r=$(api GET "/v1/incidents?zone=$ez&limit=1000")
nz=$(body_of "$r" | jq --arg z "$zone" '[.features[] | select([.properties.zones[].zone] | index($z) | not)] | length')
is "$nz" 0 "zone filter ($zone): every match lies in it"
r=$(api GET "/v1/incidents?bbox=46.0,39.5,47.5,40.5&limit=1000")
out=$(body_of "$r" | jq '[.features[] | select(.geometry.coordinates[0] < 46 or .geometry.coordinates[0] > 47.5 or .geometry.coordinates[1] < 39.5 or .geometry.coordinates[1] > 40.5)] | length')
is "$out" 0 "bbox filter: positions inside"
r=$(api GET "/v1/incidents?from=2025-03-02T00:00:00Z&limit=1000")
early=$(body_of "$r" | jq '[.features[] | select(.properties.time_window.to < "2025-03-02T00:00:00Z")] | length')
is "$early" 0 "time filter: windows overlap [from, to]"
for q in "bbox=1,2,3" "limit=0" "limit=1001" "color=red" "category=shelling" "from=yesterday"; do
	r=$(api GET "/v1/incidents?$q")
	is "$(status_of "$r")" 400 "bad parameter $q: 400"
done
seen=0 cursor= pages=0
: >"$TAP_TMP/paged"
while :; do
	r=$(api GET "/v1/incidents?limit=7${cursor:+&cursor=$cursor}")
	body_of "$r" | jq -r '.features[].id' >>"$TAP_TMP/paged"
	cursor=$(body_of "$r" | jq -r '.next // empty')
	pages=$((pages + 1))
	[ -z "$cursor" ] || [ $pages -gt 1000 ] && break
done
is "$(sort -u "$TAP_TMP/paged" | wc -l)" "$ninc" "paging by 7 sees every incident once ($pages pages)"

# --- merge and split -------------------------------------------------------
A=$(jq -r '[.features[] | select(.properties.kind == "observed")][0].id' "$TAP_TMP/all.json")
B=$(jq -r '[.features[] | select(.properties.kind == "observed")][1].id' "$TAP_TMP/all.json")
na=$(jq --arg a "$A" '.features[] | select(.id == $a) | .properties.observations | length' "$TAP_TMP/all.json")
nb=$(jq --arg b "$B" '.features[] | select(.id == $b) | .properties.observations | length' "$TAP_TMP/all.json")
monitor=$("$BIN" token add "$D" --name mon --role monitor | sed -n 's/^token: //p')
r=$(TOKEN=$monitor post_json "/v1/incidents/$A/merge" "{\"with\":\"$B\",\"reason\":\"x\"}")
is "$(status_of "$r")" 403 "a monitor may not merge (admin only for now)"
r=$(post_json "/v1/incidents/$A/merge" "{\"with\":\"$B\"}")
is "$(status_of "$r")" 422 "merge without a reason: 422"
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /reason "naming /reason"
r=$(post_json "/v1/incidents/$A/merge" '{"with":"inc-000000000000000000000000","reason":"x"}')
is "$(status_of "$r")" 422 "merge with an unknown incident: 422"
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /with "naming /with"
r=$(post_json "/v1/incidents/inc-000000000000000000000000/merge" "{\"with\":\"$B\",\"reason\":\"x\"}")
is "$(status_of "$r")" 404 "merge into an unknown incident: 404"
r=$(post_json "/v1/incidents/$A/explode" '{}')
is "$(status_of "$r")" 404 "an unknown action: 404"
r=$(post_json "/v1/incidents/$A/merge" "{\"with\":\"$B\",\"reason\":\"one shelling\"}")
is "$(status_of "$r")" 200 "merge $B into $A"
is "$(body_of "$r" | jq '.incident.properties.observations | length')" "$((na + nb))" \
	"the merged incident holds both sets of observations"
like "$(body_of "$r" | jq -r .receipt.checkpoint)" "^example.org/test" "with a receipt"
r=$(api GET "/v1/incidents/$B")
is "$(body_of "$r" | jq -r .properties.merged_into)" "$A" "the other points to it"
r=$(post_json "/v1/incidents/$A/merge" "{\"with\":\"$B\",\"reason\":\"again\"}")
is "$(status_of "$r")" 409 "merging a merged-away incident: 409"
obs1=$(api GET "/v1/incidents/$A" | sed '$d' | jq -r '.properties.observations[0]')
r=$(post_json "/v1/incidents/$A/split" "{\"observations\":[\"$obs1\"],\"reason\":\"a second crater\"}")
is "$(status_of "$r")" 200 "split one observation off"
N=$(body_of "$r" | jq -r .new_incident)
like "$N" '^inc-[0-9a-f]{24}$' "a new incident id ($N)"
r=$(api GET "/v1/incidents/$N")
is "$(body_of "$r" | jq -r '.properties.observations | join(",")')" "$obs1" "holding that observation"
r=$(post_json "/v1/incidents/$N/split" "{\"observations\":[\"$obs1\"],\"reason\":\"all\"}")
is "$(status_of "$r")" 422 "splitting every observation off: 422"
r=$(post_json "/v1/incidents/$A/split" "{\"observations\":[\"$obs1\",\"$(printf '%064d' 7)\"],\"reason\":\"x\"}")
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /observations/0 "a non-member is named by its pointer"

# --- rebuild: the same incidents -------------------------------------------
api GET "/v1/incidents?limit=1000" | sed '$d' >"$TAP_TMP/before.json"
api GET "/v1/incidents/$A" | sed '$d' >"$TAP_TMP/a-before.json"
center_stop
ok $? "stop the server"
irows() { sqlite3 -readonly "$D/store.db" "SELECT * FROM incident_rtree ORDER BY rid"; }
store_is_sqlite && irows >"$TAP_TMP/irows-live"
"$BIN" rebuild "$D" >/dev/null
ok $? "truce rebuild"
if store_is_sqlite; then
	is "$(sqlite3 -readonly "$D/store.db" "SELECT rtreecheck('incident_rtree')")" ok \
		"the incidents' packed R*Tree passes rtreecheck"
	irows | cmp -s "$TAP_TMP/irows-live" -
	ok $? "and holds the boxes the live path left ($(wc -l <"$TAP_TMP/irows-live"))"
else
	skip 2 "SQLite's R*Tree (the store is on PostgreSQL)"
fi
center_serve "$D" || exit 1
export TRUCE_SERVER=$URL
api GET "/v1/incidents?limit=1000" | sed '$d' >"$TAP_TMP/after.json"
cmp -s "$TAP_TMP/before.json" "$TAP_TMP/after.json"
ok $? "after rebuild, /v1/incidents is byte for byte the same"
api GET "/v1/incidents/$A" | sed '$d' >"$TAP_TMP/a-after.json"
cmp -s "$TAP_TMP/a-before.json" "$TAP_TMP/a-after.json"
ok $? "and so is the merged-and-split incident, decisions included"

# --- truce incidents --------------------------------------------------------
out=$("$BIN" incidents --limit 3 2>&1)
is "$(printf '%s\n' "$out" | wc -l)" 4 "truce incidents: a header and 3 rows"
like "$(printf '%s\n' "$out" | head -1)" "^ID +TIME" "table header"
"$BIN" incidents --format csv >"$TAP_TMP/inc.csv"
is "$(($(wc -l <"$TAP_TMP/inc.csv") - 1))" "$(jq '.features | length' "$TAP_TMP/after.json")" \
	"--format csv: one row per incident"
like "$(head -1 "$TAP_TMP/inc.csv")" "^id,kind,category,count" "CSV header"
is "$("$BIN" incidents --format jsonl --category explosion | jq -r .properties.category | sort -u)" \
	explosion "--format jsonl with --category"
"$BIN" incidents --format geojson | jq -e '.type == "FeatureCollection"' >/dev/null
ok $? "--format geojson is one FeatureCollection"
is "$("$BIN" incidents show "$A" | jq -r .id)" "$A" "truce incidents show"
"$BIN" incidents merge "$A" --reason x >/dev/null 2>&1
is "$?" 2 "merge without --with: usage error"
"$BIN" incidents split "$A" --observation "$obs1" >/dev/null 2>&1
is "$?" 2 "split without --reason: usage error"
"$BIN" incidents --format xml >/dev/null 2>&1
is "$?" 2 "an unknown format: usage error"
out=$("$BIN" incidents merge "$A" --with "$N" --reason "after all" 2>&1)
ok $? "truce incidents merge"
like "$out" "merged $N into $A" "says what it did"
out=$("$BIN" incidents merge "$A" --with "$N" --reason "again" 2>&1)
is "$?" 1 "a refused merge exits 1"
like "$out" "409" "and says why"

center_stop
ok $? "clean stop"
done_testing
