#!/usr/bin/env bash
# Durability: kill -9 the server in the middle of a stream of writes from
# several clients, restart it, and find every acknowledged observation
# present, the log intact and the store equal to a replay of the log.
# `truce rebuild` writes its store in bulk (STORE_BULK: no journal file, no
# sync until one fsync at the end): the store it swaps in is sound, nothing
# is left beside it, a partial store.db.new of a killed rebuild is replaced,
# and the center serves the rebuilt store in WAL mode.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D" || exit 1
center_serve "$D" || exit 1

# writer W: posts batches of 20 distinct observations until the server dies;
# appends the ids of acknowledged (2xx) answers to acked.W.
writer() {
	local w=$1 b=0 body i r
	while :; do
		body="["
		for i in $(seq 0 19); do
			[ $i -gt 0 ] && body+=","
			body+=$(printf '{"observed_at":"2026-11-21T08:%02d:%02dZ","source":{"type":"acoustic_sensor","member":"TR","unit":"w%d-b%d"},"category":"explosion","location":{"lat":39.%04d,"lon":46.%04d}}' \
				$((b % 60)) $((i % 60)) "$w" "$b" $((b % 10000)) $((i * 7 % 10000)))
		done
		body+="]"
		r=$(curl -s -m 10 -X POST -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' --data-binary "$body" \
			-w '\n%{http_code}' "$URL/v1/observations") || break
		[ "$(status_of "$r")" = 201 ] || break
		body_of "$r" | jq -r '.results[].id' >>"$TAP_TMP/acked.$w"
		b=$((b + 1))
	done
}

for round in 1 2; do
	for w in 1 2 3; do writer "$round$w" & done
	# Kill in the middle of the stream: once acknowledgements flow (the
	# machine may be slow, so wait for them rather than for a fixed time).
	for _ in $(seq 1 300); do
		[ "$(cat "$TAP_TMP"/acked.* 2>/dev/null | wc -l)" -ge $((round * 60)) ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	wait
	acked=$(cat "$TAP_TMP"/acked.* | sort -u | wc -l)
	ok $((acked < 20)) "round $round: writers got acknowledgements ($acked)"
	center_serve "$D"
	ok $? "round $round: restart after kill -9"
	missing=0
	for id in $(cat "$TAP_TMP"/acked.* | sort -u); do
		s=$(curl -s -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $TOKEN" "$URL/v1/observations/$id")
		[ "$s" = 200 ] || missing=$((missing + 1))
	done
	is "$missing" 0 "round $round: every acknowledged observation is present"
done

size=$(curl -s "$URL/v1/health" | jq .log_size)
center_stop
ok $? "clean stop"
# Log intact: every entry readable, lengths consistent, index agrees.
entries=$D/log/entries
index=$D/log/index
isz=$(stat -c %s "$index")
is "$((isz / 8))" "$size" "index holds log_size entries"
last=$(od -An -t u8 --endian=big -j $((isz - 8)) -N 8 "$index" | tr -d ' ')
is "$last" "$(stat -c %s "$entries")" "entries end where the index says"
out=$("$TRUCE_BIN" rebuild "$D")
like "$out" "from $size log entries" "rebuild replays every entry"
n=$(sqlite3 "$D/store.db" 'select count(*) from observation' 2>/dev/null || echo skip)
if [ "$n" != skip ]; then
	is "$n" "$((size - 1))" "store holds every logged observation"
	# The rebuild wrote in bulk (no journal file, no sync until the end)
	# and synced a complete file: sound, and nothing left beside it.
	is "$(sqlite3 "$D/store.db" 'pragma integrity_check')" ok \
		"the rebuilt store passes SQLite's integrity check"
fi
[ ! -e "$D/store.db.new" ]
ok $? "no store.db.new left by the rebuild"
# What a rebuild killed midway leaves (a partial store.db.new) is removed
# by the next one, which swaps in a complete store.
head -c 70000 /dev/urandom >"$D/store.db.new"
out=$("$TRUCE_BIN" rebuild "$D" 2>&1)
like "$out" "from $size log entries" "a rebuild over a partial store.db.new"
[ ! -e "$D/store.db.new" ]
ok $? "and it is gone"
center_serve "$D"
is "$(curl -s "$URL/v1/health" | jq .log_size)" "$size" \
	"the rebuilt center serves every entry"
center_stop
if [ "$n" != skip ]; then
	is "$(sqlite3 "$D/store.db" 'pragma journal_mode')" wal \
		"served, the rebuilt store is in WAL mode again"
fi
done_testing
