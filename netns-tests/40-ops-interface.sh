#!/bin/bash
# -i never takes an interface that is not ours, one daemon per interface
# whatever --run-dir says, and what a crashed run left is still removed:
#
#   (a) a veth with an address under the name: refused (exit 2), untouched;
#   (b) a hand-made wireguard-go interface: refused (exit 2), still serving;
#   (c) a second daemon for a live daemon's interface with another --run-dir:
#       refused (exit 1) at the lock, the first one unharmed; the original's
#       "-l" alone logs to NAME.log in the working directory;
#   (d) a crashed run whose userspace WireGuard survived it (a wedged
#       implementation that ignores SIGTERM and SIGHUP, standing in for one
#       stuck in the kernel): the next start finds it in the lock's record,
#       stops it, removes its interface and comes up with wireguard-go.
#
# Everything in one namespace; the static peer (192.0.2.2) never answers.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root
need_tool wg
need_tool python3

NS='' PWG='' PA='' PC='' PC2=''
ns_new NS own
IFV=$(ifname_for v)
IFW=$(ifname_for w)
IFA=$(ifname_for a)
IFC=$(ifname_for c)
write_net_yaml "$TEST_TMP/net.yaml" "192.0.2.2:50002 50502 10.1.1.2"
n "$NS" ip link add "$IFV" type veth peer name "p$IFV"
n "$NS" ip addr add 192.0.2.9/24 dev "$IFV"
n "$NS" ip link set "$IFV" up
# sockets of our names only, should a step fail half-way
TEST_RESTORE+=("rm -f /var/run/wireguard/$IFW.sock /var/run/wireguard/$IFC.sock")

# run_daemon OUT ARGS...: the daemon in the foreground; its status in $rc.
run_daemon() {
	local out=$1
	shift
	rc=0
	pretty "$NS" "$DAEMON $*"
	timeout 30 ip netns exec "$NS" "$DAEMON" -c "$TEST_TMP/net.yaml" "$@" >"$out" 2>&1 || rc=$?
}

# ended PID: exited, or a zombie (its parent, our crashed daemon, is gone and
# nobody may reap it here).
ended() { ! pid_alive "$1" || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# serving IF RUNDIR: the daemon's control socket answers.
serving() { ip netns exec "$NS" "$DAEMON" status -i "$1" --run-dir "$2" >/dev/null 2>&1; }

# (a) somebody's veth
run_daemon "$TEST_TMP/a.log" -i "$IFV" -a 10.1.1.9 -n oops
[ "$rc" = 2 ] || fail "(a) exit $rc, want 2: $(cat "$TEST_TMP/a.log")"
grep -q "error: $IFV exists and is not ours: use -e, or delete it" "$TEST_TMP/a.log" ||
	fail "(a) no reason given: $(cat "$TEST_TMP/a.log")"
ip -n "$NS" addr show dev "$IFV" | grep -q 'inet 192\.0\.2\.9/24' || fail "(a) the veth or its address is gone"
echo "(a) a veth under the name: refused, untouched"

# (b) a WireGuard interface made by hand (wg-quick would make one like it)
bg_run PWG "$TEST_TMP/wg.log" ip netns exec "$NS" env WG_PROCESS_FOREGROUND=1 wireguard-go "$IFW"
wait_for "hand-made $IFW" 50 ip -n "$NS" link show "$IFW"
wait_for "hand-made $IFW answering" 50 ip netns exec "$NS" wg show "$IFW"
run_daemon "$TEST_TMP/b.log" -i "$IFW" -a 10.1.1.9 -n oops
[ "$rc" = 2 ] || fail "(b) exit $rc, want 2: $(cat "$TEST_TMP/b.log")"
grep -q "error: $IFW exists and is not ours: use -e, or delete it" "$TEST_TMP/b.log" ||
	fail "(b) no reason given: $(cat "$TEST_TMP/b.log")"
pid_alive "$PWG" || fail "(b) the hand-made wireguard-go was stopped"
ip netns exec "$NS" wg show "$IFW" >/dev/null || fail "(b) the hand-made interface does not answer"
echo "(b) a hand-made WireGuard interface: refused, still serving"

# (c) a live daemon, and a second one for its interface with another run dir
mkdir -p "$TEST_TMP/cwd"
bg_run PA "$TEST_TMP/alice.log" bash -c "cd '$TEST_TMP/cwd' && exec ip netns exec '$NS' '$DAEMON' \
	-c '$TEST_TMP/net.yaml' -i '$IFA' -a 10.1.1.1 -n alice --run-dir '$TEST_TMP/run-a' -l -v"
wait_for "alice serving" 100 serving "$IFA" "$TEST_TMP/run-a"
run_daemon "$TEST_TMP/c.log" -i "$IFA" -a 10.1.1.3 -n mallory -u 50603 -w 50103 \
	--run-dir "$TEST_TMP/run-b"
[ "$rc" = 1 ] || fail "(c) exit $rc, want 1: $(cat "$TEST_TMP/c.log")"
grep -q "error: another wg_netmanager serves $IFA" "$TEST_TMP/c.log" ||
	fail "(c) no reason given: $(cat "$TEST_TMP/c.log")"
pid_alive "$PA" || fail "(c) the first daemon stopped"
ip -n "$NS" link show "$IFA" >/dev/null || fail "(c) the first daemon's interface is gone"
serving "$IFA" "$TEST_TMP/run-a" || fail "(c) the first daemon does not answer"
lock=$(ls /run/wg_netmanager/locks/"$IFA".*.lock) || fail "(c) no lock file for $IFA"
grep -q "^ifname $IFA$" "$lock" || fail "(c) the lock does not record $IFA: $(cat "$lock")"
# the original's -l: NAME.log where it was started
wait_for "alice.log" 50 grep -q "alice 10.1.1.1 on $IFA" "$TEST_TMP/cwd/alice.log"
pp kill -TERM "$PA"
wait "$PA" || fail "(c) alice exited with status $?"
[ ! -e "$lock" ] || fail "(c) a clean exit left the lock file"
echo "(c) a second daemon with another run dir: refused, the first unharmed"

# (d) a crashed run with a wedged userspace WireGuard: a real tun device
# and a UAPI socket that answers, in a process that ignores SIGTERM and
# SIGHUP (PDEATHSIG, and the orphaned process group, would end
# wireguard-go itself).
py=$(python3 -c 'import sys; print(sys.executable)')
cat >"$TEST_TMP/wedged-wg" <<EOF
#!$py
import fcntl, os, signal, socket, struct, sys
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, signal.SIG_IGN)
name = sys.argv[-1]
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, 0x400454ca, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))  # TUNSETIFF
path = "/var/run/wireguard/%s.sock" % name
os.makedirs("/var/run/wireguard", exist_ok=True)
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
while True:
    c, _ = srv.accept()
    c.settimeout(2)
    req = b""
    try:
        while not req.endswith(b"\n\n"):
            more = c.recv(4096)
            if not more:
                break
            req += more
        c.sendall(b"errno=0\n\n")
    except OSError:
        pass
    c.close()
EOF
chmod 755 "$TEST_TMP/wedged-wg"
bg_run PC "$TEST_TMP/c1.log" ip netns exec "$NS" env WG_QUICK_USERSPACE_IMPLEMENTATION="$TEST_TMP/wedged-wg" \
	"$DAEMON" -c "$TEST_TMP/net.yaml" -i "$IFC" -a 10.1.1.21 -n charlie -b userspace \
	--run-dir "$TEST_TMP/run-c" -v
wait_for "charlie on the wedged implementation" 100 serving "$IFC" "$TEST_TMP/run-c"
wedged=$(sed -n "s|.*started $TEST_TMP/wedged-wg (pid \([0-9]*\)).*|\1|p" "$TEST_TMP/c1.log")
[ -n "$wedged" ] || fail "(d) the wedged implementation did not start: $(cat "$TEST_TMP/c1.log")"
track_pid "$wedged"
pp kill -KILL "$PC"
wait "$PC" 2>/dev/null || true
sleep 0.5 # no condition to wait for: that nothing happens to the survivor
ended "$wedged" && fail "(d) the wedged implementation did not survive the crash"
ip -n "$NS" link show "$IFC" >/dev/null || fail "(d) the crash took the interface along"

bg_run PC2 "$TEST_TMP/c2.log" ip netns exec "$NS" "$DAEMON" -c "$TEST_TMP/net.yaml" \
	-i "$IFC" -a 10.1.1.21 -n charlie --run-dir "$TEST_TMP/run-c" -v
wait_for "charlie up again" 150 serving "$IFC" "$TEST_TMP/run-c"
grep -q "removing the interface an earlier run left" "$TEST_TMP/c2.log" ||
	fail "(d) no word of the leftover: $(cat "$TEST_TMP/c2.log")"
grep -q "started /usr/[a-z/]*wireguard-go\|started /s\?bin/wireguard-go" "$TEST_TMP/c2.log" ||
	fail "(d) wireguard-go did not take over: $(cat "$TEST_TMP/c2.log")"
wait_for "the wedged implementation to end" 30 ended "$wedged"
TEST_PIDS=("${TEST_PIDS[@]/#$wedged/}") # ended: nothing left for the cleanup to wait for
ip netns exec "$NS" wg show "$IFC" >/dev/null || fail "(d) $IFC does not answer as WireGuard"
pp kill -TERM "$PC2"
wait "$PC2" || fail "(d) charlie exited with status $?"
echo "(d) a crashed run's wedged WireGuard: stopped, its interface replaced"
echo ok
