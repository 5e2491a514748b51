#!/bin/bash
# Footprint at idle on the README's 4-node network (netns-tests/topo-readme.sh,
# net.example.yaml), real daemons and wireguard-go:
#
#   memory   VmRSS and VmHWM of each daemon (/proc/PID/status of the
#            daemon itself) and, apart, of the wireguard-go it started
#   cpu      utime+stime over each idle window, extrapolated to s per hour
#   traffic  bytes per second per node on its admin port and on its
#            WireGuard port, each direction, from nftables counters in the
#            node's namespace (IP length: IP and UDP headers included), and
#            the admin messages by type (the daemon's own counters)
#
# After all 12 pairs ping once, nothing is sent over the overlay; the mesh
# settles for SETTLE s, then WINDOWS idle windows of WINDOW s each are
# measured back to back (the core probes a neighbour silent for 10 s and
# sends a summary digest every 30 s; WireGuard keepalives from behind NAT
# are 25 s, so a 60 s window covers several periods of each). Figures are
# median/min/max over the windows.
#
#   bench/footprint.sh              (root; about SETTLE + WINDOWS*WINDOW s)
#   SETTLE=30 WINDOWS=5 WINDOW=60   the defaults
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

SETTLE=${SETTLE:-30}
WINDOWS=${WINDOWS:-5}
WINDOW=${WINDOW:-60}

bench_header "footprint: README 4-node topology at idle; settle $SETTLE s, $WINDOWS windows of $WINDOW s"
install -m 600 "$BENCH_ROOT/net.example.yaml" "$TEST_TMP/net.yaml"
topo_readme_up
NAMES=(alpha beta charlie delta)
declare -A NS IFN IP PID WGP
NS=([alpha]=$NS_ALPHA [beta]=$NS_BETA [charlie]=$NS_CHARLIE [delta]=$NS_DELTA)
IP=([alpha]=10.1.1.1 [beta]=10.1.1.2 [charlie]=10.1.1.21 [delta]=10.1.1.22)
for n in "${NAMES[@]}"; do
	IFN[$n]=$(ifname_for "$n")
	octet=${IP[$n]##*.}
	nft_port_counters "${NS[$n]}" $((50500 + octet)) $((50000 + octet))
done
for n in beta alpha charlie delta; do
	bench_node pid "${NS[$n]}" "$n" "${IP[$n]}" "${IFN[$n]}"
	PID[$n]=$pid
done
mapfile -t nodes < <(topo_readme_nodes)
ms=$(pairs_ping_ms 40 "${nodes[@]}") || fail "not all pairs ping within 40 s"
echo "all 12 pairs ping after $ms ms; idle from now on, settling $SETTLE s"
for n in "${NAMES[@]}"; do
	WGP[$n]=$(wg_pid "${IFN[$n]}")
	[ "$(cat "/proc/${PID[$n]}/comm")" = wg_netmanager ] || fail "PID ${PID[$n]} is not the daemon"
	[ -n "${WGP[$n]}" ] || fail "no wireguard-go for ${IFN[$n]}"
done
sleep "$SETTLE"

declare -A R_ANON R_FILE R_RSS R_HWM R_WRSS R_WHWM R_CPU R_WCPU R_AIN R_AOUT R_WIN R_WOUT R_OTHER R_TYPES
declare -A c0 w0 b0 t0
snapshot() { # into the arrays named by $1 (cpu), $2 (wg cpu), $3 (bytes), $4 (types)
	local n
	for n in "${NAMES[@]}"; do
		eval "$1[\$n]=\$(cpu_ticks \${PID[\$n]})"
		eval "$2[\$n]=\$(cpu_ticks \${WGP[\$n]})"
		eval "$3[\$n]=\"\$(nft_bytes \${NS[\$n]})\""
		eval "$4[\$n]=\"\$(admin_types \${IFN[\$n]} | tr '\n' ' ')\""
	done
}
declare -A c1 w1 b1 t1 cs ws
for n in "${NAMES[@]}"; do cs[$n]=$(cpu_ticks "${PID[$n]}"); ws[$n]=$(cpu_ticks "${WGP[$n]}"); done
span0=$(now_ns)
for ((win = 1; win <= WINDOWS; win++)); do
	snapshot c0 w0 b0 t0
	s0=$(now_ns)
	sleep "$WINDOW"
	snapshot c1 w1 b1 t1
	secs=$(awk -v d=$(($(now_ns) - s0)) 'BEGIN { printf "%.3f", d / 1e9 }')
	for n in "${NAMES[@]}"; do
		for p in "${PID[$n]}" "${WGP[$n]}"; do
			pid_alive "$p" || fail "process $p of $n died"
		done
		R_RSS[$n]+=" $(proc_kb "${PID[$n]}" VmRSS)"
		R_HWM[$n]+=" $(proc_kb "${PID[$n]}" VmHWM)"
		R_ANON[$n]+=" $(proc_kb "${PID[$n]}" RssAnon)"
		R_FILE[$n]+=" $(proc_kb "${PID[$n]}" RssFile)"
		R_WRSS[$n]+=" $(proc_kb "${WGP[$n]}" VmRSS)"
		R_WHWM[$n]+=" $(proc_kb "${WGP[$n]}" VmHWM)"
		R_CPU[$n]+=" $(awk -v a="${c0[$n]}" -v b="${c1[$n]}" -v t="$CLK_TCK" -v s="$secs" 'BEGIN { printf "%.2f", (b - a) / t * 3600 / s }')"
		R_WCPU[$n]+=" $(awk -v a="${w0[$n]}" -v b="${w1[$n]}" -v t="$CLK_TCK" -v s="$secs" 'BEGIN { printf "%.2f", (b - a) / t * 3600 / s }')"
		read -r -a x0 <<<"${b0[$n]}"
		read -r -a x1 <<<"${b1[$n]}"
		rate() { awk -v a="$1" -v b="$2" -v s="$secs" 'BEGIN { printf "%.2f", (b - a) / s }'; }
		R_AIN[$n]+=" $(rate "${x0[0]}" "${x1[0]}")"
		R_AOUT[$n]+=" $(rate "${x0[1]}" "${x1[1]}")"
		R_WIN[$n]+=" $(rate "${x0[2]}" "${x1[2]}")"
		R_WOUT[$n]+=" $(rate "${x0[3]}" "${x1[3]}")"
		# UDP neither on the admin nor the WireGuard port (should be 0)
		R_OTHER[$n]+=" $(awk -v a="${x0[4]}" -v b="${x1[4]}" -v c="${x0[5]}" -v d="${x1[5]}" \
			-v ai="${x0[0]}" -v bi="${x1[0]}" -v ao="${x0[1]}" -v bo="${x1[1]}" \
			-v wi="${x0[2]}" -v wj="${x1[2]}" -v wo="${x0[3]}" -v wp="${x1[3]}" -v s="$secs" \
			'BEGIN { printf "%.2f", ((b - a) + (d - c) - (bi - ai) - (bo - ao) - (wj - wi) - (wp - wo)) / s }')"
		# admin messages by type in this window: type tx/rx per minute
		R_TYPES[$n]+="$(awk -v a="${t0[$n]}" -v b="${t1[$n]}" -v s="$secs" 'BEGIN {
			na = split(a, A, " "); nb = split(b, B, " ")
			for (i = 1; i <= na; i++) { split(A[i], f, ":"); tx[f[1]] = f[2]; rx[f[1]] = f[3] }
			for (i = 1; i <= nb; i++) {
				split(B[i], f, ":"); dt = f[2] - tx[f[1]]; dr = f[3] - rx[f[1]]
				if (dt || dr) printf " %s=%.1f/%.1f", f[1], dt * 60 / s, dr * 60 / s
			}
			}')
"
	done
	echo "window $win: $secs s, load $(cut -d' ' -f1 /proc/loadavg)"
done

echo
echo "-- per node (median/min/max over $WINDOWS windows of $WINDOW s); B/s = IP bytes per second"
for n in "${NAMES[@]}"; do
	# shellcheck disable=SC2086
	{
		stats "$n daemon VmRSS" kB ${R_RSS[$n]}
		stats "$n daemon VmHWM" kB ${R_HWM[$n]}
		stats "$n daemon RssAnon (heap, stacks)" kB ${R_ANON[$n]}
		stats "$n daemon RssFile (binary, libraries)" kB ${R_FILE[$n]}
		stats "$n wireguard-go VmRSS" kB ${R_WRSS[$n]}
		stats "$n wireguard-go VmHWM" kB ${R_WHWM[$n]}
		stats "$n daemon CPU" "s/idle hour" ${R_CPU[$n]}
		stats "$n wireguard-go CPU" "s/idle hour" ${R_WCPU[$n]}
		stats "$n admin port in" B/s ${R_AIN[$n]}
		stats "$n admin port out" B/s ${R_AOUT[$n]}
		stats "$n WireGuard port in" B/s ${R_WIN[$n]}
		stats "$n WireGuard port out" B/s ${R_WOUT[$n]}
		stats "$n other UDP (in+out)" B/s ${R_OTHER[$n]}
	}
	echo "$n admin messages per minute by type, sent/received, per window:"
	printf '%s' "${R_TYPES[$n]}" | sed 's/^/   /'
done

span=$(awk -v d=$(($(now_ns) - span0)) 'BEGIN { printf "%.1f", d / 1e9 }')
echo
echo "-- CPU over the whole idle span ($span s), per node: daemon / wireguard-go, s per idle hour"
for n in "${NAMES[@]}"; do
	awk -v n="$n" -v a="${cs[$n]}" -v b="$(cpu_ticks "${PID[$n]}")" -v c="${ws[$n]}" -v d="$(cpu_ticks "${WGP[$n]}")" \
		-v t="$CLK_TCK" -v s="$span" 'BEGIN { printf "%-10s %6.2f / %6.2f  (%d / %d ticks of 1/%d s)\n", n, (b - a) / t * 3600 / s, (d - c) / t * 3600 / s, b - a, d - c, t }'
done

echo
echo "-- all nodes together (each window's per-node values pooled: n = 4 x $WINDOWS)"
all() { local n out=""; for n in "${NAMES[@]}"; do eval "out+=\" \${$1[\$n]}\""; done; echo "$out"; }
sum_io() { # per node per window: $1 in + $2 out
	local n out="" a b i
	for n in "${NAMES[@]}"; do
		eval "read -r -a a <<<\"\${$1[\$n]}\""
		eval "read -r -a b <<<\"\${$2[\$n]}\""
		for i in "${!a[@]}"; do out+=" $(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.2f", x + y }')"; done
	done
	echo "$out"
}
# shellcheck disable=SC2046
{
	stats "daemon VmRSS" kB $(all R_RSS)
	stats "daemon VmHWM" kB $(all R_HWM)
	stats "daemon RssAnon" kB $(all R_ANON)
	stats "daemon RssFile" kB $(all R_FILE)
	stats "wireguard-go VmRSS" kB $(all R_WRSS)
	stats "daemon CPU" "s/idle hour" $(all R_CPU)
	stats "wireguard-go CPU" "s/idle hour" $(all R_WCPU)
	stats "admin port, sent per node" B/s $(all R_AOUT)
	stats "admin port, sent+received per node" B/s $(sum_io R_AIN R_AOUT)
	stats "WireGuard port, sent per node" B/s $(all R_WOUT)
	stats "WireGuard port, sent+received per node" B/s $(sum_io R_WIN R_WOUT)
}
# admin + WireGuard per node, sent and sent+received
tot_out="" tot_io=""
for n in "${NAMES[@]}"; do
	read -r -a ai <<<"${R_AIN[$n]}"
	read -r -a ao <<<"${R_AOUT[$n]}"
	read -r -a wi <<<"${R_WIN[$n]}"
	read -r -a wo <<<"${R_WOUT[$n]}"
	for i in "${!ai[@]}"; do
		tot_out+=" $(awk -v a="${ao[$i]}" -v b="${wo[$i]}" 'BEGIN { printf "%.2f", a + b }')"
		tot_io+=" $(awk -v a="${ai[$i]}" -v b="${ao[$i]}" -v c="${wi[$i]}" -v d="${wo[$i]}" 'BEGIN { printf "%.2f", a + b + c + d }')"
	done
done
# shellcheck disable=SC2086
{
	stats "admin+WireGuard, sent per node" B/s $tot_out
	stats "admin+WireGuard, sent+received per node" B/s $tot_io
}
bench_footer
