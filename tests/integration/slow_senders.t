#!/usr/bin/env bash
# Slow senders against the real server: 600 connections from one address
# each sending a request's headers a line at a time, steadily enough that
# no idle timeout fires. Only max_connections_per_address of them are
# taken; those are closed once header_timeout_s has passed since they
# opened, however steadily they send; and meanwhile another client (from
# 127.0.0.2) gets 20 of 20 answers.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D" || exit 1
conf_set "$D" header_timeout_s 2
conf_set "$D" max_connections_per_address 50
is "$("$TRUCE_BIN" serve "$D" --check)" "configuration OK" \
	"header timeout 2 s, 50 connections per address"
center_serve "$D" || exit 1
port=${URL##*:}

out=$(python3 - "$port" 600 2 <<'PY'
import socket, sys, time

port, n, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
slow = []
for i in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    except OSError:
        s.close()
start = time.monotonic()

def is_open(s):
    s.setblocking(False)
    try:
        return s.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False

def trickle():
    for s in slow:
        try:
            s.sendall(b"X-a: b\r\n")
        except OSError:
            pass

time.sleep(0.3)
print("held", sum(1 for s in slow if is_open(s)))
answered = 0
for i in range(20):
    trickle()
    c = socket.socket()
    c.settimeout(3)
    try:
        c.bind(("127.0.0.2", 0))
        c.connect(("127.0.0.1", port))
        c.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        if c.recv(64).startswith(b"HTTP/1.1 200 "):
            answered += 1
    except OSError:
        pass
    c.close()
print("answered", answered)
while time.monotonic() - start < limit + 1.5:
    trickle()
    time.sleep(0.25)
print("open", sum(1 for s in slow if is_open(s)))
PY
)
diag "$(echo $out)"
held=$(printf '%s\n' "$out" | sed -n 's/^held //p')
ok "$([ "${held:-999}" -le 50 ] && [ "${held:-0}" -gt 0 ]; echo $?)" \
	"at most 50 connections held from one address (held $held)"
is "$(printf '%s\n' "$out" | sed -n 's/^answered //p')" 20 \
	"another client got 20 of 20 answers meanwhile"
is "$(printf '%s\n' "$out" | sed -n 's/^open //p')" 0 \
	"every slow sender was closed after the header timeout"
r=$(NO_TOKEN=1 api GET /v1/health)
is "$(status_of "$r")" 200 "the server still answers"
center_stop
ok $? "clean stop"
done_testing
