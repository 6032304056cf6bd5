#!/usr/bin/env bash
# GET /v1/trends (issue 12, "Trends"): violations per report day by
# category and zone over the last N days, checked against an independent
# computation from the API's own incidents: each observation's report day
# in Asia/Baku with the 19:30 cut-off (computed here with python's
# zoneinfo), the day totals, the category and zone filters, CSV, the
# liaison's view (only what was released to it) and the refusals.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
cd "$TAP_TMP" || exit 1
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/trends --member RU --member TR \
	--party AM --party AZ) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
center_serve "$D" || exit 1
lia=$(token_for "$D" lia liaison --party AM)

# Observations 1 to 6 days ago, far apart (one incident each), at hours
# on both sides of the 19:30 Baku cut-off (15:30 UTC).
now=$(date -u +%s)
body="["
k=0
for d in 1 2 2 3 5 6; do
	for h in 10 17; do
		t=$(( (now / 86400 - d) * 86400 + h * 3600 ))
		at=$(date -ud "@$t" +%Y-%m-%dT%H:%M:%SZ)
		cat=explosion; [ $((k % 3)) = 0 ] && cat=small_arms_fire
		[ $k -gt 0 ] && body+=","
		body+=$(printf '{"observed_at":"%s","source":{"type":"patrol","member":"RU","unit":"u%d"},"category":"%s","count":{"value":%d,"qualifier":"exact"},"location":{"lat":39.%02d,"lon":46.%02d}}' \
			"$at" "$k" "$cat" $((k + 1)) $((10 + k * 3)) $((10 + k * 4)))
		k=$((k + 1))
	done
done
body+="]"
r=$(post_json /v1/observations "$body")
is "$(status_of "$r")" 201 "12 observations over the last 6 days"
sleep 0.5

# The independent computation: each incident's report day and count.
api GET '/v1/incidents?limit=1000' | sed '$d' >incs.json
python3 - incs.json >want.txt <<'PY'
import json, sys, datetime
from zoneinfo import ZoneInfo
inc = json.load(open(sys.argv[1]))["features"]
tz = ZoneInfo("Asia/Baku")
days = {}
for f in inc:
    p = f["properties"]
    t = datetime.datetime.fromisoformat(p["time_window"]["from"].replace("Z", "+00:00")).astimezone(tz)
    d = t.date() + datetime.timedelta(days=1) if (t.hour, t.minute) >= (19, 30) else t.date()
    n, e = days.get(str(d), (0, 0))
    days[str(d)] = (n + 1, e + p["count"]["value"])
for d in sorted(days):
    print(d, *days[d])
PY
ok $(( $(wc -l <want.txt) < 3 )) "the incidents fall on $(wc -l <want.txt) report days"
r=$(api GET '/v1/trends?days=10')
is "$(status_of "$r")" 200 "GET /v1/trends?days=10: 200"
body_of "$r" >trend.json
is "$(jq '.series | length' trend.json)" 10 "ten days, empty ones included"
is "$(jq -r '.time_zone + " " + .cutoff' trend.json)" "Asia/Baku 19:30" \
	"in the center's time zone, with its cut-off"
jq -r '.series[] | select(.incidents > 0) | "\(.date) \(.incidents) \(.events)"' trend.json >got.txt
is "$(cat got.txt)" "$(cat want.txt)" "per day: the incidents and events an independent count gives"
is "$(jq '[.series[].by_category.small_arms_fire.incidents // 0] | add' trend.json)" \
	"$(jq '[.features[] | select(.properties.category == "small_arms_fire")] | length' incs.json)" \
	"by category: as many small-arms incidents as the API lists"
r=$(api GET '/v1/trends?days=10&category=small_arms_fire')
is "$(body_of "$r" | jq '[.series[].incidents] | add')" \
	"$(jq '[.features[] | select(.properties.category == "small_arms_fire")] | length' incs.json)" \
	"category= filters"
r=$(api GET '/v1/trends?days=10&format=csv')
like "$(body_of "$r" | head -n 1)" "^date,category,zone,incidents,events" "format=csv: a header"
is "$(body_of "$r" | tr -d '\r' | awk -F, '$2 == "\"\"" && $3 == "\"\"" && $4 > 0' | wc -l)" \
	"$(wc -l <want.txt)" "and a total row for each day with violations"
r=$(TOKEN=$lia api GET '/v1/trends?days=10')
is "$(body_of "$r" | jq '[.series[].incidents] | add')" 0 \
	"a liaison counts only what was released to its party: nothing yet"
is "$(status_of "$(api GET '/v1/trends?days=0')")" 400 "days=0: 400"
is "$(status_of "$(api GET '/v1/trends?days=99999')")" 400 "days over ten years: 400"
is "$(status_of "$(api GET '/v1/trends?category=martians')")" 400 "an unknown category: 400"
is "$(status_of "$(api GET '/v1/trends?format=xml')")" 400 "format=xml: 400"
center_stop
done_testing
