# bench/center.sh: sourced by benchmarks that need one center of their
# own. bench_center DIR ORIGIN: `truce init DIR` (members RU and TR) with
# the write rate limits lifted, then `truce serve DIR` on a free port of
# 127.0.0.1. Sets TOKEN, LOGKEY, URL and pid (the server's, for the
# caller's cleanup); returns 1, with the server's output on stderr, when
# it does not start. Needs T (the truce binary).
bench_center() {
	local i
	"$T" init "$1" --origin "$2" --member RU --member TR >"$1.init" ||
		return 1
	TOKEN=$(sed -n 's/^token: //p' "$1.init")
	LOGKEY=$(sed -n 's/^log key: //p' "$1.init")
	sed -i 's/^write_burst = .*/write_burst = 1000000000/;
		s/^write_per_minute = .*/write_per_minute = 1000000000/' \
		"$1/truce.conf"
	"$T" serve "$1" --listen 127.0.0.1:0 >"$1.serve.log" 2>&1 &
	pid=$!
	URL=
	for i in $(seq 1 200); do
		URL=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$1.serve.log")
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	cat "$1.serve.log" >&2
	return 1
}
