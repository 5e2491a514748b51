#!/bin/bash
# Convergence on the README's 4-node network (netns-tests/topo-readme.sh,
# net.example.yaml: beta public and static, alpha behind a stateful NAT
# firewall, charlie and delta behind a home NAT router), real daemons and
# wireguard-go. Each run builds the namespaces afresh (no conntrack state
# left from the run before) and measures:
#
#   start:    from the first daemon start to all 12 ordered pairs pinging
#             (pairs probed in parallel, a ping every 20 ms per pair)
#   restart:  kill -9 charlie, wait for its interface to go, start it again:
#             from that start to all 12 pairs pinging again
#   leave:    SIGTERM delta: until alpha, beta and charlie have all dropped
#             its route (ip route show proto 0x57, polled every 10 ms each)
#
#   bench/convergence.sh [RUNS]     (default 5; root)
#   BENCH_DAEMON_ARGS=-v BENCH_LOGDIR=DIR   keep each run's daemon logs
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

RUNS=${1:-${RUNS:-5}}
DEADLINE=${DEADLINE:-40} # s; above the 30 s summary-digest period, which repairs lost records
LEAVE_DEADLINE=${LEAVE_DEADLINE:-40}

bench_header "convergence: README 4-node topology, $RUNS runs"
install -m 600 "$BENCH_ROOT/net.example.yaml" "$TEST_TMP/net.yaml"
IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta) IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta)

# poll_drop NS ADDR FILE: the time ADDR's route is gone from NS into FILE
# (at most LEAVE_DEADLINE s).
poll_drop() {
	local end=$((SECONDS + LEAVE_DEADLINE))
	while ip -n "$1" route show proto 0x57 | grep -q "^$2 "; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "still in $1: $(ip -d -n "$1" route show table all | grep "^[a-z ]*$2 " | tr '\n' ';')" >&2
			return 1
		fi
		sleep 0.01
	done
	now_ns >"$3"
}

# status_dump: every node's own view, for a run that did not converge.
status_dump() {
	local f
	for f in "$IF_A" "$IF_B" "$IF_C" "$IF_D"; do
		echo "--- $f"
		"$DAEMON" status -i "$f" 2>&1 | sed 's/^/    /'
	done
}

start_ms=() restart_ms=() leave_ms=() timeouts=0
for ((run = 1; run <= RUNS; run++)); do
	topo_readme_up
	mapfile -t nodes < <(topo_readme_nodes)
	rms=- lms=-

	t0=$(now_ns)
	bench_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B"
	bench_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A"
	bench_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
	bench_node P_DELTA "$NS_DELTA" delta 10.1.1.22 "$IF_D"
	spread=$(ms_since "$t0")
	if pairs_ping_ms "$DEADLINE" "${nodes[@]}" >/dev/null; then
		ms=$(ms_since "$t0")
		start_ms+=("$ms")
		conv=1
	else
		conv=0
		ms="timeout (> $DEADLINE s)"
		timeouts=$((timeouts + 1))
		status_dump
	fi

	if [ "$conv" -eq 1 ]; then
		# restart: kill -9, wait until its wireguard-go (PDEATHSIG) is gone
		wgp=$(wg_pid "$IF_C")
		kill -KILL "$P_CHARLIE"
		wait "$P_CHARLIE" 2>/dev/null || true
		wait_for "charlie's interface to vanish" 50 bash -c "! ip -n $NS_CHARLIE link show $IF_C"
		[ -z "$wgp" ] || wait_gone "$wgp" 50
		t1=$(now_ns)
		bench_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
		if pairs_ping_ms "$DEADLINE" "${nodes[@]}" >/dev/null; then
			rms=$(ms_since "$t1")
			restart_ms+=("$rms")
		else
			rms="timeout (> $DEADLINE s)"
			timeouts=$((timeouts + 1))
			status_dump
		fi
	fi

	# leave: every other node must hold delta's route before the signal
	ready=1
	for ns in "$NS_ALPHA" "$NS_BETA" "$NS_CHARLIE"; do
		ip -n "$ns" route show proto 0x57 | grep -q '^10.1.1.22 ' || ready=0
	done
	if [ "$ready" -eq 1 ]; then
		rm -f "$TEST_TMP"/drop.*
		t2=$(now_ns)
		kill -TERM "$P_DELTA"
		pids=()
		for ns in "$NS_ALPHA" "$NS_BETA" "$NS_CHARLIE"; do
			poll_drop "$ns" 10.1.1.22 "$TEST_TMP/drop.$ns" &
			pids+=("$!")
		done
		ok=1
		for p in "${pids[@]}"; do wait "$p" || ok=0; done
		if [ "$ok" -eq 1 ]; then
			lms=0
			for f in "$TEST_TMP"/drop.*; do
				v=$((($(cat "$f") - t2) / 1000000))
				[ "$v" -le "$lms" ] || lms=$v
			done
			leave_ms+=("$lms")
		else
			lms="timeout (> $LEAVE_DEADLINE s)"
			timeouts=$((timeouts + 1))
		fi
		st=0
		wait "$P_DELTA" || st=$?
		[ "$st" -eq 0 ] || echo "run $run: note: delta exited with status $st after SIGTERM"
	fi

	echo "run $run: start -> all pairs $ms ms (4 starts issued within $spread ms); restart -> all pairs $rms ms; leave noticed by all $lms ms"
	stop_all
	if [ -n "${BENCH_LOGDIR:-}" ]; then
		mkdir -p "$BENCH_LOGDIR/run$run"
		cp "$TEST_TMP"/*.log "$BENCH_LOGDIR/run$run/"
	fi
	del_netns
done

echo
stats "start to all 12 pairs pinging" ms "${start_ms[@]}"
stats "kill -9 + restart to all pairs again" ms "${restart_ms[@]}"
stats "SIGTERM to route dropped everywhere" ms "${leave_ms[@]}"
echo "timeouts: $timeouts (runs that timed out are left out of the figures above)"
bench_footer
