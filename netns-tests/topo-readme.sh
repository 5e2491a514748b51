# shellcheck shell=bash
# The original wg_netmanager README's working example, in namespaces:
#
#            alpha                 "internet" bridge            beta
#        192.0.2.2 ---- [afw] 203.0.113.3 ---+--- 203.0.113.2 (static peer)
#         stateful firewall + NAT            |
#                                      203.0.113.4
#                                          [home] NAT router
#                                       198.51.100.1
#                            charlie -----------+----------- delta
#                      198.51.100.21    home LAN bridge    198.51.100.22
#
# ALPHA_NAT=fully-random makes alpha's NAT port-randomising (iptables: --random-fully),
# HOME_NAT=fully-random the home router's.
# topo_readme_up sets NS_INET NS_BETA NS_AFW NS_ALPHA NS_HOME NS_CHARLIE
# NS_DELTA; the overlay addresses are those of net.example.yaml.
# Source after lib.sh.

# nat_router NS: masquerade out of "wan" and refuse every connection that
# does not start inside, to the router itself too: a stateful firewall with
# NAT, as home routers and alpha's provider have. (A router that accepted
# unsolicited packets to itself would let them claim its ports, and a hole
# punched later would leave on another port.) FLAGS may be "fully-random":
# a port-randomising NAT, through which no hole can be punched.
nat_router() {
	local ns=$1 flags=${2:-}
	ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
	ip netns exec "$ns" nft -f - <<NFT
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" masquerade $flags
	}
}
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
		iifname "wan" drop
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		iifname "wan" drop
	}
}
NFT
}

# inet_addr NS IF ADDR: a host on the internet: a /32 with a route to the
# rest of 203.0.113.0/24, so hosts reach each other over the bridge but none
# counts as on another's LAN (as a VPS and a home router would not be).
inet_addr() {
	ip -n "$1" addr add "$3/32" dev "$2"
	ip -n "$1" route add 203.0.113.0/24 dev "$2"
}

topo_readme_up() {
	ns_new NS_INET inet
	ns_new NS_BETA beta
	ns_new NS_AFW afw
	ns_new NS_ALPHA alpha
	ns_new NS_HOME home
	ns_new NS_CHARLIE charlie
	ns_new NS_DELTA delta

	# the internet: a bridge in NS_INET
	ip -n "$NS_INET" link add br0 type bridge
	ip -n "$NS_INET" link set br0 up
	link "$NS_INET" pb "$NS_BETA" eth0
	link "$NS_INET" pa "$NS_AFW" wan
	link "$NS_INET" ph "$NS_HOME" wan
	local p
	for p in pb pa ph; do ip -n "$NS_INET" link set "$p" master br0; done
	inet_addr "$NS_BETA" eth0 203.0.113.2
	inet_addr "$NS_AFW" wan 203.0.113.3
	inet_addr "$NS_HOME" wan 203.0.113.4

	# alpha behind its firewall
	link "$NS_AFW" lan "$NS_ALPHA" eth0
	ip -n "$NS_AFW" addr add 192.0.2.1/24 dev lan
	ip -n "$NS_ALPHA" addr add 192.0.2.2/24 dev eth0
	ip -n "$NS_ALPHA" route add default via 192.0.2.1
	nat_router "$NS_AFW" "${ALPHA_NAT:-}"

	# the home LAN: a bridge in the router
	ip -n "$NS_HOME" link add lan type bridge
	ip -n "$NS_HOME" link set lan up
	ip -n "$NS_HOME" addr add 198.51.100.1/24 dev lan
	link "$NS_HOME" hc "$NS_CHARLIE" eth0
	link "$NS_HOME" hd "$NS_DELTA" eth0
	ip -n "$NS_HOME" link set hc master lan
	ip -n "$NS_HOME" link set hd master lan
	ip -n "$NS_CHARLIE" addr add 198.51.100.21/24 dev eth0
	ip -n "$NS_DELTA" addr add 198.51.100.22/24 dev eth0
	ip -n "$NS_CHARLIE" route add default via 198.51.100.1
	ip -n "$NS_DELTA" route add default via 198.51.100.1
	nat_router "$NS_HOME" "${HOME_NAT:-}"
}

# readme_start: the four daemons of the README network, beta first, with
# net.example.yaml (or the test's own $TEST_TMP/net.yaml if it wrote one).
# Sets IF_A IF_B IF_C IF_D (interface names) and P_ALPHA P_BETA P_CHARLIE
# P_DELTA (PIDs). Source mesh-lib.sh before calling it.
readme_start() {
	[ -f "$TEST_TMP/net.yaml" ] ||
		install -m 600 "$(dirname "${BASH_SOURCE[0]}")/../net.example.yaml" "$TEST_TMP/net.yaml"
	IF_A=$(ifname_for alpha) IF_B=$(ifname_for beta)
	IF_C=$(ifname_for charlie) IF_D=$(ifname_for delta)
	start_node P_BETA "$NS_BETA" beta 10.1.1.2 "$IF_B"
	start_node P_ALPHA "$NS_ALPHA" alpha 10.1.1.1 "$IF_A"
	start_node P_CHARLIE "$NS_CHARLIE" charlie 10.1.1.21 "$IF_C"
	start_node P_DELTA "$NS_DELTA" delta 10.1.1.22 "$IF_D"
}

# The four nodes of net.example.yaml as "NS:overlay" pairs.
topo_readme_nodes() {
	printf '%s\n' "$NS_ALPHA:10.1.1.1" "$NS_BETA:10.1.1.2" "$NS_CHARLIE:10.1.1.21" \
		"$NS_DELTA:10.1.1.22"
}

# readme_internet_loss PCT: every frame crossing the internet bridge, one
# way, is dropped with probability PCT % (an nft random-drop rule; no netem)
readme_internet_loss() {
	ip netns exec "$NS_INET" nft -f - <<NFT
table bridge loss {
	counter dropped { }
	chain forward {
		type filter hook forward priority filter; policy accept;
		numgen random mod 100 < $1 counter name dropped drop
	}
}
NFT
}

# readme_internet_dropped: how many frames readme_internet_loss dropped
readme_internet_dropped() {
	ip netns exec "$NS_INET" nft list counter bridge loss dropped | awk '/packets/ { print $2 }'
}

# readme_wait_keys: after readme_start, wait for the interfaces and put the
# WireGuard public keys of alpha, charlie and delta into K_A, K_C, K_D
# shellcheck disable=SC2034 # K_* are the callers'
readme_wait_keys() {
	wait_for "all interfaces" 50 wg show "$IF_D" public-key
	K_A=$(wg show "$IF_A" public-key)
	K_C=$(wg show "$IF_C" public-key)
	K_D=$(wg show "$IF_D" public-key)
}
