#!/bin/bash
# Keepalive cost stays bounded: an idle NAT-traversed pair (alpha<->charlie)
# turns its WireGuard keepalive off after network.directIdleSeconds (3 s
# here). Its NAT mappings then expire (deleted from conntrack, as a router's
# idle timeout would); when traffic returns the pair falls back to the
# gateway at once and punches through again: direct once more.
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
need_tool conntrack

topo_readme_up
sed 's/^  subnet: .*/&\n  directIdleSeconds: 3/' "$(dirname "$0")/../net.example.yaml" >"$TEST_TMP/net.yaml"
chmod 600 "$TEST_TMP/net.yaml"
grep -q 'directIdleSeconds: 3' "$TEST_TMP/net.yaml" || fail "could not set directIdleSeconds"
readme_start
wait_for "all interfaces" 50 wg show "$IF_C" public-key
K_A=$(wg show "$IF_A" public-key) K_C=$(wg show "$IF_C" public-key)
direct() { peer_holds "$IF_A" "$K_C" 10.1.1.21 && peer_holds "$IF_C" "$K_A" 10.1.1.1; }
wait_for "alpha <-> charlie direct through NAT" 100 direct
keepalive() { wg show "$1" persistent-keepalive | awk -v k="$2" '$1 == k { print $2 }'; }
echo "keepalive while active: $(keepalive "$IF_A" "$K_C")"

asleep() { [ "$(keepalive "$IF_A" "$K_C")" = off ] && [ "$(keepalive "$IF_C" "$K_A")" = off ]; }
wait_for "the idle pair to stop its keepalives" 150 asleep
echo "idle: keepalive $(keepalive "$IF_A" "$K_C") on both sides"

# the NAT mappings of the pair expire (and there were some to expire)
expire() {
	local out
	out=$(ip netns exec "$1" conntrack -D -p udp --orig-dst "$2" --dport "$3" 2>&1) || true
	echo "$1: $out"
	[[ $out =~ ([1-9][0-9]*)\ flow\ entr ]] || fail "no NAT mapping to $2:$3 in $1 to expire"
}
expire "$NS_AFW" 203.0.113.4 50021
expire "$NS_HOME" 203.0.113.3 50001

t0=$(date +%s%N)
wait_for "alpha -> charlie with traffic back" 300 ping_ok "$NS_ALPHA" 10.1.1.21
echo "traffic flows again $((($(date +%s%N) - t0) / 1000000)) ms after the mappings expired"
awake() { direct && [ "$(keepalive "$IF_A" "$K_C")" != off ]; }
keep_pinging_until_direct() {
	ping_ok "$NS_ALPHA" 10.1.1.21 || true
	awake
}
wait_for "alpha <-> charlie direct again" 300 keep_pinging_until_direct
echo "direct again $((($(date +%s%N) - t0) / 1000000)) ms after the mappings expired"
echo ok
