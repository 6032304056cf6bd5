#!/usr/bin/env bash
# truce mirror against a real center on 127.0.0.1 (issue 16 "Members'
# mirrors", docs/mirror.md): a mirror caught up equals the center
# (observations, incidents, applied size, checkpoint); it follows the log
# as it grows (consistency proofs); killed mid-replay (a SIGKILL) it
# resumes without fetching again what it verified; against a center whose
# log was rolled back (an entry dropped, the record of checkpoints removed),
# forked, or whose entry bytes changed (one it had not fetched yet, or one
# it holds), it refuses, keeps the evidence and applies nothing more; its
# read API answers as the center's, state digests included. On both
# backends (TRUCE_TEST_STORE=postgresql: the center's store on PostgreSQL,
# the mirrors' on SQLite, their rows compared across the two).
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

post_batch() { # post_batch B N: N generated observations, batch B
	awk -v B="$1" -v N="$2" -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	api POST /v1/observations -H 'Content-Type: application/json' \
		--data-binary @batch.json >/dev/null
}
mirror() { "$T" mirror "$URL" "$@" --log-key "$LOGKEY" --token "$TOKEN"; }
rows() { # rows DIR|URI: what a store holds, a line per row (either backend)
	local hex="upper(encode(id, 'hex'))" q
	q="SELECT 'applied', value FROM meta WHERE key = 'applied_size';
		SELECT idx, ID FROM observation ORDER BY idx;
		SELECT id, seed_idx, updated_idx, nobs, live, lat_e7, lon_e7
		FROM incident ORDER BY rid;"
	case $1 in
	postgres*) psql -X -q -At -F'|' -v ON_ERROR_STOP=1 "$1" -c "${q/ID/$hex}" ;;
	*)
		[ -n "$(store_uri "$1")" ] || hex="hex(id)"
		store_query "$1" "${q/ID/$hex}"
		;;
	esac
}
same_as_center() { # same_as_center MIRROR NAME: A stopped, then restarted
	center_stop
	rows A >center.rows
	rows "$1" >mirror.rows
	cmp -s center.rows mirror.rows
	ok $? "$2: observations, incidents and applied size equal the center's ($(grep -c . center.rows) rows)"
	center_serve A || exit 1
	is "$(cat "$1/checkpoint")" "$(curl -s "$URL/checkpoint")" \
		"$2: the mirror holds the center's joint checkpoint"
}

out=$("$T" init A --origin example.org/mirror --member RU --member TR) ||
	exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve A || exit 1
post_batch 0 5
wait_joint 6
center_stop
center_copy A B # the base of a fork
center_serve A || exit 1
post_batch 1 294
wait_joint 300
ok $? "a center of 300 entries"

# --- a mirror caught up equals the center ---
res=$(mirror M --once 2>&1)
is $? 0 "mirror --once: exit 0"
like "$res" "^mirror OK: size 300 verified in M, 300 entries fetched and verified, 300 replayed" \
	"one summary line: size, fetched, replayed"
same_as_center M "after the first catch-up"
res=$(mirror M --once --store sqlite 2>&1)
like "$res" "size 300 verified in M, 0 entries fetched and verified, 0 replayed" \
	"again (--store sqlite): nothing new, nothing fetched"
res=$(mirror M --once --store postgresql://127.0.0.1:1/m 2>&1)
is $? 3 "--store: a PostgreSQL nobody serves: could not complete, exit 3"
like "$res" "cannot connect to PostgreSQL: .*cannot open the store \(PostgreSQL" \
	"  naming the store"
post_batch 2 1100
wait_joint 1400
res=$(mirror M --once 2>&1)
is $? 0 "the log grew: exit 0"
like "$res" "size 1400 verified in M, 1100 entries fetched and verified, 1100 replayed" \
	"only the new entries fetched, consistent with the held checkpoint"
same_as_center M "after following"

# --- killed mid-replay, then resumed ---
TRUCE_MIRROR_KILL_AFTER=1000 "$T" mirror "$URL" K --once \
	--log-key "$LOGKEY" --token "$TOKEN" >/dev/null 2>&1 &
{ wait $!; } 2>/dev/null
is $? 137 "a mirror killed (SIGKILL) after replaying 1000 entries"
is "$(sed -n 2p K/checkpoint)" 1400 "  it had verified and kept all 1400"
is "$(store_query K "SELECT value FROM meta WHERE key='applied_size'")" \
	1000 "  its store had applied 1000"
res=$(mirror K --once 2>&1)
is $? 0 "resumed: exit 0"
like "$res" "size 1400 verified in K, 0 entries fetched and verified, 400 replayed" \
	"  nothing fetched again, the replay resumed at 1000"
same_as_center K "after the resume"

# Killed after appending entries, before the round's root check: they
# were not verified, so they are cut at start and fetched again.
TRUCE_MIRROR_KILL_FETCHED=1 "$T" mirror "$URL" K2 --once \
	--log-key "$LOGKEY" --token "$TOKEN" >/dev/null 2>&1 &
{ wait $!; } 2>/dev/null
is $? 137 "a mirror killed between its append and its root check"
ok "$([ ! -e K2/checkpoint ] && [ -s K2/log/entries ]; echo $?)" \
	"  entries appended, no checkpoint accepted"
res=$(mirror K2 --once 2>&1)
like "$res" "size 1400 verified in K2, 1400 entries fetched and verified, 1400 replayed" \
	"  resumed: the unverified entries cut and fetched again"
same_as_center K2 "after that resume"

# --- the center's log rewritten ---
# An entry's bytes changed under the running center (it refuses to start
# on an altered log: log_damage.t): a new mirror refuses at that entry.
entry_offset() {
	od -An -t u8 --endian=big -j $((($2 - 1) * 8)) -N 8 "$1/log/index" |
		tr -d ' '
}
flip_byte() { # flip_byte FILE OFFSET
	local b
	b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
center_stop
center_copy A E
center_serve E || exit 1
flip_byte E/log/entries $(($(entry_offset E 150) + 2 + 20))
res=$(mirror F --once 2>&1)
is $? 1 "an entry's byte changed: exit 1"
like "$res" "REFUSED: entry 150 \(tile/entries/000\): leaf hash does not match tile/0/000; evidence kept in F/evidence/entries-" \
	"names the entry, its bundle and tile, and the evidence"
ev=$(cat F/refused)
ok "$([ -s "$ev/center.checkpoint" ] && [ -s "$ev/bundle" ] &&
	[ -s "$ev/tile" ] && [ -s "$ev/reason" ]; echo $?)" \
	"evidence: the checkpoint, the bundle, the tile, the reason"
is "$(sed -n 2p F/checkpoint 2>/dev/null)" "" "nothing accepted"
is "$(cat F/log/entries 2>/dev/null | wc -c)" 0 "nothing unverified kept"
res=$(mirror F --once 2>&1)
is $? 1 "run again: still refused"
like "$res" "refused the center's log earlier \(evidence in F/evidence/entries-[0-9]+\)" \
	"  naming the evidence"
center_stop

# The last entry dropped and the record of signed checkpoints removed: the
# center starts, signs a smaller checkpoint; a mirror holding 1400 refuses.
center_copy A D
truncate -s "$(entry_offset D 1399)" D/log/entries
rm D/log/checkpoint.joint D/log/checkpoint.signed
"$T" rebuild D >/dev/null 2>&1
center_serve D || exit 1
wait_joint 1399
cp -a M M2
res=$(mirror M2 --once 2>&1)
is $? 1 "an entry dropped, the checkpoint rolled back: exit 1"
like "$res" "REFUSED: rolled back: the center's joint checkpoint has 1399 entries, the mirror holds a joint checkpoint of 1400 \(entry 1399 is the first missing\)" \
	"names the first missing entry"
ev=$(cat M2/refused)
ok "$(cmp -s "$ev/held.checkpoint" M/checkpoint &&
	[ "$(sed -n 2p "$ev/center.checkpoint")" = 1399 ]; echo $?)" \
	"evidence: both checkpoints"
is "$(sed -n 2p M2/checkpoint)" 1400 "the mirror keeps its last good checkpoint"
rows M >m.rows
rows M2 >m2.rows
cmp -s m.rows m2.rows
ok $? "and its store, unchanged"
center_stop

# A fork: B started from A at size 6 and took other entries, first up to
# the mirror's size, then beyond.
center_serve B || exit 1
post_batch 7 1394
wait_joint 1400
cp -a M M4
res=$(mirror M4 --once 2>&1)
is $? 1 "a fork at the held size: exit 1"
like "$res" "REFUSED: fork: the center's joint checkpoint of size 1400 has another root than the one the mirror holds; evidence kept in M4/evidence/fork-" \
	"same size, another root"
ev=$(cat M4/refused)
ok "$(cmp -s "$ev/held.checkpoint" M/checkpoint &&
	[ "$(sed -n 2p "$ev/center.checkpoint")" = 1400 ]; echo $?)" \
	"evidence: both checkpoints of size 1400"
post_batch 9 106
wait_joint 1506
cp -a M M3
res=$(mirror M3 --once 2>&1)
is $? 1 "a fork beyond the held size: exit 1"
like "$res" "REFUSED: fork: the center's checkpoint of size 1506 is not consistent with the mirror's of size 1400" \
	"says the consistency proof does not verify"
ev=$(cat M3/refused)
ok "$([ -s "$ev/consistency.json" ] && [ -s "$ev/held.checkpoint" ] &&
	[ -s "$ev/center.checkpoint" ]; echo $?)" \
	"evidence: both checkpoints and the center's proof"
center_stop

# An entry the mirror holds rewritten: entry 1300, in the mirror's partial
# bundle 005, changed under the center (its hashes kept, so its proofs
# still verify); the log grows, and a mirror holding 1400 fetches bundle
# 005 again and finds its own entry changed.
center_copy A R
center_serve R || exit 1
flip_byte R/log/entries $(($(entry_offset R 1300) + 2 + 20))
post_batch 10 50
wait_joint 1450
cp -a M M5
res=$(mirror M5 --once 2>&1)
is $? 1 "an entry the mirror holds, rewritten: exit 1"
like "$res" "REFUSED: rewritten: entry 1300 \(tile/entries/005\.p/170\) differs from the one the mirror verified; evidence kept in M5/evidence/rewritten-" \
	"names the entry and the bundle"
ev=$(cat M5/refused)
ok "$([ -s "$ev/bundle" ] && [ -s "$ev/held.checkpoint" ] &&
	[ -s "$ev/center.checkpoint" ] && [ -s "$ev/reason" ] &&
	grep -qF -- "$(cat "$ev/held-entry")" M/log/entries; echo $?)" \
	"evidence: both checkpoints, the center's bundle and the entry held"
is "$(sed -n 2p M5/checkpoint)" 1400 "the mirror keeps its last good checkpoint"
rows M5 >m5.rows
cmp -s m.rows m5.rows
ok $? "and its store, unchanged"
center_stop

# --- following: polls, survives the center's outage and restart ---
center_serve A || exit 1
port=${URL##*:}
"$T" mirror "$URL" FM --interval 1 --listen 127.0.0.1:0 --log-key "$LOGKEY" \
	--token "$TOKEN" >follow.out 2>follow.err &
FPID=$!
tap_pids+=("$FPID")
wait_size() { # wait_size DIR N: until DIR's store has applied N (30 s)
	local i
	for i in $(seq 1 300); do
		[ "$(store_query "$1" "SELECT value FROM meta WHERE
			key = 'applied_size'" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_size FM 1400
ok $? "a following mirror caught up with 1400"
center_stop
sleep 2
kill -0 "$FPID"
ok $? "it survives the center's outage"
like "$(cat follow.err)" "mirror: checkpoint: GET /checkpoint: .*; trying again in 1 s" \
	"  saying it will try again"
"$T" serve A --listen "127.0.0.1:$port" >serve.again 2>&1 &
SERVER_PID=$!
tap_pids+=("$SERVER_PID")
wait_joint 1400
post_batch 8 100
wait_joint 1500
wait_size FM 1500
ok $? "after the center's restart it follows it to 1500"

# --- the mirror serves the read API at the size it verified ---
MURL=$(sed -n 's/^truce: mirror of example.org\/mirror .* serving on \(http:[^ ]*\)$/\1/p' \
	follow.out)
like "$MURL" "^http://127.0.0.1:[0-9]+$" "--listen: it says where it serves"
is "$(curl -s "$MURL/checkpoint")" "$(curl -s "$URL/checkpoint")" \
	"  /checkpoint: the center's joint checkpoint"
for q in "/v1/observations/digest?from=0&to=1500" \
	"/v1/observations?limit=1000" "/v1/incidents?limit=1000" \
	"/tile/entries/005.p/220" "/tile/0/005.p/220" \
	"/v1/log/proof/inclusion?index=700&size=1500" \
	"/v1/log/proof/consistency?from=300&to=1500"; do
	# hex, since tiles hold NUL bytes; the status is the last line
	a=$(api GET "$q" | od -An -tx1 -v | tr -d ' \n')
	b=$(URL=$MURL api GET "$q" | od -An -tx1 -v | tr -d ' \n')
	ok "$([ "$a" = "$b" ] && [ "${a: -8}" = 0a323030 ]; echo $?)" \
		"  GET $q: the center's answer"
done
res=$("$T" audit "$MURL" --log-key "$LOGKEY" --token "$TOKEN" 2>&1)
like "$res" "^audit OK: example.org/mirror size 1500 .* 1499 observations match the center" \
	"  truce audit of the mirror passes"
for k in incidents states assessments tasks principals members custody \
	reports sources; do
	a=$(api GET "/v1/state/digest?kind=$k&from=0&to=1500&size=1500")
	b=$(URL=$MURL api GET "/v1/state/digest?kind=$k&from=0&to=1500&size=1500")
	[ "$a" = "$b" ] && [ "$(status_of "$a")" = 200 ] || break
done
is "$k" sources "  GET /v1/state/digest: every kind's digest is the center's"
r=$(URL=$MURL api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @batch.json)
is "$(status_of "$r")" 405 "  a write: 405"
like "$(body_of "$r")" "read-only mirror" "  saying it is a read-only mirror"
kill -TERM "$FPID"
wait "$FPID"
ok $? "SIGTERM stops the following mirror cleanly"
center_stop

# A refused mirror with --listen serves its last good state.
"$T" mirror "$URL" M3 --listen 127.0.0.1:0 --log-key "$LOGKEY" \
	--token "$TOKEN" >m3.out 2>m3.err &
M3PID=$!
tap_pids+=("$M3PID")
for i in $(seq 1 100); do
	MURL=$(sed -n 's/.* serving on \(http:[^ ]*\)$/\1/p' m3.out)
	[ -n "$MURL" ] && break
	sleep 0.1
done
is "$(curl -s "$MURL/checkpoint" | sed -n 2p)" 1400 \
	"a refused mirror still serves its last good checkpoint"
like "$(URL=$MURL api GET '/v1/observations/digest?from=0&to=1400')" \
	'"count":1399' "  and its observations"
like "$(cat m3.err)" "REFUSED: the mirror refused the center's log earlier" \
	"  saying why it applies nothing"
kill -TERM "$M3PID"
wait "$M3PID"
is $? 1 "  stopped, its exit status says it refused"
same() { rows A >a.rows; rows FM >fm.rows; cmp -s a.rows fm.rows; }
same
ok $? "the follower's store equals the center's"

# --- --store: a mirror's store on PostgreSQL ---
res=$(mirror MX --once --store mysql://x 2>&1)
is $? 2 "--store that is no backend: exit 2"
like "$res" "--store: 'mysql://x' is not a backend \(sqlite, or a postgresql:// or postgres:// URI" \
	"  naming the option and what it takes"
if store_is_sqlite; then
	skip 6 "no PostgreSQL cluster (TRUCE_TEST_STORE=postgresql runs these)"
else
	base=${TRUCE_TEST_STORE%/}/
	psql -X -q -v ON_ERROR_STOP=1 "${base}postgres" \
		-c "CREATE DATABASE mirror_$$ TEMPLATE truce_template"
	MSTORE=${base}mirror_$$
	center_serve A || exit 1
	res=$(mirror MP --once --store "$MSTORE" 2>&1)
	is $? 0 "mirror --once --store postgresql://.../mirror_$$: exit 0" ||
		diag "$res"
	"$T" mirror "$URL" MP --listen 127.0.0.1:0 --store "$MSTORE" \
		--log-key "$LOGKEY" --token "$TOKEN" >mp.out 2>mp.err &
	MPPID=$!
	tap_pids+=("$MPPID")
	for i in $(seq 1 100); do
		MURL=$(sed -n 's/.* serving on \(http:[^ ]*\)$/\1/p' mp.out)
		[ -n "$MURL" ] && break
		sleep 0.1
	done
	for q in "/v1/observations?limit=1000" "/v1/incidents?limit=1000"; do
		a=$(api GET "$q")
		b=$(URL=$MURL api GET "$q")
		ok "$([ "$a" = "$b" ] && [ "$(status_of "$a")" = 200 ]; echo $?)" \
			"  its readers (on PostgreSQL) answer GET $q as the center"
	done
	kill -TERM "$MPPID"
	wait "$MPPID"
	ok $? "  SIGTERM stops it cleanly"
	center_stop
	rows A >a.rows
	rows "$MSTORE" >mp.rows
	cmp -s a.rows mp.rows
	ok $? "a mirror into PostgreSQL equals the center ($(grep -c . a.rows) rows)"
	is "$(ls MP)" "$(ls MP | grep -v '^store.db')" "  and keeps no store.db"
fi
done_testing
