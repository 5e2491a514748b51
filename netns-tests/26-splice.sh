#!/bin/bash
# The keyless relay splice (issue 11, finding 1) on the README network:
# eve, on the home LAN and without the shared key, has captured one of
# delta's datagrams. She replays it to charlie and then relays whatever
# charlie and delta send her, both ways, for 20 s. Before the fix the two
# completed the challenge with each other through her, took the adjacency
# as up and routed charlie's traffic for delta to eve's address: pings were
# lost. Now a relayed hello names eve as its target and is refused: no
# adjacency through her, charlie never talks to delta at her address, and
# charlie <-> delta keep pinging throughout.
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
link "$NS_HOME" hev "$NS_EVE" eth0
ip -n "$NS_HOME" link set hev master lan
ip -n "$NS_EVE" addr add 198.51.100.66/24 dev eth0
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"

# one sealed datagram of delta's, as it leaves for beta through the router
n "$NS_HOME" timeout 30 python3 - "$TEST_TMP/captured" <<'PY'
import socket, struct, sys
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
raw.bind(("lan", 0))
raw.settimeout(28)
while True:
    ip = raw.recv(2048)[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[9] != 17 or socket.inet_ntoa(ip[12:16]) != "198.51.100.22":
        continue
    dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
    if dport == 50502 and ip[ihl + 8:ihl + 10] == b"WN":
        open(sys.argv[1], "wb").write(ip[ihl + 8:])
        break
PY
[ -s "$TEST_TMP/captured" ] || fail "captured nothing"

# eve replays it to charlie, then relays charlie <-> delta for 20 s
cat >"$TEST_TMP/relay.py" <<'PY'
import socket, sys, time
charlie, delta = ("198.51.100.21", 50521), ("198.51.100.22", 50522)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.66", 50666))
s.settimeout(0.2)
s.sendto(open(sys.argv[1], "rb").read(), charlie)
relayed = {charlie: 0, delta: 0}
end = time.time() + 20
while time.time() < end:
    try:
        data, src = s.recvfrom(2048)
    except socket.timeout:
        continue
    if src in relayed:
        relayed[src] += 1
        s.sendto(data, delta if src == charlie else charlie)
print("relayed from charlie %d, from delta %d" % (relayed[charlie], relayed[delta]), flush=True)
PY
bg_run P_RELAY "$TEST_TMP/relay.out" ip netns exec "$NS_EVE" python3 "$TEST_TMP/relay.py" \
	"$TEST_TMP/captured"

# refused datagrams at charlie and delta together
refused() {
	local ns ifn total=0 v
	for ns in "$NS_CHARLIE:$IF_C" "$NS_DELTA:$IF_D"; do
		ifn=${ns#*:}
		v=$(ip netns exec "${ns%%:*}" "$DAEMON" metrics -i "$ifn" |
			awk -v m="wgnm_drops_total{interface=\"$ifn\",reason=\"refused\"}" \
				'index($0, m) == 1 { print $2 }')
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
before=$(refused)
lost=0
for ((i = 0; i < 40; i++)); do
	ping_ok "$NS_CHARLIE" 10.1.1.22 || lost=$((lost + 1))
	if ip netns exec "$NS_CHARLIE" "$DAEMON" status -i "$IF_C" --json |
		python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(n["name"] == "delta" and (n["adjacent"] or
                  n.get("endpoint", "").startswith("198.51.100.66")) for n in d["nodes"]) else 1)'
	then
		fail "charlie took delta as an admin neighbour through eve"
	fi
	sleep 0.4
done
wait_gone "$P_RELAY" 100
grep relayed "$TEST_TMP/relay.out" || { cat "$TEST_TMP/relay.out"; fail "the relay did not run"; }
cat "$TEST_TMP/relay.out"
echo "pings lost while eve relayed: $lost of 40; refused at charlie and delta: $before -> $(refused)"
[ "$lost" -le 2 ] || fail "$lost of 40 pings lost while eve relayed"
[ "$(refused)" -gt "$before" ] || fail "the relayed hellos were not refused"
all_pairs_ping 50 "${nodes[@]}"
echo ok
