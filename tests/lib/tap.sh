# tap.sh: a tiny Test Anything Protocol emitter for the bash integration
# tests (tests/integration/*.t), read by prove(1). Source it, then:
#
#   cmd; ok $? "name"            passes when the status is 0
#   is "$got" "$want" "name"     passes when the strings are equal
#   diag "message"               a "# message" line
#   done_testing                 prints the plan; exit status 0 iff all passed
#
# Generic on purpose: nothing here knows about truce.

tap_n=0
tap_failed=0

ok() {
	local status=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		diag "  got:  '$got'"
		diag "  want: '$want'"
	fi
}

diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
