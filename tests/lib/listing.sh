# listing.sh: the opening the listing tests share (exports.t,
# incident_map.t): a served center with members RU and TR and parties AM
# and AZ, a liaison of AM, a batch of generated observations posted, and
# pages(), every feature of a paged JSON listing. Source it after tap.sh:
#   . "$TRUCE_TOP/tests/lib/listing.sh"
#   listing_center e.org/exports 41 1200 || exit 1
# shellcheck disable=SC2034 # D, TOKEN and lia are for the sourcing test

# listing_center ORIGIN SEED N: in $TAP_TMP (the working directory from
# now on), creates and serves the center D with origin ORIGIN, adds the
# liaison `lia` of party AM (its token in lia) and posts N observations of
# bench/ledger/gen.awk's seed SEED in one batch (batch.json), checked as a
# test ("N observations"). Sets D, TOKEN, URL, SERVER_PID and lia.
listing_center() {
	local out r
	cd "$TAP_TMP" || return 1
	D=$TAP_TMP/center
	out=$("$TRUCE_BIN" init "$D" --origin "$1" --member RU --member TR \
		--party AM --party AZ) || return 1
	TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
	center_serve "$D" || return 1
	lia=$(token_for "$D" lia liaison --party AM)
	awk -v B="$2" -v N="$3" -f "$TRUCE_TOP/bench/ledger/gen.awk" >batch.json
	r=$(post_json /v1/observations @batch.json)
	is "$(status_of "$r")" 201 "$(printf '%d' "$3" |
		sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') observations"
}

# pages PATH: every feature of the paged JSON listing PATH (which has a
# query already), as JSON lines, following its cursor to the end.
pages() {
	local cur='' r
	while :; do
		r=$(api GET "$1${cur:+&cursor=$cur}" | sed '$d')
		printf '%s' "$r" | jq -c '.features[]'
		cur=$(printf '%s' "$r" | jq -r '.next // empty')
		[ -n "$cur" ] || break
	done
}
