#!/bin/bash
# The README network finds its best paths: charlie<->delta over their LAN
# (LAN endpoints; nothing for them crosses beta or the home router's WAN),
# alpha<->charlie and alpha<->delta directly through both NATs (beta's
# WireGuard counters show no overlay traffic for those pairs).
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
need_tool python3

topo_readme_up
t0=$(date +%s%N)
readme_start
wait_for "all interfaces" 50 wg show "$IF_D" public-key
K_A=$(wg show "$IF_A" public-key)
K_C=$(wg show "$IF_C" public-key) K_D=$(wg show "$IF_D" public-key)
since() { echo "$((($(date +%s%N) - t0) / 1000000)) ms"; }

lan_shortcut() {
	peer_holds "$IF_C" "$K_D" 10.1.1.22 && peer_holds "$IF_D" "$K_C" 10.1.1.21 &&
		[[ $(peer_endpoint "$IF_C" "$K_D") == 198.51.100.22:* ]] &&
		[[ $(peer_endpoint "$IF_D" "$K_C") == 198.51.100.21:* ]]
}
wait_for "charlie <-> delta over the LAN" 300 lan_shortcut
echo "LAN shortcut after $(since)"

through_nat() {
	peer_holds "$IF_A" "$K_C" 10.1.1.21 && peer_holds "$IF_A" "$K_D" 10.1.1.22 &&
		peer_holds "$IF_C" "$K_A" 10.1.1.1 && peer_holds "$IF_D" "$K_A" 10.1.1.1 &&
		[[ $(peer_endpoint "$IF_A" "$K_C") == 203.0.113.4:* ]] &&
		[[ $(peer_endpoint "$IF_C" "$K_A") == 203.0.113.3:* ]]
}
wait_for "alpha <-> charlie, delta directly through the NATs" 300 through_nat
echo "direct through NAT after $(since)"
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 100 "${nodes[@]}"

# Traffic between those pairs must not pass beta.
declare -A before
for key in "$K_A" "$K_C" "$K_D"; do before[$key]=$(wg_bytes "$IF_B" "$key"); done
n "$NS_CHARLIE" ping -q -n -c 30 -i 0.02 10.1.1.22 >/dev/null
n "$NS_ALPHA" ping -q -n -c 30 -i 0.02 10.1.1.21 >/dev/null
n "$NS_ALPHA" ping -q -n -c 30 -i 0.02 10.1.1.22 >/dev/null
for key in "$K_A" "$K_C" "$K_D"; do
	grew=$(($(wg_bytes "$IF_B" "$key") - before[$key]))
	# 30 relayed pings would be >= 30 * 2 * 116 bytes; keepalives are 32
	[ "$grew" -lt 1000 ] || fail "beta's peer $key carried $grew bytes of the direct pairs' traffic"
done
# What the operator sees: each node's status --json names the path kinds.
json_paths() {
	local ns_var="NS_${1^^}"
	ip netns exec "${!ns_var}" "$DAEMON" status -i "$2" --json |
		python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(n["name"] + "=" + n["path"] for n in d["nodes"] if n["path"] != "self"))'
}
a=$(json_paths alpha "$IF_A") c=$(json_paths charlie "$IF_C")
echo "alpha sees: $a; charlie sees: $c"
[ "$a" = "beta=direct charlie=nat delta=nat" ] || fail "alpha's status: $a"
[ "$c" = "alpha=nat beta=direct delta=lan" ] || fail "charlie's status: $c"
m=$(ip netns exec "$NS_ALPHA" "$DAEMON" metrics -i "$IF_A") # whole: grep -q would close the pipe
grep -q '^wgnm_direct_peers{interface="'"$IF_A"'"} 3$' <<<"$m" ||
	fail "alpha's metrics do not count 3 direct peers"
echo ok
