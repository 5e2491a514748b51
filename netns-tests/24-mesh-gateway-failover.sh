#!/bin/bash
# Two public gateways (beta and gamma, both static peers); alpha behind a
# port-randomising NAT (no direct path can be punched) and charlie behind a
# home NAT reach each other through one of them. Kill -9 the gateway in
# use: traffic moves to the other.
#
#   alpha --NAT-- internet --+-- beta  203.0.113.2 (static)
#                            +-- gamma 203.0.113.5 (static)
#   charlie, delta --NAT-----+
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

ALPHA_NAT=fully-random topo_readme_up
ns_new NS_GAMMA gamma
link "$NS_INET" pg "$NS_GAMMA" eth0
ip -n "$NS_INET" link set pg master br0
inet_addr "$NS_GAMMA" eth0 203.0.113.5
write_net_yaml "$TEST_TMP/net.yaml" "203.0.113.2:50002 50502 10.1.1.2" \
	"203.0.113.5:50003 50503 10.1.1.3"

IF_A=$(ifname_for alpha)
start_node P_BETA "$NS_BETA" beta 10.1.1.2 "$(ifname_for beta)"
start_node P_GAMMA "$NS_GAMMA" gamma 10.1.1.3 "$(ifname_for gamma)"
start_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A"
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$(ifname_for charlie)"
all_pairs_ping 150 "$NS_ALPHA:10.1.1.1" "$NS_CHARLIE:10.1.1.21" "$NS_BETA:10.1.1.2" \
	"$NS_GAMMA:10.1.1.3"

# Which gateway holds charlie's address in alpha's WireGuard peers?
gateway_for_charlie() {
	local key
	key=$(wg show "$IF_A" allowed-ips 2>/dev/null | awk '/10\.1\.1\.21\/32/ { print $1 }')
	if [ "$key" = "$(wg show "$(ifname_for beta)" public-key 2>/dev/null)" ]; then
		echo beta
	elif [ "$key" = "$(wg show "$(ifname_for gamma)" public-key 2>/dev/null)" ]; then
		echo gamma
	fi
}
gw=$(gateway_for_charlie)
[ -n "$gw" ] || fail "alpha routes charlie through neither gateway"
echo "alpha reaches charlie via $gw"
if [ "$gw" = beta ]; then victim=$P_BETA other=gamma; else victim=$P_GAMMA other=beta; fi

t0=$(date +%s%N)
pp kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
wait_for "alpha -> charlie again" 300 ping_ok "$NS_ALPHA" 10.1.1.21
wait_for "charlie -> alpha again" 50 ping_ok "$NS_CHARLIE" 10.1.1.1
echo "traffic moved to $other $((($(date +%s%N) - t0) / 1000000)) ms after the kill"
[ "$(gateway_for_charlie)" = "$other" ] || fail "alpha does not route charlie via $other"
echo ok
