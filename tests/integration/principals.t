#!/usr/bin/env bash
# Principals as log entries, against the real server: `truce token`
# through the control socket while served and directly when not, the
# admin routes, revocation at once, rebuild restores them, failed
# authentication rate-limited per address (and never telling whether a
# name exists), tokens in no log, error or later answer, and what
# liaisons, sensors and members' monitors may submit and read.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin example.org/pr --member RU --member TR \
	--party AM --party AZ)
ok $? "init"
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
ADMIN=$TOKEN
conf_set "$D" auth_fail_burst 3
conf_set "$D" auth_fail_per_minute 6
center_serve "$D" 2>"$TAP_TMP/serve.err" || exit 1
SERVE_LOG=$(ls "$TAP_TMP"/serve.*.log)

is "$(stat -c %a "$D/control.sock")" 600 "the control socket is mode 0600"
r=$(api GET /v1/me)
is "$(body_of "$r")" '{"name":"admin","role":"admin"}' "the init token is the admin principal"

# truce token through the control socket.
v=$(token_for "$D" alice viewer)
like "$v" '^[0-9a-f]{64}$' "token add while served prints a token"
r=$(TOKEN=$v api GET /v1/me)
is "$(body_of "$r")" '{"name":"alice","role":"viewer"}' "and it works at once"
out=$("$TRUCE_BIN" token add "$D" --name alice --role viewer 2>&1)
st=$?
ok $((st == 0)) "a second alice is refused"
like "$out" "exists; revoke it first" "saying why"
out=$("$TRUCE_BIN" token add "$D" --name zed --role assessor 2>&1)
is "$?" 2 "an assessor without a member is a usage error"
like "$out" "/member" "naming the field"
out=$("$TRUCE_BIN" token add "$D" --name zed --role assessor --member XX 2>&1)
like "$out" "'XX' is not a member" "an unknown member is refused"
out=$("$TRUCE_BIN" token add "$D" --name zed --role liaison --party QQ 2>&1)
like "$out" "'QQ' is not one of the parties" "an unknown party is refused"
"$TRUCE_BIN" token revoke "$D" --name alice >/dev/null
ok $? "token revoke while served"
r=$(TOKEN=$v api GET /v1/me)
is "$(status_of "$r")" 401 "the revoked token stops working at once"
out=$("$TRUCE_BIN" token revoke "$D" --name alice 2>&1)
st=$?
ok $((st == 0)) "revoking again fails"
like "$out" "no active principal" "saying why"

# Over HTTP, for admins.
r=$(post_json /v1/principals '{"name":"bob","role":"analyst"}')
is "$(status_of "$r")" 201 "POST /v1/principals: 201"
bob=$(body_of "$r" | jq -r .token)
like "$bob" '^[0-9a-f]{64}$' "with the token, once"
r=$(TOKEN=$bob api GET /v1/me)
is "$(body_of "$r" | jq -r .role)" analyst "the new token works at once"
r=$(api GET /v1/principals)
is "$(body_of "$r" | jq -c '[.principals[] | [.name, .active]]')" \
	'[["admin",true],["alice",false],["bob",true]]' "GET /v1/principals lists them"
is "$(body_of "$r" | jq -c '[.principals[] | keys_unsorted]')" \
	'[["name","role","active","added_index"],["name","role","active","added_index","revoked_index"],["name","role","active","added_index"]]' \
	"each with its fields in the API's order, revoked_index once revoked"
like "$(body_of "$r")" '^[^0-9a-f]*("[^"]*"[^0-9a-f]*)*$|added_index' "listing shows no token"
ok $(body_of "$r" | grep -qE "$bob|$v|$ADMIN"; echo $((1 - $?))) "no token or hash in the listing"
r=$(post_json /v1/principals '{"name":"bob","role":"viewer"}')
is "$(status_of "$r")" 409 "an existing name: 409"
r=$(post_json /v1/principals '{"name":"c","role":"liaison"}')
is "$(status_of "$r")" 422 "a liaison without a party: 422"
like "$(body_of "$r")" '/party' "naming the field"
r=$(post_json /v1/principals '{"name":"c","role":"viewer","colour":"red"}')
is "$(status_of "$r")" 422 "an unknown field: 422"
like "$(body_of "$r")" '/colour' "naming it"
r=$(TOKEN=$bob post_json /v1/principals '{"name":"c","role":"admin"}')
is "$(status_of "$r")" 403 "an analyst may not create principals"
r=$(api DELETE /v1/principals/bob)
is "$(status_of "$r")" 200 "DELETE /v1/principals/bob"
r=$(TOKEN=$bob api GET /v1/me)
is "$(status_of "$r")" 401 "bob's token stops at once"
r=$(api DELETE /v1/principals/bob)
is "$(status_of "$r")" 404 "revoking twice: 404"

# Failed authentication: the same answer whatever the token was, then 429
# (3 failures allowed, one more every 10 s; a restart forgets the counts).
center_stop
center_serve "$D" || exit 1
fresh=$(printf '%064d' 7)
r1=$(TOKEN=$fresh api GET /v1/me)
r2=$(TOKEN=$v api GET /v1/me)
is "$(body_of "$r1")" "$(body_of "$r2")" "a revoked and an unknown token get the same 401"
r=$(TOKEN=short api GET /v1/me)
is "$(status_of "$r")" 401 "third failure: still 401"
r=$(TOKEN=$fresh api GET /v1/me)
is "$(status_of "$r")" 429 "fourth failure from this address: 429"
h=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $fresh" "$URL/v1/me")
like "$h" $'Retry-After: ([1-9]|10)\r' "with Retry-After (at most 10 s)"
wait_s=$(printf '%s' "$h" | sed -n 's/^Retry-After: \([0-9]*\).*/\1/p')
r=$(api GET /v1/me)
is "$(status_of "$r")" 429 "while limited, even a valid token waits"
r=$(NO_TOKEN=1 api GET /v1/health)
is "$(status_of "$r")" 200 "public routes are not limited"
sleep "${wait_s:-10}"
r=$(api GET /v1/me)
is "$(status_of "$r")" 200 "an attempt comes back after Retry-After"

# Offline: stop, add and revoke directly, rebuild, serve again.
center_stop
ok $? "stop"
ok $([ ! -e "$D/control.sock" ]; echo $?) "the control socket is removed on stop"
carol=$(token_for "$D" carol monitor --member TR)
like "$carol" '^[0-9a-f]{64}$' "token add with the center stopped appends itself"
out=$("$TRUCE_BIN" rebuild "$D")
ok $? "rebuild: $out"
center_serve "$D" || exit 1
r=$(TOKEN=$carol api GET /v1/me)
is "$(body_of "$r")" '{"name":"carol","role":"monitor","member":"TR"}' "rebuild restored carol"
r=$(TOKEN=$bob api GET /v1/me)
is "$(status_of "$r")" 401 "and bob stays revoked"
r=$(api GET /v1/me)
is "$(status_of "$r")" 200 "and the admin"

# Who submits what.
obs() { # obs SOURCE_JSON
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":%s,"category":"explosion","location":{"lat":39.9,"lon":46.9}}' "$1"
}
lia=$(token_for "$D" lia-am liaison --party AM)
lia2=$(token_for "$D" lia-az liaison --party AZ)
sen=$(token_for "$D" sen-ru sensor --member RU)
r=$(TOKEN=$lia post_json /v1/observations "$(obs '{"type":"complaint","organisation":"AM"}')")
is "$(status_of "$r")" 201 "a liaison files its party's complaint"
cid=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$lia post_json /v1/observations "$(obs '{"type":"patrol","organisation":"AM"}')")
is "$(status_of "$r")" 403 "a liaison may not file a patrol report"
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /source/type "naming the field"
r=$(TOKEN=$lia post_json /v1/observations "$(obs '{"type":"complaint","organisation":"AZ"}')")
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /source/organisation \
	"nor complain in another party's name"
r=$(TOKEN=$lia2 post_json /v1/observations "$(obs '{"type":"complaint","organisation":"AZ","unit":"x"}')")
is "$(status_of "$r")" 201 "the other party complains too"
r=$(TOKEN=$sen post_json /v1/observations "$(obs '{"type":"acoustic_sensor","member":"RU"}')")
is "$(status_of "$r")" 201 "a sensor submits a detection"
r=$(TOKEN=$sen post_json /v1/observations "$(obs '{"type":"patrol","member":"RU"}')")
is "$(status_of "$r")" 403 "but not a patrol report"
r=$(TOKEN=$carol post_json /v1/observations "$(obs '{"type":"patrol","member":"RU"}')")
is "$(status_of "$r")" 403 "a monitor of TR may not submit as RU"
is "$(body_of "$r" | jq -r '.errors[0].pointer')" /source/member "naming the field"
r=$(TOKEN=$carol post_json /v1/observations "$(obs '{"type":"patrol","member":"TR"}')")
is "$(status_of "$r")" 201 "but as TR"
pid=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$lia api GET /v1/observations)
is "$(body_of "$r" | jq -r '[.features[].id] | join(",")')" "$cid" \
	"a liaison lists only its party's complaints"
r=$(TOKEN=$lia api GET "/v1/observations?source=patrol")
is "$(body_of "$r" | jq '.features | length')" 0 "asking for patrols gives nothing"
r=$(TOKEN=$lia api GET "/v1/observations/$pid")
is "$(status_of "$r")" 404 "a patrol report is not found for a liaison"
r=$(TOKEN=$lia api GET "/v1/observations/$pid/receipt")
is "$(status_of "$r")" 404 "nor its receipt"
r=$(TOKEN=$lia api GET "/v1/observations/$cid")
is "$(status_of "$r")" 200 "its own complaint is"
r=$(TOKEN=$lia2 api GET "/v1/observations/$cid")
is "$(status_of "$r")" 404 "the other party's liaison does not see it"
r=$(TOKEN=$lia api GET "/tile/entries/000.p/1")
is "$(status_of "$r")" 403 "a liaison may not read the raw log"
r=$(api GET /v1/observations)
is "$(body_of "$r" | jq '.features | length')" 4 "the admin sees all four"

# Tokens appear in no log.
center_stop
STORE=$D/store.db
if ! store_is_sqlite; then
	# The store is a PostgreSQL database: all of it, as pg_dump writes it.
	STORE=$TAP_TMP/store.dump
	pg_dump "$(sed -n 's/^store = //p' "$D/truce.conf")" >"$STORE"
	ok $? "the store's database dumped"
fi
for t in "$ADMIN" "$v" "$bob" "$carol" "$lia" "$sen"; do
	if grep -rqa "$t" "$D/log" "$SERVE_LOG" "$TAP_TMP"/serve.*.log "$STORE"; then
		ok 1 "token ${t:0:6}... found in a log or the store"
	else
		ok 0 "token ${t:0:6}... is in no log, entry or store"
	fi
done
hash=$(printf '%s' "$carol" | sha256sum | cut -c1-64)
ok $(grep -qa "$hash" "$D/log/entries"; echo $?) "the log holds its SHA-256"
done_testing
