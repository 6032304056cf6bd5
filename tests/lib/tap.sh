# tap.sh: Test Anything Protocol helpers for the bash integration tests, and
# helpers to run a real truce center on 127.0.0.1. Source it from a .t file:
#   . "$TRUCE_TOP/tests/lib/tap.sh"
# TRUCE_BIN (the binary under test) and TRUCE_TOP (the repository) come from
# `make test`; run a test alone with
#   TRUCE_BIN=build/asan/truce TRUCE_TOP=$PWD tests/integration/X.t

: "${TRUCE_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${TRUCE_BIN:=$TRUCE_TOP/build/asan/truce}"
export TRUCE_TOP TRUCE_BIN

tap_n=0
tap_failed=0
TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/truce-test.XXXXXX")
tap_pids=()
tap_exit_cmds=()

# tap_on_exit CMD: runs CMD (a command name, no arguments) at exit, after
# the processes of tap_pids are killed (tests/lib/pg.sh stops its cluster).
tap_on_exit() { tap_exit_cmds+=("$1"); }

tap_cleanup() {
	local p
	for p in "${tap_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in "${tap_exit_cmds[@]}"; do
		"$p"
	done
	rm -rf "$TAP_TMP"
}
trap tap_cleanup EXIT

# TRUCE_TEST_STORE=postgresql://USER@HOST:PORT/ runs the test with every
# center it creates on its own fresh database of that PostgreSQL cluster
# (tests/lib/truce-store.sh wraps TRUCE_BIN's `init`); the bare word
# `postgresql` starts a throwaway cluster for this test alone
# (tests/lib/pg.sh). Unset or `sqlite`: the default store.
case ${TRUCE_TEST_STORE:-sqlite} in
sqlite) ;;
postgresql)
	. "$TRUCE_TOP/tests/lib/pg.sh"
	pg_start || { echo "Bail out! no PostgreSQL cluster"; exit 1; }
	TRUCE_TEST_STORE=$PG_URI
	;;&
postgresql*)
	if [ "$TRUCE_BIN" != "$TRUCE_TOP/tests/lib/truce-store.sh" ]; then
		export TRUCE_REAL_BIN=$TRUCE_BIN
		TRUCE_BIN=$TRUCE_TOP/tests/lib/truce-store.sh
	fi
	export TRUCE_TEST_STORE TRUCE_BIN
	;;
*)
	echo "Bail out! TRUCE_TEST_STORE='$TRUCE_TEST_STORE':" \
	    "sqlite, postgresql or postgresql://USER@HOST:PORT/"
	exit 1
	;;
esac

ok() { # ok CONDITION_STATUS NAME
	local st=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT NAME
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got:  '$got'" >&2
		echo "#   want: '$want'" >&2
	fi
}

like() { # like GOT REGEX NAME
	local got=$1 re=$2
	shift 2
	if [[ "$got" =~ $re ]]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got:  '${got:0:400}'"
		echo "#   want match: '$re'"
	fi
}

diag() { echo "# $*"; }

skip() { # skip COUNT REASON: COUNT tests skipped, saying why
	local i
	for i in $(seq 1 "$1"); do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # skip $2"
	done
}

# store_is_sqlite: the centers this test creates keep their store in
# DIR/store.db (TRUCE_TEST_STORE unset or sqlite), which a test may doctor
# with sqlite3.
store_is_sqlite() { [ "${TRUCE_TEST_STORE:-sqlite}" = sqlite ]; }

# store_uri DIR: the PostgreSQL URI DIR/truce.conf names as its store, or
# nothing (DIR/store.db).
store_uri() {
	sed -n 's/^store = \(postgres.*\)$/\1/p' "$1/truce.conf" 2>/dev/null
}

# store_query DIR SQL: runs SQL on DIR's store, rows printed as sqlite3
# prints them (columns joined by |, NULL empty): sqlite3 on DIR/store.db,
# or psql on DIR's PostgreSQL database. The SQL must suit that engine.
store_query() {
	local uri
	uri=$(store_uri "$1")
	if [ -n "$uri" ]; then
		psql -X -q -At -F'|' -v ON_ERROR_STOP=1 "$uri" -c "$2"
	else
		sqlite3 "$1/store.db" "$2"
	fi
}

# store_copy DIR NAME: a copy of DIR's PostgreSQL store as the database
# NAME of the same cluster (DIR's center stopped: a template must have no
# connection); prints NAME's URI. For a center on SQLite, cp the file.
store_copy() {
	local uri base
	uri=$(store_uri "$1")
	base=${uri%/*}/
	psql -X -q -v ON_ERROR_STOP=1 "${base}postgres" \
		-c "CREATE DATABASE \"$2\" TEMPLATE \"${uri##*/}\"" >&2 &&
		echo "$base$2"
}

# center_copy SRC DST: cp -a of a stopped center; on PostgreSQL DST gets a
# copy of SRC's database (store_copy), so that the two never share one.
center_copy() {
	cp -a "$1" "$2" || return 1
	[ -n "$(store_uri "$1")" ] || return 0
	local uri
	uri=$(store_copy "$1" "c$(date +%s%N | tail -c 10)_$$_$RANDOM") ||
		return 1
	conf_set "$2" store "$uri"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# center_init DIR: creates a center with members RU and TR; sets TOKEN.
center_init() {
	local out
	out=$("$TRUCE_BIN" init "$1" --origin example.org/test --member RU \
		--member TR) || return 1
	TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
	[ -n "$TOKEN" ]
}

# center_serve DIR: starts `truce serve` on a free port; sets URL, SERVER_PID.
center_serve() {
	local log="$TAP_TMP/serve.$RANDOM.log" i
	"$TRUCE_BIN" serve "$1" --listen 127.0.0.1:0 >"$log" 2>&1 &
	SERVER_PID=$!
	tap_pids+=("$SERVER_PID")
	for i in $(seq 1 300); do
		URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$log")
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# server did not start:" && sed 's/^/#   /' "$log"
	return 1
}

# center_stop: SIGTERM and wait; returns the server's exit status.
center_stop() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
}

# api METHOD PATH [CURL ARGS...]: prints the body then the status on its
# own last line. Uses TOKEN unless NO_TOKEN=1.
api() {
	local m=$1 p=$2
	shift 2
	if [ "${NO_TOKEN:-0}" = 1 ]; then
		curl -s -X "$m" "$URL$p" -w '\n%{http_code}' "$@"
	else
		curl -s -X "$m" -H "Authorization: Bearer $TOKEN" "$URL$p" \
			-w '\n%{http_code}' "$@"
	fi
}

# post_json PATH JSON: POSTs application/json.
post_json() {
	api POST "$1" -H 'Content-Type: application/json' --data-binary "$2"
}

status_of() { printf '%s\n' "$1" | tail -n 1; }
body_of() { printf '%s\n' "$1" | sed '$d'; }

# token_for DIR NAME ROLE [--member M] [--party P]: adds a principal with
# `truce token add` (through the control socket while DIR is served) and
# prints its token.
token_for() {
	local d=$1 n=$2 r=$3
	shift 3
	"$TRUCE_BIN" token add "$d" --name "$n" --role "$r" "$@" |
		sed -n 's/^token: //p'
}

# conf_set DIR NAME VALUE: sets a setting in DIR/truce.conf.
conf_set() {
	sed -i "s|^$2 = .*|$2 = $3|" "$1/truce.conf"
}

# witness_start NAME KEYFILE LOGKEY STATEDIR [HOST:PORT]: starts `truce
# witness` (port 0 picks one unless a port is given); sets WURL_<NAME> and
# WPID_<NAME>.
witness_start() {
	local log="$TAP_TMP/witness.$1.$RANDOM.log" i u
	"$TRUCE_BIN" witness --key "$2" --log "$3" --state "$4" \
		--listen "${5:-127.0.0.1:0}" >"$log" 2>&1 &
	eval "WPID_$1=$!"
	tap_pids+=("$!")
	for i in $(seq 1 300); do
		u=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$log")
		[ -n "$u" ] && { eval "WURL_$1=$u"; return 0; }
		sleep 0.05
	done
	echo "# witness $1 did not start:" && sed 's/^/#   /' "$log"
	return 1
}

# wait_joint SIZE [SECONDS]: until the center's /checkpoint covers SIZE
# entries (default 30 s).
wait_joint() {
	local i n
	for i in $(seq 1 $((${2:-30} * 10))); do
		n=$(curl -s "$URL/checkpoint" | sed -n 2p)
		[ -n "$n" ] && [ "$n" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# /checkpoint covers '$n' entries, want $1"
	return 1
}
