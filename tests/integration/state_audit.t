#!/usr/bin/env bash
# truce audit compares the whole state (issue 15, docs/audit.md step 5):
# a center whose incidents were placed, moved, assessed, ruled on and
# tasked audits clean, with its state rows counted; then its store.db is
# doctored with sqlite3, one thing at a time (an incident's state, a
# ruling in an incident's trail, an incident's count, a source's status
# statement), and each time the audit fails (exit 1) naming exactly that
# incident or statement, the field, the center's value and the replay's.
# An alert rule's state (who added it, disabled or not) is a kind too: a
# rule doctored in the store is named. GET /v1/state/digest itself: its
# kinds, its limits, and the size it answers at.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

cd "$TAP_TMP" || exit 1
for m in RU TR; do
	"$TRUCE_BIN" keygen "$m" --out "$m.key" >"$m.vkey" 2>/dev/null
done
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/state --member "RU=$(cat RU.vkey)" \
	--member "TR=$(cat TR.vkey)")
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve "$D" || exit 1

# Six observations 11 km apart: six incidents, INC[1..6].
body="["
for i in 1 2 3 4 5 6; do
	[ "$i" -gt 1 ] && body+=","
	body+=$(printf '{"observed_at":"2026-11-20T08:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"P-%d"},"category":"explosion","location":{"lat":39.%d,"lon":46.9,"precision_m":100}}' \
		"$i" "$i" "$i")
done
post_json /v1/observations "$body]" >/dev/null
INC=("" $(api GET "/v1/incidents?limit=100" | sed '$d' | jq -r '.features[].id'))
is "${#INC[@]}" 7 "fusion made six incidents"

ana=$(token_for "$D" ana analyst)
RUA=$(token_for "$D" ru-a assessor --member RU)
TRA=$(token_for "$D" tr-a assessor --member TR)
token_for "$D" p12 monitor --member RU >/dev/null
assess() { # assess TOKEN MEMBER INCIDENT VERDICT
	"$TRUCE_BIN" assess "$3" --verdict "$4" --attribution unknown \
		--confidence moderate --rationale "by $2" --key "$2.key" \
		--server "$URL" --token "$1" >/dev/null
}
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[1]}/state" \
	'{"to":"under_investigation","reason":"triage"}')
is "$(status_of "$r")" 200 "incident 1 is under investigation"
assess "$RUA" RU "${INC[2]}" violation
assess "$TRA" TR "${INC[2]}" violation
is "$(TOKEN=$ana api GET "/v1/incidents/${INC[2]}" | sed '$d' |
	jq -r .properties.state)" agreed_violation \
	"incident 2: both members assessed a violation, the rule agreed"
r=$(TOKEN=$ana post_json "/v1/incidents/${INC[3]}/tasks" \
	'{"unit":"p12","kind":"crater_analysis","description":"measure","due":"2026-12-01T12:00:00Z"}')
is "$(status_of "$r")" 201 "incident 3 has a task"
r=$(TOKEN=$ana post_json /v1/sources/cam-3/status \
	'{"type":"camera","member":"RU","status":"down","reason":"power cut","from":"2026-11-19T20:00:00Z","to":"2026-11-20T04:00:00Z"}')
is "$(status_of "$r")" 201 "camera cam-3 states it was down"
r=$(TOKEN=$ana post_json /v1/alerts/rules \
	'{"name":"explosions","when":{"categories":["explosion"],"min_count":3,"window_s":600}}')
is "$(status_of "$r")" 201 "an analyst adds an alert rule"
RULE1=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$ana post_json /v1/alerts/rules '{"name":"spare","when":{"categories":["small_arms_fire"]}}')
RULE2=$(body_of "$r" | jq -r .id)
r=$(TOKEN=$ana api DELETE "/v1/alerts/rules/$RULE2")
is "$(status_of "$r")" 200 "  and disables a second one, $RULE2"

size=$(curl -s "$URL/v1/health" | jq .log_size)
wait_joint "$size"
ok $? "the checkpoint covers the $size entries"

audit() { "$TRUCE_BIN" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" "$@"; }

# --- the digests as served ---
r=$(api GET "/v1/state/digest?kind=rules&from=0&to=$size&size=$size&rows=1")
is "$(body_of "$r" | jq -c '[.count, .rows[0].name, .rows[0].row.by, .rows[0].row.entry.name, .rows[0].row.disabled_index, .rows[1].name, .rows[1].row.disabled_by]')" \
	"[2,\"$RULE1\",\"ana\",\"explosions\",null,\"$RULE2\",\"ana\"]" \
	"rules: both, by whom, the entry, the second one disabled"
d=$(api GET "/v1/state/digest?kind=incidents&from=0&to=$size&size=$size" | sed '$d')
is "$(printf '%s' "$d" | jq .count)" 6 "the incidents' digest counts six rows"
like "$(printf '%s' "$d" | jq -r .digest)" '^[0-9a-f]{64}$' "  and is 64 hex"
r=$(api GET "/v1/state/digest?kind=states&from=0&to=$size&size=$size&rows=1")
is "$(body_of "$r" | jq '[.rows[].name] | sort' -c)" \
	"$(printf '["%s","%s","%s"]' "${INC[1]}" "${INC[2]}" "${INC[3]}" |
		jq -c sort)" \
	"states: rows=1 lists incidents 1-3, those with a state or a trail"
r=$(api GET "/v1/state/digest?kind=tasks&from=0&to=$size&size=$size&rows=1")
is "$(body_of "$r" | jq -r '.rows[0].row.tasks[0].unit')" p12 \
	"tasks: incident 3's task, as the API shows it"
r=$(api GET "/v1/state/digest?kind=sources&from=0&to=$size&size=$size&rows=1")
is "$(body_of "$r" | jq -c '[.count, .rows[0].name, .rows[0].row.status, .rows[0].row.reason]')" \
	'[1,"cam-3","down","power cut"]' \
	"sources: cam-3's statement, as the daily report lists it"
r=$(api GET "/v1/state/digest?kind=nothing&from=0&to=1&size=$size")
is "$(status_of "$r")" 400 "an unknown kind: 400"
like "$(body_of "$r")" "kind: one of incidents.* sources, rules is required" \
	"  naming the kinds"
r=$(api GET "/v1/state/digest?kind=incidents&from=0&to=2000&size=3000&rows=1")
is "$(status_of "$r")" 400 "rows over more than 1000 indexes: 400"
r=$(api GET "/v1/state/digest?kind=incidents&from=0&to=1&size=1")
is "$(status_of "$r")" 409 "a size the store is past: 409"
r=$(api GET "/v1/state/digest?kind=incidents&from=0&to=1")
is "$(status_of "$r")" 400 "without size: 400"
r=$(NO_TOKEN=1 api GET "/v1/state/digest?kind=incidents&from=0&to=1&size=$size")
is "$(status_of "$r")" 401 "without a token: 401"

# --- an untouched center audits clean ---
res=$(audit 2>&1)
is $? 0 "the untouched center audits clean"
like "$res" "^audit OK: e.org/state size $size .*, 6 observations match the center, [0-9]+ state rows match the center, [0-9.]+ s$" \
	"the summary counts the state rows"
res=$(audit --observations-only 2>&1)
is $? 0 "--observations-only: exit 0"
like "$res" "6 observations match the center, [0-9.]+ s$" \
	"  without the state rows"

center_stop
# The doctoring below is SQL on store.db; another store is not doctored.
if ! store_is_sqlite; then
	skip 13 "store.db is doctored with sqlite3; the store is $TRUCE_TEST_STORE"
	done_testing
	exit
fi
cp -a "$D" "$TAP_TMP/clean"

# doctor NAME SQL: a fresh copy of the clean center with SQL run on its
# store, served; the audit's answer in RES, its exit status in RC.
doctor() {
	center_stop 2>/dev/null
	rm -rf "$D"
	cp -a "$TAP_TMP/clean" "$D"
	sqlite3 "$D/store.db" "$2" >/dev/null || echo "# sqlite3 failed: $2"
	center_serve "$D" || exit 1
	RES=$(audit 2>&1)
	RC=$?
}

doctor state "UPDATE incident_state SET state = 'closed' WHERE incident = '${INC[1]}'"
is "$RC" 1 "an incident's state changed in the store: exit 1"
like "$RES" "FAILED: states: incident ${INC[1]} \(index [0-9]+\): state: the center has \"closed\", the replay has \"under_investigation\"$" \
	"  names incident 1, the field, both values"

doctor ruling "UPDATE incident_event SET to_state = 'agreed_no_violation' WHERE incident = '${INC[2]}' AND to_state = 'agreed_violation'"
is "$RC" 1 "a ruling changed in an incident's trail: exit 1"
like "$RES" "FAILED: states: incident ${INC[2]} \(index [0-9]+\): trail\[[0-9]+\]\.to: the center has \"agreed_no_violation\", the replay has \"agreed_violation\"$" \
	"  names incident 2 and the ruling"

doctor count "UPDATE incident SET count = 99 WHERE id = '${INC[3]}'"
is "$RC" 1 "an incident's count changed: exit 1"
like "$RES" "FAILED: incidents: incident ${INC[3]} \(index [0-9]+\): count: the center has 99, the replay has 1$" \
	"  names incident 3, count, 99 against 1"

doctor extra "INSERT INTO release VALUES('${INC[4]}', 'AM', 5)"
is "$RC" 1 "a release the log never made: exit 1"
like "$RES" "FAILED: tasks: the center has incident ${INC[4]} \(index [0-9]+\), which the replay does not$" \
	"  names incident 4 as extra"

doctor source "UPDATE source_status SET status = 'operational' WHERE unit = 'cam-3'"
is "$RC" 1 "a source's status changed in the store: exit 1"
like "$RES" "FAILED: sources: source cam-3 \(index [0-9]+\): status: the center has \"operational\", the replay has \"down\"$" \
	"  names the source, the field, both values"

doctor source_gone "DELETE FROM source_status"
is "$RC" 1 "a source's statement missing from the store: exit 1"
like "$RES" "FAILED: sources: source cam-3 \(index [0-9]+\) is missing from the center$" \
	"  names the statement the center lost"

doctor rule "UPDATE alert_rule SET disabled_idx = NULL, disabled_by = NULL"
is "$RC" 1 "a disabled rule enabled again in the store: exit 1"
like "$RES" "FAILED: rules: rule $RULE2 \(index [0-9]+\): disabled_by: the center has null, the replay has \"ana\"$" \
	"  names the rule, the field, both values"

doctor rule_gone "DELETE FROM alert_rule WHERE idx = ${RULE1#rule-}"
is "$RC" 1 "a rule missing from the store: exit 1"
like "$RES" "FAILED: rules: rule $RULE1 \(index [0-9]+\) is missing from the center$" \
	"  names the rule the center lost"

doctor none "SELECT 1"
is "$RC" 0 "the clean copy still audits clean"

center_stop
done_testing
