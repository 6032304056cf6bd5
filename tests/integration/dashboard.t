#!/usr/bin/env bash
# The dashboard (web/, docs/dashboard.md): its pure modules under node's
# test runner, then the real thing in Debian's chromium driven by
# playwright-core against a real `truce serve` on 127.0.0.1 with simulated
# data and two witnesses (web/test/center.sh, web/test/browser.mjs).
# Screenshots of each screen stay in build/test-out/dashboard/.
. "${TRUCE_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"

WEB=$TRUCE_TOP/web
OUT=$TRUCE_TOP/build/test-out/dashboard
if [ ! -f "$WEB/dist/index.html" ] || [ ! -d "$WEB/node_modules/playwright-core" ] ||
	[ ! -x /usr/bin/chromium ]; then
	ok 1 "the dashboard is built and chromium installed (make deps; make)"
	done_testing
	exit
fi
u=$(cd "$WEB" && node --test --test-reporter=tap test/*.test.mjs 2>&1)
ok $? "the dashboard's unit tests (node --test web/test/*.test.mjs)"
[ "${PIPESTATUS[0]}" = 0 ] || printf '%s\n' "$u" | grep -E '^ *not ok|error' | sed 's/^/# /'

export TRUCE_WEB=$WEB/dist
if ! "$WEB/test/center.sh" "$TAP_TMP/c" 20 3 >"$TAP_TMP/center.log" 2>&1; then
	ok 1 "the test center starts"
	sed 's/^/# /' "$TAP_TMP/center.log"
	done_testing
	exit
fi
. "$TAP_TMP/c/env"
for p in $PIDS; do tap_pids+=("$p"); done
rm -rf "$OUT"
mkdir -p "$OUT"
# The browser's own TAP lines, renumbered into this file's.
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) ok 1 "${line#not ok * - }" ;;
	"#"*) echo "$line" >&2 ;;
	esac
done < <(timeout 300 node "$WEB/test/browser.mjs" "$TAP_TMP/c/env" "$OUT" 2>&1)
"$WEB/test/center.sh" --stop "$TAP_TMP/c"
done_testing
