# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, not run): real daemons and
# wireguard-go in network namespaces, reusing netns-tests/lib.sh (namespaces,
# PIDs and the temp dir are recorded and removed on exit, also on failure),
# mesh-lib.sh and topo-readme.sh.
#
#   BENCH_VERBOSE=1   print every state-changing command (as the netns tests do)
#   BENCH_DAEMON_ARGS="-v"  more daemon arguments (e.g. debug logging)
#   BENCH_TLOG=1      each daemon also logs with timestamps to NAME.tlog
#   WGNM_KEEP_LOGS=DIR  keep the logs (netns-tests/lib.sh)
#   WGNM_DAEMON=PATH  the daemon to measure (default build/wg_netmanager);
#                     it is copied first, so a rebuild during a run changes nothing
#
# Every figure goes through `stats`, which prints median, min and max.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=netns-tests/lib.sh
. "$BENCH_ROOT/netns-tests/lib.sh"
[ -n "${BENCH_VERBOSE:-}" ] || pretty() { :; }
require_root

BENCH_SRC_DAEMON=${WGNM_DAEMON:-$BENCH_ROOT/build/wg_netmanager}
[ -x "$BENCH_SRC_DAEMON" ] || skip "daemon not built: $BENCH_SRC_DAEMON (run make)"
cp "$BENCH_SRC_DAEMON" "$TEST_TMP/wg_netmanager"
WGNM_DAEMON=$TEST_TMP/wg_netmanager
# shellcheck source=netns-tests/mesh-lib.sh
. "$BENCH_ROOT/netns-tests/mesh-lib.sh"
# shellcheck source=netns-tests/topo-readme.sh
. "$BENCH_ROOT/netns-tests/topo-readme.sh"
need_tool nft
need_tool wg

now_ns() { date +%s%N; }

# neigh_room ENTRIES: the kernel's ARP table is one table for all network
# namespaces, by default full at 1024 entries (gc_thresh3). N namespaces on
# one bridge that all talk to each other need about N^2 entries: at 50
# nodes the kernel logged "neighbor table overflow" and the last nodes to
# start could not reach the others' underlay addresses (LAN shortcuts
# failed, pings timed out). Raise the limits for the run, restore on exit.
neigh_room() {
	local want=$1 k old
	for k in 1 2 3; do
		old=$(sysctl -n "net.ipv4.neigh.default.gc_thresh$k")
		[ "$old" -ge $((want * k / 3)) ] && continue
		TEST_RESTORE+=("sysctl -qw net.ipv4.neigh.default.gc_thresh$k=$old")
		sysctl -qw "net.ipv4.neigh.default.gc_thresh$k=$((want * k / 3))"
	done
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# The machine and the tree, printed at the top of every script's output.
bench_header() {
	local rev dirty=""
	rev=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$BENCH_ROOT" diff --quiet HEAD -- src 2>/dev/null || dirty=" (src/ has uncommitted changes)"
	echo "== $1"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
	if [ -n "${BENCH_REV:-}" ]; then
		echo "daemon:  $BENCH_REV; sha256 $(sha256sum "$WGNM_DAEMON" | cut -c1-12)"
	else
		echo "daemon:  $BENCH_SRC_DAEMON, tree at $rev$dirty; sha256 $(sha256sum "$WGNM_DAEMON" | cut -c1-12)"
	fi
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
}
bench_footer() { echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at end"; }

# stats NAME UNIT VALUE...: median, min and max of the values.
stats() {
	local name=$1 unit=$2
	shift 2
	printf '%s\n' "$@" | sort -g | awk -v name="$name" -v unit="$unit" '
		function f(x) { return x == int(x) ? sprintf("%d", x) : sprintf("%.2f", x) }
		NF { v[++n] = $1 }
		END {
			if (!n) { printf "%-46s no data\n", name; exit }
			med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			printf "%-46s median %8s  min %8s  max %8s  %s (n=%d)\n",
				name, f(med), f(v[1]), f(v[n]), unit, n
		}'
}

# bench_node VAR NS NAME WGIP IFNAME [ARGS...]: a daemon in the background,
# without -v unless BENCH_DAEMON_ARGS says so; its stdout/stderr in
# $TEST_TMP/NAME.log. VAR gets the daemon's own PID (ip netns exec execs).
bench_node() {
	local var=$1 ns=$2 name=$3 ip=$4 ifname=$5
	shift 5
	# shellcheck disable=SC2086
	bg_run "$var" "$TEST_TMP/$name.log" ip netns exec "$ns" "$DAEMON" \
		-c "$TEST_TMP/net.yaml" -i "$ifname" -a "$ip" -n "$name" ${BENCH_DAEMON_ARGS:-} \
		${BENCH_TLOG:+-l "$TEST_TMP/$name.tlog"} "$@"
}

# wg_pid IFNAME: the wireguard-go serving this interface (our child's child).
wg_pid() { pgrep -f "^wireguard-go -f $1\$" | head -n 1; }

# proc_kb PID FIELD: VmRSS / VmHWM in kB.
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null; }
# shellcheck disable=SC2034 # used by the scripts that source this
CLK_TCK=$(getconf CLK_TCK)

# pairs_ping_ms DEADLINE_S NS:IP...: every ordered pair probed in parallel
# (a ping every 20 ms until the first reply); prints the ms from now until
# the last pair answered its first ping, or fails after DEADLINE_S.
pairs_ping_ms() {
	local deadline=$1 t0 a b i=0 pids=() st=0 max=0 v f
	shift
	t0=$(now_ns)
	rm -f "$TEST_TMP"/pair.*
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			i=$((i + 1))
			probe_pair "${a%%:*}" "${b#*:}" "$deadline" "$TEST_TMP/pair.$i" &
			pids+=("$!")
		done
	done
	for v in "${pids[@]}"; do wait "$v" || st=1; done
	[ "$st" -eq 0 ] || return 1
	for f in "$TEST_TMP"/pair.*; do
		v=$((($(cat "$f") - t0) / 1000000))
		[ "$v" -gt "$max" ] && max=$v
	done
	echo "$max"
}
# probe_pair NS ADDR DEADLINE_S FILE: the time of the first reply into FILE.
probe_pair() {
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do
		if ip netns exec "$1" ping -n -q -c 1 -i 0.02 -w 1 "$2" >/dev/null 2>&1; then
			now_ns >"$4"
			return 0
		fi
		sleep 0.02
	done
	echo "no reply $1 -> $2 within $3 s" >&2
	return 1
}

# nft_port_counters NS ADMINPORT WGPORT: count UDP bytes on both ports, both
# directions, and all UDP, in the node's namespace (IP length, headers included).
nft_port_counters() {
	ip netns exec "$1" nft -f - <<NFT
table inet wgnmbench {
	counter admin_in {}
	counter admin_out {}
	counter wg_in {}
	counter wg_out {}
	counter udp_in {}
	counter udp_out {}
	chain in {
		type filter hook input priority -400; policy accept;
		udp dport $2 counter name admin_in
		udp dport $3 counter name wg_in
		meta l4proto udp counter name udp_in
	}
	chain out {
		type filter hook output priority -400; policy accept;
		udp sport $2 counter name admin_out
		udp sport $3 counter name wg_out
		meta l4proto udp counter name udp_out
	}
}
NFT
}
# nft_bytes NS: "admin_in admin_out wg_in wg_out udp_in udp_out" bytes,
# then the same six packet counts.
nft_bytes() {
	ip netns exec "$1" nft list table inet wgnmbench | awk '
		/counter [a-z_]+ \{/ { name = $2 }
		/packets [0-9]+ bytes [0-9]+/ { pk[name] = $2; by[name] = $4 }
		END {
			split("admin_in admin_out wg_in wg_out udp_in udp_out", k, " ")
			for (i = 1; i <= 6; i++) printf "%d ", by[k[i]]
			for (i = 1; i <= 6; i++) printf "%d ", pk[k[i]]
			print ""
		}'
}

# admin_types IFNAME: "type:tx:rx" per admin message type, from the
# daemon's own counters (wg_netmanager metrics).
admin_types() {
	"$DAEMON" metrics -i "$1" 2>/dev/null | awk '
		/^wgnm_packets_total\{/ {
			match($0, /direction="[a-z]+"/); d = substr($0, RSTART + 11, RLENGTH - 12)
			match($0, /type="[a-z_]+"/); t = substr($0, RSTART + 6, RLENGTH - 7)
			if (!(t in seen)) { seen[t] = 1; order[++n] = t }
			v[t, d] = $NF
		}
		END { for (i = 1; i <= n; i++) printf "%s:%d:%d\n", order[i], v[order[i], "tx"], v[order[i], "rx"] }'
}

# Stop every daemon we started (SIGTERM, bounded wait, then SIGKILL) and
# forget their PIDs, so that a later run never signals a reused PID.
stop_all() {
	local pid
	stop_daemons
	for pid in "${TEST_PIDS[@]}"; do
		pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
	done
	TEST_PIDS=()
}

# Delete our namespaces now (between runs: also drops their conntrack state).
del_netns() {
	local ns
	for ns in "${TEST_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	TEST_NETNS=()
}
