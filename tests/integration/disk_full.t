#!/usr/bin/env bash
# A disk that fills (issue 11, defect 6): a center on a small tmpfs takes
# writes until the disk is full; then it stays up, refuses writes with a
# clear 503/507 that names no server path, serves reads from what it has,
# loses no acknowledged write, and takes writes again once space is freed.
# Needs root (mount); CI runs as root.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
FS=$TAP_TMP/fs
mkdir -p "$FS"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=6m tmpfs "$FS" 2>/dev/null; then
	echo "1..0 # SKIP needs root to mount a small tmpfs"
	exit 0
fi
unmount() { umount -l "$FS" 2>/dev/null; }
trap 'unmount; tap_cleanup' EXIT
cd "$TAP_TMP" || exit 1

center_init "$FS/C" || exit 1
# Room to give back later: a file that holds part of the disk.
dd if=/dev/zero of="$FS/filler" bs=1M count=2 status=none
center_serve "$FS/C" || exit 1

# Batches of 100 distinct observations until the disk refuses one.
b=0
last=
while [ $b -lt 200 ]; do
	awk -v B=$((b + 500)) -v N=100 -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	r=$(post_json /v1/observations @batch.json)
	last=$(status_of "$r")
	[ "$last" = 201 ] || break
	body_of "$r" | jq -r '.results[].id' >>acked
	b=$((b + 1))
done
acked=$(sort -u acked | wc -l)
ok $((acked < 100)) "the center acknowledged $acked observations before the disk filled"
like "$last" '^50[37]$' "then a write is refused with 503 or 507 (got $last)"
detail=$(body_of "$r" | jq -r .detail)
ok $((${#detail} == 0)) "the refusal says why"
diag "$detail"

# Writes go on being refused, clearly, while the center stays up.
sleep 1
r=$(post_json /v1/observations @batch.json)
like "$(status_of "$r")" '^50[37]$' "a second write is refused too"
kill -0 "$SERVER_PID"
ok $? "the server is still running"
r=$(api GET /v1/health)
is "$(status_of "$r")" 200 "health answers"
r=$(api GET '/v1/observations?limit=5')
is "$(status_of "$r")" 200 "reads answer from what the store holds"
printf 'evidence bytes %.0s' $(seq 1 20000) >item.bin
r=$(api POST /v1/evidence -H 'Content-Type: application/octet-stream' \
	--data-binary @item.bin)
like "$(status_of "$r")" '^50[37]$' "an evidence upload on the full disk: 503/507"
d=$(body_of "$r" | jq -r .detail)
ok $([[ "$d" == *"$FS"* || "$d" == */evidence/* ]] && echo 1 || echo 0) \
	"its detail names no server path ($d)"

# A restart on the full disk says what is wrong, or serves what it has.
center_stop
"$T" serve "$FS/C" --listen 127.0.0.1:0 >full.log 2>&1 &
pid=$!
tap_pids+=("$pid")
for _ in $(seq 1 100); do
	grep -q ' on http' full.log && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if grep -q ' on http' full.log; then
	ok 0 "restarted on the full disk, the center serves"
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' full.log)
	SERVER_PID=$pid
else
	wait "$pid"
	like "$(cat full.log)" "the store cannot keep entries up to [0-9]+ \(the disk may be full" \
		"restarted on the full disk, the center says the disk is full"
	ok $([ -e "$FS/C/control.sock" ] && echo 1 || echo 0) \
		"and leaves no control socket behind"
	rm -f "$FS/filler"
	center_serve "$FS/C" || exit 1
fi

# Space comes back: writes are taken again, nothing acknowledged is lost.
rm -f "$FS/filler"
st=
for i in $(seq 1 40); do
	awk -v B=$((900 + i)) -v N=10 -f "$TRUCE_TOP/bench/ledger/gen.awk" >small.json
	r=$(post_json /v1/observations @small.json)
	st=$(status_of "$r")
	[ "$st" = 201 ] && break
	sleep 0.5
done
is "$st" 201 "with space freed, a write is acknowledged again"
missing=0
for id in $(sort -u acked); do
	s=$(curl -s -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" "$URL/v1/observations/$id")
	[ "$s" = 200 ] || missing=$((missing + 1))
done
is "$missing" 0 "every acknowledged observation is there"
center_stop
ok $? "clean stop"
ok $([ -e "$FS/C/control.sock" ] && echo 1 || echo 0) "no control socket left behind"
center_serve "$FS/C"
ok $? "and the center starts again"
center_stop
done_testing
