#!/usr/bin/env bash
# Runs each fuzz target given (fuzz/fuzz_NAME.c, built by `make fuzz` into
# build/fuzz/fuzz_NAME) for FUZZ_SECONDS seconds (default 60), starting
# from its committed seeds fuzz/corpus/NAME/ and the work corpus
# build/fuzz/corpus/NAME/ (outside git), to which libFuzzer adds the new
# inputs. A crash, sanitizer report or failed check leaves its input in
# build/fuzz/findings/ and fails the run. Each target's log is
# build/fuzz/logs/NAME.log; the summary table (execs/s, cov, ft, corpus)
# is printed at the end and written to build/fuzz/summary.txt.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
mkdir -p build/fuzz/logs build/fuzz/findings
failed=0
summary=build/fuzz/summary.txt
printf '%-18s %8s %10s %8s %6s %7s %s\n' target seconds execs execs/s cov ft \
	result >"$summary"
for name in "$@"; do
	bin=build/fuzz/fuzz_$name
	work=build/fuzz/corpus/$name
	log=build/fuzz/logs/$name.log
	mkdir -p "$work"
	echo "fuzz: $name for ${secs}s"
	# -close_fd_mask=3: the import command's reports would flood the log
	# (libFuzzer keeps its own and the sanitizers' output).
	"$bin" -max_total_time="$secs" -close_fd_mask=3 -timeout=25 \
		-rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/findings/$name-" \
		"$work" "fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	result=ok
	[ $rc -eq 0 ] || { result="FAILED (rc $rc, see $log)"; failed=1; }
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log")
	rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log")
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
	printf '%-18s %8s %10s %8s %6s %7s %s\n' "$name" "$secs" "${execs:--}" \
		"${rate:--}" "${cov:--}" "${ft:--}" "$result" >>"$summary"
done
cat "$summary"
exit $failed
