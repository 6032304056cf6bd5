#!/usr/bin/env bash
# The query string and the Authorization scheme against the real server
# (docs/api.md, "Query parameters"; docs/reliability.md): one parser for
# every route refuses a repeated parameter, a NUL byte (raw or %00) and a
# name the route does not take, with a 400 naming the parameter; the
# bearer scheme is case-insensitive (RFC 9110 §11.1).
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D" || exit 1
center_serve "$D" || exit 1
r=$(post_json /v1/observations '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU"},"category":"explosion","location":{"lat":39.9,"lon":46.9}}')
is "$(status_of "$r")" 201 "one observation"
printf 'an item' >"$TAP_TMP/item"
sha=$(sha256sum "$TAP_TMP/item" | cut -c1-64)
r=$(api POST /v1/evidence -H 'Content-Type: text/plain' --data-binary @"$TAP_TMP/item")
is "$(status_of "$r")" 201 "one evidence item"

# bad PATH NAME REGEX DESCRIPTION: 400 whose detail matches REGEX.
bad() {
	local r
	r=$(api GET "$1")
	is "$(status_of "$r")" 400 "$3: 400"
	like "$(body_of "$r" | jq -r .detail)" "$2" "$3: names it"
}

# Repeated parameters: neither the first nor the last silently wins.
bad "/v1/observations?bbox=46,39,47,40&bbox=0,0,1,1" "^bbox: given more than once" \
	"a repeated bbox on the observations"
bad "/v1/incidents?bbox=46,39,47,40&bbox=0,0,1,1" "^bbox: given more than once" \
	"a repeated bbox on the incidents"
bad "/v1/log/proof/inclusion?index=0&size=2&size=1" "^size: given more than once" \
	"a repeated size on the inclusion proof"
bad "/v1/observations?limit=5&limit=6" "^limit: given more than once" "a repeated limit"

# NUL bytes, percent-encoded or in a name.
bad "/v1/observations?limit=5%00abc" "^limit: holds a NUL byte" "limit=5%00abc"
bad "/v1/log/proof/inclusion?index=0%00&size=1" "^index: holds a NUL byte" "index=0%00"
bad "/v1/observations?lim%00it=5" "holds a NUL byte" "a NUL in a name"

# Unknown names, on every route, with the route's list.
bad "/v1/log/proof/inclusion?index=0&size=1&colour=red" \
	"^colour: not a parameter of this route \\(index, size\\)" "an unknown name on the inclusion proof"
bad "/v1/log/proof/consistency?from=1&to=1&x=1" "^x: not a parameter of this route \\(from, to\\)" \
	"on the consistency proof"
bad "/v1/evidence/$sha?x=1" "^x: not a parameter of this route \\(none\\)" "on GET evidence"
bad "/v1/health?verbose" "^verbose: not a parameter" "on the health check"
bad "/v1/observations?colour=red" "^colour: not a parameter of this route \\(bbox, from, to, category, source, member, limit, cursor, format\\)" \
	"on the observations"
r=$(api POST "/v1/evidence?sha=$sha" -H 'Content-Type: text/plain' --data-binary @"$TAP_TMP/item")
is "$(status_of "$r")" 400 "on POST evidence (sha for sha256): 400"
like "$(body_of "$r")" "sha: not a parameter of this route \\(sha256\\)" "naming it and sha256"
r=$(api POST "/v1/evidence?sha256=$sha&sha256=$sha" -H 'Content-Type: text/plain' --data-binary @"$TAP_TMP/item")
is "$(status_of "$r")" 400 "a repeated sha256 on POST evidence: 400"
bad "/v1/observations?=5" "an empty parameter name" "an empty name"

# What is right still is.
r=$(api GET "/v1/observations?bbox=46,39,47,40&limit=5&from=2026-11-20T00:00:00Z")
is "$(status_of "$r")" 200 "a well-formed listing: 200"
is "$(body_of "$r" | jq '.features | length')" 1 "with the observation"
r=$(api GET "/v1/log/proof/inclusion?index=0&size=1")
is "$(status_of "$r")" 200 "a well-formed inclusion proof: 200"
r=$(api GET "/v1/observations?limit=")
is "$(status_of "$r")" 400 "an empty limit is a bad limit, not no limit"
r=$(api POST "/v1/evidence?sha256=$sha" -H 'Content-Type: text/plain' --data-binary @"$TAP_TMP/item")
is "$(status_of "$r")" 200 "POST evidence with its sha256: 200"

# The bearer scheme in any case, one or more spaces before the token.
r=$(NO_TOKEN=1 api GET /v1/me -H "Authorization: bearer $TOKEN")
is "$(status_of "$r")" 200 "Authorization: bearer <token> (lower case): 200"
r=$(NO_TOKEN=1 api GET /v1/me -H "Authorization: BEARER  $TOKEN")
is "$(status_of "$r")" 200 "BEARER, two spaces: 200"
r=$(NO_TOKEN=1 api GET /v1/me -H "Authorization: Basic $TOKEN")
is "$(status_of "$r")" 401 "another scheme: 401"
r=$(NO_TOKEN=1 api GET /v1/me -H "Authorization: Bearer")
is "$(status_of "$r")" 401 "a scheme without a token: 401"
r=$(NO_TOKEN=1 api GET /v1/me -H "Authorization: Bearerx $TOKEN")
is "$(status_of "$r")" 401 "a longer scheme name: 401"

center_stop
done_testing
