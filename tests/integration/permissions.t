#!/usr/bin/env bash
# Every cell of the permission table, against the real server: the table
# is read from the server itself (`truce serve --routes`, the same routes[]
# array admit() checks), so a route added to the code is tested here
# without touching this file. For each route, each role and no token:
#   public route      -> never 401/403 (even without a token)
#   no token          -> 401
#   role allowed      -> the route's own answer (not 401, 403, 405 nor the
#                        router's "no such resource")
#   role not allowed  -> 403
# Requests carry no body, so no cell changes the center. The roles table
# in docs/verification.md must say the same as the code.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

D=$TAP_TMP/center
"$TRUCE_BIN" init "$D" --origin example.org/perm --member RU --member TR \
	--party AM --party AZ >"$TAP_TMP/init.out" || exit 1
ADMIN=$(sed -n 's/^token: //p' "$TAP_TMP/init.out")
# Many 401 cells come from one address: keep the limiter out of the way.
conf_set "$D" auth_fail_burst 100000
center_serve "$D" || exit 1

declare -A TOK
TOK[admin]=$ADMIN
TOK[monitor]=$(token_for "$D" mon monitor --member RU)
TOK[sensor]=$(token_for "$D" sen sensor)
TOK[liaison]=$(token_for "$D" lia liaison --party AM)
TOK[analyst]=$(token_for "$D" ana analyst)
TOK[assessor]=$(token_for "$D" asr assessor --member RU)
TOK[viewer]=$(token_for "$D" vie viewer)
roles="admin monitor sensor liaison analyst assessor viewer"
for role in $roles; do
	like "${TOK[$role]}" '^[0-9a-f]{64}$' "a $role token"
done

routes=$("$TRUCE_BIN" serve --routes)
nroutes=$(printf '%s\n' "$routes" | wc -l)
ok $((nroutes < 15)) "the route table has $nroutes routes"

# path_of PATTERN: a concrete path for a route pattern.
path_of() {
	local p=$1
	p=$(printf '%s' "$p" | sed -E 's/\{sha256\}|\{id\}/0000000000000000000000000000000000000000000000000000000000000000/g; s/\{[a-z_]+\}/nobody/g')
	case $p in
	/tile/entries/*) p=/tile/entries/000 ;;
	/tile/*) p=/tile/0/000 ;;
	esac
	printf '%s' "$p"
}

cells=0
while read -r method pattern allowed; do
	path=$(path_of "$pattern")
	# No token.
	r=$(curl -s -X "$method" "$URL$path" -w '\n%{http_code}')
	st=$(status_of "$r")
	if [ "$allowed" = public ]; then
		ok $((st == 401 || st == 403)) "$method $pattern, no token: public ($st)"
	else
		is "$st" 401 "$method $pattern, no token: 401"
	fi
	cells=$((cells + 1))
	# An event stream never ends by itself: read its start only.
	hold=()
	[ "$pattern" = /v1/events ] && hold=(--max-time 1)
	for role in $roles; do
		r=$(curl -s "${hold[@]}" -X "$method" -H "Authorization: Bearer ${TOK[$role]}" \
			"$URL$path" -w '\n%{http_code}')
		st=$(status_of "$r")
		body=$(body_of "$r")
		if [ "$allowed" = public ] || [[ ",$allowed," == *",$role,"* ]]; then
			bad=0
			case $st in 401 | 403 | 405) bad=1 ;; esac
			[[ "$body" == *"no such resource"* ]] && bad=1
			ok $bad "$method $pattern, $role: allowed ($st)"
		else
			is "$st" 403 "$method $pattern, $role: 403"
			[ "$st" = 403 ] || echo "#   $body"
		fi
		cells=$((cells + 1))
	done
done <<<"$routes"
diag "$cells cells"

# The documentation's table is the code's table: a matrix of route x role
# ("yes..." or "—"), the last column "no token".
doc=$(sed -n '/^<!-- routes -->/,/^<!-- \/routes -->/p' "$TRUCE_TOP/docs/verification.md" |
	grep '^| `' | awk -F'|' '
	BEGIN { split("admin monitor sensor liaison analyst assessor viewer", n, " ") }
	{
		r = $2; gsub(/^ *`|` *$/, "", r)
		roles = ""
		for (i = 3; i <= 9; i++) {
			c = $i; gsub(/^ +| +$/, "", c)
			if (c ~ /^yes/) roles = roles (roles == "" ? "" : ",") n[i - 2]
		}
		c = $10; gsub(/^ +| +$/, "", c)
		if (c ~ /^yes/) roles = "public"
		print r " " roles
	}')
is "$doc" "$routes" "docs/verification.md lists the same routes and roles"

center_stop
done_testing
