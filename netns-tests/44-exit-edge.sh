#!/bin/bash
# The host-side pieces of exit nodes, with no daemon: masquerade (masq.h,
# nftables), exit-node routing (kernel.h: a table, two rules, the
# WireGuard device's fwmark) and a marked admin-like socket (udp.h),
# driven through tool_wgnm_exit and tool_wgnm_backend over real
# WireGuard between three namespaces:
#
#   $A "client"                  $B "exit"                     $C "internet"
#   $ifa 10.77.0.1/24            $ifb 10.77.0.2/24
#        fd00:77::1/64                fd00:77::2/64
#     | WireGuard :51821           | WireGuard :51822
#   $va 192.0.2.1/24 --------- $vb 192.0.2.254/24
#   default via 192.0.2.254       lo 203.0.113.2/32 (its "public" address)
#                                 $vbc 198.18.0.2/24 ------- $vc 198.18.0.1/24
#                                      2001:db8:18::2/64          2001:db8:18::1/64
#
# A reaches B's WireGuard port and admin port (203.0.113.2) only through
# its default route, as across the internet. C has no route back to the
# overlay or to A. B forwards only what comes out of the tunnel (and C's
# answers), so A reaches C through the tunnel or not at all.
#
# Checks: A reaches C (IPv4 and IPv6) only once B masquerades and A uses
# B as exit node; the traffic went through WireGuard (B's counter) and C
# saw B's address; A's unmarked traffic to the internet takes the tunnel,
# its LAN, its WireGuard packets and its marked admin socket do not. Each
# piece is needed: without the fwmark the tunnel breaks, without the
# suppress rule the LAN goes into the tunnel, without masquerade C cannot
# answer. Stopping removes everything; after kill -9 the start-time flush
# does.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
need_tool wg
need_tool nft
BACKEND=${WGNM_TOOLDIR:?WGNM_TOOLDIR must point at build/tests}/tool_wgnm_backend
EXIT=$WGNM_TOOLDIR/tool_wgnm_exit
[ -x "$BACKEND" ] || fail "$BACKEND not built"
[ -x "$EXIT" ] || fail "$EXIT not built"
export WG_BACKEND=${WG_BACKEND:-auto}

# Set by ns_new / bg_run through printf -v.
A='' B='' C='' upa='' upb='' echob='' echoc='' holda='' holdb=''
ns_new A cli
ns_new B exit
ns_new C net
kernel_wg_available "$A" || need_tool wireguard-go
ifa=$(ifname_for xa)
ifb=$(ifname_for xb)
va=$(ifname_for va)
vb=$(ifname_for vb)
vbc=$(ifname_for vbc)
vc=$(ifname_for vc)

# --- underlay --------------------------------------------------------------

pp ip link add "$va" netns "$A" type veth peer name "$vb" netns "$B"
pp ip link add "$vbc" netns "$B" type veth peer name "$vc" netns "$C"
pp ip -n "$A" addr add 192.0.2.1/24 dev "$va"
pp ip -n "$B" addr add 192.0.2.254/24 dev "$vb"
pp ip -n "$B" addr add 203.0.113.2/32 dev lo
pp ip -n "$B" addr add 198.18.0.2/24 dev "$vbc"
pp ip -n "$B" -6 addr add 2001:db8:18::2/64 dev "$vbc" nodad
pp ip -n "$C" addr add 198.18.0.1/24 dev "$vc"
pp ip -n "$C" -6 addr add 2001:db8:18::1/64 dev "$vc" nodad
for l in "$A:$va" "$B:$vb" "$B:$vbc" "$C:$vc"; do
	ip -n "${l%%:*}" link set "${l#*:}" up
done
pp ip -n "$A" route add default via 192.0.2.254 dev "$va"
# B forwards what comes from the tunnel (the tool enables its interface)
# and C's answers; never A's underlay traffic.
n "$B" sysctl -qw "net.ipv4.conf.$vbc.forwarding=1"
n "$B" sysctl -qw net.ipv6.conf.all.forwarding=1

# --- the tunnel --------------------------------------------------------------

umask 077
wg genkey >"$TEST_TMP/ka"
wg genkey >"$TEST_TMP/kb"
puba=$(wg pubkey <"$TEST_TMP/ka")
pubb=$(wg pubkey <"$TEST_TMP/kb")
bg_run upa "$TEST_TMP/upa.log" ip netns exec "$A" "$BACKEND" up "$ifa" 10.77.0.1/24 "$TEST_TMP/ka" 51821 fd00:77::1/64
bg_run upb "$TEST_TMP/upb.log" ip netns exec "$B" "$BACKEND" up "$ifb" 10.77.0.2/24 "$TEST_TMP/kb" 51822 fd00:77::2/64
wait_for "$ifa ready" 60 grep -q '^ready' "$TEST_TMP/upa.log"
wait_for "$ifb ready" 60 grep -q '^ready' "$TEST_TMP/upb.log"
for log in upa upb; do
	child=$(sed -n 's/^ready.* pid=\([0-9]*\).*/\1/p' "$TEST_TMP/$log.log")
	[ "$child" != 0 ] && track_pid "$child"
done
# B is A's exit node: everything may come from it.
n "$A" "$BACKEND" peer "$ifa" "$pubb" endpoint 203.0.113.2:51822 allowed-ips 0.0.0.0/0,::/0
n "$B" "$BACKEND" peer "$ifb" "$puba" allowed-ips 10.77.0.1/32,fd00:77::1/128
# Overlay routes untagged: every tagged route left at the end is a leak.
pp ip -n "$A" route add 10.77.0.0/24 dev "$ifa"
pp ip -n "$A" -6 route add fd00:77::/64 dev "$ifa"
pp ip -n "$B" route add 10.77.0.0/24 dev "$ifb"
pp ip -n "$B" -6 route add fd00:77::/64 dev "$ifb"
wait_for "the tunnel" 50 ip netns exec "$A" ping -c 1 -W 1 10.77.0.2

read -r _ mark _ table < <("$EXIT" id 51821)
pretty "" "A's exit routing: mark $mark table $table"

# Echo servers answer "from ADDR:PORT", the source they saw.
bg_run echob "$TEST_TMP/echob.log" ip netns exec "$B" "$EXIT" udp-echo 7000 110
bg_run echoc "$TEST_TMP/echoc.log" ip netns exec "$C" "$EXIT" udp-echo 7000 110
wait_for "echo on B" 30 grep -q '^ready' "$TEST_TMP/echob.log"
wait_for "echo on C" 30 grep -q '^ready' "$TEST_TMP/echoc.log"

# ask [mark M] ADDR: what the echo at ADDR:7000 saw, or "" after 3 s.
ask() { ip netns exec "$A" "$EXIT" udp-ask "$@" 7000 3 2>/dev/null || true; }
expect_ask() {
	local want=$1 got
	shift
	got=$(ask "$@")
	pretty "$A" "udp-ask $*: ${got:-(no answer)}"
	[[ $got == "from $want:"* ]] || fail "udp-ask $* should be seen from $want, got '${got:-no answer}'"
}
# pings_fail ADDR...: two tries each, none answered.
pings_fail() {
	local a
	for a in "$@"; do
		! ip netns exec "$A" ping -c 2 -i 0.3 -W 1 "$a" >/dev/null 2>&1 || return 1
	done
}
rx_from_a() {
	ip netns exec "$B" "$BACKEND" show "$ifb" | sed -n "s|^peer $puba .* rx \([0-9]*\) .*|\1|p"
}
# has PATTERN CMD...: CMD's output matches the basic regex PATTERN (not
# extended: keys hold "+"). Read whole first: under pipefail, grep -q
# quitting early would fail the writer with SIGPIPE.
has() {
	local pattern=$1 out
	shift
	out=$("$@") || return 1
	grep -q -- "$pattern" <<<"$out"
}
# leftovers NS: every tagged rule and route, and our nft tables.
leftovers() {
	ip -n "$1" -4 rule show | grep -E ' proto (87|0x57)( |$)' || true
	ip -n "$1" -6 rule show | grep -E ' proto (87|0x57)( |$)' || true
	ip -n "$1" -4 route show table all proto 0x57 || true
	ip -n "$1" -6 route show table all proto 0x57 || true
	ip netns exec "$1" nft list tables | grep wgnm_ || true
}

# --- before: no way from A to C ------------------------------------------------

pings_fail 198.18.0.1 || fail "A reaches C without an exit node"
[ -z "$(ask 198.18.0.1)" ] || fail "C answers A without an exit node"

# --- B masquerades, A uses B as exit node ----------------------------------------

bg_run holdb "$TEST_TMP/holdb.log" ip netns exec "$B" "$EXIT" hold masq "$ifb" 10.77.0.0/24,fd00:77::/64
wait_for "masquerade on B" 30 grep -q '^ready' "$TEST_TMP/holdb.log"
has 'masquerade' n "$B" nft list table inet "wgnm_$ifb" || fail "no masquerade rule on B"
# The fwmark first: from here on the device's own packets carry it.
n "$A" "$BACKEND" fwmark "$ifa" "$mark"
has " fwmark $mark " n "$A" "$BACKEND" show "$ifa" || fail "the device does not report fwmark $mark"
bg_run holda "$TEST_TMP/holda.log" ip netns exec "$A" "$EXIT" hold exit "$ifa" 51821 46
wait_for "exit routing on A" 30 grep -q '^ready' "$TEST_TMP/holda.log"
rules=$(ip -n "$A" rule show)
pretty "$A" "ip rule: $(tr '\n' ';' <<<"$rules")"
grep -Eq "^32764:.*not from all fwmark $mark lookup main suppress_prefixlength 0 proto (87|0x57)" <<<"$rules" ||
	fail "no suppress rule"
grep -Eq "^32765:.*not from all fwmark $mark lookup $table proto (87|0x57)" <<<"$rules" || fail "no mark rule"
has "not from all fwmark $mark lookup $table" ip -n "$A" -6 rule show || fail "no IPv6 mark rule"
has "^default dev $ifa proto 87" ip -n "$A" route show table "$table" || fail "no default route in table $table"
has "^default dev $ifa proto 87" ip -n "$A" -6 route show table "$table" || fail "no IPv6 default route"
[ "$(ip netns exec "$A" sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1 ] || fail "src_valid_mark not set"

# --- it works, through WireGuard --------------------------------------------------

rx0=$(rx_from_a)
wait_for "A pings C through B" 50 ip netns exec "$A" ping -c 1 -W 1 198.18.0.1
n "$A" ping -c 5 -i 0.2 -s 1000 -W 1 198.18.0.1 >/dev/null
rx1=$(rx_from_a)
pretty "$B" "received from A: $rx0 -> $rx1 bytes"
[ "$rx1" -ge $((rx0 + 5 * 1000)) ] || fail "the pings did not cross WireGuard ($rx0 -> $rx1 bytes)"
wait_for "A pings C over IPv6" 50 ip netns exec "$A" ping -6 -c 1 -W 1 2001:db8:18::1
expect_ask 198.18.0.2 198.18.0.1        # C saw B's address: masqueraded
# Unmarked traffic to B's public address takes the tunnel, so the next
# two checks can fail: the LAN and the marked socket keep the main table.
expect_ask 10.77.0.1 203.0.113.2
expect_ask 192.0.2.1 192.0.2.254
expect_ask 192.0.2.1 mark "$mark" 203.0.113.2
# A's WireGuard packets still leave by the underlay: B sees A there.
has "^peer $puba endpoint 192.0.2.1:51821 " n "$B" "$BACKEND" show "$ifb" ||
	fail "B does not see A's WireGuard at 192.0.2.1:51821"
has " dev $va " ip -n "$A" route get 203.0.113.2 mark "$mark" || fail "marked packets leave the main table"
has " dev $ifa table $table " ip -n "$A" route get 203.0.113.2 || fail "unmarked packets miss the exit table"

# --- each piece is needed ------------------------------------------------------------

# No suppress rule: the LAN goes into the tunnel. Installing again mends it.
pp ip -n "$A" rule del pref 32764
expect_ask 10.77.0.1 192.0.2.254
n "$A" "$EXIT" exit "$ifa" 51821 4
expect_ask 192.0.2.1 192.0.2.254

# No masquerade: C cannot answer the overlay.
n "$B" "$EXIT" unmasq "$ifb"
pings_fail 198.18.0.1 || fail "C answers without masquerade: the test cannot tell"
n "$B" "$EXIT" masq "$ifb" 10.77.0.0/24,fd00:77::/64
wait_for "C with masquerade back" 50 ip netns exec "$A" ping -c 1 -W 1 198.18.0.1

# --- stop: nothing left ---------------------------------------------------------------

pp kill -TERM "$holda" "$holdb"
wait "$holda" || fail "exit routing holder exited with status $?: $(cat "$TEST_TMP/holda.log")"
wait "$holdb" || fail "masquerade holder exited with status $?: $(cat "$TEST_TMP/holdb.log")"
left=$(leftovers "$A"; leftovers "$B")
[ -z "$left" ] || fail "left after stop: $left"
pings_fail 198.18.0.1 || fail "A still reaches C after stop"
n "$A" ping -c 3 -i 0.3 -W 2 10.77.0.2 >/dev/null || fail "the tunnel broke after stop"

# --- crash: the next start's flush takes everything -----------------------------------

bg_run holdb "$TEST_TMP/holdb2.log" ip netns exec "$B" "$EXIT" hold masq "$ifb" 10.77.0.0/24,fd00:77::/64
bg_run holda "$TEST_TMP/holda2.log" ip netns exec "$A" "$EXIT" hold exit "$ifa" 51821 46
wait_for "masquerade on B again" 30 grep -q '^ready' "$TEST_TMP/holdb2.log"
wait_for "exit routing on A again" 30 grep -q '^ready' "$TEST_TMP/holda2.log"
pp kill -KILL "$holda" "$holdb"
wait "$holda" 2>/dev/null || true
wait "$holdb" 2>/dev/null || true
[ "$(leftovers "$A" | wc -l)" -eq 6 ] || fail "a crash should leave 4 rules and 2 routes: $(leftovers "$A")"
[ -n "$(leftovers "$B")" ] || fail "a crash should leave the nft table"
flushed=$(n "$A" "$EXIT" flush 51821)
[ "$flushed" = "flushed 6" ] || fail "flush on A said: $flushed"
flushed=$(n "$B" "$EXIT" flush 51822 "$ifb")
[ "$flushed" = "flushed 0" ] || fail "flush on B said: $flushed"
left=$(leftovers "$A"; leftovers "$B")
[ -z "$left" ] || fail "left after the flush: $left"
n "$A" ping -c 3 -i 0.3 -W 2 10.77.0.2 >/dev/null || fail "the tunnel broke after the flush"

# --- without the fwmark the tunnel breaks ------------------------------------------
# Last, as it leaves the tunnel in a mess: the looping packets reach B
# inside the tunnel, and each side may take the other's overlay address
# for its endpoint for a while.

n "$A" "$EXIT" exit "$ifa" 51821 4
n "$A" ping -c 3 -i 0.3 -W 2 10.77.0.2 >/dev/null || fail "the tunnel does not work with the fwmark"
n "$A" "$BACKEND" fwmark "$ifa" 0
pings_fail 10.77.0.2 || fail "the tunnel works without the fwmark: the test cannot tell"
n "$A" "$EXIT" unexit 51821 4
left=$(leftovers "$A")
[ -z "$left" ] || fail "left after unexit: $left"
for pid in "$upa" "$upb" "$echob" "$echoc"; do
	pid_alive "$pid" || fail "a helper (pid $pid) died on the way: see the logs above"
done
pretty "" "exit edge: all checks passed"
