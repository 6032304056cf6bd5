#!/usr/bin/env bash
# Alert rules and webhooks against the real server and a real receiver on
# 127.0.0.1 (tests/lib/hookrecv.py; docs/alerts.md): rules are log
# entries whose secrets are never shown; a matching observation gives one
# signed delivery, a non-matching one none; a threshold fires at the N-th
# observation and not before; 500 then 200 is delivered once after a
# retry; with the receiver down and the center killed (-9) and restarted,
# every due delivery arrives and none is acknowledged twice.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
H=$TAP_TMP/hook
mkdir -p "$H"
SECRET=s3cret-of-the-receiver
center_init "$D" || exit 1
conf_set "$D" alert_backoff_ms 100
center_serve "$D" || exit 1
mon=$(token_for "$D" mon monitor --member RU)
ana=$(token_for "$D" ana analyst)

# hook_start [PORT]: starts the receiver; sets HOOK, HOOK_PID.
hook_start() {
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
# deliveries PATH: the receiver's log lines for PATH.
deliveries() { [ -f "$H/log" ] && jq -c "select(.path == \"$1\")" "$H/log"; }
# wait_for PATH N: waits (10 s at most) for N requests to PATH.
wait_for() {
	for i in $(seq 1 100); do
		[ "$(deliveries "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
obs() { # obs CATEGORY LAT
	printf '{"observed_at":"2026-11-20T10:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"P-%s"},"category":"%s","location":{"lat":%s,"lon":46.9,"precision_m":100}}' "$((RANDOM % 60))" "$RANDOM" "$1" "$2"
}
rule() { # rule NAME PATH WHEN
	TOKEN=$ana post_json /v1/alerts/rules "$(printf '{"name":"%s","when":%s,"webhook":{"url":"%s%s","secret":"%s"}}' "$1" "$3" "$HOOK" "$2" "$SECRET")"
}
hook_start

# Rules: who, what, never the secret.
r=$(TOKEN=$mon post_json /v1/alerts/rules '{"name":"x"}')
is "$(status_of "$r")" 403 "a monitor may not set alerts"
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"x","when":{"categories":["boom"]}}')
is "$(status_of "$r")" 422 "an unknown category is refused"
like "$(body_of "$r")" '/when/categories/0' "naming the field"
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"x","when":{"min_count":3}}')
like "$(body_of "$r")" '/when/window_s: is required with min_count or spike' \
	"a threshold needs its window"
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"x","webhook":{"url":"ftp://a","secret":"0123456789abcdef"}}')
like "$(body_of "$r")" '/webhook/url' "a webhook is http(s)"
r=$(rule explosions /a '{"categories":["explosion"],"bbox":[46.8,39.8,47.0,40.0]}')
is "$(status_of "$r")" 201 "an analyst adds a rule"
ra=$(body_of "$r" | jq -r .id)
like "$ra" '^rule-[0-9]+$' "its id"
r=$(rule threshold /b '{"categories":["small_arms_fire"],"min_count":3,"window_s":3600}')
rb=$(body_of "$r" | jq -r .id)
r=$(rule flaky /c '{"categories":["illumination_flare"]}')
rc=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$ana api GET /v1/alerts/rules)
is "$(body_of "$r" | jq '.rules | length')" 3 "GET lists the rules"
if printf '%s' "$r" | grep -q "$SECRET\|secret"; then ok 1 "no secret shown"
else ok 0 "no secret shown back, nor its hash"; fi
e=$(api GET "/tile/entries/000" | grep -ac "$SECRET")
is "$e" 0 "the secret is not in the log"

# A matching observation: one delivery, signed; a non-matching one: none.
events_pid=
curl -sN --max-time 6 -H "Authorization: Bearer $ana" \
	"$URL/v1/events?types=alert" >"$TAP_TMP/alerts.sse" &
events_pid=$!
sleep 0.5
r=$(TOKEN=$mon post_json /v1/observations "$(obs explosion 39.9)")
idx=$(body_of "$r" | jq .index)
TOKEN=$mon post_json /v1/observations "$(obs explosion 41.5)" >/dev/null
TOKEN=$mon post_json /v1/observations "$(obs muzzle_flash 39.9)" >/dev/null
wait_for /a 1
sleep 0.5
is "$(deliveries /a | wc -l)" 1 "exactly one delivery for one match"
is "$(deliveries /a | jq .valid)" true "X-Truce-Signature verifies"
is "$(deliveries /a | jq -r .delivery)" "d-${ra#rule-}-$idx" \
	"X-Truce-Delivery names the rule and the entry"
is "$(deliveries /a | jq -r '.body.event.index')" "$idx" \
	"the body carries the event"

# The threshold fires at the 3rd and not before.
for k in 1 2; do
	TOKEN=$mon post_json /v1/observations "$(obs small_arms_fire 40.$k)" >/dev/null
done
sleep 1
is "$(deliveries /b | wc -l)" 0 "two of three: nothing yet"
TOKEN=$mon post_json /v1/observations "$(obs small_arms_fire 40.3)" >/dev/null
wait_for /b 1
is "$(deliveries /b | wc -l)" 1 "the third fires it"
is "$(deliveries /b | jq .body.min_count)" 3 "saying the threshold"

# 500, then 200: delivered once after a retry.
printf '500\n' >"$H/codes.c"
TOKEN=$mon post_json /v1/observations "$(obs illumination_flare 40)" >/dev/null
wait_for /c 2
is "$(deliveries /c | jq -r .status | tr '\n' ' ')" "500 200 " \
	"retried after a 500"
is "$(deliveries /c | jq -r .delivery | sort -u | wc -l)" 1 \
	"with the same delivery id"
r=$(TOKEN=$ana api GET "/v1/alerts/deliveries?rule=$rc&state=delivered")
is "$(body_of "$r" | jq '.deliveries[0].attempts')" 2 \
	"deliveries shows two attempts"
wait $events_pid
like "$(cat "$TAP_TMP/alerts.sse")" 'event: alert' "alerts are on the stream"

# The receiver is down; the center is killed; everything arrives after.
kill -KILL "$HOOK_PID" 2>/dev/null
wait "$HOOK_PID" 2>/dev/null
port=${HOOK##*:}
for lat in 39.81 39.82 39.83; do
	TOKEN=$mon post_json /v1/observations "$(obs explosion $lat)" >/dev/null
done
sleep 0.5
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
center_serve "$D" || exit 1
hook_start "$port"
wait_for /a 4
sleep 1
is "$(deliveries /a | jq -r .delivery | sort -u | wc -l)" 4 \
	"after kill -9 and a receiver down: every due delivery arrives"
is "$(deliveries /a | jq -r 'select(.status == 200) | .delivery' | sort |
	uniq -d | wc -l)" 0 "none acknowledged twice"
r=$(TOKEN=$ana api GET "/v1/alerts/deliveries?state=pending")
is "$(body_of "$r" | jq '.deliveries | length')" 0 "nothing left pending"

# truce alert list / rm.
out=$(TRUCE_SERVER=$URL TRUCE_TOKEN=$ana "$TRUCE_BIN" alert list)
is "$(printf '%s' "$out" | jq '.rules | length')" 3 "truce alert list"
out=$(TRUCE_SERVER=$URL TRUCE_TOKEN=$ana "$TRUCE_BIN" alert rm "$ra")
is "$(printf '%s' "$out" | jq .active)" false "truce alert rm disables it"
r=$(TOKEN=$ana api DELETE "/v1/alerts/rules/$ra")
is "$(status_of "$r")" 404 "twice: 404"
TOKEN=$mon post_json /v1/observations "$(obs explosion 39.85)" >/dev/null
sleep 1
is "$(deliveries /a | jq -r .delivery | sort -u | wc -l)" 4 \
	"a disabled rule sends nothing"
out=$(TRUCE_SERVER=$URL TRUCE_TOKEN=$ana "$TRUCE_BIN" alert add \
	--name cli --category mine_or_uxo --min-count 2 --window 60)
like "$out" '"min_count": 2' "truce alert add"

center_stop
done_testing
