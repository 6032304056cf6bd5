#!/usr/bin/env python3
# hookrecv.py: a webhook receiver for the tests, on 127.0.0.1.
#   hookrecv.py DIR SECRET [PORT]
# Writes its port to DIR/port, and one JSON line per request to DIR/log:
# {"path","delivery","valid" (the X-Truce-Signature is the HMAC-SHA256 of
# the body with SECRET),"status" (what it answered),"body"}. It answers
# the next code listed in DIR/codes.PATHNAME (one per line, consumed),
# else 200; "slow" there answers 200 after a second.
import hashlib, hmac, json, os, sys, time
from http.server import HTTPServer, BaseHTTPRequestHandler

d, secret = sys.argv[1], sys.argv[2].encode()
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        sig = self.headers.get('X-Truce-Signature', '')
        want = 'sha256=' + hmac.new(secret, body, hashlib.sha256).hexdigest()
        codes = os.path.join(d, 'codes.' + self.path.strip('/'))
        status = 200
        if os.path.exists(codes):
            with open(codes) as f:
                lines = f.read().split()
            if lines:
                if lines[0] == 'slow':
                    time.sleep(1)
                else:
                    status = int(lines[0])
                with open(codes, 'w') as f:
                    f.write('\n'.join(lines[1:]))
        rec = {'path': self.path, 'delivery':
               self.headers.get('X-Truce-Delivery'), 'valid':
               hmac.compare_digest(sig, want), 'status': status,
               'body': json.loads(body)}
        with open(os.path.join(d, 'log'), 'a') as f:
            f.write(json.dumps(rec) + '\n')
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass

s = HTTPServer(('127.0.0.1', port), H)
with open(os.path.join(d, 'port.tmp'), 'w') as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(d, 'port.tmp'), os.path.join(d, 'port'))
s.serve_forever()
