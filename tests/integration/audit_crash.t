#!/usr/bin/env bash
# Crashes during sequencing and cosigning (issue 3): kill -9 the server and
# one member's witness while writers stream observations and the center
# collects cosignatures; restart both and find the tree, the joint
# checkpoints and the witnesses' state consistent (truce audit with --state
# passes after every round, each witness's recorded checkpoint is one the
# log proves) and no acknowledged observation missing.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

# restart_witness N: witness N (key wN.key, state wstate.N), on the same
# port across restarts once known.
restart_witness() {
	local u
	eval "u=\${WURL_$1:-}"
	witness_start "$1" "w$1.key" "$LOGKEY" "wstate.$1" \
		"${u:+${u#http://}}"
}

# writer W: batches of 20 observations until the server dies; appends the
# ids of acknowledged batches to acked.W.
writer() {
	local w=$1 b=0 r
	while :; do
		awk -v B=$((w * 1000 + b)) -v N=20 \
			-f "$TRUCE_TOP/bench/ledger/gen.awk" >"body.$w"
		r=$(curl -s -m 10 -X POST -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' \
			--data-binary @"body.$w" -w '\n%{http_code}' \
			"$URL/v1/observations") || break
		[ "$(status_of "$r")" = 201 ] || break
		body_of "$r" | jq -r '.results[].id' >>"acked.$w"
		b=$((b + 1))
	done
}

"$T" keygen RU-witness --cosign --out w1.key >w1.vkey 2>/dev/null
"$T" keygen TR-witness --cosign --out w2.key >w2.vkey 2>/dev/null
out=$("$T" init C --origin example.org/crash --member RU --member TR) ||
	exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
restart_witness 1 || exit 1
restart_witness 2 || exit 1
printf 'witness = %s %s\nwitness = %s %s\n' "$WURL_1" "$(cat w1.vkey)" \
	"$WURL_2" "$(cat w2.vkey)" >>C/truce.conf
center_serve C || exit 1
audit() {
	"$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" \
		--witness-key "$(cat w1.vkey)" --witness-key "$(cat w2.vkey)" \
		--state st 2>&1
}
wait_joint 1 60
res=$(audit)
is $? 0 "audit before the crashes"

for round in 1 2; do
	writers=()
	for w in 1 2 3; do
		writer "$round$w" &
		writers+=("$!")
	done
	# Kill once acknowledgements flow (a loaded machine is slow to start).
	for i in $(seq 1 100); do
		[ "$(cat acked.$round* 2>/dev/null | wc -l)" -ge 60 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -KILL "$SERVER_PID" "$WPID_1"
	wait "$SERVER_PID" "$WPID_1" 2>/dev/null
	wait "${writers[@]}"
	acked=$(cat acked.* | sort -u | wc -l)
	ok $((acked < 20)) "round $round: writers got acknowledgements ($acked)"
	restart_witness 1
	ok $? "round $round: witness 1 restarts after kill -9"
	center_serve C
	ok $? "round $round: the center restarts after kill -9"
	size=$(curl -s "$URL/v1/health" | jq .log_size)
	wait_joint "$size" 60
	ok $? "round $round: both witnesses cosign again up to size $size"
	missing=0
	for id in $(cat acked.* | sort -u); do
		s=$(curl -s -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $TOKEN" "$URL/v1/observations/$id")
		[ "$s" = 200 ] || missing=$((missing + 1))
	done
	is "$missing" 0 "round $round: every acknowledged observation is present"
	res=$(audit)
	is $? 0 "round $round: audit with --state passes"
	like "$res" "consistent with size [0-9]+ saved in st" \
		"round $round: consistent with the previous audit"
	# Each witness's record is a checkpoint of this log: the log proves
	# the root it recorded at the size it recorded.
	for n in 1 2; do
		f=$(ls wstate.$n/*.state)
		wsize=$(sed -n 2p "$f")
		wroot=$(sed -n 3p "$f")
		root1=$(curl -s "$URL/v1/log/proof/consistency?from=$wsize&to=$size" |
			jq -r .root1)
		is "$root1" "$wroot" "round $round: witness $n's state (size $wsize) is a checkpoint of the log"
	done
done
center_stop
ok $? "clean stop"
kill -TERM "$WPID_1" "$WPID_2"
wait "$WPID_1" && wait "$WPID_2"
ok $? "witnesses stop cleanly"
done_testing
