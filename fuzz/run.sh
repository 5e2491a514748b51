#!/usr/bin/env bash
# Run libFuzzer targets for a while each; fail if any of them finds a crash.
#
#   fuzz/run.sh SECONDS build/fuzz/fuzz_NAME...
#
# Each target starts from a scratch copy of fuzz/corpus/NAME/ (NAME is the
# binary's name without "fuzz_"; missing means an empty start) under
# build/fuzz-run/, so the committed seed corpus never grows. The dictionary
# fuzz/NAME.dict (or fuzz/fuzz_NAME.dict) is used if present. Crash inputs
# and the log stay in build/fuzz-run/fuzz_NAME/ for inspection.
set -u

if [ "$#" -lt 2 ]; then
	echo "usage: $0 SECONDS FUZZ_BINARY..." >&2
	exit 2
fi
seconds=$1
shift
case "$seconds" in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a number, got '$seconds'" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/build/fuzz-run"
failed=0

for bin in "$@"; do
	name=$(basename "$bin")
	target=${name#fuzz_}
	work="$scratch/$name"
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin is not an executable" >&2
		failed=$((failed + 1))
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$root/fuzz/corpus/$target" ]; then
		cp -R "$root/fuzz/corpus/$target/." "$work/corpus/"
	fi
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$work/artifacts/")
	for dict in "$root/fuzz/$target.dict" "$root/fuzz/$name.dict"; do
		if [ -f "$dict" ]; then
			args+=(-dict="$dict")
			break
		fi
	done
	seeds=$(find "$work/corpus" -type f | wc -l)
	printf '== %s: %ss, %s seeds\n' "$name" "$seconds" "$seeds"
	"$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	crashes=$(find "$work/artifacts" -type f | wc -l)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -n 1)
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		echo "FAIL $name: exit $rc, $crashes artifact(s) in $work/artifacts; log $work/log" >&2
		tail -n 40 "$work/log" >&2
		failed=$((failed + 1))
	else
		printf '   ok: %s runs, %s, corpus %s files\n' "${runs:-?}" "${cov:-cov: ?}" \
			"$(find "$work/corpus" -type f | wc -l)"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "$failed fuzz target(s) failed" >&2
	exit 1
fi
