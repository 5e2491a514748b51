#!/bin/bash
# Roaming: charlie moves from the home LAN to another NAT'd network while
# running. Its daemon notices the address change (rtnetlink), re-announces,
# re-learns its reflexive endpoint and re-punches: connectivity and direct
# paths come back without a restart, within seconds, even when the default
# route comes a while after the address.
#
#   before: charlie on home LAN 198.51.100.21 behind 203.0.113.4
#   after:  charlie on cafe LAN 198.18.0.21 behind 203.0.113.6
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
ns_new NS_CAFE cafe
link "$NS_INET" pk "$NS_CAFE" wan
ip -n "$NS_INET" link set pk master br0
inet_addr "$NS_CAFE" wan 203.0.113.6
ip -n "$NS_CAFE" link add lan type bridge
ip -n "$NS_CAFE" link set lan up
ip -n "$NS_CAFE" addr add 198.18.0.1/24 dev lan
nat_router "$NS_CAFE"

readme_start
wait_for "all interfaces" 50 wg show "$IF_D" public-key
K_A=$(wg show "$IF_A" public-key) K_C=$(wg show "$IF_C" public-key)
direct_alpha_charlie() {
	peer_holds "$IF_A" "$K_C" 10.1.1.21 && peer_holds "$IF_C" "$K_A" 10.1.1.1
}
wait_for "alpha <-> charlie direct" 100 direct_alpha_charlie
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 100 "${nodes[@]}"

# charlie leaves home and joins the cafe's network
t0=$(date +%s%N)
n "$NS_CHARLIE" ip link del eth0
link "$NS_CAFE" kc "$NS_CHARLIE" eth0
ip -n "$NS_CAFE" link set kc master lan
n "$NS_CHARLIE" ip addr add 198.18.0.21/24 dev eth0
# the default route a while after the address, as a DHCP client may add
# it: what charlie sends at once finds no route ("network is unreachable")
sleep 1.5
n "$NS_CHARLIE" ip route add default via 198.18.0.1

all_pairs_ping 300 "${nodes[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "all pairs ping again $ms ms after the move"
# charlie kicks its peers again after the move; before, the next packet
# that made beta's WireGuard follow it was the 25 s keepalive
[ "$ms" -lt 15000 ] || fail "all pairs ping only $ms ms after the move"
moved_direct() {
	direct_alpha_charlie && [[ $(peer_endpoint "$IF_A" "$K_C") == 203.0.113.6:* ]]
}
wait_for "alpha <-> charlie direct again, through the cafe's NAT" 300 moved_direct
ms=$((($(date +%s%N) - t0) / 1000000))
echo "direct path back $ms ms after the move"
[ "$ms" -lt 20000 ] || fail "the direct path came back only $ms ms after the move"
grep -q 'local addresses changed' "$TEST_TMP/charlie.log" || fail "charlie did not notice the move"
echo ok
