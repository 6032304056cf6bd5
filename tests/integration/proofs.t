#!/usr/bin/env bash
# GET /v1/log/proof/inclusion as the log grows (issue: proofs served per
# second): every answer verifies (truce tlog inclusion --verify) against the
# signed checkpoint of its size, for the current size and for older ones,
# before and after the log outgrows the mappings of its hash file (128 KiB
# of stored hashes, about 2,048 entries, then 512 KiB, about 8,192), across
# more sizes than the route keeps provers for, and after a restart; the
# answer keeps its exact form; bad index and size are 400 problem+json
# naming the field.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

center_init C || exit 1
center_serve C || exit 1

batches=0
# grow N: POSTs N more (distinct) observations in batches of at most 1000.
grow() {
	local left=$1 n r
	while [ "$left" -gt 0 ]; do
		n=$((left < 1000 ? left : 1000))
		awk -v B=$((batches + 7000)) -v N="$n" \
			-f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
		r=$(post_json /v1/observations @batch.json)
		[ "$(status_of "$r")" = 201 ] || { diag "POST: $r"; return 1; }
		batches=$((batches + 1))
		left=$((left - n))
	done
}

# checkpoint: waits for the signed checkpoint of the log's size and sets
# CP_SIZE and CP_ROOT from it.
checkpoint() {
	local want i cp
	want=$(curl -s "$URL/v1/health" | jq .log_size)
	for i in $(seq 1 200); do
		cp=$(curl -s "$URL/v1/log/checkpoint")
		[ "$(printf '%s\n' "$cp" | sed -n 2p)" = "$want" ] && break
		sleep 0.05
	done
	CP_SIZE=$(printf '%s\n' "$cp" | sed -n 2p)
	CP_ROOT=$(printf '%s\n' "$cp" | sed -n 3p)
}

# proves SIZE ROOT INDEX...: 0 if the proof of each INDEX in the tree of
# SIZE has that size, index and root and verifies; names the first that
# does not.
proves() {
	local size=$1 root=$2 i a
	shift 2
	for i in "$@"; do
		a=$(curl -s "$URL/v1/log/proof/inclusion?index=$i&size=$size")
		if [ "$(printf '%s' "$a" | jq -c '[.index, .size, .root]')" != \
		    "[$i,$size,\"$root\"]" ]; then
			diag "index $i size $size: $a"
			return 1
		fi
		printf '%s' "$a" | jq -r '.proof[]' >proof
		if ! "$T" tlog inclusion --verify --index "$i" --size "$size" \
		    --leaf-hash "$(printf '%s' "$a" | jq -r .leaf_hash)" \
		    --root "$root" --base64 <proof >/dev/null; then
			diag "index $i size $size does not verify: $a"
			return 1
		fi
	done
}

grow 1000
checkpoint
S1=$CP_SIZE R1=$CP_ROOT
proves "$S1" "$R1" 0 1 $((S1 / 2)) $((S1 - 2)) $((S1 - 1))
ok $? "size $S1: proofs of the first, middle and last entries verify against its checkpoint"

a=$(curl -s -D headers "$URL/v1/log/proof/inclusion?index=1&size=3")
like "$a" '^\{"index":1,"size":3,"leaf_hash":"[A-Za-z0-9+/]{43}=","root":"[A-Za-z0-9+/]{43}=","proof":\["[A-Za-z0-9+/]{43}=","[A-Za-z0-9+/]{43}="\]\}$' \
	"the answer's exact form: compact JSON, keys in order, base64 hashes"
like "$(tr -d '\r' <headers)" $'Content-Type: application/json\nCache-Control: no-store' \
	"served as application/json, no-store"
is "$(curl -s "$URL/v1/log/proof/inclusion?index=0&size=1" | jq -c .proof)" \
	'[]' "size 1: the empty proof"

grow 2500 # past 4,096 stored hashes: the first remap
checkpoint
S2=$CP_SIZE R2=$CP_ROOT
proves "$S2" "$R2" 0 2047 2048 $((S2 - 1))
ok $? "size $S2 (remapped once): proofs verify against its checkpoint"
proves "$S1" "$R1" 3 $((S1 - 1))
ok $? "and proofs in the older tree of size $S1 still verify against its checkpoint"

grow 6000 # past 16,384 stored hashes: the second remap
checkpoint
S3=$CP_SIZE R3=$CP_ROOT
proves "$S3" "$R3" 0 4095 8191 $((S3 - 1))
ok $? "size $S3 (remapped twice): proofs verify against its checkpoint"
proves "$S2" "$R2" $((S2 - 1))
ok $? "size $S2 again"

# More sizes than the route keeps provers for (8), each asked twice; each
# size's root is tied to the checkpoint of S3 by a consistency proof.
bad=0
for round in 1 2; do
	for k in $(seq 1 12); do
		s=$((S3 - k * 97))
		r=$(curl -s "$URL/v1/log/proof/inclusion?index=0&size=$s" |
			jq -r .root)
		[ "$round" = 1 ] && eval "root_$k=$r"
		eval "[ \"\$root_$k\" = \"$r\" ]" || bad=$((bad + 1))
		proves "$s" "$r" $((s - 1)) >/dev/null || bad=$((bad + 1))
		[ "$round" = 1 ] || continue
		curl -s "$URL/v1/log/proof/consistency?from=$s&to=$S3" |
			jq -r '.proof[]' >cproof
		"$T" tlog consistency --verify --from "$s" --to "$S3" \
			--root1 "$r" --root2 "$R3" --base64 <cproof >/dev/null ||
			bad=$((bad + 1))
	done
done
is "$bad" 0 "12 sizes asked twice (provers replaced in between): the same roots, consistent with the checkpoint of $S3, proofs verify"

center_stop
center_serve C || exit 1
proves "$S3" "$R3" 5 $((S3 - 1)) && proves "$S1" "$R1" 7
ok $? "after a restart the reopened log proves the same trees"

# Refusals: 400 problem+json that names the field and the log's size.
r=$(NO_TOKEN=1 api GET "/v1/log/proof/inclusion?index=$S3&size=$S3")
is "$(status_of "$r")" 400 "index = size: 400"
like "$(body_of "$r" | jq -r .detail)" "^index: .* \\(the log holds $S3 entries\\)$" \
	"the detail names index and the log's size"
r=$(NO_TOKEN=1 api GET "/v1/log/proof/inclusion?index=0&size=$((S3 + 1))")
like "$(status_of "$r") $(body_of "$r" | jq -r .detail)" "^400 size: " \
	"a size beyond the log: 400 naming size"
r=$(NO_TOKEN=1 api GET "/v1/log/proof/inclusion?index=0")
like "$(status_of "$r") $(body_of "$r" | jq -r .detail)" "^400 size: is required" \
	"no size: 400 size is required"
r=$(NO_TOKEN=1 api GET "/v1/log/proof/inclusion?index=x1&size=5")
like "$(status_of "$r") $(body_of "$r" | jq -r .detail)" "^400 index: " \
	"a non-number index: 400 naming index"
ctype=$(curl -s -o /dev/null -w '%{content_type}' \
	"$URL/v1/log/proof/inclusion?index=-1&size=5")
is "$ctype" "application/problem+json" "refusals are application/problem+json"

done_testing
