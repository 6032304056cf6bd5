#!/usr/bin/env bash
# Replays every committed fuzz corpus input (fuzz/corpus/NAME/) through its
# target (fuzz/fuzz_NAME.c) built with the ordinary compiler under ASan +
# UBSan (build/asan/fuzz/replay_NAME, fuzz/replay.c): a crash, sanitizer
# report or failed check of any input, regression inputs of past findings
# included, fails its line. No clang needed (fuzz/README.md).
. "$TRUCE_TOP/tests/lib/tap.sh"

cd "$TRUCE_TOP" || exit 1
for src in fuzz/fuzz_*.c; do
	name=${src#fuzz/fuzz_}
	name=${name%.c}
	bin=build/asan/fuzz/replay_$name
	n=$(find "fuzz/corpus/$name" -maxdepth 1 -type f 2>/dev/null | wc -l)
	if [ ! -x "$bin" ]; then
		ok 1 "$name: $bin is built (make test-build)"
		continue
	fi
	out=$("$bin" "fuzz/corpus/$name" 2>&1)
	st=$?
	if [ $st -eq 0 ] && [[ "$out" == *"replay: $n inputs"* ]] &&
		[ "$n" -gt 0 ]; then
		ok 0 "$name: $n corpus inputs replay clean"
	else
		ok 1 "$name: $n corpus inputs replay clean (exit $st)"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
	fi
done
done_testing
