#!/bin/bash
# kill -9 of alpha and a start again elsewhere: new WireGuard and admin
# ports, behind a NAT that forgot its mappings and now randomises ports.
# The new start claims alpha's address from another endpoint; the old one
# is checked and, silent, replaced. Before the fix a WireGuard sample taken
# after the claim showed traffic that arrived before the old alpha died,
# beta took that for an answer and refused the new start (17 s until every
# pair pinged); and beta told the new alpha the old start's endpoint.
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

pp kill -KILL "$P_ALPHA"
wait "$P_ALPHA" 2>/dev/null || true
wait_for "alpha's interface to go with its process" 50 \
	bash -c "! ip -n $NS_ALPHA link show $IF_A"
# its NAT changes: mappings forgotten, ports randomised from now on
n "$NS_AFW" nft flush chain ip nat postrouting
n "$NS_AFW" nft add rule ip nat postrouting oifname wan masquerade fully-random
ip netns exec "$NS_AFW" conntrack -F >/dev/null 2>&1 || true
t0=$(date +%s%N)
start_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A" -w 50011 -u 50511
all_pairs_ping 150 "${nodes[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "every pair pings $ms ms after alpha started elsewhere"
# the claim check takes 2 s; allow a loaded machine, well below the 17 s of before
[ "$ms" -le 8000 ] || fail "$ms ms > 8 s"
grep -q "took over its address" "$TEST_TMP/beta.tlog" || fail "beta did not log the takeover"
if grep -q "refused a second node" "$TEST_TMP/beta.tlog"; then
	fail "beta refused alpha's new start"
fi
echo ok
