#!/usr/bin/env bash
# truce backup (issue 17, "Backups"): a copy taken while the center is
# served and written to holds the log at its latest signed checkpoint, the
# keys, the configuration and the evidence; restored, it is a working
# center that serves the same entries and evidence and audits clean.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=$TRUCE_BIN
cd "$TAP_TMP" || exit 1

out=$("$T" init C --origin example.org/backup --member RU --member TR) || exit 1
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
LOGKEY=$(printf '%s\n' "$out" | sed -n 's/^log key: //p')
center_serve C || exit 1
post_batch() {
	awk -v B="$1" -v N="$2" -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	post_json /v1/observations @batch.json >/dev/null
}
post_batch 1 300
printf 'a photograph of a crater' >crater.jpg
r=$(api POST /v1/evidence -H 'Content-Type: image/jpeg' --data-binary @crater.jpg)
is "$(status_of "$r")" 201 "an evidence item uploaded"
SHA=$(body_of "$r" | jq -r .sha256)

# The backup while writes go on.
post_batch 2 2000 &
writer=$!
out=$("$T" backup C B 2>&1)
st=$?
wait "$writer"
is "$st" 0 "truce backup of a served center being written to: exit 0"
like "$out" "backed up C to B: [0-9]+ log entries, verified" "says how many entries it copied"
N=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) log entries.*/\1/p')
ok $((N < 302)) "at least the entries before it started ($N)"
is "$(stat -c %a B)" 700 "the copy is the center's members' only (0700)"
ok $([ -e B/store.db ] || [ -e B/control.sock ] || [ -e B.partial ]; echo $((1 - $?))) \
	"no store, no socket, no partial copy left"
is "$(sed -n 's/^store = //p' B/truce.conf)" sqlite \
	"the copy's truce.conf names its own store: sqlite"
"$T" backup C B >/dev/null 2>&1
is $? 1 "a second backup into the same folder is refused"
out=$("$T" backup C B3 --store mysql://x 2>&1)
is $? 1 "a --store that is not a backend is refused"
like "$out" "--store: 'mysql://x' is not a backend" "naming the option and the value"
ok $([ -e B3 ] || [ -e B3.partial ]; echo $((1 - $?))) "and no copy is made"
center_stop

# Restored: a working center at the copied size that audits clean.
center_serve B || exit 1
is "$(curl -s "$URL/v1/health" | jq .log_size)" "$N" "the restored center holds the $N copied entries"
r=$(api GET '/v1/observations/digest?from=0&to='"$N")
ok $(( $(body_of "$r" | jq .count) < 300 )) "and at least the 300 observations before it ($(body_of "$r" | jq .count))"
r=$(api GET "/v1/evidence/$SHA" -o got.jpg)
is "$(status_of "$r")" 200 "the evidence item is there"
cmp -s crater.jpg got.jpg
ok $? "bit for bit"
"$T" audit "$URL" --log-key "$LOGKEY" --token "$TOKEN" >audit.out 2>&1
st=$?
is "$st" 0 "truce audit of the restored center passes"
[ "$st" = 0 ] || sed 's/^/#   /' audit.out
center_stop

# On PostgreSQL: restored into a new, empty database named by --store.
if store_is_sqlite; then
	skip 3 "the center's store is sqlite: no PostgreSQL to restore into"
else
	base=${TRUCE_TEST_STORE%/}/
	db=restored_$$
	psql -X -q -v ON_ERROR_STOP=1 "${base}postgres" \
		-c "CREATE DATABASE \"$db\" TEMPLATE truce_template"
	out=$("$T" backup C B2 --store "$base$db" 2>&1)
	is $? 0 "truce backup --store postgresql://.../$db: exit 0"
	N2=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) log entries.*/\1/p')
	is "$(sed -n 's/^store = //p' B2/truce.conf)" "$base$db" \
		"the copy's truce.conf names the new database"
	center_serve B2 || exit 1
	is "$(curl -s "$URL/v1/health" | jq .log_size)" "$N2" \
		"served from it, the restored center holds the $N2 copied entries"
	center_stop
fi
done_testing
