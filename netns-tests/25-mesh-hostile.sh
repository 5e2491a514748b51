#!/bin/bash
# Hostile input against a live mesh (the README network):
#   - a holder of the shared key claiming an address outside the subnet,
#   - a holder of the key claiming charlie's address under another name,
#   - forged datagrams (random bytes) and replayed ones (a captured sealed
#     packet sent again) to beta's admin port:
# all refused or dropped and counted (beta's metrics), and the mesh keeps
# working: every pair still pings, charlie keeps its address.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool nft
need_tool python3

topo_readme_up
readme_start
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"
metric() {
	ip netns exec "$NS_BETA" "$DAEMON" metrics -i "$IF_B" |
		awk -v m="$1" 'index($0, m) == 1 { print $2 }'
}
drops() { metric "wgnm_drops_total{interface=\"$IF_B\",reason=\"$1\"}"; }

# Two impostors on the internet, with the shared key.
ns_new NS_EVE eve
link "$NS_INET" pe "$NS_EVE" eth0
ip -n "$NS_INET" link set pe master br0
inet_addr "$NS_EVE" eth0 203.0.113.66
# (a) an address outside the subnet: its own net.yaml says 10.0.0.0/8
sed 's#^  subnet: .*#  subnet: 10.0.0.0/8#' "$TEST_TMP/net.yaml" >"$TEST_TMP/wide.yaml"
chmod 600 "$TEST_TMP/wide.yaml"
bg_run P_EVE "$TEST_TMP/eve.log" ip netns exec "$NS_EVE" "$DAEMON" -c "$TEST_TMP/wide.yaml" \
	-i "$(ifname_for eve)" -a 10.9.9.9 -n eve -u 50509 -w 50009 -v
outside() { [ "$(drops refused)" -ge 1 ]; }
wait_for "beta refuses 10.9.9.9" 100 outside
echo "outside the subnet: refused $(drops refused)"
ip -n "$NS_BETA" route show proto 0x57 | grep -q '^10\.9\.9\.9' && fail "beta routes to 10.9.9.9"

# (b) charlie's address under another name
before=$(drops refused)
bg_run P_MAL "$TEST_TMP/mallory.log" ip netns exec "$NS_EVE" "$DAEMON" -c "$TEST_TMP/net.yaml" \
	-i "$(ifname_for mal)" -a 10.1.1.21 -n mallory -u 50521 -w 50021 -v
impostor() { [ "$(drops refused)" -gt "$before" ]; }
wait_for "beta refuses mallory as 10.1.1.21" 100 impostor
echo "a live node's address under another name: refused ($(drops refused) in all)"

# (c) forged datagrams
before=$(drops open-failed)
ip netns exec "$NS_EVE" python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pkt = bytearray(os.urandom(200))
pkt[0:4] = b"WN\x02\x00"          # a valid clear header, a sealed body that is not
for _ in range(20):
    s.sendto(bytes(pkt), ("203.0.113.2", 50502))
    pkt[40] ^= 0xff
PY
forged() { [ "$(drops open-failed)" -ge $((before + 20)) ]; }
wait_for "beta drops and counts 20 forged datagrams" 50 forged
echo "forged: open-failed $(drops open-failed)"

# (d) a replayed packet: capture one of alpha's sealed datagrams at beta and
# send it again
before=$(drops replay)
ip netns exec "$NS_BETA" timeout 40 python3 - <<'PY'
import socket, struct
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
raw.bind(("eth0", 0))
raw.settimeout(35)
while True:
    frame = raw.recv(2048)
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[9] != 17:
        continue
    src = socket.inet_ntoa(ip[12:16])
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    if dport == 50502 and src == "203.0.113.3" and ip[ihl + 8:ihl + 10] == b"WN":
        payload = ip[ihl + 8:]
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(3):
            out.sendto(payload, ("203.0.113.2", 50502))
        break
PY
replayed() { [ "$(drops replay)" -ge $((before + 3)) ]; }
wait_for "beta drops and counts the replayed packet" 50 replayed
echo "replayed: replay $(drops replay)"

# the mesh keeps working, charlie keeps its address
all_pairs_ping 50 "${nodes[@]}"
ip netns exec "$NS_BETA" "$DAEMON" status -i "$IF_B" | grep -qE '^charlie +10\.1\.1\.21 ' ||
	fail "beta no longer knows charlie as 10.1.1.21"
ip netns exec "$NS_BETA" "$DAEMON" status -i "$IF_B" | grep -q '^mallory' &&
	fail "beta accepted mallory"
echo ok
