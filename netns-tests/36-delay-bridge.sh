#!/bin/bash
# tests/tool_delaybridge through netns-tests/delay-lib.sh (the netem
# stand-in the loss/delay tests and bench/ use): two hosts on a bridge, a
# delay bridge in front of each port. Checks the one-way delay (a round
# trip is at least twice it), that jitter varies it within its bounds,
# that loss drops about what it should and is counted, that TCP with
# veth's checksum offload and GSO and UDP get through intact, and that
# SIGTERM ends it cleanly with its counters.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/delay-lib.sh
. "$(dirname "$0")/delay-lib.sh"
require_root
need_tool iperf3

# topo TAG: hosts a and b on bridge br0 in s (fresh namespaces each time)
topo() {
	ns_new NS_S "sw$1"
	ns_new NS_A "a$1"
	ns_new NS_B "b$1"
	ip -n "$NS_S" link add br0 type bridge
	ip -n "$NS_S" link set br0 up
	link "$NS_S" pa "$NS_A" eth0
	link "$NS_S" pb "$NS_B" eth0
	ip -n "$NS_S" link set pa master br0
	ip -n "$NS_S" link set pb master br0
	ip -n "$NS_A" addr add 198.18.0.1/24 dev eth0
	ip -n "$NS_B" addr add 198.18.0.2/24 dev eth0
}
# rtts COUNT INTERVAL: the round trips of COUNT pings a -> b, one per line (ms)
rtts() {
	ip netns exec "$NS_A" ping -n -c "$1" -i "$2" -W 3 198.18.0.2 2>/dev/null |
		sed -n 's/.* time=\([0-9.]*\) ms/\1/p'
}
# ms_range MIN MAX VALUES...: every value in [MIN, MAX]
in_range() {
	local lo=$1 hi=$2
	shift 2
	printf '%s\n' "$@" | awk -v lo="$lo" -v hi="$hi" 'NF { n++; if ($1 < lo || $1 > hi) bad++ }
		END { exit !(n > 0 && !bad) }'
}

# iperf_listening PORT
iperf_listening() { ip netns exec "$NS_B" ss -ltn "sport = :$1" | grep -q "$1"; }

topo 1
wait_for "a reaches b without delay" 50 ping_ok "$NS_A" 198.18.0.2

# 1. fixed delay: 150 ms one way on each port -> round trip >= 300 ms
delay_port "$NS_S" br0 pa 150 0
delay_port "$NS_S" br0 pb 150 0
mapfile -t r < <(rtts 5 0.2)
echo "delay 150 ms each way: rtt ${r[*]} ms"
[ "${#r[@]}" -eq 5 ] || fail "only ${#r[@]} of 5 pings answered without loss"
# the upper bound leaves room for a loaded 2-core machine
in_range 300 900 "${r[@]}" || fail "round trips outside 300..900 ms: ${r[*]}"

# 2. TCP (veth offloads checksums and sends GSO super-frames) and UDP
ip netns exec "$NS_B" iperf3 -s -1 -B 198.18.0.2 -p 5201 >"$TEST_TMP/iperf-s.log" 2>&1 &
track_pid "$!"
wait_for "iperf3 server" 50 iperf_listening 5201
ip netns exec "$NS_A" iperf3 -c 198.18.0.2 -p 5201 -t 2 -J >"$TEST_TMP/iperf-tcp.json" ||
	fail "TCP through the delay bridge failed: $(head -c 300 "$TEST_TMP/iperf-tcp.json")"
tcp=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' \
	"$TEST_TMP/iperf-tcp.json")
echo "TCP through the delay bridges: $tcp bytes in 2 s"
[ "$tcp" -gt 100000 ] || fail "TCP moved only $tcp bytes"
ip netns exec "$NS_B" iperf3 -s -1 -B 198.18.0.2 -p 5202 >"$TEST_TMP/iperf-s2.log" 2>&1 &
track_pid "$!"
wait_for "iperf3 server" 50 iperf_listening 5202
ip netns exec "$NS_A" iperf3 -u -c 198.18.0.2 -p 5202 -b 2M -l 1200 -t 1 -J >"$TEST_TMP/iperf-udp.json" ||
	fail "UDP through the delay bridge failed"
udp_lost=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum"].get("lost_packets", -1))' \
	"$TEST_TMP/iperf-udp.json")
echo "UDP datagrams lost: $udp_lost"
[ "$udp_lost" -eq 0 ] || fail "UDP lost $udp_lost datagrams through a lossless delay bridge"

# 3. SIGTERM: exit 0, counters printed
delay_stop
grep -q '^tool_delaybridge: pa->d0pa: forwarded [1-9]' "$TEST_TMP/delay.0.log" ||
	fail "no counters from the delay bridge on pa: $(cat "$TEST_TMP/delay.0.log")"
grep -q '^tool_delaybridge: pb->d1pb: forwarded [1-9]' "$TEST_TMP/delay.1.log" ||
	fail "no counters from the delay bridge on pb: $(cat "$TEST_TMP/delay.1.log")"
cat "$TEST_TMP"/delay.[01].log

# 4. jitter: 200 +- 50 ms one way -> round trips in 300..500 ms and varying
topo 2
wait_for "a reaches b without delay" 50 ping_ok "$NS_A" 198.18.0.2
delay_port "$NS_S" br0 pa 200 50
delay_port "$NS_S" br0 pb 200 50
mapfile -t r < <(rtts 20 0.05)
echo "delay 200 +- 50 ms each way: rtt ${r[*]} ms"
[ "${#r[@]}" -ge 18 ] || fail "only ${#r[@]} of 20 pings answered without loss"
in_range 299 1100 "${r[@]}" || fail "round trips below 300 ms or far above 500: ${r[*]}"
spread=$(printf '%s\n' "${r[@]}" | sort -g | sed -n '1p;$p' | paste -sd' ' | awk '{ print int($2 - $1) }')
echo "spread $spread ms"
[ "$spread" -ge 20 ] || fail "jitter did not vary the round trip (spread $spread ms)"

# 5. loss: 50% on a's port only -> about half of a's pings are lost
delay_stop
topo 3
wait_for "a reaches b without delay" 50 ping_ok "$NS_A" 198.18.0.2
delay_port "$NS_S" br0 pa 0 0 50 -s 12345
got=$(ip netns exec "$NS_A" ping -n -q -c 200 -i 0.005 -W 1 198.18.0.2 2>/dev/null |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
echo "50% loss: $got of 200 pings answered"
if [ "${got:-0}" -lt 50 ] || [ "${got:-0}" -gt 150 ]; then fail "$got of 200 answered at 50% loss"; fi
delay_stop
lost=$(sed -n 's/^tool_delaybridge: pa->.* lost \([0-9]*\),.*/\1/p' "$TEST_TMP/delay.4.log")
echo "the delay bridge counted $lost lost frames"
[ "${lost:-0}" -ge 50 ] || fail "the delay bridge counted ${lost:-no} lost frames"
echo ok
