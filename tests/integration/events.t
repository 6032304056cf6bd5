#!/usr/bin/env bash
# The event stream against the real server (docs/alerts.md): one event per
# log entry the caller may see, ids that are log indexes, resuming with
# Last-Event-ID across a restart with no gap and no duplicate, a liaison's
# stream without unreleased incidents, filters, caps, `truce events`.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/ev --member RU --member TR \
	--party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
conf_set "$D" stream_max_per_principal 2
center_serve "$D" || exit 1
ana=$(token_for "$D" ana analyst)
sen=$(token_for "$D" sen sensor --member RU)
am=$(token_for "$D" am-1 liaison --party AM)
mon=$(token_for "$D" mon monitor --member RU)

patrol() { # patrol LAT CATEGORY
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU","unit":"P-%s"},"category":"%s","location":{"lat":%s,"lon":46.9,"precision_m":100}}' "$RANDOM" "${2:-explosion}" "$1"
}
# events TOKEN QUERY [HEADER...]: the stream's bytes for 1.5 s.
events() {
	local tok=$1 q=$2
	shift 2
	curl -sN --max-time "${HOLD:-1.5}" -H "Authorization: Bearer $tok" "$@" \
		"$URL/v1/events$q" || true
}
ids() { sed -n 's/^id: //p'; }

r=$(TOKEN=$sen api GET /v1/events)
is "$(status_of "$r")" 403 "a sensor has no stream"
r=$(api GET "/v1/events?after=1&since=2")
is "$(status_of "$r")" 400 "an unknown parameter is refused"
r=$(api GET "/v1/events?types=Bad!")
is "$(status_of "$r")" 400 "a bad types= is refused"
like "$(body_of "$r")" "types: 'Bad!' is not a name" "naming the parameter"

for lat in 39.9 40.2 40.5; do
	r=$(TOKEN=$mon post_json /v1/observations "$(patrol $lat)")
	[ "$(status_of "$r")" = 201 ] || diag "post: $r"
done
size=$(api GET /v1/health | sed '$d' | jq .log_size)
s=$(events "$TOKEN" "?after=-1")
like "$s" '^: truce events' "text/event-stream opens with a comment"
is "$(printf '%s\n' "$s" | ids | tr '\n' ' ')" \
	"$(seq 0 $((size - 1)) | tr '\n' ' ')" \
	"an admin from the start: one event per entry, id = log index"
like "$s" 'event: observation' "observations are typed"
like "$s" '"incident":"inc-[0-9a-f]{24}","incident_created":true' \
	"an observation names the incident it made"
# An event's zones are the zones the incident's words give the same point
# (the follower tests only the zones; fusion words the incident in full).
ev=$(printf '%s\n' "$s" | sed -n 's/^data: //p' | jq -c 'select(.type == "observation")' | head -n 1)
inc=$(jq -r .incident <<<"$ev")
want=$(api GET "/v1/incidents/$inc" | sed '$d' | jq -c '[.properties.zones[].zone]')
is "$(jq -c .zones <<<"$ev")" "$want" "an observation's zones are its incident's"
like "$want" '"Azerbaijan"' "which name the country"
# The event carries the entry as logged: its SHA-256 is the observation's id.
raw=$(printf '%s\n' "$s" | sed -n 's/^data: //p' | grep -m1 '"type":"observation"' |
	sed 's/^.*,"entry":\(.*\),"id":"[0-9a-f]*".*$/\1/')
is "$(printf '%s' "$raw" | sha256sum | cut -c1-64)" "$(jq -r .id <<<"$ev")" \
	"an event's entry is the logged bytes (its hash is the id)"
s=$(events "$ana" "?after=-1")
is "$(printf '%s\n' "$s" | grep -c '^event: genesis\|^event: principal')" 0 \
	"an analyst does not see principals"

# Filters.
s=$(events "$TOKEN" "?after=-1&types=observation&bbox=46.8,40.1,47.0,40.3")
is "$(printf '%s\n' "$s" | grep -c '^event: ')" 1 "bbox and types narrow it"
s=$(events "$TOKEN" "?after=-1&category=shots")
is "$(printf '%s\n' "$s" | grep -c '^event: ')" 0 "category narrows it"

# Live: a stream from now on gets what is written while it is held.
events "$ana" "" >"$TAP_TMP/live" &
p1=$!
sleep 0.5
r=$(TOKEN=$mon post_json /v1/observations "$(patrol 41.0)")
idx=$(body_of "$r" | jq .index)
wait $p1
is "$(ids <"$TAP_TMP/live")" "$idx" "a held stream gets the new entry at once"

# Caps: a third stream of one principal is refused.
# (A fresh principal: a stream whose client left is only found gone at
# its next write, a heartbeat at the latest.)
vie=$(token_for "$D" vie viewer)
HOLD=5 events "$vie" "" >/dev/null &
p1=$!
HOLD=5 events "$vie" "" >/dev/null &
p2=$!
sleep 1.5
r=$(TOKEN=$vie api GET /v1/events --max-time 1)
is "$(status_of "$r")" 429 "stream_max_per_principal: 429"
like "$(body_of "$r")" "stream_max_per_principal" "naming the limit"
wait $p1 $p2

# A liaison's stream: its party's complaints and what was released to it.
r=$(TOKEN=$am post_json /v1/observations '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"complaint","organisation":"AM"},"category":"explosion","location":{"lat":43,"lon":46.9}}')
is "$(status_of "$r")" 201 "the liaison files a complaint"
inc=$(TOKEN=$ana api GET "/v1/incidents?limit=100" | sed '$d' |
	jq -r '.features[] | select(.properties.kind == "observed") | .id' |
	head -1)
r=$(TOKEN=$ana post_json "/v1/incidents/$inc/state" \
	'{"to":"under_investigation","reason":"patrol sent"}')
is "$(status_of "$r")" 200 "an unreleased incident changes state"
s=$(events "$am" "?after=-1")
is "$(printf '%s\n' "$s" | grep '^event: ' | grep -vc checkpoint)" 1 \
	"the liaison sees its complaint only (and checkpoints)"
like "$s" '"organisation":"AM"' "its own complaint"
r=$(TOKEN=$ana post_json "/v1/incidents/$inc/release" \
	'{"party":"AM","reason":"shared"}')
is "$(status_of "$r")" 201 "the incident is released to AM"
s=$(events "$am" "?after=-1")
like "$s" 'event: release' "then the release reaches it"
like "$s" 'event: incident_state' "and the incident's history"

# The writer's follower takes a new observation as the applier applied it
# (id, position, incident); a restart replays the log and asks the store
# instead: the same events, byte for byte.
r=$(TOKEN=$mon post_json /v1/observations \
	"[$(patrol 40.7),$(patrol 40.7 small_arms_fire),$(patrol 40.7)]")
is "$(status_of "$r")" 201 "a batch of three observations"
evdata() { sed -n 's/^data: \({"index":\)/\1/p'; }

# Resume across a restart: Last-Event-ID gives the rest, no gap, no dup.
s=$(events "$TOKEN" "?after=-1")
last=$(printf '%s\n' "$s" | ids | tail -1)
live=$(printf '%s\n' "$s" | evdata)
like "$live" '"incident_created":false' "one joined an incident it did not make"
center_stop
center_serve "$D" || exit 1
replay=$(events "$TOKEN" "?after=-1" | evdata |
	jq -c "select(.index <= $last)" 2>/dev/null | wc -l)
is "$replay" "$(printf '%s\n' "$live" | wc -l)" "the replay has every event"
is "$(events "$TOKEN" "?after=-1" | evdata | head -n "$replay" | sha256sum)" \
	"$(printf '%s\n' "$live" | sha256sum)" \
	"a live event and its replay are the same bytes"
for lat in 41.5 42.0; do
	TOKEN=$mon post_json /v1/observations "$(patrol $lat)" >/dev/null
done
size=$(api GET /v1/health | sed '$d' | jq .log_size)
s=$(events "$TOKEN" "" -H "Last-Event-ID: $last")
is "$(printf '%s\n' "$s" | ids | tr '\n' ' ')" \
	"$(seq $((last + 1)) $((size - 1)) | tr '\n' ' ')" \
	"Last-Event-ID after a restart: the rest, exactly"

# truce events: JSON lines, resumable with --after.
out=$(TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN timeout 10 "$TRUCE_BIN" events \
	--after "$last" --count 2)
is "$(printf '%s\n' "$out" | jq -r .id | tr '\n' ' ')" \
	"$((last + 1)) $((last + 2)) " "truce events --after prints JSON lines"
is "$(printf '%s\n' "$out" | jq -r .data.type | head -1)" observation \
	"with the event's data"

center_stop
is $? 0 "the server stops with streams held"
done_testing
