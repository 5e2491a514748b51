#!/bin/bash
# make demo: the original README's working example in network namespaces,
# run with net.example.yaml. Prints what each node sees as the mesh
# converges (who reaches whom: over the LAN, directly through the NATs, or
# through a gateway, as each node's `wg_netmanager status` says), then keeps
# showing it until Ctrl-C or DEMO_SECONDS (default 60) pass; everything is
# removed on the way out. Two extensions on top: charlie carries its LAN
# 192.168.7.0/24 (a NAS there, no daemon), beta is an exit node that alpha
# uses to reach an "internet" host behind it. Needs root.
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
                  |                                 beta -- web 198.18.0.1
              NAS 192.168.7.10 (charlie's LAN)

Every node runs: wg_netmanager -c net.example.yaml -i wgX -a IP -n NAME
with acceptRoutes: [192.168.0.0/16] and allowExitNodes: true added, and
  charlie --route 192.168.7.0/24   (a subnet router for its LAN)
  beta    --exit-node              (an exit node)
  alpha   --use-exit-node auto     (its internet traffic through beta)
TXT
topo_readme_up >/dev/null 2>&1 3>/dev/null
{
	ns_new NS_NAS nas
	ns_new NS_WEB web
	link "$NS_CHARLIE" eth1 "$NS_NAS" eth0
	ip -n "$NS_CHARLIE" addr add 192.168.7.1/24 dev eth1
	ip -n "$NS_NAS" addr add 192.168.7.10/24 dev eth0
	link "$NS_BETA" eth1 "$NS_WEB" eth0
	ip -n "$NS_BETA" addr add 198.18.0.2/24 dev eth1
	ip -n "$NS_WEB" addr add 198.18.0.1/24 dev eth0
} >/dev/null 2>&1 3>/dev/null
install -m 600 "$(dirname "$0")/../net.example.yaml" "$TEST_TMP/net.yaml"
sed -i 's|^  subnet: 10.1.1.0/24|&\n  acceptRoutes: [192.168.0.0/16]\n  allowExitNodes: true|' "$TEST_TMP/net.yaml"
declare -A EXTRA=([alpha]="--use-exit-node auto" [beta]="--exit-node"
	[charlie]="--route 192.168.7.0/24" [delta]="")

t0=$(date +%s%N)
for who in "${NAMES[@]}"; do
	ns_var="NS_${who^^}"
	# shellcheck disable=SC2086 # EXTRA holds separate words
	start_node "PID_$who" "${!ns_var}" "$who" "${IP[$who]}" "$(ifname_for "$who")" \
		${EXTRA[$who]} 3>/dev/null
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
extras=""
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
	fi
	if [ -n "$converged" ] && [ -z "$extras" ] &&
		ping_ok "$NS_DELTA" 192.168.7.10 && ping_ok "$NS_ALPHA" 192.168.7.10 &&
		ping_ok "$NS_ALPHA" 198.18.0.1; then
		extras=1
		printf '[%s] delta and alpha reach the NAS 192.168.7.10 through charlie\n' "$(elapsed)"
		printf '[%s] alpha reaches the internet host 198.18.0.1 through its exit node beta\n' \
			"$(elapsed)"
		printf '\nalpha'"'"'s routes, as its status shows them:\n'
		ip netns exec "$NS_ALPHA" "$DAEMON" status -i "$(ifname_for alpha)" 2>/dev/null |
			sed -n '/^routes:/,/^exit node/p'
		printf '\nKeeps running for %ss; Ctrl-C to stop earlier.\n' "$DEMO_SECONDS"
	fi
	sleep 0.2
done
echo "time is up: the nodes leave and everything is removed"
