#!/bin/bash
# Every benchmark script, one after another, with one daemon binary.
#
#   bench/run-all.sh                 build the committed HEAD in a temp dir
#                                    (git archive: no uncommitted edits of
#                                    others), then run everything
#   WGNM_DAEMON=build/wg_netmanager bench/run-all.sh    measure that binary
#   OUT=FILE                         also keep the whole output (default
#                                    /tmp/wgnm-bench-DATE.log)
#
# Takes about 30 minutes on 2 cores (scale.sh is most of it). Each script's
# own settings (RUNS, WINDOW, ...) pass through the environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "run-all: needs root (network namespaces)" >&2; exit 1; }
OUT=${OUT:-/tmp/wgnm-bench-$(date -u +%Y%m%d-%H%M%S).log}

build=""
# shellcheck disable=SC2317 # called by the trap
cleanup() { [ -z "$build" ] || rm -rf "$build"; }
trap cleanup EXIT
if [ -z "${WGNM_DAEMON:-}" ]; then
	build=$(mktemp -d /tmp/wgnm-bench-build.XXXXXX)
	rev=$(git -C "$root" rev-parse --short HEAD)
	echo "run-all: building HEAD $rev in $build" | tee "$OUT"
	git -C "$root" archive HEAD | tar -x -C "$build"
	make -C "$build" -s build/wg_netmanager >/dev/null
	export WGNM_DAEMON=$build/build/wg_netmanager
	export BENCH_REV="$rev (clean build of HEAD)"
fi

status=0
for s in convergence footprint dataplane scale; do
	echo | tee -a "$OUT"
	echo "#### bench/$s.sh" | tee -a "$OUT"
	t=$(date +%s)
	# The progress lines of the netns helpers ([+] ...) and daemon logs stay out.
	set +e
	"$here/$s.sh" 2>&1 | grep -av '^\[+\] ' | tee -a "$OUT"
	st=${PIPESTATUS[0]}
	set -e
	[ "$st" -eq 0 ] || { status=1; echo "(bench/$s.sh exited with status $st)" | tee -a "$OUT"; }
	echo "(bench/$s.sh took $(($(date +%s) - t)) s)" | tee -a "$OUT"
done
echo "run-all: output kept in $OUT"
exit "$status"
