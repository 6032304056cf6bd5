#!/usr/bin/env bash
# Webhook targets added while another target's request is in flight
# (docs/alerts.md): the deliverer keeps one request per target URL, and a
# new target must not move the ones libcurl still points at. A slow
# receiver on /x holds its request for a second while a rule on /y fires:
# both deliveries arrive and the center lives on.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
H=$TAP_TMP/hook
mkdir -p "$H"
SECRET=s3cret-of-the-receiver
center_init "$D" || exit 1
center_serve "$D" || exit 1
mon=$(token_for "$D" mon monitor --member RU)
ana=$(token_for "$D" ana analyst)
python3 "$TRUCE_TOP/tests/lib/hookrecv.py" "$H" "$SECRET" >/dev/null 2>&1 &
tap_pids+=("$!")
for i in $(seq 1 100); do [ -s "$H/port" ] && break; sleep 0.05; done
HOOK=http://127.0.0.1:$(cat "$H/port")
deliveries() { [ -f "$H/log" ] && jq -c "select(.path == \"$1\")" "$H/log"; }
obs() { # obs CATEGORY
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU","unit":"P-%s"},"category":"%s","location":{"lat":40,"lon":46.9,"precision_m":100}}' "$RANDOM" "$1"
}
n=0
for c in explosion muzzle_flash drone_strike mine_or_uxo; do
	n=$((n + 1))
	r=$(TOKEN=$ana post_json /v1/alerts/rules "$(printf '{"name":"%s","when":{"categories":["%s"]},"webhook":{"url":"%s/t%d","secret":"%s"}}' "$c" "$c" "$HOOK" "$n" "$SECRET")")
	is "$(status_of "$r")" 201 "rule $n to its own target /t$n"
done
printf 'slow\n' >"$H/codes.t1"
TOKEN=$mon post_json /v1/observations "$(obs explosion)" >/dev/null
sleep 0.3
# While /t1's request is held, new targets get their first deliveries.
for c in muzzle_flash drone_strike mine_or_uxo; do
	TOKEN=$mon post_json /v1/observations "$(obs $c)" >/dev/null
done
for i in $(seq 1 100); do
	[ "$(cat "$H/log" 2>/dev/null | wc -l)" -ge 4 ] && break
	sleep 0.1
done
sleep 0.5
for n in 1 2 3 4; do
	is "$(deliveries /t$n | wc -l)" 1 "target /t$n got its delivery"
done
ok "$(kill -0 "$SERVER_PID" 2>/dev/null; echo $?)" "the center lives on"
r=$(TOKEN=$ana api GET "/v1/alerts/deliveries?state=delivered")
is "$(body_of "$r" | jq '.deliveries | length')" 4 "all four delivered"

center_stop
done_testing
