#!/usr/bin/env bash
# Bursts on one place (docs/reliability.md): thousands of observations of
# one event — a sensor array reporting one long shelling, a client flooding
# one point — must cost the center linear time, and one principal's
# writes are bounded (write_burst, write_per_minute: 429 with Retry-After).
# The cost is the server's own CPU time from a POST until a read sees the
# store caught up, so other load on the machine does not move it.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

BIN=$TRUCE_BIN
D=$TAP_TMP/center
center_init "$D"
ok $? "init a center"
center_serve "$D" || exit 1

# burst FILE N LAT MINUTE [UNIT]: N reports of one explosion at (LAT,
# 46.9), one per sensor of an acoustic array (only source.unit differs:
# UNIT0, UNIT1 ...; UNIT is "s" unless given).
burst() {
	awk -v n="$2" -v lat="$3" -v m="$4" -v u="${5:-s}" 'BEGIN {
		printf "["
		for (i = 0; i < n; i++)
			printf "%s{\"observed_at\":\"2026-11-20T10:%02d:00Z\"," \
			    "\"source\":{\"type\":\"acoustic_sensor\"," \
			    "\"member\":\"TR\",\"unit\":\"%s%d\"}," \
			    "\"category\":\"explosion\",\"location\":" \
			    "{\"lat\":%s,\"lon\":46.9,\"precision_m\":100}}",
			    (i ? "," : ""), m, u, i, lat
		printf "]"
	}' >"$1"
}

cpu_ms() { # the server's user + system CPU time, ms
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' \
		"/proc/$SERVER_PID/stat"
}

# cost FILE: POSTs FILE and reads until the store has applied it; prints
# the server's CPU ms and leaves the read's answer in $TAP_TMP/read.json.
cost() {
	local c0 st
	c0=$(cpu_ms)
	st=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$1" "$URL/v1/observations")
	[ "$st" = 201 ] || { echo "# POST $1: $st" >&2; echo 999999; return; }
	st=$(curl -s -o "$TAP_TMP/read.json" -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" "$URL/v1/incidents?limit=10")
	[ "$st" = 200 ] || { echo "# read: $st" >&2; echo 999999; return; }
	echo $(($(cpu_ms) - c0))
}

# --- one event, many observations: linear, not quadratic -----------------
burst "$TAP_TMP/small.json" 500 39.90 0
burst "$TAP_TMP/big.json" 5000 39.95 30
small=$(cost "$TAP_TMP/small.json")
big=$(cost "$TAP_TMP/big.json")
diag "one spot: 500 reports cost the server ${small} ms of CPU, 5,000 ${big} ms"
[ "$big" -lt $((20 * small + 500)) ]
ok $? "10x the reports of one event cost less than 20x (summing every member again for each made it 100x)"
r=$(api GET "/v1/incidents?limit=10")
n=$(body_of "$r" | jq '[.features[].properties | select((.observations | length) == 5000)] | length')
is "$n" 1 "the 5,000 reports are one incident"
is "$(body_of "$r" | jq '[.features[].properties | select((.observations | length) == 5000)][0].corroboration.independent_sources')" \
	5000 "corroborated by 5,000 independent sources"
is "$(body_of "$r" | jq '[.features[].properties | select((.observations | length) == 5000)][0].count.value')" \
	1 "counted once (the largest source's total, not the sum)"

# --- a restart after kill -9 with the burst in the log ---------------------
burst "$TAP_TMP/more.json" 3000 39.95 30 t
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data-binary @"$TAP_TMP/more.json" \
	"$URL/v1/observations")
is "$st" 201 "3,000 more reports of the same event"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
t0=$(date +%s%N)
center_serve "$D"
ok $? "the center listens again after kill -9"
r=$(api GET "/v1/incidents?limit=10")
t1=$(date +%s%N)
is "$(status_of "$r")" 200 "and answers a read"
n=$(body_of "$r" | jq '[.features[].properties | select((.observations | length) == 8000)] | length')
is "$n" 1 "with the 8,000 reports of the event in one incident"
diag "restart to first read: $(((t1 - t0) / 1000000)) ms"
[ $(((t1 - t0) / 1000000)) -lt 15000 ]
ok $? "within seconds"
center_stop

# --- per-principal write limits --------------------------------------------
conf_set "$D" write_burst 10
conf_set "$D" write_per_minute 6
center_serve "$D" || exit 1
burst "$TAP_TMP/eight.json" 8 39.5 0
burst "$TAP_TMP/five.json" 5 39.6 0
burst "$TAP_TMP/eleven.json" 11 39.7 0
r=$(api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @"$TAP_TMP/eight.json")
is "$(status_of "$r")" 201 "8 entries of a write_burst of 10 pass"
burst "$TAP_TMP/two.json" 2 39.55 0
r=$(api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @"$TAP_TMP/two.json")
is "$(status_of "$r")" 201 "2 more use the burst up"
h=$(curl -s -D - -o "$TAP_TMP/429.json" -X POST -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data-binary @"$TAP_TMP/five.json" \
	"$URL/v1/observations")
like "$h" "^HTTP/1.1 429" "5 more are answered 429"
like "$h" $'Retry-After: ([3-9]|[1-9][0-9])\r' "with Retry-After (30 s at 6 a minute)"
like "$(jq -r .detail "$TAP_TMP/429.json")" \
	"over its write limit \\(write_burst 10 entries, then write_per_minute 6\\)" \
	"and a message naming the limit"
r=$(api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @"$TAP_TMP/eleven.json")
is "$(status_of "$r")" 413 "a request over write_burst can never pass: 413"
like "$(body_of "$r" | jq -r .detail)" "over the per-principal limit write_burst of 10" \
	"naming write_burst"
ids=($(api GET "/v1/incidents?limit=10" | sed '$d' |
	jq -r '.features[] | select(.properties.kind == "observed") | .id'))
r=$(api POST "/v1/incidents/${ids[0]}/merge" -H 'Content-Type: application/json' \
	--data-binary "{\"with\":\"${ids[1]}\",\"reason\":\"one shelling\"}")
is "$(status_of "$r")" 429 "other writes of the principal (a merge) are limited too"
T2=$(token_for "$D" sensors2 monitor --member TR)
r=$(TOKEN=$T2 api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @"$TAP_TMP/five.json")
is "$(status_of "$r")" 201 "another principal has its own limit"
r=$(api GET "/v1/incidents?limit=1")
is "$(status_of "$r")" 200 "reads are not limited"
center_stop
ok $? "the center stops cleanly"

done_testing
