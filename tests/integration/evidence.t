#!/usr/bin/env bash
# Evidence against the real server: bytes stored unaltered under their
# SHA-256 and returned bit-identical with their media type, an expected
# digest that does not match refused (query and RFC 9530 header), limits,
# the chain of custody (who uploaded and fetched, each a log entry), a
# liaison's narrower view, and the custody surviving a rebuild.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/ev --member RU --member TR --party AM)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
conf_set "$D" max_evidence_bytes 300000
center_serve "$D" || exit 1
mon=$(token_for "$D" mon monitor --member RU)
vie=$(token_for "$D" vie viewer)
lia=$(token_for "$D" lia liaison --party AM)

# A file with every byte value, NULs and a CRLF, as a camera would write.
f=$TAP_TMP/photo.jpg
{ printf '\xff\xd8\xff\xe0\r\n\0\0'; for i in $(seq 0 255); do printf "\\x$(printf %02x "$i")"; done
  head -c 200000 /dev/urandom; printf '\r\n\xff\xd9'; } >"$f"
sha=$(sha256sum "$f" | cut -c1-64)
upload() { # upload FILE CTYPE [CURL ARGS...]
	local file=$1 ct=$2
	shift 2
	api POST "/v1/evidence$Q" -H "Content-Type: $ct" --data-binary @"$file" "$@"
}

Q=
r=$(TOKEN=$mon upload "$f" image/jpeg)
is "$(status_of "$r")" 201 "upload a photo: 201"
is "$(body_of "$r" | jq -r .sha256)" "$sha" "its SHA-256 is the digest of the bytes"
is "$(body_of "$r" | jq -r .size)" "$(stat -c %s "$f")" "and its size"
up1=$(body_of "$r" | jq -r .index)
stored=$D/evidence/sha256/${sha:0:2}/$sha
ok $(cmp -s "$f" "$stored"; echo $?) "stored unaltered under its digest"
is "$(stat -c %a "$stored")" 440 "read-only on disk"

h=$TAP_TMP/h
TOKEN=$vie api GET "/v1/evidence/$sha" -D "$h" -o "$TAP_TMP/got" >/dev/null
ok $(cmp -s "$f" "$TAP_TMP/got"; echo $?) "GET returns the bytes bit-identical"
like "$(cat "$h")" $'Content-Type: image/jpeg\r' "with the stored media type"
b64=$(xxd -r -p <<<"$sha" | base64 -w0)
ok $(grep -qF "Repr-Digest: sha-256=:$b64:" "$h"; echo $?) "and its digest (RFC 9530)"
like "$(cat "$h")" $'Content-Disposition: attachment\r' "served as an attachment"

r=$(upload "$f" image/jpeg)
is "$(status_of "$r")" 200 "the same bytes again: 200, stored once"
is "$(body_of "$r" | jq -r .created)" false "created: false"
Q="?sha256=$sha"
r=$(upload "$f" image/jpeg)
is "$(status_of "$r")" 200 "a matching expected digest is accepted"
printf 'a different video' >"$TAP_TMP/v.mp4"
vsha=$(sha256sum "$TAP_TMP/v.mp4" | cut -c1-64)
r=$(upload "$TAP_TMP/v.mp4" video/mp4)
is "$(status_of "$r")" 422 "a digest mismatch (?sha256=): 422"
like "$(body_of "$r")" "$vsha" "naming the digest of what arrived"
Q=
r=$(TOKEN=$vie api GET "/v1/evidence/$vsha")
is "$(status_of "$r")" 404 "nothing was stored"
ok $([ ! -e "$D/evidence/sha256/${vsha:0:2}/$vsha" ]; echo $?) "not even on disk"
ok $([ -z "$(ls -A "$D/evidence/tmp")" ]; echo $?) "no temporary file is left"
r=$(upload "$TAP_TMP/v.mp4" video/mp4 -H "Content-Digest: sha-256=:$b64:")
is "$(status_of "$r")" 422 "a digest mismatch (Content-Digest): 422"
vb64=$(xxd -r -p <<<"$vsha" | base64 -w0)
r=$(upload "$TAP_TMP/v.mp4" video/mp4 -H "Content-Digest: sha-256=:$vb64:")
is "$(status_of "$r")" 201 "a matching Content-Digest: 201"
r=$(upload "$TAP_TMP/v.mp4" video/mp4 -H "Content-Digest: sha-256=:abc:")
is "$(status_of "$r")" 400 "a malformed Content-Digest: 400"
Q="?sha256=XYZ"
r=$(upload "$TAP_TMP/v.mp4" video/mp4)
is "$(status_of "$r")" 400 "a malformed ?sha256: 400"
# Two expected digests that disagree: whichever is right, 422 (reliability
# "Conflicting digests"). Nothing is stored in either order.
printf 'a third item' >"$TAP_TMP/t.bin"
tsha=$(sha256sum "$TAP_TMP/t.bin" | cut -c1-64)
tb64=$(xxd -r -p <<<"$tsha" | base64 -w0)
Q="?sha256=$tsha"
r=$(upload "$TAP_TMP/t.bin" video/mp4 -H "Content-Digest: sha-256=:$b64:")
is "$(status_of "$r")" 422 "right ?sha256, wrong Content-Digest: 422"
like "$(body_of "$r")" "sha256.*Content-Digest.*disagree" "saying the two disagree"
Q="?sha256=$sha"
r=$(upload "$TAP_TMP/t.bin" video/mp4 -H "Content-Digest: sha-256=:$tb64:")
is "$(status_of "$r")" 422 "wrong ?sha256, right Content-Digest: 422"
Q=
r=$(upload "$TAP_TMP/t.bin" video/mp4 -H "Content-Digest: sha-256=:$tb64:, sha-256=:$b64:")
is "$(status_of "$r")" 422 "two sha-256 members that disagree: 422"
r=$(upload "$TAP_TMP/t.bin" video/mp4 -H "Content-Digest: sha-256=:$tb64:" -H "Content-Digest: sha-256=:$b64:")
is "$(status_of "$r")" 422 "two Content-Digest headers that disagree: 422"
r=$(TOKEN=$vie api GET "/v1/evidence/$tsha")
is "$(status_of "$r")" 404 "none of them stored the item"
Q="?sha256=$tsha"
r=$(upload "$TAP_TMP/t.bin" video/mp4 -H "Content-Digest: sha-512=:AAAA:, sha-256=:$tb64:")
is "$(status_of "$r")" 201 "digests that agree (other algorithms ignored): 201"
Q=

head -c 300001 /dev/zero >"$TAP_TMP/big"
# The answer comes before the body is read: the client waits for it
# (Expect: 100-continue) instead of racing the server's close.
r=$(upload "$TAP_TMP/big" video/mp4 -H 'Expect: 100-continue')
is "$(status_of "$r")" 413 "over max_evidence_bytes: 413"
like "$(body_of "$r")" "300000" "naming the limit"
r=$(head -c 300001 /dev/zero | api POST /v1/evidence -H 'Content-Type: video/mp4' \
	-H 'Transfer-Encoding: chunked' --data-binary @-)
is "$(status_of "$r")" 413 "chunked, without a length: 413 too"
r=$(api POST /v1/evidence --data-binary @"$f" -H 'Content-Type:')
is "$(status_of "$r")" 415 "no media type: 415"
r=$(upload "$f" 'image')
is "$(status_of "$r")" 415 "not type/subtype: 415"
r=$(api POST /v1/evidence -H 'Content-Type: image/png')
is "$(status_of "$r")" 400 "an empty body: 400"
r=$(TOKEN=$vie upload "$f" image/jpeg)
is "$(status_of "$r")" 403 "a viewer may not upload"

# A liaison fetches what it uploaded, nothing else.
printf 'complaint photo' >"$TAP_TMP/c.png"
csha=$(sha256sum "$TAP_TMP/c.png" | cut -c1-64)
r=$(TOKEN=$lia upload "$TAP_TMP/c.png" image/png)
is "$(status_of "$r")" 201 "a liaison uploads"
r=$(TOKEN=$lia api GET "/v1/evidence/$csha")
is "$(status_of "$r")" 200 "and fetches its own upload"
r=$(TOKEN=$lia api GET "/v1/evidence/$sha")
is "$(status_of "$r")" 404 "but not the monitor's photo"
r=$(TOKEN=$lia api GET "/v1/evidence/$csha/custody")
is "$(status_of "$r")" 403 "nor the custody chain"

# Chain of custody.
r=$(api GET "/v1/evidence/$sha/custody")
is "$(status_of "$r")" 200 "custody of the photo"
is "$(body_of "$r" | jq -c '[.custody[] | [.action, .by]]')" \
	'[["upload","mon"],["fetch","vie"],["upload","admin"],["upload","admin"]]' \
	"who uploaded and fetched, in log order"
is "$(body_of "$r" | jq -r '.custody[0].index')" "$up1" "each with its log index"
is "$(body_of "$r" | jq -c '[.custody[] | keys_unsorted] | unique')" \
	'[["index","action","by","at_ms"]]' "each step's fields in the API's order"
is "$(body_of "$r" | jq -r .media_type)" image/jpeg "the media type of the first upload"
entry=$(api GET "/tile/entries/000.p/$(($(NO_TOKEN=1 api GET /v1/health | sed '$d' | jq .log_size)))" |
	sed '$d' | tr -d '\0' | grep -ao '{"action":"fetch"[^}]*}' | head -1)
like "$entry" "\"by\":\"vie\"" "the fetch is a log entry: $entry"
r=$(api GET "/v1/evidence/$(printf '%064d' 0)/custody")
is "$(status_of "$r")" 404 "custody of unknown evidence: 404"

# An observation refers to evidence by digest.
obs=$(printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU"},"category":"explosion","location":{"lat":39.9,"lon":46.9},"evidence":[{"sha256":"%s","media_type":"image/jpeg"}]}' "$sha")
r=$(TOKEN=$mon post_json /v1/observations "$obs")
is "$(status_of "$r")" 201 "an observation cites the photo by digest"

before=$(api GET "/v1/evidence/$sha/custody" | sed '$d')
center_stop
"$TRUCE_BIN" rebuild "$D" >/dev/null
center_serve "$D" || exit 1
is "$(api GET "/v1/evidence/$sha/custody" | sed '$d')" "$before" "rebuild restores the custody chain"
chmod u+w "$stored" && printf 'X' | dd of="$stored" bs=1 seek=100 conv=notrunc 2>/dev/null
r=$(api GET "/v1/evidence/$sha")
is "$(status_of "$r")" 500 "bytes altered on disk are never served"
like "$(body_of "$r")" "no longer match" "saying why"
center_stop
done_testing
