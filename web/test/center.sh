#!/usr/bin/env bash
# Starts a center for the dashboard's browser test (and for working on the
# dashboard by hand): two witnesses (RU, TR) that cosign the log, a center
# on 127.0.0.1 with simulated, ILLUSTRATIVE observations (`truce
# simulate`, fixed seed), and one principal per role. Writes OUT/env
# (URL, tokens, keys, PIDs) for the test to source, then returns while the
# processes run; `web/test/center.sh --stop OUT` ends them.
#   web/test/center.sh OUT [PER_DAY] [DAYS]
set -eu
: "${TRUCE_BIN:?set TRUCE_BIN to the truce binary}"
if [ "${1:-}" = --stop ]; then
	[ -f "$2/env" ] && . "$2/env" && kill -TERM $PIDS 2>/dev/null || true
	exit 0
fi
OUT=$1
PER_DAY=${2:-20}
DAYS=${3:-3}
mkdir -p "$OUT"
C=$OUT/center
rm -rf "$C" "$OUT"/w-*
mkdir -p "$OUT/w-RU" "$OUT/w-TR"

# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
ru=$("$TRUCE_BIN" keygen RU-witness --cosign --out "$OUT/w-RU/witness.key")
tr=$("$TRUCE_BIN" keygen TR-witness --cosign --out "$OUT/w-TR/witness.key")
p1=$(free_port)
p2=$(free_port)
out=$("$TRUCE_BIN" init "$C" --origin dashboard.test/karabakh --member RU \
	--member TR \
	--witness "http://127.0.0.1:$p1 $ru" --witness "http://127.0.0.1:$p2 $tr")
ADMIN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
"$TRUCE_BIN" witness --key "$OUT/w-RU/witness.key" --log "$LOGKEY" \
	--listen "127.0.0.1:$p1" --state "$OUT/w-RU" >"$OUT/w-RU.log" 2>&1 &
pids="$!"
"$TRUCE_BIN" witness --key "$OUT/w-TR/witness.key" --log "$LOGKEY" \
	--listen "127.0.0.1:$p2" --state "$OUT/w-TR" >"$OUT/w-TR.log" 2>&1 &
pids="$pids $!"
: >"$OUT/serve.log"	# before the background job opens it
"$TRUCE_BIN" serve "$C" --listen 127.0.0.1:0 >"$OUT/serve.log" 2>&1 &
pids="$pids $!"
URL=
for _ in $(seq 1 300); do
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$OUT/serve.log")
	[ -n "$URL" ] && break
	sleep 0.05
done
if [ -z "$URL" ]; then
	kill -TERM $pids 2>/dev/null || true
	echo "center.sh: the center did not start:" >&2
	cat "$OUT/serve.log" >&2
	exit 1
fi
"$TRUCE_BIN" simulate --region karabakh --from 2026-11-01 --days "$DAYS" \
	--seed 7 --per-day "$PER_DAY" >"$OUT/observations.jsonl"
TRUCE_SERVER=$URL TRUCE_TOKEN=$ADMIN "$TRUCE_BIN" import \
	"$OUT/observations.jsonl" >"$OUT/import.log" 2>&1

tok() {
	"$TRUCE_BIN" token add "$C" --name "$1" --role "$2" "${@:3}" |
		sed -n 's/^token: //p'
}
{
	printf 'URL=%s\nPIDS="%s"\nLOGKEY=%q\nCENTER=%s\n' "$URL" "$pids" \
		"$LOGKEY" "$C"
	printf 'TOKEN_admin=%s\n' "$ADMIN"
	printf 'TOKEN_analyst=%s\n' "$(tok ana analyst)"
	printf 'TOKEN_assessor=%s\n' "$(tok asr-ru assessor --member RU)"
	printf 'TOKEN_assessor_tr=%s\n' "$(tok asr-tr assessor --member TR)"
	printf 'TOKEN_liaison=%s\n' "$(tok lia-a liaison --party AM)"
	printf 'TOKEN_monitor=%s\n' "$(tok mon-ru monitor --member RU)"
	printf 'TOKEN_viewer=%s\n' "$(tok vie viewer)"
	printf 'TOKEN_sensor=%s\n' "$(tok sen sensor)"
} >"$OUT/env"

# The first three incidents await the members' assessment: the RU
# assessor's queue holds them.
ids=$(curl -sf -H "Authorization: Bearer $ADMIN" "$URL/v1/incidents?limit=3" |
	sed 's/"id":"\(inc-[0-9a-f]*\)"/\n\1\n/g' | grep '^inc-')
for id in $ids; do
	curl -sf -o /dev/null -H "Authorization: Bearer $ADMIN" \
		-H 'Content-Type: application/json' \
		--data '{"to":"awaiting_assessment","reason":"dashboard test"}' \
		"$URL/v1/incidents/$id/state"
done
