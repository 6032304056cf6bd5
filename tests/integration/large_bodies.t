#!/usr/bin/env bash
# Large JSON bodies against the real server: a body of more values than
# max_json_values is refused before it is parsed (a parsed value costs
# tens of bytes where its text costs two), a large body beyond
# max_large_bodies in flight is answered 503 at once, and /v1/health
# answers meanwhile; the place is given back when the request ends.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D" || exit 1
conf_set "$D" max_large_bodies 1
conf_set "$D" max_json_values 100000
is "$("$TRUCE_BIN" serve "$D" --check)" "configuration OK" \
	"one large body at a time, 100,000 values"
center_serve "$D" || exit 1
port=${URL##*:}

# 2 MB of nested arrays of ones: 700,001 values.
body=$TAP_TMP/ones.json
python3 -c 'import sys; sys.stdout.write("[[" + "1," * 700000 + "1]]")' \
	>"$body"
r=$(api POST /v1/observations -H 'Content-Type: application/json' \
	--data-binary @"$body")
is "$(status_of "$r")" 413 "too many values: 413"
like "$(body_of "$r")" 'more values than the limit of 100000 \(max_json_values\)' \
	"the answer names the limit"
r=$(api POST /v1/observations -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$body")
is "$(status_of "$r")" 413 "too many values, chunked: 413"

# One large body held in flight (declared, a little of it sent); a second
# one is refused at once; health answers; then the place comes back.
out=$(python3 - "$port" "$TOKEN" "$URL" <<'PY'
import socket, subprocess, sys, time

port, token, url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
head = ("POST /v1/observations HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
        "Content-Length: 2000000\r\n\r\n" % token).encode()

def start():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(3)
    s.sendall(head + b"[" + b" " * 1000)
    return s

def status(s):
    try:
        d = s.recv(4096).decode("latin1")
    except OSError:
        return "none", ""
    return (d.split(" ")[1] if d.startswith("HTTP/") else "none"), d

a = start()
time.sleep(0.3)
b = start()
st, text = status(b)
print("second", st)
print("retry", "yes" if "Retry-After: 1" in text else "no")
print("named", "yes" if "max_large_bodies" in text else "no")
t = time.monotonic()
h = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "-m", "3", url + "/v1/health"], capture_output=True)
print("health", h.stdout.decode(), "%.1f" % (time.monotonic() - t))
a.close()
b.close()
time.sleep(0.5)
c = start()
c.sendall(b"]" + b" " * (2000000 - 1002))
print("after", status(c)[0])
PY
)
diag "$(echo $out)"
is "$(printf '%s\n' "$out" | sed -n 's/^second //p')" 503 \
	"a second large body in flight: 503"
is "$(printf '%s\n' "$out" | sed -n 's/^retry //p')" yes "with Retry-After"
is "$(printf '%s\n' "$out" | sed -n 's/^named //p')" yes \
	"the answer names max_large_bodies"
like "$(printf '%s\n' "$out" | sed -n 's/^health //p')" '^200 [0-2]\.' \
	"/v1/health answers meanwhile, within 3 s"
like "$(printf '%s\n' "$out" | sed -n 's/^after //p')" '^4[0-9][0-9]$' \
	"the place comes back when the request ends (judged, not 503)"
r=$(NO_TOKEN=1 api GET /v1/health)
is "$(status_of "$r")" 200 "the server still answers"
center_stop
ok $? "clean stop"
done_testing
