#!/bin/bash
# The WireGuard and rtnetlink backends, driven through tool_wgnm_backend,
# between two namespaces:
#
#   $ns1                                         $ns2
#   $if1 10.99.0.1/24 fd00:99::1/64              $if2 10.99.0.2/24 fd00:99::2/64
#     | (WireGuard, port 51821)                    | (port 51822)
#   veth1 192.0.2.1/24 ------------------------- veth2 192.0.2.2/24
#
# Checks: the interface is created (kernel module, or wireguard-go when
# the kernel has none), keys/ports/peers are set, both overlays ping,
# get-device shows endpoint, handshake and byte counts, routes carry
# protocol 87 and go away with the flush, an address added is reported as
# an event, and teardown leaves no interface, process or socket. A killed
# tool takes its userspace child along (PDEATHSIG).
#
# WG_BACKEND=kernel on a kernel without the wireguard module: skipped,
# since there is nothing to test (the tool itself fails with a message
# naming what to install).
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
need_tool wg
TOOL=${WGNM_TOOLDIR:?WGNM_TOOLDIR must point at build/tests}/tool_wgnm_backend
[ -x "$TOOL" ] || fail "$TOOL not built"
backend=${WG_BACKEND:-auto}
export WG_BACKEND=$backend

# Set by ns_new / bg_run through printf -v.
ns1='' ns2='' up1='' up2='' watch=''
ns_new ns1 b1
ns_new ns2 b2
if1=$(ifname_for b1)
if2=$(ifname_for b2)

case $backend in
kernel)
	kernel_wg_available "$ns1" ||
		skip "WG_BACKEND=kernel, but this kernel has no wireguard module (modprobe wireguard)"
	;;
userspace) need_tool wireguard-go ;;
auto) kernel_wg_available "$ns1" || need_tool wireguard-go ;;
*) fail "WG_BACKEND=$backend: want auto, kernel or userspace" ;;
esac

pp ip link add veth1 netns "$ns1" type veth peer name veth2 netns "$ns2"
pp ip -n "$ns1" addr add 192.0.2.1/24 dev veth1
pp ip -n "$ns2" addr add 192.0.2.2/24 dev veth2
pp ip -n "$ns1" link set veth1 up
pp ip -n "$ns2" link set veth2 up

umask 077
wg genkey >"$TEST_TMP/k1"
wg genkey >"$TEST_TMP/k2"
pub1=$(wg pubkey <"$TEST_TMP/k1")
pub2=$(wg pubkey <"$TEST_TMP/k2")

bg_run up1 "$TEST_TMP/up1.log" ip netns exec "$ns1" "$TOOL" up "$if1" 10.99.0.1/24 "$TEST_TMP/k1" 51821 fd00:99::1/64
bg_run up2 "$TEST_TMP/up2.log" ip netns exec "$ns2" "$TOOL" up "$if2" 10.99.0.2/24 "$TEST_TMP/k2" 51822 fd00:99::2/64
wait_for "$if1 ready" 60 grep -q '^ready' "$TEST_TMP/up1.log"
wait_for "$if2 ready" 60 grep -q '^ready' "$TEST_TMP/up2.log"
ready1=$(grep '^ready' "$TEST_TMP/up1.log")
ready2=$(grep '^ready' "$TEST_TMP/up2.log")
pretty "" "$ready1"
child1=$(sed -n 's/.* pid=\([0-9]*\).*/\1/p' <<<"$ready1")
child2=$(sed -n 's/.* pid=\([0-9]*\).*/\1/p' <<<"$ready2")
[ "$child1" != 0 ] && track_pid "$child1"
[ "$child2" != 0 ] && track_pid "$child2"
used=$(sed -n 's/.*backend=\([a-z]*\).*/\1/p' <<<"$ready1")
case $backend in
auto) ;;
*) [ "$used" = "$backend" ] || fail "asked for $backend, got $used" ;;
esac
if [ "$used" = userspace ]; then
	[ -S "/var/run/wireguard/$if1.sock" ] || fail "no UAPI socket for $if1"
	[ "$child1" != 0 ] || fail "userspace backend without a child pid"
fi

n "$ns1" "$TOOL" peer "$if1" "$pub2" endpoint 192.0.2.2:51822 allowed-ips 10.99.0.2/32,fd00:99::2/128
n "$ns2" "$TOOL" peer "$if2" "$pub1" endpoint 192.0.2.1:51821 allowed-ips 10.99.0.1/32,fd00:99::1/128 keepalive 25

# The addresses carry no prefix route: the overlay is reachable only
# through the routes the backend installs.
[ -z "$(ip -n "$ns1" route show dev "$if1")" ] || fail "a prefix route leaked onto $if1"
n "$ns1" "$TOOL" route-add "$if1" 10.99.0.2/32
n "$ns1" "$TOOL" route-add "$if1" fd00:99::2/128
n "$ns2" "$TOOL" route-add "$if2" 10.99.0.0/24
n "$ns2" "$TOOL" route-add "$if2" fd00:99::/64

wait_for "ping over the overlay" 30 ip netns exec "$ns1" ping -c 1 -W 1 10.99.0.2
n "$ns1" ping -c 3 -i 0.2 -W 1 10.99.0.2 >/dev/null
n "$ns2" ping -6 -c 2 -i 0.2 -W 1 fd00:99::1 >/dev/null

show=$(n "$ns1" "$TOOL" show "$if1")
printf '%s\n' "$show" >&3
peer=$(grep "^peer $pub2 " <<<"$show") || fail "get-device does not list the peer"
grep -q " endpoint 192.0.2.2:51822 " <<<"$peer" || fail "wrong endpoint"
grep -q " allowed 10.99.0.2/32,fd00:99::2/128$" <<<"$peer" || fail "wrong allowed IPs"
hs=$(sed -n 's/.* handshake \([0-9]*\) .*/\1/p' <<<"$peer")
rx=$(sed -n 's/.* rx \([0-9]*\) .*/\1/p' <<<"$peer")
tx=$(sed -n 's/.* tx \([0-9]*\) .*/\1/p' <<<"$peer")
[ "$hs" -gt 0 ] || fail "no handshake recorded"
if [ "$rx" -eq 0 ] || [ "$tx" -eq 0 ]; then fail "no bytes counted (rx $rx tx $tx)"; fi
grep -q "listen_port 51821 public_key $pub1$" <<<"$show" || fail "device key or port wrong"
n "$ns2" "$TOOL" show "$if2" | grep -q " keepalive 25 " || fail "keepalive not set"

# Routes carry the private protocol tag (0x57 = 87) and only ours go.
pp ip -n "$ns1" route add 198.18.0.0/24 dev "$if1"
routes=$(ip -n "$ns1" route show proto 87)
pretty "$ns1" "ip route show proto 87: $routes"
grep -q "^10.99.0.2 dev $if1" <<<"$routes" || fail "tagged IPv4 route missing"
ip -n "$ns1" -6 route show proto 87 | grep -q "^fd00:99::2 dev $if1" || fail "tagged IPv6 route missing"
flushed=$(n "$ns1" "$TOOL" flush-routes)
[ "$flushed" = "flushed 2" ] || fail "flush said: $flushed"
[ -z "$(ip -n "$ns1" route show proto 87; ip -n "$ns1" -6 route show proto 87)" ] || fail "tagged routes left"
ip -n "$ns1" route show | grep -q "^198.18.0.0/24 dev $if1" || fail "flush removed a route that was not ours"
flushed=$(n "$ns2" "$TOOL" flush-routes "$if2")
[ "$flushed" = "flushed 2" ] || fail "per-interface flush said: $flushed"

# Address events: the watcher says "ready" once subscribed.
bg_run watch "$TEST_TMP/watch.log" ip netns exec "$ns1" "$TOOL" watch-addrs 10 1
wait_for "event socket" 30 grep -q '^ready' "$TEST_TMP/watch.log"
pp ip -n "$ns1" addr add 198.51.100.7/32 dev veth1
wait_gone "$watch" 100
wait "$watch" || fail "no address event within 10 s: $(cat "$TEST_TMP/watch.log")"
veth1_idx=$(ip -n "$ns1" -o link show veth1 | cut -d: -f1)
grep -q "^add $veth1_idx 198.51.100.7/32$" "$TEST_TMP/watch.log" || fail "wrong event: $(cat "$TEST_TMP/watch.log")"
n "$ns1" "$TOOL" addrs "$if1" | grep -q "^addr $veth1_idx 198.51.100.7/32$" || fail "address dump misses it"
n "$ns1" "$TOOL" addrs "$if1" | grep -q " 10.99.0.1/" && fail "address dump did not skip $if1"

# Orderly teardown of node 1: SIGTERM, clean exit, nothing left.
pp kill -TERM "$up1"
wait_gone "$up1" 50
wait "$up1" || fail "tool exited with status $? on SIGTERM: $(cat "$TEST_TMP/up1.log")"
ip -n "$ns1" link show "$if1" >/dev/null 2>&1 && fail "$if1 still exists"
[ "$child1" = 0 ] || ! pid_alive "$child1" || fail "userspace WireGuard $child1 still runs"
[ -e "/var/run/wireguard/$if1.sock" ] && fail "UAPI socket of $if1 left behind"

# Node 2 crashes: a userspace child must not outlive it.
pp kill -KILL "$up2"
wait "$up2" 2>/dev/null || true
if [ "$child2" != 0 ]; then
	wait_gone "$child2" 50
	wait_for "$if2 gone with its child" 30 bash -c "! ip -n $ns2 link show $if2"
	[ -e "/var/run/wireguard/$if2.sock" ] && fail "UAPI socket of $if2 left behind"
else
	# A kernel link outlives the crash; the next start cleans it up.
	pp ip -n "$ns2" link del "$if2"
fi
pretty "" "backend $used: all checks passed"
