#!/bin/bash
# Two nodes on one LAN, the static peer unreachable: they find each other
# by the sealed LAN hello (broadcast) and ping over the overlay.
#
#   ns A (anna) 198.51.100.11 --+-- bridge --+-- 198.51.100.12 ns B (bert)
#   static peer in net.yaml: 203.0.113.99 (nowhere)
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root

ns_new LAN lan
ns_new A a
ns_new B b
ip -n "$LAN" link add br0 type bridge
ip -n "$LAN" link set br0 up
ip link add "la$$" netns "$LAN" type veth peer name eth0 netns "$A"
ip link add "lb$$" netns "$LAN" type veth peer name eth0 netns "$B"
for p in "la$$" "lb$$"; do
	ip -n "$LAN" link set "$p" master br0
	ip -n "$LAN" link set "$p" up
done
ip -n "$A" addr add 198.51.100.11/24 dev eth0
ip -n "$B" addr add 198.51.100.12/24 dev eth0
ip -n "$A" link set eth0 up
ip -n "$B" link set eth0 up
write_net_yaml "$TEST_TMP/net.yaml" "203.0.113.99:50099 50599 10.1.1.99"

t0=$(date +%s%N)
start_node PA "$A" anna 10.1.1.11 "$(ifname_for a)"
start_node PB "$B" bert 10.1.1.12 "$(ifname_for b)"
all_pairs_ping 100 "$A:10.1.1.11" "$B:10.1.1.12"
echo "found each other and ping $((($(date +%s%N) - t0) / 1000000)) ms after start"
# the WireGuard endpoint is the other's LAN address
wg show "$(ifname_for a)" endpoints | grep -q '198\.51\.100\.12:' || fail "anna's endpoint for bert is not on the LAN"
echo ok
