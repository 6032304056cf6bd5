#!/usr/bin/env bash
# What a party's liaison may see and file, against the real server
# (docs/verification.md, "Releases to a party"; docs/reliability.md):
# another party's complaint ids never reach it, in an incident, a listing
# or a history; the complaints it files name a party of the genesis in
# `alleged_by`, and only its own.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/lia --member RU --member TR \
	--party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
center_serve "$D" || exit 1
ana=$(token_for "$D" ana analyst)
mon=$(token_for "$D" mon monitor --member RU)
am=$(token_for "$D" am-1 liaison --party AM)
az=$(token_for "$D" az-1 liaison --party AZ)

# complaint PARTY [ALLEGED_BY [LAT]]: a complaint of PARTY, at the patrol's
# place unless LAT moves it far away.
complaint() {
	local by=${2:-$1} lat=${3:-39.9}
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"complaint","organisation":"%s"},"category":"explosion","location":{"lat":%s,"lon":46.9,"precision_m":100},"narrative":"%s was shelled","alleged_by":"%s","alleged_against":"the other side"}' "$1" "$lat" "$1" "$by"
}

# Filing (far from the patrol): alleged_by names a genesis party, a
# liaison's own.
r=$(TOKEN=$am post_json /v1/observations "$(complaint AM Martians 41)")
is "$(status_of "$r")" 422 "alleged_by not a party of the genesis: 422"
like "$(body_of "$r")" '"pointer":"/alleged_by"' "naming the field"
like "$(body_of "$r")" "'Martians' is not one of the center's parties \\(AM, AZ\\)" \
	"the problem and the allowed values"
r=$(TOKEN=$am post_json /v1/observations "$(complaint AM AZ 41)")
is "$(status_of "$r")" 403 "a liaison of AM filing in AZ's name: 403"
like "$(body_of "$r")" '"pointer":"/alleged_by".*a liaison of party AM files in its own party.s name only' \
	"saying a liaison files for its own party"
r=$(TOKEN=$am post_json /v1/observations "[$(complaint AM AM 41),$(complaint AM Martians 41)]")
is "$(status_of "$r")" 422 "one bad item of a batch: 422, nothing stored"
like "$(body_of "$r")" '"index":1' "naming the item"
r=$(post_json /v1/observations "$(complaint AZ AZ 41)")
is "$(status_of "$r")" 201 "an admin relays AZ's complaint in AZ's name"
r=$(TOKEN=$am post_json /v1/observations "$(printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"complaint","organisation":"AM"},"category":"explosion","location":{"lat":41,"lon":46.9}}')")
is "$(status_of "$r")" 201 "alleged_by stays optional"
r=$(TOKEN=$mon post_json /v1/observations '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU"},"category":"explosion","location":{"lat":41,"lon":46.9},"alleged_by":"Martians"}')
is "$(status_of "$r")" 422 "on any observation"

# Both parties complain of what a patrol heard: the patrol's incident is
# corroborated by both complaints.
r=$(TOKEN=$am post_json /v1/observations "$(complaint AM)")
is "$(status_of "$r")" 201 "AM's liaison files AM's complaint"
amc=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$az post_json /v1/observations "$(complaint AZ)")
is "$(status_of "$r")" 201 "AZ's liaison files AZ's complaint"
azc=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$mon post_json /v1/observations '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU","unit":"P-1"},"category":"explosion","location":{"lat":39.9,"lon":46.9,"precision_m":100}}')
is "$(status_of "$r")" 201 "a patrol reports it"
pat=$(body_of "$r" | jq -r .id)
page=$(TOKEN=$ana api GET "/v1/incidents?limit=1000" | sed '$d')
inc=$(printf '%s' "$page" | jq -r --arg p "$pat" '.features[] | select(.properties.observations | index($p)) | .id')
azinc=$(printf '%s' "$page" | jq -r --arg c "$azc" '.features[] | select(.properties.kind == "complaint" and (.properties.corroboration.complaints | index($c))) | .id')
comps=$(TOKEN=$ana api GET "/v1/incidents/$inc" | sed '$d' | jq -c '.properties.corroboration.complaints | sort')
is "$comps" "$(jq -cn --arg a "$amc" --arg b "$azc" '[$a, $b] | sort')" \
	"an analyst sees both complaints on the patrol's incident"

for i in "$inc" "$azinc"; do
	r=$(TOKEN=$ana post_json "/v1/incidents/$i/release" '{"party":"AM","reason":"for comment"}')
	is "$(status_of "$r")" 201 "released $i to AM"
done
r=$(TOKEN=$am api GET "/v1/incidents/$inc")
is "$(status_of "$r")" 200 "AM's liaison reads the released incident"
is "$(body_of "$r" | jq -c .properties.corroboration.complaints)" "[\"$amc\"]" \
	"and sees its own party's complaint only"
r=$(TOKEN=$am api GET "/v1/incidents?limit=1000")
ok $(body_of "$r" | grep -q "$azc"; echo $((1 - $?))) "the listing never names AZ's complaint"
is "$(body_of "$r" | jq -c "[.features[] | select(.id == \"$inc\") | .properties.corroboration.complaints[]]")" \
	"[\"$amc\"]" "its own complaint stays in the listing"
r=$(TOKEN=$am api GET "/v1/incidents/$azinc")
is "$(status_of "$r")" 200 "AZ's complaint incident, released to AM, is readable"
ok $(body_of "$r" | grep -q "$azc"; echo $((1 - $?))) "but does not name AZ's complaint"
r=$(TOKEN=$am api GET "/v1/incidents/$azinc/history")
is "$(status_of "$r")" 200 "nor does its history"
ok $(body_of "$r" | grep -q "AZ was shelled"; echo $((1 - $?))) "which withholds AZ's complaint entry"
is "$(body_of "$r" | jq -c '[.history[] | select(.kind == "observation") | .withheld]')" '[true]' \
	"marking the step withheld"
r=$(TOKEN=$am api GET "/v1/observations/$azc")
is "$(status_of "$r")" 404 "a GET of AZ's complaint stays 404"
r=$(TOKEN=$az api GET "/v1/incidents/$inc")
is "$(status_of "$r")" 404 "AZ's liaison does not read what was released to AM"
r=$(TOKEN=$ana api GET "/v1/incidents/$azinc/history")
is "$(body_of "$r" | jq -c '[.history[] | select(.kind == "observation") | .entry.narrative]')" \
	'["AZ was shelled"]' "an analyst reads the whole history"

center_stop
done_testing
