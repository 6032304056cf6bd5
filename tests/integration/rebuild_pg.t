#!/usr/bin/env bash
# `truce rebuild` of a PostgreSQL store is atomic for its readers
# (docs/storage.md, "What differs"): the log is replayed into fresh tables
# beside the store and swapped in by one transaction, so a reader (a psql
# session counting observations, a read server answering the incidents
# listing) sees the whole old store or the whole new one, never one being
# refilled; a rebuild killed midway leaves the old store served, and the
# next one drops what it left. A throwaway cluster (tests/lib/pg.sh)
# unless TRUCE_TEST_STORE names one; skipped when the binary has no
# PostgreSQL backend.
: "${TRUCE_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TRUCE_TOP/tests/lib/on_pg.sh"
. "$TRUCE_TOP/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

# reader_serve DIR: starts a read server of DIR; sets RURL.
reader_serve() {
	local log="$TAP_TMP/reader.$RANDOM.log" i
	"$T" serve "$1" --read-only --listen 127.0.0.1:0 >"$log" 2>&1 &
	tap_pids+=("$!")
	for i in $(seq 1 300); do
		RURL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$log")
		[ -n "$RURL" ] && return 0
		sleep 0.05
	done
	echo "# read server did not start:" && sed 's/^/#   /' "$log"
	return 1
}
# listing: the read server's incidents listing, as status and checksum.
# An answer other than the one wanted is kept in odd.answers, shown when
# a check fails.
listing() {
	local b c
	b=$(curl -s -H "Authorization: Bearer $TOKEN" -w ' %{http_code}' \
		"$RURL/v1/incidents?limit=100")
	c=$(printf '%s\n' "$b" | md5sum | cut -c1-12)
	[ -n "${want:-}" ] && [ "$c" != "$want" ] &&
		printf '%s: %s\n' "$c" "$(printf '%s' "$b" | tail -c 400)" \
			>>odd.answers
	echo "$c"
}
count() { store_query A "SELECT count(*) FROM observation" 2>&1; }
schemas() {
	store_query A "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM
		pg_namespace WHERE nspname LIKE 'truce\_%'"
}

center_init A || exit 1
center_serve A || exit 1
for b in 0 1 2; do
	awk -v B="$b" -v N=500 -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	r=$(api POST /v1/observations -H 'Content-Type: application/json' \
		--data-binary @batch.json)
	is "$(status_of "$r")" 201 "batch $b of 500 observations"
done
center_stop
N=$(count)
applied() { store_query A "SELECT value FROM meta WHERE key = 'applied_size'"; }
SIZE=$(applied)
is "$N" 1500 "the store holds 1,500 observations"
# indexes: the store's indexes and views, as definitions.
indexes() {
	store_query A "SELECT md5(string_agg(indexdef, ';' ORDER BY indexname))
		|| ' ' || count(*) FROM pg_indexes WHERE schemaname =
		current_schema()"
	store_query A "SELECT md5(string_agg(viewname || definition, ';'
		ORDER BY viewname)) FROM pg_views WHERE schemaname =
		current_schema()"
}
IDX=$(indexes)
# A role of its own reads the store (a read server's, a GIS client's).
store_query A "CREATE ROLE rb_reader_$$; GRANT SELECT ON ALL TABLES IN
	SCHEMA public TO rb_reader_$$" >/dev/null
grants() {
	store_query A "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON
		n.oid = c.relnamespace WHERE n.nspname = current_schema() AND
		c.relkind IN ('r', 'v') AND has_table_privilege('rb_reader_$$',
		c.oid, 'SELECT')"
}
GRANTS=$(grants)
reader_serve A || exit 1
want=$(listing)
diag "the listing's checksum: $want"

# poll LABEL: while the file `polling` exists, counts the observations
# (psql) and asks the read server's listing, one line each into
# poll.LABEL, and notes when a rebuild's tables were there meanwhile.
poll() {
	: >"poll.$1"
	while [ -e polling ]; do
		echo "count $(count)" >>"poll.$1"
		echo "listing $(listing)" >>"poll.$1"
		case $(schemas) in
		*truce_rebuild*) echo during >>"poll.$1" ;;
		esac
	done
}
# seen LABEL: the lines of poll.LABEL that show other than the old store.
seen() { grep -v -e "^count $N\$" -e "^listing $want\$" -e '^during$' "poll.$1"; }

# --- a rebuild under readers ---
touch polling
poll ok &
PPID_POLL=$!
sleep 0.5
t0=$(date +%s.%N)
out=$("$T" rebuild A 2>&1)
rc=$?
diag "the rebuild took $(echo "$(date +%s.%N) - $t0" | bc) s"
sleep 0.5
rm -f polling
wait "$PPID_POLL"
is "$rc" 0 "the rebuild succeeds"
[ "$rc" = 0 ] && [ -z "$(schemas)" ] || diag "$out"
polls=$(grep -c '^during' poll.ok)
[ "$polls" -ge 1 ]
ok $? "readers read during it ($polls rounds, $(grep -c '^count' poll.ok) in all)"
is "$(seen ok)" "" "every count was $N and every listing the whole one"
[ -z "$(seen ok)" ] || { [ -e odd.answers ] && sed 's/^/#   /' odd.answers; }
is "$(count)" "$N" "the rebuilt store holds the $N observations"
is "$(applied)" "$SIZE" "its applied size is the log's ($SIZE)"
is "$(schemas)" "" "neither the rebuild's schema nor the old store is left"
is "$(indexes)" "$IDX" "the rebuilt store has the old one's indexes and views"
is "$(grants)" "$GRANTS" "and what was granted on them ($GRANTS tables and views)"
is "$(listing)" "$want" "the read server answers the same after the swap"

# --- a rebuild killed midway ---
touch polling
poll killed &
PPID_POLL=$!
"$T" rebuild A >rebuild.log 2>&1 &
RB=$!
# Its rows are uncommitted until the end, but its table grows.
for _ in $(seq 1 400); do
	n=$(store_query A \
		"SELECT pg_relation_size('truce_rebuild.observation')" 2>/dev/null)
	[ "${n:-0}" -gt 65536 ] && break
	sleep 0.02
done
kill -KILL "$RB"
wait "$RB" 2>/dev/null
[ "${n:-0}" -gt 65536 ]
ok $? "the rebuild was killed midway (its observations ${n:-0} bytes)"
sleep 0.3
rm -f polling
wait "$PPID_POLL"
is "$(seen killed)" "" "readers saw the whole old store throughout"
[ -z "$(seen killed)" ] || { [ -e odd.answers ] && sed 's/^/#   /' odd.answers; }
is "$(count)" "$N" "the old store is still the one served"
is "$(listing)" "$want" "and the read server still answers it"
like "$(schemas)" "truce_rebuild" "the killed rebuild's tables are left"
out=$("$T" rebuild A 2>&1)
is $? 0 "the next rebuild succeeds"
is "$(schemas)" "" "and drops what the killed one left"
is "$(count)" "$N" "the store holds the $N observations"
is "$(listing)" "$want" "the read server's answer is unchanged"
store_query A "DROP OWNED BY rb_reader_$$; DROP ROLE rb_reader_$$" >/dev/null
done_testing
