#!/usr/bin/env bash
# Fails the build when src/ uses a banned function (STYLE.md rule 8, after
# curl's checksrc). rand() is banned outside tests as well.
set -u
cd "$(dirname "$0")/.."
bad=$(grep -rnE '\b(atoi|atol|atof|sprintf|vsprintf|strcpy|strcat|strncpy|gets|strtok|rand)[[:space:]]*\(' src \
	| grep -vE '\b(snprintf|vsnprintf)[[:space:]]*\(' || true)
if [ -n "$bad" ]; then
	echo "checksrc: banned functions (STYLE.md rule 8):" >&2
	echo "$bad" >&2
	exit 1
fi
exit 0
