#!/usr/bin/env bash
# The geography is part of the record (docs/geography.md): the genesis
# entry names the digest of the data fusion words with; a center started
# with other data (a renamed settlement) appends a `geography` entry, the
# incidents before it keep their words and new ones use the new data;
# `truce rebuild` with yet another copy refuses, naming both digests and
# what to do, and leaves the store as it was; given the old copy too
# (--geo-data), it rebuilds the same incidents, each with its geography; `truce audit` with data other
# than the center's reports it, and passes with the center's copy; an
# audit of a log worded with two geographies passes given both copies
# (--geo-data twice), its replay switching fusion's engine at the
# `geography` entry; so does a member's mirror of it, and it refuses,
# naming the geography, when it lacks a copy. On both backends
# (TRUCE_TEST_STORE=postgresql: the store compared by pg_dump, the store
# behind the log a copy of its database).
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1
DATA=$TRUCE_TOP/data

# obs DAY: an observation in Ağdam on day DAY of November 2026.
obs() {
	printf '{"observed_at":"2026-11-%02dT10:00:00Z","source":{"type":"patrol","member":"RU","unit":"P-%s"},"category":"explosion","location":{"lat":39.9911,"lon":46.9281,"precision_m":100}}' "$1" "$RANDOM"
}
# words: the incidents' descriptions, oldest first, one a line.
words() {
	api GET "/v1/incidents?limit=100" | sed '$d' |
		jq -r '[.features[].properties] | sort_by(.first_index // .created_index // 0) | .[] | .description // .words.text // .text'
}
# entries DIR TYPE: how many log entries of DIR are of type TYPE.
entries() { grep -a -o "\"type\":\"$2\"" "$1/log/entries" | wc -l; }
# snapshot DIR: the bytes of DIR's store, to compare (SQLite's file, or a
# data-only pg_dump of its PostgreSQL database, rows in their stored order).
snapshot() {
	local uri
	uri=$(store_uri "$1")
	if [ -n "$uri" ]; then
		# less the \restrict key pg_dump draws at random each time
		pg_dump -a --no-owner "$uri" | grep -v '^\\\(un\)\?restrict '
	else
		cat "$1/store.db"
	fi
}
# copy_data DIR FROM TO: a copy of data/ with the settlement FROM renamed.
copy_data() {
	mkdir -p "$1" && cp -r "$DATA/geo" "$1/" &&
		sed -i "s/,$2,/,$3,/" "$1/geo/geonames_cities500_AZ_AM.csv" &&
		! cmp -s "$1/geo/geonames_cities500_AZ_AM.csv" \
			"$DATA/geo/geonames_cities500_AZ_AM.csv"
}

out=$("$T" init A --origin example.org/geo --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
G0=$(grep -a -o '"geography":{"digest":"[0-9a-f]*"' A/log/entries |
	sed 's/.*"\([0-9a-f]*\)"$/\1/')
is "${#G0}" 64 "the genesis entry names the geography's digest"
is "$("$T" geo digest --data "$DATA" | jq -r .digest)" "$G0" \
	"the one \`truce geo digest\` prints for data/"

center_serve A || exit 1
r=$(post_json /v1/observations "$(obs 1)")
is "$(status_of "$r")" 201 "an observation in Ağdam" || diag "$r"
w0=$(api GET "/v1/incidents?limit=100" | sed '$d')
like "$w0" 'Ağdam' "its incident is worded with Ağdam"
center_stop
is "$(entries A geography)" 0 "started with the same data: no geography entry"

copy_data D1 Ağdam Agdam-Renamed
ok $? "a copy of data/ with Ağdam renamed"
echo "geo_data = $TAP_TMP/D1" >>A/truce.conf
center_serve A || exit 1
is "$(entries A geography)" 1 "started with the renamed data: a geography entry"
ent=$(grep -a -o '{"at_ms[^{]*"files":\[[^]]*\],"previous":"[0-9a-f]*","region":"karabakh","type":"geography","v":1}' A/log/entries)
like "$ent" "\"previous\":\"$G0\"" "it names the geography it replaces"
like "$ent" '"by":"@local"' "and who started the center with it"
G1=$(printf '%s' "$ent" | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
[ "${#G1}" = 64 ] && [ "$G1" != "$G0" ]
ok $? "a new digest"
r=$(post_json /v1/observations "$(obs 20)")
is "$(status_of "$r")" 201 "an observation in Ağdam, weeks later"
all=$(api GET "/v1/incidents?limit=100" | sed '$d')
is "$(printf '%s' "$all" | jq '.features | length')" 2 "two incidents"
is "$(printf '%s' "$all" | grep -o 'Agdam-Renamed' | sort -u)" Agdam-Renamed \
	"the new incident uses the new data"
like "$(printf '%s' "$all" | jq -c '[.features[].properties | tostring | test("Ağdam")]')" 'true' \
	"the incident before the change keeps its words"
center_stop
center_serve A || exit 1
center_stop
is "$(entries A geography)" 1 "restarted with the same data: no second entry"

# --- rebuild with yet another copy ---
copy_data D2 Ağdam Agdam-Other
snapshot A >store.before
sed -i "s|^geo_data = .*|geo_data = $TAP_TMP/D2|" A/truce.conf
res=$("$T" rebuild A 2>&1)
is $? 1 "rebuild with another copy of the data: exit 1"
G2=$("$T" geo digest --data D2 | jq -r .digest)
like "$res" "computed with geography $G0 \(region karabakh, named by entry 0\), but the data in $TAP_TMP/D2 is geography $G2 " \
	"names the digest the log names and the one found"
like "$res" "rebuild with the data the log names" "and what to do"
snapshot A | cmp -s - store.before
ok $? "the store was left as it was"
sed -i "s|^geo_data = .*|geo_data = $TAP_TMP/D1|" A/truce.conf
res=$("$T" rebuild A 2>&1)
is $? 1 "rebuild with the newer data alone: refused too (two geographies)"
like "$res" "computed with geography $G0 .* is geography $G1 .*give the copy of every other geography the log names with --geo-data DIR" \
	"says which geography is missing and how to give it"

# --- rebuild across the two geographies: each copy at its entries ---
center_serve A || exit 1
before=$(api GET "/v1/incidents?limit=100" | sed '$d')
center_stop
snapshot A >store.before
res=$("$T" rebuild A --geo-data D2 2>&1)
is $? 1 "rebuild given a copy that is neither geography: exit 1"
like "$res" "computed with geography $G0 .*, and none of the 1 copies given with --geo-data is it;" \
	"  names the geography no copy is"
snapshot A | cmp -s - store.before
ok $? "  the store was left as it was"
res=$("$T" rebuild A --geo-data "$TAP_TMP/missing" 2>&1)
is $? 1 "a --geo-data that is no copy of data/: exit 1"
like "$res" "^truce rebuild: --geo-data $TAP_TMP/missing: " "  names it"
res=$("$T" rebuild A --geo-data D2 --geo-data "$DATA" 2>&1)
is $? 0 "rebuild given the old copy too (--geo-data twice): exit 0" ||
	diag "$res"
center_serve A || exit 1
is "$(api GET "/v1/incidents?limit=100" | sed '$d')" "$before" \
	"  the incidents are the same bytes, each worded with its geography"
like "$(words | tr '\n' ' ')" "Ağdam.*Agdam-Renamed|Agdam-Renamed.*Ağdam" \
	"  the old name before the geography entry, the new one after"
center_stop

# --- catch-up: a store behind the log, started on other data ---
sed -i "s|^geo_data = .*|geo_data = $TAP_TMP/D1|" A/truce.conf
center_serve A || exit 1
center_stop
if store_is_sqlite; then
	cp A/store.db store.behind
	rm -f A/store.db-wal A/store.db-shm
else
	behind=$(store_copy A "behind_$$") || exit 1
fi
center_serve A || exit 1
post_json /v1/observations "$(obs 25)" >/dev/null
center_stop
if store_is_sqlite; then
	cp store.behind A/store.db
	rm -f A/store.db-wal A/store.db-shm
else
	conf_set A store "$behind" # the copy taken before, now behind
fi
sed -i "s|^geo_data = .*|geo_data = $TAP_TMP/D2|" A/truce.conf
# Bounded: were it not refused, it would serve until killed.
res=$(timeout 60 "$T" serve A --listen 127.0.0.1:0 2>&1)
is $? 1 "a store behind the log, started on other data: refused"
like "$res" "log entries [0-9]+ to [0-9]+ were computed with geography $G1 .*start the center once with the data the log names" 	"names the geography of the entries to catch up and what to do"
sed -i "s|^geo_data = .*|geo_data = $TAP_TMP/D1|" A/truce.conf
center_serve A || exit 1
is "$(api GET "/v1/incidents?limit=100" | sed '$d' | jq '.features | length')" 3 \
	"started with the data the log names: caught up"
center_stop

# --- audit against a center with another geography ---
out=$("$T" init B --origin example.org/geob --member RU --member TR \
	--region karabakh) || exit 1
echo "geo_data = $TAP_TMP/D1" >>B/truce.conf
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve B || exit 1
is "$(entries B geography)" 1 "a center started on other data than it was created with"
post_json /v1/observations "$(obs 3)" >/dev/null
wait_joint 3
res=$("$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" --geo-data "$DATA" 2>&1)
is $? 3 "audit with data/ against it: exit 3 (not completed)"
like "$res" "entry 1 names geography [0-9a-f]{64} \(region karabakh\), but the audit's data in $DATA is geography $G0" \
	"the audit reports the geography the log names and its own"
res=$("$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" --geo-data "$TAP_TMP/D1" 2>&1)
is $? 0 "with the center's copy: the audit passes (nothing was worded with the first)"
center_stop

# --- an audit of a log worded with two geographies ---
out=$("$T" init C --origin example.org/geoc --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve C || exit 1
post_json /v1/observations "$(obs 4)" >/dev/null
center_stop
echo "geo_data = $TAP_TMP/D1" >>C/truce.conf
center_serve C || exit 1
post_json /v1/observations "$(obs 25)" >/dev/null
like "$(words | tr '\n' ' ')" "Ağdam.*Agdam-Renamed|Agdam-Renamed.*Ağdam" \
	"two incidents, worded with the old name and the new"
wait_joint 4
res=$("$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" --geo-data "$DATA" 2>&1)
is $? 3 "audit with one copy of data/: exit 3"
like "$res" "entry 2 names geography $G1 .*audit's data in $DATA is geography $G0" \
	"  names the second geography"
res=$("$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" --geo-data "$DATA" \
	--geo-data "$TAP_TMP/D1" 2>&1)
is $? 0 "with both copies (--geo-data twice): the audit passes"
like "$res" "2 observations match the center, [0-9]+ state rows match the center" \
	"  the incidents worded with each geography match the replay's"

# --- a member's mirror of it: the same two geographies ---
mirror() { "$T" mirror "$URL" "$@" --once --log-key "$LOGKEY" --token "$TOKEN"; }
incidents() { # incidents DIR: its incident rows (the center's on either backend)
	if store_is_sqlite; then
		store_query "$1" "SELECT * FROM incident ORDER BY rid"
	else # the columns both backends print alike
		store_query "$1" "SELECT id, seed_idx, updated_idx, nobs, live,
			lat_e7, lon_e7, description FROM incident ORDER BY rid"
	fi
}
res=$(mirror MC --geo-data "$DATA" 2>&1)
is $? 2 "a mirror with one copy of data/: exit 2"
like "$res" "entries 2 to [0-9]+ were computed with geography $G1 .* is geography $G0 .*give the mirror the copy of data/ the center used for them \(--geo-data DIR, repeated" \
	"  names the second geography and what to give it"
res=$(mirror MC --geo-data "$DATA" --geo-data "$TAP_TMP/D1" 2>&1)
is $? 0 "given both copies (--geo-data twice): the mirror catches up" ||
	diag "$res"
like "$res" "0 entries fetched and verified, [0-9]+ replayed" \
	"  replaying the entries it had verified"
is "$(incidents MC)" "$(incidents C)" \
	"  its incidents are the center's, each worded with its geography"
post_json /v1/observations "$(obs 26)" >/dev/null
wait_joint 5
res=$(mirror MC --geo-data "$TAP_TMP/D1" 2>&1)
is $? 0 "following with the newer copy alone: the new entries need no other" ||
	diag "$res"
is "$(incidents MC)" "$(incidents C)" "  still the center's"
center_stop
done_testing
