#!/bin/bash
# What the manager costs the data plane. Two namespaces joined by one veth
# (198.51.100.1 and .2), measured three ways, runs interleaved so that load
# from elsewhere on the machine hits all three alike:
#
#   bare     the underlay veth itself (MTU 1500)
#   hand     a wireguard-go pair configured by hand with wg/ip, MTU 1420
#   managed  two wg_netmanager daemons (one static in net.yaml), each with
#            the wireguard-go it starts, MTU 1420 (the default)
#
# Per run and way: iperf3 TCP for IPERF_SECONDS (single stream, A -> B),
# and PINGS pings 10 ms apart (mean RTT). Reported: median/min/max per way
# and the ratios managed/hand (throughput: 1 is free, the target is >= 0.98;
# latency: 1 is free, lower is better), per run and of the medians.
#
#   bench/dataplane.sh [RUNS]       (default 5; root; needs iperf3)
#   IPERF_SECONDS=5 PINGS=50
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
need_tool iperf3
need_tool python3

RUNS=${1:-${RUNS:-5}}
IPERF_SECONDS=${IPERF_SECONDS:-5}
PINGS=${PINGS:-50}

bench_header "dataplane: bare veth vs hand-configured wireguard-go vs managed, $RUNS runs"
ns_new NS_A dpa
ns_new NS_B dpb
veth "$NS_A" 198.51.100.1/24 "$NS_B" 198.51.100.2/24

# hand: wireguard-go started and configured by hand
IF_HA=$(ifname_for ha) IF_HB=$(ifname_for hb)
for side in A B; do
	ns_var="NS_$side" if_var="IF_H$side"
	bg_run p "$TEST_TMP/hand$side.log" ip netns exec "${!ns_var}" \
		env WG_PROCESS_FOREGROUND=1 wireguard-go -f "${!if_var}"
	(umask 077 && wg genkey >"$TEST_TMP/key$side")
	wg pubkey <"$TEST_TMP/key$side" >"$TEST_TMP/pub$side"
done
wait_for "hand-made interfaces" 50 bash -c "ip -n $NS_A link show $IF_HA && ip -n $NS_B link show $IF_HB"
hand_side() { # NS IF KEY PEERPUB MYADDR PEERADDR PEERUNDERLAY
	ip netns exec "$1" wg set "$2" listen-port 51820 private-key "$3" \
		peer "$(cat "$4")" allowed-ips "$6/32" endpoint "$7:51820"
	ip -n "$1" addr add "$5/24" dev "$2"
	ip -n "$1" link set "$2" mtu 1420 up
}
hand_side "$NS_A" "$IF_HA" "$TEST_TMP/keyA" "$TEST_TMP/pubB" 10.9.0.1 10.9.0.2 198.51.100.2
hand_side "$NS_B" "$IF_HB" "$TEST_TMP/keyB" "$TEST_TMP/pubA" 10.9.0.2 10.9.0.1 198.51.100.1

# managed: two daemons, beta static
write_net_yaml "$TEST_TMP/net.yaml" "198.51.100.2:50002 50502 10.1.1.2"
IF_MA=$(ifname_for ma) IF_MB=$(ifname_for mb)
bench_node P_B "$NS_B" beta 10.1.1.2 "$IF_MB"
bench_node P_A "$NS_A" alpha 10.1.1.1 "$IF_MA"
pairs_ping_ms 40 "$NS_A:10.9.0.1" "$NS_B:10.9.0.2" >/dev/null || fail "hand-made pair does not ping"
pairs_ping_ms 40 "$NS_A:10.1.1.1" "$NS_B:10.1.1.2" >/dev/null || fail "managed pair does not ping"
echo "hand MTU $(cat /sys/class/net/lo/mtu >/dev/null; ip -n "$NS_A" -o link show "$IF_HA" | grep -o 'mtu [0-9]*'), managed $(ip -n "$NS_A" -o link show "$IF_MA" | grep -o 'mtu [0-9]*')"

bg_run P_IPERF "$TEST_TMP/iperf3.log" ip netns exec "$NS_B" iperf3 -s -p 5201
wait_for "iperf3 server" 50 bash -c "ip netns exec $NS_B ss -ltn | grep -q ':5201 '"

iperf_mbps() { # ADDR
	ip netns exec "$NS_A" iperf3 -c "$1" -p 5201 -t "$IPERF_SECONDS" -J 2>/dev/null |
		python3 -c 'import json, sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 2))'
}
ping_ms() { # ADDR: mean RTT
	ip netns exec "$NS_A" ping -n -q -c "$PINGS" -i 0.01 "$1" |
		awk -F'[/ ]' '/^rtt/ { print $8 }'
}

declare -A TP LAT ADDR=([bare]=198.51.100.2 [hand]=10.9.0.2 [managed]=10.1.1.2)
ratio_tp="" ratio_lat=""
for ((run = 1; run <= RUNS; run++)); do
	line="run $run:"
	declare -A tp=() lat=()
	for way in bare hand managed; do
		tp[$way]=$(iperf_mbps "${ADDR[$way]}")
		lat[$way]=$(ping_ms "${ADDR[$way]}")
		{ [ -n "${tp[$way]}" ] && [ -n "${lat[$way]}" ]; } || fail "run $run: no result for $way"
		TP[$way]+=" ${tp[$way]}"
		LAT[$way]+=" ${lat[$way]}"
		line+=" $way ${tp[$way]} Mbit/s ${lat[$way]} ms;"
	done
	ratio_tp+=" $(awk -v m="${tp[managed]}" -v h="${tp[hand]}" 'BEGIN { printf "%.3f", m / h }')"
	ratio_lat+=" $(awk -v m="${lat[managed]}" -v h="${lat[hand]}" 'BEGIN { printf "%.3f", m / h }')"
	echo "$line load $(cut -d' ' -f1 /proc/loadavg)"
done

echo
med() { printf '%s\n' "$@" | sort -g | awk '{ v[++n] = $1 } END { print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
# shellcheck disable=SC2086
{
	for way in bare hand managed; do
		stats "$way: iperf3 TCP throughput" Mbit/s ${TP[$way]}
		stats "$way: ping mean RTT ($PINGS x 10 ms)" ms ${LAT[$way]}
	done
	stats "managed/hand throughput, per run" ratio $ratio_tp
	stats "managed/hand RTT, per run" ratio $ratio_lat
	echo "managed/hand of the medians: throughput $(awk -v m="$(med ${TP[managed]})" -v h="$(med ${TP[hand]})" 'BEGIN { printf "%.3f", m / h }'), RTT $(awk -v m="$(med ${LAT[managed]})" -v h="$(med ${LAT[hand]})" 'BEGIN { printf "%.3f", m / h }')"
}
echo "daemons' CPU over the whole run: alpha $(awk -v t="$(cpu_ticks "$P_A")" -v c="$CLK_TCK" 'BEGIN { print t / c }') s, beta $(awk -v t="$(cpu_ticks "$P_B")" -v c="$CLK_TCK" 'BEGIN { print t / c }') s"
bench_footer
