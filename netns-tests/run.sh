#!/bin/bash
# Run netns test scripts one after another: a PASS/FAIL/SKIP line per
# test (a failing test's output follows it), then "N passed, N failed,
# N skipped". Exit status 1 if any test failed.
#
#   netns-tests/run.sh netns-tests/[0-9]*.sh
#
# Environment: WGNM_DAEMON, WGNM_TOOLDIR, WG_BACKEND (passed on to the
# tests), WGNM_NETNS_TIMEOUT (seconds per test, default 120),
# WGNM_NETNS_VERBOSE=1 (show every test's output), WGNM_KEEP_LOGS=DIR
# (keep every test's daemon logs under DIR).
set -u

if [ "$#" -eq 0 ]; then
	echo "usage: $0 TEST.sh..." >&2
	exit 64
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "netns-tests: skipped: network namespaces need root"
	printf '0 passed, 0 failed, %d skipped\n' "$#"
	exit 0
fi

timeout_s=${WGNM_NETNS_TIMEOUT:-120}
passed=0
failed=0
skipped=0
out=$(mktemp /tmp/wgnm-netns-run.XXXXXX)
trap 'rm -f "$out"' EXIT

for t in "$@"; do
	name=$(basename "$t" .sh)
	start=$(date +%s%N)
	timeout --kill-after=10 "$timeout_s" bash "$t" >"$out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$(printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)))
	case $rc in
	0)
		passed=$((passed + 1))
		printf 'PASS %s (%ss)\n' "$name" "$secs"
		;;
	77)
		skipped=$((skipped + 1))
		printf 'SKIP %s: %s\n' "$name" "$(grep -m1 '^SKIP' "$out" | sed 's/^SKIP: //')"
		;;
	*)
		failed=$((failed + 1))
		[ "$rc" -eq 124 ] && echo "(timed out after ${timeout_s}s)" >>"$out"
		printf 'FAIL %s (status %d, %ss)\n' "$name" "$rc" "$secs"
		sed 's/^/    /' "$out"
		continue
		;;
	esac
	if [ "${WGNM_NETNS_VERBOSE:-0}" = 1 ]; then
		sed 's/^/    /' "$out"
	fi
done

printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
