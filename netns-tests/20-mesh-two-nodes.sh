#!/bin/bash
# Two nodes, one static: each pings the other's overlay address; routes
# carry the project's tag; SIGTERM leaves nothing behind.
#
#   ns A (alice, static) 198.51.100.1 ---veth--- 198.51.100.2 ns B (bob)
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root

ns_new A a
ns_new B b
veth "$A" 198.51.100.1/24 "$B" 198.51.100.2/24
IFA=$(ifname_for a)
IFB=$(ifname_for b)
write_net_yaml "$TEST_TMP/net.yaml" "198.51.100.1:50001 50501 10.1.1.1"

start_node PA "$A" alice 10.1.1.1 "$IFA"
start_node PB "$B" bob 10.1.1.2 "$IFB"

t0=$(date +%s%N)
all_pairs_ping 100 "$A:10.1.1.1" "$B:10.1.1.2"
echo "all pairs ping after $((($(date +%s%N) - t0) / 1000000)) ms"
n "$A" ip route show proto 0x57 | grep -q '^10.1.1.2 ' || fail "no tagged route to bob on alice"
n "$B" ip route show proto 0x57 | grep -q '^10.1.1.1 ' || fail "no tagged route to alice on bob"

# Leaving: exit 0, the interface, routes, process and socket are gone.
pp kill -TERM "$PB"
wait "$PB" || fail "bob exited with status $?"
ip -n "$B" link show "$IFB" >/dev/null 2>&1 && fail "bob's interface is still there"
[ -e "/var/run/wireguard/$IFB.sock" ] && fail "bob's UAPI socket is still there"
pgrep -f "wireguard-go.*$IFB" >/dev/null && fail "bob's wireguard-go still runs"
# alice drops bob within 1 s
wait_for "alice drops the route to bob" 10 \
	bash -c "! ip -n $A route show proto 0x57 | grep -q '^10.1.1.2 '"
echo ok
