#!/usr/bin/env bash
# truce audit and truce verify-receipt against real centers and witnesses
# on 127.0.0.1 (issue 3, docs/audit.md): a healthy center with two member
# witnesses passes; receipts verify offline and fail when the observation,
# the proof or the key is wrong; tampering with a center's files (an
# entry's byte and a stored hash's byte under a running center, a dropped
# entry with the record of signed checkpoints removed) and a fork of the
# log are each caught, naming the entry, tile or checkpoint; a witness
# refuses to cosign the fork; --state catches a rewritten history. On both
# backends (TRUCE_TEST_STORE=postgresql: the store is tampered with psql,
# each copy of a center has a copy of its database, tap.sh's center_copy).
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

# post_batch B N: POSTs N generated observations (batch number B).
post_batch() {
	awk -v B="$1" -v N="$2" -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	post_json /v1/observations "$(cat batch.json)" >/dev/null
}

audit() { "$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" "$@"; }

# --- two member witnesses and a center that needs both ---
W1=$("$T" keygen RU-witness --cosign --out w1.key 2>/dev/null)
W2=$("$T" keygen TR-witness --cosign --out w2.key 2>/dev/null)
out=$("$T" init A --origin example.org/audit --member RU --member TR) ||
	exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
witness_start 1 w1.key "$LOGKEY" "$TAP_TMP/wstate.1" || exit 1
witness_start 2 w2.key "$LOGKEY" "$TAP_TMP/wstate.2" || exit 1
printf 'witness = %s %s\nwitness = %s %s\n' "$WURL_1" "$W1" "$WURL_2" \
	"$W2" >>A/truce.conf
center_serve A || exit 1

# 5 observations, then a copy of the stopped center: the fork's base.
post_batch 0 5
wait_joint 6
ok $? "the center's checkpoint of size 6 became joint"
center_stop
center_copy A B || exit 1
center_serve A || exit 1
# 299 more: one full entry bundle and a partial one.
post_batch 1 294
wait_joint 300
ok $? "joint checkpoint of size 300 (cosigned by both witnesses)"
cp=$(curl -s "$URL/checkpoint")
is "$(printf '%s\n' "$cp" | grep -c '^— ')" 3 \
	"/checkpoint carries the log's signature and two cosignatures"

# --- a healthy center ---
res=$(audit --witness-key "$W1" --witness-key "$W2" --state st 2>&1)
is $? 0 "audit of the healthy center: exit 0"
like "$res" "^audit OK: example.org/audit size 300 root [A-Za-z0-9+/]{43}=, 2 of 2 cosignatures, 300 entries verified and replayed .*, 299 observations match the center" \
	"one summary line: size, root, cosignatures, entries replayed"
is "$(echo "$res" | wc -l)" 1 "exactly one line"
res=$(TRUCE_TOKEN=$TOKEN "$T" audit "$URL" --log-key "$LOGKEY" \
	--witness-key "$W2" --quorum 1 2>&1)
ok $? "--quorum 1 of one key, token from TRUCE_TOKEN"
res=$(audit --witness-key "$W1" --witness-key "$W2" --state st 2>&1)
like "$res" "consistent with size 300 saved in st" \
	"a second audit is consistent with the state"
cp -a st st300
post_batch 2 10
wait_joint 310
res=$(audit --witness-key "$W1" --witness-key "$W2" --state st 2>&1)
like "$res" "size 310 .*consistent with size 300 saved in st" \
	"after more writes: consistent with the smaller saved checkpoint"

# --- bad keys and usage ---
OTHER=$("$T" keygen other.example/log --out other.key 2>/dev/null)
res=$("$T" audit "$URL" --log-key "$OTHER" --token "$TOKEN" 2>&1)
is $? 1 "wrong log key: exit 1"
like "$res" "checkpoint: not signed by the log key" "and says so"
W3=$("$T" keygen AM-witness --cosign --out w3.key 2>/dev/null)
res=$(audit --witness-key "$W1" --witness-key "$W3" 2>&1)
is $? 1 "a witness that did not cosign: exit 1"
like "$res" "checkpoint: cosignature of AM-witness missing" \
	"names the missing cosigner"
res=$(audit --witness-key "$W1" --witness-key "$W3" --quorum 1 2>&1)
is $? 0 "--quorum 1: one of the two suffices"
res=$(audit --witness-key "$W1" --quorum 2 2>&1)
is $? 2 "--quorum above the keys given: exit 2"
res=$("$T" audit "$URL" --log-key "$LOGKEY" 2>&1)
is $? 1 "without a reader's token the bundles are refused: exit 1"
like "$res" "tile/entries/000.*answered 401" "naming the bundle and status"
res=$("$T" audit http://127.0.0.1:1 --log-key "$LOGKEY" 2>&1)
is $? 3 "nobody listening: could not complete, exit 3"

# --- receipts ---
obs='{"observed_at":"2026-01-02T03:04:05Z","source":{"type":"patrol","member":"RU","unit":"P-1"},"category":"explosion","location":{"lat":39.91,"lon":46.92,"precision_m":100}}'
printf '%s\n' "$obs" >obs.json
r=$(post_json /v1/observations "$obs")
is "$(status_of "$r")" 201 "POST one observation"
body_of "$r" >receipt.json
id=$(jq -r .id receipt.json)
res=$("$T" verify-receipt --log-key "$LOGKEY" --observation obs.json \
	receipt.json)
is $? 0 "verify-receipt of the POST answer: exit 0"
like "$res" "^receipt OK: index 310 in checkpoint of size 31[1-9] \(example.org/audit\)$" \
	"names index, size and origin"
api GET "/v1/observations/$id/receipt" | sed '$d' >receipt2.json
res=$(TRUCE_LOG_KEY=$LOGKEY "$T" verify-receipt --observation obs.json \
	<receipt2.json)
is $? 0 "the receipt from GET .../receipt, on stdin, key from the env"
printf '%s\n' "$obs" | sed 's/46.92/46.93/' >obs.moved.json
res=$("$T" verify-receipt --log-key "$LOGKEY" --observation obs.moved.json \
	receipt.json 2>&1)
is $? 1 "a modified observation: exit 1"
like "$res" "id .* is not the receipt's id" "names the id"
jq 'del(.id)' receipt.json >receipt.noid.json
res=$("$T" verify-receipt --log-key "$LOGKEY" --observation obs.moved.json \
	receipt.noid.json 2>&1)
is $? 1 "a modified observation without the id: exit 1"
like "$res" "inclusion_proof: does not prove the observation at index 310" \
	"the proof fails"
jq '.receipt.inclusion_proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="' \
	receipt.json >receipt.badproof.json
res=$("$T" verify-receipt --log-key "$LOGKEY" --observation obs.json \
	receipt.badproof.json 2>&1)
is $? 1 "a modified proof: exit 1"
like "$res" "inclusion_proof: does not prove" "names the proof"
jq '.receipt.inclusion_proof |= .[1:]' receipt.json >receipt.short.json
"$T" verify-receipt --log-key "$LOGKEY" --observation obs.json \
	receipt.short.json >/dev/null 2>&1
is $? 1 "a proof one hash short: exit 1"
res=$("$T" verify-receipt --log-key "$OTHER" --observation obs.json \
	receipt.json 2>&1)
is $? 1 "the wrong log key: exit 1"
like "$res" "checkpoint: not signed by the given log key" "names the key"
"$T" verify-receipt --observation obs.json receipt.json >/dev/null 2>&1
is $? 2 "no log key: exit 2"
"$T" verify-receipt --log-key "$LOGKEY" receipt.json >/dev/null 2>&1
is $? 1 "no observation: nothing to prove, exit 1"
wait_joint 311
res=$(audit --witness-key "$W1" --witness-key "$W2" --state st 2>&1)
like "$res" "^audit OK: .* size 311 .*consistent with size 310" \
	"audit before the tampering: size 311 saved in the state"

# --- the digest an auditor compares (GET /v1/observations/digest) ---
# Recomputed here from the listing: SHA-256 over uint64be(index) || id.
want=$(api GET '/v1/observations?limit=1000' | sed '$d' |
	jq -r '.features[] | "\(.properties.index) \(.id)"' |
	while read -r i id; do printf '%016x%s' "$i" "$id"; done |
	xxd -r -p | sha256sum | cut -d' ' -f1)
r=$(api GET '/v1/observations/digest?from=0&to=311')
is "$(status_of "$r")" 200 "GET /v1/observations/digest?from=0&to=311: 200"
is "$(body_of "$r" | jq -c '[.from, .to, .count]')" "[0,311,310]" \
	"  the range and its 310 observations"
is "$(body_of "$r" | jq -r .digest)" "$want" \
	"  SHA-256 of each index and id, as the listing has them"
r=$(api GET '/v1/observations/digest?from=7&to=7')
is "$(body_of "$r" | jq -r '"\(.count) \(.digest)"')" \
	"0 $(printf '' | sha256sum | cut -d' ' -f1)" \
	"  an empty range: the SHA-256 of nothing"
is "$(status_of "$(api GET '/v1/observations/digest?from=0')")" 400 \
	"  without to: 400"
is "$(status_of "$(api GET '/v1/observations/digest?from=0&to=1048577')")" \
	400 "  a span over 2^20 indexes: 400"
is "$(status_of "$(api GET '/v1/observations/digest?from=0&to=9&x=1')")" \
	400 "  an unknown parameter: 400"
r=$(api GET '/v1/observations/digest?from=0&to=100000')
is "$(status_of "$r")" 503 "  beyond what the store has applied: 503"
like "$(body_of "$r")" "has applied 3[0-9][0-9] log entries" "  saying how many"
center_stop
ok $? "clean stop"

# --- tampering with a stopped center's files ---
# byte offset where entry I starts (its 2-byte length), from log/index.
entry_offset() {
	[ "$2" -eq 0 ] && { echo 0; return; }
	od -An -t u8 --endian=big -j $((($2 - 1) * 8)) -N 8 "$1/log/index" |
		tr -d ' '
}
flip_byte() { # flip_byte FILE OFFSET
	local b
	b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
tampered() { # tampered NAME: a copy of A with its own store rebuilt later
	rm -rf "$1"
	center_copy A "$1"
}

# A center refuses to start on an altered log (tests/integration/
# log_damage.t), so these bytes change under a running center, as a failing
# disk or a hand inside the machine would change them.
tampered E1
off=$(entry_offset E1 150)
center_serve E1 || exit 1
flip_byte E1/log/entries $((off + 2 + 20))
res=$(audit 2>&1)
is $? 1 "a flipped byte in entry 150: exit 1"
like "$res" "entry 150 \(tile/entries/000\): leaf hash does not match tile/0/000" \
	"names the entry, its bundle and its tile"
center_stop

tampered E2
# The stored hash of leaf 150: index 150+75+37+18+9+4+2+1 (tlog/merkle.h).
center_serve E2 || exit 1
flip_byte E2/log/hashes $((296 * 32 + 7))
res=$(audit 2>&1)
is $? 1 "a flipped byte in the stored hash of entry 150: exit 1"
like "$res" "tile/0/000: hash 150 \(entry 150\) is not the leaf hash of the entry.*corrupted hash tile" \
	"names the tile and the hash, and that the entries are right"
center_stop

tampered E3
size=$(($(stat -c %s E3/log/index) / 8))
truncate -s "$(entry_offset E3 $((size - 1)))" E3/log/entries
"$T" rebuild E3 >/dev/null 2>&1
is $? 1 "rebuild refuses a log shorter than its signed checkpoints"
# An operator who also removes the record of what the log signed gets a
# center that starts; the members' audit still catches it.
rm E3/log/checkpoint.joint E3/log/checkpoint.signed
"$T" rebuild E3 >/dev/null 2>&1 # the store must follow the shorter log
cp -a st st.e3
center_serve E3 || exit 1
res=$(audit --state st.e3 2>&1)
is $? 1 "the last entry dropped: exit 1 with --state"
like "$res" "inconsistent with the checkpoint of size $size saved in st.e3: .*only $((size - 1)) entries \(entry $((size - 1)) is the first missing\)" \
	"names the first missing entry"
res=$(audit 2>&1)
ok $((($? == 0) ? 1 : 0)) "without --state the audit does not pass either"
center_stop

# The store is an index: the center's listing must match a replay.
tampered E4
if store_is_sqlite; then
	store_query E4 "DELETE FROM observation WHERE idx = 200;
		DELETE FROM observation_rtree WHERE idx = 200;"
else
	store_query E4 "DELETE FROM observation WHERE idx = 200"
fi
center_serve E4 || exit 1
res=$(audit 2>&1)
is $? 1 "an observation dropped from the center's store: exit 1"
like "$res" "observations: entry 200 \(observation [0-9a-f]{64}\) is missing from the center's listing" \
	"names the entry the listing lacks"
center_stop
tampered E5
if store_is_sqlite; then
	rnd="randomblob(32)"
else
	rnd="decode(md5(random()::text) || md5(random()::text), 'hex')"
fi
store_query E5 "INSERT INTO observation(idx, id, t_from, t_to, category,
	source_type, member, lat_e7, lon_e7, entry) SELECT 0, $rnd,
	t_from, t_to, category, source_type, member, lat_e7, lon_e7, entry
	FROM observation WHERE idx = 5;"
center_serve E5 || exit 1
res=$(audit 2>&1)
is $? 1 "an observation listed at the genesis entry's index: exit 1"
like "$res" "observations: the center lists [0-9a-f]{64} at index 0, where the log holds no observation" \
	"names the extra observation and its index"
center_stop
tampered E6
id150=$(store_query E6 "SELECT lower($(store_is_sqlite && echo 'hex(id)' ||
	echo "encode(id, 'hex')")) FROM observation WHERE idx = 150")
store_query E6 "UPDATE observation SET entry = (SELECT entry FROM
	observation WHERE idx = 151) WHERE idx = 150;"
center_serve E6 || exit 1
res=$(audit 2>&1)
is $? 1 "another observation's entry at index 150 in the center's store: exit 1"
like "$res" "observations: at index 150 the center lists [0-9a-f]{64}, the log's entry is $id150" \
	"names the index, what the center lists and what the log holds"
center_stop

# A larger center, so that the digests are halved before the listing is
# asked for: the first difference is still named.
"$T" init L --origin example.org/large --member RU --member TR >L.out ||
	exit 1
LTOKEN=$(sed -n 's/^token: //p' L.out)
LKEY=$(sed -n 's/^log key: //p' L.out)
center_serve L || exit 1
awk -v B=0 -v N=2600 -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
TOKEN=$LTOKEN api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @batch.json >/dev/null
wait_joint 2601
ok $? "a center of 2601 entries"
res=$("$T" audit "$URL" --log-key "$LKEY" --token "$LTOKEN" 2>&1)
is $? 0 "its audit passes"
like "$res" "2601 entries verified and replayed .*, 2600 observations match the center" \
	"every observation matched"
center_stop
store_query L "DELETE FROM observation WHERE idx IN (1234, 2000)"
store_is_sqlite && store_query L \
	"DELETE FROM observation_rtree WHERE idx IN (1234, 2000)"
center_serve L || exit 1
res=$("$T" audit "$URL" --log-key "$LKEY" --token "$LTOKEN" 2>&1)
is $? 1 "two observations dropped from the large center's store: exit 1"
like "$res" "observations: entry 1234 \(observation [0-9a-f]{64}\) is missing from the center's listing" \
	"names the first one"
center_stop

# --- a fork: B started from A at size 6 and took other entries ---
center_serve B || exit 1
for b in 7 8 9; do post_batch $b 1; done
post_batch 10 $((size - 9))
sleep 1
res=$(audit --witness-key "$W1" --witness-key "$W2" --state st 2>&1)
is $? 1 "audit of the fork against the state of A: exit 1"
like "$res" "inconsistent with the checkpoint of size $size saved in st: the center's joint checkpoint has only 6 entries" \
	"the fork has no joint checkpoint beyond the common prefix"
curl -s "$URL/v1/log/checkpoint" >fork.note
is "$(sed -n 2p fork.note)" "$size" "the fork's log reached size $size"
{ printf 'old %s\n\n' "$size"; cat fork.note; } >fork.same
st1=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @fork.same \
	"$WURL_1/add-checkpoint")
is "$st1" 422 "witness refuses the fork at the size it cosigned: 422"
{ printf 'old 0\n\n'; cat fork.note; } >fork.stale
st2=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @fork.stale \
	"$WURL_2/add-checkpoint")
is "$st2" 409 "witness refuses a stale old size: 409"
center_stop
# The operator drops the witnesses: the fork's checkpoint is "joint" alone.
sed -i '/^witness = /d' B/truce.conf
center_serve B || exit 1
wait_joint "$size"
res=$(audit --witness-key "$W1" --witness-key "$W2" 2>&1)
is $? 1 "the fork without cosignatures: exit 1"
like "$res" "checkpoint: cosignature of RU-witness missing" "names the witness"
cp -a st300 st.fork
res=$(audit --state st.fork 2>&1)
is $? 1 "--state: the fork rewrote history: exit 1"
like "$res" "inconsistent with the checkpoint of size 300 saved in st.fork: the first 300 entries now hash to another root \(history rewritten\); the first difference is in entries 0..255 \(tile/entries/000\)" \
	"names the first differing bundle"
res=$(audit --state st 2>&1)
like "$res" "inconsistent with the checkpoint of size $size saved in st: same size, different root \(history rewritten\); the first difference is in entries 0..255" \
	"same size, different root"
center_stop
kill -TERM "$WPID_1" "$WPID_2"
wait "$WPID_1" && wait "$WPID_2"
ok $? "both witnesses stop cleanly"
done_testing
