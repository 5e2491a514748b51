#!/bin/bash
# The original README's working example (see topo-readme.sh): beta public
# and the only static peer, alpha behind a stateful firewall with NAT,
# charlie and delta on a home LAN behind a NAT router. All 12 ordered
# pairs ping over the overlay (through beta until direct paths are found:
# 30-direct-paths.sh checks those).
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

t0=$(date +%s%N)
readme_start

mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"
echo "all 12 pairs ping $((($(date +%s%N) - t0) / 1000000)) ms after the first start"

echo ok
