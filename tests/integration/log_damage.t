#!/usr/bin/env bash
# A log damaged on disk (issue 11, defects 1, 2, 7 and 8): a center whose
# entries were cut below a size the log signed refuses to start and to
# rebuild, changes nothing and says how to recover, so it never signs a
# second root for that size; a damaged or deleted index or hashes file is
# re-derived from the entries, which stay byte for byte as they were; an
# entry altered inside a signed size stops serve and rebuild, naming it.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

center_init C || exit 1
center_serve C || exit 1
for b in 1 2; do
	awk -v B=$((b + 300)) -v N=1000 \
		-f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	r=$(post_json /v1/observations @batch.json)
	[ "$(status_of "$r")" = 201 ] || { diag "POST: $r"; exit 1; }
done
# One observation whose latitude we can find in the entries file.
r=$(post_json /v1/observations '{"observed_at":"2026-11-21T08:00:00Z","source":{"type":"patrol","member":"RU","unit":"p-7"},"category":"explosion","location":{"lat":39.7654321,"lon":46.7654321}}')
MARKED=$(body_of "$r" | jq .index)
SIZE=$(curl -s "$URL/v1/health" | jq .log_size)
for _ in $(seq 1 200); do # the joint checkpoint of the whole log
	[ "$(curl -s "$URL/checkpoint" | sed -n 2p)" = "$SIZE" ] && break
	sleep 0.05
done
JOINT=$(curl -s "$URL/checkpoint" | sed -n 3p)
center_stop
ok $? "a center with $SIZE entries, its joint checkpoint at $SIZE, stopped"
cp -a C pristine

# restore: the center as it was before the damage.
restore() { rm -rf C && cp -a pristine C; }

# Defect 1: entries cut below the signed size.
truncate -s -10 C/log/entries
before=$(stat -c %s C/log/entries)
out=$("$T" rebuild C 2>&1)
st=$?
ok $((st == 0)) "rebuild refuses a log cut below its signed checkpoint"
like "$out" "holds $((SIZE - 1)) complete entries, but the log signed .* at size $SIZE" \
	"and says how many entries it holds and which checkpoint it signed"
like "$out" "mirror" "and how to recover (a member's mirror)"
is "$(stat -c %s C/log/entries)" "$before" "the refused log is left as it was"
"$T" serve C --listen 127.0.0.1:0 >serve1.log 2>&1 &
pid=$!
tap_pids+=("$pid")
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
st=$?
ok $((st == 0)) "serve refuses to start on it"
like "$(cat serve1.log)" "at size $SIZE" "naming the signed size"
is "$(stat -c %s C/log/entries)" "$before" "and changes nothing either"

# Without the joint checkpoint the slots of checkpoint.signed still hold.
rm C/log/checkpoint.joint
out=$("$T" rebuild C 2>&1)
st=$?
ok $((st == 0)) "with checkpoint.joint deleted, the recorded signed checkpoint still refuses"
like "$out" "checkpoint.signed" "naming log/checkpoint.signed"

# The recovery the message asks for: the entries back from a copy.
restore
truncate -s -10 C/log/entries
cp pristine/log/entries C/log/entries
center_serve C
ok $? "with the entries restored the center starts"
is "$(curl -s "$URL/checkpoint" | sed -n 3p)" "$JOINT" \
	"and serves the same joint root at size $SIZE"
center_stop

# Defect 2: a cut index is re-derived; the entries stay intact.
restore
truncate -s -3 C/log/index
center_serve C
ok $? "serve starts with 3 bytes cut from the index"
is "$(curl -s "$URL/v1/health" | jq .log_size)" "$SIZE" "with every entry"
center_stop
cmp -s C/log/entries pristine/log/entries
ok $? "entries is byte for byte as it was"
cmp -s C/log/index pristine/log/index
ok $? "index is re-derived exactly"
rm C/log/index C/log/hashes
out=$("$T" rebuild C 2>&1)
ok $? "rebuild runs with index and hashes deleted"
like "$out" "from $SIZE log entries" "and replays every entry"
cmp -s C/log/index pristine/log/index && cmp -s C/log/hashes pristine/log/hashes
ok $? "both are re-derived exactly"
center_serve C
ok $? "and serve starts"
center_stop

# Defect 7: one digit of an entry changed inside the signed size.
restore
python3 - C/log/entries <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index(b'397654321')
b[i + 8] = ord('2')
open(p, 'wb').write(bytes(b))
EOF
out=$("$T" rebuild C 2>&1)
st=$?
ok $((st == 0)) "rebuild refuses a log with an altered entry"
like "$out" "entry $MARKED is the first that differs" "and names the altered entry ($MARKED)"
"$T" serve C --listen 127.0.0.1:0 >serve2.log 2>&1 &
pid=$!
tap_pids+=("$pid")
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
st=$?
ok $((st == 0)) "serve refuses it too"
like "$(cat serve2.log)" "entry $MARKED is the first that differs" "naming the entry"

# Defect 8: 32 random bytes in slot 100 of the stored hashes.
restore
head -c 32 /dev/urandom | dd of=C/log/hashes bs=32 seek=100 conv=notrunc 2>/dev/null
center_serve C
ok $? "serve starts with a damaged stored hash"
like "$(cat "$TAP_TMP"/serve.*.log)" "stored hashes differ from entries from entry 5[0-9] on" \
	"and says which entries' stored hashes it re-derived"
bad=0
for i in 51 52 53 54 55 $((SIZE - 1)); do
	a=$(curl -s "$URL/v1/log/proof/inclusion?index=$i&size=$SIZE")
	printf '%s' "$a" | jq -r '.proof[]' >proof
	"$T" tlog inclusion --verify --index "$i" --size "$SIZE" \
		--leaf-hash "$(printf '%s' "$a" | jq -r .leaf_hash)" \
		--root "$JOINT" --base64 <proof >/dev/null || bad=$((bad + 1))
done
is "$bad" 0 "inclusion proofs of entries 51..55 verify against the joint root"
center_stop
cmp -s C/log/hashes pristine/log/hashes
ok $? "the stored hashes are re-derived exactly"

done_testing
