#!/bin/bash
# kill -9 a node and start it again: all pairs ping again, and no node
# keeps a WireGuard peer for the old key.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool nft
need_tool wg

topo_readme_up
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

old_key=$(wg show "$IF_C" public-key)
pp kill -KILL "$P_CHARLIE"
wait "$P_CHARLIE" 2>/dev/null || true
wait_for "charlie's interface to vanish with its process" 50 \
	bash -c "! ip -n $NS_CHARLIE link show $IF_C"

t0=$(date +%s%N)
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
all_pairs_ping 150 "${nodes[@]}"
echo "all pairs ping again $((($(date +%s%N) - t0) / 1000000)) ms after the restart"
new_key=$(wg show "$IF_C" public-key)
[ "$new_key" != "$old_key" ] || fail "charlie kept its key across a restart"
for who in alpha beta delta; do
	if wg show "$(ifname_for "$who")" peers | grep -qF "$old_key"; then
		fail "$who still has a peer for charlie's old key"
	fi
done
echo ok
