#!/bin/bash
# Exit nodes (issue 15): beta offers itself as an exit node; alpha uses the
# nearest (--use-exit-node auto) and reaches an "internet" host behind beta
# (198.18.0.1, with no route back: beta masquerades) while its underlay,
# its admin traffic and its tunnels keep working. beta dies: alpha has no
# exit node any more, says so, and is not locked out (its underlay and the
# rest of the mesh still work). A clean stop of alpha leaves no rule, no
# route in its table, no tagged route.
#
#   alpha --(afw NAT)-- internet -- beta 203.0.113.2 -- eth1 -- web 198.18.0.1
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool wg
need_tool nft

topo_readme_up
ns_new NS_WEB web
link "$NS_BETA" eth1 "$NS_WEB" eth0
ip -n "$NS_BETA" addr add 198.18.0.2/24 dev eth1
ip -n "$NS_WEB" addr add 198.18.0.1/24 dev eth0

install -m 600 "$(dirname "$0")/../net.example.yaml" "$TEST_TMP/net.yaml"
sed -i 's|^  subnet: 10.1.1.0/24|&\n  allowExitNodes: true|' "$TEST_TMP/net.yaml"
grep -q allowExitNodes "$TEST_TMP/net.yaml" || fail "could not write allowExitNodes"

IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta)
IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta)
start_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B" --exit-node
start_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A" --use-exit-node auto
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
start_node P_DELTA "$NS_DELTA" delta 10.1.1.22 "$IF_D"
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

# the internet host, through beta; only alpha goes there (the others use no exit)
wait_for "alpha -> internet host 198.18.0.1 through beta" 100 ping_ok "$NS_ALPHA" 198.18.0.1
ping_ok "$NS_CHARLIE" 198.18.0.1 && fail "charlie reaches 198.18.0.1 without an exit node"
n "$NS_ALPHA" "$DAEMON" status -i "$IF_A" >"$TEST_TMP/status.txt"
grep -q '^exit node: using beta (auto)' "$TEST_TMP/status.txt" ||
	fail "alpha's status does not say it uses beta: $(cat "$TEST_TMP/status.txt")"
rules=$(ip -n "$NS_ALPHA" rule show)
grep -q 'suppress_prefixlength 0' <<<"$rules" || fail "no suppress rule: $rules"
table=$(sed -n "s/.*not from all fwmark 0x[0-9a-f]* lookup \([0-9][0-9]*\).*/\1/p" <<<"$rules" | head -1)
[ -n "$table" ] || fail "no 'not fwmark lookup TABLE' rule: $rules"
ip -n "$NS_ALPHA" route show table "$table" | grep -q "^default dev $IF_A" ||
	fail "no default route into $IF_A in table $table"
# the underlay: alpha's own firewall, by the main table, not into the tunnel
ip -n "$NS_ALPHA" route get 192.0.2.1 | grep -q 'dev eth0' || fail "the LAN goes into the tunnel"
ping_ok "$NS_ALPHA" 192.0.2.1 || fail "alpha's gateway is unreachable"
# the mesh: every pair still pings (tunnels, NAT paths, admin adjacencies)
all_pairs_ping 50 "${nodes[@]}"
wg show "$IF_A" fwmark | grep -q '^0x' || fail "alpha's WireGuard has no fwmark"

# the exit node dies while alpha sends through it: within seconds no exit
# node, said so, and alpha is not locked out
bg_run P_PING "$TEST_TMP/ping.log" ip netns exec "$NS_ALPHA" ping -n -i 0.2 -W 1 -c 100 198.18.0.1
wait_for "pings through the exit node" 50 grep -q 'bytes from' "$TEST_TMP/ping.log"
t0=$(date +%s%N)
pp kill -KILL "$P_BETA"
wait "$P_BETA" 2>/dev/null || true
wait_for "alpha gives the exit node up" 100 bash -c \
	"! ip -n $NS_ALPHA route show table $table | grep -q default"
echo "exit node given up $((($(date +%s%N) - t0) / 1000000)) ms after it died"
kill "$P_PING" 2>/dev/null || true
n "$NS_ALPHA" "$DAEMON" status -i "$IF_A" >"$TEST_TMP/status.txt"
grep -q '^exit node: none (' "$TEST_TMP/status.txt" ||
	fail "alpha's status does not say it has no exit node: $(cat "$TEST_TMP/status.txt")"
grep -q 'exit node beta no longer usable' "$TEST_TMP/alpha.tlog" || fail "alpha did not say why"
ping_ok "$NS_ALPHA" 192.0.2.1 || fail "alpha's underlay is locked out"
ping_ok "$NS_ALPHA" 203.0.113.3 || fail "alpha cannot reach the internet by its own uplink"
all_pairs_ping 100 "$NS_ALPHA:10.1.1.1" "$NS_CHARLIE:10.1.1.21" "$NS_DELTA:10.1.1.22"

# beta back: alpha takes it again; then a clean stop of alpha takes it all away
start_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B" --exit-node
wait_for "alpha -> 198.18.0.1 through beta again" 150 ping_ok "$NS_ALPHA" 198.18.0.1
pp kill -TERM "$P_ALPHA"
wait_gone "$P_ALPHA" 100
rules=$(ip -n "$NS_ALPHA" rule show)
if grep -qE 'suppress_prefixlength|lookup '"$table" <<<"$rules"; then
	fail "alpha's rules are left: $rules"
fi
[ -z "$(ip -n "$NS_ALPHA" route show table all proto 0x57)" ] ||
	fail "alpha's routes are left: $(ip -n "$NS_ALPHA" route show table all proto 0x57)"
ping_ok "$NS_ALPHA" 192.0.2.1 || fail "alpha's underlay broke at stop"
echo ok
