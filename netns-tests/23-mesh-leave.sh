#!/bin/bash
# SIGTERM a node: it exits 0, leaves no interface, route, process or socket
# behind, and the others drop it within 1 s.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool nft

topo_readme_up
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

wg_pid=$(pgrep -f "wireguard-go.*$IF_D" | head -n 1)
t0=$(date +%s%N)
pp kill -TERM "$P_DELTA"
status=0
wait "$P_DELTA" || status=$?
[ "$status" -eq 0 ] || fail "delta exited with status $status, expected 0"

# nothing of delta's is left
ip -n "$NS_DELTA" link show "$IF_D" >/dev/null 2>&1 && fail "delta's interface is left"
[ -z "$(ip -n "$NS_DELTA" route show proto 0x57)" ] || fail "delta left routes behind"
[ -e "/var/run/wireguard/$IF_D.sock" ] && fail "delta's UAPI socket is left"
[ -n "$wg_pid" ] && pid_alive "$wg_pid" && fail "delta's wireguard-go ($wg_pid) still runs"
if ip netns exec "$NS_DELTA" ss -uanp 2>/dev/null | grep -q ':50522 '; then
	fail "delta's admin socket is still open"
fi

# the others drop it within 1 s of the signal
dropped() {
	local ns
	for ns in "$NS_ALPHA" "$NS_BETA" "$NS_CHARLIE"; do
		ip -n "$ns" route show proto 0x57 | grep -q '^10.1.1.22 ' && return 1
	done
	return 0
}
wait_for "the others to drop delta" 20 dropped
ms=$((($(date +%s%N) - t0) / 1000000))
echo "the others dropped delta $ms ms after SIGTERM"
[ "$ms" -le 1000 ] || fail "dropping delta took $ms ms (> 1 s)"
all_pairs_ping 50 "$NS_ALPHA:10.1.1.1" "$NS_BETA:10.1.1.2" "$NS_CHARLIE:10.1.1.21"
echo ok
