#!/bin/bash
# Subnet routes (issue 15): charlie and delta both carry the LAN behind
# them, 192.168.7.0/24, where a NAS (192.168.7.10) runs no daemon and has
# no route back to the overlay (the carrier masquerades).
#   (1) alpha pings the NAS through the nearer carrier;
#   (2) kill -9 that carrier while alpha pings: the pings come back through
#       the other within 3 s (the gap is printed);
#   (4) mallory announces 172.31.0.0/16 (outside acceptRoutes) and
#       10.1.1.128/25 (the overlay): every other node refuses both, says so
#       once, counts them, installs neither, and the mesh goes on;
#   (5) a clean stop leaves no route, rule or nftables table behind.
#
#            internet ---- mallory 203.0.113.7 (10.1.1.30)
#               |
#             [home] -- LAN 198.51.100.0/24 -- charlie, delta
#                    -- lan7 192.168.7.0/24 -- charlie .21, delta .22, NAS .10
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
# the LAN behind charlie and delta, a bridge in the home router's namespace
ns_new NS_NAS nas
ns_new NS_MAL mallory
ip -n "$NS_HOME" link add lan7 type bridge
ip -n "$NS_HOME" link set lan7 up
link "$NS_HOME" c7 "$NS_CHARLIE" eth1
link "$NS_HOME" d7 "$NS_DELTA" eth1
link "$NS_HOME" n7 "$NS_NAS" eth0
for p in c7 d7 n7; do ip -n "$NS_HOME" link set "$p" master lan7; done
ip -n "$NS_CHARLIE" addr add 192.168.7.21/24 dev eth1
ip -n "$NS_DELTA" addr add 192.168.7.22/24 dev eth1
ip -n "$NS_NAS" addr add 192.168.7.10/24 dev eth0
link "$NS_INET" pm "$NS_MAL" eth0
ip -n "$NS_INET" link set pm master br0
inet_addr "$NS_MAL" eth0 203.0.113.7

install -m 600 "$(dirname "$0")/../net.example.yaml" "$TEST_TMP/net.yaml"
sed -i 's|^  subnet: 10.1.1.0/24|&\n  acceptRoutes: [192.168.0.0/16]|' "$TEST_TMP/net.yaml"
grep -q acceptRoutes "$TEST_TMP/net.yaml" || fail "could not write acceptRoutes"
# mallory: a holder of the key whose own net.yaml lets it announce what the
# others must refuse (its subnet, a /25, does not overlap 10.1.1.128/25)
sed 's|^  subnet: 10.1.1.0/24|  subnet: 10.1.1.0/25|' "$TEST_TMP/net.yaml" >"$TEST_TMP/mallory.yaml"
chmod 600 "$TEST_TMP/mallory.yaml"

IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta)
IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta) IF_M=$(ifname_for mal)
start_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B"
start_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A"
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C" --route 192.168.7.0/24
start_node P_DELTA "$NS_DELTA" delta 10.1.1.22 "$IF_D" --route 192.168.7.0/24
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

# (1) the NAS through a carrier; which one: the peer holding the prefix at alpha
wait_for "alpha -> NAS 192.168.7.10" 100 ping_ok "$NS_ALPHA" 192.168.7.10
n "$NS_ALPHA" ip route show proto 0x57 | grep -q '^192.168.7.0/24 dev' ||
	fail "alpha has no kernel route for 192.168.7.0/24"
holder_key=$(wg show "$IF_A" allowed-ips | awk '/192\.168\.7\.0\/24/ {print $1}')
[ -n "$holder_key" ] || fail "no peer of alpha holds 192.168.7.0/24"
K_C=$(wg show "$IF_C" public-key) K_D=$(wg show "$IF_D" public-key)
K_B=$(wg show "$IF_B" public-key)
case $holder_key in
"$K_C") carrier=charlie P_CARRIER=$P_CHARLIE other_key=$K_D ;;
"$K_D") carrier=delta P_CARRIER=$P_DELTA other_key=$K_C ;;
"$K_B") fail "alpha routes 192.168.7.0/24 through beta: no direct path to a carrier" ;;
*) fail "192.168.7.0/24 is on an unknown peer of alpha" ;;
esac
echo "alpha reaches the NAS through $carrier"
# neither carrier installs the other's announcement of its own prefix
for ns in "$NS_CHARLIE" "$NS_DELTA"; do
	if n "$ns" ip route show proto 0x57 | grep -q '^192.168.7.0/24'; then
		fail "$ns routes its own LAN into the tunnel"
	fi
done

# (2) the carrier dies while alpha sends: the other takes over within 3 s
ping_log=$TEST_TMP/ping.log
bg_run P_PING "$ping_log" ip netns exec "$NS_ALPHA" ping -n -D -i 0.1 -W 1 -c 150 192.168.7.10
wait_for "pings flowing" 50 grep -q 'bytes from' "$ping_log"
sleep 0.5
t_kill=$(date +%s.%N)
pp kill -KILL "$P_CARRIER"
wait "$P_CARRIER" 2>/dev/null || true
wait_gone "$P_PING" 200
# the first reply after the kill, by ping's own timestamps
gap=$(awk -v t="$t_kill" '/bytes from/ { ts = substr($1, 2, length($1) - 2); if (ts > t) { printf "%d", (ts - t) * 1000; exit } }' "$ping_log")
[ -n "$gap" ] || fail "no ping answered after $carrier died"
echo "pings through the other carrier $gap ms after $carrier was killed"
[ "$gap" -le 3000 ] || fail "the route moved only after $gap ms (want <= 3000)"
holder_key=$(wg show "$IF_A" allowed-ips | awk '/192\.168\.7\.0\/24/ {print $1}')
[ "$holder_key" = "$other_key" ] || fail "192.168.7.0/24 is not on the other carrier's peer"

# (4) mallory announces what nobody may accept
bg_run P_MAL "$TEST_TMP/mallory.log" ip netns exec "$NS_MAL" "$DAEMON" \
	-c "$TEST_TMP/mallory.yaml" -i "$IF_M" -a 10.1.1.30 -n mallory -v \
	-l "$TEST_TMP/mallory.tlog" --route 172.31.0.0/16 --route 10.1.1.128/25
wait_for "mallory -> beta" 150 ping_ok "$NS_MAL" 10.1.1.2
survivors=("$NS_ALPHA:10.1.1.1" "$NS_BETA:10.1.1.2")
[ "$carrier" = charlie ] && survivors+=("$NS_DELTA:10.1.1.22") || survivors+=("$NS_CHARLIE:10.1.1.21")
for pair in "${survivors[@]}"; do
	ns=${pair%%:*}
	name=$(sed -n 's/^wgnm-\([a-z]*\)-.*/\1/p' <<<"$ns")
	log=$TEST_TMP/$name.tlog
	wait_for "$name refuses mallory's routes" 100 grep -q '10.1.1.128/25 from mallory refused' "$log"
	grep -q '172.31.0.0/16 from mallory refused: outside network.acceptRoutes' "$log" ||
		fail "$name did not refuse 172.31.0.0/16"
	grep -q '10.1.1.128/25 from mallory refused: overlaps the overlay subnet' "$log" ||
		fail "$name did not refuse 10.1.1.128/25"
	[ "$(grep -c 'from mallory refused' "$log")" -eq 2 ] || fail "$name said it more than once"
	if n "$ns" ip route show proto 0x57 | grep -qE '^(172\.31|10\.1\.1\.128)'; then
		fail "$name installed a refused route"
	fi
done
n "$NS_ALPHA" "$DAEMON" metrics -i "$IF_A" >"$TEST_TMP/alpha.metrics"
refused=$(awk '/^wgnm_drops_total\{.*reason="refused"\}/ {print $2}' "$TEST_TMP/alpha.metrics")
[ "${refused:-0}" -ge 2 ] || fail "alpha's metrics count $refused refused drops"
all_pairs_ping 50 "${survivors[@]}"
ping_ok "$NS_ALPHA" 192.168.7.10 || fail "the NAS is unreachable after mallory joined"

# (5) the killed carrier left its masquerade table and forwarding on; its
# next start removes them, and a clean stop of every node leaves nothing
ns_carrier=$NS_CHARLIE if_carrier=$IF_C ip_carrier=10.1.1.21
[ "$carrier" = delta ] && ns_carrier=$NS_DELTA if_carrier=$IF_D ip_carrier=10.1.1.22
n "$ns_carrier" nft list tables | grep -q "wgnm_$if_carrier" ||
	fail "the killed $carrier left no masquerade table (did it masquerade?)"
start_node P_AGAIN "$ns_carrier" "$carrier" "$ip_carrier" "$if_carrier" --route 192.168.7.0/24
wait_for "$carrier back" 150 ping_ok "$NS_ALPHA" "$ip_carrier"
for p in "$P_ALPHA" "$P_BETA" "$P_MAL" "$P_CHARLIE" "$P_DELTA" "$P_AGAIN"; do
	[ "$p" = "$P_CARRIER" ] && continue
	kill -TERM "$p" 2>/dev/null || true
done
for p in "$P_ALPHA" "$P_BETA" "$P_MAL" "$P_AGAIN"; do wait_gone "$p" 100; done
for ns in "$NS_ALPHA" "$NS_BETA" "$NS_CHARLIE" "$NS_DELTA" "$NS_MAL"; do
	if [ -n "$(ip -n "$ns" route show table all proto 0x57)" ]; then
		fail "$ns keeps routes: $(ip -n "$ns" route show table all proto 0x57)"
	fi
	if n "$ns" nft list tables | grep -q wgnm_; then
		fail "$ns keeps an nftables table: $(ip netns exec "$ns" nft list tables)"
	fi
	[ "$(ip netns exec "$ns" cat /proc/sys/net/ipv4/ip_forward)" = 0 ] ||
		fail "$ns keeps IPv4 forwarding on"
done
echo ok
