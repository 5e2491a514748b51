#!/bin/bash
# Time to the best paths on the README network (LAN shortcut charlie<->delta,
# direct through both NATs alpha<->charlie/delta), from the first daemon
# start: netns-tests/30-direct-paths.sh measures both; this runs it RUNS
# times and prints median, min and max.
#
#   bench/paths.sh [RUNS]     (default 5; root)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
lan=() nat=()
echo "== paths: README network, $RUNS runs; $(date -u '+%F %T') UTC; $(nproc) cores; tree at $(git rev-parse --short HEAD)"
for ((i = 1; i <= RUNS; i++)); do
	out=$(WGNM_NETNS_VERBOSE=1 ./netns-tests/run.sh netns-tests/30-direct-paths.sh 2>&1) || {
		echo "run $i failed:"
		grep -E '^(FAIL|    FAIL)' <<<"$out" || true
		echo "$out" | tail -20
		exit 1
	}
	l=$(grep -oE 'LAN shortcut after [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
	d=$(grep -oE 'direct through NAT after [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
	echo "run $i: LAN shortcut $l ms, direct through NAT $d ms"
	lan+=("$l") nat+=("$d")
done
stats() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "median %d  min %d  max %d ms (n=%d)\n", v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
echo "LAN shortcut            $(stats "${lan[@]}")"
echo "direct through NAT      $(stats "${nat[@]}")"
