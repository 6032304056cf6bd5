# tests/lib/on_pg.sh: sourced by a test that runs on PostgreSQL whatever
# the pass (readservers_pg.t, rebuild_pg.t). Skips the test (exit 0) when
# the binary has no PostgreSQL backend; otherwise sets TRUCE_TEST_STORE to
# postgresql, so tap.sh starts a throwaway cluster (tests/lib/pg.sh), unless
# it already names one. Needs TRUCE_TOP; sets TRUCE_BIN if unset.
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
