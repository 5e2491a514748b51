#!/bin/bash
# Membership (issue 16): the README network with a certificate authority.
# Every node has a certificate from `wg_netmanager ca sign`, its own copy
# of net.yaml (with network.caKey) and its own state directory.
#   (1) everything converges as without a CA;
#   (2) eve holds the shared key but no certificate: refused by all, no
#       node has a WireGuard peer for her;
#   (3) mallory holds a valid certificate for delta's address (the CA
#       signed a second one, for another identity) and starts as delta:
#       refused, and alpha's pings to delta go on without a loss;
#   (5) the shared key is changed with previousSharedKey, node by node, by
#       reload, in three rounds (accept the new key; send with it; drop the
#       old one), while alpha pings delta: at most one ping lost, no
#       neighbour down, every node opened datagrams with its
#       previousSharedKey (the metrics count them), and no datagram
#       anywhere failed to open;
#   (4) `wg_netmanager revoke` at beta: charlie is cut off at alpha and
#       delta within 2 s (no WireGuard peer with its key, none holding its
#       address); the revocation is kept on every node's disk; charlie
#       restarted with its store wiped stays out (beta refuses its hellos),
#       and so does alpha restarted (it reads the revocation it kept).
# The status shows the certificate (text, JSON, metrics) and the refusals.
#
#              eve 203.0.113.7 (no certificate)
#          mallory 203.0.113.8 (delta's address, another identity)
#                  |
#            internet ---- beta ---- [afw] alpha
#                  |
#               [home] -- LAN -- charlie, delta
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool wg

topo_readme_up
ns_new NS_EVE eve
ns_new NS_MAL mallory
link "$NS_INET" pe "$NS_EVE" eth0
link "$NS_INET" pm "$NS_MAL" eth0
ip -n "$NS_INET" link set pe master br0
ip -n "$NS_INET" link set pm master br0
inet_addr "$NS_EVE" eth0 203.0.113.7
inet_addr "$NS_MAL" eth0 203.0.113.8

# the CA, and net.yaml with its public key
CA=$TEST_TMP/ca
pp "$DAEMON" ca init -o "$CA" >"$TEST_TMP/cakey.line"
grep -q '^caKey: ' "$TEST_TMP/cakey.line" || fail "ca init printed no caKey line"
OLD_KEY=$NET_KEY
# net_yaml NAME SHAREDKEY [PREVIOUSKEY]: NAME's own net.yaml, with the CA
net_yaml() {
	sed -e "s|^  sharedKey: .*|  sharedKey: $2|" \
		-e "s|^  subnet: 10.1.1.0/24|&\n  $(cat "$TEST_TMP/cakey.line")${3:+\n  previousSharedKey: $3}|" \
		"$(dirname "$0")/../net.example.yaml" >"$TEST_TMP/$1.net.yaml"
	chmod 600 "$TEST_TMP/$1.net.yaml"
}
# certify NAME IP: NAME's peer.yaml, with a new identity and its certificate
certify() {
	"$DAEMON" ca sign -k "$CA/ca.key" -n "$1" -a "$2" >"$TEST_TMP/$1.peer.yaml" 2>/dev/null
	chmod 600 "$TEST_TMP/$1.peer.yaml"
	grep -q '^certificate: ' "$TEST_TMP/$1.peer.yaml" || fail "ca sign made no certificate for $1"
}
# start_member VAR NS NAME IFNAME LOG: a daemon with its own files and state directory
start_member() {
	bg_run "$1" "$TEST_TMP/$5.log" ip netns exec "$2" "$DAEMON" -c "$TEST_TMP/$3.net.yaml" \
		-p "$TEST_TMP/$3.peer.yaml" -i "$4" --state-dir "$TEST_TMP/state-$3" -v \
		-l "$TEST_TMP/$5.tlog"
}
for node in alpha:10.1.1.1 beta:10.1.1.2 charlie:10.1.1.21 delta:10.1.1.22; do
	net_yaml "${node%%:*}" "$OLD_KEY"
	certify "${node%%:*}" "${node#*:}"
done
IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta)
IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta)
IF_E=$(ifname_for eve) IF_M=$(ifname_for mal)
start_member P_BETA "$NS_BETA" beta "$IF_B" beta
start_member P_ALPHA "$NS_ALPHA" alpha "$IF_A" alpha
start_member P_CHARLIE "$NS_CHARLIE" charlie "$IF_C" charlie
start_member P_DELTA "$NS_DELTA" delta "$IF_D" delta

# metric NAME METRIC: a metric of NAME's daemon (0 when it is not there)
metric() {
	local ns ifn
	IFS=: read -r ns ifn <<<"$(where "$1")"
	ip netns exec "$ns" "$DAEMON" metrics -i "$ifn" 2>/dev/null |
		awk -v m="$2" 'index($0, m "{") == 1 { n += $2 } END { print n + 0 }'
}
where() {
	case $1 in alpha) echo "$NS_ALPHA:$IF_A" ;; beta) echo "$NS_BETA:$IF_B" ;;
	charlie) echo "$NS_CHARLIE:$IF_C" ;; delta) echo "$NS_DELTA:$IF_D" ;; esac
}
# (1) converges as without a CA
mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"
for name in alpha beta charlie delta; do
	grep -q 'member of the network by certificate' "$TEST_TMP/$name.tlog" ||
		fail "$name does not say it runs with its certificate"
done
# the status says so: the certificate in the text, the CA in JSON and metrics
serial=$(sed -n 's/.*member of the network by certificate \([0-9a-f]*\) (alpha).*/\1/p' \
	"$TEST_TMP/alpha.tlog")
n "$NS_ALPHA" "$DAEMON" status -i "$IF_A" >"$TEST_TMP/status1.txt"
grep -q "^membership: certificate $serial, valid until .* (36[45] day(s) left); 0 revocation(s) held" \
	"$TEST_TMP/status1.txt" || fail "alpha's status does not show its certificate: $(cat "$TEST_TMP/status1.txt")"
n "$NS_ALPHA" "$DAEMON" status -i "$IF_A" --json | grep -q "\"membership\": {\"ca\": true, \"serial\": \"$serial\"" ||
	fail "alpha's status --json does not show its certificate"
[ "$(metric alpha wgnm_member_ca)" = 1 ] || fail "alpha's metrics do not show the CA"
echo "(1) the four certified nodes converged"

# refused COUNT: the refusals alpha's, beta's, ... metrics count
refused() {
	ip netns exec "$1" "$DAEMON" metrics -i "$2" 2>/dev/null |
		awk '/^wgnm_drops_total\{.*reason="refused"\}/ { n += $2 } END { print n + 0 }'
}
# no_peer_for NS IFNAME ADDR: IFNAME's WireGuard answers, and no peer of it holds ADDR
no_peer_for() {
	local ips
	ips=$(ip netns exec "$1" wg show "$2" allowed-ips) || fail "no WireGuard device $2 in $1"
	! grep -qF " $3/32" <<<" $ips"
}

# (2) eve: the shared key, no certificate (her net.yaml has no caKey)
install -m 600 "$(dirname "$0")/../net.example.yaml" "$TEST_TMP/eve.net.yaml"
refused_before=$(refused "$NS_BETA" "$IF_B")
bg_run P_EVE "$TEST_TMP/eve.log" ip netns exec "$NS_EVE" "$DAEMON" -c "$TEST_TMP/eve.net.yaml" \
	-i "$IF_E" -a 10.1.1.30 -n eve -v -l "$TEST_TMP/eve.tlog"
wait_for "beta refuses eve's hello" 150 grep -q 'refused a hello without its certificate.* from 10.1.1.30' \
	"$TEST_TMP/beta.tlog"
sleep 3 # a negative check: time for eve to (fail to) get in
K_E=$(wg show "$IF_E" public-key)
ping_ok "$NS_EVE" 10.1.1.2 && fail "eve reaches beta"
for pair in "${nodes[@]}"; do
	ns=${pair%%:*}
	for ifn in "$IF_A" "$IF_B" "$IF_C" "$IF_D"; do
		ip -n "$ns" link show "$ifn" >/dev/null 2>&1 || continue
		no_peer_for "$ns" "$ifn" 10.1.1.30 || fail "$ns has a WireGuard peer for eve"
		! ip netns exec "$ns" wg show "$ifn" peers | grep -qxF "$K_E" ||
			fail "$ns has eve's WireGuard key as a peer"
	done
done
[ "$(refused "$NS_BETA" "$IF_B")" -gt "$refused_before" ] || fail "beta does not count eve's refusals"
[ "$(metric beta wgnm_member_refused_total)" -gt 0 ] || fail "beta's metrics show no refusal by certificate"
pp kill -TERM "$P_EVE"
wait_gone "$P_EVE" 100
echo "(2) eve, without a certificate, was refused"

# (3) mallory: a valid certificate for delta's address, another identity
net_yaml mallory "$OLD_KEY"
"$DAEMON" ca sign -k "$CA/ca.key" -n delta -a 10.1.1.22 >"$TEST_TMP/mallory.peer.yaml" 2>/dev/null
chmod 600 "$TEST_TMP/mallory.peer.yaml"
K_D=$(wg show "$IF_D" public-key)
bg_run P_PING "$TEST_TMP/ping3.out" ip netns exec "$NS_ALPHA" ping -n -i 0.2 -c 60 -W 1 10.1.1.22
start_member P_MAL "$NS_MAL" mallory "$IF_M" mallory
wait_for "beta refuses mallory" 150 grep -q 'another identity holds this address from 10.1.1.22' \
	"$TEST_TMP/beta.tlog"
wait_gone "$P_PING" 200
lost=$(awk '/packets transmitted/ { print $1 - $4 }' "$TEST_TMP/ping3.out")
echo "alpha -> delta while mallory claimed delta's address: ${lost:-?} of 60 pings lost"
[ "${lost:-60}" -le 1 ] || fail "delta lost its traffic to mallory ($lost pings lost)"
holder=$(wg show "$IF_A" allowed-ips | awk '/10\.1\.1\.22\/32/ { print $1 }')
K_B=$(wg show "$IF_B" public-key)
[ "$holder" = "$K_D" ] || [ "$holder" = "$K_B" ] || fail "alpha routes delta's address to $holder"
pp kill -TERM "$P_MAL"
wait_gone "$P_MAL" 100
echo "(3) mallory, certified for delta's address with another identity, was refused"

# (5) a new shared key, node by node, by reload, with pings running
NEW_KEY=$("$DAEMON" genkey)
reloads() { grep -c 'reloaded: ' "$TEST_TMP/$1.tlog" || true; }
reloaded_since() { [ "$(reloads "$1")" -gt "$2" ]; } # NAME COUNT
pidof_node() {
	case $1 in alpha) echo "$P_ALPHA" ;; beta) echo "$P_BETA" ;; charlie) echo "$P_CHARLIE" ;;
	delta) echo "$P_DELTA" ;; esac
}
# opened_with_previous NAME: NAME opened datagrams with its previousSharedKey
opened_with_previous() { [ "$(metric "$1" wgnm_previous_key_opened_total)" -gt 0 ]; }
# reload NAME SHARED [PREVIOUS]: NAME gets the keys and a SIGHUP
reload() {
	local name=$1 before
	shift
	net_yaml "$name" "$@"
	before=$(reloads "$name")
	pp kill -HUP "$(pidof_node "$name")"
	wait_for "$name reloaded" 100 reloaded_since "$name" "$before"
}
# round SHARED [PREVIOUS]: every node in turn, beta (every node's neighbour) first
round() {
	local name
	for name in beta alpha charlie delta; do
		reload "$name" "$@"
	done
}
downs() { cat "$TEST_TMP"/{alpha,beta,charlie,delta}.tlog | grep -c ') is down' || true; }
downs_before=$(downs)
bg_run P_PING "$TEST_TMP/ping5.out" ip netns exec "$NS_ALPHA" ping -n -i 0.2 -w 90 -W 1 10.1.1.22
wait_for "pings flowing" 50 grep -q 'bytes from' "$TEST_TMP/ping5.out"
round "$OLD_KEY" "$NEW_KEY" # accept the new key too, send with the old
# send with the new key, accept the old too. Each node must really have
# used its previousSharedKey: beta to open the others' datagrams (still
# sealed with the old key), each other node, before its turn, to open
# beta's (sealed with the new one).
reload beta "$NEW_KEY" "$OLD_KEY"
wait_for "beta opens old-key datagrams with previousSharedKey" 150 opened_with_previous beta
for name in alpha charlie delta; do
	wait_for "$name opens beta's new-key datagrams with previousSharedKey" 150 \
		opened_with_previous "$name"
	reload "$name" "$NEW_KEY" "$OLD_KEY"
done
round "$NEW_KEY" # the old one is gone
sleep 2 # a negative check: time for a datagram under the old key to show up
pp kill -INT "$P_PING"
wait_gone "$P_PING" 100
lost=$(awk '/packets transmitted/ { print $1 - $4 }' "$TEST_TMP/ping5.out")
sent=$(awk '/packets transmitted/ { print $1 }' "$TEST_TMP/ping5.out")
echo "alpha -> delta across the key change: ${lost:-?} of ${sent:-?} pings lost"
[ "${lost:-99}" -le 1 ] || fail "the key change lost $lost pings"
[ "$(downs)" = "$downs_before" ] || fail "a neighbour went down during the key change"
for name in alpha beta charlie delta; do
	if grep -q 'sealed with another key' "$TEST_TMP/$name.tlog"; then
		fail "$name saw datagrams it could not open: $(grep -m1 'sealed with another key' "$TEST_TMP/$name.tlog")"
	fi
	grep -q 'reload: sharedKey changed' "$TEST_TMP/$name.tlog" || fail "$name did not change keys"
	grep -q 'reload: previousSharedKey removed' "$TEST_TMP/$name.tlog" ||
		fail "$name did not drop the old key"
done
all_pairs_ping 50 "${nodes[@]}"
echo "(5) the shared key changed node by node without a loss"

# (4) revoke charlie at beta: cut off everywhere within 2 s, and for good
REV=$("$DAEMON" ca revoke -k "$CA/ca.key" -n charlie 2>/dev/null)
K_C=$(wg show "$IF_C" public-key)
cut_off() { # NS IFNAME: no peer with charlie's key, none holding its address
	! ip netns exec "$1" wg show "$2" peers | grep -qxF "$K_C" && no_peer_for "$1" "$2" 10.1.1.21
}
t0=$(date +%s%N)
n "$NS_BETA" "$DAEMON" revoke -i "$IF_B" "$REV" | tee "$TEST_TMP/revoke.out"
grep -q '^revoked node charlie: cut off here, spreading to the mesh' "$TEST_TMP/revoke.out" ||
	fail "revoke did not say it was applied"
for pair in "$NS_ALPHA:$IF_A:alpha" "$NS_DELTA:$IF_D:delta"; do
	IFS=: read -r ns ifn name <<<"$pair"
	wait_for "$name cuts charlie off" 100 cut_off "$ns" "$ifn"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$name: charlie cut off $ms ms after the revocation"
	[ "$ms" -le 2000 ] || fail "$name cut charlie off only after $ms ms (want <= 2000)"
done
n "$NS_BETA" "$DAEMON" revoke -i "$IF_B" "$REV" | grep -q '^already known: node charlie' ||
	fail "a second revoke was not 'already known'"
for name in alpha beta delta; do
	ifn=$IF_A
	[ "$name" = beta ] && ifn=$IF_B
	[ "$name" = delta ] && ifn=$IF_D
	wait_for "$name keeps the revocation" 50 test -s "$TEST_TMP/state-$name/$ifn/revoked"
	[ "$(stat -c %a "$TEST_TMP/state-$name/$ifn/revoked")" = 600 ] || fail "$name's revoked is not 0600"
	[ "$(wc -l <"$TEST_TMP/state-$name/$ifn/revoked")" = 1 ] || fail "$name kept it more than once"
done
survivors=("$NS_ALPHA:10.1.1.1" "$NS_BETA:10.1.1.2" "$NS_DELTA:10.1.1.22")
all_pairs_ping 50 "${survivors[@]}"

# charlie restarted, its store wiped (as whoever holds the lost device would): still out
grep -q "this node's certificate is revoked" "$TEST_TMP/charlie.tlog" ||
	fail "charlie was not told of its revocation"
pp kill -TERM "$P_CHARLIE"
wait_gone "$P_CHARLIE" 100
pp rm -rf "$TEST_TMP/state-charlie"
revoked_hellos() { grep -c 'certificate revoked from 10.1.1.21' "$TEST_TMP/beta.tlog" || true; }
before=$(revoked_hellos)
start_member P_CHARLIE "$NS_CHARLIE" charlie "$IF_C" charlie2
refused_since() { [ "$(revoked_hellos)" -gt "$1" ]; }
wait_for "beta refuses charlie's hellos" 150 refused_since "$before"
sleep 3 # a negative check: time for charlie to (fail to) get back in
K_C=$(wg show "$IF_C" public-key)
cut_off "$NS_ALPHA" "$IF_A" || fail "alpha took charlie back after its restart"
cut_off "$NS_DELTA" "$IF_D" || fail "delta took charlie back after its restart"
ping_ok "$NS_CHARLIE" 10.1.1.2 && fail "charlie reaches beta after its restart"

# alpha restarted: it reads the revocation it kept, and charlie stays out
pp kill -TERM "$P_ALPHA"
wait_gone "$P_ALPHA" 100
start_member P_ALPHA "$NS_ALPHA" alpha "$IF_A" alpha2
wait_for "alpha reads its revocation" 100 grep -q '1 revocation(s) read from' "$TEST_TMP/alpha2.tlog"
all_pairs_ping 150 "${survivors[@]}"
sleep 3 # a negative check
cut_off "$NS_ALPHA" "$IF_A" || fail "alpha took charlie back after its own restart"
echo "(4) charlie was revoked at beta and stays out"
echo ok
