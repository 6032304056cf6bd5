#!/usr/bin/env bash
# readservers.t over one PostgreSQL database (issue 16's "two read servers
# and a writer over one PostgreSQL"): a throwaway cluster (tests/lib/pg.sh)
# unless TRUCE_TEST_STORE names one; skipped when the binary has no
# PostgreSQL backend.
: "${TRUCE_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TRUCE_TOP/tests/lib/on_pg.sh"
exec "$TRUCE_TOP/tests/integration/readservers.t"
