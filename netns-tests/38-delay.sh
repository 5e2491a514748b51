#!/bin/bash
# The README network with 300 ms +- 50 ms added one way on every port of
# the internet (tests/tool_delaybridge: no netem in this kernel), so a
# round trip through it is 600 ms +- 100 ms, frames reordered by the
# jitter; the LANs stay fast. Issue 12, "Loss and delay".
#   1. start: every ordered pair pings within START_S, and the direct
#      paths through both NATs (alpha<->charlie, alpha<->delta) and the LAN
#      shortcut (charlie<->delta) come up;
#   2. steady state: STEADY_S seconds with every pair pinging every second:
#      no route changes (wgnm_route_changes_total) on any node, no
#      adjacency down and no direct path lost in any log, the same paths
#      in every status, and (nearly) every ping answered.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
# shellcheck source=netns-tests/delay-lib.sh
. "$(dirname "$0")/delay-lib.sh"
# shellcheck source=netns-tests/steady-lib.sh
. "$(dirname "$0")/steady-lib.sh"
require_root
need_tool wg
need_tool python3

DELAY_MS=300
JITTER_MS=50
STEADY_S=${STEADY_S:-60}

topo_readme_up
delay_readme_internet "$DELAY_MS" "$JITTER_MS"
# the delay is there: the home router reaches beta only through it
rtt=$(ip netns exec "$NS_HOME" ping -n -c 1 -W 3 203.0.113.2 |
	sed -n 's/.* time=\([0-9]*\).*/\1/p')
echo "home router <-> beta underlay round trip: ${rtt:-none} ms"
[ "${rtt:-0}" -ge 500 ] || fail "the delay bridges do not delay: round trip ${rtt:-none} ms"

t0=$(date +%s%N)
readme_start
readme_wait_keys
mapfile -t nodes < <(topo_readme_nodes)

# 1. Start. The bound, from the protocol's timers with a 600 +- 100 ms
# round trip R through the internet (700 ms at worst):
#   - a hello exchange is two round trips (challenge, echo): beta's
#     neighbours are up after about 2R = 1.4 s;
#   - the first WireGuard handshake: one more round trip; a lost or
#     crossed one is retried after MESH_HS_RETRY_MS + 3 RTT = 2.4 s
#     (doubling), so two retries end by about 1.4 + 0.7 + 2.4 + 4.8 = 9.3 s;
#   - records reach the far nodes through beta a round trip later, and a
#     relayed path is two internet crossings (R = 1.2 s) per ping.
# So every pair pings through beta within about 11 s; START_S allows
# twice that for a loaded 2-core machine. The direct paths through NAT
# need the reflexive endpoints (a probe round trip after the handshakes)
# and a punch (a NAT trial lasts TRY_NAT 6 s, re-kicked every 2 s): one
# round at most, so within START_S + 6 s.
START_S=${START_S:-22}
all_pairs_within "$START_S" "${nodes[@]}"
echo "all 12 pairs pinged $(ms_since "$t0") ms after the start (slowest pair $PAIRS_SLOWEST_MS ms)"
wait_until_s "direct paths alpha<->charlie, alpha<->delta (NAT) and charlie<->delta (LAN)" \
	"$((START_S + 6))" "$t0" readme_direct_paths_up
echo "direct paths up $(ms_since "$t0") ms after the start"

# 2. Steady state.
steady_state "$STEADY_S" "beta=direct charlie=nat delta=nat" "alpha=nat beta=direct delta=lan" \
	"${nodes[@]}"
echo ok
