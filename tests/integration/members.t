#!/usr/bin/env bash
# Members and their keys: init with keys made by `truce keygen` on the
# members' machines (and generated ones for a demonstration), the rule,
# GET /v1/members, key rotation and admission as signed notes checked
# against the keys the log registered, and every refusal.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

cd "$TAP_TMP" || exit 1
RU=$("$TRUCE_BIN" keygen RU --out ru.key 2>/dev/null)
like "$RU" '^RU\+[0-9a-f]{8}\+' "keygen RU on RU's machine"
TR=$("$TRUCE_BIN" keygen TR --out tr.key 2>/dev/null)
XX=$("$TRUCE_BIN" keygen UA --out ua.key 2>/dev/null)

out=$("$TRUCE_BIN" init c0 --origin e.org/m --member "RU=$TR" 2>&1)
is "$?" 2 "init refuses a key named for another member"
like "$out" "named 'TR'" "saying so"
out=$("$TRUCE_BIN" init c0 --origin e.org/m --member RU --member TR --rule 3-of-2 2>&1)
is "$?" 2 "init refuses a rule beyond the members"
out=$("$TRUCE_BIN" init c0 --origin e.org/m --member RU --member TR --rule 2-of-3 2>&1)
like "$out" "center has 2 members" "N must be the number of members"

D=$TAP_TMP/center
out=$("$TRUCE_BIN" init "$D" --origin e.org/m --member "RU=$RU" --member "TR=$TR" \
	--member KZ --rule 2-of-3)
ok $? "init with two members' keys and one generated"
TOKEN=$(printf '%s\n' "$out" | sed -n 's/^token: //p')
like "$out" "rule: 2-of-3" "the rule is shown"
is "$(stat -c %a "$D/keys/KZ.key")" 600 "KZ's generated key is 0600"
ok $([ ! -e "$D/keys/RU.key" ]; echo $?) "RU's private key never reached the center"
KZ=$(printf '%s\n' "$out" | sed -n 's/^member key: \(KZ+[^ ]*\).*/\1/p')
like "$KZ" '^KZ\+' "KZ's verifier key is printed"
center_serve "$D" || exit 1

r=$(api GET /v1/members)
is "$(status_of "$r")" 200 "GET /v1/members"
is "$(body_of "$r" | jq -c .rule)" '{"k":2,"kind":"k_of_n","n":3}' "the rule from genesis"
is "$(body_of "$r" | jq -r '[.members[] | .name + "=" + .vkey] | join(" ")')" \
	"KZ=$KZ RU=$RU TR=$TR" "members with their keys"
genesis=$(api GET /tile/entries/000.p/1 | sed '$d' | tail -c +3)
ok $(printf '%s' "$genesis" | grep -qF "\"vkey\":\"$RU\""; echo $?) \
	"the genesis entry names RU's key"

# note FILE KEYFILE...: signs FILE's text with each key, in order.
note() {
	local text=$1 k
	shift
	"$TRUCE_BIN" note sign "$1" <"$text" >"$text.note" || return 1
	shift
	for k in "$@"; do
		"$TRUCE_BIN" note sign "$k" <"$text" | tail -n 1 >>"$text.note"
	done
}
post_note() { api POST /v1/members -H 'Content-Type: text/plain; charset=utf-8' --data-binary @"$1"; }

# Rotate RU's key: signed by the new key and the current one.
RU2=$("$TRUCE_BIN" keygen RU --out ru2.key 2>/dev/null)
jq -cnS --arg k "$RU2" '{type:"member_key",v:1,action:"rotate",member:"RU",vkey:$k,at_ms:1800000000000}' >rot.txt
note rot.txt ru2.key
r=$(post_note rot.txt.note)
is "$(status_of "$r")" 422 "rotation signed by the new key alone: refused"
like "$(body_of "$r")" "registered key of RU" "the current key is missing"
note rot.txt ru2.key tr.key
r=$(post_note rot.txt.note)
is "$(status_of "$r")" 422 "signed by another member instead: refused"
note rot.txt ru.key
r=$(post_note rot.txt.note)
is "$(status_of "$r")" 422 "signed by the current key alone: refused (no proof of possession)"
note rot.txt ru2.key ru.key
sed 's/"at_ms":1800000000000/"at_ms":1800000000001/' rot.txt.note >forged.note
r=$(post_note forged.note)
is "$(status_of "$r")" 422 "an altered note: refused"
like "$(body_of "$r")" "forged|altered" "as forged"
head -c 150 rot.txt.note >trunc.note
r=$(post_note trunc.note)
is "$(status_of "$r")" 422 "a truncated note: refused"
r=$(api POST /v1/members -H 'Content-Type: application/json' --data-binary @rot.txt.note)
is "$(status_of "$r")" 415 "a note must be text/plain"
r=$(post_note rot.txt.note)
is "$(status_of "$r")" 201 "rotation signed by the new and current keys: 201"
is "$(body_of "$r" | jq -r .vkey)" "$RU2" "answering the new key"
r=$(api GET /v1/members)
is "$(body_of "$r" | jq -r '.members[] | select(.name == "RU") | .vkey')" "$RU2" \
	"GET /v1/members shows RU's new key"
r=$(post_note rot.txt.note)
is "$(status_of "$r")" 422 "replaying the rotation: refused"
like "$(body_of "$r")" "registered before" "a key is never reinstated"
jq -cnS --arg k "$RU" '{type:"member_key",v:1,action:"rotate",member:"RU",vkey:$k,at_ms:1800000000002}' >back.txt
note back.txt ru.key ru2.key
r=$(post_note back.txt.note)
is "$(status_of "$r")" 422 "rotating back to the retired key: refused"

# An assessor acts for its own member only.
asr=$(token_for "$D" tr-a assessor --member TR)
TR2=$("$TRUCE_BIN" keygen TR --out tr2.key 2>/dev/null)
jq -cnS --arg k "$TR2" '{type:"member_key",v:1,action:"rotate",member:"TR",vkey:$k,at_ms:1800000000003}' >trrot.txt
note trrot.txt tr2.key tr.key
r=$(TOKEN=$asr post_note rot.txt.note)
is "$(status_of "$r")" 403 "TR's assessor may not relay RU's key change"
r=$(TOKEN=$asr post_note trrot.txt.note)
is "$(status_of "$r")" 201 "but TR's own"

# Admission of a new member: the new key and every member's current key.
jq -cnS --arg k "$XX" '{type:"member_key",v:1,action:"add",member:"UA",vkey:$k,at_ms:1800000000004}' >add.txt
note add.txt ua.key ru2.key tr2.key
r=$(post_note add.txt.note)
is "$(status_of "$r")" 422 "admission without KZ's signature: refused"
like "$(body_of "$r")" "KZ" "naming KZ"
note add.txt ua.key ru2.key tr2.key "$D/keys/KZ.key"
r=$(post_note add.txt.note)
is "$(status_of "$r")" 201 "admission signed by all: 201"
r=$(api GET /v1/members)
is "$(body_of "$r" | jq -r '[.members[].name] | join(",")')" "KZ,RU,TR,UA" "UA is a member"

# The store follows the log: rebuild gives the same members.
before=$(api GET /v1/members | sed '$d')
center_stop
"$TRUCE_BIN" rebuild "$D" >/dev/null
center_serve "$D" || exit 1
is "$(api GET /v1/members | sed '$d')" "$before" "rebuild restores members and keys"
center_stop
done_testing
