#!/bin/bash
# 20% random loss on the internet side (an nft random-drop rule on the
# internet bridge; there is no netem here): the README network still
# converges to its best paths, LAN shortcut and direct paths through NAT.
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
readme_internet_loss 20
t0=$(date +%s%N)
readme_start
readme_wait_keys

best_paths() {
	peer_holds "$IF_C" "$K_D" 10.1.1.22 && peer_holds "$IF_D" "$K_C" 10.1.1.21 &&
		peer_holds "$IF_A" "$K_C" 10.1.1.21 && peer_holds "$IF_A" "$K_D" 10.1.1.22 &&
		peer_holds "$IF_C" "$K_A" 10.1.1.1 && peer_holds "$IF_D" "$K_A" 10.1.1.1
}
# bounded: 60 s (retries back off, and a lost hello costs a retry)
wait_for "LAN shortcut and direct paths through NAT under 20% loss" 600 best_paths
echo "best paths after $((($(date +%s%N) - t0) / 1000000)) ms with 20% loss"
mapfile -t nodes < <(topo_readme_nodes)
# a ping may be lost too: each pair gets many tries
all_pairs_ping 100 "${nodes[@]}"
dropped=$(readme_internet_dropped)
echo "the internet dropped $dropped packets"
[ "${dropped:-0}" -gt 0 ] || fail "the loss rule dropped nothing: the test tested nothing"
echo ok
