#!/bin/bash
# An insider takes over a live node (issue 11, finding 3): a daemon started
# elsewhere with charlie's name and address and the shared key. Before the
# fix it took charlie's traffic within seconds, and charlie stayed
# unreachable long after it left. Now:
#   - while charlie answers, every node that knows it refuses the copy,
#     logs it as a warning and counts it (claims_refused); charlie keeps
#     its traffic;
#   - the copy stops: nothing to win back, every pair pings;
#   - charlie dies, the copy starts: it takes over (counted as a takeover);
#     the copy stops and charlie starts again: charlie is back at once.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool python3

topo_readme_up
ns_new NS_EVE eve
link "$NS_INET" pev "$NS_EVE" eth0
ip -n "$NS_INET" link set pev master br0
inet_addr "$NS_EVE" eth0 203.0.113.66
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

metric() {
	ip netns exec "$NS_BETA" "$DAEMON" metrics -i "$IF_B" |
		awk -v m="$1{interface=\"$IF_B\"}" 'index($0, m) == 1 { print $2 }'
}
IF_E=$(ifname_for eve)
start_copy() {
	bg_run P_COPY "$TEST_TMP/copy.log" ip netns exec "$NS_EVE" "$DAEMON" \
		-c "$TEST_TMP/net.yaml" -i "$IF_E" -a 10.1.1.21 -n charlie -v -l "$TEST_TMP/copy.tlog"
}
stop_copy() {
	kill -TERM "$P_COPY"
	wait_gone "$P_COPY" 100
}

# 1. the copy while charlie lives
start_copy
refused() { [ "$(metric wgnm_claims_refused_total)" -ge 1 ]; }
wait_for "beta refuses the copy" 100 refused
grep -q "refused a second node with this address at 203.0.113.66" "$TEST_TMP/beta.tlog" ||
	fail "beta did not log the refused copy"
for ((i = 0; i < 20; i++)); do
	ping_ok "$NS_ALPHA" 10.1.1.21 || fail "alice lost charlie while the copy ran"
	ping_ok "$NS_BETA" 10.1.1.21 || fail "beta lost charlie while the copy ran"
	sleep 0.2
done
[ "$(metric wgnm_takeovers_total)" -eq 0 ] || fail "a takeover of a live node"
ip netns exec "$NS_BETA" "$DAEMON" status -i "$IF_B" | grep -q "charlie: refused .* claim" ||
	fail "beta's status does not show the refused claims"

# 2. the copy goes: every pair pings at once
stop_copy
all_pairs_ping 30 "${nodes[@]}"

# 3. charlie dies; the copy takes over; charlie returns and wins it back
pp kill -KILL "$P_CHARLIE"
wait "$P_CHARLIE" 2>/dev/null || true
start_copy
took() { [ "$(metric wgnm_takeovers_total)" -ge 1 ]; }
wait_for "the copy takes over the silent charlie" 300 took
wait_for "beta -> the copy" 100 ping_ok "$NS_BETA" 10.1.1.21
stop_copy
t0=$(date +%s%N)
start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
all_pairs_ping 100 "${nodes[@]}"
echo "charlie back $((($(date +%s%N) - t0) / 1000000)) ms after the copy left and it started"
echo ok
