#!/usr/bin/env bash
# Joint verification against the real server, on incidents fusion makes
# of observations: every state transition,
# legal and illegal; members' signed assessments made by `truce assess` on
# the "members' machines" (their keys never reach the center) and every
# way a note is refused (wrong key, right key under another member's name,
# forged, truncated, replayed); rulings under 2 of 3 and under all;
# disputes keeping every view; tasks and the queue; releases and what a
# liaison may read; the history against the log's bytes and inclusion
# proofs.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

cd "$TAP_TMP" || exit 1
for m in RU TR KZ; do
	"$TRUCE_BIN" keygen "$m" --out "$m.key" >"$m.vkey" 2>/dev/null
done
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/jv --member "RU=$(cat RU.vkey)" \
	--member "TR=$(cat TR.vkey)" --member "KZ=$(cat KZ.vkey)" \
	--rule 2-of-3 --party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
conf_set "$D" escalation_tiers duty_officers,joint_commission

center_serve "$D" || exit 1

# make_incidents N: N observations 11 km apart, each of which fusion makes
# an incident of; their ids, in creation order, go to INC[1..N].
make_incidents() {
	local i body="[" page
	for i in $(seq 1 "$1"); do
		[ "$i" -gt 1 ] && body+=","
		body+=$(printf '{"observed_at":"2026-11-20T%02d:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"P-%d"},"category":"explosion","location":{"lat":%s,"lon":46.9,"precision_m":100}}' \
			$((8 + i / 60)) $((i % 60)) "$i" "$((35 + i / 10)).$((i % 10))")
	done
	post_json /v1/observations "$body]" >/dev/null
	page=$(api GET "/v1/incidents?limit=1000" | sed '$d')
	INC=("" $(printf '%s' "$page" | jq -r '.features[].id'))
}
make_incidents 80
is "${#INC[@]}" 81 "fusion made 80 incidents of 80 observations far apart"
NOINC=inc-ffffffffffffffffffffffff

ana=$(token_for "$D" ana analyst)
RUA=$(token_for "$D" ru-a assessor --member RU)
TRA=$(token_for "$D" tr-a assessor --member TR)
KZA=$(token_for "$D" kz-a assessor --member KZ)
lia=$(token_for "$D" lia liaison --party AM)
p12=$(token_for "$D" p12 monitor --member RU)

# assess TOKEN MEMBER INCIDENT VERDICT [ATTRIBUTION] [more truce assess args]
assess() {
	local tok=$1 m=$2 inc=$3 v=$4 a=${5:-unknown}
	shift 5 2>/dev/null || shift $#
	"$TRUCE_BIN" assess "$inc" --verdict "$v" --attribution "$a" \
		--confidence moderate --rationale "assessed by $m" --key "$m.key" \
		--server "$URL" --token "$tok" "$@"
}
move() { # move INCIDENT TO [DUPLICATE_OF]: the analyst's POST
	local body
	body=$(jq -cn --arg to "$2" --arg d "${3:-}" '{to:$to,reason:"triage"} + (if $d == "" then {} else {duplicate_of:$d} end)')
	TOKEN=$ana post_json "/v1/incidents/$1/state" "$body"
}
state_of() { TOKEN=$ana api GET "/v1/incidents/$1" | sed '$d' | jq -r .properties.state; }

# to_state INCIDENT STATE: brings a received incident to STATE.
to_state() {
	local i=$1
	case $2 in
	received) ;;
	under_investigation | awaiting_assessment) move "$i" "$2" >/dev/null ;;
	agreed_violation)
		assess "$RUA" RU "$i" violation AM >/dev/null
		assess "$TRA" TR "$i" violation AM >/dev/null ;;
	agreed_no_violation)
		assess "$RUA" RU "$i" no_violation >/dev/null
		assess "$TRA" TR "$i" no_violation >/dev/null ;;
	unverifiable)
		assess "$RUA" RU "$i" unverifiable >/dev/null
		assess "$KZA" KZ "$i" unverifiable >/dev/null ;;
	disputed)
		assess "$RUA" RU "$i" violation AM >/dev/null
		assess "$TRA" TR "$i" no_violation >/dev/null
		assess "$KZA" KZ "$i" unverifiable >/dev/null ;;
	escalated) to_state "$i" disputed; move "$i" escalated >/dev/null ;;
	closed) to_state "$i" agreed_violation; move "$i" closed >/dev/null ;;
	duplicate) move "$i" duplicate ${INC[80]} >/dev/null ;;
	esac
}

states="received under_investigation awaiting_assessment agreed_violation agreed_no_violation unverifiable disputed escalated closed duplicate"
legal=" received>under_investigation received>awaiting_assessment received>duplicate under_investigation>awaiting_assessment under_investigation>duplicate awaiting_assessment>under_investigation awaiting_assessment>duplicate agreed_violation>escalated agreed_violation>closed agreed_no_violation>escalated agreed_no_violation>closed unverifiable>escalated unverifiable>closed disputed>escalated disputed>closed escalated>escalated escalated>closed "

# Every transition: one incident per state takes every illegal move (which
# changes nothing), a fresh one per legal move.
n=0
for from in $states; do
	n=$((n + 1))
	holder=${INC[$n]}
	to_state "$holder" "$from"
	is "$(state_of "$holder")" "$from" "$holder is brought to $from"
	for to in $states; do
		[[ "$legal" == *" $from>$to "* ]] && continue
		r=$(move "$holder" "$to" "$([ "$to" = duplicate ] && echo ${INC[80]})")
		st=$(status_of "$r")
		ok $((st != 409 && st != 422)) "$from -> $to refused ($st)"
	done
	is "$(state_of "$holder")" "$from" "illegal moves left $from unchanged"
done
m=40
for pair in $legal; do
	from=${pair%>*}
	to=${pair#*>}
	m=$((m + 1))
	i=${INC[$m]}
	to_state "$i" "$from"
	r=$(move "$i" "$to" "$([ "$to" = duplicate ] && echo ${INC[80]})")
	is "$(status_of "$r")" 200 "$from -> $to allowed"
	is "$(state_of "$i")" "$to" "$i is now $to"
done
r=$(move ${INC[30]} under_investigation)
r=$(TOKEN=$ana post_json /v1/incidents/${INC[30]}/state '{"to":"under_investigation"}')
is "$(status_of "$r")" 422 "a move without a reason: 422"
like "$(body_of "$r")" '/reason' "naming the field"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[30]}/state '{"to":"under_investigation","reason":"   "}')
is "$(status_of "$r")" 422 "white space is no reason"
r=$(move ${INC[30]} agreed_violation)
is "$(status_of "$r")" 422 "an analyst cannot rule"
like "$(body_of "$r")" "assessments" "rulings come from the assessments"
r=$(move ${INC[30]} duplicate)
is "$(status_of "$r")" 422 "a duplicate without duplicate_of: 422"
r=$(move ${INC[30]} duplicate $NOINC)
is "$(status_of "$r")" 422 "a duplicate of nothing: 422"
r=$(move $NOINC under_investigation)
is "$(status_of "$r")" 404 "an unknown incident: 404"
r=$(TOKEN=$p12 post_json /v1/incidents/${INC[30]}/state '{"to":"closed","reason":"x"}')
is "$(status_of "$r")" 403 "a monitor may not move incidents"
r=$(move ${INC[8]} escalated)
is "$(status_of "$r")" 200 "escalated to the second tier"
is "$(TOKEN=$ana api GET /v1/incidents/${INC[8]} | sed '$d' | jq -r '.properties.tier_name')" \
	joint_commission "tier 2: joint_commission"
r=$(move ${INC[8]} escalated)
is "$(status_of "$r")" 409 "no tier above the last"
like "$(body_of "$r")" "escalation_tiers" "saying so"

# Assessments: the happy path and every refusal.
out=$(assess "$RUA" RU ${INC[31]} violation AM --evidence "$(printf '%064d' 1)")
like "$out" 'revision: 1' "truce assess signs and submits revision 1"
like "$out" 'state: awaiting_assessment' "the first assessment: awaiting_assessment"
ok $([ ! -e "$D/keys/RU.key" ]; echo $?) "RU's private key is not at the center"
note() { # note KEYFILE MEMBER INCIDENT REVISION VERDICT: a signed note, dry run
	"$TRUCE_BIN" assess "$3" --verdict "$5" --attribution AM --confidence low \
		--rationale r --key "$1" --revision "$4" --dry-run 2>/dev/null |
		sed "s/\"member\":\"[A-Z]*\"/\"member\":\"$2\"/"
}
post_note() { # post_note TOKEN INCIDENT FILE
	TOKEN=$1 api POST "/v1/incidents/$2/assessments" \
		-H 'Content-Type: text/plain; charset=utf-8' --data-binary @"$3"
}
"$TRUCE_BIN" assess ${INC[31]} --verdict violation --attribution AM --confidence low \
	--rationale r --key TR.key --revision 1 --dry-run >tr-own.note
sed 's/"member":"TR"/"member":"RU"/' tr-own.note >wrongkey.note
r=$(post_note "$RUA" ${INC[31]} wrongkey.note)
is "$(status_of "$r")" 403 "RU's assessor with a note signed by TR's key: 403"
like "$(body_of "$r")" "registered key of RU" "not RU's registered key"
"$TRUCE_BIN" assess ${INC[31]} --verdict violation --attribution AM --confidence low \
	--rationale r --key RU.key --revision 2 --dry-run >ru2.note
sed 's/"member":"RU"/"member":"TR"/' ru2.note >ru-as-tr.note
r=$(post_note "$RUA" ${INC[31]} ru-as-tr.note)
is "$(status_of "$r")" 403 "RU's key under TR's name, by RU's assessor: 403"
like "$(body_of "$r")" "assessor of RU may not" "an assessor acts for its member only"
r=$(post_note "$TRA" ${INC[31]} ru-as-tr.note)
is "$(status_of "$r")" 403 "RU's key under TR's name, by TR's assessor: 403"
like "$(body_of "$r")" "registered key of TR" "not TR's registered key"
r=$(post_note "$TRA" ${INC[31]} tr-own.note)
is "$(status_of "$r")" 201 "TR's own note by TR's assessor: 201"
sed 's/"verdict":"violation"/"verdict":"no_violation"/' ru2.note >forged.note
r=$(post_note "$RUA" ${INC[31]} forged.note)
is "$(status_of "$r")" 403 "a forged note (verdict changed after signing): 403"
like "$(body_of "$r")" "forged" "as forged"
head -c 100 ru2.note >trunc.note
r=$(post_note "$RUA" ${INC[31]} trunc.note)
is "$(status_of "$r")" 422 "a truncated note: 422"
head -n 1 ru2.note >unsigned.note
r=$(post_note "$RUA" ${INC[31]} unsigned.note)
is "$(status_of "$r")" 422 "an unsigned text: 422"
r=$(post_note "$TRA" ${INC[31]} tr-own.note)
is "$(status_of "$r")" 409 "replaying TR's note: 409"
like "$(body_of "$r")" "replay" "as a replay"
r=$(post_note "$RUA" ${INC[32]} ru2.note)
is "$(status_of "$r")" 422 "a note about ${INC[31]} posted to ${INC[32]}: 422"
r=$(TOKEN=$RUA api POST /v1/incidents/${INC[31]}/assessments -H 'Content-Type: application/json' --data-binary @ru2.note)
is "$(status_of "$r")" 415 "a note must be text/plain"
r=$(post_note "$ana" ${INC[31]} ru2.note)
is "$(status_of "$r")" 403 "an analyst may not assess"

# 2 of 3: RU and TR agreed on ${INC[31]} (violation by AM).
is "$(state_of ${INC[31]})" agreed_violation "RU and TR agree: agreed_violation (2 of 3)"
out=$(assess "$KZA" KZ ${INC[31]} no_violation 2>&1)
like "$out" "before a ruling" "no assessment after the ruling"
# Revisions and a dispute.
assess "$RUA" RU ${INC[33]} violation AM >/dev/null
assess "$TRA" TR ${INC[33]} no_violation >/dev/null
is "$(state_of ${INC[33]})" awaiting_assessment "RU and TR differ: KZ decides"
out=$(assess "$RUA" RU ${INC[33]} unverifiable)
like "$out" 'revision: 2' "RU revises (revision 2)"
r=$(TOKEN=$ana api GET /v1/incidents/${INC[33]}/assessments)
is "$(body_of "$r" | jq -c '[.assessments[] | [.member, .revision, .verdict]]')" \
	'[["RU",1,"violation"],["TR",1,"no_violation"],["RU",2,"unverifiable"]]' \
	"both revisions stay on the record"
assess "$KZA" KZ ${INC[33]} violation AZ >/dev/null
is "$(state_of ${INC[33]})" disputed "three verdicts: disputed"
r=$(TOKEN=$ana api GET /v1/incidents/${INC[33]})
is "$(body_of "$r" | jq -c '[.properties.assessments[] | [.member, .verdict, .attribution]]')" \
	'[["KZ","violation","AZ"],["RU","unverifiable","unknown"],["TR","no_violation","unknown"]]' \
	"every member's latest view, side by side"
like "$(body_of "$r" | jq -r '.properties.assessments[0].note')" "— KZ " "each with its signed note"
is "$(body_of "$r" | jq -c .properties.rule)" '{"k":2,"kind":"k_of_n","n":3}' "and the rule"

# Tasks and queues.
r=$(TOKEN=$ana post_json /v1/incidents/${INC[34]}/tasks '{"unit":"p12","kind":"crater_analysis","description":"measure the crater","due":"2026-12-01T12:00:00Z"}')
is "$(status_of "$r")" 201 "an analyst tasks p12"
task=$(body_of "$r" | jq -r .index)
r=$(TOKEN=$ana post_json /v1/incidents/${INC[34]}/tasks '{"unit":"nobody","kind":"uav_flight","description":"x","due":"2026-12-01T12:00:00Z"}')
is "$(status_of "$r")" 422 "a task for an unknown unit: 422"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[34]}/tasks '{"unit":"p12","kind":"picnic","description":"x","due":"2026-12-01T12:00:00Z"}')
like "$(body_of "$r")" '/kind' "a bad kind names the field"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[34]}/tasks '{"unit":"p12","kind":"uav_flight","description":"x"}')
like "$(body_of "$r")" '/due' "a task needs a due time"
r=$(TOKEN=$p12 api GET /v1/queue)
is "$(body_of "$r" | jq -c '[.queue[] | [.kind, .incident, .task]]')" "[[\"task\",\"${INC[34]}\",$task]]" \
	"p12's queue: its task"
r=$(TOKEN=$KZA api GET /v1/queue)
is "$(body_of "$r" | jq -r '[.queue[] | .incident] | join(",")')" \
	"${INC[3]},${INC[42]},${INC[44]}" "KZ's assessor's queue: incidents awaiting KZ, oldest first"
r=$(TOKEN=$ana api GET /v1/queue)
like "$(body_of "$r" | jq -r '[.queue[] | .kind + ":" + .incident] | join(",")')" \
	"escalate:${INC[7]}.*escalate:${INC[33]}" "the analysts' queue: disputes to escalate, oldest first"
r=$(TOKEN=$RUA post_json "/v1/tasks/$task/done" '{}')
is "$(status_of "$r")" 403 "another principal may not close p12's task"
r=$(TOKEN=$p12 post_json "/v1/tasks/$task/done" '{"note":"122 mm, from the east"}')
is "$(status_of "$r")" 200 "p12 marks it done"
r=$(TOKEN=$p12 post_json "/v1/tasks/$task/done" '{}')
is "$(status_of "$r")" 409 "done twice: 409"
r=$(TOKEN=$p12 api GET /v1/queue)
is "$(body_of "$r" | jq '.queue | length')" 0 "p12's queue is empty"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[34]}/tasks '{"unit":"p12","kind":"uav_flight","description":"fly over","due":"2026-12-01T12:00:00Z"}')
task2=$(body_of "$r" | jq -r .index)
r=$(TOKEN=$p12 post_json "/v1/tasks/$task2/done" '{}')
is "$(status_of "$r")" 200 "done without a note: the note is optional"

# Releases: a liaison reads only what was released to its party.
r=$(TOKEN=$lia api GET /v1/incidents/${INC[33]})
is "$(status_of "$r")" 404 "a liaison cannot read an unreleased incident"
r=$(TOKEN=$lia api GET /v1/incidents/${INC[33]}/history)
is "$(status_of "$r")" 404 "nor its history"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[33]}/release '{"party":"AM","reason":"for the party'"'"'s comment"}')
is "$(status_of "$r")" 201 "an analyst releases ${INC[33]} to AM"
r=$(TOKEN=$ana post_json /v1/incidents/${INC[33]}/release '{"party":"QQ","reason":"x"}')
is "$(status_of "$r")" 422 "to an unknown party: 422"
r=$(TOKEN=$lia api GET /v1/incidents/${INC[33]})
is "$(status_of "$r")" 200 "now AM's liaison reads it"
is "$(body_of "$r" | jq -c .properties.released_to)" '["AM"]' "released_to lists AM"
r=$(TOKEN=$lia api GET /v1/incidents/${INC[31]})
is "$(status_of "$r")" 404 "but still not ${INC[31]}"
r=$(TOKEN=$lia api GET "/v1/incidents?limit=1000")
is "$(body_of "$r" | jq -r '[.features[].id] | join(",")')" "${INC[33]}" \
	"a liaison's list holds only what was released to its party"
r=$(TOKEN=$ana api GET "/v1/incidents?limit=1000")
is "$(body_of "$r" | jq '.features | length')" 80 "an analyst's list holds all 80"

# The history against the log.
r=$(TOKEN=$ana api GET /v1/incidents/${INC[33]}/history)
is "$(status_of "$r")" 200 "GET history"
h=$(body_of "$r")
is "$(printf '%s' "$h" | jq -c '[.history[] | .kind + (if .to then ":" + .to else "" end)]')" \
	'["observation","assessment","state:awaiting_assessment","assessment","assessment","assessment","state:disputed","release"]' \
	"every step: the observation fusion placed, assessments, the states they caused, the release"
size=$(printf '%s' "$h" | jq .log_size)
root=$(TOKEN=$ana api GET "/v1/log/proof/inclusion?index=0&size=$size" | sed '$d' | jq -r .root)
curl -s -H "Authorization: Bearer $TOKEN" "$URL/tile/entries/000.p/$size" >bundle
# entry_bytes I: the raw bytes of log entry I from the entry bundle.
entry_bytes() {
	local off=0 k len
	for ((k = 0; k <= $1; k++)); do
		len=$(od -An -tu1 -j "$off" -N2 bundle | awk '{print $1 * 256 + $2}')
		[ "$k" -eq "$1" ] && { tail -c +$((off + 3)) bundle | head -c "$len"; return; }
		off=$((off + 2 + len))
	done
}
steps=$(printf '%s' "$h" | jq '.history | length')
good=0
for k in $(seq 0 $((steps - 1))); do
	idx=$(printf '%s' "$h" | jq -r ".history[$k].index")
	entry_bytes "$idx" >e.bin
	leaf=$( { printf '\0'; cat e.bin; } | sha256sum | cut -c1-64 | xxd -r -p | base64 -w0)
	same=$(jq -cS . e.bin)
	[ "$same" = "$(printf '%s' "$h" | jq -cS ".history[$k].entry")" ] || continue
	[ "$leaf" = "$(printf '%s' "$h" | jq -r ".history[$k].leaf_hash")" ] || continue
	TOKEN=$ana api GET "/v1/log/proof/inclusion?index=$idx&size=$size" | sed '$d' |
		jq -r '.proof[]' >proof
	"$TRUCE_BIN" tlog inclusion --verify --index "$idx" --size "$size" \
		--leaf-hash "$leaf" --root "$root" --base64 <proof >/dev/null || continue
	good=$((good + 1))
done
is "$good" "$steps" "each step's entry is the log's, its leaf hash the RFC 6962 hash, and its inclusion proof verifies"
p1=$(TOKEN=$ana api GET "/v1/incidents/${INC[33]}/history?limit=3" | sed '$d')
is "$(printf '%s' "$p1" | jq -c '[(.history | length), .next]')" '[3,3]' "history pages: 3 steps, next 3"
p2=$(TOKEN=$ana api GET "/v1/incidents/${INC[33]}/history?limit=1000&cursor=3" | sed '$d')
is "$(jq -cn --argjson a "$p1" --argjson b "$p2" '[$a.history[], $b.history[]] | map(.index)')" \
	"$(printf '%s' "$h" | jq -c '[.history[].index]')" "the pages put together are the whole trail"
is "$(printf '%s' "$p2" | jq -c .next)" null "the last page has no next"
r=$(TOKEN=$ana api GET "/v1/incidents/${INC[33]}/history?limit=5000")
is "$(status_of "$r")" 400 "a history page over 1000: 400"
cp_root=$(curl -s "$URL/v1/log/checkpoint" | sed -n 3p)
ok $([ -n "$root" ]; echo $?) "against root $root"

# Rebuild: the same incidents and verification state, replayed from the log.
before=$(TOKEN=$ana api GET "/v1/incidents/${INC[33]}" | sed '$d' | jq -S .properties)
center_stop
"$TRUCE_BIN" rebuild "$D" >/dev/null
center_serve "$D" || exit 1
is "$(TOKEN=$ana api GET "/v1/incidents/${INC[33]}" | sed '$d' | jq -S .properties)" "$before" \
	"rebuild gives the same state, views and releases"
center_stop

# Under "all": two members must both agree.
E=$TAP_TMP/all
out=$("$TRUCE_BIN" init "$E" --origin e.org/all --member "RU=$(cat RU.vkey)" --member "TR=$(cat TR.vkey)")
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
center_serve "$E" || exit 1
make_incidents 3
ana=$(token_for "$E" ana analyst)
RUA=$(token_for "$E" ru-a assessor --member RU)
TRA=$(token_for "$E" tr-a assessor --member TR)
assess "$RUA" RU "${INC[1]}" violation AM >/dev/null
is "$(state_of "${INC[1]}")" awaiting_assessment "all: one of two is not a ruling"
assess "$TRA" TR "${INC[1]}" violation AM >/dev/null
is "$(state_of "${INC[1]}")" agreed_violation "all: both agree"
assess "$RUA" RU "${INC[2]}" violation AM >/dev/null
assess "$TRA" TR "${INC[2]}" violation AZ >/dev/null
is "$(state_of "${INC[2]}")" disputed "all: the same verdict, different attribution: disputed"
r=$(TOKEN=$ana api GET "/v1/incidents/${INC[2]}")
is "$(body_of "$r" | jq -c '[.properties.assessments[] | .member + ":" + .attribution]')" '["RU:AM","TR:AZ"]' \
	"both views kept (RU: AM, TR: AZ)"
center_stop
done_testing
