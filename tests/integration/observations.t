#!/usr/bin/env bash
# The record over HTTP against the real server on 127.0.0.1: submit,
# idempotent resubmit, all-or-nothing arrays, every error status, queries by
# bbox/time/category/source with paging during writes, rebuild equivalence,
# graceful stop.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D"
ok $? "init creates a center and prints a token"
out=$("$TRUCE_BIN" init "$D" --origin x.org/y --member RU 2>&1)
st=$?
ok $((st == 0)) "init refuses to overwrite an existing center"
like "$out" "refusing to overwrite" "and says why"
out=$("$TRUCE_BIN" init "$TAP_TMP/c2" --member RU 2>&1)
is "$?" 2 "init without --origin is a usage error"
like "$out" "--origin" "naming the option"

center_serve "$D"
ok $? "serve starts on an ephemeral port ($URL)"

# obs I LAT LON CATEGORY SOURCE MINUTE: an observation at 2026-11-20T10:MM.
obs() {
	printf '{"observed_at":"2026-11-20T%02d:%02d:00Z","source":{"type":"%s","member":"RU","unit":"u%d"},"category":"%s","count":{"value":%d,"qualifier":"about"},"location":{"lat":%s,"lon":%s,"precision_m":100}}' \
		$((10 + $6 / 60)) $(($6 % 60)) "$5" "$1" "$4" $(($1 % 50 + 1)) "$2" "$3"
}

r=$(NO_TOKEN=1 api GET /v1/health)
is "$(status_of "$r")" 200 "health needs no token"
like "$(body_of "$r")" '"log_size":1' "health shows the genesis entry"

one=$(obs 1 39.98 46.93 explosion patrol 0)
r=$(post_json /v1/observations "$one")
is "$(status_of "$r")" 201 "POST one observation: 201"
id=$(body_of "$r" | jq -r .id)
idx=$(body_of "$r" | jq -r .index)
like "$id" '^[0-9a-f]{64}$' "id is a SHA-256 in hex"
is "$idx" 1 "first observation at index 1"
r=$(post_json /v1/observations "$one")
is "$(status_of "$r")" 200 "resubmitting is idempotent: 200"
is "$(body_of "$r" | jq -r '.id + " " + (.index|tostring)')" "$id 1" \
	"same id and index"
reordered=$(printf '%s' "$one" | jq -c '. as $o | {location:$o.location, category:$o.category, source:$o.source, count:$o.count, observed_at:$o.observed_at}')
r=$(post_json /v1/observations "$reordered")
is "$(body_of "$r" | jq -r .id)" "$id" "key order does not change the id"

r=$(api GET "/v1/observations/$id")
is "$(status_of "$r")" 200 "GET by id"
is "$(body_of "$r" | jq -c '.geometry.coordinates')" "[46.93,39.98]" \
	"GeoJSON lon,lat order"
is "$(body_of "$r" | jq -r '.properties.observed_at')" \
	"2026-11-20T10:00:00Z" "time shown in RFC 3339"
r=$(api GET "/v1/observations/$(printf '%064d' 0)")
is "$(status_of "$r")" 404 "unknown id: 404"

# Arrays: all or nothing.
arr="[$(obs 2 39.90 46.80 explosion patrol 1),$(obs 3 39.91 46.81 muzzle_flash uav 2)]"
r=$(post_json /v1/observations "$arr")
is "$(status_of "$r")" 201 "POST an array: 201"
is "$(body_of "$r" | jq -c '[.results[].index]')" "[2,3]" \
	"one result per item, in order"
bad="[$(obs 4 39.92 46.82 explosion patrol 3),$(obs 5 95 46.83 explosion patrol 4),$(obs 6 39.93 46.84 shelling patrol 5)]"
r=$(post_json /v1/observations "$bad")
is "$(status_of "$r")" 422 "an array with bad items: 422"
is "$(body_of "$r" | jq -c '[.errors[] | [.index, .pointer]]')" \
	'[[1,"/location/lat"],[2,"/category"]]' "errors name index and pointer"
r=$(NO_TOKEN=1 api GET /v1/health)
like "$(body_of "$r")" '"log_size":4' "nothing of the bad array was stored"
r=$(post_json /v1/observations '{"observed_at":"2026-11-20T10:00:00Z"}')
is "$(status_of "$r")" 422 "one bad object: 422"
like "$(body_of "$r")" '"pointer":"/source"' "naming the missing field"
like "$(body_of "$r")" 'application/problem|"status":422' "as problem+json"

# Every error status.
r=$(post_json /v1/observations '{"observed_at":')
is "$(status_of "$r")" 400 "malformed JSON: 400"
r=$(post_json /v1/observations "$(printf '%.0s[' $(seq 30))$(printf '%.0s]' $(seq 30))")
is "$(status_of "$r")" 400 "JSON nested too deep: 400"
like "$(body_of "$r")" "limit of 16" "names the depth limit"
r=$(post_json /v1/observations '[]')
is "$(status_of "$r")" 400 "empty array: 400"
r=$(NO_TOKEN=1 api GET /v1/observations)
is "$(status_of "$r")" 401 "no token: 401"
r=$(curl -s -H 'Authorization: Bearer 0000' "$URL/v1/observations" -w '\n%{http_code}')
is "$(status_of "$r")" 401 "bad token: 401"
viewer=$("$TRUCE_BIN" token add "$D" --name alice --role viewer | sed -n 's/^token: //p')
like "$viewer" '^[0-9a-f]{64}$' "token add prints a viewer token"
r=$(TOKEN=$viewer post_json /v1/observations "$one")
is "$(status_of "$r")" 403 "viewer may not POST: 403"
r=$(TOKEN=$viewer api GET /v1/observations)
is "$(status_of "$r")" 200 "viewer may read"
"$TRUCE_BIN" token revoke "$D" --name alice >/dev/null
r=$(TOKEN=$viewer api GET /v1/observations)
is "$(status_of "$r")" 401 "a revoked token stops working at once"
r=$(api POST /v1/observations -H 'Content-Type: text/plain' --data-binary "$one")
is "$(status_of "$r")" 415 "wrong content type: 415"
r=$(api DELETE /v1/observations)
is "$(status_of "$r")" 405 "wrong method: 405"
r=$(api GET /v1/nothing)
is "$(status_of "$r")" 404 "unknown route: 404"
head -c 40000000 /dev/zero | tr '\0' ' ' >"$TAP_TMP/big.json"
r=$(api POST /v1/observations -H 'Content-Type: application/json' --data-binary @"$TAP_TMP/big.json")
is "$(status_of "$r")" 413 "body over the limit: 413"
r=$(api GET '/v1/observations?bbox=1,2,3')
is "$(status_of "$r")" 400 "bad bbox: 400"
r=$(api GET '/v1/observations?limit=5000')
is "$(status_of "$r")" 400 "limit over 1000: 400"
like "$(body_of "$r")" '1000' "names the limit"
r=$(api GET '/v1/observations?colour=red')
is "$(status_of "$r")" 400 "unknown query parameter: 400"
r=$(api GET '/v1/observations?category=shelling')
is "$(status_of "$r")" 400 "unknown category in a query: 400"

# Queries: 200 observations on a grid, two categories, two sources.
batch="["
for i in $(seq 0 199); do
	lat=$(printf '39.%02d' $((i % 100)))
	lon=$(printf '46.%02d' $((i / 2 % 100)))
	cat=explosion; [ $((i % 4)) -eq 0 ] && cat=illumination_flare
	src=patrol; [ $((i % 5)) -eq 0 ] && src=observation_post
	[ "$i" -gt 0 ] && batch+=","
	batch+=$(obs $((100 + i)) "$lat" "$lon" "$cat" "$src" $((i % 600)))
done
batch+="]"
r=$(post_json /v1/observations "$batch")
is "$(status_of "$r")" 201 "POST 200 observations"
printf '%s' "$batch" >"$TAP_TMP/batch.json"

# Read your writes: the store indexes behind the log (ledger/sequencer.h),
# yet a read that follows a 2xx sees every acknowledged observation.
ryw_ok=0
for round in 1 2 3 4 5; do
	b="["
	for i in $(seq 0 179); do
		[ "$i" -gt 0 ] && b+=","
		b+=$(obs $((5000 + round * 1000 + i)) 38.5 45.5 mine_or_uxo radar $((i % 600)))
	done
	b+="]"
	r=$(post_json /v1/observations "$b")
	last=$(body_of "$r" | jq -r '.results[-1].id')
	g=$(status_of "$(api GET "/v1/observations/$last")")
	n=$(api GET "/v1/observations?bbox=45.4,38.4,45.6,38.6&limit=1000&category=mine_or_uxo" |
		sed '$d' | jq '.features | length')
	[ "$g" = 200 ] && [ "$n" = $((round * 180)) ] && ryw_ok=$((ryw_ok + 1))
done
is "$ryw_ok" 5 "each batch is found by id and counted by the very next reads"

# expect FILTER_JQ QUERY NAME: compares the server's matches to jq's.
count_all() { # follow cursors, print ids
	local q=$1 cur="" page
	while :; do
		page=$(api GET "/v1/observations?$q&limit=37${cur:+&cursor=$cur}" | sed '$d')
		printf '%s' "$page" | jq -r '.features[].id'
		cur=$(printf '%s' "$page" | jq -r '.next // empty')
		[ -z "$cur" ] && break
	done
}
n=$(count_all "bbox=46.10,39.20,46.40,39.60" | wc -l)
want=$(jq '[.[] | select(.location.lat >= 39.20 and .location.lat <= 39.60 and .location.lon >= 46.10 and .location.lon <= 46.40)] | length' "$TAP_TMP/batch.json")
is "$n" "$want" "bbox query finds every match ($want) through paging"
n=$(count_all "bbox=46.10,39.20,46.40,39.60&category=illumination_flare" | wc -l)
want=$(jq '[.[] | select(.location.lat >= 39.20 and .location.lat <= 39.60 and .location.lon >= 46.10 and .location.lon <= 46.40 and .category == "illumination_flare")] | length' "$TAP_TMP/batch.json")
is "$n" "$want" "bbox + category ($want)"
n=$(count_all "from=2026-11-20T11:00:00Z&to=2026-11-20T12:00:00Z&source=observation_post" | wc -l)
want=$(jq '[.[] | select(.observed_at >= "2026-11-20T11:00:00Z" and .observed_at <= "2026-11-20T12:00:00Z" and .source.type == "observation_post")] | length' "$TAP_TMP/batch.json")
is "$n" "$want" "time window + source ($want)"
n=$(count_all "member=TR" | wc -l)
is "$n" 0 "member filter"

# Paging while writes continue: every match exactly once.
ids=$(
	cur=""
	k=0
	while :; do
		page=$(api GET "/v1/observations?limit=50${cur:+&cursor=$cur}" | sed '$d')
		printf '%s' "$page" | jq -r '.features[].id'
		cur=$(printf '%s' "$page" | jq -r '.next // empty')
		if [ $k -lt 3 ]; then
			post_json /v1/observations "$(obs $((900 + k)) 39.5 46.5 explosion media $k | sed 's/"member":"RU"/"organisation":"press"/')" >/dev/null
		fi
		k=$((k + 1))
		[ -z "$cur" ] && break
	done
)
total=$(printf '%s\n' "$ids" | wc -l)
uniq=$(printf '%s\n' "$ids" | sort -u | wc -l)
is "$total" "$uniq" "paging during writes returns no duplicates"
ok $((total < 204)) "and every observation present at the start ($total >= 204)"

# Graceful stop, rebuild, same answers.
before=$(api GET "/v1/observations?bbox=46.0,39.0,47.0,40.0&limit=1000" | sed '$d' | jq -S .)
# bbox, time and category together, answered through the R*Tree.
QUERIES=("bbox=46.10,39.20,46.40,39.60&category=illumination_flare"
	"bbox=46.0,39.0,47.0,40.0&from=2026-11-20T11:00:00Z&to=2026-11-20T12:30:00Z&category=explosion"
	"bbox=45.4,38.4,45.6,38.6&from=2026-11-20T10:00:00Z&to=2026-11-20T10:59:00Z&category=mine_or_uxo"
	"bbox=-180,-90,180,90&from=2026-11-20T19:00:00Z&to=2026-11-20T23:00:00Z")
answers() {
	local q
	for q in "${QUERIES[@]}"; do
		echo "$q"
		count_all "$q"
	done
}
answers_before=$(answers)
center_stop
is "$?" 0 "SIGTERM: serve exits 0"
# The R*Trees' rows (rowid, box, auxiliary columns) and SQLite's own check.
rtree_rows() {
	sqlite3 -readonly "$1/store.db" "SELECT * FROM observation_rtree ORDER BY idx" \
		"SELECT * FROM incident_rtree ORDER BY rid"
}
rtree_check() {
	sqlite3 -readonly "$1/store.db" "SELECT rtreecheck('observation_rtree')" \
		"SELECT rtreecheck('incident_rtree')" | tr '\n' ' '
}
store_is_sqlite && rows_live=$(rtree_rows "$D")
out=$("$TRUCE_BIN" rebuild "$D")
ok $? "rebuild from the log: $out"
if store_is_sqlite; then
	is "$(rtree_check "$D")" "ok ok " "rtreecheck: the rebuilt (packed) R*Trees are sound"
	ok $([ -n "$rows_live" ] && [ "$rows_live" = "$(rtree_rows "$D")" ]; echo $?) \
		"the packed R*Trees hold the rows the live path wrote ($(printf '%s\n' "$rows_live" | wc -l))"
	depth=$(sqlite3 -readonly "$D/store.db" "SELECT rtreedepth(data) FROM observation_rtree_node WHERE nodeno = 1")
	ok $((depth < 1)) "the observations' R*Tree has more than one level ($((depth + 1)))"
else
	skip 3 "SQLite's R*Trees (the store is on PostgreSQL)"
fi
center_serve "$D"
after=$(api GET "/v1/observations?bbox=46.0,39.0,47.0,40.0&limit=1000" | sed '$d' | jq -S .)
ok $([ -n "$before" ] && [ "$before" = "$after" ]; echo $?) \
	"queries give the same result after rebuild"
answers_after=$(answers)
ok $([ "$answers_before" = "$answers_after" ]; echo $?) \
	"bbox + time + category queries too ($(printf '%s\n' "$answers_after" | wc -l) lines)"
# The live path goes on over the packed trees: new observations, and more
# where incidents are, which fusion adds to them (their boxes replaced).
b="["
for i in $(seq 0 299); do
	[ "$i" -gt 0 ] && b+=","
	if [ $((i % 2)) -eq 0 ]; then
		b+=$(obs $((20000 + i)) 38.5 45.5 mine_or_uxo radar $((i % 600)))
	else
		b+=$(obs $((20000 + i)) "39.$((i % 90 + 10))" "47.$((i % 70 + 10))" explosion uav $((i % 700)))
	fi
done
b+="]"
size0=$(NO_TOKEN=1 api GET /v1/health | sed '$d' | jq .log_size)
r=$(post_json /v1/observations "$b")
is "$(status_of "$r")" 201 "after the rebuild, 300 more observations"
center_stop
if store_is_sqlite; then
	n=$(sqlite3 -readonly "$D/store.db" "SELECT count(*) FROM incident WHERE seed_idx < $size0 AND updated_idx >= $size0")
	ok $((n < 1)) "incidents of the rebuilt store grown by them ($n)"
	is "$(rtree_check "$D")" "ok ok " "rtreecheck: still sound after the live inserts and updates"
	cp -a "$D" "$TAP_TMP/again"
	"$TRUCE_BIN" rebuild "$TAP_TMP/again" >/dev/null
	ok $? "a second rebuild, of a copy"
	ok $([ "$(rtree_rows "$D")" = "$(rtree_rows "$TAP_TMP/again")" ]; echo $?) \
		"the live rows over the packed trees = the rows packed again"
else
	skip 4 "SQLite's R*Trees (the store is on PostgreSQL)"
fi
center_serve "$D"
is "$("$TRUCE_BIN" serve "$D" --check)" "configuration OK" "serve --check"
out=$("$TRUCE_BIN" rebuild "$D" 2>&1)
st=$?
ok $((st == 0)) "rebuild refuses while the center is served"
like "$out" "in use by another truce process" "and says why"
center_stop
printf 'origin = x\nthreads = 0\nmembers = RU\n' >"$TAP_TMP/bad.conf"
mkdir -p "$TAP_TMP/badc" && cp "$TAP_TMP/bad.conf" "$TAP_TMP/badc/truce.conf"
out=$("$TRUCE_BIN" serve "$TAP_TMP/badc" --check)
like "$out" 'truce.conf:2: threads: .* out of range \[1, 64\]' \
	"serve --check names the line, setting and limit"
done_testing
