#!/usr/bin/env bash
# A source's status (issue 12, "Sources"): the log entry by which a
# camera, sensor, post or UAV says it was operational, degraded or down,
# who may write it (a sensor for itself; analysts and admins for any),
# the refusals that name the field, and the daily report's Sources
# section listing the sources down or degraded in its period (JSON, HTML,
# PDF). Then the trend the reports carry and draw (30 days for a daily
# report, the period for a weekly or monthly summary from `truce report
# draft weekly|monthly`), and a replay (`truce rebuild`) that drafts the
# same bytes.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
export LSAN_OPTIONS="suppressions=$TRUCE_TOP/tests/lib/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cd "$TAP_TMP" || exit 1
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/sources --member RU --member TR \
	--party AM --party AZ) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
center_serve "$D" || exit 1
ADMIN=$TOKEN
ana=$(token_for "$D" ana analyst)
cam=$(token_for "$D" cam-3 sensor --member RU)
mon=$(token_for "$D" mon monitor --member RU)

# status UNIT JSON: POST /v1/sources/UNIT/status as $TOKEN.
status() { post_json "/v1/sources/$1/status" "$2"; }

# The daily report of 2026-11-20 (Asia/Baku, 19:30) covers
# 2026-11-19T15:30Z to 2026-11-20T15:30Z.
r=$(TOKEN=$cam status cam-3 '{"type":"camera","member":"RU","status":"down","reason":"power cut at the post","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 201 "a sensor states that it was down"
like "$(body_of "$r")" '"index":[0-9]+' "the answer names the entry's log index"
r=$(TOKEN=$cam status cam-4 '{"type":"camera","member":"RU","status":"down","reason":"x","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 403 "a sensor speaks for itself only"
r=$(TOKEN=$cam status cam-3 '{"type":"camera","member":"TR","status":"down","reason":"x","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 403 "a sensor of RU does not state TR's status"
r=$(TOKEN=$mon status OP-7 '{"type":"observation_post","member":"RU","status":"down","reason":"x","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 403 "a monitor may not"
r=$(TOKEN=$ana status OP-7 '{"type":"observation_post","member":"TR","status":"broken","reason":"x","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 422 "an unknown status is refused"
like "$(body_of "$r")" '/status' "... naming the field"
r=$(TOKEN=$ana status OP-7 '{"type":"observation_post","member":"TR","status":"down","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
like "$(status_of "$r") $(body_of "$r")" '^422 .*/reason' "a status needs a reason"
r=$(TOKEN=$ana status OP-7 '{"type":"observation_post","member":"TR","status":"down","reason":"x","from":"2026-11-20T04:00:00Z","to":"2026-11-19T20:00:00Z"}')
like "$(status_of "$r") $(body_of "$r")" '^422 .*/to' "a period that ends before it begins is refused"
r=$(TOKEN=$ana status OP-7 '{"type":"complaint","member":"TR","status":"down","reason":"x","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
like "$(status_of "$r") $(body_of "$r")" '^422 .*/type' "a complaint is no source that can be down"
long=$(head -c 1100 /dev/zero | tr '\0' x)
r=$(TOKEN=$ana status OP-7 "{\"type\":\"observation_post\",\"member\":\"TR\",\"status\":\"down\",\"reason\":\"$long\",\"from\":\"2026-11-19T20:00:00Z\",\"to\":\"2026-11-20T04:00:00Z\"}")
like "$(status_of "$r") $(body_of "$r")" '^422 .*/reason.*1024' "a reason over 1,024 bytes is refused, naming the limit"

# The CLI: an analyst states an observation post's degraded status; an
# operational one and one outside the period are not listed.
out=$("$TRUCE_BIN" source status OP-7 --type observation_post --member TR \
	--status degraded --reason "fog: visibility under 200 m" \
	--from 2026-11-20T01:00:00Z --to 2026-11-20T09:00:00Z \
	--server "$URL" --token "$ana")
ok $? "truce source status records a degraded post"
like "$out" 'index: [0-9]+' "... and prints its log index"
"$TRUCE_BIN" source status UAV-1 --type uav --member TR --status operational \
	--reason "back in service" --from 2026-11-20T01:00:00Z \
	--to 2026-11-20T09:00:00Z --server "$URL" --token "$ana" >/dev/null
"$TRUCE_BIN" source status UAV-2 --type uav --member TR --status down \
	--reason "earlier" --from 2026-11-10T01:00:00Z \
	--to 2026-11-11T09:00:00Z --server "$URL" --token "$ADMIN" >/dev/null
"$TRUCE_BIN" source status OP-8 --type observation_post --member TR \
	--status bad --reason x --from 2026-11-20T01:00:00Z \
	--to 2026-11-20T09:00:00Z --server "$URL" --token "$ana" 2>err.txt
is $? 1 "truce source status: a refused status exits 1"
like "$(cat err.txt)" '422' "... saying why"

# Violations over the 30 days before 2026-11-20, for the trend: one a day
# on 10 days (far apart: one incident each), one category by parity.
body="["
for i in $(seq 0 9); do
	t=$(date -ud "2026-11-20T08:00:00Z - $((i * 3)) days" +%Y-%m-%dT%H:%M:%SZ)
	cat=explosion; [ $((i % 2)) = 1 ] && cat=burst_or_shot
	[ "$i" -gt 0 ] && body+=","
	body+=$(printf '{"observed_at":"%s","source":{"type":"patrol","member":"RU","unit":"P-%d"},"category":"%s","count":{"value":2,"qualifier":"exact"},"location":{"lat":40.%02d,"lon":46.9,"precision_m":100}}' \
		"$t" "$i" "$cat" $((i * 5)))
done
r=$(TOKEN=$ADMIN post_json /v1/observations "$body]")
is "$(status_of "$r")" 201 "10 observations over 28 days"
sleep 0.5

draft=$("$TRUCE_BIN" report draft daily --date 2026-11-20 --server "$URL" \
	--token "$ana")
ID=$(printf '%s\n' "$draft" | sed -n 's/^id: //p')
"$TRUCE_BIN" report get "$ID" --format json --out r.json --server "$URL" \
	--token "$ana"
python3 - r.json >got.txt <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["report"]
for s in r["not_operational"]:
    print(s["unit"], s["type"], s.get("member"), s["status"], s["reason"])
t = r["trend"]
print("days", t["days"], t["first_date"], t["last_date"], len(t["series"]))
print("trend", sum(d["incidents"] for d in t["series"]),
      sum(d["by_category"].get("explosion", {}).get("incidents", 0) for d in t["series"]),
      sum(d["by_category"].get("burst_or_shot", {}).get("incidents", 0) for d in t["series"]),
      sum(d["events"] for d in t["series"]))
PY
is "$(sed -n 1,2p got.txt)" "cam-3 camera RU down power cut at the post
OP-7 observation_post TR degraded fog: visibility under 200 m" \
	"the report lists the sources down or degraded in its period, by source"
is "$(grep -c UAV got.txt)" 0 "an operational source and one down outside the period are not"
is "$(grep ^days got.txt)" "days 30 2026-10-22 2026-11-20 30" \
	"a daily report carries the trend of the 30 days to its date"
is "$(grep ^trend got.txt)" "trend 10 5 5 20" \
	"the trend counts every violation of those days, by category"
api GET "/v1/reports/$ID.html" -H "Authorization: Bearer $ana" | sed '$d' >r.html
like "$(cat r.html)" 'Sources not operational in the period' "the HTML has the list"
like "$(cat r.html)" 'power cut at the post' "... with the reason"
like "$(cat r.html)" 'class="trend"' "the HTML draws the trend chart"
is "$(grep -o '<title>2026-[0-9-]* [0-9]* [a-z ]*</title></rect>' r.html | wc -l)" 10 \
	"... one bar segment per day and category with violations"
r=$(TOKEN=$ana api GET "/v1/reports/$ID.trend.svg" -o trend.svg)
is "$(status_of "$r")" 200 "the trend chart alone: {id}.trend.svg"
"$TRUCE_BIN" report get "$ID" --format trend --out cli-trend.svg \
	--server "$URL" --token "$ana"
is "$(sha256sum <cli-trend.svg)" "$(sha256sum <trend.svg)" \
	"truce report get --format trend draws the same bytes"
like "$(head -c 200 trend.svg)" '<svg' "an SVG"
api GET "/v1/reports/$ID.pdf" -H "Authorization: Bearer $ana" | sed '$d' >r.pdf
pdftotext r.pdf r.txt 2>/dev/null
like "$(cat r.txt)" 'cam-3' "the PDF lists the source that was down"
like "$(cat r.txt)" 'Violations per day by category' "the PDF draws the trend chart"

# Weekly and monthly summaries carry the trend of their days.
w=$("$TRUCE_BIN" report draft weekly --date 2026-11-20 --server "$URL" \
	--token "$ana")
like "$w" 'number: Summary Report 2026-11-14 to 2026-11-20' \
	"truce report draft weekly: the 7 days to --date"
WID=$(printf '%s\n' "$w" | sed -n 's/^id: //p')
m=$("$TRUCE_BIN" report draft monthly --month 2026-02 --server "$URL" \
	--token "$ana" 2>&1)
like "$m" 'number: Summary Report 2026-02-01 to 2026-02-28' \
	"truce report draft monthly: the days of --month"
"$TRUCE_BIN" report draft monthly --month 2026-13 --server "$URL" \
	--token "$ana" 2>/dev/null
is $? 2 "a month that is not one is a usage error"
"$TRUCE_BIN" report get "$WID" --format json --out w.json --server "$URL" \
	--token "$ana" 2>&1
is "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["report"]["trend"]; print(t["days"], len(t["series"]), sum(d["incidents"] for d in t["series"]))' w.json)" \
	"7 7 3" "the weekly summary's trend: its 7 days and their violations"

# A replay drafts the same bytes.
center_stop
"$TRUCE_BIN" rebuild "$D" >/dev/null 2>&1
ok $? "truce rebuild replays the log"
center_serve "$D" || exit 1
again=$("$TRUCE_BIN" report draft daily --date 2026-11-20 --server "$URL" \
	--token "$ana")
is "$(printf '%s\n' "$again" | sed -n 's/^id: //p')" "$ID" \
	"after the replay, the same report (the statuses come from the log)"
done_testing
