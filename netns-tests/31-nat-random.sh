#!/bin/bash
# alpha behind a port-randomising NAT (masquerade fully-random, iptables'
# --random-fully): no hole can be punched to it. Every pair still pings,
# alpha's through beta; the attempts are bounded and backed off, with the
# reason kept; charlie<->delta keep their LAN path.
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
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 100 "${nodes[@]}"
K_B=$(wg show "$IF_B" public-key)

# the first round fails (after 6 s), the next starts on the 10 s grid
failures() { grep -c 'direct path to charlie: no WireGuard handshake' "$TEST_TMP/alpha.log" || true; }
failed_once() { [ "$(failures)" -ge 1 ]; }
wait_for "alpha's first direct attempt to charlie to fail" 200 failed_once
grep -m1 'direct path to charlie: no WireGuard handshake' "$TEST_TMP/alpha.log"
grep -q "direct path to charlie: .*try 1, next in [0-9]* s" "$TEST_TMP/alpha.log" ||
	fail "the failed attempt does not say when it is tried again"
peer_holds "$IF_A" "$K_B" 10.1.1.21 || fail "alpha does not route charlie through beta"
all_pairs_ping 20 "${nodes[@]}"
# and the status says why charlie is relayed
why=$(ip netns exec "$NS_ALPHA" "$DAEMON" status -i "$IF_A" | grep '^  charlie:')
echo "status: $why"
[[ $why == *"reachable via beta; direct: no WireGuard handshake"* ]] ||
	fail "alpha's status does not explain the relayed path to charlie"

# bounded: over the next 8 s at most one more round fails (rounds start on
# the 10 s grid and last 6 s: never one right after another)
sleep 8
[ "$(failures)" -le 2 ] || fail "alpha retried charlie before its back-off ($(failures) rounds)"
peer_holds "$IF_A" "$K_B" 10.1.1.21 || fail "alpha lost its route to charlie through beta"
all_pairs_ping 20 "${nodes[@]}"
echo ok
