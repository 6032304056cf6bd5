#!/usr/bin/env bash
# GET /v1/incidents?format=map (docs/api.md "The map's listing"): the same
# incidents as the GeoJSON listing, each as one row of only what a map
# draws and filters on, up to 25,000 a page, the same filters and cursor,
# the same states; its limit has its own bound, named when passed.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$TRUCE_TOP/tests/lib/listing.sh"
listing_center e.org/map 7 1500 || exit 1

pages '/v1/incidents?limit=1000' >incs.jsonl
NI=$(wc -l <incs.jsonl)
ok $(( NI <= 1000 )) "more than one page of the listing ($NI incidents)"

r=$(api GET '/v1/incidents?format=map')
is "$(status_of "$r")" 200 "format=map: 200"
body_of "$r" >map.json
is "$(jq -c .fields map.json)" \
	'["id","lon","lat","category","state","from_ms","to_ms","zone","count","source_types","members","ellipse"]' \
	"names its cells"
is "$(jq .next map.json)" null "every incident in one page (the default limit is 25,000)"
is "$(jq '.incidents | length' map.json)" "$NI" "the $NI incidents of the listing"
# Each row against its Feature: position, category, state, times, zone,
# count, sources, members, ellipse.
jq -c '.incidents[] | {id: .[0], lon: .[1], lat: .[2], category: .[3],
	state: .[4], from: (.[5] / 1000 | floor | todate),
	to: (.[6] / 1000 | floor | todate), zone: .[7], count: .[8],
	sources: .[9], members: .[10],
	major: (if .[11] then .[11][0] else null end)}' map.json |
	sort >rows.txt
jq -c '{id, lon: .geometry.coordinates[0], lat: .geometry.coordinates[1],
	category: .properties.category, state: .properties.state,
	from: (.properties.time_window.from | sub("\\.[0-9]+Z$"; "Z")),
	to: (.properties.time_window.to | sub("\\.[0-9]+Z$"; "Z")),
	zone: .properties.zone, count: .properties.count.value,
	sources: .properties.corroboration.source_types,
	members: .properties.corroboration.members,
	major: (if .properties.ellipse then
		(.properties.ellipse.semi_major_m + 0.5 | floor) else null end)}' \
	incs.jsonl | sort >features.txt
if cmp -s rows.txt features.txt; then ok 0 "each row says what its Feature says"
else
	ok 1 "each row says what its Feature says"
	diff rows.txt features.txt | head -n 6 | while read -r l; do diag "$l"; done
fi
ok $(( $(stat -c %s map.json) * 4 >= $(wc -c <incs.jsonl) )) \
	"under a quarter of the listing's bytes ($(stat -c %s map.json) against $(wc -c <incs.jsonl))"

# Paging and filters, as the listing's.
r=$(api GET '/v1/incidents?format=map&limit=600' | sed '$d')
is "$(printf '%s' "$r" | jq '.incidents | length')" 600 "limit=600: a page of 600"
cur=$(printf '%s' "$r" | jq -r .next)
r2=$(api GET "/v1/incidents?format=map&limit=25000&cursor=$cur" | sed '$d')
is "$(( $(printf '%s' "$r2" | jq '.incidents | length') + 600 ))" "$NI" "its next cursor gives the rest"
cat=$(jq -r '.properties.category' incs.jsonl | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
is "$(api GET "/v1/incidents?format=map&category=$cat" | sed '$d' | jq '.incidents | length')" \
	"$(jq -r "select(.properties.category == \"$cat\") | .id" incs.jsonl | wc -l)" \
	"category=$cat: the listing's number"
is "$(status_of "$(api GET '/v1/incidents?format=map&limit=25001')")" 400 "format=map&limit=25001: 400"
like "$(body_of "$(api GET '/v1/incidents?format=map&limit=25001')")" "limit.*25000" "naming the limit"
is "$(status_of "$(api GET '/v1/incidents?limit=1001')")" 400 "the GeoJSON listing keeps its 1,000"
like "$(body_of "$(api GET '/v1/incidents?format=svg')")" "csv, geojson, kml or map" \
	"an unknown format names the four"
r=$(TOKEN=$lia api GET '/v1/incidents?format=map')
is "$(body_of "$r" | jq '.incidents | length')" 0 "a liaison's map holds only what was released to it: nothing"
center_stop
done_testing
