#!/bin/bash
# The daemon's own hardening, on one live daemon:
#   (1) it starts the userspace WireGuard by absolute path from fixed
#       directories with a clean environment: a wireguard-go first in $PATH
#       is not run, and nothing of the daemon's environment reaches the child;
#   (2) it is not dumpable: a root process without CAP_SYS_PTRACE cannot open
#       its memory (it can that of a dumpable process started the same way,
#       which shows the check means something);
#   (3) a flood of garbage at the admin port: every datagram counted, at most
#       ten debug lines a second about them;
#   (4) datagrams the kernel drops while the daemon does not read (stopped):
#       counted in the metrics (wgnm_socket_drops_total).
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root
need_tool python3
need_tool setpriv

NS='' P='' PS=''
ns_new NS hard
IF=$(ifname_for h)
RUN=$TEST_TMP/run
write_net_yaml "$TEST_TMP/net.yaml" "192.0.2.2:50002 50502 10.1.1.2"
# A wireguard-go that someone put first in $PATH: it would leave a mark.
mkdir "$TEST_TMP/bin"
printf '#!/bin/sh\ntouch %s\nexec /usr/bin/wireguard-go "$@"\n' "'$TEST_TMP/path-hijacked'" \
	>"$TEST_TMP/bin/wireguard-go"
chmod 755 "$TEST_TMP/bin/wireguard-go"

noptrace() { setpriv --bounding-set -sys_ptrace "$@"; }
bg_run P "$TEST_TMP/alice.log" setpriv --bounding-set -sys_ptrace ip netns exec "$NS" env PATH="$TEST_TMP/bin:$PATH" \
	WGNM_TEST_SECRET=do-not-pass-on "$DAEMON" -c "$TEST_TMP/net.yaml" -i "$IF" -a 10.1.1.1 \
	-n alice --run-dir "$RUN" -v -l "$TEST_TMP/alice.tlog"
serving() { ip netns exec "$NS" "$DAEMON" status -i "$IF" --run-dir "$RUN" >/dev/null 2>&1; }
wait_for "alice serving" 100 serving

# (1) the userspace WireGuard: which one, with what environment
[ ! -e "$TEST_TMP/path-hijacked" ] || fail "the wireguard-go first in \$PATH was run"
child=$(sed -n 's/.*started \(\/[^ ]*\) (pid \([0-9]*\)).*/\2 \1/p' "$TEST_TMP/alice.tlog")
pretty "" "userspace WireGuard: $child"
read -r cpid cpath <<<"$child"
case $cpath in
/usr/local/sbin/* | /usr/local/bin/* | /usr/sbin/* | /usr/bin/* | /sbin/* | /bin/*) ;;
*) fail "started from '$cpath'" ;;
esac
cenv=$(tr '\0' '\n' <"/proc/$cpid/environ")
if grep -q '^WGNM_TEST_SECRET=' <<<"$cenv"; then fail "the daemon's environment reached the child"; fi
grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' <<<"$cenv" ||
	fail "the child's PATH: $(grep '^PATH=' <<<"$cenv" || true)"
grep -qx 'WG_PROCESS_FOREGROUND=1' <<<"$cenv" || fail "the child's environment: $cenv"
[ "$(wc -l <<<"$cenv")" -le 5 ] || fail "the child's environment is not minimal: $cenv"
echo "(1) $cpath, environment: $(tr '\n' ' ' <<<"$cenv")"

# (2) not dumpable: its memory (/proc/PID/mem, ptrace's access check) is
# closed to a process of the same user and capabilities but for
# CAP_SYS_PTRACE. A dumpable process started the same way is open to it,
# which shows the check works on this kernel.
mem_open() { noptrace python3 -c 'import sys; open("/proc/%s/mem" % sys.argv[1], "rb")' "$1" 2>/dev/null; }
bg_run PS "$TEST_TMP/sleep.log" setpriv --bounding-set -sys_ptrace sleep 60
wait_for "sleep started" 50 grep -q '^sleep' "/proc/$PS/comm"
mem_open "$PS" || skip "without CAP_SYS_PTRACE even a dumpable process's memory is closed here"
if mem_open "$P"; then
	fail "the daemon is dumpable: its memory opens without CAP_SYS_PTRACE"
fi
echo "(2) not dumpable"

metric() {
	ip netns exec "$NS" "$DAEMON" metrics -i "$IF" --run-dir "$RUN" |
		awk -v m="$1" 'index($0, m) == 1 { print $2 }'
}
drops_total() {
	ip netns exec "$NS" "$DAEMON" metrics -i "$IF" --run-dir "$RUN" |
		awk '/^wgnm_drops_total\{/ { n += $2 } END { print n + 0 }'
}
# garbage N: N datagrams of random bytes to alice's admin port
garbage() {
	N=$1 ip netns exec "$NS" python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(os.environ["N"])):
    s.sendto(os.urandom(40 + i % 200), ("127.0.0.1", 50501))
'
}
admin_drops() { metric "wgnm_socket_drops_total{interface=\"$IF\",socket=\"admin\"}"; }

# (3) a flood: counted, and the debug log stays short
before=$(drops_total)
t0=$(date +%s)
garbage 2000
t1=$(date +%s)
counted() {
	local now sock
	now=$(drops_total)
	sock=$(admin_drops)
	[ $((now - before + ${sock:-0})) -ge 2000 ]
}
wait_for "2000 garbage datagrams counted" 100 counted
lines=$(grep -c 'debug: dropped [0-9]* bytes from 127.0.0.1' "$TEST_TMP/alice.tlog" || true)
allowed=$((10 * (t1 - t0 + 3)))
echo "(3) 2000 garbage datagrams in $((t1 - t0)) s: $lines debug lines (at most $allowed)"
[ "$lines" -le "$allowed" ] || fail "the drop log is not rate-limited: $lines lines"
# the next line logged after the flood says how many were left out
said_how_many() {
	garbage 1
	grep -q 'more not logged)$' "$TEST_TMP/alice.tlog"
}
wait_for "a line saying how many were left out" 50 said_how_many

# (4) the kernel drops what a stopped daemon cannot read
sock0=$(admin_drops)
[ -n "$sock0" ] || fail "no wgnm_socket_drops_total for the admin socket"
pp kill -STOP "$P"
garbage 5000
pp kill -CONT "$P"
sock1=$(admin_drops)
echo "(4) while stopped: $((sock1 - sock0)) datagrams dropped by the kernel"
[ "$sock1" -gt "$sock0" ] || fail "kernel drops not counted ($sock0 -> $sock1)"

pp kill -TERM "$P"
wait "$P" || fail "alice exited with status $?"
echo ok
