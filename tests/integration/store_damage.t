#!/usr/bin/env bash
# A lost or damaged store (issue 17, "Faults": "Store corruption or loss is
# recovered with `truce rebuild`, and `truce serve` says so instead of
# failing obscurely"). store.db is only an index of the log
# (docs/storage.md). For each damage of a stopped center's store.db —
# deleted, emptied, cut to one page, garbage in place of its header, pages
# of garbage in its middle, all garbage — `truce serve` either starts and
# serves every observation (the store re-made from the log) or exits 1
# with a message naming `truce rebuild` and the center; then `truce
# rebuild` gives a center that serves the same observations and that
# `truce audit` passes.
. "$TRUCE_TOP/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

out=$("$T" init S --origin damage.example/log --member RU) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve S || exit 1
body="["
for i in $(seq 0 299); do
	[ "$i" -gt 0 ] && body+=","
	body+=$(printf '{"observed_at":"2025-03-01T%02d:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"u%d"},"category":"explosion","location":{"lat":39.%03d,"lon":46.%03d}}' \
		$((i / 60)) $((i % 60)) "$i" "$((100 + i))" "$((200 + i))")
done
is "$(status_of "$(post_json /v1/observations "$body]")")" 201 \
	"300 observations written"
ids() { api GET '/v1/observations?limit=1000' | sed '$d' | jq -r '.features[].id' | sort; }
want=$(ids)
is "$(wc -l <<<"$want")" 300 "and listed"
center_stop
cp -a S S.good

# damage NAME COMMAND: a fresh copy of the good center, damaged by COMMAND
# (run in the center's directory), then serve, then rebuild.
damage() {
	local name=$1 cmd=$2 res st
	rm -rf S
	cp -a S.good S
	(cd S && rm -f store.db-wal store.db-shm && eval "$cmd")
	"$T" serve S --listen 127.0.0.1:0 >serve.out 2>&1 &
	SERVER_PID=$!
	tap_pids+=("$SERVER_PID")
	for _ in $(seq 1 200); do
		URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' serve.out)
		[ -n "$URL" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -n "$URL" ]; then
		res=$(ids)
		is "$res" "$want" "$name: serve starts and serves all 300"
		# What the server said, when it did not serve them.
		[ "$res" = "$want" ] || { api GET /v1/observations?limit=1 |
			tail -c 400 | sed 's/^/#   answer: /' >&2
			tail -n 20 serve.out | sed 's/^/#   /' >&2; }
		center_stop
	else
		wait "$SERVER_PID"
		st=$?
		res=$(cat serve.out)
		is "$st" 1 "$name: serve refuses (exit 1)"
		like "$res" "truce rebuild S" "$name: and names \`truce rebuild S\`"
		[[ "$res" =~ "truce rebuild S" ]] ||
			sed 's/^/#   /' serve.out
	fi
	res=$("$T" rebuild S 2>&1)
	is $? 0 "$name: truce rebuild"
	center_serve S || return 1
	is "$(ids)" "$want" "$name: the rebuilt center serves all 300"
	res=$("$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" 2>&1)
	ok $? "$name: and audits clean"
	[[ "$res" =~ ^audit\ OK ]] || diag "$res"
	center_stop
}

damage deleted 'rm -f store.db'
damage emptied ': >store.db'
damage "cut to one page" 'truncate -s 4096 store.db'
damage "cut to half" 'truncate -s $(( $(stat -c %s store.db) / 2 )) store.db'
damage "garbage header" 'printf "this is not SQLite" | dd of=store.db conv=notrunc 2>/dev/null'
damage "garbage pages" 'yes garbage | head -c 16384 | dd of=store.db bs=4096 seek=3 conv=notrunc 2>/dev/null'
damage "all garbage" 'yes "not a database" | head -c 200000 >store.db'
done_testing
