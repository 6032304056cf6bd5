#!/usr/bin/env bash
# Alert rules on the complaints of a party, and spike alerts that ask for a
# spot report draft (docs/alerts.md), against the real server and a real
# receiver on 127.0.0.1 (tests/lib/hookrecv.py): a party's complaint fires
# its rule, another party's or a patrol's does not; a spike with
# "spot_report": true drafts one spot report of the incidents (a draft
# entry naming the alert), and the delivery carries the report's id; with
# the receiver down and the center killed (-9) and restarted, the delivery
# arrives with that same report, and nothing is drafted twice.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
H=$TAP_TMP/hook
mkdir -p "$H"
SECRET=s3cret-of-the-receiver
out=$("$TRUCE_BIN" init "$D" --origin e.org/spot --member RU --member TR \
	--party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
conf_set "$D" alert_backoff_ms 100
center_serve "$D" || exit 1
mon=$(token_for "$D" mon monitor --member RU)
ana=$(token_for "$D" ana analyst)
am=$(token_for "$D" am-1 liaison --party AM)
az=$(token_for "$D" az-1 liaison --party AZ)

hook_start() { # hook_start [PORT]: sets HOOK, HOOK_PID
	rm -f "$H/port"
	python3 "$TRUCE_TOP/tests/lib/hookrecv.py" "$H" "$SECRET" "$@" \
		>/dev/null 2>&1 &
	HOOK_PID=$!
	tap_pids+=("$HOOK_PID")
	for i in $(seq 1 100); do
		[ -s "$H/port" ] && break
		sleep 0.05
	done
	HOOK=http://127.0.0.1:$(cat "$H/port")
}
deliveries() { [ -f "$H/log" ] && jq -c "select(.path == \"$1\")" "$H/log"; }
wait_for() { # wait_for PATH N: 15 s at most
	for i in $(seq 1 150); do
		[ "$(deliveries "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
complaint() { # complaint PARTY
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"complaint","organisation":"%s"},"category":"explosion","location":{"lat":40.%s,"lon":46.9}}' "$1" "$RANDOM"
}
drone() { # drone LAT [DAY]
	printf '{"observed_at":"2026-11-%s:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"P-%s"},"category":"drone_strike","location":{"lat":%s,"lon":46.9,"precision_m":100}}' "${2:-20}T11" "$((RANDOM % 30))" "$RANDOM" "$1"
}
hook_start

# Complaints of a party.
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"x","when":{"parties":["A M"]}}')
is "$(status_of "$r")" 422 "a party name that is none is refused"
like "$(body_of "$r")" '/when/parties/0' "naming the field"
r=$(TOKEN=$ana post_json /v1/alerts/rules "$(printf '{"name":"AM complains","when":{"parties":["AM"]},"webhook":{"url":"%s/p","secret":"%s"}}' "$HOOK" "$SECRET")")
is "$(status_of "$r")" 201 "a rule on the complaints of AM"
is "$(body_of "$r" | jq -c .when.parties)" '["AM"]' "its parties"
r=$(TOKEN=$az post_json /v1/observations "$(complaint AZ)")
is "$(status_of "$r")" 201 "AZ complains"
TOKEN=$mon post_json /v1/observations "$(drone 41.5)" >/dev/null
r=$(TOKEN=$am post_json /v1/observations "$(complaint AM)")
cidx=$(body_of "$r" | jq .index)
wait_for /p 1
sleep 0.5
is "$(deliveries /p | wc -l)" 1 "one delivery: AM's complaint only"
is "$(deliveries /p | jq .body.index)" "$cidx" "for the complaint of AM"

# A spike that asks for a spot report.
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"x","when":{"categories":["drone_strike"]},"spot_report":true}')
is "$(status_of "$r")" 422 "spot_report needs a threshold or a spike"
like "$(body_of "$r")" '/spot_report' "naming the field"
r=$(TOKEN=$ana post_json /v1/alerts/rules "$(printf '{"name":"drone spike","when":{"categories":["drone_strike"],"bbox":[46.8,39.0,47.0,39.9],"spike":3,"window_s":3600},"spot_report":true,"webhook":{"url":"%s/s","secret":"%s"}}' "$HOOK" "$SECRET")")
is "$(status_of "$r")" 201 "a spike rule with spot_report"
rs=$(body_of "$r" | jq -r .id)
is "$(body_of "$r" | jq .spot_report)" true "it says so"
TOKEN=$mon post_json /v1/observations "$(drone 39.1)" >/dev/null
TOKEN=$mon post_json /v1/observations "$(drone 39.5)" >/dev/null
sleep 1
is "$(deliveries /s | wc -l)" 0 "two: no spike yet"
r=$(TOKEN=$mon post_json /v1/observations "$(drone 39.8)")
sidx=$(body_of "$r" | jq .index)
wait_for /s 1
d=$(deliveries /s | head -1)
is "$(printf '%s' "$d" | jq -r .delivery)" "d-${rs#rule-}-$sidx" \
	"the third fires the spike"
rep=$(printf '%s' "$d" | jq -r .body.spot_report.id)
like "$rep" '^[0-9a-f]{64}$' "the delivery carries the spot report's id"
is "$(printf '%s' "$d" | jq '.body.incidents | length')" 3 \
	"and the incidents of the spike"
is "$(printf '%s' "$d" | jq .valid)" true "signed"
r=$(TOKEN=$ana api GET "/v1/reports/$rep")
is "$(status_of "$r")" 200 "the report exists"
is "$(body_of "$r" | jq -r .report.kind)" spot "a spot report"
is "$(body_of "$r" | jq -r .state)" draft "drafted"
is "$(body_of "$r" | jq '.report.annex | length')" 3 "of the 3 incidents"
dindex=$(printf '%s' "$d" | jq .body.spot_report.index)
r=$(TOKEN=$ana api GET "/v1/events?after=$((dindex - 1))&types=report" --max-time 2)
like "$r" "\"alert\":\"d-${rs#rule-}-$sidx\"" "its draft entry names the alert"

# Receiver down, a new spike, kill -9: the same report arrives after.
kill -KILL "$HOOK_PID" 2>/dev/null
wait "$HOOK_PID" 2>/dev/null
port=${HOOK##*:}
for lat in 39.11 39.12 39.13 39.14 39.15 39.16 39.17 39.18 39.19; do
	r=$(TOKEN=$mon post_json /v1/observations "$(drone $lat 21)")
done
sleep 2
before=$(TOKEN=$ana api GET "/v1/reports?kind=spot" | sed '$d' | jq '.reports | length')
is "$before" 2 "the second spike drafted its report before the crash"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
center_serve "$D" || exit 1
hook_start "$port"
wait_for /s 2
sleep 2
is "$(deliveries /s | jq -r .delivery | sort -u | wc -l)" 2 \
	"after kill -9, the second spike's delivery arrives"
d2=$(deliveries /s | tail -1)
rep2=$(printf '%s' "$d2" | jq -r .body.spot_report.id)
like "$rep2" '^[0-9a-f]{64}$' "with a spot report"
r=$(TOKEN=$ana api GET "/v1/reports?kind=spot")
is "$(body_of "$r" | jq '.reports | length')" "$before" \
	"nothing drafted again after the restart"
is "$(body_of "$r" | jq --arg id "$rep2" '[.reports[] | select(.id == $id)] | length')" 1 \
	"the delivered report is the one drafted before the crash"
r=$(TOKEN=$ana api GET "/v1/alerts/deliveries?rule=$rs&state=delivered")
is "$(body_of "$r" | jq -r '.deliveries[0].spot_report')" "$rep2" \
	"deliveries show the report"

center_stop
done_testing
