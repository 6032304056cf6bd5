#!/usr/bin/env bash
# Client commands without a server (TAP): --help and usage errors of
# observe/import/query/simulate, simulate's determinism, and
# `import --dry-run` on good and bad CSV, GeoJSON and JSON lines files under
# tests/data (rejected rows reported with their line and pointer).
set -u
BIN=${TRUCE_BIN:?TRUCE_BIN must point at the truce binary}
TOP=${TRUCE_TOP:?TRUCE_TOP must point at the repository}
DATA=$TOP/tests/data
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

n=0
fails=0
ok() { # ok COND-EXIT-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}
# run CMD...: runs truce, keeps stdout/stderr in $TMP/out, $TMP/err, $rc.
run() {
	"$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
is_rc() { # is_rc WANT NAME
	[ "$rc" -eq "$1" ]
	local r=$?
	ok $r "$2 (exit $rc, want $1)"
	[ $r -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -5
}
has() { # has FILE FIXED-STRING NAME
	grep -qF -- "$2" "$TMP/$1"
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || { echo "# missing: $2"; sed 's/^/# /' "$TMP/$1" | head -8; }
}

# --- help -------------------------------------------------------------
for c in observe import query simulate; do
	run "$c" --help
	is_rc 0 "$c --help"
	has out "usage: truce $c" "$c --help shows the usage"
done
run --help
has out "simulate" "truce --help lists the client commands"
run simulate --help
has out "ILLUSTRATIVE" "simulate --help labels the output illustrative"

# --- usage errors exit 2 ------------------------------------------------
usage() { # usage NAME ARGS...
	local name=$1
	shift
	run "$@"
	is_rc 2 "usage error: $name"
}
usage "observe unknown option" observe --bogus
usage "observe option without its value" observe --at
usage "observe bad number" observe --at now --lat abc
usage "observe invalid category, named by its flag" observe --at now \
	--source-type patrol --member RU --category boom --lat 39 --lon 46
has err "--category:" "the invalid flag is named"
usage "observe --at with --from" observe --at now --from 2025-01-01T00:00:00Z
usage "import without FILE" import
usage "import two files" import a.csv b.csv
usage "import unknown extension" import data.txt
usage "import --format xml" import --format xml x.csv
usage "import --batch 0" import --batch 0 x.csv
usage "import --batch 10001" import --batch 10001 x.csv
has err "10000" "the batch limit is named"
usage "import - without --format" import -
usage "query --limit 0" query --limit 0
usage "query --bbox with 3 numbers" query --bbox 1,2,3
usage "query --bbox min > max" query --bbox 47,40,46,39
usage "query --bbox latitude 91" query --bbox 46,39,47,91
usage "query --format xml" query --format xml
usage "query --category boom" query --category explosion,boom
usage "query --source tank" query --source tank
usage "query --from not a time" query --from yesterday
usage "simulate without --from" simulate
usage "simulate --region mars" simulate --region mars --from 2025-01-01
usage "simulate --from 2025-02-30" simulate --from 2025-02-30
usage "simulate --days 0" simulate --from 2025-01-01 --days 0
usage "simulate --per-day -1" simulate --from 2025-01-01 --per-day -1
usage "simulate stray argument" simulate --from 2025-01-01 extra

# --- simulate: deterministic -------------------------------------------
sim() { "$BIN" simulate --from 2025-03-01 --days 5 --per-day 30 "$@" 2>/dev/null; }
sim --seed 42 --truth t1.jsonl >s1.jsonl
ok $? "simulate --seed 42 runs"
sim --seed 42 --truth t2.jsonl >s2.jsonl
cmp -s s1.jsonl s2.jsonl
ok $? "same seed: identical observations, byte for byte"
cmp -s t1.jsonl t2.jsonl
ok $? "same seed: identical truth"
sim --seed 43 >s3.jsonl
! cmp -s s1.jsonl s3.jsonl
ok $? "different seed: different observations"
nobs=$(wc -l <s1.jsonl)
[ "$nobs" -ge 50 ]
ok $? "a few days give dozens of observations ($nobs)"
jq -e . s1.jsonl >/dev/null 2>&1 && jq -e . t1.jsonl >/dev/null 2>&1
ok $? "every line is JSON"
types=$(jq -r .source.type s1.jsonl | sort -u | tr '\n' ' ')
case "$types" in *complaint*observation_post*patrol*) r=0 ;; *) r=1 ;; esac
ok $r "several kinds of sources report ($types)"
# (jq 1.6's -e only looks at the last line: count matches instead.)
count() { jq -c "select($1)" "$2" 2>/dev/null | wc -l; }
[ "$(count '.location.place != null and .location.bearing_deg != null' \
	s1.jsonl)" -gt 0 ]
ok $? "some observations use place + bearing + distance"
[ "$(count '.observed_at | type == "object"' s1.jsonl)" -gt 0 ]
ok $? "some observations are time intervals (complaints)"
maxidx=$(jq '.observations[]' t1.jsonl | sort -n | tail -1)
[ -n "$maxidx" ] && [ "$maxidx" -lt "$nobs" ]
ok $? "truth refers to observation lines that exist (max $maxidx < $nobs)"
[ "$(count '.observations | length >= 2' t1.jsonl)" -gt 0 ]
ok $? "some true events are reported by several sources"
run import --dry-run --format jsonl s1.jsonl
is_rc 0 "simulated observations pass the center's validator"
has out "$nobs valid, rejected 0" "all $nobs simulated observations valid"
"$BIN" simulate --region donbas --from 2025-03-01 --days 2 --seed 1 \
	>d.jsonl 2>/dev/null
ok $? "simulate --region donbas runs"
run import --dry-run d.jsonl
is_rc 0 "donbas observations are valid"
sim --seed 5 -o o.jsonl && sim --seed 5 | cmp -s - o.jsonl
ok $? "--output FILE writes the same bytes as standard output"
run simulate --from 2025-03-01 --geo "$TMP/nowhere"
is_rc 1 "simulate with a missing data directory fails"
has err "nowhere" "the missing file is named"

# --- import --dry-run: good files ---------------------------------------
for f in import_good.csv import_good.geojson import_good.jsonl; do
	run import --dry-run "$DATA/$f"
	is_rc 0 "dry run of $f"
	has out "rejected 0" "$f: nothing rejected"
done
run import --dry-run "$DATA/import_good.csv"
has out "4 valid" "CSV: quoted, multi-line, interval and place rows are valid"
"$BIN" import --dry-run --format jsonl - <"$DATA/import_good.jsonl" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
is_rc 0 "import - reads standard input with --format"

# --- import --dry-run: bad files, line numbers and pointers --------------
run import --dry-run "$DATA/import_bad.csv"
is_rc 1 "dry run of a CSV with bad rows exits 1"
B=$DATA/import_bad.csv
has err "$B:3: /category: 'explosionz'" "CSV line 3: unknown category"
has err "$B:4: /location/lat: 95 is out of range" "CSV line 4: latitude"
has err "$B:5: /count/value: 0 is out of range" "CSV line 5: count below 1"
has err "$B:7: /count/value: column count: 'five' is not a number" \
	"CSV line 7 (after a two-line record): not a number"
has err "$B:8: /: row has 7 fields, the header 9" "CSV line 8: short row"
has err "$B:9: /observed_at: is in the future" "CSV line 9: future time"
has out "2 valid, rejected 6" "CSV summary counts"
[ "$(grep -c "^$B:" "$TMP/err")" -eq 6 ]
ok $? "CSV: exactly the six bad rows are reported"

run import --dry-run "$DATA/import_bad.geojson"
is_rc 1 "dry run of a GeoJSON with bad features exits 1"
G=$DATA/import_bad.geojson
has err "$G:14: /features/1/geometry/coordinates/1: 95.5 is out of range" \
	"GeoJSON feature 1 (line 14): latitude from the geometry"
has err "$G:24: /features/2/geometry/type: only Point" \
	"GeoJSON feature 2 (line 24): not a Point"
has err "$G:33: /features/3/properties/colour: unknown field" \
	"GeoJSON feature 3 (line 33): unknown property"
has out "1 valid, rejected 3" "GeoJSON summary counts"

run import --dry-run "$DATA/import_bad.jsonl"
is_rc 1 "dry run of JSON lines with bad lines exits 1"
J=$DATA/import_bad.jsonl
has err "$J:2: column" "JSONL line 2: syntax error with its column"
has err "$J:3: /observed_at/to: ends before the interval starts" \
	"JSONL line 3: interval ends before it starts"
has err "$J:4: /colour: unknown field" "JSONL line 4: unknown field"
has err "$J:4: /source: needs a member or an organisation" \
	"JSONL line 4: every error of a row is reported"
has err "$J:5: /geometry/coordinates/1: -91 is out of range" \
	"JSONL line 5: a Feature line maps pointers to its geometry"
has out "1 valid, rejected 4" "JSONL summary counts"

run import --dry-run "$DATA/import_unknown_column.csv"
is_rc 1 "an unknown CSV column fails the import"
has err "unknown column 'colour'" "the unknown column is named"

# --- client errors without a server; the token never shows ---------------
SECRET=s3cr3t-token-value-for-tests
run import --server http://127.0.0.1:1 --token "$SECRET" "$DATA/import_good.jsonl"
is_rc 1 "import to an unreachable server fails"
has err "127.0.0.1" "the server is named in the error"
! grep -qF "$SECRET" "$TMP/out" "$TMP/err"
ok $? "the token is not printed"
run query --server http://127.0.0.1:1 --token "$SECRET"
is_rc 1 "query of an unreachable server fails"
! grep -qF "$SECRET" "$TMP/out" "$TMP/err"
ok $? "the token is not printed by query"
run query --server "http://user:pw@127.0.0.1:1"
is_rc 1 "credentials in --server are refused"
has err "--token" "the refusal points at --token"
run query --server ftp://127.0.0.1/
is_rc 1 "a non-HTTP --server is refused"
run observe --at now --source-type patrol --member RU --category explosion \
	--lat 39.9 --lon 46.9 --token "bad token"
is_rc 1 "a token with a space is refused"
! grep -qF "bad token" "$TMP/err"
ok $? "the bad token is not echoed"

echo "1..$n"
[ "$fails" -eq 0 ]
