#!/bin/bash
# The diagnostics an operator reaches for, on the README network
# (topo-readme.sh), checked against what the topology is:
#
#   ping      charlie -> delta over the LAN, -> alpha directly through both
#             NATs, -> beta (a neighbour: the admin port's round trip too);
#             a node nobody knows, and one that left: exit 1
#   netcheck  alpha behind a cone NAT that keeps its port, beta with no NAT;
#             then, in a second run of this script with its own namespaces
#             (WGNM_DIAG_PHASE=random), alpha behind a port-randomising NAT
#             (ALPHA_NAT=fully-random): a randomising NAT, and ping says why
#             alpha's traffic goes via beta
#   status --edges (text and JSON): the 12 directed edges of the graph,
#             each of its kind, all claimed from both ends
#   eve       on the internet with another sharedKey, listing beta: beta
#             says once that eve's datagrams are sealed with another key,
#             eve that beta does not answer, and its status shows the silent
#             static peer with "no answer since"
#   top       at 80x24 through tmux: the title fits, the sort column is
#             marked, log lines carry their time, ? shows the keys
#
#   eve 203.0.113.9 --+-- beta 203.0.113.2, afw 203.0.113.3 (alpha), home 203.0.113.4
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$(dirname "$0")/topo-readme.sh"
require_root
need_tool nft
need_tool python3
need_tool tmux

TMUX_SOCK="wgnm-diag-$$"
tm() { tmux -L "$TMUX_SOCK" "$@"; }
# (set +e first: under -e, "(exit 1)" would end the trap before the cleanup)
diag_exit() {
	local st=$?
	set +e
	tm kill-server 2>/dev/null
	(exit "$st")
	exit_with_logs
}
trap diag_exit EXIT

# wgnm NODE ARGS...: a client command against NODE's daemon (alpha, beta, ...)
wgnm() {
	local node=$1 ns_var if_var
	shift
	ns_var="NS_${node^^}"
	case $node in
	alpha) if_var=IF_A ;; beta) if_var=IF_B ;; charlie) if_var=IF_C ;;
	delta) if_var=IF_D ;; eve) if_var=IF_E ;;
	esac
	ip netns exec "${!ns_var}" "$DAEMON" "$1" -i "${!if_var}" "${@:2}"
}
# json_q NODE 'python' ARGS...: the JSON of `wgnm NODE ARGS...` as d, and a question.
json_q() {
	local node=$1 code=$2
	shift 2
	wgnm "$node" "$@" | python3 -c "import json, sys; d = json.load(sys.stdin); $code"
}

# alpha's NAT randomises: beta sees other ports than alpha's own
randomised() {
	json_q alpha '
n = d["nat"]
assert n["verdict"] == "randomises" and n["reports"] == 1 and n["ports"][0] != 50001, n
b = {x["name"]: x for x in d["neighbours"]}["beta"]
assert not b["admin_endpoint"].endswith(":50501"), b
' netcheck --json
}

if [ "${WGNM_DIAG_PHASE:-}" = random ]; then
	# ---- alpha behind a port-randomising NAT (ALPHA_NAT=fully-random) ----
	topo_readme_up
	readme_start
	wait_for "alpha -> charlie (via beta)" 150 ping_ok "$NS_ALPHA" 10.1.1.21
	wait_for "alpha's netcheck: a randomising NAT" 100 randomised
	out=$(wgnm alpha netcheck)
	printf '%s\n' "$out"
	grep -qE '^NAT: randomises the port: the one neighbour outside our LANs sees 203\.0\.113\.3:[0-9]+, not our port 50001' <<<"$out" ||
		fail "alpha's netcheck text"
	out=$(wgnm alpha ping -c 1 charlie) || fail "ping charlie from alpha failed: $out"
	printf '%s\n' "$out"
	grep -qx 'charlie 10.1.1.21: via beta' <<<"$out" || fail "ping charlie from alpha: via beta"
	grep -q '^  why: no direct path: reachable via beta' <<<"$out" || fail "ping charlie from alpha: why"
	echo ok
	exit 0
fi
unset ALPHA_NAT # the first run: a cone NAT

topo_readme_up
# eve, on the internet bridge, with a key of its own
ns_new NS_EVE eve
link "$NS_INET" pe "$NS_EVE" eth0
ip -n "$NS_INET" link set pe master br0
inet_addr "$NS_EVE" eth0 203.0.113.9
readme_start
IF_E=$(ifname_for eve)
sed "s|sharedKey: .*|sharedKey: $("$DAEMON" genkey)|" "$TEST_TMP/net.yaml" >"$TEST_TMP/eve.yaml"
chmod 600 "$TEST_TMP/eve.yaml"
bg_run P_EVE "$TEST_TMP/eve.log" ip netns exec "$NS_EVE" "$DAEMON" -c "$TEST_TMP/eve.yaml" \
	-i "$IF_E" -a 10.1.1.9 -n eve -v -l "$TEST_TMP/eve.tlog"

mapfile -t nodes < <(topo_readme_nodes)
all_pairs_ping 150 "${nodes[@]}"
paths_found() {
	json_q charlie '
n = {x["name"]: x["path"] for x in d["nodes"]}
assert n == {"charlie": "self", "alpha": "nat", "beta": "direct", "delta": "lan"}, n' status --json
}
wait_for "charlie: delta over the LAN, alpha through NAT" 300 paths_found

# ---- ping ----
out=$(wgnm charlie ping -c 2 delta) || fail "ping delta failed: $out"
printf '%s\n' "$out"
grep -qx 'delta 10.1.1.22: LAN at 198.51.100.22:50022' <<<"$out" || fail "ping delta: path"
grep -q '^  admin port: not a neighbour' <<<"$out" || fail "ping delta: admin port"
grep -qE '^  overlay: reply from 10\.1\.1\.22: seq 2, [0-9]+\.[0-9]{2} ms$' <<<"$out" ||
	fail "ping delta: replies"
grep -qE '^delta answered 2 of 2 overlay pings: round trip min ' <<<"$out" || fail "ping delta: summary"
out=$(wgnm charlie ping -c 2 alpha) || fail "ping alpha failed: $out"
printf '%s\n' "$out"
grep -qx 'alpha 10.1.1.1: direct (NAT) at 203.0.113.3:50001' <<<"$out" || fail "ping alpha: path"
out=$(wgnm charlie ping -c 1 10.1.1.2) || fail "ping 10.1.1.2 failed: $out"
printf '%s\n' "$out"
grep -qx 'beta 10.1.1.2: direct at 203.0.113.2:50002' <<<"$out" || fail "ping beta: path"
grep -qE '^  admin port: a neighbour, round trip (<1|[0-9]+) ms$' <<<"$out" ||
	fail "ping beta: the admin port's round trip"
if out=$(wgnm charlie ping -c 1 delt 2>&1); then fail "ping of an unknown node succeeded"; fi
[[ $out == *"no node 'delt' in the network (did you mean delta?)"* ]] || fail "ping delt: $out"
if wgnm charlie ping -c 1 10.1.1.9 >/dev/null 2>&1; then fail "ping of eve (not in the mesh) succeeded"; fi

# ---- netcheck ----
json_q alpha '
n = d["nat"]
assert n["verdict"] == "keeps-port" and n["reports"] == 1 and n["ports"] == [50001], n
b = {x["name"]: x for x in d["neighbours"]}["beta"]
assert not b["lan"] and b["wg_endpoint"] == "203.0.113.3:50001", b
assert b["admin_endpoint"] == "203.0.113.3:50501", b
assert d["addresses"] == [{"address": "192.0.2.2", "prefix_len": 24, "family": "ipv4",
                           "scope": "public"}], d["addresses"]
assert d["reflexive"]["endpoint"] == "203.0.113.3:50001" and d["reflexive"]["from"] == "beta"
assert d["ipv4"] == {"address": True, "reached_by": 1}, d["ipv4"]
assert d["ipv6"] == {"address": False, "reached_by": 0}, d["ipv6"]
' netcheck --json || fail "alpha's netcheck"
json_q beta 'assert d["nat"]["verdict"] == "none", d["nat"]' netcheck --json ||
	fail "beta's netcheck: no NAT"
out=$(wgnm charlie netcheck)
printf '%s\n' "$out"
grep -qx 'NAT: keeps the port (endpoint-independent): 1 neighbour outside our LANs sees 203.0.113.4:50021, our port 50021' <<<"$out" ||
	fail "charlie's netcheck: the home router keeps the port"
grep -qE '^beta +10\.1\.1\.2 +remote +203\.0\.113\.4:50021 +203\.0\.113\.4:50521$' <<<"$out" ||
	fail "charlie's netcheck: what beta sees"
grep -q '^IPv6: no: no global or unique-local address' <<<"$out" || fail "charlie's netcheck: IPv6"

# ---- status --edges ----
json_q charlie '
kinds = {("alpha", "beta"): "direct", ("alpha", "charlie"): "nat", ("alpha", "delta"): "nat",
         ("beta", "charlie"): "direct", ("beta", "delta"): "direct", ("charlie", "delta"): "lan"}
want = {}
for (a, b), k in kinds.items():
    want[(a, b)] = want[(b, a)] = k
got = {(e["from"], e["to"]): e for e in d["edges"]}
assert set(got) == set(want), sorted(got)
for key, e in got.items():
    assert e["kind"] == want[key] and e["both"] and e["cost"] >= 1, e
    assert e["no_answer_since"] is None
assert len(d["edges"]) == 12 and len(d["nodes"]) == 4
' status --json --edges || fail "charlie's edges (JSON)"
out=$(wgnm charlie status --edges)
printf '%s\n' "$out"
grep -qx 'edges: 12 claimed in 4 records, 12 by both ends (only those carry routes)' <<<"$out" ||
	fail "status --edges: summary"
grep -qE '^charlie +delta +LAN +1 +both ends$' <<<"$out" || fail "status --edges: charlie-delta"
grep -qE '^alpha +charlie +NAT +[0-9]+ +both ends$' <<<"$out" || fail "status --edges: alpha-charlie"
grep -q '^interface .*4 nodes, 4 reachable, 3 direct$' <<<"$out" || fail "status --edges: the table first"

# ---- a wrong shared key: said plainly on both sides, once ----
wait_for "eve: beta does not answer" 200 grep -q 'static peer 10.1.1.2 (203.0.113.2:50502) does not answer' "$TEST_TMP/eve.tlog"
key_msg='datagrams from 203.0.113.9:50509 are sealed with another key (a different sharedKey?)'
wait_for "beta: eve's datagrams are sealed with another key" 50 grep -qF "$key_msg" "$TEST_TMP/beta.tlog"
grep -F "$key_msg" "$TEST_TMP/beta.tlog"
out=$(wgnm eve status)
printf '%s\n' "$out"
grep -qE '^  static peer 10\.1\.1\.2 at 203\.0\.113\.2:50502: no answer since [0-9:]+ \([0-9]+s\), never heard$' <<<"$out" ||
	fail "eve's status: the silent static peer"
json_q eve '
e = [x for x in d["edges"] if x["kind"] == "silent"]
assert len(e) == 1 and e[0]["to_address"] == "10.1.1.2" and e[0]["from"] == "eve", e
assert e[0]["endpoint"] == "203.0.113.2:50502" and e[0]["no_answer_s"] >= 10, e
assert d["static_peers"][0]["answers"] is False
' status --json --edges || fail "eve's edges: the silent static peer"
wgnm eve status --edges | grep -qE '^eve +10\.1\.1\.2 +silent +- +listed peer at 203\.0\.113\.2:50502, no answer since ' ||
	fail "eve's edge table: the silent static peer"
json_q beta 'assert d["drops"]["open-failed"] > 0 and d["drops_summary"]["suspicious"] > 0, d["drops"]' \
	status --json || fail "beta counts eve's datagrams as suspicious"
wgnm beta status | grep -qE '^admin port drops: .*open-failed [0-9]+' || fail "beta's drop line"

# ---- top at 80x24: title, sort marker, log times, the help ----
screen() { tm capture-pane -p -t "$1"; }
on_screen() { screen "$1" | grep -qE -- "$2"; }
tm new-session -d -s diag -n top -x 80 -y 24 \
	"ip netns exec $NS_CHARLIE $DAEMON top -i $IF_C; echo \$? >$TEST_TMP/top.status"
tm set-option -g remain-on-exit on
wait_for "top shows delta" 100 on_screen diag:top '^delta +10\.1\.1\.22 +LAN '
screen diag:top
fits() { screen diag:top | python3 -c 'import sys; assert max(len(l) for l in sys.stdin.read().splitlines()) <= 80'; }
fits || fail "top: a line wider than 80 columns"
on_screen diag:top '^ wgcharlie[0-9]* +charlie 10\.1\.1\.21 .*nodes 4 .*[0-9]{2}:[0-9]{2}:[0-9]{2}$' ||
	fail "top: the title at 80 columns"
on_screen diag:top '^NAME\* +ADDRESS +PATH ' || fail "top: the sort column is not marked"
on_screen diag:top '\? help' || fail "top: the key line does not mention ?"
wait_for "top: log lines with their time" 50 on_screen diag:top '^[0-9]{2}:[0-9]{2}:[0-9]{2} '
pp tm send-keys -t diag:top s
wait_for "top: the marker moves to ADDRESS" 30 on_screen diag:top '^NAME +ADDRESS\* +PATH '
pp tm send-keys -t diag:top '?'
wait_for "top: the help screen" 30 on_screen diag:top 'Any key closes this help'
on_screen diag:top 's +sort by the next column' || fail "top: the help lists s"
pp tm send-keys -t diag:top x
wait_for "top: the help closes" 30 bash -c "! tmux -L $TMUX_SOCK capture-pane -p -t diag:top | grep -q 'Any key closes'"
pp tm send-keys -t diag:top q
wait_for "top exits" 50 test -s "$TEST_TMP/top.status"
[ "$(cat "$TEST_TMP/top.status")" = 0 ] || fail "top exited with $(cat "$TEST_TMP/top.status")"

# said once: eve has kept calling beta all along
[ "$(grep -cF "$key_msg" "$TEST_TMP/beta.tlog")" = 1 ] || fail "beta said it more than once"
[ "$(grep -c 'does not answer' "$TEST_TMP/eve.tlog")" = 1 ] || fail "eve said it more than once"

# ---- ping of a node that left: exit 1 ----
pp kill -TERM "$P_DELTA"
wait "$P_DELTA" || fail "delta exited with $?"
left() { json_q charlie 'assert {x["name"]: x for x in d["nodes"]}["delta"]["gone"] == "left"' status --json; }
wait_for "charlie sees delta gone" 50 left
if out=$(wgnm charlie ping -c 1 delta); then fail "ping of a node that left succeeded: $out"; fi
printf '%s\n' "$out"
grep -qx 'delta 10.1.1.22: left' <<<"$out" || fail "ping delta: 'left'"
grep -qx 'delta did not answer: 0 of 1 overlay pings' <<<"$out" || fail "ping delta: no answer"

# ---- alpha behind a port-randomising NAT: this script again, with its own
# namespaces, once these daemons are gone ----
stop_daemons
pp env ALPHA_NAT=fully-random WGNM_DIAG_PHASE=random bash "$0" ||
	fail "behind a port-randomising NAT (above)"
echo ok
