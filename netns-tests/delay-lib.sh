# shellcheck shell=bash
# Delay, jitter and loss between namespaces without netem. This kernel has
# no netem qdisc (CONFIG_NET_SCH_NETEM is not set: `tc qdisc add dev X root
# netem delay 300ms` fails with "Specified qdisc kind is unknown"), so a
# userspace bridge, tests/tool_delaybridge, carries the frames between two
# interfaces and holds each one back. Source after lib.sh (and
# topo-readme.sh for delay_readme_internet).
#
#   delay_port NS BRIDGE PORT DELAY_MS JITTER_MS [LOSS_PCT [TOOL_ARGS...]]
#       Put a delay bridge in front of PORT, a port of BRIDGE in NS:
#
#           host ---veth--- PORT  [tool_delaybridge -o]  dN === eN (port of BRIDGE)
#
#       Frames from PORT into BRIDGE wait DELAY_MS +- JITTER_MS (uniform)
#       and LOSS_PCT of them are dropped; frames from BRIDGE out through PORT
#       pass at once. So on a bridge whose every port has one, each frame
#       crossing it is delayed exactly once, one way, as netem on the
#       sender's link would: a round trip gets two independent delays.
#       Frames leave in their own due order, so jitter reorders them (as
#       netem does); TOOL_ARGS "-F" keeps each port's order instead.
#   delay_readme_internet DELAY_MS JITTER_MS [LOSS_PCT [TOOL_ARGS...]]
#       The same on every port of the README topology's "internet" bridge
#       (netns-tests/topo-readme.sh, after topo_readme_up): every underlay
#       path through the internet (beta, alpha's firewall, the home router)
#       gets the delay; the home LAN and alpha's LAN do not.
#   delay_stop   SIGTERM every delay bridge started here, wait for them to
#       exit; lib.sh's cleanup stops them too. Bridge number N (from 0, in
#       the order started) logs "ready" and, at exit, its counters to
#       $TEST_TMP/delay.N.log; its veth pair is dNPORT/eNPORT.
#
# Environment: WGNM_DELAYBRIDGE (the tool), else $WGNM_TOOLDIR/tool_delaybridge,
# else build/tests/tool_delaybridge of this tree.

DELAY_TOOL=${WGNM_DELAYBRIDGE:-${WGNM_TOOLDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/tests}/tool_delaybridge}
DELAY_PIDS=()
DELAY_N=0 # delay bridges started: numbers their veths and logs

delay_port() {
	local ns=$1 br=$2 port=$3 delay=$4 jitter=$5 loss=${6:-0} n=$DELAY_N pid log
	shift 5
	[ "$#" -eq 0 ] || shift
	[ -x "$DELAY_TOOL" ] || fail "delay bridge not built: $DELAY_TOOL (make all)"
	# the names live only inside NS, which is ours: no clash with other runs
	ip -n "$ns" link set "$port" nomaster
	ip -n "$ns" link add "d$n$port" type veth peer name "e$n$port"
	ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$port.disable_ipv6=1" \
		"net.ipv6.conf.d$n$port.disable_ipv6=1" "net.ipv6.conf.e$n$port.disable_ipv6=1"
	ip -n "$ns" link set "e$n$port" master "$br"
	ip -n "$ns" link set "d$n$port" up
	ip -n "$ns" link set "e$n$port" up
	log="$TEST_TMP/delay.$n.log"
	bg_run pid "$log" ip netns exec "$ns" "$DELAY_TOOL" -o -d "$delay" -j "$jitter" -l "$loss" \
		"$@" "$port" "d$n$port"
	DELAY_PIDS+=("$pid")
	DELAY_N=$((DELAY_N + 1))
	wait_for "delay bridge on $port in $ns" 50 grep -q '^ready' "$log"
}

delay_readme_internet() {
	local p
	for p in pb pa ph; do
		delay_port "$NS_INET" br0 "$p" "$@"
	done
}

delay_stop() {
	local pid i
	for pid in "${DELAY_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${DELAY_PIDS[@]}"; do
		for ((i = 0; i < 30; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
	done
	DELAY_PIDS=()
}
