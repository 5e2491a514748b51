# shellcheck shell=bash
# Helpers for the mesh tests: real daemons in namespaces. Source after lib.sh.
#
#   write_net_yaml FILE STATIC...   STATIC = "endpoint adminport wgip"
#   start_node VAR NS NAME WGIP IFNAME [ARGS...]   daemon in the background
#   ping_ok NS ADDR                 one ping, 0.5 s deadline
#   all_pairs_ping "NS:IP"...       every ordered pair pings (bounded)

DAEMON=${WGNM_DAEMON:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/wg_netmanager}
[ -x "$DAEMON" ] || skip "daemon not built: $DAEMON"
need_tool wireguard-go
need_tool ping
NET_KEY=8Ls3lTyPqH2oX6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY=

write_net_yaml() {
	local file=$1 s
	shift
	{
		printf 'network:\n  sharedKey: %s\n  subnet: 10.1.1.0/24\npeers:\n' "$NET_KEY"
		for s in "$@"; do
			# shellcheck disable=SC2086
			set -- $s
			printf '  - endPoint: %s\n    adminPort: %s\n    wgIp: %s\n' "$1" "$2" "$3"
		done
	} >"$file"
	chmod 600 "$file"
}

start_node() {
	local var=$1 ns=$2 name=$3 ip=$4 ifname=$5
	shift 5
	bg_run "$var" "$TEST_TMP/$name.log" ip netns exec "$ns" "$DAEMON" \
		-c "$TEST_TMP/net.yaml" -i "$ifname" -a "$ip" -n "$name" -v -l "$TEST_TMP/$name.tlog" "$@"
}

ping_ok() {
	ip netns exec "$1" ping -n -c 1 -W 0.5 "$2" >/dev/null 2>&1
}

# all_pairs_ping TRIES NS:IP...: wait until every ordered pair pings.
all_pairs_ping() {
	local tries=$1 a b t
	shift
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			t=$(date +%s%N)
			wait_for "${a%%:*} -> ${b#*:}" "$tries" ping_ok "${a%%:*}" "${b#*:}"
			[ -n "${PAIR_TIMES:-}" ] && echo "${a%%:*} -> ${b#*:}: $((($(date +%s%N) - t) / 1000000)) ms"
		done
	done
}

# Show the daemons' logs when a test fails: the timestamped log file, then
# whatever else reached stderr (wireguard-go, sanitizers).
dump_logs() {
	local f t
	for f in "$TEST_TMP"/*.log; do
		[ -f "$f" ] || continue
		t=${f%.log}.tlog
		printf -- '--- %s\n' "$(basename "$f")"
		if [ -f "$t" ]; then
			tail -n 60 "$t"
			grep -v '^wg_netmanager: ' "$f" | tail -n 20
		else
			tail -n 60 "$f"
		fi
	done
}

# link NS1 IF1 NS2 IF2: a veth pair with these names inside the namespaces.
link() {
	local tmp1="t$RANDOM$$" tmp2="t$RANDOM$$"
	tmp1=${tmp1:0:15}
	tmp2=${tmp2:0:15}
	ip link add "$tmp1" netns "$1" type veth peer name "$tmp2" netns "$3"
	ip -n "$1" link set "$tmp1" name "$2"
	ip -n "$3" link set "$tmp2" name "$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# veth NS1 ADDR1 NS2 ADDR2: a link between two namespaces (ADDR with /len).
veth() {
	local a="v$RANDOM$$" b="v$RANDOM$$"
	a=${a:0:15}
	b=${b:0:15}
	link "$1" "$a" "$3" "$b"
	ip -n "$1" addr add "$2" dev "$a"
	ip -n "$3" addr add "$4" dev "$b"
}

# Stop our daemons (SIGTERM, bounded wait): a sanitizer build reports at exit.
stop_daemons() {
	local pid i
	for pid in "${TEST_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${TEST_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
	done
}

# A sanitizer report in any daemon's log fails the test.
sanitizer_reports() {
	grep -lE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$TEST_TMP"/*.log 2>/dev/null
}

# On the way out: stop the daemons, fail on sanitizer reports, show the
# logs of a failed test, then clean up with the test's status.
exit_with_logs() {
	local st=$?
	set +e
	stop_daemons
	if [ -n "$(sanitizer_reports)" ]; then
		echo "FAIL: sanitizer reports in: $(sanitizer_reports | xargs -n1 basename)" >&2
		[ "$st" -ne 0 ] || st=1
	fi
	[ "$st" -eq 0 ] || dump_logs
	(exit "$st")
	cleanup
}
trap exit_with_logs EXIT

# peer_holds IFNAME KEY ADDR: does IFNAME's WireGuard peer KEY hold ADDR/32?
peer_holds() {
	wg show "$1" allowed-ips 2>/dev/null | awk -v k="$2" -v a="$3/32" \
		'$1 == k { for (i = 2; i <= NF; i++) if ($i == a) found = 1 } END { exit !found }'
}

# peer_endpoint IFNAME KEY: the endpoint IFNAME's WireGuard has for peer KEY.
peer_endpoint() {
	wg show "$1" endpoints 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# wg_bytes IFNAME KEY: rx + tx bytes of one WireGuard peer.
wg_bytes() {
	wg show "$1" transfer 2>/dev/null | awk -v k="$2" '$1 == k { print $2 + $3 }'
}
