#!/usr/bin/env bash
# End-to-end test of `truce tlog`, `truce note` and `truce keygen` against
# the external vectors in tests/vectors/tlog (RFC 6962 8-leaf tree, Go's
# signed-note test keys), including failing verifications and usage errors.
set -u
TOP=${TRUCE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${TRUCE_BIN:-$TOP/build/asan/truce}
V=$TOP/tests/vectors/tlog
. "$TOP/tests/lib/tap.sh"

# hex -> base64 with Perl's core modules (perl is a test dependency).
hex2b64() {
	perl -MMIME::Base64 -e 'print encode_base64(pack("H*", $ARGV[0]), "")' "$1"
}

# Work in tap.sh's TAP_TMP when it provides one (and cleans it up), else in
# a directory of our own.
if [ -n "${TAP_TMP:-}" ]; then
	work=$TAP_TMP/tlog_cli
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
cd "$work" || exit 1

jq -r '.leaves_hex[]' "$V/rfc6962_tree8.json" >leaves
jq -r '.leaf_hashes_hex[]' "$V/rfc6962_tree8.json" >hashes
root8=$(jq -r '.roots_by_size_hex[8]' "$V/rfc6962_tree8.json")
root7=$(jq -r '.roots_by_size_hex[7]' "$V/rfc6962_tree8.json")
root3=$(jq -r '.roots_by_size_hex[3]' "$V/rfc6962_tree8.json")

# --- tlog root ---
is "$("$T" tlog root <leaves)" "$root8" "tlog root of the 8 leaves (hex data)"
is "$("$T" tlog root --hashes <hashes)" "$root8" "tlog root --hashes"
b64leaves=$(while IFS= read -r l; do hex2b64 "$l"; echo; done <leaves)
want64=$(hex2b64 "$root8")
is "$(printf '%s\n' "$b64leaves" | "$T" tlog root --base64)" "$want64" \
	"tlog root --base64 reads and prints base64"
is "$("$T" tlog root </dev/null)" \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
	"tlog root of no leaves is SHA-256('')"

# --- tlog inclusion ---
want=$(jq -r '.inclusion[] | select(.leaf_index==5 and .tree_size==8) | .path_hex[]' \
	"$V/rfc6962_tree8.json")
"$T" tlog inclusion --index 5 --size 8 <leaves >proof
is "$(cat proof)" "$want" "inclusion proof of leaf 5 in 8 matches the vector"
leaf5=$(sed -n 6p hashes)
"$T" tlog inclusion --verify --index 5 --size 8 --leaf-hash "$leaf5" \
	--root "$root8" <proof >out
ok $? "inclusion --verify accepts it"
"$T" tlog inclusion --verify --index 4 --size 8 --leaf-hash "$leaf5" \
	--root "$root8" <proof 2>err
is $? 1 "inclusion --verify refuses it for index 4 (exit 1)"
grep -q 'does not verify' err
ok $? "and says so on stderr"
"$T" tlog inclusion --verify --index 5 --size 8 --leaf-hash "$leaf5" \
	--root "$root7" <proof 2>/dev/null
is $? 1 "inclusion --verify refuses a wrong root (exit 1)"

# --- tlog consistency ---
want=$(jq -r '.consistency[] | select(.size1==3 and .size2==7) | .proof_hex[]' \
	"$V/rfc6962_tree8.json")
"$T" tlog consistency --from 3 --to 7 <leaves >cproof
is "$(cat cproof)" "$want" "consistency proof 3 -> 7 matches the vector"
"$T" tlog consistency --verify --from 3 --to 7 --root1 "$root3" \
	--root2 "$root7" <cproof >/dev/null
ok $? "consistency --verify accepts it"
sed '1s/^./f/' cproof >bad
"$T" tlog consistency --verify --from 3 --to 7 --root1 "$root3" \
	--root2 "$root7" <bad 2>/dev/null
is $? 1 "consistency --verify refuses a tampered proof (exit 1)"
"$T" tlog consistency --verify --from 3 --to 7 --root1 "$root7" \
	--root2 "$root7" <cproof 2>/dev/null
is $? 1 "consistency --verify refuses a forked first root (exit 1)"

# --- usage and input errors ---
"$T" tlog inclusion --index 5 <leaves 2>err
is $? 2 "inclusion without --size: exit 2"
"$T" tlog inclusion --index 5x --size 8 <leaves 2>err
is $? 2 "--index 5x: exit 2"
grep -q -- "--index: '5x' is not an integer" err
ok $? "the error names the argument"
"$T" tlog consistency --from 0 --to 8 <leaves 2>/dev/null
is $? 2 "consistency --from 0: exit 2"
"$T" tlog inclusion --index 1 --size 9 <leaves 2>err
is $? 1 "--size beyond the leaves on stdin: exit 1"
printf 'zz\n' | "$T" tlog root 2>err
is $? 1 "non-hex leaf: exit 1"
grep -q 'line 1' err
ok $? "the error names the line"
"$T" tlog frobnicate 2>/dev/null
is $? 2 "unknown tlog subcommand: exit 2"
for c in "tlog --help" "tlog inclusion --help" "note --help" "keygen --help"; do
	$T $c >/dev/null
	ok $? "truce $c"
done

# --- keygen ---
vk=$("$T" keygen truce.example/log 2>/dev/null)
ok $? "keygen truce.example/log"
[ -f truce.example_log.key ]
ok $? "default key file is truce.example_log.key"
is "$(stat -c %a truce.example_log.key)" 600 "key file has mode 0600"
grep -q '^PRIVATE+KEY+truce.example/log+[0-9a-f]\{8\}+' truce.example_log.key
ok $? "key file is a Go note private key"
[[ $vk =~ ^truce\.example/log\+[0-9a-f]{8}\+A ]]
ok $? "vkey printed: $vk"
"$T" keygen truce.example/log 2>err >/dev/null
is $? 1 "keygen refuses to overwrite (exit 1)"
grep -q 'refusing to overwrite' err
ok $? "and says why"
wk=$("$T" keygen witness.example/w1 --cosign --out wit.key 2>/dev/null)
[[ $wk =~ ^witness\.example/w1\+[0-9a-f]{8}\+B ]]
ok $? "keygen --cosign prints a type-0x04 vkey"
"$T" keygen 'two words' 2>/dev/null
is $? 2 "keygen with a space in the name: exit 2"

# --- note sign / verify ---
printf 'truce.example/log\n8\n%s\n' "$want64" >cp
"$T" note sign truce.example_log.key <cp >signed
ok $? "note sign"
is "$("$T" note verify "$vk" <signed)" "$(cat cp)" \
	"note verify prints the text"
"$T" note sign wit.key --time 1700000000 <cp | tail -n 1 >cosig
cat signed cosig >both
"$T" note verify "$vk" "$wk" <both >/dev/null
ok $? "verify with log key and cosigner"
"$T" note verify "$vk" "$wk" <signed 2>err >/dev/null
is $? 1 "verify fails when a required key did not sign (exit 1)"
grep -q "no signature by witness.example/w1" err
ok $? "and names the missing key"
sed 's/^8$/9/' both | "$T" note verify "$vk" 2>/dev/null
is $? 1 "verify fails on a tampered note (exit 1)"
other=$("$T" keygen truce.example/log --out other.key 2>/dev/null)
"$T" note verify "$other" <signed 2>/dev/null
is $? 1 "verify fails with another key of the same name (exit 1)"
printf 'no final newline' | "$T" note sign truce.example_log.key 2>/dev/null
is $? 1 "sign refuses text without a final newline (exit 1)"
"$T" note verify not-a-vkey <signed 2>/dev/null
is $? 2 "verify with a malformed VKEY: exit 2"

# Go's note test key signs exactly as golang.org/x/mod/sumdb/note does.
jq -r '.keys[] | select(.label=="PeterNeumann") | .skey_go_format' \
	"$V/signed_note_keys.json" >peter.key
jq -j '.cases[0].text' "$V/signed_note_cases.json" >text
"$T" note sign peter.key <text >got
jq -j '.cases[0].expect.signed_note' "$V/signed_note_cases.json" >want
cmp -s got want
ok $? "note sign with Go's PeterNeumann key reproduces the vector bytes"
pv=$(jq -r '.keys[] | select(.label=="PeterNeumann") | .vkey' "$V/signed_note_keys.json")
cmp -s <("$T" note verify "$pv" <want) text
ok $? "note verify opens the vector note"

done_testing
