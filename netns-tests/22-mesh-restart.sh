#!/bin/bash
# kill -9 a node and start it again: all pairs ping again, and no node
# keeps a WireGuard peer for the old key. Then again with its WireGuard
# port still bound for a while when it starts (as the userspace WireGuard
# of the killed run holds it for a moment after its interface is gone):
# the new run waits for the port instead of exiting; a port that stays
# taken is refused with a message that names it.
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
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

old_key=$(wg show "$IF_C" public-key)
pp kill -KILL "$P_CHARLIE"
wait "$P_CHARLIE" 2>/dev/null || true
wait_for "charlie's interface to vanish with its process" 50 \
	bash -c "! ip -n $NS_CHARLIE link show $IF_C"

t0=$(date +%s%N)
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
all_pairs_ping 150 "${nodes[@]}"
echo "all pairs ping again $((($(date +%s%N) - t0) / 1000000)) ms after the restart"
new_key=$(wg show "$IF_C" public-key)
[ "$new_key" != "$old_key" ] || fail "charlie kept its key across a restart"
for who in alpha beta delta; do
	if wg show "$(ifname_for "$who")" peers | grep -qF "$old_key"; then
		fail "$who still has a peer for charlie's old key"
	fi
done

# hold_port NS PORT SECONDS: bind UDP PORT (IPv4) for SECONDS; prints when bound
hold_port() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(float(sys.argv[2]))' "$2" "$3"
}
restart_charlie_with_port_held() {
	pp kill -KILL "$P_CHARLIE"
	wait "$P_CHARLIE" 2>/dev/null || true
	wait_for "charlie's interface to vanish with its process" 50 \
		bash -c "! ip -n $NS_CHARLIE link show $IF_C"
	wait_for "charlie's old WireGuard to free port 50021" 50 \
		bash -c "! ip netns exec $NS_CHARLIE ss -Hulpn 'sport = :50021' | grep -q ."
	# a log of its own: the last holder's "bound" must not be taken for this one's
	bg_run P_HOLD "$TEST_TMP/hold-$1.log" hold_port "$NS_CHARLIE" 50021 "$1"
	wait_for "the port holder to bind" 50 grep -q bound "$TEST_TMP/hold-$1.log"
	start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
}

# held for 1.5 s: charlie waits for it and joins
restart_charlie_with_port_held 1.5
all_pairs_ping 150 "${nodes[@]}"
grep -q "WireGuard port 50021 is still in use" "$TEST_TMP/charlie.tlog" ||
	fail "charlie did not say it waited for its port"
pid_alive "$P_CHARLIE" || fail "charlie exited"
wait "$P_HOLD" || true

# held for longer than charlie waits: a clear refusal, exit status 1
restart_charlie_with_port_held 8
status=0
wait_for "charlie to give up on its port" 80 bash -c "! kill -0 $P_CHARLIE 2>/dev/null"
wait "$P_CHARLIE" || status=$?
[ "$status" -ne 0 ] || fail "charlie exited 0 without its port"
grep -q "WireGuard port 50021 is in use by another program" "$TEST_TMP/charlie.tlog" ||
	fail "charlie's refusal does not name the port"
wait_for "the refused run to remove its interface" 50 \
	bash -c "! ip -n $NS_CHARLIE link show $IF_C"
echo ok
