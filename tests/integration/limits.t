#!/usr/bin/env bash
# Connection limits against the real server: idle and slow connections are
# closed after connection_timeout_s; a request's headers trickled in slowly
# do not keep a connection forever.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
center_init "$D" || exit 1
sed -i 's/^connection_timeout_s = .*/connection_timeout_s = 1/' "$D/truce.conf"
is "$("$TRUCE_BIN" serve "$D" --check)" "configuration OK" "timeout set to 1 s"
center_serve "$D" || exit 1
port=${URL##*:}

# closed PORT SECONDS PREFIX: opens a connection, sends PREFIX, waits, and
# succeeds when the server has closed it (reading gives end of file at once).
closed() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 2
	[ -n "$3" ] && printf '%b' "$3" >&3
	sleep "$2"
	timeout 2 cat <&3 >/dev/null
	local st=$?
	exec 3<&-
	[ $st -eq 0 ]
}
closed "$port" 3 ""
ok $? "an idle connection is closed after the timeout"
closed "$port" 3 "GET /v1/health HTTP/1.1\r\nHost: x\r\n"
ok $? "a request whose headers stop arriving is closed after the timeout"
r=$(NO_TOKEN=1 api GET /v1/health)
is "$(status_of "$r")" 200 "the server still answers others"
center_stop
ok $? "clean stop"
done_testing
