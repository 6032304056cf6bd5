#!/usr/bin/env bash
# truce-store.sh: TRUCE_BIN for the integration tests run on another store
# (tests/lib/tap.sh sets it when TRUCE_TEST_STORE=postgresql://...). Every
# command is the real binary, $TRUCE_REAL_BIN, exec'd in place (same pid,
# environment and exit status), except `truce init DIR ...`: after the real
# init has made DIR, a fresh database of TRUCE_TEST_STORE's cluster (from
# tests/lib/pg.sh's template, postgis and btree_gist in) becomes DIR's store
# (`store = postgresql://.../DB` in DIR/truce.conf) and DIR/store.db is
# removed, so the center's first open replays its log (the genesis entry)
# into PostgreSQL, as it would catch up any store that is behind.
set -u
real=${TRUCE_REAL_BIN:?TRUCE_REAL_BIN names the binary under test}
[ "${1:-}" = init ] || exec "$real" "$@"

# The tests name DIR first (`truce init DIR --origin ...`); otherwise the
# first argument that is neither an option nor an option's value.
dir=
prev=
for a in "${@:2}"; do
	case $a in
	--*=*) ;;
	-*) prev=$a; continue ;;
	*)
		if [ -z "$prev" ] || [ "$prev" = --help ]; then
			dir=$a
			break
		fi
		;;
	esac
	prev=
done
[ -n "$dir" ] && [ ! -e "$dir/truce.conf" ] || exec "$real" "$@"

"$real" "$@"
st=$?
[ "$st" -eq 0 ] && [ -f "$dir/truce.conf" ] || exit "$st"

base=${TRUCE_TEST_STORE%/}/
db="c$(date +%s%N | tail -c 10)_$$_$RANDOM"
if ! psql -X -q -v ON_ERROR_STOP=1 "${base}postgres" \
    -c "CREATE DATABASE \"$db\" TEMPLATE truce_template" >&2; then
	echo "truce-store.sh: cannot create the database $db on $base" >&2
	exit 1
fi
sed -i "s|^store = .*|store = $base$db|" "$dir/truce.conf"
grep -q "^store = $base$db\$" "$dir/truce.conf" || {
	echo "truce-store.sh: $dir/truce.conf has no 'store =' line" >&2
	exit 1
}
rm -f "$dir"/store.db "$dir"/store.db-wal "$dir"/store.db-shm
exit 0
