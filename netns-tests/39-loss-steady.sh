#!/bin/bash
# The README network at 20% random loss on the internet (an nft
# random-drop rule in the internet bridge's forward path: every frame
# crossing it, one way, is dropped with probability 0.2; the LANs lose
# nothing), issue 12, "Loss and delay". 34-loss.sh checks that the best
# paths come up under loss; this one that they hold: once the LAN shortcut
# and the direct paths through both NATs are up, STEADY_S seconds with
# every pair pinging about once a second: no route change at any node
# (wgnm_route_changes_total), no adjacency down and no direct path lost or
# re-tried in any log, the same paths in every status. A ping through the
# internet crosses it twice (0.8 x 0.8: 36% lost); the LAN pair loses
# none, so about 30% of all pings are lost: more than 45% would be a flap.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
# shellcheck source=netns-tests/steady-lib.sh
. "$(dirname "$0")/steady-lib.sh"
require_root
need_tool nft
need_tool wg
need_tool python3

STEADY_S=${STEADY_S:-60}

topo_readme_up
readme_internet_loss 20
t0=$(date +%s%N)
readme_start
readme_wait_keys
mapfile -t nodes < <(topo_readme_nodes)

# 34-loss.sh allows 60 s for this (a lost hello or initiation costs a retry)
wait_until_s "direct paths alpha<->charlie, alpha<->delta (NAT) and charlie<->delta (LAN)" \
	40 "$t0" readme_direct_paths_up
echo "direct paths up $(ms_since "$t0") ms after the start"
# a ping through the internet is lost 36% of the time: every pair gets 15 s
all_pairs_within 15 "${nodes[@]}"

STEADY_MAX_LOST_PCT=45 steady_state "$STEADY_S" "beta=direct charlie=nat delta=nat" \
	"alpha=nat beta=direct delta=lan" "${nodes[@]}"
dropped=$(readme_internet_dropped)
echo "the internet dropped $dropped packets"
[ "${dropped:-0}" -gt 100 ] || fail "the loss rule dropped only ${dropped:-0} packets"
echo ok
