#!/usr/bin/env bash
# bench/pgstore/rebuild.sh: `truce rebuild` of a PostgreSQL store, several
# binaries in turn over the same center (bench/RESULTS.md, "PostgreSQL
# rebuild: atomic, and in bulk order"). A throwaway cluster
# (tests/lib/pg.sh, durable defaults); a center fed `truce simulate` (DAYS
# days of PER_DAY, default 40 x 300) by the last binary; then REPS times
# each binary rebuilds it. Prints, a line each: wall seconds, truce's CPU
# (user + sys), the cluster's (its processes' ticks and the exited ones',
# 10 ms each) and entries per CPU-second of the two together.
#   BINARIES="old/truce build/release/truce" REPS=3 bench/pgstore/rebuild.sh
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
read -r -a BINS <<<"${BINARIES:?BINARIES names truce binaries}"
REPS=${REPS:-3}
DAYS=${DAYS:-40}
PER_DAY=${PER_DAY:-300}
B=${BINS[${#BINS[@]} - 1]}
. "$TOP/tests/lib/pg.sh"
export PG_DURABLE=1
pg_start || exit 1
W=$(mktemp -d)
trap 'pg_stop; rm -rf "$W"' EXIT
pg_createdb rb >/dev/null || exit 1
cd "$W" || exit 1
ln -s "$TOP/data" data
out=$("$B" init C --origin example.org/rb --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
sed -i "s|^store = .*|store = ${PG_URI%/}/rb|" C/truce.conf
rm -f C/store.db
"$B" serve C --listen 127.0.0.1:0 >serve.log 2>&1 &
SPID=$!
for _ in $(seq 1 200); do
	URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' serve.log)
	[ -n "$URL" ] && break
	sleep 0.05
done
"$B" simulate --from 2026-08-01 --days "$DAYS" --per-day "$PER_DAY" \
	--seed 5 2>/dev/null >sim.jsonl
TRUCE_SERVER=$URL TRUCE_TOKEN=$TOKEN "$B" import sim.jsonl >&2
sleep 3
kill "$SPID"; wait "$SPID"
pgcpu() { # ticks of the cluster's processes, the exited ones included
	local pm t p
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	t=$(awk '{print $16 + $17}' "/proc/$pm/stat")
	for p in $(pgrep -P "$pm"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null ||
			echo 0)))
	done
	echo "$t"
}
for rep in $(seq 1 "$REPS"); do
	for i in "${!BINS[@]}"; do
		c0=$(pgcpu)
		/usr/bin/time -f '%e %U %S' -o time.txt "${BINS[$i]}" rebuild C \
			>rebuild.log 2>&1 || { cat rebuild.log >&2; exit 1; }
		sleep 1 # the rebuild's backend exits and is reaped
		c1=$(pgcpu)
		n=$(psql -X -A -t -q "${PG_URI%/}/rb" \
			-c "SELECT value FROM meta WHERE key = 'applied_size'")
		read -r wall u s <time.txt
		awk -v r="$rep" -v b="$i" -v w="$wall" -v t="$u + $s" \
			-v tu="$u" -v ts="$s" -v p="$(( c1 - c0 ))" -v n="$n" \
			'BEGIN { tc = tu + ts; pc = p / 100;
			printf "rep=%d binary=%d entries=%d wall_s=%s " \
			    "truce_cpu_s=%.2f pg_cpu_s=%.2f " \
			    "entries_per_cpu_s=%.0f\n", r, b, n, w, tc, pc,
			    n / (tc + pc) }'
	done
done
