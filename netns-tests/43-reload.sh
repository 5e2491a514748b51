#!/bin/bash
# SIGHUP reloads (issue 13, item 4): before, it stopped the node (exit 0,
# so systemd's Restart=on-failure left it down).
#
#   alice (198.51.100.1) ---- bob (198.51.100.2), no LAN discovery
#
# 1. alice's net.yaml lists only herself: the two cannot find each other.
#    bob is added to it and alice gets SIGHUP: they meet, and pings work.
# 2. A broken net.yaml and SIGHUP: refused whole, with file:line:col at
#    error priority in the log; alice runs on with the old one.
# 3. A reload that changes nothing, with a ping running: no tunnel dropped.
# 4. A change that needs a restart (alice's admin port) is named in the log
#    and not applied.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root

ns_new A alice
ns_new B bob
veth "$A" 198.51.100.1/24 "$B" 198.51.100.2/24
IFA=$(ifname_for alice)
IFB=$(ifname_for bob)

net() {
	printf 'network:\n  sharedKey: %s\n  subnet: 10.1.1.0/24\n  lanPort: 0\npeers:\n' "$NET_KEY"
	for s in "$@"; do
		# shellcheck disable=SC2086
		set -- $s
		printf '  - endPoint: %s\n    wgIp: %s\n' "$1" "$2"
	done
}
net "198.51.100.1:50001 10.1.1.1" >"$TEST_TMP/alice.yaml"
net "198.51.100.2:50002 10.1.1.2" "198.51.100.1:50001 10.1.1.1" >"$TEST_TMP/bob.yaml"
chmod 600 "$TEST_TMP/alice.yaml" "$TEST_TMP/bob.yaml"
# alice knows no one but herself; bob's hellos would reach her (bob lists
# her): block them, before anyone starts, so that only her reload can help
ip netns exec "$A" nft -f - <<'NFT'
table inet t43 {
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 198.51.100.2 udp dport 50501 ct state new drop
	}
}
NFT
printf 'wgPort: 50001\n' >"$TEST_TMP/alice-peer.yaml"
bg_run PA "$TEST_TMP/alice.log" ip netns exec "$A" "$DAEMON" -c "$TEST_TMP/alice.yaml" \
	-p "$TEST_TMP/alice-peer.yaml" -i "$IFA" -a 10.1.1.1 -n alice -v -l "$TEST_TMP/alice.tlog"
bg_run PB "$TEST_TMP/bob.log" ip netns exec "$B" "$DAEMON" -c "$TEST_TMP/bob.yaml" \
	-i "$IFB" -a 10.1.1.2 -n bob -v -l "$TEST_TMP/bob.tlog"
wait_for "alice up" 100 ip -n "$A" link show "$IFA"
wait_for "bob up" 100 ip -n "$B" link show "$IFB"
sleep 2 # a negative check: give them time to (fail to) meet
ping_ok "$A" 10.1.1.2 && fail "alice reaches bob before the reload"

# 1. add bob to alice's file and reload
net "198.51.100.1:50001 10.1.1.1" "198.51.100.2:50002 10.1.1.2" >"$TEST_TMP/alice.yaml"
pp kill -HUP "$PA"
wait_for "alice -> bob after the reload" 100 ping_ok "$A" 10.1.1.2
pid_alive "$PA" || fail "SIGHUP stopped alice"
grep -q "reloaded: 2 static peer" "$TEST_TMP/alice.tlog" || fail "no reload in alice's log"

# 3. a reload that changes nothing, while pings run: none lost
bg_run PP "$TEST_TMP/ping.out" ip netns exec "$A" ping -n -i 0.1 -c 30 -W 1 10.1.1.2
sleep 1
pp kill -HUP "$PA"
wait_gone "$PP" 100
lost=$(awk '/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) print $i + 0 }' \
	"$TEST_TMP/ping.out")
echo "pings lost across a reload: ${lost}%"
[ "${lost:-100}" -le 4 ] || fail "a reload dropped the tunnel (${lost}% lost)"

# 2. a broken file: refused whole, alice runs on
printf 'network:\n  sharedKey: %s\n  subnet: 10.1.1.0/24\n  mtu: jumbo\n' "$NET_KEY" \
	>"$TEST_TMP/alice.yaml"
pp kill -HUP "$PA"
wait_for "the refusal in alice's log" 50 grep -q "reload refused" "$TEST_TMP/alice.tlog"
grep -q "alice.yaml:4:8: mtu must be a number" "$TEST_TMP/alice.tlog" ||
	fail "the refusal does not say file:line:col"
grep -qE "error: reload: .*alice.yaml:4:8" "$TEST_TMP/alice.tlog" ||
	fail "the file error is not at error priority"
pid_alive "$PA" || fail "a broken file stopped alice"
ping_ok "$A" 10.1.1.2 || fail "alice lost bob after a refused reload"

# 4. a change that needs a restart: named in the log, not applied
net "198.51.100.1:50001 10.1.1.1" "198.51.100.2:50002 10.1.1.2" >"$TEST_TMP/alice.yaml"
printf 'wgPort: 50009\n' >"$TEST_TMP/alice-peer.yaml"
pp kill -HUP "$PA"
wait_for "the restart-only change in the log" 50 \
	grep -q "reload: wgPort changed; that takes effect after a restart" "$TEST_TMP/alice.tlog"
[ "$(wg show "$IFA" listen-port)" = 50001 ] || fail "the WireGuard port changed without a restart"
ping_ok "$A" 10.1.1.2 || fail "alice lost bob after the last reload"
echo ok
