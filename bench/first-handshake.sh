#!/bin/bash
# The 20-start loop of issue 12 (item 2): does the first handshake of every
# pair ever wait for WireGuard's 5 s retry? On the README network
# (netns-tests/topo-readme.sh, net.example.yaml), for each NAT mode, RUNS
# times: build the namespaces afresh (no conntrack state from the run
# before), start the four daemons (beta, alpha, charlie, delta), and time
# each of the 12 ordered pairs from the first start to the pair's first
# answered ping over the overlay. Then stop, remove everything, repeat.
#
#   modes:  cone          both NATs keep the inside port (plain masquerade)
#           alpha-random  alpha's NAT is port-randomising (masquerade fully-random)
#           both-random   alpha's and the home router's NATs are
#
#   bench/first-handshake.sh [RUNS]     (default 20; root)
#   MODES="cone alpha-random both-random"  which modes, in this order
#   GOAL_MS=1000     a pair counts as slow above this
#   DEADLINE=20      s per run for every pair to answer (a pair that never
#                    answers is reported as a timeout, the run goes on)
#   DELAY="MS JITTER [LOSS]"  every path through the internet gets +MS +-JITTER
#                    ms one way (and LOSS %) by netns-tests/delay-lib.sh's
#                    delay bridges (no netem here); GOAL_MS stays as given
#   BENCH_LOGDIR=DIR keep the daemons' logs of every run with a slow pair
#                    (with BENCH_DAEMON_ARGS=-v BENCH_TLOG=1 for debug logs)
#   WGNM_DAEMON=PATH the daemon to measure (default build/wg_netmanager)
#
# Each pair is probed by its own `ping -c 1 -i 0.02 -w W` from the source
# namespace (a ping every 20 ms until the first reply, as bench-lib's
# pairs_ping_ms does; W = 2 s, with DELAY 1 s + 4 crossings of the
# internet, a relayed round trip), started again until DEADLINE: a pair's
# time is accurate to about 20 ms. The per-run line names the slowest
# pair; the summary per mode: runs with all pairs <= GOAL_MS, median and
# max of the slowest pair per run, and the pairs that were slow, how often.
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

# shellcheck source=netns-tests/delay-lib.sh
. "$BENCH_ROOT/netns-tests/delay-lib.sh"
RUNS=${1:-${RUNS:-20}}
PROBE_W=2
if [ -n "${DELAY:-}" ]; then
	read -r d_ms d_j _ <<<"$DELAY"
	PROBE_W=$((1 + (4 * (d_ms + ${d_j:-0}) + 999) / 1000))
fi
MODES=${MODES:-cone alpha-random both-random}
GOAL_MS=${GOAL_MS:-1000}
DEADLINE=${DEADLINE:-20}

bench_header "first handshake: README 4-node topology, $RUNS starts per mode ($MODES)"
echo "goal:    every ordered pair's first ping answered <= $GOAL_MS ms after the first start"
[ -z "${DELAY:-}" ] || echo "delay:   every path through the internet: one way $DELAY (ms, +-jitter ms, loss %) (tool_delaybridge)"
install -m 600 "$BENCH_ROOT/net.example.yaml" "$TEST_TMP/net.yaml"
IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta) IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta)
declare -A NAME_OF=([10.1.1.1]=alpha [10.1.1.2]=beta [10.1.1.21]=charlie [10.1.1.22]=delta)

# probe NS SRC DST FILE: the ns-time of DST's first answer to SRC into FILE,
# or "timeout" after DEADLINE s.
probe() {
	local end=$((SECONDS + DEADLINE))
	while [ "$SECONDS" -lt "$end" ]; do
		if ip netns exec "$1" ping -n -q -c 1 -i 0.02 -w "$PROBE_W" "$3" >/dev/null 2>&1; then
			now_ns >"$4"
			return 0
		fi
		sleep 0.02
	done
	echo timeout >"$4"
}

# one_run MODE RUN: prints "slowest_ms" on fd 4 and per-pair "SRC->DST ms"
# lines into $TEST_TMP/run.pairs.
one_run() {
	local mode=$1 run=$2 alpha_nat="" home_nat="" t0 spread a b f v pids=() slow=() max=0 maxpair=""
	case $mode in
	cone) ;;
	alpha-random) alpha_nat=fully-random ;;
	both-random) alpha_nat=fully-random home_nat=fully-random ;;
	*) fail "unknown mode $mode (cone, alpha-random, both-random)" ;;
	esac
	ALPHA_NAT=$alpha_nat HOME_NAT=$home_nat topo_readme_up
	# shellcheck disable=SC2086
	[ -z "${DELAY:-}" ] || delay_readme_internet $DELAY
	mapfile -t nodes < <(topo_readme_nodes)
	rm -f "$TEST_TMP"/probe.* "$TEST_TMP"/*.tlog # -l appends: one run per file

	t0=$(now_ns)
	bench_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B"
	bench_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A"
	bench_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
	bench_node P_DELTA "$NS_DELTA" delta 10.1.1.22 "$IF_D"
	spread=$(ms_since "$t0")
	for a in "${nodes[@]}"; do
		for b in "${nodes[@]}"; do
			[ "$a" = "$b" ] && continue
			probe "${a%%:*}" "${a#*:}" "${b#*:}" \
				"$TEST_TMP/probe.${NAME_OF[${a#*:}]}->${NAME_OF[${b#*:}]}" &
			pids+=("$!")
		done
	done
	for v in "${pids[@]}"; do wait "$v" || true; done

	: >"$TEST_TMP/run.pairs"
	for f in "$TEST_TMP"/probe.*; do
		v=$(cat "$f")
		[ "$v" = timeout ] || v=$(((v - t0) / 1000000))
		printf '%s %s\n' "${f##*/probe.}" "$v" >>"$TEST_TMP/run.pairs"
		if [ "$v" = timeout ]; then
			slow+=("${f##*/probe.}=timeout")
			max=timeout maxpair=${f##*/probe.}
			continue
		fi
		[ "$v" -gt "$GOAL_MS" ] && slow+=("${f##*/probe.}=$v")
		if [ "$max" != timeout ] && [ "$v" -gt "$max" ]; then
			max=$v maxpair=${f##*/probe.}
		fi
	done
	printf 'run %2d %-12s slowest %-17s %6s ms; starts issued within %d ms; %s\n' \
		"$run" "$mode" "$maxpair" "$max" "$spread" \
		"$([ "${#slow[@]}" -eq 0 ] && echo "all 12 pairs <= $GOAL_MS ms" || echo "slow: ${slow[*]}")"
	echo "$max" >&4
	stop_all
	DELAY_PIDS=()
	if [ -n "${BENCH_LOGDIR:-}" ] && [ "${#slow[@]}" -gt 0 ]; then
		mkdir -p "$BENCH_LOGDIR/$mode-run$run"
		cp "$TEST_TMP"/*.log "$TEST_TMP/run.pairs" "$BENCH_LOGDIR/$mode-run$run/"
		cp "$TEST_TMP"/*.tlog "$BENCH_LOGDIR/$mode-run$run/" 2>/dev/null || true
	fi
	del_netns
}

summary=()
for mode in $MODES; do
	slowest=() good=0 timeouts=0
	: >"$TEST_TMP/all.pairs"
	for ((run = 1; run <= RUNS; run++)); do
		one_run "$mode" "$run" 4>"$TEST_TMP/run.max"
		m=$(cat "$TEST_TMP/run.max")
		cat "$TEST_TMP/run.pairs" >>"$TEST_TMP/all.pairs"
		if [ "$m" = timeout ]; then
			timeouts=$((timeouts + 1))
		else
			slowest+=("$m")
			[ "$m" -gt "$GOAL_MS" ] || good=$((good + 1))
		fi
	done
	echo
	echo "-- $mode: $good of $RUNS runs had all 12 pairs <= $GOAL_MS ms; $timeouts runs with a pair that never answered within $DEADLINE s"
	stats "$mode: slowest pair per run" ms "${slowest[@]}"
	mapfile -t pair_ms < <(awk '$2 != "timeout" { print $2 }' "$TEST_TMP/all.pairs")
	stats "$mode: every pair of every run" ms "${pair_ms[@]}"
	echo "   pairs slower than $GOAL_MS ms (runs, max ms):"
	awk -v goal="$GOAL_MS" '
		$2 == "timeout" || $2 > goal { n[$1]++; if ($2 == "timeout") mx[$1] = "timeout"; else if (mx[$1] != "timeout" && $2 > mx[$1]) mx[$1] = $2 }
		END { for (p in n) printf "     %-17s %3d  %s\n", p, n[p], mx[p]; if (!length(n)) print "     none" }' \
		"$TEST_TMP/all.pairs" | sort -k2,2nr -k1,1
	summary+=("$(printf '%-13s %2d/%-2d  slowest pair per run: %s' "$mode" "$good" "$RUNS" \
		"$(stats x ms "${slowest[@]}" | sed 's/^x *//')")")
	echo
done
echo "== summary (runs with all pairs <= $GOAL_MS ms)"
printf '%s\n' "${summary[@]}"
bench_footer
