#!/bin/bash
# The operator's view of a live mesh: `status`, `status --json`, `metrics`
# on three real daemons in a line, where alice reaches carol only via bob.
# Also: the control socket's permissions, a second daemon for the same
# interface refused before it touches anything, the socket removed on exit.
#
#   ns A (alice) 198.51.100.1 --- 198.51.100.2 ns B (bob, static) 203.0.113.2 --- 203.0.113.3 ns C (carol)
#
# carol reaches bob's static endpoint 198.51.100.2 by a host route through
# bob; alice and carol have no underlay route to each other.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root
need_tool python3

ns_new A a
ns_new B b
ns_new C c
veth "$A" 198.51.100.1/24 "$B" 198.51.100.2/24
veth "$B" 203.0.113.2/24 "$C" 203.0.113.3/24
n "$C" ip route add 198.51.100.2/32 via 203.0.113.2
IFA=$(ifname_for sa)
IFB=$(ifname_for sb)
IFC=$(ifname_for sc)
RUNA=$TEST_TMP/run-a
write_net_yaml "$TEST_TMP/net.yaml" "198.51.100.2:50002 50502 10.1.1.2"

start_node PB "$B" bob 10.1.1.2 "$IFB" --run-dir "$TEST_TMP/run-b"
start_node PA "$A" alice 10.1.1.1 "$IFA" --run-dir "$RUNA"
start_node PC "$C" carol 10.1.1.3 "$IFC" --run-dir "$TEST_TMP/run-c"

st() { ip netns exec "$A" "$DAEMON" status -i "$IFA" --run-dir "$RUNA" "$@"; }

# python3 reads the JSON (so it is valid) and answers one question.
json_q() {
	st --json | IFA=$IFA python3 -c "import json, os, sys; d = json.load(sys.stdin); $1"
}
converged() {
	json_q '
n = {x["name"]: x for x in d["nodes"]}
assert d["summary"] == {"known": 3, "reachable": 3, "direct": 1}, d["summary"]
assert n["alice"]["path"] == "self"
assert n["bob"]["path"] == "lan" and n["bob"]["adjacent"]  # one subnet with alice
assert n["carol"]["path"] == "gateway" and n["carol"]["via_name"] == "bob"
'
}
# Bounded by time (45 s): the first flood usually takes a second, a lost
# one waits for the periodic digest (30 s).
deadline=$(($(date +%s) + 45))
while ! converged >/dev/null 2>&1 && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
converged >/dev/null 2>&1 || { st >&2 || true; fail "alice does not see bob direct and carol via bob"; }
wait_for "alice -> carol over the overlay (via bob)" 100 ping_ok "$A" 10.1.1.3
wait_for "alice -> bob over the overlay" 100 ping_ok "$A" 10.1.1.2

# JSON: the documented fields, WireGuard data for the direct peer only.
json_q '
assert d["version"] == 1 and d["interface"] == os.environ["IFA"]
n = {x["name"]: x for x in d["nodes"]}
fields = ["name", "address", "path", "via", "via_name", "endpoint", "last_handshake",
          "last_handshake_age_s", "rx_bytes", "tx_bytes", "rtt_ms", "cost", "path_age_s",
          "path_since", "static", "adjacent", "no_transit", "gone", "claims_refused",
          "public_key", "reason"]
for x in d["nodes"]:
    assert list(x.keys()) == fields, list(x.keys())
b, c = n["bob"], n["carol"]
assert b["address"] == "10.1.1.2" and b["static"]
assert b["endpoint"] == "198.51.100.2:50002", b["endpoint"]
assert b["last_handshake"] is not None and b["rx_bytes"] > 0 and b["tx_bytes"] > 0, b
assert b["reason"] is None
# carol may be a WireGuard peer already while a direct path is tried
assert c["reason"].startswith("no direct path: reachable via bob"), c["reason"]
assert len(b["public_key"]) == 44
for k in ("short", "open-failed", "replay", "unconfirmed"):
    assert k in d["drops"]
assert d["packets"]["rx"]["hello"] + d["packets"]["rx"]["hello_reply"] > 0 and d["packets"]["tx"]["hello"] > 0, d["packets"]
assert d["spf_runs"] > 0 and d["route_changes"] >= 2, (d["spf_runs"], d["route_changes"])
assert d["claims_refused"] == 0 and d["takeovers"] == 0, d
assert b["gone"] is None and b["claims_refused"] == 0
' || fail "status --json is not what it should be"
pp st --json >/dev/null

# Text: one row per node, the reason for carol, the drop line.
out=$(st)
printf '%s\n' "$out"
grep -q "^interface $IFA, node alice 10.1.1.1, backend [a-z]*, up .*; 3 nodes, 3 reachable, 1 direct$" <<<"$out" ||
	fail "status: header"
grep -qE '^bob +10\.1\.1\.2 +LAN +198\.51\.100\.2:50002 +[0-9]+[smhd].* ago ' <<<"$out" ||
	fail "status: bob's row"
grep -qE '^carol +10\.1\.1\.3 +via bob ' <<<"$out" || fail "status: carol's row"
grep -q '^  carol: no direct path: reachable via bob' <<<"$out" || fail "status: carol's reason"
grep -q '^admin port drops: ' <<<"$out" || fail "status: drops line"

# Without -i: the only daemon with a socket in the run dir.
ip netns exec "$A" "$DAEMON" status --run-dir "$RUNA" | grep -q "^interface $IFA," ||
	fail "status without -i"
# carol's own view: bob direct, alice via bob.
ip netns exec "$C" "$DAEMON" status -i "$IFC" --run-dir "$TEST_TMP/run-c" |
	grep -qE '^alice +10\.1\.1\.1 +via bob ' || fail "carol's status"

# Metrics: exposition syntax, then the values.
m=$(ip netns exec "$A" "$DAEMON" metrics -i "$IFA" --run-dir "$RUNA")
bad=$(grep -vE '^(# (HELP|TYPE) wgnm_[a-z_]+ .+|wgnm_[a-z_]+\{([a-z_]+="[^"]*",?)+\} [0-9.e+-]+)$' <<<"$m" || true)
[ -z "$bad" ] || fail "metrics: malformed lines: $bad"
metric() { grep -F "$1" <<<"$m" | awk '{print $NF}'; }
[ "$(metric "wgnm_nodes_known{interface=\"$IFA\"}")" = 3 ] || fail "metrics: nodes_known"
[ "$(metric "wgnm_nodes_reachable{interface=\"$IFA\"}")" = 3 ] || fail "metrics: nodes_reachable"
[ "$(metric "wgnm_direct_peers{interface=\"$IFA\"}")" = 1 ] || fail "metrics: direct_peers"
[ "$(($(metric "wgnm_packets_total{interface=\"$IFA\",direction=\"rx\",type=\"hello_reply\"}") + $(metric "wgnm_packets_total{interface=\"$IFA\",direction=\"rx\",type=\"hello\"}")))" -gt 0 ] ||
	fail "metrics: hellos received"
[ "$(metric "wgnm_spf_runs_total{interface=\"$IFA\"}")" -gt 0 ] || fail "metrics: spf runs"
grep -q "^wgnm_node_path{interface=\"$IFA\",node=\"carol\",address=\"10.1.1.3\",path=\"gateway\"} 1$" <<<"$m" ||
	fail "metrics: carol's path"
grep -q "^wgnm_peer_rx_bytes_total{interface=\"$IFA\",node=\"bob\"" <<<"$m" || fail "metrics: bob's rx"
grep -q '^wgnm_drops_total{.*reason="replay"} ' <<<"$m" || fail "metrics: drops"
grep -q "^wgnm_uptime_seconds{interface=\"$IFA\"} " <<<"$m" || fail "metrics: uptime"

# The socket is the owner's only.
[ "$(stat -c %a "$RUNA")" = 700 ] || fail "run dir mode $(stat -c %a "$RUNA")"
[ "$(stat -c %a "$RUNA/$IFA.sock")" = 600 ] || fail "socket mode"

# A second daemon for alice's interface stops at the socket, leaving alice be.
if ip netns exec "$A" "$DAEMON" -c "$TEST_TMP/net.yaml" -i "$IFA" -a 10.1.1.1 -n alice2 \
	-u 50601 -w 50101 --run-dir "$RUNA" >"$TEST_TMP/second.out" 2>&1; then
	fail "a second daemon for $IFA started"
fi
grep -q "another wg_netmanager serves $IFA" "$TEST_TMP/second.out" || fail "second daemon: no reason given"
ip -n "$A" link show "$IFA" >/dev/null || fail "the second daemon removed alice's interface"
wait_for "alice still reaches carol" 50 ping_ok "$A" 10.1.1.3

# Leaving removes the socket; status then says no daemon serves it.
pp kill -TERM "$PA"
wait "$PA" || fail "alice exited with status $?"
[ -e "$RUNA/$IFA.sock" ] && fail "alice's socket is still there"
if st >/dev/null 2>"$TEST_TMP/st.err"; then fail "status of a stopped daemon succeeded"; fi
grep -q "no daemon" "$TEST_TMP/st.err" || fail "status of a stopped daemon: $(cat "$TEST_TMP/st.err")"
echo ok
