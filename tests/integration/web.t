#!/usr/bin/env bash
# The dashboard's side of the server (src/server/web.c): static files at /
# with a strict Content-Security-Policy, nothing outside the web root, the
# API's 404s unchanged; the base geography at /v1/geo; the keys a browser
# pins at /v1/log/witnesses. The web root is a folder made here
# (TRUCE_WEB), so the test needs no built dashboard.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

W=$TAP_TMP/web
mkdir -p "$W/sub"
printf '<!DOCTYPE html><title>t</title>\n' >"$W/index.html"
printf 'console.log(1)\n' >"$W/app.js"
printf 'secret\n' >"$TAP_TMP/outside.txt"
printf 'x\n' >"$W/.hidden"
ln -s "$TAP_TMP/outside.txt" "$W/link.txt"
export TRUCE_WEB=$W

D=$TAP_TMP/center
center_init "$D" || exit 1
center_serve "$D" || exit 1

hdrs=$(curl -s -D - -o "$TAP_TMP/index" "$URL/")
like "$hdrs" $'^HTTP/1.1 200' "GET / is the dashboard's index.html"
is "$(cat "$TAP_TMP/index")" '<!DOCTYPE html><title>t</title>' "the file's bytes"
like "$hdrs" $'Content-Type: text/html; charset=utf-8' "served as HTML"
like "$hdrs" "Content-Security-Policy: default-src 'self'; script-src 'self';" \
	"a strict Content-Security-Policy: scripts from the center only"
like "$hdrs" "connect-src 'self';" "connections to the center only"
like "$hdrs" "frame-ancestors 'none'" "never framed"
like "$hdrs" 'X-Content-Type-Options: nosniff' "no sniffing"
hdrs=$(curl -s -D - -o /dev/null "$URL/app.js")
like "$hdrs" 'Content-Type: text/javascript' "a script as JavaScript"
api_hdrs=$(curl -s -D - -o /dev/null "$URL/v1/health")
like "$api_hdrs" "Content-Security-Policy: default-src 'self'" \
	"the API's answers carry the policy too"

for p in /../outside.txt /%2e%2e/outside.txt /sub/../../outside.txt \
	/.hidden /link.txt /sub /nothing.js '/a%00b' //etc/passwd; do
	r=$(curl -s --path-as-is "$URL$p" -w '\n%{http_code}')
	is "$(status_of "$r")" 404 "GET $p is 404"
done
r=$(curl -s "$URL/index.html?x=1" -w '\n%{http_code}')
is "$(status_of "$r")" 400 "a static file takes no query parameters"
r=$(curl -s -X POST "$URL/" -w '\n%{http_code}')
is "$(status_of "$r")" 404 "POST / is not a route"
r=$(curl -s "$URL/v1/nothing" -w '\n%{http_code}')
is "$(status_of "$r")" 404 "an unknown API path is still the API's 404"
like "$(body_of "$r")" 'no such resource: /v1/nothing' "... with its detail"

# The geography, for the map.
r=$(api GET /v1/geo)
is "$(status_of "$r")" 200 "GET /v1/geo"
g=$(body_of "$r")
is "$(jq -r .type <<<"$g")" FeatureCollection "a GeoJSON FeatureCollection"
is "$(jq -r '[.features[] | select(.properties.layer == "ceasefire_line_1994")] | length > 0' <<<"$g")" \
	true "the line of contact is in it"
is "$(jq -r '[.features[] | select(.properties.kind == "zone")] | map(.geometry.type) | unique | join(",")' <<<"$g")" \
	MultiPolygon,Polygon "zones are polygons"
is "$(jq -r '[.features[] | select(.properties.kind == "place" and .properties.name == "Şuşa")] | length' <<<"$g")" \
	1 "settlements with the gazetteer's names"
is "$(jq -r '[.features[] | select(.properties.kind == "place") | .properties.names[]] | index("Susa") != null' <<<"$g")" \
	true "... and their transliterations"
r=$(NO_TOKEN=1 api GET /v1/geo)
is "$(status_of "$r")" 401 "the geography needs a token"

# The keys a browser pins.
r=$(NO_TOKEN=1 api GET /v1/log/witnesses)
is "$(status_of "$r")" 200 "GET /v1/log/witnesses is public"
is "$(body_of "$r" | jq -r .region)" karabakh "it names the region"
is "$(body_of "$r" | jq -r .log_key)" "$(curl -s "$URL/v1/log/key")" \
	"it names the log's key"

# Without a built dashboard, / says so.
center_stop
TRUCE_WEB=$TAP_TMP/none center_serve "$D" || exit 1
r=$(curl -s "$URL/" -w '\n%{http_code}')
is "$(status_of "$r")" 404 "no web root: 404"
like "$(body_of "$r")" 'the dashboard is not built' "... saying what to do"
done_testing
