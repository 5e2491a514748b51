#!/bin/bash
# Chaos soak (issue 12): eight real daemons with wireguard-go on the README
# network plus four nodes, disturbed one event at a time for CHAOS_MINUTES,
# with the invariants checked after every event. Not in CI.
#
#            alpha, golf            "internet" bridge          beta, hotel
#        192.0.2.2/.3 --- [afw] 203.0.113.3 ---+--- 203.0.113.2 (static peer)
#         office LAN   firewall + NAT          +--- 203.0.113.5 (static peer)
#                                          203.0.113.4
#                                          [home] NAT router
#                     charlie, delta, echo, foxtrot: 198.51.100.21..24 (home LAN)
#
#   overlay: alpha .1, beta .2, golf .3, hotel .4, charlie .21, delta .22,
#   echo .23, foxtrot .24 (10.1.1.0/24); beta and hotel are listed in net.yaml.
#
# Events, in rounds: each round runs every kind once in a random order
# (CHAOS_SEED makes the order and the victims reproducible; timings are not):
#
#   kill9      kill -9 a random daemon (not one of CHAOS_STEADY); keep it
#              down until no other node routes to it (at most
#              CHAOS_GONE_WAIT s); restart it
#   sigterm    the same with SIGTERM; its exit must be clean (status 0, its
#              interface, routes and wireguard-go gone)
#   roam       foxtrot or golf moves between the home LAN and the office LAN
#              behind alpha's firewall: new network, new underlay address
#   natflush   conntrack -F in the home router or alpha's firewall
#   loss       10 s of 50% random loss on the internet bridge (nft numgen)
#   staticdown a static peer (beta or hotel) cut off the internet for 60 s
#              (nft drops all its frames at the bridge; its daemon keeps
#              running and comes back with 60 s old state, as a VPS after a
#              network outage or a suspend does)
#   clock      echo's wall clock (CLOCK_REALTIME) steps by 1 h: from real time
#              to +1 h or -1 h (random), or back to real time. A step that
#              sets the clock back is followed by a restart of echo under
#              the stepped clock (a clock set back across a restart, issue 12
#              item 3). How: CLOCK_REALTIME is one clock for all network
#              namespaces, and a time namespace (unshare --time) offsets
#              only CLOCK_MONOTONIC and CLOCK_BOOTTIME, so echo's daemon runs
#              under libfaketime (LD_PRELOAD, Debian's libfaketime) with an
#              offset file this script rewrites; CLOCK_MONOTONIC is left
#              alone (FAKETIME_DONT_FAKE_MONOTONIC=1), as an NTP step leaves it.
#              Covered: everything echo's daemon reads from the wall clock
#              (boot id, log time stamps, the status view). Not covered:
#              its wireguard-go (Go reads the clock without libc, so its
#              handshake time stamps stay real) and the other nodes.
#
# Invariants, each counted as a check that passed or failed:
#
#   pairs      "settled" is the moment the event's last action is done: the
#              restarted daemon was started, the roamed node's new address
#              and route are set, the conntrack flush returned, the loss
#              rule or the static peer's cut was removed, the clock was
#              stepped (and echo restarted). From then, every ordered pair
#              of running daemons (56) must answer a ping within
#              CHAOS_PING_S (3) s. Measured to CHAOS_MAX_S (60) s, so the
#              table shows how long it really took.
#              Each pair runs its own `ping -D -i 0.2` for the whole soak
#              (so traffic always flows to every node); "answered" is the
#              first reply time-stamped at or after the settle moment.
#   during     staticdown only: 10 s into the outage, every pair of the
#              other seven nodes answers within CHAOS_PING_S s
#   gone       kill9, sigterm, staticdown: CHAOS_GONE_S (5) s after the node
#              went away, no other node has a route (protocol 0x57) or
#              WireGuard AllowedIPs for its address (pings flow to it all
#              the while). Measured until gone, at most CHAOS_GONE_WAIT s
#              (staticdown: 10 s, then the "during" check); one poll of
#              all nodes' routes and AllowedIPs takes about 0.4 s, so a
#              time is that coarse
#   cleanstop  sigterm and the final stop: exit status 0; interface, routes
#              (protocol 0x57), UAPI and control sockets and wireguard-go
#              of that node gone
#              Pairs already silent before the event (no answer in the
#              2 s before it: an earlier failure going on) are left out of
#              its check and counted in the "left out" column.
#   alive      before every event: no daemon exited on its own
#   rss        every daemon's VmRSS sampled before every event; for each
#              daemon instance the first sample (its first event after its
#              start) and the last; growth above CHAOS_RSS_SLACK_KB fails
#              for daemons that ran the whole soak: the CHAOS_STEADY nodes
#              (default hotel and delta) are never killed or restarted, so
#              there are such daemons (they take every other event).
#              Meaningless for a SANITIZE=1 daemon: ASan's quarantine keeps
#              freed memory, and its RSS grows by megabytes by design
#   leftover   after the final stop: no interface, route or process left
#              in any namespace (the namespaces themselves go on exit)
#
#   bench/chaos.sh                     (root; 30 minutes)
#   CHAOS_MINUTES=3 bench/chaos.sh     a short run
#   CHAOS_SEED=N        the event order and victims (printed at the start)
#   CHAOS_EVENTS="kill9 sigterm roam natflush loss staticdown clock"
#   CHAOS_PING_S=3 CHAOS_GONE_S=5 CHAOS_MAX_S=60 CHAOS_GONE_WAIT=15
#   CHAOS_RSS_SLACK_KB=256   CHAOS_GAP_S=2 (random pause 0..N s between events)
#   CHAOS_STEADY="hotel delta"  never killed or restarted (for the RSS check)
#   WGNM_KEEP_LOGS=DIR  keep every daemon instance's debug log (NAME.N.tlog)
#   WGNM_DAEMON=PATH    the daemon (default build/wg_netmanager)
#
# Needs: nft, wg, conntrack (Debian: conntrack), stdbuf (coreutils),
# libfaketime (Debian: libfaketime). Exit status 1 if any check failed.
set -euo pipefail
# shellcheck source=bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
need_tool conntrack
need_tool stdbuf
FAKETIME_LIB=${FAKETIME_LIB:-$(find /usr/lib -path '*/faketime/libfaketime.so.1' 2>/dev/null | head -n 1)}
if [ -z "$FAKETIME_LIB" ] || [ ! -f "$FAKETIME_LIB" ]; then
	skip "libfaketime is not installed (apt-get install libfaketime), needed for the clock step"
fi

CHAOS_MINUTES=${CHAOS_MINUTES:-30}
CHAOS_SEED=${CHAOS_SEED:-$(((RANDOM << 15) | RANDOM))}
CHAOS_EVENTS=${CHAOS_EVENTS:-kill9 sigterm roam natflush loss staticdown clock}
CHAOS_PING_S=${CHAOS_PING_S:-3}
CHAOS_GONE_S=${CHAOS_GONE_S:-5}
CHAOS_MAX_S=${CHAOS_MAX_S:-60}
CHAOS_GONE_WAIT=${CHAOS_GONE_WAIT:-15}
CHAOS_RSS_SLACK_KB=${CHAOS_RSS_SLACK_KB:-256}
CHAOS_GAP_S=${CHAOS_GAP_S:-2}
CHAOS_STEADY=${CHAOS_STEADY-hotel delta}

NODES=(alpha beta golf hotel charlie delta echo foxtrot)
declare -A IP=([alpha]=10.1.1.1 [beta]=10.1.1.2 [golf]=10.1.1.3 [hotel]=10.1.1.4
	[charlie]=10.1.1.21 [delta]=10.1.1.22 [echo]=10.1.1.23 [foxtrot]=10.1.1.24)
declare -A NS IFN PID INST LOC RV DOWN RSS_FIRST RSS_LAST
STATICS=(beta hotel)
ROAMERS=(foxtrot golf)
CLOCK_NODE="echo"
CLOCK_FILE=$TEST_TMP/clock.offset
CLOCK_OFF=0 # seconds
PING_PIDS=()
declare -A OFF=() PT=() SICK=()
declare -A N_EV N_OK N_FAIL WORST LEFT_OUT
FAILS=()
T_START=$SECONDS

# On any exit: stop pings and daemons, then lib.sh's cleanup (namespaces,
# temp dir; WGNM_KEEP_LOGS keeps the logs). The summary is the report, so
# no log dump as the netns tests do.
chaos_exit() {
	local st=$?
	set +e
	stop_pings
	stop_daemons
	(exit "$st")
	cleanup
}
trap chaos_exit EXIT

# --- helpers -----------------------------------------------------------

# chaos_rand N: a number in [0, N) into R, from our own generator so that
# CHAOS_SEED alone decides the sequence of events and victims.
CHAOS_STATE=$((CHAOS_SEED % 2147483648))
chaos_rand() {
	CHAOS_STATE=$(((CHAOS_STATE * 1103515245 + 12345) % 2147483648))
	R=$(((CHAOS_STATE >> 8) % $1))
}
stamp() { printf '[%5ds]' $((SECONDS - T_START)); }
say() { echo "$(stamp) $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# check KIND INVARIANT OK DETAIL: count a check; a failed one is listed at the end
check() {
	local k="$1:$2"
	if [ "$3" = ok ]; then
		N_OK[$k]=$((${N_OK[$k]:-0} + 1))
	else
		N_FAIL[$k]=$((${N_FAIL[$k]:-0} + 1))
		FAILS+=("$(stamp) $1 $2: $4")
		say "  FAILED $2: $4"
	fi
}
# worst KIND INVARIANT MS: keep the largest time per kind and invariant
worst() {
	local k="$1:$2" v=$3
	if [ -z "${WORST[$k]:-}" ] || [ "${WORST[$k]}" = timeout ]; then
		[ "${WORST[$k]:-}" = timeout ] || WORST[$k]=$v
	elif [ "$v" = timeout ] || [ "$v" -gt "${WORST[$k]}" ]; then
		WORST[$k]=$v
	fi
}
running() { local n; for n in "${NODES[@]}"; do [ -z "${DOWN[$n]:-}" ] && echo "$n"; done; }

# --- the network -------------------------------------------------------

chaos_topo() {
	topo_readme_up
	NS[alpha]=$NS_ALPHA NS[beta]=$NS_BETA NS[charlie]=$NS_CHARLIE NS[delta]=$NS_DELTA
	ns_new NS_GOLF golf
	ns_new NS_HOTEL hotel
	ns_new NS_ECHO echo
	ns_new NS_FOXTROT foxtrot
	NS[golf]=$NS_GOLF NS[hotel]=$NS_HOTEL NS[echo]=$NS_ECHO NS[foxtrot]=$NS_FOXTROT

	# alpha's LAN becomes a bridge (an office LAN) that golf joins
	ip -n "$NS_AFW" addr del 192.0.2.1/24 dev lan
	ip -n "$NS_AFW" link add lanbr type bridge
	ip -n "$NS_AFW" link set lan master lanbr
	ip -n "$NS_AFW" link set lanbr up
	ip -n "$NS_AFW" addr add 192.0.2.1/24 dev lanbr
	link "$NS_AFW" n3 "$NS_GOLF" eth0
	ip -n "$NS_AFW" link set n3 master lanbr
	ip -n "$NS_GOLF" addr add 192.0.2.3/24 dev eth0
	ip -n "$NS_GOLF" route add default via 192.0.2.1
	RV[golf]=n3 LOC[golf]=office

	# hotel: a second public, listed node
	link "$NS_INET" pho "$NS_HOTEL" eth0
	ip -n "$NS_INET" link set pho master br0
	inet_addr "$NS_HOTEL" eth0 203.0.113.5

	# echo and foxtrot on the home LAN
	local n o
	for n in echo foxtrot; do
		o=${IP[$n]##*.}
		link "$NS_HOME" "n$o" "${NS[$n]}" eth0
		ip -n "$NS_HOME" link set "n$o" master lan
		ip -n "${NS[$n]}" addr add "198.51.100.$o/24" dev eth0
		ip -n "${NS[$n]}" route add default via 198.51.100.1
		RV[$n]=n$o LOC[$n]=home
	done
	LOC[charlie]=home LOC[delta]=home

	write_net_yaml "$TEST_TMP/net.yaml" "203.0.113.2:50002 50502 10.1.1.2" \
		"203.0.113.5:50004 50504 10.1.1.4"
}

# start NAME: a new instance of NAME's daemon (debug log NAME.INST.tlog)
start() {
	local n=$1 pre=()
	INST[$n]=$((${INST[$n]:-0} + 1))
	# a sanitizer build refuses a library preloaded ahead of its runtime;
	# libfaketime only wraps clock calls, so the order does not matter
	[ "$n" != "$CLOCK_NODE" ] || pre=(env "LD_PRELOAD=$FAKETIME_LIB"
		"FAKETIME_TIMESTAMP_FILE=$CLOCK_FILE" FAKETIME_DONT_FAKE_MONOTONIC=1
		FAKETIME_CACHE_DURATION=1
		"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	bg_run "PID[$n]" "$TEST_TMP/$n.${INST[$n]}.log" ip netns exec "${NS[$n]}" "${pre[@]}" \
		"$DAEMON" -c "$TEST_TMP/net.yaml" -i "${IFN[$n]}" -a "${IP[$n]}" -n "$n" -v \
		-l "$TEST_TMP/$n.${INST[$n]}.tlog"
	unset "DOWN[$n]" "RSS_FIRST[$n]" "RSS_LAST[$n]"
}

# stop NAME SIGNAL: signal the daemon and reap it (bounded; not in a
# subshell, it must be our child); its exit status into STOP_ST, or "hung"
# if it was still running after 10 s (then killed).
stop() {
	local n=$1 sig=$2 i p
	p=${PID[$n]}
	DOWN[$n]=1
	kill "-$sig" "$p" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		pid_alive "$p" || break
		sleep 0.1
	done
	STOP_ST=0
	if pid_alive "$p"; then
		kill -KILL "$p" 2>/dev/null || true
		{ wait "$p"; } 2>/dev/null || true
		STOP_ST=hung
		return
	fi
	# braces: bash's own "Killed" notice goes to /dev/null too
	{ wait "$p"; } 2>/dev/null || STOP_ST=$?
}
# poll TRIES CMD...: like wait_for, 0.1 s apart, but only returns the status
poll() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# leftovers NAME: what a stopped daemon left behind in its namespace, if anything
leftovers() {
	local n=$1 out="" r
	ip -n "${NS[$n]}" link show "${IFN[$n]}" >/dev/null 2>&1 && out+=" interface ${IFN[$n]};"
	r=$(ip -n "${NS[$n]}" route show table all proto 0x57 2>/dev/null | tr '\n' ';')
	[ -z "$r" ] || out+=" routes: $r"
	[ -z "$(wg_pid "${IFN[$n]}")" ] || out+=" wireguard-go $(wg_pid "${IFN[$n]}");"
	[ ! -e "/var/run/wireguard/${IFN[$n]}.sock" ] || out+=" UAPI socket;"
	[ ! -e "/run/wg_netmanager/${IFN[$n]}.sock" ] || out+=" control socket;"
	printf '%s' "$out"
}
# wait_clean NAME: up to 5 s for the leftovers to go (wireguard-go exits
# after its parent); prints what is still there
wait_clean() {
	local i l
	for ((i = 0; i < 50; i++)); do
		l=$(leftovers "$1")
		[ -n "$l" ] || return 0
		sleep 0.1
	done
	printf '%s' "$l"
}

# holders NAME: the running nodes that still route NAME or give it AllowedIPs
holders() {
	local x=$1 y out=""
	for y in $(running); do
		[ "$y" = "$x" ] && continue
		if ip -n "${NS[$y]}" route show table all proto 0x57 2>/dev/null | grep -q "^${IP[$x]}[ /]"; then
			out+=" $y(route)"
		fi
		if wg show "${IFN[$y]}" allowed-ips 2>/dev/null | grep -q "[[:space:]]${IP[$x]}/32"; then
			out+=" $y(allowed-ips)"
		fi
	done
	printf '%s' "$out"
}
# gone_check KIND NAME T0_MS MAX_S: poll every 0.25 s until no running node
# holds NAME, at most MAX_S s after T0; pass if that took <= CHAOS_GONE_S s
gone_check() {
	local x=$2 t0=$3 g left last=""
	while :; do
		left=$(holders "$x")
		[ -z "$left" ] || last=$left
		if [ -z "$left" ]; then
			g=$(($(now_ms) - t0))
			break
		fi
		if [ $(($(now_ms) - t0)) -ge $(($4 * 1000)) ]; then
			g=timeout
			break
		fi
		sleep 0.25
	done
	worst "$1" gone "$g"
	if [ "$g" = timeout ]; then
		check "$1" gone fail "$x still held $4 s after it went, by:$left"
	elif [ "$g" -le $((CHAOS_GONE_S * 1000)) ]; then
		say "  $x gone from every route and AllowedIPs after $g ms"
		check "$1" gone ok
	else
		check "$1" gone fail "$x held for $g ms (> ${CHAOS_GONE_S} s), last by:$last"
	fi
}

# --- pings -------------------------------------------------------------

# one `ping -D` per ordered pair of nodes for the whole soak
start_pings() {
	local a b p
	for a in "${NODES[@]}"; do
		for b in "${NODES[@]}"; do
			[ "$a" = "$b" ] && continue
			ip netns exec "${NS[$a]}" stdbuf -oL ping -n -D -i 0.2 -W 1 "${IP[$b]}" \
				>"$TEST_TMP/ping.$a.$b" 2>&1 &
			p=$!
			PING_PIDS+=("$p")
			track_pid "$p"
		done
	done
}
stop_pings() {
	local p
	for p in "${PING_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PING_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PING_PIDS=()
}
# pairs_since T_MS MAX_S NODE...: ms from T until every ordered pair of the
# NODEs had a reply time-stamped at or after T, into PAIRS_MS, or "timeout"
# (the pairs still silent into SILENT). Call right at T: it notes where
# each pair's log stands, and reads only what came after.
pairs_since() {
	local t=$1 max=$2 a b p ms worst=0 pending=() still
	shift 2
	PT=()
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			[ -z "${SICK[$a.$b]:-}" ] || continue
			OFF[$a.$b]=$(stat -c %s "$TEST_TMP/ping.$a.$b")
			pending+=("$a.$b")
		done
	done
	SILENT=""
	while [ "${#pending[@]}" -gt 0 ]; do
		still=()
		for p in "${pending[@]}"; do
			# ping -D: "[1796666886.471293] 64 bytes from ..."
			ms=$(tail -c +$((OFF[$p] + 1)) "$TEST_TMP/ping.$p" | awk -v t="$t" '
				/ bytes from / { ts = substr($1, 2, length($1) - 2); split(ts, f, ".")
					ms = f[1] * 1000 + int(f[2] / 1000); if (ms >= t) { printf "%.0f", ms; exit } }')
			if [ -n "$ms" ]; then
				PT[$p]=$((ms - t))
				[ $((ms - t)) -le "$worst" ] || worst=$((ms - t))
			else
				still+=("$p")
			fi
		done
		pending=("${still[@]}")
		[ "${#pending[@]}" -gt 0 ] || break
		if [ $(($(now_ms) - t)) -ge $((max * 1000)) ]; then
			SILENT=${pending[*]}
			PAIRS_MS=timeout
			return
		fi
		sleep 0.2
	done
	PAIRS_MS=$worst
}
# sick_pairs: before an event, the pairs of running nodes with no answer in
# the last 2 s (10 pings) into SICK: an earlier failure still going on. The
# event's check leaves them out (and says so), so that a failure is
# counted against the event that caused it, not every later one.
sick_pairs() {
	local now a b last live
	now=$(now_ms)
	SICK=()
	mapfile -t live < <(running)
	for a in "${live[@]}"; do
		for b in "${live[@]}"; do
			[ "$a" = "$b" ] && continue
			last=$(tail -n 15 "$TEST_TMP/ping.$a.$b" | awk '/ bytes from / { ts = substr($1, 2, length($1) - 2)
				split(ts, f, "."); ms = f[1] * 1000 + int(f[2] / 1000) } END { if (ms) printf "%.0f", ms }')
			if [ -z "$last" ] || [ $((now - last)) -gt 2000 ]; then SICK[$a.$b]=1; fi
		done
	done
	if [ "${#SICK[@]}" -gt 0 ]; then
		local l="${!SICK[*]}"
		say "  ${#SICK[@]} pairs silent before this event (left out of its check): ${l//./->}"
	fi
}
# settle_check KIND NODES...: call right at the settle moment: every pair
# (but those silent before the event) must answer within CHAOS_PING_S
settle_check() {
	local kind=$1 v np slow p
	shift
	pairs_since "$(now_ms)" "$CHAOS_MAX_S" "$@"
	np=$((($# * ($# - 1)) - ${#SICK[@]}))
	v=$PAIRS_MS
	worst "$kind" pairs "$v"
	LEFT_OUT[$kind]=$((${LEFT_OUT[$kind]:-0} + ${#SICK[@]}))
	if [ "$v" = timeout ]; then
		check "$kind" pairs fail "pairs still silent ${CHAOS_MAX_S} s after settling: ${SILENT//./->}"
	elif [ "$v" -le $((CHAOS_PING_S * 1000)) ]; then
		say "  all $np pairs answered $v ms after settling"
		check "$kind" pairs ok
	else
		slow=""
		for p in "${!PT[@]}"; do
			[ "${PT[$p]}" -le $((CHAOS_PING_S * 1000)) ] || slow+="${PT[$p]} ${p/./->}"$'\n'
		done
		slow=$(printf '%s' "$slow" | sort -rn | head -n 8 |
			awk '{ printf "%s%s %d ms", (NR > 1 ? ", " : ""), $2, $1 }') || true
		check "$kind" pairs fail "all $np pairs answered only $v ms after settling (> ${CHAOS_PING_S} s); slowest: $slow"
	fi
}

# --- RSS ---------------------------------------------------------------

rss_sample() {
	local n v
	for n in $(running); do
		v=$(proc_kb "${PID[$n]}" VmRSS) || v=""
		[ -n "$v" ] || continue
		if [ -z "${RSS_FIRST[$n]:-}" ]; then
			RSS_FIRST[$n]=$v
		fi
		RSS_LAST[$n]=$v
	done
}

# --- events ------------------------------------------------------------

ev_restart() { # kind sig
	local kind=$1 sig=$2 n wgp t0 l live victims=() x
	for x in "${NODES[@]}"; do
		[[ " $CHAOS_STEADY " == *" $x "* ]] || victims+=("$x")
	done
	if [ "${#victims[@]}" -eq 0 ]; then
		say "$kind: every node is in CHAOS_STEADY; skipped"
		return
	fi
	chaos_rand "${#victims[@]}"
	n=${victims[R]}
	wgp=$(wg_pid "${IFN[$n]}")
	say "$kind $n (pid ${PID[$n]}, wireguard-go ${wgp:-?})"
	t0=$(now_ms)
	stop "$n" "$sig"
	if [ "$kind" = sigterm ]; then
		l=$(wait_clean "$n")
		if [ "$STOP_ST" = 0 ] && [ -z "$l" ]; then
			check sigterm cleanstop ok
		else
			check sigterm cleanstop fail "$n: exit status $STOP_ST;${l:- nothing left}"
		fi
	fi
	gone_check "$kind" "$n" "$t0" "$CHAOS_GONE_WAIT"
	# the next instance must find the port free: wait for the old wireguard-go
	if [ -n "$wgp" ] && ! poll 100 eval "! kill -0 $wgp"; then
		say "  note: the old wireguard-go ($wgp) still runs 10 s after its daemon stopped"
	fi
	start "$n"
	mapfile -t live < <(running)
	settle_check "$kind" "${live[@]}"
}

ev_roam() {
	local n old new gw o
	chaos_rand "${#ROAMERS[@]}"
	n=${ROAMERS[R]}
	o=${IP[$n]##*.}
	if [ "${LOC[$n]}" = home ]; then
		old=$NS_HOME new=$NS_AFW
		LOC[$n]=office
	else
		old=$NS_AFW new=$NS_HOME
		LOC[$n]=home
	fi
	# a new address each move: home 198.51.100.(o|o+100), office 192.0.2.(o|o+100)
	local a
	a=$(ip -n "${NS[$n]}" -4 -o addr show dev eth0 | awk '{ print $4 }' | head -n 1)
	local k=$o live
	if [ "${a%%/*}" = "198.51.100.$o" ] || [ "${a%%/*}" = "192.0.2.$o" ]; then k=$((o + 100)); fi
	if [ "${LOC[$n]}" = home ]; then a=198.51.100.$k/24 gw=198.51.100.1; else a=192.0.2.$k/24 gw=192.0.2.1; fi
	say "roam $n to the ${LOC[$n]} LAN as ${a%/*}"
	ip -n "${NS[$n]}" addr flush dev eth0
	ip -n "$old" link set "${RV[$n]}" netns "$new"
	if [ "$new" = "$NS_AFW" ]; then
		ip -n "$new" link set "${RV[$n]}" master lanbr
	else
		ip -n "$new" link set "${RV[$n]}" master lan
	fi
	ip -n "$new" link set "${RV[$n]}" up
	ip -n "${NS[$n]}" addr add "$a" dev eth0
	ip -n "${NS[$n]}" route replace default via "$gw"
	mapfile -t live < <(running)
	settle_check roam "${live[@]}"
}

ev_natflush() {
	local r ns live
	chaos_rand 2
	if [ "$R" -eq 0 ]; then r=home ns=$NS_HOME; else r=alpha-firewall ns=$NS_AFW; fi
	say "natflush: conntrack -F in the $r ($(ip netns exec "$ns" conntrack -C) entries)"
	ip netns exec "$ns" conntrack -F >/dev/null 2>&1 || true
	mapfile -t live < <(running)
	settle_check natflush "${live[@]}"
}

ev_loss() {
	say "loss: 50% random loss on the internet bridge for 10 s"
	ip netns exec "$NS_INET" nft -f - <<'NFT'
table bridge chaosloss {
	counter dropped { }
	chain forward {
		type filter hook forward priority filter; policy accept;
		numgen random mod 100 < 50 counter name dropped drop
	}
}
NFT
	sleep 10
	local d live
	d=$(ip netns exec "$NS_INET" nft list counter bridge chaosloss dropped | awk '/packets/ { print $2 }')
	ip netns exec "$NS_INET" nft delete table bridge chaosloss
	say "  loss over ($d frames dropped)"
	mapfile -t live < <(running)
	settle_check loss "${live[@]}"
}

ev_staticdown() {
	local n port t0 others live
	chaos_rand "${#STATICS[@]}"
	n=${STATICS[R]}
	if [ "$n" = beta ]; then port=pb; else port=pho; fi
	if [ -n "${DOWN[$n]:-}" ]; then
		say "staticdown: $n is not running; skipped"
		return
	fi
	say "staticdown: $n cut off the internet for 60 s"
	t0=$(now_ms)
	ip netns exec "$NS_INET" nft -f - <<NFT
table bridge chaosdown {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "$port" drop
		oifname "$port" drop
	}
}
NFT
	DOWN[$n]=1 # for the checks: the others must let it go
	mapfile -t others < <(running)
	gone_check staticdown "$n" "$t0" 10
	# 10 s into the outage: the other seven still reach each other
	while [ $(($(now_ms) - t0)) -lt 10000 ]; do sleep 0.2; done
	settle_check staticdown-during "${others[@]}"
	while [ $(($(now_ms) - t0)) -lt 60000 ]; do sleep 0.5; done
	ip netns exec "$NS_INET" nft delete table bridge chaosdown
	unset "DOWN[$n]"
	say "  $n back on the internet"
	mapfile -t live < <(running)
	settle_check staticdown "${live[@]}"
}

ev_clock() {
	local old=$CLOCK_OFF n=$CLOCK_NODE live
	if [ "$CLOCK_OFF" -eq 0 ]; then
		chaos_rand 2
		if [ "$R" -eq 0 ]; then CLOCK_OFF=3600; else CLOCK_OFF=-3600; fi
	else
		CLOCK_OFF=0
	fi
	printf '%+d\n' "$CLOCK_OFF" >"$CLOCK_FILE"
	if [ -n "${DOWN[$n]:-}" ]; then
		say "clock: $n's wall clock now real $(printf '%+d' "$CLOCK_OFF") s (it is not running)"
		return
	fi
	if [ "$CLOCK_OFF" -lt "$old" ]; then
		say "clock: $n's wall clock steps back by 1 h (to real $(printf '%+d' "$CLOCK_OFF") s), then $n restarts"
		sleep 1.5 # FAKETIME_CACHE_DURATION=1: let the running daemon see the step first
		stop "$n" TERM
		if [ "$STOP_ST" = 0 ]; then
			check clock cleanstop ok
		else
			check clock cleanstop fail "$n: exit status $STOP_ST after SIGTERM"
		fi
		wait_clean "$n" >/dev/null || true
		start "$n"
		poll 50 test -s "$TEST_TMP/$n.${INST[$n]}.tlog" || true
		say "  $n's log starts at $(head -c 19 "$TEST_TMP/$n.${INST[$n]}.tlog") (real: $(date '+%F %T'))"
	else
		say "clock: $n's wall clock steps forward by 1 h (to real $(printf '%+d' "$CLOCK_OFF") s), running"
	fi
	mapfile -t live < <(running)
	settle_check clock "${live[@]}"
}

# --- main --------------------------------------------------------------

bench_header "chaos soak: README network + 4 nodes, $CHAOS_MINUTES min, seed $CHAOS_SEED"
echo "events:  $CHAOS_EVENTS (in rounds, each kind once per round, random order)"
echo "settled: the moment the event's last action is done (daemon restarted, new address"
echo "         set, flush returned, loss rule or cut removed, clock stepped); from then every"
echo "         ordered pair of running daemons must answer a ping within $CHAOS_PING_S s"
echo "gone:    $CHAOS_GONE_S s after a node stopped or was cut off, no other node routes it"
echo "         or gives it AllowedIPs (a ping flows to it from every node meanwhile)"
echo "clock:   $CLOCK_NODE's daemon under libfaketime ($FAKETIME_LIB): CLOCK_REALTIME stepped, not CLOCK_MONOTONIC"
echo +0 >"$CLOCK_FILE"
chaos_topo
for n in "${NODES[@]}"; do IFN[$n]=$(ifname_for "${n:0:2}"); done
t0=$(now_ms)
for n in beta hotel "${NODES[@]}"; do [ -n "${PID[$n]:-}" ] || start "$n"; done
mapfile -t pairs < <(for n in "${NODES[@]}"; do echo "${NS[$n]}:${IP[$n]}"; done)
if ms=$(pairs_ping_ms 60 "${pairs[@]}"); then
	say "first start: all 56 pairs ping after $(($(now_ms) - t0)) ms"
else
	say "first start: not every pair pinged within 60 s; going on (the checks will show it)"
fi
start_pings
settle_check start "${NODES[@]}"

end=$((SECONDS + CHAOS_MINUTES * 60))
round=0
while [ "$SECONDS" -lt "$end" ]; do
	round=$((round + 1))
	read -ra kinds <<<"$CHAOS_EVENTS"
	# a random order for this round (Fisher-Yates with our generator)
	for ((i = ${#kinds[@]} - 1; i > 0; i--)); do
		chaos_rand $((i + 1))
		tmp=${kinds[i]} kinds[i]=${kinds[R]} kinds[R]=$tmp
	done
	for kind in "${kinds[@]}"; do
		[ "$SECONDS" -lt "$end" ] || break
		for n in "${NODES[@]}"; do
			if [ -z "${DOWN[$n]:-}" ] && ! pid_alive "${PID[$n]}"; then
				st=0
				wait "${PID[$n]}" 2>/dev/null || st=$?
				check alive alive fail "$n's daemon (pid ${PID[$n]}) exited on its own, status $st; restarted"
				start "$n"
			else
				check alive alive ok
			fi
		done
		rss_sample
		sick_pairs
		N_EV[$kind]=$((${N_EV[$kind]:-0} + 1))
		case $kind in
		kill9) ev_restart kill9 KILL ;;
		sigterm) ev_restart sigterm TERM ;;
		roam) ev_roam ;;
		natflush) ev_natflush ;;
		loss) ev_loss ;;
		staticdown) ev_staticdown ;;
		clock) ev_clock ;;
		*) fail "unknown event kind $kind" ;;
		esac
		chaos_rand $((CHAOS_GAP_S * 10 + 1))
		sleep "$((R / 10)).$((R % 10))"
	done
done
rss_sample

# --- final stop ----------------------------------------------------------
say "final stop: SIGTERM to every daemon"
stop_pings
for n in "${NODES[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
for n in "${NODES[@]}"; do
	stop "$n" TERM
	l=$(wait_clean "$n")
	if [ "$STOP_ST" = 0 ] && [ -z "$l" ]; then
		check final cleanstop ok
	else
		check final cleanstop fail "$n: exit status $STOP_ST;${l:- nothing left}"
	fi
done
left=""
for n in "${NODES[@]}"; do
	l=$(leftovers "$n")
	[ -z "$l" ] || left+=" $n:$l"
	r=$(ip -n "${NS[$n]}" link show | grep -c '^[0-9]*: wg' || true)
	[ "$r" -eq 0 ] || left+=" $n: $r wg interfaces;"
done
for p in "${TEST_PIDS[@]}"; do
	# ours, not a reused PID: the daemon (or ip netns exec) or a ping
	pid_alive "$p" || continue
	c=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-80) || continue
	[[ $c == *wg_netmanager* || $c == *ping* ]] && left+=" process $p ($c);"
done
if [ -z "$left" ]; then check final leftover ok; else check final leftover fail "$left"; fi
sanity=$({ grep -lE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$TEST_TMP"/*.log || true; } |
	xargs -r -n1 basename | tr '\n' ' ')
[ -z "$sanity" ] || check final sanitizer fail "reports in $sanity"

# --- summary -------------------------------------------------------------
echo
echo "== chaos summary: $(((SECONDS - T_START) / 60)) min $(((SECONDS - T_START) % 60)) s, $round rounds, seed $CHAOS_SEED"
printf '%-18s %6s %14s %14s %14s %14s %9s\n' "event" "count" "pairs ok/fail" "worst settle" "gone ok/fail" "worst gone" "left out"
extra=""
[[ " $CHAOS_EVENTS " != *" staticdown "* ]] || extra=staticdown-during
for kind in start $CHAOS_EVENTS $extra; do
	c=${N_EV[$kind]:-}
	[ "$kind" = start ] && c=1
	[ "$kind" = staticdown-during ] && c=${N_EV[staticdown]:-0}
	[ -n "$c" ] || c=0
	p="${N_OK[$kind:pairs]:-0}/${N_FAIL[$kind:pairs]:-0}"
	g="${N_OK[$kind:gone]:-0}/${N_FAIL[$kind:gone]:-0}"
	ws=${WORST[$kind:pairs]:--}
	wg=${WORST[$kind:gone]:--}
	[ "$ws" = - ] || [ "$ws" = timeout ] || ws="$ws ms"
	[ "$wg" = - ] || [ "$wg" = timeout ] || wg="$wg ms"
	case $kind in kill9 | sigterm | staticdown) ;; *) g=- ;; esac
	printf '%-18s %6s %14s %14s %14s %14s %9s\n' "$kind" "$c" "$p" "$ws" "$g" "$wg" "${LEFT_OUT[$kind]:-0}"
done
echo
printf '%-22s %6s %6s\n' "other checks" "passed" "failed"
for k in alive:alive sigterm:cleanstop clock:cleanstop final:cleanstop final:leftover final:sanitizer rss:rss; do
	[ -n "${N_OK[$k]:-}${N_FAIL[$k]:-}" ] || continue
	printf '%-22s %6s %6s\n' "$k" "${N_OK[$k]:-0}" "${N_FAIL[$k]:-0}"
done
echo
printf '%-9s %9s %12s %12s %9s  %s\n' "daemon" "instances" "RSS first kB" "RSS last kB" "growth" ""
rss_fail=0
for n in "${NODES[@]}"; do
	f=${RSS_FIRST[$n]:-} l=${RSS_LAST[$n]:-}
	if [ -z "$f" ]; then
		printf '%-9s %9s %12s %12s %9s  %s\n' "$n" "${INST[$n]}" - - - "no sample"
		continue
	fi
	note="(last instance only)"
	if [ "${INST[$n]}" -eq 1 ]; then
		note="ran the whole soak"
		if [ $((l - f)) -gt "$CHAOS_RSS_SLACK_KB" ]; then
			note="ran the whole soak: GREW more than $CHAOS_RSS_SLACK_KB kB"
			rss_fail=1
			check rss rss fail "$n grew from $f to $l kB"
		else
			check rss rss ok
		fi
	fi
	printf '%-9s %9s %12s %12s %+9d  %s\n' "$n" "${INST[$n]}" "$f" "$l" $((l - f)) "$note"
done
nf=0 no=0
for k in "${!N_FAIL[@]}"; do nf=$((nf + N_FAIL[$k])); done
for k in "${!N_OK[@]}"; do no=$((no + N_OK[$k])); done
echo
echo "checks: $no passed, $nf failed"
if [ "$nf" -gt 0 ]; then
	echo "failed checks:"
	printf '  %s\n' "${FAILS[@]}"
fi
bench_footer
[ "$nf" -eq 0 ] && [ "$rss_fail" -eq 0 ]
