#!/usr/bin/env bash
# A failed fdatasync of the log (issue 17, "Faults"): the center stops
# acknowledging writes and says why (503 and the log's message), never goes
# on with a log whose state on disk is unknown, keeps serving reads, loses
# nothing it acknowledged, and takes writes again after a restart.
# tests/lib/faultshim.c, preloaded, fails the log's fdatasync while a
# trigger file exists.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
SHIM=$TRUCE_TOP/build/asan/faultshim.so
[ -e "$SHIM" ] || { echo "1..0 # SKIP $SHIM is not built (make test-build)"; exit 0; }
cd "$TAP_TMP" || exit 1
D=$TAP_TMP/center
center_init "$D" || exit 1
export TRUCE_FAULT_FDATASYNC=$TAP_TMP/fail-now
# The shim comes after ASan's runtime in the list: tell ASan that is fine.
LD_PRELOAD=$SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	center_serve "$D" || exit 1

post() {
	awk -v B="$1" -v N=50 -f "$TRUCE_TOP/bench/ledger/gen.awk" >b.json
	post_json /v1/observations @b.json
}
r=$(post 1)
is "$(status_of "$r")" 201 "writes are acknowledged while the disk works"
body_of "$r" | jq -r '.results[].id' >acked
touch fail-now
r=$(post 2)
is "$(status_of "$r")" 503 "the write whose sync fails: 503"
r=$(post 3)
is "$(status_of "$r")" 503 "and every write after it"
like "$(body_of "$r" | jq -r .detail)" "the log's disk failed \(fdatasync: Input/output error\): the center takes no more writes until it is restarted" \
	"saying why"
rm fail-now
r=$(post 4)
is "$(status_of "$r")" 503 "even once the disk answers again: the state is unknown until a restart"
r=$(api GET '/v1/observations?limit=100')
is "$(status_of "$r")" 200 "reads go on"
center_stop
ok $? "clean stop"
center_serve "$D" || exit 1
missing=0
for id in $(cat acked); do
	s=$(curl -s -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" "$URL/v1/observations/$id")
	[ "$s" = 200 ] || missing=$((missing + 1))
done
is "$missing" 0 "after a restart every acknowledged observation is there"
r=$(post 5)
is "$(status_of "$r")" 201 "and writes are taken again"
center_stop
done_testing
