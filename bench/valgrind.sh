#!/bin/bash
# valgrind memcheck on the README network, start to stop (issue 12): the
# four daemons of net.example.yaml (netns-tests/topo-readme.sh), some or all
# under `valgrind --leak-check=full`, their wireguard-go children natively.
#
#   1. start the four daemons, wait for all 12 ordered pairs to ping
#   2. `status`, `status --json` and `metrics` against every daemon (the
#      clients under valgrind too)
#   3. SIGTERM charlie and start it again (the others process a leave and a
#      new boot); all pairs ping again
#   4. kill -9 delta and start it again (the others drop a node that
#      vanished without a goodbye); all pairs ping again
#   5. VALGRIND_SECONDS of steady state with pings, then SIGTERM to all
#
# Reports per process: memcheck errors, definitely / indirectly / possibly
# lost and still reachable bytes, exit status; and every error and leak
# record with its stack. Exit 1 if any process under valgrind had an error
# or a definite, indirect or possible leak, or did not exit 0 on SIGTERM.
# (delta's first instance is killed with -9 on purpose: its leak report is
# not produced, and it is not counted.)
#
#   bench/valgrind.sh                     (root; all four daemons)
#   VALGRIND_NODES="beta" bench/valgrind.sh   only these under valgrind
#   VALGRIND_SECONDS=30   steady state before the stop
#   VALGRIND_ARGS="..."   more valgrind options (e.g. --suppressions=FILE)
#   WGNM_DAEMON=PATH      the daemon (default build/wg_netmanager; -g helps)
#
# The command for the README's Tests section:
#   make && bench/valgrind.sh
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
need_tool valgrind

VALGRIND_NODES=${VALGRIND_NODES:-alpha beta charlie delta}
VALGRIND_SECONDS=${VALGRIND_SECONDS:-30}
DEADLINE=${DEADLINE:-120} # s for all pairs to ping: valgrind is 10-50x slower
VG_STATUS=99              # valgrind's --error-exitcode

bench_header "valgrind memcheck: README 4-node topology; under valgrind: $VALGRIND_NODES"
echo "valgrind: $(valgrind --version)"
install -m 600 "$BENCH_ROOT/net.example.yaml" "$TEST_TMP/net.yaml"
declare -A NS IFN IP=([alpha]=10.1.1.1 [beta]=10.1.1.2 [charlie]=10.1.1.21 [delta]=10.1.1.22) PID INST
for n in alpha beta charlie delta; do IFN[$n]=$(ifname_for "${n:0:2}"); done
declare -A KILLED # logs of instances killed with -9 (no report expected)

under_vg() { [[ " $VALGRIND_NODES " == *" $1 "* ]]; }

# vg_cmd LOG: the valgrind command line, one log per process
vg_cmd() {
	# shellcheck disable=SC2086
	echo valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=$VG_STATUS \
		--track-origins=yes --num-callers=30 --trace-children=no --log-file="$1" ${VALGRIND_ARGS:-}
}

start() {
	local n=$1 vg=()
	INST[$n]=$((${INST[$n]:-0} + 1))
	# shellcheck disable=SC2207
	under_vg "$n" && vg=($(vg_cmd "$TEST_TMP/vg.$n.${INST[$n]}.vglog"))
	bg_run "PID[$n]" "$TEST_TMP/$n.${INST[$n]}.log" ip netns exec "${NS[$n]}" "${vg[@]}" \
		"$DAEMON" -c "$TEST_TMP/net.yaml" -i "${IFN[$n]}" -a "${IP[$n]}" -n "$n" \
		-l "$TEST_TMP/$n.${INST[$n]}.tlog"
}

# stop NAME SIGNAL: signal and reap (60 s: valgrind writes its report at
# exit); the exit status into ST
stop() {
	local n=$1 i p
	p=${PID[$n]}
	kill "-$2" "$p" 2>/dev/null || true
	for ((i = 0; i < 600; i++)); do
		pid_alive "$p" || break
		sleep 0.1
	done
	ST=0
	if pid_alive "$p"; then
		kill -KILL "$p" 2>/dev/null || true
		ST=hung
	fi
	{ wait "$p"; } 2>/dev/null || ST=$? # braces: no "Killed" notice
	[ "$ST" != 137 ] || [ "$2" != KILL ] || ST=0
}

all_pairs() {
	local ms
	if ms=$(pairs_ping_ms "$DEADLINE" "${nodes[@]}"); then
		echo "  all 12 pairs ping ($ms ms)"
	else
		fail "not every pair pinged within $DEADLINE s after: $1"
	fi
}

wait_port_free() { # NAME: the old wireguard-go must have exited
	local i
	for ((i = 0; i < 100; i++)); do
		[ -n "$(wg_pid "${IFN[$1]}")" ] || return 0
		sleep 0.1
	done
	echo "  note: ${IFN[$1]}'s wireguard-go still runs 10 s after its daemon stopped"
}

topo_readme_up
NS[alpha]=$NS_ALPHA NS[beta]=$NS_BETA NS[charlie]=$NS_CHARLIE NS[delta]=$NS_DELTA
mapfile -t nodes < <(topo_readme_nodes)
declare -A EXIT
t0=$(now_ns)
for n in beta alpha charlie delta; do start "$n"; done
echo "1. start"
all_pairs "the first start"
echo "   (after $(ms_since "$t0") ms)"

echo "2. status, status --json, metrics against every daemon"
for n in alpha beta charlie delta; do
	for c in "status" "status --json" "metrics"; do
		vg=()
		# shellcheck disable=SC2207,SC2086
		under_vg "$n" && vg=($(vg_cmd "$TEST_TMP/vg.client.$n.${c// /}.vglog"))
		# shellcheck disable=SC2086
		if ! ip netns exec "${NS[$n]}" "${vg[@]}" "$DAEMON" $c -i "${IFN[$n]}" >"$TEST_TMP/client.out" 2>&1; then
			echo "  $n: '$c' failed: $(head -c 300 "$TEST_TMP/client.out")"
			EXIT[client.$n.${c// /}]=failed
		fi
	done
done

echo "3. SIGTERM charlie, start it again"
stop charlie TERM
EXIT[charlie.1]=$ST
wait_port_free charlie
start charlie
all_pairs "charlie's restart"

echo "4. kill -9 delta, start it again"
stop delta KILL
KILLED[delta.1]=1
wait_port_free delta
start delta
all_pairs "delta's restart"

echo "5. $VALGRIND_SECONDS s steady state"
end=$((SECONDS + VALGRIND_SECONDS))
while [ "$SECONDS" -lt "$end" ]; do
	pairs_ping_ms 30 "${nodes[@]}" >/dev/null || echo "  note: a pair did not ping within 30 s"
	sleep 5
done
echo "6. SIGTERM to every daemon"
for n in alpha beta charlie delta; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
for n in alpha beta charlie delta; do
	stop "$n" TERM
	EXIT[$n.${INST[$n]}]=$ST
done

# --- report ----------------------------------------------------------------
# lost FILE KIND: bytes in valgrind's LEAK SUMMARY line "KIND lost: N bytes"
lost() { sed -n "s/.*$2 lost: \([0-9,]*\) bytes.*/\1/p" "$1" | tr -d , | tail -n 1; }
echo
printf '%-28s %6s %8s %10s %10s %10s %12s %s\n' process errors "exit" definite indirect possible "reachable" ""
bad=0
for f in "$TEST_TMP"/vg.*.vglog; do
	[ -f "$f" ] || continue
	id=${f##*/vg.}
	id=${id%.vglog}
	if [ -n "${KILLED[$id]:-}" ]; then
		printf '%-28s %s\n' "$id" "(killed with -9 on purpose: no report)"
		continue
	fi
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" | tr -d , | tail -n 1)
	dl=$(lost "$f" definitely) il=$(lost "$f" indirectly) pl=$(lost "$f" possibly)
	sr=$(sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d , | tail -n 1)
	grep -q 'All heap blocks were freed' "$f" && dl=0 il=0 pl=0 sr=0
	st=${EXIT[$id]:-0}
	note=""
	if [ -z "$errs" ]; then
		note="no ERROR SUMMARY: valgrind did not finish"
		bad=1
	elif [ "$errs" -gt 0 ] || [ "${dl:-0}" -gt 0 ] || [ "${il:-0}" -gt 0 ] || [ "${pl:-0}" -gt 0 ]; then
		note="FAILED"
		bad=1
	fi
	if [ "$st" != 0 ]; then
		note="$note exit status $st"
		bad=1
	fi
	printf '%-28s %6s %8s %10s %10s %10s %12s %s\n' "$id" "${errs:--}" "$st" "${dl:--}" "${il:--}" \
		"${pl:--}" "${sr:--}" "$note"
done
for f in "$TEST_TMP"/vg.*.vglog; do
	[ -f "$f" ] || continue
	id=${f##*/vg.}
	id=${id%.vglog}
	[ -z "${KILLED[$id]:-}" ] || continue
	# error and leak records (not the still-reachable ones): a record is
	# the lines from its headline to the next empty "==PID== " line
	if grep -qE '^==[0-9]+== (Invalid|Conditional|Syscall param|Mismatched|Source and destination|Use of uninit|[0-9,]+ .*bytes in [0-9,]+ blocks are (definitely|indirectly|possibly))' "$f"; then
		echo
		echo "--- $id: error and leak records"
		awk '/^==[0-9]+== (Invalid|Conditional|Syscall param|Mismatched|Source and destination|Use of uninit)/ ||
			/^==[0-9]+== [0-9,]+ .*bytes in [0-9,]+ blocks are (definitely|indirectly|possibly)/ { on = 1 }
			on && /^==[0-9]+== *$/ { on = 0; print ""; next }
			on { print }' "$f"
	fi
done
echo
if [ "$bad" -eq 0 ]; then
	echo "valgrind: no error, no leak (definite, indirect, possible) in any process, every exit status 0"
else
	echo "valgrind: FAILED (see above)"
fi
bench_footer
[ "$bad" -eq 0 ]
