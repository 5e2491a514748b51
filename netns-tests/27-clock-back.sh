#!/bin/bash
# A host whose clock went back across a restart (issue 12, item 3): charlie
# is killed and started again with its wall clock an hour behind (libfaketime,
# for the daemon only), so its new boot id is smaller than the one the mesh
# holds. Before the fix its packets were "old-boot" everywhere and it was
# locked out for up to 15 minutes; now it proves itself with the challenge,
# learns the newer boot its neighbour holds (held_boot), moves past it, and
# every pair pings again within seconds.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
FAKETIME_LIB=
for f in /usr/lib/*/faketime/libfaketime.so.1; do
	[ -e "$f" ] && FAKETIME_LIB=$f
done
[ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (apt-get install libfaketime)"

topo_readme_up
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

pp kill -KILL "$P_CHARLIE"
wait "$P_CHARLIE" 2>/dev/null || true
wait_for "charlie's interface to vanish with its process" 50 \
	bash -c "! ip -n $NS_CHARLIE link show $IF_C"

# A sanitizer build refuses to start with another library preloaded ahead
# of its runtime ("ASan runtime does not come first"); libfaketime only
# wraps clock calls, so the order does not matter here.
asan_options=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
t0=$(date +%s%N)
bg_run P_CHARLIE "$TEST_TMP/charlie.log" ip netns exec "$NS_CHARLIE" \
	env LD_PRELOAD="$FAKETIME_LIB" FAKETIME=-1h FAKETIME_DONT_FAKE_MONOTONIC=1 \
	ASAN_OPTIONS="$asan_options" \
	"$DAEMON" -c "$TEST_TMP/net.yaml" -i "$IF_C" -a 10.1.1.21 -n charlie -v \
	-l "$TEST_TMP/charlie.tlog"
# the bound: WireGuard-free convergence is sub-second; allow a loaded machine
all_pairs_ping 100 "${nodes[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "all pairs ping again $ms ms after a restart with the clock an hour back"
grep -q "moving our boot id past it" "$TEST_TMP/charlie.tlog" ||
	fail "charlie did not move its boot past the stale one"
echo ok
