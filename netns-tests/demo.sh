#!/bin/bash
# make demo: the original README's working example in network namespaces,
# run with net.example.yaml. Prints what each node sees as the mesh
# converges (who reaches whom: over the LAN, directly through the NATs, or
# through a gateway, as each node's `wg_netmanager status` says), then keeps
# showing it until Ctrl-C or DEMO_SECONDS (default 60) pass; everything is
# removed on the way out. Needs root.
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

DEMO_SECONDS=${DEMO_SECONDS:-60}
NAMES=(alpha beta charlie delta)
declare -A IP=([alpha]=10.1.1.1 [beta]=10.1.1.2 [charlie]=10.1.1.21 [delta]=10.1.1.22)

cat <<'TXT'
wg_netmanager demo: the original README's network, in namespaces.

             alpha               internet               beta (static peer)
     behind firewall + NAT ---------+--------- public 203.0.113.2
                                    |
                            home router (NAT)
                                    |  LAN 198.51.100.0/24
               charlie -------------+------------- delta

Every node runs: wg_netmanager -c net.example.yaml -i wgX -a IP -n NAME
TXT
topo_readme_up >/dev/null 2>&1 3>/dev/null
install -m 600 "$(dirname "$0")/../net.example.yaml" "$TEST_TMP/net.yaml"

t0=$(date +%s%N)
for who in "${NAMES[@]}"; do
	ns_var="NS_${who^^}"
	start_node "PID_$who" "${!ns_var}" "$who" "${IP[$who]}" "$(ifname_for "$who")" 3>/dev/null
done

elapsed() { printf '%5d ms' $((($(date +%s%N) - t0) / 1000000)); }

# "beta: direct  charlie: NAT  delta: via beta" from the node's own status.
view_of() {
	local me=$1 ns_var="NS_${1^^}"
	ip netns exec "${!ns_var}" "$DAEMON" status -i "$(ifname_for "$me")" --json 2>/dev/null |
		python3 -c '
import json, sys
me = sys.argv[1]
try:
    d = json.load(sys.stdin)
except ValueError:
    print("  %-8s (starting)" % me)
    sys.exit(0)
names = {"lan": "LAN", "nat": "NAT", "direct": "direct", "gateway": "via ", "unreachable": "-"}
cells = []
for n in d["nodes"]:
    if n["path"] == "self":
        continue
    p = names.get(n["path"], n["path"])
    if n["path"] == "gateway":
        p += n["via_name"] or "?"
    cells.append("%-18s" % (n["name"] + ": " + p))
print("  %-8s %s" % (me, "".join(cells)))
' "$me"
}

all_ping() {
	local a b
	for a in "${NAMES[@]}"; do
		for b in "${NAMES[@]}"; do
			[ "$a" = "$b" ] && continue
			local ns_var="NS_${a^^}"
			ping_ok "${!ns_var}" "${IP[$b]}" || return 1
		done
	done
}

last=""
converged=""
deadline=$(($(date +%s) + DEMO_SECONDS))
trap 'echo; echo "stopping: the nodes leave and everything is removed"; exit 0' INT
while [ "$(date +%s)" -lt "$deadline" ]; do
	view=$(for who in "${NAMES[@]}"; do view_of "$who"; done)
	if [ "$view" != "$last" ]; then
		printf '\n[%s] what each node sees:\n%s\n' "$(elapsed)" "$view"
		last=$view
	fi
	if [ -z "$converged" ] && all_ping; then
		converged=1
		printf '[%s] all 12 ordered pairs ping over the overlay\n' "$(elapsed)"
		printf '\nKeeps running for %ss; Ctrl-C to stop earlier.\n' "$DEMO_SECONDS"
	fi
	sleep 0.2
done
echo "time is up: the nodes leave and everything is removed"
