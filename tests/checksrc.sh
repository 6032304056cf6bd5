#!/usr/bin/env bash
# Fails the build when src/ uses a banned function (STYLE.md rule 8, after
# curl's checksrc). rand() is banned outside tests as well.
set -u
cd "$(dirname "$0")/.."
# snprintf and vsnprintf are allowed: they are blanked out of each line
# before the check, so a banned call beside one on the same line is found.
bad=$(grep -rnE '' src --include='*.[ch]' \
	| sed -E 's/\b(v?snprintf)[[:space:]]*\(/(/g' \
	| grep -E ':[0-9]+:.*\b(atoi|atol|atof|sprintf|vsprintf|strcpy|strcat|strncpy|gets|strtok|rand)[[:space:]]*\(' || true)
if [ -n "$bad" ]; then
	echo "checksrc: banned functions (STYLE.md rule 8):" >&2
	echo "$bad" >&2
	exit 1
fi
# The layout is .clang-format's (STYLE.md rule 13), checked with the
# clang-format it was applied with: another major version lays out
# differently, so it is only told, not failed.
if ! command -v clang-format >/dev/null 2>&1; then
	echo "checksrc: clang-format is missing (make deps installs it)" >&2
	exit 1
fi
ver=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$ver" != 14 ]; then
	echo "checksrc: clang-format $ver, not 14: layout not checked" >&2
	exit 0
fi
if ! out=$(git ls-files -z 'src/*.c' 'src/*.h' 2>/dev/null |
    xargs -0 clang-format --dry-run --Werror 2>&1) || [ -n "$out" ]; then
	echo "checksrc: not laid out as .clang-format says (clang-format -i" \
	    "FILE fixes it):" >&2
	echo "$out" | grep -E '^[^ ].*: error:' | head -20 >&2
	exit 1
fi
exit 0
