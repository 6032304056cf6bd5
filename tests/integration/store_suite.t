#!/usr/bin/env bash
# The store suite (tests/unit/test_store.c) on PostgreSQL + PostGIS: the
# same assertions as on SQLite, each store a fresh database of a throwaway
# cluster (tests/lib/pg.sh). Skipped while the binary has no PostgreSQL
# store.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
T=${TRUCE_REAL_BIN:-$TRUCE_BIN}
SUITE=$(dirname "$T")/tests/test_store
if ! "$T" serve --help-config 2>&1 | grep -q postgresql; then
	echo "1..0 # skip this binary has no PostgreSQL store"
	exit 0
fi
[ -x "$SUITE" ] || { echo "Bail out! $SUITE is missing: make test-build"; exit 1; }
# A cluster of its own, or the one of `tests/lib/pg.sh run`.
. "$TRUCE_TOP/tests/lib/pg.sh"
if [ -z "$PG_URI" ]; then
	pg_start || { echo "Bail out! no PostgreSQL cluster"; exit 1; }
fi
# The suite's databases, named by this test's pid: runs may share a cluster.
p=suite$$_
for db in store live replay resumed; do
	pg_createdb "$p$db" || { echo "Bail out! cannot create database $p$db"; exit 1; }
done
# The suite's own TAP output is this test's.
TRUCE_TEST_STORE=$PG_URI$p "$SUITE"
