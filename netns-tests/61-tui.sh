#!/bin/bash
# The status view in a terminal, driven through tmux (send-keys,
# capture-pane): `top` attached to alice's running daemon, and bob's
# daemon run with -t. Checks what is on screen, the sort key, a resize,
# and that q (and SIGTERM) give the terminal back: no alternate screen,
# exit status 0, and bob leaves the mesh cleanly.
#
#   ns A (alice, static) 198.51.100.1 ---veth--- 198.51.100.2 ns B (bob)
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root
need_tool tmux
need_tool python3

TMUX_SOCK="wgnm-tui-$$"
tm() { tmux -L "$TMUX_SOCK" "$@"; }
# Our tmux server goes with the test (its daemons are stopped first). set +e
# first: under -e, "(exit 1)" ended the trap, and a failed run left its
# daemons and namespaces behind.
tui_exit() {
	local st=$?
	set +e
	tm kill-server 2>/dev/null
	(exit "$st")
	exit_with_logs
}
trap tui_exit EXIT

ns_new A a
ns_new B b
veth "$A" 198.51.100.1/24 "$B" 198.51.100.2/24
IFA=$(ifname_for ta)
IFB=$(ifname_for tb)
RUNA=$TEST_TMP/run-a
write_net_yaml "$TEST_TMP/net.yaml" "198.51.100.1:50001 50501 10.1.1.1"
start_node PA "$A" alice 10.1.1.1 "$IFA" --run-dir "$RUNA"

# screen WINDOW: what the pane shows now.
screen() { tm capture-pane -p -t "$1"; }
on_screen() { screen "$1" | grep -qE -- "$2"; }
pane() { tm display -p -t "$1" "$2"; }
# Each window runs "CMD; echo $? >NAME.status" under sh, so the exit status
# does not depend on when tmux reaps; the program is the shell's child.
prog_pid() { pgrep -P "$(pane "tui:$1" '#{pane_pid}')"; }
dead() { [ -s "$TEST_TMP/$1.status" ]; }
exit_status() { cat "$TEST_TMP/$1.status"; }
# try_for TRIES CMD...: wait_for that returns 1 instead of failing.
try_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
wait_dead() {
	try_for 100 dead "$1" && return 0
	screen "tui:$1"
	fail "$1 did not exit"
}
new_window() {
	local name=$1 cmd="$2; echo \$? >$TEST_TMP/$1.status"
	pretty "tmux:$name" "$2"
	if tm has-session -t tui 2>/dev/null; then
		tm new-window -d -t tui -n "$name" "$cmd"
	else
		tm new-session -d -s tui -n "$name" -x 120 -y 30 "$cmd"
		tm set-option -g remain-on-exit on
	fi
	wait_for "$name starts" 50 prog_pid "$name"
	track_pid "$(prog_pid "$name")"
}

# bob runs in the terminal with the status view; stderr keeps its log.
new_window bob "ip netns exec $B $DAEMON -c $TEST_TMP/net.yaml -i $IFB -a 10.1.1.2 -n bob \
	-v -t --run-dir $TEST_TMP/run-b 2>$TEST_TMP/bob.log"
if ! try_for 300 on_screen tui:bob '^alice +10\.1\.1\.1 +LAN '; then
	screen tui:bob
	fail "bob's view does not show alice on the LAN"
fi
on_screen tui:bob '^ wg_netmanager +'"$IFB"' +bob 10\.1\.1\.2 .*nodes 2 ' || fail "bob's title line"
on_screen tui:bob 'NAME\* +ADDRESS +PATH +ENDPOINT +HANDSHAKE +RX +TX +RTT +SINCE' ||
	fail "bob's table headings"
wait_for "bob's log pane shows alice coming up" 50 on_screen tui:bob 'neighbour alice \(10\.1\.1\.1\) is up'
[ "$(pane tui:bob '#{alternate_on}')" = 1 ] || fail "bob's view is not on the alternate screen"
wait_for "alice -> bob over the overlay" 100 ping_ok "$A" 10.1.1.2

# top attached to alice's daemon through its control socket.
new_window top "ip netns exec $A $DAEMON top -i $IFA --run-dir $RUNA"
wait_for "top shows bob on the LAN" 100 on_screen tui:top '^bob +10\.1\.1\.2 +LAN +198\.51\.100\.2:50002 '
on_screen tui:top '^alice +10\.1\.1\.1 +self ' || fail "top: alice's own row"
on_screen tui:top 'sort: name' || fail "top: key line"
wait_for "top's log pane streams alice's log" 100 on_screen tui:top 'neighbour bob \(10\.1\.1\.2\) is up|route add'
pp tm send-keys -t tui:top s
wait_for "top sorts by address" 30 on_screen tui:top 'sort: address'
pp tm send-keys -t tui:top r
wait_for "top reverses" 30 on_screen tui:top 'sort: address \(reversed\)'
pp tm send-keys -t tui:top j
# A resize: the view redraws to the new width and keeps its rows.
pp tm resize-window -t tui:top -x 70 -y 16
narrow() {
	screen tui:top | python3 -c '
import sys
lines = sys.stdin.read().splitlines()
assert max(len(l) for l in lines) <= 70 and any(l.startswith("bob ") for l in lines)
assert "q quit" in lines[-1] or "q quit" in lines[15]'
}
wait_for "top redraws at 70 columns" 30 narrow
pp tm resize-window -t tui:top -x 120 -y 30

# q: top exits 0 and the terminal is back to normal.
pp tm send-keys -t tui:top q
wait_dead top
[ "$(exit_status top)" = 0 ] || fail "top exited with $(exit_status top)"
[ "$(pane tui:top '#{alternate_on}')" = 0 ] || fail "top left the terminal on the alternate screen"

# SIGTERM to a second top: the same.
new_window top2 "ip netns exec $A $DAEMON top -i $IFA --run-dir $RUNA"
wait_for "top2 shows bob" 100 on_screen tui:top2 '^bob +10\.1\.1\.2 '
pp kill -TERM "$(prog_pid top2)"
wait_dead top2
[ "$(exit_status top2)" = 0 ] || fail "top2 exited with $(exit_status top2)"
[ "$(pane tui:top2 '#{alternate_on}')" = 0 ] || fail "SIGTERM left the terminal on the alternate screen"

# q in bob's view: bob leaves the mesh and exits 0; alice notices.
pp tm send-keys -t tui:bob q
wait_dead bob
[ "$(exit_status bob)" = 0 ] || fail "bob exited with $(exit_status bob)"
[ "$(pane tui:bob '#{alternate_on}')" = 0 ] || fail "bob left the terminal on the alternate screen"
grep -q 'quit from the status view: leaving the network' "$TEST_TMP/bob.log" ||
	fail "bob's log does not say why it left"
ip -n "$B" link show "$IFB" >/dev/null 2>&1 && fail "bob's interface is still there"
wait_for "alice drops bob" 100 bash -c "! ip -n $A route show proto 0x57 | grep -q '^10.1.1.2 '"
echo ok
