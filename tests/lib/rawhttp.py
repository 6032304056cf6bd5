#!/usr/bin/env python3
# rawhttp.py PORT REQUEST [SECONDS]: sends REQUEST (backslash escapes such
# as \r\n decoded) to 127.0.0.1:PORT as it is, which curl will not do for a
# malformed request, and prints what comes back until the server closes the
# connection; "<<TIMEOUT>>" ends the output if it does not within SECONDS
# (default 5). The integration tests use it to check HTTP framing.
import socket
import sys

port = int(sys.argv[1])
req = sys.argv[2].encode().decode("unicode_escape").encode("latin1")
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(wait)
s.sendall(req)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b"<<TIMEOUT>>"
except ConnectionResetError:
    out += b"<<RESET>>"
sys.stdout.write(out.decode("latin1"))
