#!/usr/bin/env bash
# Streams behind the event ring (docs/alerts.md): events older than the
# ring's EVENTS_RING (4,096) are recomputed from the log and the store,
# once for all the streams behind together, not once per stream. Eight
# streams reading 9,000 old entries must cost the server well under eight
# times the CPU of one (before the shared recomputation it was about
# eight times, and on a loaded machine streams that fell behind the ring
# never caught up), and each must still get every event, in order.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/behind --member RU --member TR)
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
conf_set "$D" write_burst 1000000
conf_set "$D" write_per_minute 1000000
conf_set "$D" stream_max_per_principal 20
center_serve "$D" || exit 1

# 9 batches of 1,000 observations spread over 2 x 2 degrees, with one far
# away after the second batch (A) and one at the end (B): the streams'
# bbox filter passes those two only, so their events say a stream has
# walked every entry before them.
python3 - "$TAP_TMP/obs" <<'PY'
import json, random, sys
rng = random.Random(7)
for b in range(9):
    obs = [{"observed_at": "2026-11-20T10:00:00Z",
            "source": {"type": "patrol", "member": "RU",
                       "unit": "P-%d" % rng.randrange(1 << 30)},
            "category": "explosion",
            "location": {"lat": round(39 + rng.random() * 2, 6),
                         "lon": round(46 + rng.random() * 2, 6),
                         "precision_m": 100}} for _ in range(1000)]
    open("%s.%d" % (sys.argv[1], b), "w").write(json.dumps(obs))
PY
far() { # far A|B: the observation far away, one of each
	printf '{"observed_at":"2026-11-20T10:00:00Z","source":{"type":"patrol","member":"RU","unit":"P-far-%s"},"category":"explosion","location":{"lat":44.5,"lon":44.5,"precision_m":100}}' "$1"
}
for b in 0 1 A 2 3 4 5 6 7 8 B; do
	case $b in
	A | B) r=$(post_json /v1/observations "$(far $b)") ;;
	*) r=$(api POST /v1/observations -H 'Content-Type: application/json' \
		--data-binary "@$TAP_TMP/obs.$b") ;;
	esac
	[ "$(status_of "$r")" = 201 ] || diag "batch $b: $(status_of "$r")"
	[ "$b" = A ] && a=$(api GET /v1/health | sed '$d' | jq '.log_size - 1')
done
b=$(api GET /v1/health | sed '$d' | jq '.log_size - 1')
is "$((b - a))" 7001 "9,002 observations written"

# reader AFTER UNTIL: a stream after index AFTER until the event of index
# UNTIL; prints how many events it got, whether their ids rose, the last.
reader() {
	python3 - "$URL" "$TOKEN" "$1" "$2" <<'PY'
import signal, sys, urllib.request
url, tok, after, until = sys.argv[1:5]
signal.alarm(90)
rq = urllib.request.Request(
    url + "/v1/events?after=" + after + "&bbox=44.4,44.4,44.6,44.6",
    headers={"Authorization": "Bearer " + tok})
n, prev, order = 0, -1, "ordered"
with urllib.request.urlopen(rq, timeout=120) as r:
    for line in r:
        if line.startswith(b"id: "):
            i = int(line[4:])
            n += 1
            if i <= prev:
                order = "disordered"
            prev = i
            if str(i) == until:
                break
print(n, order, prev)
PY
}
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# The follower has reached B (in the ring: nothing recomputed).
is "$(reader $((b - 1)) "$b")" "1 ordered $b" "the follower reached the end"

# One stream over the 2,000 entries before A, all behind the ring.
c0=$(cpu)
is "$(reader 0 "$a")" "1 ordered $a" "a stream walks 2,000 entries behind the ring"
c1=$(cpu)
# Eight together over the 7,000 from A to B, about 2,900 behind the ring.
pids=()
for k in 1 2 3 4 5 6 7 8; do
	reader "$a" "$b" >"$TAP_TMP/reader.$k" &
	pids+=($!)
done
wait "${pids[@]}"
c2=$(cpu)
n=$(cat "$TAP_TMP"/reader.* | grep -c "^1 ordered $b\$")
is "$n" 8 "eight streams behind together each get every event"
one=$((c1 - c0))
eight=$((c2 - c1))
diag "server CPU (ticks): one stream $one, eight streams $eight"
ok "$([ "$eight" -le $((one * 4 + 20)) ] && echo 0 || echo 1)" \
	"eight streams behind cost less than four times one ($eight <= 4 x $one + 20)"
center_stop
done_testing
