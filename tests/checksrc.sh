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
exit 0
