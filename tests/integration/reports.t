#!/usr/bin/env bash
# The center's products against the real server (docs/products.md):
# drafting daily and spot reports through `truce report`, their counts
# checked against an independent computation from the API's incidents,
# determinism (the same log prefix drafts the same bytes, also after a
# replay), supersession by a late observation, who may draft and read,
# the renderings, and the joint release: members sign on their own
# machines with their own keys, the release comes when the genesis rule
# is met, and every wrong signature is refused.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
# fontconfig's caches live as long as the process (tests/lib/lsan.supp).
export LSAN_OPTIONS="suppressions=$TRUCE_TOP/tests/lib/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

cd "$TAP_TMP" || exit 1
for m in RU TR KZ; do
	"$TRUCE_BIN" keygen "$m" --out "$m.key" >"$m.vkey" 2>/dev/null
done
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/products \
	--member "RU=$(cat RU.vkey)" --member "TR=$(cat TR.vkey)" \
	--party AM --party AZ)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
is "$(grep -c '^report_cutoff = 19:30' "$D/truce.conf")" 1 \
	"truce.conf has the cut-off, 19:30 by default"
center_serve "$D" || exit 1
ADMIN=$TOKEN
ana=$(token_for "$D" ana analyst)
vie=$(token_for "$D" vie viewer)
lia=$(token_for "$D" lia liaison --party AM)
RUA=$(token_for "$D" ru-a assessor --member RU)
TRA=$(token_for "$D" tr-a assessor --member TR)
mon=$(token_for "$D" mon monitor --member RU)

# The daily report of 2026-11-20 in Asia/Baku (UTC+4) covers
# 2026-11-19T15:30Z to 2026-11-20T15:30Z.
FROM_MS=$(date -ud 2026-11-19T15:30:00Z +%s)000
TO_MS=$(date -ud 2026-11-20T15:30:00Z +%s)000

# obs TIME LAT CATEGORY COUNT QUALIFIER UNIT: one observation's JSON.
obs() {
	printf '{"observed_at":"%s","source":{"type":"patrol","member":"RU","unit":"%s"},"category":"%s","count":{"value":%d,"qualifier":"%s"},"location":{"lat":%s,"lon":46.9,"precision_m":100}}' \
		"$1" "$6" "$3" "$4" "$5" "$2"
}
cats=(explosion burst_or_shot muzzle_flash illumination_flare)
quals=(exact about at_least)
body="["
for i in $(seq 1 40); do
	# Hours from 2026-11-18T12:00Z: some before the period, most inside,
	# some after it; each far from the others (its own incident).
	t=$(date -ud "2026-11-18T12:00:00Z + $((i * 2)) hours" +%Y-%m-%dT%H:%M:%SZ)
	[ "$i" -gt 1 ] && body+=","
	body+=$(obs "$t" "$((35 + i / 10)).$((i % 10))" "${cats[$((i % 4))]}" \
		"$((i % 7 + 1))" "${quals[$((i % 3))]}" "P-$i")
done
# A second patrol reporting the first one's explosion: one incident,
# never counted twice.
t=$(date -ud "2026-11-18T12:00:00Z + 30 hours" +%Y-%m-%dT%H:%M:%SZ)
body+=,$(obs "$t" 36.5 "${cats[3]}" 9 exact P-99)
r=$(TOKEN=$mon post_json /v1/observations "$body]")
is "$(status_of "$r")" 201 "41 observations"

# A complaint by the party AM inside the period.
r=$(TOKEN=$lia post_json /v1/observations '{"observed_at":"2026-11-20T06:00:00Z","source":{"type":"complaint","organisation":"AM"},"category":"explosion","count":{"value":5,"qualifier":"about"},"location":{"lat":38.1,"lon":46.9,"precision_m":1000},"narrative":"shelling"}')
is "$(status_of "$r")" 201 "a complaint from AM"

# ---- drafting --------------------------------------------------------------
draft=$("$TRUCE_BIN" report draft daily --date 2026-11-20 --server "$URL" \
	--token "$ana")
ok $? "an analyst drafts the daily report"
ID=$(printf '%s\n' "$draft" | sed -n 's/^id: //p')
like "$ID" '^[0-9a-f]{64}$' "its id is a SHA-256"
like "$draft" 'number: Daily Report 324/2026' "numbered by the day of the year"
like "$draft" 'period: 2026-11-19T15:30:00Z to 2026-11-20T15:30:00Z' \
	"the period: 19:30 Baku the day before to 19:30 Baku"
like "$draft" 'state: draft' "a draft"

r=$(TOKEN=$vie api GET "/v1/reports/$ID")
is "$(status_of "$r")" 200 "a viewer reads it"
ENV=$(body_of "$r")
is "$(printf '%s' "$ENV" | jq -jcS .report | sha256sum | cut -c1-64)" "$ID" \
	"its id is the SHA-256 of its canonical bytes"

# The counts against a computation made here from the API's incidents.
incs=$(TOKEN=$vie api GET "/v1/incidents?limit=1000" | sed '$d')
sel='[.features[] | select(.properties.kind == "observed") | select(
	(.properties.time_window.from | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000 >= '$FROM_MS' and
	(.properties.time_window.from | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000 < '$TO_MS')]'
want_n=$(printf '%s' "$incs" | jq "$sel | length")
want_ev=$(printf '%s' "$incs" | jq "$sel | map(.properties.count.value) | add")
ok $((want_n < 8)) "the period holds $want_n incidents"
is "$(printf '%s' "$ENV" | jq .report.summary.total.incidents)" "$want_n" \
	"total incidents as computed from the API"
is "$(printf '%s' "$ENV" | jq .report.summary.total.events)" "$want_ev" \
	"total events (fusion's counts, never summed across sources)"
for c in "${cats[@]}"; do
	wn=$(printf '%s' "$incs" | jq "$sel | map(select(.properties.category == \"$c\")) | length")
	is "$(printf '%s' "$ENV" | jq ".report.summary.by_category[] | select(.category == \"$c\") | .incidents")" \
		"$wn" "$c: $wn incidents"
done
is "$(printf '%s' "$ENV" | jq '.report.annex | length')" "$want_n" \
	"the annex lists every incident of the period"
is "$(printf '%s' "$ENV" | jq -r '.report.complaints[0].party')" AM \
	"complaints by party"
ok "$(printf '%s' "$ENV" | jq -e '.report.sources | map(.unit) | index("P-99") != null' >/dev/null; echo $?)" \
	"the second patrol is among the sources"

# ---- determinism -----------------------------------------------------------
again=$("$TRUCE_BIN" report draft daily --date 2026-11-20 --server "$URL" \
	--token "$ana")
is "$(printf '%s\n' "$again" | sed -n 's/^id: //p')" "$ID" \
	"drafting again from the same log prefix: the same report"
like "$again" 'drafted already' "said so"
r=$(TOKEN=$ana post_json /v1/reports '{"kind":"daily","date":"2026-11-20"}')
is "$(status_of "$r")" 200 "POST of the same draft: 200, nothing appended"

# ---- the renderings -----------------------------------------------------------
r=$(TOKEN=$vie api GET "/v1/reports/$ID.html" -o srv.html)
is "$(status_of "$r")" 200 "the HTML rendering"
h1=$(sha256sum <srv.html)
TOKEN=$vie api GET "/v1/reports/$ID" -H 'Accept: text/html' -o srv2.html >/dev/null
is "$(sha256sum <srv2.html)" "$h1" "Accept: text/html gives the same bytes"
r=$(TOKEN=$vie api GET "/v1/reports/$ID" -H 'Accept: text/html')
like "$(body_of "$r")" "SHA-256 <code>$ID</code>" "its footer names the hash"
like "$(body_of "$r")" "log size [0-9]+" "and the log size"
like "$(body_of "$r")" "draft: not signed" "and the signature status"
r=$(TOKEN=$vie api GET "/v1/reports/$ID.svg")
is "$(status_of "$r")" 200 "the SVG map"
like "$(body_of "$r")" '<svg xmlns' "is SVG"
# The line of contact (the first line layer) drawn dashed and named in the
# legend; the other line layers (the 1991 oblast's and the international
# boundaries) drawn as borders, not as lines of contact.
like "$(body_of "$r")" 'class="boundary"' "the SVG map draws borders apart"
like "$(body_of "$r")" '>Ceasefire Line 1994</text>' \
	"its legend names the line of contact"
"$TRUCE_BIN" report get "$ID" --format html --out r.html --server "$URL" \
	--token "$vie"
is "$(sha256sum <r.html)" "$h1" "truce report get renders the same HTML"

# ---- who may draft and read ---------------------------------------------------
r=$(TOKEN=$vie post_json /v1/reports '{"kind":"daily","date":"2026-11-20"}')
is "$(status_of "$r")" 403 "a viewer may not draft"
r=$(TOKEN=$lia api GET "/v1/reports/$ID")
is "$(status_of "$r")" 404 "a liaison does not see a draft"
is "$(TOKEN=$lia api GET /v1/reports | sed '$d' | jq '.reports | length')" 0 \
	"nor list it"
r=$(TOKEN=$ana post_json /v1/reports '{"kind":"daily","date":"2026-02-30"}')
is "$(status_of "$r")" 422 "a date that does not exist: 422"
like "$(body_of "$r")" '/date' "naming the field"
r=$(TOKEN=$ana post_json /v1/reports '{"kind":"spot","incidents":["inc-ffffffffffffffffffffffff"],"narrative":"x"}')
is "$(status_of "$r")" 422 "a spot report of no incident: 422"

# ---- spot report -------------------------------------------------------------
INC1=$(printf '%s' "$ENV" | jq -r '.report.annex[0].incident')
spot=$("$TRUCE_BIN" report draft spot --incident "$INC1" \
	--narrative "Over 2,300 explosions between 05:30 and 11:30." \
	--server "$URL" --token "$ana")
ok $? "a spot report"
like "$spot" 'number: Spot Report 1/2026' "numbered in its year"
SPOT=$(printf '%s\n' "$spot" | sed -n 's/^id: //p')
is "$(TOKEN=$vie api GET "/v1/reports/$SPOT" | sed '$d' | jq -r '.report.observations[0].source.type')" \
	patrol "with its observations and their sources"

# ---- a late observation supersedes the draft ----------------------------------
r=$(TOKEN=$mon post_json /v1/observations "$(obs 2026-11-20T09:00:00Z 30.1 explosion 3 exact P-late)")
is "$(status_of "$r")" 201 "a late observation inside the period"
late=$("$TRUCE_BIN" report draft daily --date 2026-11-20 --server "$URL" \
	--token "$ana")
ID2=$(printf '%s\n' "$late" | sed -n 's/^id: //p')
ok $([ "$ID2" != "$ID" ] && [ -n "$ID2" ]; echo $?) "the new draft has a new hash"
is "$(TOKEN=$vie api GET "/v1/reports/$ID" | sed '$d' | jq -r .state)" \
	superseded "the old draft is superseded, not altered"
is "$(TOKEN=$vie api GET "/v1/reports/$ID2" | sed '$d' | jq .report.summary.total.incidents)" \
	$((want_n + 1)) "the new draft counts the late incident"
list=$("$TRUCE_BIN" report list --server "$URL" --token "$vie")
is "$(printf '%s\n' "$list" | grep -c .)" 3 "truce report list: 3 reports"
is "$(TOKEN=$vie api GET '/v1/reports?state=draft&kind=daily' | sed '$d' | jq -r '.reports[].id')" \
	"$ID2" "?state=draft&kind=daily"

# ---- the joint release --------------------------------------------------------
sign() { # sign MEMBER TOKEN ID [ARGS]
	local m=$1 t=$2 id=$3
	shift 3
	"$TRUCE_BIN" report sign "$id" --key "$m.key" --server "$URL" \
		--token "$t" "$@"
}
out=$(sign RU "$TRA" "$ID2" 2>&1)
ok $((! $?)) "RU's note through TR's assessor: refused"
like "$out" '403' "403 (wrong member)"
out=$(sign KZ "$RUA" "$ID2" 2>&1)
ok $((! $?)) "a key of no member: refused"
out=$(sign RU "$RUA" "$ID" 2>&1)
ok $((! $?)) "signing a superseded draft: refused"
like "$out" 'superseded' "409: superseded"

# A note for RU signed by TR's key (wrong key), and a note whose hash was
# altered: made by hand as a member's machine would.
note_for() { # note_for KEY MEMBER ID NUMBER
	printf '{"decision":"sign","member":"%s","number":"%s","report":"%s","signed_at_ms":1800000000000,"type":"report_signature","v":1}\n' \
		"$2" "$4" "$3" | "$TRUCE_BIN" note sign "$1"
}
NUM=$(TOKEN=$vie api GET "/v1/reports/$ID2" | sed '$d' | jq -r .number)
note_for TR.key RU "$ID2" "$NUM" >wrongkey.note
r=$(TOKEN=$RUA api POST "/v1/reports/$ID2/signatures" \
	-H 'Content-Type: text/plain; charset=utf-8' \
	--data-binary @wrongkey.note)
is "$(status_of "$r")" 403 "RU's note signed by TR's key: 403"
# Another hash: the first hex digit changed (0 -> 1, anything else -> 0).
case $ID2 in 0*) ALT=1${ID2#?} ;; *) ALT=0${ID2#?} ;; esac
note_for RU.key RU "$ALT" "$NUM" >altered.note
r=$(TOKEN=$RUA api POST "/v1/reports/$ID2/signatures" \
	-H 'Content-Type: text/plain; charset=utf-8' \
	--data-binary @altered.note)
is "$(status_of "$r")" 422 "a note of an altered hash: 422"
like "$(body_of "$r")" 'altered' "says so"

out=$(sign RU "$RUA" "$ID2")
ok $? "RU signs on its own machine"
like "$out" 'state: draft' "one of two: still a draft"
TOKEN=$vie api GET "/v1/reports/$ID2" | sed '$d' | jq -j '.signatures[0].note' >replay.note
r=$(TOKEN=$RUA api POST "/v1/reports/$ID2/signatures" \
	-H 'Content-Type: text/plain; charset=utf-8' --data-binary @replay.note)
is "$(status_of "$r")" 409 "RU's note again (a replay): 409"
like "$(body_of "$r")" 'replay' "says so"
r=$(TOKEN=$lia api GET "/v1/reports/$ID2")
is "$(status_of "$r")" 404 "not released: a liaison still sees nothing"
out=$(sign TR "$TRA" "$ID2")
ok $? "TR signs"
like "$out" 'state: released' "the rule (all) is met: released"
ENV2=$(TOKEN=$vie api GET "/v1/reports/$ID2" | sed '$d')
REL=$(printf '%s' "$ENV2" | jq .state_index)
size=$(curl -s "$URL/checkpoint" | sed -n 2p)
TOKEN=$vie api GET "/tile/entries/000.p/$size" -o tile.bin >/dev/null
ok $(($(grep -ac '"action":"release"' tile.bin) < 1)) "a release entry is in the log"
is "$(printf '%s' "$ENV2" | jq -r '[.signatures[].member] | join(",")')" RU,TR \
	"signed by RU and TR"
r=$(TOKEN=$lia api GET "/v1/reports/$ID2")
is "$(status_of "$r")" 200 "released: the liaison reads it"
r=$(TOKEN=$vie api GET "/v1/reports/$ID2.html")
like "$(body_of "$r")" "released, signed by RU and TR, log index $REL" \
	"every rendering says released, by whom, at which index"

# A member refuses the spot report, with its reason: under "all" it can
# no longer be released.
out=$(sign RU "$RUA" "$SPOT" --refuse "the narrative overstates the count")
like "$out" 'decision: refuse' "RU refuses the spot report"
like "$out" 'state: refused' "under all members, the report is refused"
out=$(sign TR "$TRA" "$SPOT" 2>&1)
ok $((! $?)) "a refused report takes no more signatures"
is "$(TOKEN=$vie api GET "/v1/reports/$SPOT" | sed '$d' | jq -r '.signatures[0].reason')" \
	"the narrative overstates the count" "the refusal's reason is on the record"

# ---- verify-report offline -----------------------------------------------------
"$TRUCE_BIN" report get "$ID2" --format json --out rel.json --server "$URL" \
	--token "$vie"
"$TRUCE_BIN" report get "$ID2" --format html --out rel.html --server "$URL" \
	--token "$vie"
genesis=$(TOKEN=$vie api GET /tile/entries/000 | sed '$d' | head -c 100000 |
	tr -d '\000' | grep -ao '{"admin[^\n]*' | head -1)
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" >v.out 2>&1
ok $? "verify-report: the JSON checks out offline"
like "$(cat v.out)" 'signed by RU and TR' "naming the signers"
"$TRUCE_BIN" verify-report rel.html --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" >/dev/null 2>&1
ok $? "verify-report: so does the HTML"
jq -c '.report.summary.total.incidents += 1' rel.json >bad.json
"$TRUCE_BIN" verify-report bad.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" >v.out 2>&1
ok $((! $?)) "a count changed in the JSON: refused"
like "$(cat v.out)" 'does not match' "the content's hash does not match"
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat KZ.vkey)" >v.out 2>&1
ok $((! $?)) "against keys that did not sign: refused"
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" >v.out 2>&1
ok $? "--log-key: the release is proved in the log the log key signed"
like "$(cat v.out)" 'released at log index [0-9]+, included in the checkpoint of size [0-9]+' \
	"naming its index and the checkpoint"
jq -c '.release.entry |= sub("\"release\""; "\"relax\"")' rel.json >badrel.json
"$TRUCE_BIN" verify-report badrel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" >v.out 2>&1
ok $((! $?)) "a release entry altered: refused"
jq -c '.release.receipt.inclusion_proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="' rel.json >badproof.json
"$TRUCE_BIN" verify-report badproof.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" >v.out 2>&1
ok $((! $?)) "its proof altered: refused"
like "$(cat v.out)" "the release's proof" "saying so"
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$(cat KZ.vkey)" >v.out 2>&1
ok $((! $?)) "another log key: refused"

# ---- verify-report online (--server) and against a held checkpoint ------------
"$TRUCE_BIN" verify-report rel.html --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" >v.out 2>&1
ok $((! $?)) "the HTML holds no proof of release: offline, refused"
"$TRUCE_BIN" verify-report rel.html --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" --server "$URL" \
	--token "$vie" >v.out 2>&1
ok $? "--server: the release's entry and proof fetched from the center"
like "$(cat v.out)" "released at log index $REL, included .*proof from the center" \
	"naming the release's index"
# The genesis entry (entry 0), as a member keeps it: the log's first JSON.
python3 -c 'import json,sys; b=open(sys.argv[1],"rb").read().decode("utf-8","replace"); print(json.dumps(json.JSONDecoder().raw_decode(b[b.index("{"):])[0]))' \
	"$D/log/entries" >genesis.json
"$TRUCE_BIN" verify-report rel.html --genesis genesis.json --server "$URL" \
	--token "$vie" >v.out 2>&1
ok $? "--server with --genesis: the log's key is the genesis entry's"
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --server "$URL" --token "$vie" >v.out 2>&1
is $? 2 "--server without the log's key: a usage error"
"$TRUCE_BIN" report get "$SPOT" --format json --out spot.json --server "$URL" \
	--token "$vie"
"$TRUCE_BIN" verify-report spot.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" --server "$URL" \
	--token "$vie" >v.out 2>&1
ok $((! $?)) "--server: a report the center did not release is refused"
jq -r .release.receipt.checkpoint rel.json >own.cp
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" --checkpoint own.cp \
	>v.out 2>&1
ok $? "--checkpoint: the release is in a checkpoint held here (offline: its own proof)"
TOKEN=$vie api GET /v1/log/checkpoint | sed '$d' >latest.cp
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" --checkpoint latest.cp \
	--server "$URL" --token "$vie" >v.out 2>&1
ok $? "--checkpoint with --server: in the latest checkpoint, by the center's proof for its size"
like "$(cat v.out)" "checkpoint of size $(sed -n 2p latest.cp) .*the checkpoint given" \
	"that checkpoint's size"
awk 'NR == 3 { $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' own.cp >forged.cp
"$TRUCE_BIN" verify-report rel.json --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" --log-key "$LOGKEY" --checkpoint forged.cp \
	>v.out 2>&1
ok $((! $?)) "--checkpoint: a checkpoint with another root is refused"

# ---- PDF and PNG --------------------------------------------------------------
r=$(TOKEN=$vie api GET "/v1/reports/$ID2.pdf" -o rel.pdf)
is "$(status_of "$r")" 200 "the PDF rendering"
is "$(head -c 5 rel.pdf)" "%PDF-" "is a PDF"
TOKEN=$vie api GET "/v1/reports/$ID2" -H 'Accept: application/pdf' -o rel2.pdf >/dev/null
is "$(sha256sum <rel2.pdf)" "$(sha256sum <rel.pdf)" "the same bytes twice (Accept: application/pdf)"
"$TRUCE_BIN" report get "$ID2" --format pdf --out cli.pdf --server "$URL" \
	--token "$vie"
is "$(sha256sum <cli.pdf)" "$(sha256sum <rel.pdf)" "truce report get renders the same PDF"
pdftotext -layout rel.pdf rel.txt 2>/dev/null
like "$(cat rel.txt)" "Daily Report 324/2026" "the PDF's text holds the number"
total=$(printf '%s' "$ENV2" | jq -r '.report.summary.total | "all +\(.incidents) +(about |at least )?\(.events)"')
like "$(cat rel.txt)" "$total" "and the totals ($(printf '%s' "$ENV2" | jq -c '.report.summary.total | [.incidents, .events]'))"
like "$(cat rel.txt)" "released, signed by RU and TR, log index $REL" "and the release"
like "$(pdfinfo rel.pdf 2>/dev/null | grep CreationDate)" "Nov 20 .*2026" \
	"created at the period's end, not now"
pdftoppm -png -r 40 -f 1 -l 2 rel.pdf page >/dev/null 2>&1
ok $([ -s page-1.png ] && [ -s page-2.png ]; echo $?) "its pages render (pdftoppm)"
r=$(TOKEN=$vie api GET "/v1/reports/$ID2.png" -o map.png)
is "$(status_of "$r")" 200 "the map as PNG"
is "$(head -c 8 map.png | od -An -c | tr -d ' ')" '211PNG\r\n032\n' "is a PNG"
"$TRUCE_BIN" verify-report rel.pdf --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" >v.out 2>&1
ok $? "verify-report: the PDF checks out offline"
size=$(stat -c %s rel.pdf)
cp rel.pdf bad.pdf
printf 'X' | dd of=bad.pdf bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
"$TRUCE_BIN" verify-report bad.pdf --member-key "$(cat RU.vkey)" \
	--member-key "$(cat TR.vkey)" >v.out 2>&1
ok $((! $?)) "one byte of the PDF changed: refused"
like "$(cat v.out)" 'FAILED' "with a clear message: $(head -c 120 v.out)"

# ---- replay: the store rebuilt from the log drafts the same bytes ----------
center_stop
"$TRUCE_BIN" rebuild "$D" >/dev/null 2>&1
ok $? "truce rebuild"
center_serve "$D" || exit 1
is "$(TOKEN=$vie api GET "/v1/reports/$ID2" | sed '$d' | jq -r .state)" \
	released "after a replay the report is released"
r=$(TOKEN=$ana post_json /v1/reports '{"kind":"daily","date":"2026-11-20"}')
is "$(body_of "$r" | jq -r .id)" "$ID2" \
	"a replay's draft of the same prefix: the same hash"
done_testing
