#!/usr/bin/env bash
# truce locate end to end: JSON lines in, one answer line per input line in
# order; exact TDOA (sound, 2-D and 3-D; radio t_ns at an epoch of 1.8e18 ns)
# and bearing fixes; every kind of bad line answered with a `failed` line
# naming the field, exit status 1; limits on sensors and line length; --help.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

loc() { "$TRUCE_BIN" locate "$@"; }

out=$(loc --help)
is "$?" 0 "--help exits 0"
like "$out" "usage: truce locate" "--help shows the usage"
loc --bogus >/dev/null 2>&1
is "$?" 2 "an unknown option is a usage error"

# Compute exact arrival times with the reference formula in awk: WGS84
# geodetic -> ECEF, range / speed.
times() { # times LAT LON ALT SPEED T0 < "lat lon alt" lines
	awk -v la="$1" -v lo="$2" -v h="$3" -v v="$4" -v t0="$5" '
	function ecef(lat, lon, hh, X,   a, f, e2, s, c, n) {
		a = 6378137; f = 1 / 298.257223563; e2 = f * (2 - f)
		lat = lat * 3.14159265358979323846 / 180
		lon = lon * 3.14159265358979323846 / 180
		s = sin(lat); c = cos(lat); n = a / sqrt(1 - e2 * s * s)
		X[1] = (n + hh) * c * cos(lon); X[2] = (n + hh) * c * sin(lon)
		X[3] = (n * (1 - e2) + hh) * s
	}
	BEGIN { ecef(la, lo, h, S) }
	{ ecef($1, $2, $3, P)
	  d = sqrt((P[1]-S[1])^2 + (P[2]-S[2])^2 + (P[3]-S[3])^2)
	  printf "%s %s %s %.12f %d\n", $1, $2, $3, t0 + d / v, (d / v) * 1e9 + 0.5 }'
}

sensors_json() { # sensors_json t_s|t_ns < times output
	awk -v form="$1" '{ printf "%s{\"lat\":%s,\"lon\":%s,\"alt_m\":%s,", (NR > 1 ? "," : ""), $1, $2, $3
		if (form == "t_s") printf "\"t_s\":%s}", $4
		else printf "\"t_ns\":1800000000%09d}", $5 }'
}

pos='39.9500 46.9000 300
39.9600 46.9100 280
39.9400 46.9150 260
39.9450 46.8850 310
39.9580 46.8880 270'
sj=$(printf '%s\n' "$pos" | times 39.953 46.905 250 343.0 12 | sensors_json t_s)
radio_pos='48.00 10.00 300
48.50 10.20 500
47.60 10.60 200
47.70 9.40 900
48.30 9.50 100'
rj=$(printf '%s\n' "$radio_pos" | times 47.95 10.12 9000 299792458 0 | sensors_json t_ns)

cat >"$TAP_TMP/in.jsonl" <<JSON
{"id":"s3","speed_mps":343.0,"sigma_t_s":0.001,"sensors":[$sj]}
{"id":"s2","speed_mps":343.0,"sigma_t_s":0.001,"alt_m":250,"sensors":[$sj]}
not json at all

{"id":"r2","speed_mps":299792458,"sigma_t_s":1e-7,"alt_m":9000,"sensors":[$rj]}
{"id":"b1","bearings":[{"lat":39.95,"lon":46.85,"bearing_deg":45,"sigma_deg":1},{"lat":39.96,"lon":46.99,"bearing_deg":300,"sigma_deg":2}]}
{"id":"bad1","speed_mps":343.0,"sigma_t_s":0.001,"sensors":[{"lat":95,"lon":46.9,"alt_m":0,"t_s":1}]}
{"id":"bad2","speed_mps":343.0,"sigma_t_s":0.001,"sensors":[{"lat":39.9,"lon":46.9,"alt_m":0,"t_ns":1.5}]}
{"id":"bad3","speed_mps":343.0,"sensors":[{"lat":39.9,"lon":46.9,"alt_m":0,"t_s":1}]}
{"id":"bad4","speed_mps":343.0,"sigma_t_s":0.001,"colour":"red","sensors":[{"lat":39.9,"lon":46.9,"alt_m":0,"t_s":1}]}
{"id":"few","speed_mps":343.0,"sigma_t_s":0.001,"sensors":[{"lat":39.9,"lon":46.9,"alt_m":0,"t_s":1},{"lat":39.91,"lon":46.9,"alt_m":0,"t_s":1.1}]}
[1,2,3]
{"id":"bad5","bearings":[{"lat":39.95,"lon":46.85,"bearing_deg":45}]}
{"id":"bad6","speed_mps":343.0,"sigma_t_s":0.001,"sensors":[{"lat":39.9,"lon":46.9,"alt_m":0,"t_s":1},{"lat":39.91,"lon":46.9,"alt_m":0,"t_ns":1}]}
JSON
out=$(loc <"$TAP_TMP/in.jsonl")
st=$?
is "$st" 1 "bad lines make the exit status 1"
is "$(printf '%s\n' "$out" | wc -l)" 13 "one answer per non-blank line (13)"
ids=$(printf '%s\n' "$out" | jq -r '.id // "null"' | tr '\n' ' ')
is "$ids" "s3 s2 null r2 b1 bad1 bad2 bad3 bad4 few null bad5 bad6 " "answers in input order"

line() { printf '%s\n' "$out" | sed -n "${1}p"; }
is "$(line 1 | jq -r .status)" ok "3-D sound fix: ok"
is "$(line 1 | jq -r '[(.lat - 39.953), (.lon - 46.905), (.alt_m - 250)] | map(fabs) | max < 1e-7')" true \
	"3-D sound fix: exact (lat/lon within 1e-7 deg)"
is "$(line 2 | jq -r .status)" ok "2-D sound fix: ok"
is "$(line 2 | jq -r '[(.lat - 39.953), (.lon - 46.905)] | map(fabs) | max < 1e-7')" true \
	"2-D sound fix: exact"
is "$(line 2 | jq -r .alt_m)" 250 "2-D fix keeps the given height"
is "$(line 2 | jq -c .sensors_used)" "[0,1,2,3,4]" "sensors_used lists all"
is "$(line 2 | jq -r '.ellipse | (.semi_major_m > 0 and .semi_minor_m > 0 and .semi_major_m >= .semi_minor_m and .orientation_deg >= 0 and .orientation_deg < 180)')" \
	true "the ellipse is well formed"
is "$(line 3 | jq -r .status)" failed "not JSON: failed"
like "$(line 3 | jq -r .message)" "invalid JSON" "and says so"
is "$(line 4 | jq -r .status)" ok "radio t_ns at 1.8e18 ns, 2-D: ok"
is "$(line 4 | jq -r '[(.lat - 47.95), (.lon - 10.12)] | map(fabs) | max < 2e-6')" true \
	"radio t_ns fix within the ns rounding"
is "$(line 5 | jq -r .status)" ok "bearings fix: ok"
like "$(line 6 | jq -r .message)" "^/sensors/0/lat: 95 is out of range" "latitude 95: names the field and range"
like "$(line 7 | jq -r .message)" "^/sensors/0/t_ns: must be an integer" "t_ns real: refused"
like "$(line 8 | jq -r .message)" "^/sigma_t_s: missing" "missing sigma_t_s: named"
like "$(line 9 | jq -r .message)" "^/colour: unknown field" "unknown field: named"
is "$(line 10 | jq -r .status)" failed "two sensors in 3-D: failed"
like "$(line 10 | jq -r .message)" "too few sensors" "and says why"
like "$(line 11 | jq -r .message)" "must be a JSON object" "an array line: refused"
like "$(line 12 | jq -r .message)" "^/bearings/0/sigma_deg: missing" "bearing without sigma: named"
like "$(line 13 | jq -r .message)" "same time field" "mixed t_s/t_ns: refused"

# Only valid lines: exit 0.
printf '%s\n' "$(sed -n 1p "$TAP_TMP/in.jsonl")" | loc >/dev/null
is "$?" 0 "all lines valid: exit 0"
is "$(printf '' | loc | wc -c)" 0 "empty input: no output"

# Limits: 65 sensors, and a line over 64 KiB (then the next line still works).
many=$(for i in $(seq 0 64); do printf '%s{"lat":39.9,"lon":46.9%02d,"alt_m":0,"t_s":1}' "$([ "$i" -gt 0 ] && echo ,)" "$i"; done)
out=$(printf '{"id":"m","speed_mps":343,"sigma_t_s":0.001,"sensors":[%s]}\n' "$many" | loc)
like "$out" '"/sensors: 65 sensors, at most 64 per fix"' "65 sensors: refused, limit named"
long=$(head -c 70000 /dev/zero | tr '\0' ' ')
out=$( { printf '{"id":"L","x":"%s"}\n' "$long"; sed -n 5p "$TAP_TMP/in.jsonl"; } | loc)
st=$?
is "$st" 1 "over-long line: exit 1"
like "$(printf '%s\n' "$out" | sed -n 1p)" "line 1: longer than 65536 bytes" "over-long line: refused with the limit"
is "$(printf '%s\n' "$out" | sed -n 2p | jq -r .id)" r2 "and the next line is answered"
out=$(printf '%s' "$(sed -n 5p "$TAP_TMP/in.jsonl")" | loc)
is "$(printf '%s\n' "$out" | jq -r .id)" r2 "a last line without newline is answered"

done_testing
