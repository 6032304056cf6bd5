#!/usr/bin/env bash
# TLS (issue 17, "Transport"): the center and a member's witness serve
# HTTPS with libmicrohttpd's GnuTLS support; the clients (query, observe,
# audit) and the center's cosigning rounds check the certificates against
# a CA given with --cacert, TRUCE_CACERT or witness_cacert. The test makes
# its own CA with openssl.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1
command -v openssl >/dev/null || { echo "1..0 # SKIP no openssl"; exit 0; }

# A CA and a certificate for 127.0.0.1 signed by it; another, unrelated CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -days 2 -subj /CN=truce-test-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out srv.pem -days 2 -extfile san.ext 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout other.key -out other.pem -days 2 -subj /CN=other 2>/dev/null
ok $([ -s srv.pem ] && [ -s ca.pem ]; echo $?) "a test CA and a server certificate for 127.0.0.1"

# A witness over HTTPS.
out=$("$T" init C --origin example.org/tls --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
W1=$("$T" keygen RU-witness --cosign --out w1.key 2>/dev/null)
"$T" witness --key w1.key --log "$LOGKEY" --state ws --listen 127.0.0.1:0 \
	--tls-cert srv.pem --tls-key srv.key >w.log 2>&1 &
tap_pids+=("$!")
for _ in $(seq 1 100); do grep -q ' on https:' w.log && break; sleep 0.05; done
WURL=$(sed -n 's/.* on \(https:[^ ]*\)$/\1/p' w.log)
like "$WURL" '^https://127\.0\.0\.1:[0-9]+$' "the witness serves HTTPS"
printf 'witness = %s %s\nwitness_cacert = %s\n' "$WURL" "$W1" "$TAP_TMP/ca.pem" >>C/truce.conf

"$T" serve C --listen 127.0.0.1:0 --tls-cert srv.pem --tls-key srv.key >s.log 2>&1 &
SERVER_PID=$!
tap_pids+=("$SERVER_PID")
for _ in $(seq 1 200); do grep -q ' on https:' s.log && break; sleep 0.05; done
URL=$(sed -n 's/.* on \(https:[^ ]*\)$/\1/p' s.log)
like "$URL" '^https://127\.0\.0\.1:[0-9]+$' "the center serves HTTPS"
is "$(curl -s --cacert ca.pem -o /dev/null -w '%{http_code}' "$URL/v1/health")" 200 \
	"curl --cacert: health answers"
curl -s -o /dev/null "$URL/v1/health"
is $? 60 "without the CA curl refuses the certificate"
st=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://${URL#https://}/v1/health")
ok $([ "$st" = 200 ]; echo $((1 - $?))) "plain HTTP to the TLS port gets no answer ($st)"

# Clients: --cacert, TRUCE_CACERT, and a wrong CA.
"$T" observe --server "$URL" --token "$TOKEN" --cacert ca.pem \
	--at 2026-11-28T14:20:00Z --source-type patrol --member RU \
	--category explosion --lat 39.98 --lon 46.93 >obs.out 2>&1
is $? 0 "truce observe --cacert over HTTPS"
TRUCE_CACERT=$TAP_TMP/ca.pem "$T" query --server "$URL" --token "$TOKEN" \
	--format jsonl >q.out 2>&1
is $? 0 "truce query with TRUCE_CACERT"
is "$(wc -l <q.out)" 1 "and it lists the observation"
"$T" query --server "$URL" --token "$TOKEN" --cacert other.pem >q2.out 2>&1
ok $([ $? -ne 0 ]; echo $?) "truce query with another CA fails"
like "$(cat q2.out)" "[Cc]ertificate|SSL|TLS" "saying it is the certificate"

# The cosigning round over HTTPS, and an audit over HTTPS.
size=$(curl -s --cacert ca.pem "$URL/v1/health" | jq .log_size)
for _ in $(seq 1 100); do
	[ "$(curl -s --cacert ca.pem "$URL/checkpoint" | sed -n 2p)" = "$size" ] && break
	sleep 0.1
done
like "$(curl -s --cacert ca.pem "$URL/checkpoint")" "— RU-witness " \
	"the witness cosigned over HTTPS: the checkpoint is joint"
"$T" audit "$URL" --log-key "$LOGKEY" --witness-key "$W1" --token "$TOKEN" \
	--cacert ca.pem >audit.out 2>&1
st=$?
is "$st" 0 "truce audit --cacert over HTTPS passes"
[ "$st" = 0 ] || sed 's/^/#   /' audit.out
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
ok $? "clean stop"
done_testing
