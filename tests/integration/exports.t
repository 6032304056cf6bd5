#!/usr/bin/env bash
# Exports (issue 12, "Exports"): GET /v1/observations and /v1/incidents
# with format=csv|geojson|kml stream every row that matches the filters
# (not a page: here over several of the store's pages), say what they are
# (X-Truce-Log-Size, X-Truce-Filter, and inside the file), hold the same
# rows as the paged JSON listing, and keep the liaison's view.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$TRUCE_TOP/tests/lib/listing.sh"
listing_center e.org/exports 41 1200 || exit 1
SIZE=$(curl -s "$URL/v1/health" | jq .log_size)

# The paged listing, for comparison: every id, 1,000 a page (pages()).
pages '/v1/observations?limit=1000' >all.jsonl
N=$(wc -l <all.jsonl)
is "$N" 1200 "the paged listing holds the 1,200"

api GET '/v1/observations?format=geojson' -D h.geo -o obs.geojson >/dev/null
is "$(jq '.features | length' obs.geojson)" 1200 "format=geojson: all 1,200, over several pages of the store"
is "$(jq -r '.features[].id' obs.geojson | sort | md5sum)" \
	"$(jq -r '.id' all.jsonl | sort | md5sum)" "the same ids as the listing"
is "$(jq .log_size obs.geojson)" "$SIZE" "the file says the log size it answers"
like "$(tr -d '\r' <h.geo)" $'X-Truce-Log-Size: '"$SIZE" "and so does a header"
like "$(tr -d '\r' <h.geo)" $'Content-Type: application/geo\\+json' "served as application/geo+json"

api GET '/v1/observations?format=csv&category=explosion' -D h.csv -o obs.csv >/dev/null
want=$(jq -r 'select(.properties.category == "explosion") | .id' all.jsonl | wc -l)
is "$(( $(wc -l <obs.csv) - 1 ))" "$want" "format=csv&category=explosion: the header and the $want explosions"
like "$(head -n 1 obs.csv)" "^observed_at|^id|category" "with the columns of truce import"
like "$(tr -d '\r' <h.csv)" $'X-Truce-Filter: category=explosion' "the filter in a header"

api GET '/v1/observations?format=kml' -o obs.kml >/dev/null
is "$(grep -o '<Placemark>' obs.kml | wc -l)" 1200 "format=kml: a Placemark each"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' obs.kml
ok $? "and well-formed XML"

pages '/v1/incidents?limit=1000' >incs.jsonl
NI=$(wc -l <incs.jsonl)
api GET '/v1/incidents?format=csv' -o inc.csv >/dev/null
is "$(( $(wc -l <inc.csv) - 1 ))" "$NI" "incidents as CSV: the $NI of the listing"
api GET '/v1/incidents?format=geojson' -o inc.geojson >/dev/null
is "$(jq -r '.features[].id' inc.geojson | sort | md5sum)" \
	"$(jq -r '.id' incs.jsonl | sort | md5sum)" "as GeoJSON: the same incidents"
is "$(jq '[.features[] | select(.properties.state != null)] | length' inc.geojson)" "$NI" \
	"each with its state"
api GET '/v1/incidents?format=kml' -o inc.kml >/dev/null
ok $(( $(grep -o '<Placemark>' inc.kml | wc -l) == 0 )) "as KML"
r=$(TOKEN=$lia api GET '/v1/incidents?format=geojson')
is "$(body_of "$r" | jq '.features | length')" 0 "a liaison's export holds only what was released to it: nothing"
is "$(status_of "$(api GET '/v1/observations?format=xlsx')")" 400 "format=xlsx: 400"
is "$(status_of "$(api GET '/v1/incidents?format=pdf')")" 400 "incidents format=pdf: 400"
center_stop
done_testing
