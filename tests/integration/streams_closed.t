#!/usr/bin/env bash
# Event streams whose clients have gone (fuzz/README.md, finding 2): a held
# stream's connection is suspended, and libmicrohttpd does not watch a
# suspended connection, so a client that closed it kept its place under
# max_connections_per_address until a heartbeat's write failed (15 s or
# more). With max_connections_per_address = 10, twelve streams closed by
# their clients after 0.3 s made the center refuse every other connection
# from that address ("Server reached connection limit", no answer) for
# more than 16 s. Now the hub ends the streams of clients gone within a
# second, and the address is served again.
. "$TRUCE_TOP/tests/lib/tap.sh"
cd "$TAP_TMP" || exit 1
center_init D || exit 1
conf_set D max_connections_per_address 10
center_serve D || exit 1

for round in 1 2; do
	pids=()
	for _ in $(seq 1 12); do
		curl -s -o /dev/null -m 0.3 -H "Authorization: Bearer $TOKEN" \
			"$URL/v1/events" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t0=$(date +%s%N)
	s=000
	for _ in $(seq 1 40); do
		s=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$URL/v1/health")
		[ "$s" = 200 ] && break
		sleep 0.1
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	is "$s" 200 "round $round: health answers after 12 streams closed by their clients"
	ok $([ "$ms" -lt 3000 ]; echo $?) "round $round: within 3 s (${ms} ms)"
done
# A stream that stays open is not ended: it gets its heartbeat.
conf_set D stream_heartbeat_s 1
center_stop
center_serve D || exit 1
out=$(curl -sN -m 2.5 -H "Authorization: Bearer $TOKEN" "$URL/v1/events")
like "$out" ": heartbeat" "a stream whose client stays gets its heartbeats"
center_stop
done_testing
