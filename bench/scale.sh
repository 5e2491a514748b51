#!/bin/bash
# Many real daemons, each with its own wireguard-go, in namespaces on one
# bridge (one underlay subnet, 198.18.0.0/15); the first STATIC nodes are
# listed in a generated net.yaml (subnet 10.50.0.0/16), everyone else
# knows only them. Per size N:
#
#   converge   from the first daemon start until every node has a route
#              (ip route show proto 0x57) to each of the N-1 others; all
#              nodes polled in turn, RUNS runs (daemons restarted, same
#              namespaces)
#   memory     in the last run, after convergence: every daemon's VmRSS,
#              static nodes apart (they know everyone as a neighbour), and
#              wireguard-go's VmRSS
#   traffic    in the last run, after SETTLE s: admin-port bytes per second
#              (nftables counters, in and out, IP length) in a sample of
#              namespaces (every static node and SAMPLE others), over
#              WINDOWS windows of WINDOW s; admin messages by type
#
#   bench/scale.sh [N...]           (default 50 100; root)
#   RUNS=5 STATIC=3 SAMPLE=5 SETTLE=30 WINDOWS=3 WINDOW=60 DEADLINE=300
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

SIZES=("$@")
[ "${#SIZES[@]}" -gt 0 ] || SIZES=(50 100)
RUNS=${RUNS:-5}
STATIC=${STATIC:-3}
SAMPLE=${SAMPLE:-5}
SETTLE=${SETTLE:-30}
WINDOWS=${WINDOWS:-3}
WINDOW=${WINDOW:-60}
DEADLINE=${DEADLINE:-300}

bench_header "scale: N real daemons + wireguard-go on one bridge, $STATIC static; sizes ${SIZES[*]}, $RUNS runs each"
for n in "${SIZES[@]}"; do
	{ [ "$n" -gt "$STATIC" ] && [ "$n" -le 250 ]; } || fail "size $n: must be in ($STATIC, 250]"
done

# The namespaces for the largest size, made once; smaller sizes use a prefix.
MAX=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -n 1)
neigh_room $((MAX * MAX * 2))
ns_new NS_BR sbr
ip -n "$NS_BR" link add br0 type bridge
ip -n "$NS_BR" link set br0 up
declare -a NSN IFN PID
t=$(now_ns)
for ((i = 1; i <= MAX; i++)); do
	ns_new ns "s$i"
	NSN[i]=$ns
	IFN[i]=$(ifname_for "s${i}x")
	link "$NS_BR" "p$i" "$ns" eth0
	ip -n "$NS_BR" link set "p$i" master br0
	ip -n "$ns" addr add "198.18.0.$i/15" dev eth0
done
echo "$MAX namespaces on one bridge in $(ms_since "$t") ms"

net_yaml() { # N
	local i
	{
		printf 'network:\n  sharedKey: %s\n  subnet: 10.50.0.0/16\npeers:\n' "$NET_KEY"
		for ((i = 1; i <= STATIC && i <= $1; i++)); do
			printf '  - endPoint: 198.18.0.%d:%d\n    adminPort: %d\n    wgIp: 10.50.0.%d\n' \
				"$i" $((50000 + i)) $((50500 + i)) "$i"
		done
	} >"$TEST_TMP/net.yaml"
	chmod 600 "$TEST_TMP/net.yaml"
}

# converge N: start N daemons (in this shell: their PIDs must be recorded
# here); sets C_MS (ms until all routes, or "timeout"), C_SPREAD, C_LEFT.
converge() {
	local n=$1 i t0 spread want=$(($1 - 1)) left end c
	declare -A done_at=()
	t0=$(now_ns)
	for ((i = 1; i <= n; i++)); do
		bench_node "PID[$i]" "${NSN[i]}" "s$i" "10.50.0.$i" "${IFN[i]}"
	done
	spread=$(ms_since "$t0")
	end=$((SECONDS + DEADLINE))
	left=$n
	while [ "$left" -gt 0 ] && [ "$SECONDS" -lt "$end" ]; do
		for ((i = 1; i <= n; i++)); do
			[ -z "${done_at[$i]:-}" ] || continue
			c=$(ip -n "${NSN[i]}" route show proto 0x57 | wc -l)
			if [ "$c" -ge "$want" ]; then
				done_at[$i]=$(ms_since "$t0")
				left=$((left - 1))
			fi
		done
		sleep 0.05
	done
	C_SPREAD=$spread C_LEFT=$left C_MS=timeout
	[ "$left" -eq 0 ] || return 0
	local max=0 v
	for v in "${done_at[@]}"; do [ "$v" -le "$max" ] || max=$v; done
	C_MS=$max
}

# complete N: how many nodes route to all others right now
complete() {
	local i c k=0
	for ((i = 1; i <= $1; i++)); do
		c=$(ip -n "${NSN[i]}" route show proto 0x57 | wc -l)
		[ "$c" -lt $(($1 - 1)) ] || k=$((k + 1))
	done
	echo "$k"
}

for n in "${SIZES[@]}"; do
	net_yaml "$n"
	conv=() timeouts=0
	echo
	echo "-- N=$n ($STATIC static), memory available before: $(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MB"
	for ((run = 1; run <= RUNS; run++)); do
		converge "$n"
		ms=$C_MS spread=$C_SPREAD left=$C_LEFT
		if [ "$ms" = timeout ]; then
			timeouts=$((timeouts + 1))
			echo "run $run: $left of $n nodes still lack routes after $DEADLINE s (starts issued within $spread ms)"
		else
			conv+=("$ms")
			echo "run $run: every node routes to all $((n - 1)) others after $ms ms (starts issued within $spread ms); load $(cut -d' ' -f1 /proc/loadavg)"
		fi
		[ "$run" -lt "$RUNS" ] || break
		t=$(now_ns)
		stop_all
		echo "   (stopped $n daemons in $(ms_since "$t") ms)"
	done
	stats "N=$n: first start to all routes everywhere" ms "${conv[@]}"
	echo "N=$n: timeouts: $timeouts of $RUNS runs"

	# the last run stays up: a few overlay pings as a sanity check
	for pair in "$n $((n - 1))" "$((STATIC + 1)) $n" "1 $n"; do
		read -r a b <<<"$pair"
		if ip netns exec "${NSN[a]}" ping -n -q -c 1 -w 3 "10.50.0.$b" >/dev/null 2>&1; then
			echo "ping s$a -> s$b over the overlay: ok"
		else
			echo "ping s$a -> s$b over the overlay: FAILED"
		fi
	done

	# memory
	rss_static=() rss_other=() rss_wg=()
	for ((i = 1; i <= n; i++)); do
		r=$(proc_kb "${PID[i]}" VmRSS)
		if [ "$i" -le "$STATIC" ]; then rss_static+=("$r"); else rss_other+=("$r"); fi
		w=$(wg_pid "${IFN[i]}")
		[ -z "$w" ] || rss_wg+=("$(proc_kb "$w" VmRSS)")
	done
	stats "N=$n: daemon VmRSS, static nodes" kB "${rss_static[@]}"
	stats "N=$n: daemon VmRSS, other nodes" kB "${rss_other[@]}"
	stats "N=$n: wireguard-go VmRSS" kB "${rss_wg[@]}"
	echo "N=$n: memory available with all running: $(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MB"

	# steady-state control traffic in a sample of namespaces
	sample=()
	for ((i = 1; i <= STATIC; i++)); do sample+=("$i"); done
	for ((i = STATIC + 1; i <= n && i <= STATIC + SAMPLE; i++)); do sample+=("$i"); done
	for i in "${sample[@]}"; do
		ip netns exec "${NSN[i]}" nft delete table inet wgnmbench 2>/dev/null || true
		nft_port_counters "${NSN[i]}" $((50500 + i)) $((50000 + i))
	done
	sleep "$SETTLE"
	io_static=() io_other=() out_static=() out_other=()
	declare -A ty0=() ty1=()
	for ((win = 1; win <= WINDOWS; win++)); do
		declare -A b0=() b1=()
		for i in "${sample[@]}"; do
			b0[$i]=$(nft_bytes "${NSN[i]}")
			[ "$win" -gt 1 ] || ty0[$i]=$(admin_types "${IFN[i]}" | tr '\n' ' ')
		done
		s0=$(now_ns)
		sleep "$WINDOW"
		secs=$(awk -v d=$(($(now_ns) - s0)) 'BEGIN { printf "%.3f", d / 1e9 }')
		for i in "${sample[@]}"; do
			b1[$i]=$(nft_bytes "${NSN[i]}")
			[ "$win" -lt "$WINDOWS" ] || ty1[$i]=$(admin_types "${IFN[i]}" | tr '\n' ' ')
			read -r -a x0 <<<"${b0[$i]}"
			read -r -a x1 <<<"${b1[$i]}"
			o=$(awk -v a="${x0[1]}" -v b="${x1[1]}" -v s="$secs" 'BEGIN { printf "%.2f", (b - a) / s }')
			io=$(awk -v a="${x0[0]}" -v b="${x1[0]}" -v c="${x0[1]}" -v d="${x1[1]}" -v s="$secs" 'BEGIN { printf "%.2f", (b - a + d - c) / s }')
			if [ "$i" -le "$STATIC" ]; then
				out_static+=("$o") io_static+=("$io")
			else
				out_other+=("$o") io_other+=("$io")
			fi
		done
		echo "traffic window $win: $secs s, load $(cut -d' ' -f1 /proc/loadavg)"
	done
	stats "N=$n: admin sent, static node" B/s "${out_static[@]}"
	stats "N=$n: admin sent+received, static node" B/s "${io_static[@]}"
	stats "N=$n: admin sent, other node" B/s "${out_other[@]}"
	stats "N=$n: admin sent+received, other node" B/s "${io_other[@]}"
	echo "N=$n: admin messages per minute by type, sent/received, over the $WINDOWS windows:"
	for i in 1 $((STATIC + 1)); do
		printf '   s%s%s:' "$i" "$([ "$i" -le "$STATIC" ] && echo ' (static)')"
		awk -v a="${ty0[$i]}" -v b="${ty1[$i]}" -v s=$((WINDOWS * WINDOW)) 'BEGIN {
			na = split(a, A, " "); nb = split(b, B, " ")
			for (i = 1; i <= na; i++) { split(A[i], f, ":"); tx[f[1]] = f[2]; rx[f[1]] = f[3] }
			for (i = 1; i <= nb; i++) {
				split(B[i], f, ":"); dt = f[2] - tx[f[1]]; dr = f[3] - rx[f[1]]
				if (dt || dr) printf " %s=%.1f/%.1f", f[1], dt * 60 / s, dr * 60 / s
			}
			printf "\n" }'
	done
	echo "N=$n: nodes routing to all others at the end: $(complete "$n") of $n"
	t=$(now_ns)
	stop_all
	echo "(stopped $n daemons in $(ms_since "$t") ms)"
done
bench_footer
