#!/usr/bin/env bash
# More clients than max_connections (issue 17, "1,000 clients make the
# center deaf"): past the limit a client gets a fast 503 naming it, and the
# center answers normally as soon as the load stops. Before, the accept
# queue filled with connections nobody read, and health went unanswered for
# tens of seconds after the clients had left.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
cd "$TAP_TMP" || exit 1
D=$TAP_TMP/center
center_init "$D" || exit 1
conf_set "$D" max_connections 20
conf_set "$D" max_connections_per_address 1000
center_serve "$D" || exit 1
PORT=${URL##*:}

# 40 idle keep-alive connections, held open, then one more request.
python3 - "$PORT" >held.out <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
print("held", flush=True)
time.sleep(4)
PY
holder=$!
for _ in $(seq 1 50); do grep -q held held.out 2>/dev/null && break; sleep 0.1; done
sleep 0.3
t0=$(date +%s%N)
r=$(curl -s -m 5 -w '\n%{http_code}' "$URL/v1/health")
t1=$(date +%s%N)
is "$(status_of "$r")" 503 "the 41st connection gets 503"
like "$(body_of "$r" | jq -r .detail)" "max_connections" "naming max_connections"
ok $(( (t1 - t0) / 1000000 > 1000 )) "at once ($(( (t1 - t0) / 1000000 )) ms)"
wait "$holder"
t0=$(date +%s%N)
r=$(curl -s -m 5 -w '\n%{http_code}' "$URL/v1/health")
t1=$(date +%s%N)
is "$(status_of "$r")" 200 "once they are gone, health answers"
ok $(( (t1 - t0) / 1000000 > 1000 )) "at once ($(( (t1 - t0) / 1000000 )) ms)"

# A burst of 200 connections from wrk: 503s past the limit, never silence.
if command -v wrk >/dev/null; then
	wrk -t2 -c200 -d2s "$URL/v1/health" >wrk.out 2>&1
	like "$(cat wrk.out)" "Non-2xx or 3xx responses: [1-9]" \
		"wrk with 200 connections: the excess is answered 503"
	t0=$(date +%s%N)
	r=$(curl -s -m 20 -w '\n%{http_code}' "$URL/v1/health")
	t1=$(date +%s%N)
	is "$(status_of "$r")" 200 "right after the burst, health answers"
	ok $(( (t1 - t0) / 1000000 > 2000 )) "within 2 s ($(( (t1 - t0) / 1000000 )) ms)"
fi
center_stop
ok $? "clean stop"
done_testing
