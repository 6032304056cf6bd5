#!/usr/bin/env bash
# Allocation failure on the write path, SQLite-style (issue 17, "Faults"):
# the release binary runs with tests/lib/failmalloc.c preloaded, and for
# N = 1 .. NMAX the N-th allocation after a POST /v1/observations starts
# fails (every thread's allocations count). Whatever each failure does to
# that request, the center must not crash (an exit is a fatal with its
# message, and a restart recovers from the log), and no entry in the log
# may be incomplete: an observation that lost a field to a failed
# allocation, once logged and signed, stops the store for good.
. "$TRUCE_TOP/tests/lib/tap.sh"

NMAX=${ALLOC_FAIL_NMAX:-300}
REL=$TRUCE_TOP/build/release/truce
cd "$TAP_TMP" || exit 1
cc -O1 -fPIC -shared "$TRUCE_TOP/tests/lib/failmalloc.c" -o failmalloc.so \
	-ldl
ok $? "the failing allocator builds"
"$REL" init C --origin fail.example/log --member RU >init.out 2>&1
ok $? "center created"
TOKEN=$(sed -n 's/^token: //p' init.out)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo 0 >nfile

start() { # start the center under the failing allocator
	FAILMALLOC_FILE=$TAP_TMP/nfile LD_PRELOAD=$TAP_TMP/failmalloc.so \
		"$REL" serve C --listen "127.0.0.1:$PORT" >>serve.log 2>&1 &
	pid=$!
	tap_pids+=("$pid")
	for _ in $(seq 100); do
		curl -s -m 1 "http://127.0.0.1:$PORT/v1/health" >/dev/null &&
			return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

start
ok $? "center serves under the failing allocator"
declare -A seen
crashes=0 restarts=0 unrecovered=0 deaf=0
for N in $(seq 1 "$NMAX"); do
	echo "$N" >nfile
	kill -USR1 "$pid" 2>/dev/null
	s=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST \
		-H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' \
		"http://127.0.0.1:$PORT/v1/observations" \
		-d "{\"observed_at\":\"2025-03-01T20:14:00Z\",\"source\":{\"type\":\"patrol\",\"member\":\"RU\"},\"category\":\"explosion\",\"location\":{\"lat\":39.98,\"lon\":46.93},\"narrative\":\"n$N\"}")
	seen[$s]=$(( ${seen[$s]:-0} + 1 ))
	# Disarmed (a request that made fewer than N allocations leaves the
	# count running), then the center must answer or have exited.
	echo 0 >nfile
	kill -USR1 "$pid" 2>/dev/null
	if kill -0 "$pid" 2>/dev/null; then
		curl -s -m 10 -o /dev/null "http://127.0.0.1:$PORT/v1/health" &&
			continue
		# No answer: a fatal exit in progress, or deaf.
		for _ in $(seq 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null && ! curl -s -m 10 -o /dev/null \
			"http://127.0.0.1:$PORT/v1/health"; then
			deaf=$((deaf + 1))
			diag "N=$N: the center is running but does not answer"
			kill "$pid"
		fi
	fi
	wait "$pid"
	st=$?
	if [ "$st" -ge 128 ] && [ "$st" != 143 ]; then
		crashes=$((crashes + 1))
		diag "N=$N: the center died of signal $((st - 128))"
	fi
	restarts=$((restarts + 1))
	start || { unrecovered=$((unrecovered + 1)); diag "N=$N: no restart"; }
done
for s in "${!seen[@]}"; do diag "status $s: ${seen[$s]} requests"; done
diag "exits, each restarted: $restarts"
is "$crashes" 0 "no crash over N = 1..$NMAX"
is "$deaf" 0 "never running but deaf"
is "$unrecovered" 0 "every exit recovered by a restart"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# Every observation in the log is whole: it has the fields each one must.
bad=$(python3 - C/log/entries <<'PY'
import json, sys
b = open(sys.argv[1], 'rb').read()
i = bad = 0
while i + 2 <= len(b):
    n = int.from_bytes(b[i:i + 2], 'big')
    e = json.loads(b[i + 2:i + 2 + n])
    i += 2 + n
    if e.get('type') == 'observation' and not all(
            k in e for k in ('observed_at', 'source', 'category', 'location',
                             'count')):
        bad += 1
        print(sorted(e), file=sys.stderr)
print(bad)
PY
)
is "$bad" 0 "no incomplete observation in the log"
grep -v 'out of memory\|internal error' serve.log | grep -i 'fatal' |
	sort | uniq -c | sed 's/^/# /' | head -5
done_testing
