#!/usr/bin/env bash
# make run: a demonstration center on this machine, under var/.
#
# Once: two witness keys (members RU and TR), a center with both witnesses
# required for a joint checkpoint, and an ILLUSTRATIVE set of a few thousand
# simulated observations near the real 1994 ceasefire line and settlements
# of the Karabakh region (`truce simulate`, fixed seed; see data/README.md).
# Every time: starts the two witnesses and the center on 127.0.0.1, loads the
# demonstration set if it is not loaded yet, prints what to try, and serves
# until Ctrl-C. In a real deployment each member runs its own witness on its
# own machine.
set -eu
cd "$(dirname "$0")/.."
BIN=$PWD/build/release/truce
V=$PWD/var
C=$V/demo
PORT=${TRUCE_PORT:-8080}
W1=${TRUCE_WITNESS_RU_PORT:-7381}
W2=${TRUCE_WITNESS_TR_PORT:-7382}
ORIGIN=demo.truce.example/karabakh

mkdir -p "$V"
if [ ! -f "$C/truce.conf" ]; then
	echo "creating the demonstration center in var/demo ..."
	rm -rf "$C" "$V"/witness-*
	mkdir -p "$V/witness-RU" "$V/witness-TR"
	ru=$("$BIN" keygen RU-witness --cosign --out "$V/witness-RU/witness.key")
	tr=$("$BIN" keygen TR-witness --cosign --out "$V/witness-TR/witness.key")
	printf '%s\n' "$ru" >"$V/witness-RU/VKEY"
	printf '%s\n' "$tr" >"$V/witness-TR/VKEY"
	out=$("$BIN" init "$C" --origin "$ORIGIN" --member RU --member TR \
		--listen "127.0.0.1:$PORT" \
		--witness "http://127.0.0.1:$W1 $ru" \
		--witness "http://127.0.0.1:$W2 $tr")
	# Demonstration convenience only: a real center shows the token once.
	printf '%s\n' "$out" | sed -n 's/^token: //p' >"$C/ADMIN_TOKEN"
	printf '%s\n' "$out" | sed -n 's/^log key: //p' >"$C/LOG_KEY"
	chmod 600 "$C/ADMIN_TOKEN"
	"$BIN" simulate --region karabakh --from 2026-11-01 --days 14 \
		--seed 1 --per-day 140 --truth "$V/demo-truth.jsonl" \
		>"$V/demo-observations.jsonl"
fi
TOKEN=$(cat "$C/ADMIN_TOKEN")
LOGKEY=$(cat "$C/LOG_KEY")
RUKEY=$(cat "$V/witness-RU/VKEY")
TRKEY=$(cat "$V/witness-TR/VKEY")

pids=()
stop() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop EXIT INT TERM

"$BIN" witness --key "$V/witness-RU/witness.key" --log "$LOGKEY" \
	--listen "127.0.0.1:$W1" --state "$V/witness-RU" >"$V/witness-RU.log" 2>&1 &
pids+=($!)
"$BIN" witness --key "$V/witness-TR/witness.key" --log "$LOGKEY" \
	--listen "127.0.0.1:$W2" --state "$V/witness-TR" >"$V/witness-TR.log" 2>&1 &
pids+=($!)
start_server() {
	"$BIN" serve "$C" >"$V/serve.log" 2>&1 &
	spid=$!
	pids+=($spid)
	for _ in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1 && return 0
		kill -0 "$spid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if ! start_server; then
	# A store made by an older truce is rebuilt from the log (the truth).
	if grep -q 'truce rebuild' "$V/serve.log" && "$BIN" rebuild "$C" &&
	    start_server; then
		:
	else
		echo "the server did not start (is port $PORT in use? set TRUCE_PORT):"
		cat "$V/serve.log"
		exit 1
	fi
fi

URL=http://127.0.0.1:$PORT
export TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN
size=$(curl -s "$URL/v1/health" | sed -n 's/.*"log_size":\([0-9]*\).*/\1/p')
if [ "${size:-0}" -le 1 ]; then
	echo "loading the demonstration observations (illustrative, simulated) ..."
	"$BIN" import "$V/demo-observations.jsonl" || true
	# A camera that was dark for a night: the daily report's Sources
	# section lists it (docs/products.md).
	"$BIN" source status CAM-RU-2 --type camera --member RU --status down \
		--reason "power cut at the post (demonstration)" \
		--from 2026-11-06T17:00:00Z --to 2026-11-07T02:00:00Z \
		>/dev/null || true
fi

# The daily report of 2026-11-07, drafted by an analyst and signed by both
# members with the demonstration keys init made in var/demo/keys (a real
# member signs on its own machine with a key the center never sees).
if [ ! -f "$C/DEMO_TOKENS" ]; then
	{
		"$BIN" token add "$C" --name demo-analyst --role analyst
		"$BIN" token add "$C" --name demo-ru --role assessor --member RU
		"$BIN" token add "$C" --name demo-tr --role assessor --member TR
	} | sed -n 's/^token: //p' >"$C/DEMO_TOKENS"
	chmod 600 "$C/DEMO_TOKENS"
fi
{ read -r ANA; read -r RUA; read -r TRA; } <"$C/DEMO_TOKENS"
REPORT=$("$BIN" report draft daily --date 2026-11-07 --token "$ANA" |
	sed -n 's/^id: //p')
if [ -n "$REPORT" ]; then
	"$BIN" report sign "$REPORT" --key "$C/keys/RU.key" --token "$RUA" \
		>/dev/null 2>&1 || true
	"$BIN" report sign "$REPORT" --key "$C/keys/TR.key" --token "$TRA" \
		>/dev/null 2>&1 || true
	"$BIN" report get "$REPORT" --format html --out "$V/daily-report.html"
	"$BIN" report get "$REPORT" --format pdf --out "$V/daily-report.pdf"
	"$BIN" report get "$REPORT" --format json --out "$V/daily-report.json"
fi

cat <<TXT

truce demonstration center: $URL   (origin $ORIGIN)
  dashboard: $URL/  (sign in with the admin token below)
  members RU and TR, each with a witness that cosigns the log
  (127.0.0.1:$W1 and 127.0.0.1:$W2); data: simulated, illustrative.

  admin token:  $TOKEN
  log key:      $LOGKEY

try, in another terminal:
  export TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN
  build/release/truce query --bbox 46.8,39.9,47.1,40.1 --category explosion --limit 10
  build/release/truce query --from 2026-11-05T00:00:00Z --to 2026-11-06T00:00:00Z --format csv | head
  curl -s -H "Authorization: Bearer \$TRUCE_TOKEN" '$URL/v1/observations?bbox=46.8,39.9,47.1,40.1&limit=2'
  curl -s $URL/checkpoint          # the joint checkpoint: log + RU + TR signatures
  build/release/truce observe --at \$(date -u +%Y-%m-%dT%H:%M:%SZ) --source-type patrol \\
      --member RU --unit P-7 --category explosion --count 3 --lat 39.99 --lon 46.93
  build/release/truce audit $URL --log-key '$LOGKEY' \\
      --witness-key '$RUKEY' --witness-key '$TRKEY' --token \$TRUCE_TOKEN

the daily report of 2026-11-07, drafted and released under both members'
signatures (demonstration keys in var/demo/keys):
  open var/daily-report.html   or   var/daily-report.pdf
  build/release/truce report list
  build/release/truce verify-report var/daily-report.pdf \$(curl -s \\
      -H "Authorization: Bearer \$TRUCE_TOKEN" $URL/v1/members |
      jq -r '.members[] | "--member-key " + .vkey')

Ctrl-C stops the center and the witnesses (state is kept in var/).
TXT
wait "$spid"
