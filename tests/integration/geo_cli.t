#!/usr/bin/env bash
# truce geo describe|resolve|lookup: usage and exit codes, the JSON (checked
# with jq) on real points of data/geo, the data directory ($TRUCE_DATA,
# --data, next to the binary), a center's own aliases and zone files.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

T=$TRUCE_BIN
export TRUCE_DATA=$TRUCE_TOP/data

out=$("$T" geo --help)
is "$?" 0 "geo --help exits 0"
like "$out" "describe.*resolve.*lookup" "and lists the subcommands"
"$T" geo >/dev/null 2>&1
is "$?" 2 "geo without a subcommand: usage, 2"
out=$("$T" geo teleport 2>&1)
is "$?" 2 "an unknown subcommand: 2"
like "$out" "unknown subcommand 'teleport'" "naming it"
for sub in describe resolve lookup; do
	out=$("$T" geo $sub --help)
	is "$?" 0 "geo $sub --help exits 0"
	like "$out" "--data DIR" "  and documents the options"
done

# describe
out=$("$T" geo describe --lon 46.9 2>&1)
is "$?" 2 "describe without --lat: 2"
like "$out" "--lat and --lon are required" "  naming the options"
out=$("$T" geo describe --lat 91 --lon 46.9 2>&1)
is "$?" 2 "latitude 91: 2"
like "$out" "--lat: '91' is out of range \[-90, 90\]" "  naming the limit"
out=$("$T" geo describe --lat 40 --lon 46.9 --frobnicate 2>&1)
is "$?" 2 "an unknown option: 2"

j=$("$T" geo describe --lat 40.006242326 --lon 46.947235093)
is "$?" 0 "describe 2.4 km north-east of Ağdam"
echo "$j" | jq -e . >/dev/null
is "$?" 0 "  valid JSON"
is "$(echo "$j" | jq -r .description)" "2.4 km north-east of Ağdam" \
	"  description"
is "$(echo "$j" | jq -r '[.zones[] | .layer + "/" + .zone] | join(";")')" \
	"countries/Azerbaijan;area_1994_2020/Nagorno-Karabakh" "  zones"
is "$(echo "$j" | jq -r '.reference.place.name + " " + .reference.compass + " " + .reference.distance_text')" \
	"Ağdam NE 2.4 km" "  reference place, compass, distance"
is "$(echo "$j" | jq -r '.lines[] | select(.layer == "ceasefire_line_1994") | .side_name')" \
	"Nagorno-Karabakh" "  side of the 1994 line"
is "$(echo "$j" | jq -r '[.lines[].layer] | join(",")')" \
	"ceasefire_line_1994,nkao_1991_boundary,international_boundaries" \
	"  distances to the three line layers"
d=$(echo "$j" | jq -r '.lines[] | select(.layer == "ceasefire_line_1994") | .distance_m')
like "$d" '^[0-9]+(\.[0-9])?$' "  distance in metres to 0.1 m ($d)"

j=$("$T" geo describe --lat 40.3600 --lon 46.9320)
is "$(echo "$j" | jq -r '.description + " | " + .nearest_place.place.name')" \
	"2 km north of Terter | Seydimli" \
	"a village 1.2 km away, Terter 2 km: the town is the reference"

j=$("$T" geo describe --region donbas --lat 48.2450 --lon 38.2080)
is "$?" 0 "describe in the Donbas"
is "$(echo "$j" | jq -r .description)" "1.3 km north of Yenakiieve" \
	"  Yenakiieve (77,053) rather than Krasnyy Oktyabr’ (979) 814 m away"
is "$(echo "$j" | jq -r '.zones[0].zone + " " + .lines[0].layer')" \
	"Donbass donbas_line" "  zone and line"

out=$("$T" geo describe --region crimea --lat 45 --lon 34 2>&1)
is "$?" 1 "an unknown region: 1"
like "$out" "unknown region 'crimea'" "  saying so"
out=$("$T" geo describe --data "$TAP_TMP/nowhere" --lat 40 --lon 47 2>&1)
is "$?" 1 "a data dir without the files: 1"
like "$out" "nowhere/geo/geonames_cities500_AZ_AM.csv: No such file" \
	"  naming the file"

# The data dir next to the binary, from anywhere, without $TRUCE_DATA.
out=$(cd "$TAP_TMP" && env -u TRUCE_DATA "$T" geo describe --lat 39.8177 \
	--lon 46.7528 | jq -r .description)
is "$out" "in Xankandi" "without \$TRUCE_DATA: the data/ of the binary's repo"

# resolve
j=$("$T" geo resolve --place Aghdam --bearing 45 --distance 2400)
is "$?" 0 "resolve Aghdam 45° 2400 m"
echo "$j" | jq -e . >/dev/null
is "$?" 0 "  valid JSON"
is "$(echo "$j" | jq -r '.place.name + " " + .place.match')" "Ağdam folded" \
	"  the place, matched by folding"
# geod: echo "39.99096 46.92736 45 2400" | geod +ellps=WGS84 -> 40.006242326
# 46.947235093
is "$(echo "$j" | jq -r '"\(.point.lat) \(.point.lon)"')" \
	"40.0062423 46.9472351" "  the point (geod: 40.006242326 46.947235093)"
is "$(echo "$j" | jq -r '"\(.uncertainty.along_m) \(.uncertainty.across_m) \(.uncertainty.bearing_error_deg)"')" \
	"484.2 418.9 10" "  1σ: 20 % of the distance and the 10° sag (63 m) along, 10° across"
is "$(echo "$j" | jq -r '.uncertainty.ellipse95.orientation_deg')" "45" \
	"  the ellipse's major axis along the bearing"
is "$(echo "$j" | jq -r '.uncertainty.ellipse95.semi_major_m')" "1185.1" \
	"  95 %: 2.4477 × 484.2 m"
j=$("$T" geo resolve --place Ağdam --bearing 90 --distance 3000 \
	--distance-error 100 --bearing-error 2)
is "$(echo "$j" | jq -r '"\(.uncertainty.along_m) \(.uncertainty.across_m) \(.uncertainty.ellipse95.orientation_deg)"')" \
	"100.1 104.7 0" "  given errors: 100 m (and a 3 m sag) along, 3000 m × 2° across (N-S)"

j=$("$T" geo resolve --place Stepanakert --bearing 0 --distance 0)
is "$(echo "$j" | jq -r '.place.name + " " + .place.match')" \
	"Xankandi alias" "Stepanakert resolves to Xankandi (alias)"
j=$("$T" geo resolve --place Martuni --bearing 0 --distance 1000)
is "$(echo "$j" | jq -r '.place.country + " " + .alternatives[0].name')" \
	"AM Novyy Karanlug" \
	"Martuni: the Armenian town, Xocavənd listed as an alternative"
j=$("$T" geo resolve --place Martuni --country AZ --bearing 0 --distance 1000)
is "$(echo "$j" | jq -r '.place.name')" "Novyy Karanlug" \
	"  --country AZ picks Xocavənd (Novyy Karanlug)"
j=$("$T" geo resolve --place Jabrayil --bearing 0 --distance 1000)
is "$(echo "$j" | jq -r '"\(.place.name) \(.uncertainty.place_error_m)"')" \
	"Jebrail 0" "Jabrayil: the town (cities500 Jebrail), surveyed"
out=$("$T" geo resolve --place Atlantis --bearing 0 --distance 10 2>&1)
is "$?" 1 "an unknown place: 1"
like "$out" "no place named 'Atlantis'" "  saying so"
out=$("$T" geo resolve --place Ağdam --bearing 400 --distance 10 2>&1)
is "$?" 2 "bearing 400: 2"
like "$out" "--bearing: '400' is out of range \[0, 360\]" "  naming the limit"
out=$("$T" geo resolve --place Ağdam --bearing 10 2>&1)
is "$?" 2 "no --distance: 2"

# lookup
j=$("$T" geo lookup Khankendi)
is "$?" 0 "lookup Khankendi"
is "$(echo "$j" | jq -r '.candidates[0].name + " " + .candidates[0].match')" \
	"Xankandi folded" "  Xankandi, folded"
j=$("$T" geo lookup --limit 1 Qaradağlı)
is "$(echo "$j" | jq -r '"\(.total) \(.candidates | length)"')" "4 1" \
	"--limit 1: one of four candidates"
j=$("$T" geo lookup Avshar)
is "$(echo "$j" | jq -r '[.candidates[].country] | join(",")')" "AM,AZ" \
	"Avshar: both countries' places"
out=$("$T" geo lookup 2>&1)
is "$?" 2 "lookup without a name: 2"
out=$("$T" geo lookup -- "---" 2>&1)
is "$?" 1 "a name without letters: 1"
like "$out" "no letter or digit" "  saying so"

# A center's own aliases and zones.
printf '# ours\nOP North\tXankandi\tAZ\n' >"$TAP_TMP/aliases.txt"
j=$("$T" geo resolve --aliases "$TAP_TMP/aliases.txt" --place "op north" \
	--bearing 0 --distance 100)
is "$(echo "$j" | jq -r '.place.name + " " + .place.match')" \
	"Xankandi alias" "--aliases: the center's alias resolves"
printf 'broken line\n' >"$TAP_TMP/bad.txt"
out=$("$T" geo lookup --aliases "$TAP_TMP/bad.txt" Ağdam 2>&1)
is "$?" 1 "a bad alias file: 1"
like "$out" "bad.txt:1: expected 2 to 4" "  naming the line"
cat >"$TAP_TMP/buffer.geojson" <<'EOF'
{"type":"FeatureCollection","features":[{"type":"Feature",
 "properties":{"name":"Buffer zone A"},"geometry":{"type":"Polygon",
 "coordinates":[[[46.9,39.95],[47.0,39.95],[47.0,40.05],[46.9,40.05],
 [46.9,39.95]]]}}]}
EOF
j=$("$T" geo describe --zones "buffer=$TAP_TMP/buffer.geojson" --lat 40.0 \
	--lon 46.95)
is "$(echo "$j" | jq -r '.zones[] | select(.layer == "buffer") | .zone')" \
	"Buffer zone A" "--zones: the center's zone file is used"
out=$("$T" geo describe --zones "nofile" --lat 40 --lon 47 2>&1)
is "$?" 2 "--zones without NAME=FILE: 2"

done_testing
