#!/usr/bin/env bash
# readservers.t over one PostgreSQL database (issue 16's "two read servers
# and a writer over one PostgreSQL"): a throwaway cluster (tests/lib/pg.sh)
# unless TRUCE_TEST_STORE names one; skipped when the binary has no
# PostgreSQL backend.
: "${TRUCE_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TRUCE_BIN:=$TRUCE_TOP/build/asan/truce}"
if ! "${TRUCE_REAL_BIN:-$TRUCE_BIN}" serve --help-config 2>&1 |
    grep -q 'postgresql://'; then
	echo "1..0 # SKIP this truce has no PostgreSQL backend"
	exit 0
fi
case ${TRUCE_TEST_STORE:-sqlite} in
postgresql*) ;;
*) TRUCE_TEST_STORE=postgresql ;;
esac
export TRUCE_TEST_STORE TRUCE_TOP TRUCE_BIN
exec "$TRUCE_TOP/tests/integration/readservers.t"
