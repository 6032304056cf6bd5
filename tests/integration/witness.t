#!/usr/bin/env bash
# Witnesses and joint checkpoints against the real binaries on 127.0.0.1:
# the C2SP tlog-witness request sequence of the conformance vectors replayed
# over HTTP against `truce witness` (statuses of the spec); a center with two
# witnesses publishing joint checkpoints; a witness that is down delays the
# joint checkpoint without losing anything and catches up when it returns;
# a k-of-n quorum; the witness's state survives a restart.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

V=$TRUCE_TOP/tests/vectors/tlog/witness_add_checkpoint.json

# start_witness NAME KEYFILE STATE LOGKEY: witness_start (tap.sh), on
# $WPORT when set; sets WURL and WPID.
start_witness() {
	witness_start "$1" "$2" "$4" "$3" "127.0.0.1:${WPORT:-0}" || return 1
	eval "WURL=\$WURL_$1 WPID=\$WPID_$1"
}

# 1. The vector sequence, spec statuses (docs/tlog.md records the choices).
"$TRUCE_BIN" keygen example.com/witness --cosign --out "$TAP_TMP/vw.key" >/dev/null
start_witness vec "$TAP_TMP/vw.key" "$TAP_TMP/vw-state" "$(jq -r .log_vkey "$V")"
ok $? "truce witness starts for the vectors' log"
n=$(jq '.requests | length' "$V")
for i in $(seq 0 $((n - 1))); do
	jq -j ".requests[$i].request_body" "$V" >"$TAP_TMP/body"
	want=$(jq -r ".requests[$i].spec_status" "$V")
	got=$(curl -s -o "$TAP_TMP/resp" -w '%{http_code}' -X POST \
		--data-binary @"$TAP_TMP/body" "$WURL/add-checkpoint")
	is "$got" "$want" "vector request $((i + 1)): status $want"
	if [ "$want" = 200 ]; then
		grep -q '^— example.com/witness ' "$TAP_TMP/resp"
		ok $? "  answer is a cosignature line of example.com/witness"
	fi
	if [ "$want" = 409 ]; then
		like "$(cat "$TAP_TMP/resp")" '^[0-9]+$' "  409 body is the size"
	fi
done
kill -TERM "$WPID"; wait "$WPID" 2>/dev/null
r=$(curl -s -o /dev/null -w '%{http_code}' "$WURL/add-checkpoint" 2>/dev/null)
ok $([ "$r" = 000 ]; echo $?) "the witness stopped"
# Its state survived: replaying the first request (old 0) is now a 409.
start_witness vec "$TAP_TMP/vw.key" "$TAP_TMP/vw-state" "$(jq -r .log_vkey "$V")"
jq -j ".requests[0].request_body" "$V" >"$TAP_TMP/body"
got=$(curl -s -o "$TAP_TMP/resp" -w '%{http_code}' -X POST \
	--data-binary @"$TAP_TMP/body" "$WURL/add-checkpoint")
is "$got" 409 "after a restart the witness remembers what it cosigned"
# It exits on its own; one that wrongly starts is stopped after 20 s.
out=$(timeout 20 "$TRUCE_BIN" witness --key "$TAP_TMP/vw.key" \
	--log "$(jq -r .log_vkey "$V")" --state "$TAP_TMP/vw-state" \
	--listen 127.0.0.1:0 2>&1)
like "$out" "in use by another witness" "a second witness on the same state is refused"
kill -TERM "$WPID"; wait "$WPID" 2>/dev/null
chmod 644 "$TAP_TMP/vw.key"
out=$("$TRUCE_BIN" witness --key "$TAP_TMP/vw.key" --log "$(jq -r .log_vkey "$V")" \
	--state "$TAP_TMP/vw-state" 2>&1)
like "$out" "chmod 600" "a key file readable by others is refused"

# 2. A center with two witnesses.
ru=$("$TRUCE_BIN" keygen RU-witness --cosign --out "$TAP_TMP/ru.key" 2>/dev/null)
tr=$("$TRUCE_BIN" keygen TR-witness --cosign --out "$TAP_TMP/tr.key" 2>/dev/null)
like "$ru" '^RU-witness\+[0-9a-f]{8}\+' "keygen prints a verifier key"
# Witness ports first (the center's configuration names them).
probe() { python3 - 2>/dev/null <<'PY' || echo $((20000 + RANDOM % 20000))
import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])
PY
}
P1=$(probe); P2=$(probe)
D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin example.org/joint --member RU --member TR \
	--witness "http://127.0.0.1:$P1 $ru" --witness "http://127.0.0.1:$P2 $tr")
ok $? "init with two witnesses"
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
like "$LOGKEY" '^example.org/joint\+[0-9a-f]{8}\+' "init prints the log key named after the origin"
WPORT=$P1 start_witness RU "$TAP_TMP/ru.key" "$TAP_TMP/ru-state" "$LOGKEY"; W1=$WPID
WPORT=$P2 start_witness TR "$TAP_TMP/tr.key" "$TAP_TMP/tr-state" "$LOGKEY"; W2=$WPID
center_serve "$D"
ok $? "serve"
is "$(NO_TOKEN=1 api GET /v1/log/key | sed '$d')" "$LOGKEY" "/v1/log/key serves the log key"

obs() {
	printf '{"observed_at":"2026-11-22T10:%02d:00Z","source":{"type":"patrol","member":"RU","unit":"j%d"},"category":"explosion","location":{"lat":39.9,"lon":46.9}}' $(($1 % 60)) "$1"
}
r=$(post_json /v1/observations "$(obs 1)")
is "$(status_of "$r")" 201 "write"
body_of "$r" >"$TAP_TMP/receipt.json"
is "$(jq -r .receipt.index "$TAP_TMP/receipt.json")" 1 "the answer carries a receipt"
wait_joint 2
ok $? "the joint checkpoint covers the write"
curl -s "$URL/checkpoint" >"$TAP_TMP/cp"
"$TRUCE_BIN" note verify "$LOGKEY" "$ru" "$tr" <"$TAP_TMP/cp" >/dev/null
ok $? "it verifies with the log key and both witnesses' keys (truce note verify)"
is "$(grep -c '^— ' "$TAP_TMP/cp")" 3 "three signature lines: log, RU, TR"

# 3. A witness down delays the joint checkpoint; nothing is lost.
kill -TERM "$W2"; wait "$W2" 2>/dev/null
for i in 2 3 4; do post_json /v1/observations "$(obs $i)" >/dev/null; done
sleep 1
is "$(curl -s "$URL/checkpoint" | sed -n 2p)" 2 "with TR's witness down the joint checkpoint stays at 2"
is "$(curl -s "$URL/v1/log/checkpoint" | sed -n 2p)" 5 "the log-signed checkpoint is at 5"
WPORT=$P2 start_witness TR "$TAP_TMP/tr.key" "$TAP_TMP/tr-state" "$LOGKEY"; W2=$WPID
wait_joint 5
ok $? "TR's witness returns, catches up from size 2, the joint checkpoint reaches 5"
curl -s "$URL/checkpoint" >"$TAP_TMP/cp"
"$TRUCE_BIN" note verify "$LOGKEY" "$ru" "$tr" <"$TAP_TMP/cp" >/dev/null
ok $? "and carries both cosignatures"

# 4. The center restarts and keeps serving the saved joint checkpoint.
center_stop
center_serve "$D"
is "$(curl -s "$URL/checkpoint" | sed -n 2p)" 5 "after a restart /checkpoint is the saved joint one"
center_stop

# 5. Quorum 1 of 2: one witness is enough.
D2=$TAP_TMP/center2
out=$("$TRUCE_BIN" init "$D2" --origin example.org/quorum --member RU --member TR \
	--witness "http://127.0.0.1:$P1 $ru" --witness "http://127.0.0.1:$P2 $tr" --quorum 1)
LOGKEY2=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
kill -TERM "$W1" "$W2"; wait "$W1" "$W2" 2>/dev/null
WPORT=$P1 start_witness RU "$TAP_TMP/ru.key" "$TAP_TMP/ru-state2" "$LOGKEY2"; W1=$WPID
center_serve "$D2"
post_json /v1/observations "$(obs 9)" >/dev/null
wait_joint 2
ok $? "with quorum 1 the joint checkpoint needs only the RU witness"
is "$(curl -s "$URL/checkpoint" | grep -c '^— ')" 2 "log signature + one cosignature"
out=$("$TRUCE_BIN" init "$TAP_TMP/c3" --origin x.org/y --member RU --quorum 2 \
	--witness "http://127.0.0.1:1 $ru" 2>&1)
like "$out" "witness_quorum: 2 is more than the 1 witnesses" "a quorum above the witnesses is refused"
center_stop
done_testing
