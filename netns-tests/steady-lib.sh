# shellcheck shell=bash
# Convergence and steady-state checks for the README network under delay or
# loss (netns-tests/38-delay.sh, 39-loss-steady.sh). Source after lib.sh,
# mesh-lib.sh and topo-readme.sh; uses readme_start's IF_* and the NS_*.
#
#   ms_since T0                  ms since T0 (date +%s%N)
#   wait_until_s DESC S T0 CMD...   CMD until it succeeds; fail once S
#                                s have passed since T0 (polls every 0.1 s)
#   all_pairs_within S NS:IP...  every ordered pair pings, all tried at once
#                                (a ping every 0.2 s, each waited for until
#                                the deadline: a round trip may take more
#                                than a second); fail if any pair has not
#                                answered S s after the call. Prints each
#                                pair's time; PAIRS_SLOWEST_MS the slowest.
#   steady_state S ALPHA_PATHS CHARLIE_PATHS NS:IP...
#                                once every path is direct (at most 30 s),
#                                S seconds with every pair pinging about
#                                once a second: fails on a route change at any
#                                node (wgnm_route_changes_total), an
#                                adjacency down or a direct path lost or
#                                re-tried in any log, a path change in any
#                                status (checked every 5 s), or more than
#                                STEADY_MAX_LOST_PCT (default 2) % of the
#                                pings lost. ALPHA_PATHS, CHARLIE_PATHS:
#                                what alpha's and charlie's status must
#                                say, e.g. "beta=direct charlie=nat ...".

# readme_direct_paths_up: the direct paths alpha<->charlie, alpha<->delta
# (through NAT) and charlie<->delta (LAN) are in the WireGuard peers (K_A,
# K_C, K_D: the public keys of alpha, charlie, delta)
readme_direct_paths_up() {
	peer_holds "$IF_A" "$K_C" 10.1.1.21 && peer_holds "$IF_C" "$K_A" 10.1.1.1 &&
		peer_holds "$IF_A" "$K_D" 10.1.1.22 && peer_holds "$IF_D" "$K_A" 10.1.1.1 &&
		peer_holds "$IF_C" "$K_D" 10.1.1.22 && peer_holds "$IF_D" "$K_C" 10.1.1.21
}

ms_since() { echo "$((($(date +%s%N) - $1) / 1000000))"; }

wait_until_s() {
	local desc=$1 s=$2 t0=$3
	shift 3
	while ! "$@" >/dev/null 2>&1; do
		[ "$(ms_since "$t0")" -lt "$((s * 1000))" ] || fail "not within $s s: $desc"
		sleep 0.1
	done
}

# one pair: ping every 0.2 s until answered or S s since T0 (a ping
# exits at once while there is no route); the time into OUT
pair_first_ping() {
	local ns=$1 ip=$2 s=$3 t0=$4 out=$5 left
	while left=$((s - $(ms_since "$t0") / 1000)) && [ "$left" -gt 0 ]; do
		if ip netns exec "$ns" ping -n -c 1 -i 0.2 -w "$left" "$ip" >/dev/null 2>&1; then
			ms_since "$t0" >"$out"
			return 0
		fi
		sleep 0.1
	done
}

all_pairs_within() {
	local s=$1 a b t0 f pid ms i
	local -a pids=() files=() names=()
	shift
	t0=$(date +%s%N)
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			f="$TEST_TMP/first.${#files[@]}"
			pair_first_ping "${a%%:*}" "${b#*:}" "$s" "$t0" "$f" &
			TEST_PIDS+=("$!")
			pids+=("$!")
			files+=("$f")
			names+=("${a%%:*} -> ${b#*:}")
		done
	done
	for pid in "${pids[@]}"; do wait "$pid" || true; done
	PAIRS_SLOWEST_MS=0
	for i in "${!files[@]}"; do
		f=${files[i]}
		[ -s "$f" ] || fail "no answer within $s s: ${names[i]}"
		ms=$(cat "$f")
		echo "${names[i]}: $ms ms"
		[ "$ms" -le "$PAIRS_SLOWEST_MS" ] || PAIRS_SLOWEST_MS=$ms
	done
}

# node_paths NS IF: "name=path[/via]" of every other node, sorted by name
node_paths() {
	ip netns exec "$1" "$DAEMON" status -i "$2" --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(n["name"] + "=" + n["path"] +
               ("/" + n["via_name"] if n["via_name"] and n["via_name"] != n["name"] else "")
               for n in sorted(d["nodes"], key=lambda n: n["name"]) if n["path"] != "self"))'
}

# route_changes NS IF
route_changes() {
	local m
	m=$(ip netns exec "$1" "$DAEMON" metrics -i "$2") # whole: grep -q would close the pipe
	awk '/^wgnm_route_changes_total/ { print $2 }' <<<"$m"
}

# The README nodes as "name NS IF" lines.
readme_node_ifs() {
	printf '%s\n' "alpha $NS_ALPHA $IF_A" "beta $NS_BETA $IF_B" "charlie $NS_CHARLIE $IF_C" \
		"delta $NS_DELTA $IF_D"
}

# all_paths_direct WANT_A WANT_C: no node reaches another through a
# gateway, and alpha's and charlie's paths are these
all_paths_direct() {
	local name ns ifn now
	while read -r name ns ifn; do
		now=$(node_paths "$ns" "$ifn")
		[[ $now != *gateway* ]] || return 1
		[ "$name" != alpha ] || [ "$now" = "$1" ] || return 1
		[ "$name" != charlie ] || [ "$now" = "$2" ] || return 1
	done < <(readme_node_ifs)
}

steady_state() {
	local s=$1 want_a=$2 want_c=$3 name ns ifn a b f t0 now sent got lost_pct pid i
	local -A paths changes lines
	local -a pids=() files=() names=() intervals=(1 0.93 1.07)
	shift 3
	# converged first: every path direct, none through a gateway any more
	# (an edge whose first handshake a loss delayed may still be coming)
	wait_until_s "every node's paths direct (alpha: $want_a; charlie: $want_c)" 30 \
		"$(date +%s%N)" all_paths_direct "$want_a" "$want_c"
	while read -r name ns ifn; do
		paths[$name]=$(node_paths "$ns" "$ifn")
		changes[$name]=$(route_changes "$ns" "$ifn")
		lines[$name]=$(wc -l <"$TEST_TMP/$name.tlog")
		echo "$name: ${paths[$name]}; route changes so far ${changes[$name]}"
	done < <(readme_node_ifs)
	[ "${paths[alpha]}" = "$want_a" ] || fail "alpha's paths: ${paths[alpha]}, not $want_a"
	[ "${paths[charlie]}" = "$want_c" ] || fail "charlie's paths: ${paths[charlie]}, not $want_c"

	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] && continue
			f="$TEST_TMP/steady.${#files[@]}"
			# 0.93, 1 or 1.07 s apart: the pairs' phases drift through
			# every relation (in step, a ping's answer would hide
			# another's silence)
			bg_run pid "$f" ip netns exec "${a%%:*}" ping -n -q -W 3 -c "$s" \
				-i "${intervals[${#files[@]} % 3]}" "${b#*:}"
			pids+=("$pid")
			files+=("$f")
			names+=("${a%%:*} -> ${b#*:}")
		done
	done
	t0=$(date +%s%N)
	# every 5 s: the same paths everywhere (bounded: S / 5 + 1 rounds)
	for ((i = 0; i <= s / 5; i++)); do
		while read -r name ns ifn; do
			now=$(node_paths "$ns" "$ifn")
			[ "$now" = "${paths[$name]}" ] ||
				fail "$name's paths changed after $(ms_since "$t0") ms: $now (were ${paths[$name]})"
		done < <(readme_node_ifs)
		[ "$(ms_since "$t0")" -lt "$((s * 1000))" ] || break
		sleep 5
	done
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 100; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		wait "$pid" || true
	done
	echo "steady state: $(ms_since "$t0") ms"

	while read -r name ns ifn; do
		now=$(route_changes "$ns" "$ifn")
		[ "$now" = "${changes[$name]}" ] ||
			fail "$name made $((now - changes[$name])) route changes in the steady state"
		tail -n "+$((lines[$name] + 1))" "$TEST_TMP/$name.tlog" >"$TEST_TMP/$name.steady"
		f="$TEST_TMP/$name.steady"
		echo "$name: checks in the steady state: $(grep -c 'checking neighbour' "$f") of" \
			"neighbours, $(grep -c 'checking it with a new handshake' "$f") of direct paths"
		! grep -E 'is down|direct path to .* lost|trying a direct path|direct path to .* is up' \
			"$TEST_TMP/$name.steady" >&2 || fail "$name: a flap in the steady state (above)"
	done < <(readme_node_ifs)

	sent=0 got=0
	for i in "${!files[@]}"; do
		f=${files[i]}
		read -r a b < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$f")
		echo "${names[i]}: ${b:-0} of ${a:-0} pings answered"
		sent=$((sent + ${a:-0}))
		got=$((got + ${b:-0}))
	done
	lost_pct=$(((sent - got) * 100 / (sent ? sent : 1)))
	echo "steady state: $got of $sent pings answered ($lost_pct% lost)"
	[ "$sent" -ge $((s * 12 * 9 / 10)) ] || fail "only $sent pings sent in $s s"
	[ "$lost_pct" -le "${STEADY_MAX_LOST_PCT:-2}" ] || fail "$lost_pct% of the pings lost"
}
