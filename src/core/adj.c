/*
 * Adjacencies: who our neighbours are, where they are, and whether they
 * are alive.
 *
 * First contact. A node says HELLO to every static peer (retried with
 * back-off: 250 ms doubling to 8 s) and answers any HELLO with a
 * HELLO_REPLY. A packet from a (node, boot) we have not confirmed changes
 * nothing: it is answered with a hello carrying a challenge and only a
 * hello that echoes it confirms the sender (replay.c). Both sides
 * challenge, so a first contact takes three packets, and a fourth tells
 * the first side that it is confirmed too:
 *
 *     A --HELLO(challenge a)-------------------> B   B: unknown A, challenge b
 *     A <-HELLO_REPLY(echo a, challenge b)------ B   A: B confirmed
 *     A --HELLO(echo b, peer_boot B)-----------> B   B: A confirmed
 *     A <-HELLO_REPLY(peer_boot A)-------------- B   A: B has confirmed us
 *
 * Challenges are stateless (cookie.c): they bind the claimed sender and the
 * endpoint they were sent to, so answering one creates no state, and an
 * echo proves the sender is alive at that endpoint now. Their number is
 * bounded per source, per peer and in all (a token bucket): a stream of
 * replayed datagrams makes a node send a few challenges, no more.
 *
 * Binding hellos to their path. Every hello but a LAN broadcast names the
 * endpoint it was sent to (`to`, sealed with the rest). A hello from a node
 * not listed in net.yaml is taken only if `to` is one of our addresses at
 * our admin port (or our own configured endpoint, for a node behind a
 * port forward). Otherwise a third party that holds no key could relay a
 * captured datagram of A to B and then relay their answers: the challenges
 * would pass through it and A and B would talk to each other through it,
 * with their tunnel at its address. A relayed hello names the relay.
 * Listed peers are talked to only at their configured address. A node not
 * listed is talked to at the endpoint it proved: the source of a hello
 * that echoed our challenge; packets from a new source (roaming) are
 * accepted but answered there only after such a proof (a path check).
 *
 * Restarts and claims. A newer or older boot of a confirmed node is a new
 * start: it must pass the challenge like a first contact. If the start we
 * know may still be alive (an adjacency up) and the new one speaks from
 * another endpoint, both claim the address: the known one is checked first
 * (probes), and the claimant is refused, loudly, while the known one
 * answers; if it is silent, the new start takes over. A restart in place
 * (same endpoint) takes over at once. A boot that jumps further than
 * MESH_BOOT_JUMP_MAX past the newest we hold for the node is refused. A
 * hello tells its receiver about a newer boot of it that we hold
 * (held_boot), so a node whose clock went back across a restart moves its
 * boot past the stale one within a round trip instead of being locked out.
 *
 * Liveness. Every PING carries an id; its PONG gives an RTT sample and any
 * authentic packet (or WireGuard traffic) proves the neighbour alive. A
 * neighbour silent for MESH_PROBE_IDLE_MS is checked (the side with the
 * higher id waits MESH_PROBE_IDLE_SLACK_MS longer, so usually one side
 * probes and its answer keeps the other quiet); so is one whose tunnel
 * swallows what we send (a stall). A check probes every MESH_PROBE_EVERY_MS
 * (or half an RTT) and ends with the first answer; with none for its budget
 * (3 s idle, 2 s stalled, at least 4 RTT) the adjacency is down. Many probes
 * over a short time, rather than a few over a long one, make a dead node
 * noticed quickly and a lossy link (20% loss) almost never flap.
 *
 * Echo. The hello exchange ends with an echo that nothing acknowledges:
 * the side that sent it has the adjacency up, and if it was lost the
 * other side has nothing and says nothing. So until the neighbour shows
 * it has confirmed us (a hello naming our boot, or any other packet),
 * we ask again (a hello with a challenge: its answer brings a fresh
 * challenge to echo), MESH_ECHO_FIRST_MS doubling to MESH_ECHO_MAX_MS, at
 * most MESH_ECHO_TRIES times, the last before the idle check. Under 20%
 * loss one echo in five was lost, and the pair then waited 15 s for the
 * idle check, its WireGuard handshake and its routes with it.
 *
 * An adjacency is claimed in our record, and so carries routes, only once
 * WireGuard has completed a handshake with the neighbour's current key
 * (fib.c): an admin exchange alone proves nothing about the tunnel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

static const char *fmt_id(const struct addr *id, char *buf)
{
	return addr_fmt(id, buf, ADDR_STRLEN);
}

static bool is_hello(const struct wire_msg *msg)
{
	return msg->hdr.type == WIRE_HELLO || msg->hdr.type == WIRE_HELLO_REPLY;
}

/* The endpoint our challenges to this sender went to: what its echo binds. */
static struct endpoint challenge_ep(const struct mesh_peer *p, const struct endpoint *from)
{
	if (p && p->is_static && p->static_resolved)
		return p->static_admin;
	return *from;
}

bool adj_any(const struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++)
		if (((const struct mesh_peer *)m->peers.items[i])->adj.up)
			return true;
	return false;
}

/* Is `to` one of our admin endpoints? */
static bool addressed_to_us(const struct mesh *m, const struct endpoint *to)
{
	if (m->has_self_static && endpoint_eq(to, &m->self_static))
		return true;
	if (to->port != m->cfg.admin_port)
		return false;
	for (size_t i = 0; i < m->n_local; i++)
		if (addr_eq(&m->local[i], &to->addr))
			return true;
	return m->has_self_static && addr_eq(&m->self_static.addr, &to->addr);
}

/* ---- challenges: bounded in number ---- */

static size_t source_slot(const struct endpoint *ep)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ ep->addr.b[i]) * 16777619u;
	h = (h ^ (ep->port >> 8)) * 16777619u;
	h = (h ^ (ep->port & 0xff)) * 16777619u;
	return h % MESH_CHALLENGE_SLOTS;
}

static bool challenge_allowed(struct mesh *m, struct mesh_peer *p, const struct endpoint *to)
{
	size_t slot = source_slot(to);
	uint64_t cap = (uint64_t)MESH_CHALLENGE_BURST * 1000;

	m->chal_tokens += (m->now - m->chal_at) * MESH_CHALLENGE_RATE;
	if (m->chal_tokens > cap)
		m->chal_tokens = cap;
	m->chal_at = m->now;
	if (m->now < m->chal_slot[slot] || (p && m->now < p->adj.challenge_at) ||
	    m->chal_tokens < 1000)
		return false;
	m->chal_tokens -= 1000;
	m->chal_slot[slot] = m->now + MESH_CHALLENGE_GAP_MS;
	if (p)
		p->adj.challenge_at = m->now + MESH_CHALLENGE_GAP_MS;
	return true;
}

/*
 * A hello to `to`, for the node id (p may be NULL: a stateless answer).
 * their_boot: the receiver's boot as far as we know it (0: unknown).
 */
static void send_hello(struct mesh *m, struct mesh_peer *p, const struct addr *id,
		       const struct endpoint *to, enum wire_type type, bool challenge,
		       uint64_t echo, uint64_t their_boot)
{
	struct wire_msg *msg = mesh_send(m, to, type);
	struct wire_hello *h;
	uint64_t held;

	if (!msg)
		return;
	h = &msg->u.hello;
	snprintf(h->name, sizeof(h->name), "%s", m->cfg.name);
	h->wg_port = m->cfg.wg_port;
	h->admin_port = m->cfg.admin_port;
	h->flags = m->cfg.flags;
	memcpy(h->pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	h->has = WIRE_HELLO_HAS_TO;
	h->to = *to;
	/* where its packets come from, as we see them: behind NAT or not */
	h->has |= WIRE_HELLO_HAS_OBSERVED;
	h->observed = p && p->has_src ? p->src : *to;
	if (challenge)
		h->challenge = cookie_make(&m->cookie, id, to, m->now);
	if (echo) {
		h->has |= WIRE_HELLO_HAS_ECHO;
		h->echo = echo;
	}
	if (p && p->adj.replay.confirmed) {
		h->has |= WIRE_HELLO_HAS_PEER_BOOT;
		h->peer_boot = p->adj.replay.boot;
	}
	held = mesh_held_boot(m, id);
	if (their_boot && held > their_boot) {
		h->has |= WIRE_HELLO_HAS_HELD_BOOT;
		h->held_boot = held;
	}
	h->record_seq = m->seq;
	member_fill_hello(m, msg, id); /* a network with a CA: our certificate, and the proof */
}

/*
 * An authentic packet from a (node, boot) not confirmed: answer with a
 * challenge (and the echo of its own), nothing else. No state is made.
 */
static void challenge_sender(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
			     const struct wire_msg *msg)
{
	uint64_t echo = is_hello(msg) ? msg->u.hello.challenge : 0;
	enum wire_type reply = msg->hdr.type == WIRE_HELLO ? WIRE_HELLO_REPLY : WIRE_HELLO;
	struct endpoint to = challenge_ep(p, from);

	m->ctr.drops[WIRE_DROP_UNCONFIRMED]++;
	if (challenge_allowed(m, p, &to))
		send_hello(m, p, &msg->hdr.sender, &to, reply, true, echo, msg->hdr.boot);
}

/* ---- adjacency up and down ---- */

static void adj_up(struct mesh *m, struct mesh_peer *p)
{
	char id[ADDR_STRLEN];
	struct endpoint ep;

	if (!p->adj.up)
		mesh_log(m, MESH_LOG_INFO, "neighbour %s (%s) is up", p->name, fmt_id(&p->id, id));
	p->adj.up = true;
	p->adj.since = m->now;
	p->adj.kind = mesh_peer_admin_ep(p, &ep) && mesh_on_local_lan(m, &ep.addr)
			      ? WIRE_PATH_LAN
			      : WIRE_PATH_DIRECT;
	/* the challenge measured the round trip: start with the real cost */
	p->adj.cost = probe_cost(p);
	p->adj.check_since = 0;
	p->adj.probe_base = (uint32_t)mesh_random(m);
	p->adj.probe_n = 0;
	p->adj.hello_backoff = MESH_HELLO_FIRST_MS;
	p->adj.hello_tries = 0;
	p->adj.claim.on = false;
	m->own_dirty = true;
	m->routes_dirty = true;
}

void adj_down(struct mesh *m, struct mesh_peer *p, const char *why)
{
	char id[ADDR_STRLEN];

	if (!p->adj.up)
		return;
	mesh_log(m, MESH_LOG_INFO, "neighbour %s (%s) is down: %s", p->name, fmt_id(&p->id, id),
		 why);
	p->adj.up = false;
	p->adj.check_since = 0;
	p->adj.peer_has_us = false;
	p->adj.next_echo = 0;
	/*
	 * Whatever boot comes next must pass a challenge again, even one
	 * numbered lower (a host whose clock went back): the echo proves it
	 * is alive now, which is all the boot order protects.
	 */
	replay_forget(&p->adj.replay);
	/* a new start waits for this one: ask it to echo a challenge now */
	if (p->adj.claim.on && challenge_allowed(m, p, &p->adj.claim.from))
		send_hello(m, p, &p->id, &p->adj.claim.from, WIRE_HELLO, true, 0, p->adj.claim.boot);
	p->adj.next_hello = m->now;
	p->adj.hello_backoff = MESH_HELLO_FIRST_MS;
	p->adj.hello_tries = 0;
	m->own_dirty = true;
	m->routes_dirty = true;
}

/* ---- admission: a (node, boot) proves it is alive ---- */

/*
 * A new start claims the address of a node whose start we know. While the
 * known one may be alive elsewhere, check it first; refuse the claimant
 * while it answers. Returns true when the claimant may take over now.
 */
static bool claim_allowed(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
			  uint64_t boot)
{
	char id[ADDR_STRLEN], a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];

	if (!p->adj.up || (p->has_src && endpoint_eq(&p->src, from)))
		return true; /* nobody holds it, or a restart in place */
	fmt_id(&p->id, id);
	endpoint_fmt(from, a, sizeof(a));
	endpoint_fmt(&p->src, b, sizeof(b));
	if (!p->adj.claim.on || p->adj.claim.boot != boot || !endpoint_eq(&p->adj.claim.from, from)) {
		p->adj.claim.on = true;
		p->adj.claim.boot = boot;
		p->adj.claim.from = *from;
		p->adj.claim.since = m->now;
		mesh_log(m, MESH_LOG_WARN,
			 "%s (%s): a new start at %s claims its address; checking the running "
			 "one at %s first",
			 p->name, id, a, b);
		probe_check(m, p, MESH_CLAIM_WAIT_MS, "another start claims its address");
		return false;
	}
	if (mesh_heard_since(p, p->adj.claim.since)) {
		m->ctr.claims_refused++;
		p->adj.claims_refused++;
		mesh_refuse(m, &p->id, "a start claiming the address of a node that still answers");
		if (p->adj.claim.refused_boot != boot) {
			p->adj.claim.refused_boot = boot;
			mesh_log(m, MESH_LOG_WARN,
				 "%s (%s): refused a second node with this address at %s: the "
				 "running one answers at %s (a copy of its configuration?)",
				 p->name, id, a, b);
		}
	}
	return false; /* waiting for the check, or refused */
}

/* A boot further than MESH_BOOT_JUMP_MAX past everything we know of it. */
static bool boot_jump_too_far(const struct mesh *m, const struct mesh_peer *p, uint64_t boot)
{
	uint64_t held = mesh_held_boot(m, &p->id);

	if (p->adj.replay.confirmed && p->adj.replay.boot > held)
		held = p->adj.replay.boot;
	return held && boot > held && boot - held > MESH_BOOT_JUMP_MAX;
}

/*
 * The sender echoed our challenge at `from`: confirm its boot, unless that
 * start is refused. Returns the peer, or NULL (dropped, counted).
 */
/*
 * vouched: the hello proved the certificate of the identity we hold for
 * its address (a network with a CA): its new start takes over at once.
 */
static struct mesh_peer *admit(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
			       const struct wire_msg *msg, uint32_t rtt, bool vouched)
{
	const struct wire_header *h = &msg->hdr;
	bool new_start;
	char id[ADDR_STRLEN];

	if (!p && !(p = mesh_peer_ensure(m, &h->sender))) {
		mesh_refuse(m, &h->sender, "a new node (the node table is full)");
		return NULL;
	}
	new_start = !p->adj.replay.confirmed || p->adj.replay.boot != h->boot;
	if (new_start && p->adj.replay.confirmed && !vouched && !claim_allowed(m, p, from, h->boot))
		return NULL;
	if (new_start && boot_jump_too_far(m, p, h->boot)) {
		mesh_refuse(m, &p->id, "a boot id far past the one we hold (forged?)");
		return NULL;
	}
	if (replay_confirm(&p->adj.replay, h->boot, h->counter) < 0) {
		m->ctr.drops[WIRE_DROP_REPLAY]++;
		return NULL;
	}
	if (new_start) {
		if (p->adj.claim.on && endpoint_eq(&p->adj.claim.from, from)) {
			char a[ENDPOINT_STRLEN];
			mesh_log(m, MESH_LOG_WARN,
				 "%s (%s): the start at %s took over its address; the one before "
				 "stopped answering",
				 p->name, fmt_id(&p->id, id), endpoint_fmt(from, a, sizeof(a)));
			m->ctr.takeovers++;
		}
		if (p->adj.up) {
			p->adj.up = false; /* re-established below with the new start's key */
			m->own_dirty = true;
			m->routes_dirty = true;
		}
		p->adj.claim.on = false;
		p->adj.peer_has_us = false;
		p->adj.next_echo = 0; /* a new start: any ask was for the old one */
		p->adj.check_since = 0;
		probe_rtt_first(p, rtt);
	} else {
		probe_rtt_sample(m, p, rtt);
	}
	mesh_peer_proved(p, from); /* the path it proved */
	return p;
}

/* ---- receiving ---- */

/*
 * Checks of a hello before anything in it counts: a name, an address no
 * live node of another name holds, and (from a node not listed) addressed
 * to us.
 */
static bool hello_acceptable(struct mesh *m, const struct mesh_peer *p,
			     const struct wire_msg *msg)
{
	const struct wire_hello *h = &msg->u.hello;

	if (!mesh_name_ok(h->name) || mesh_id_taken(m, &msg->hdr.sender, h->name)) {
		mesh_refuse(m, &msg->hdr.sender, "a hello claiming an address another node holds");
		return false;
	}
	if ((!p || !p->is_static) && !(h->has & WIRE_HELLO_LAN) &&
	    !addressed_to_us(m, &h->to)) {
		mesh_refuse(m, &msg->hdr.sender,
			    "a hello addressed to another endpoint (relayed by a third party?)");
		return false;
	}
	return true;
}

/*
 * A LAN broadcast hello does nothing but ask for a challenge: the sender
 * answers it from its address on the LAN, and the usual exchange follows.
 */
static void on_lan_hello(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
			 const struct wire_msg *msg)
{
	if (p && p->adj.up)
		return; /* it has neighbours again soon; we are one already */
	if (challenge_allowed(m, p, from))
		send_hello(m, p, &msg->hdr.sender, from, WIRE_HELLO_REPLY, true, 0, msg->hdr.boot);
}

/* We echoed its challenge: ask again until it shows it has us (see "Echo"). */
static void echo_sent(struct mesh *m, struct mesh_peer *p)
{
	if (p->adj.peer_has_us || p->adj.next_echo)
		return;
	p->adj.echo_backoff = MESH_ECHO_FIRST_MS;
	p->adj.echo_tries = 0;
	p->adj.next_echo = m->now + p->adj.echo_backoff;
}

/* It has confirmed our boot, or no longer has: either way no echo is pending. */
static void set_peer_has_us(struct mesh *m, struct mesh_peer *p, bool has)
{
	if (p->adj.peer_has_us == has)
		return;
	p->adj.peer_has_us = has;
	p->adj.next_echo = 0;
	m->routes_dirty = true; /* it has our key now: the first handshake may start */
}

static bool echo_due(const struct mesh_peer *p)
{
	return p->adj.up && !p->adj.peer_has_us && p->adj.next_echo;
}

/*
 * A hello with a fresh challenge: its answer brings a fresh challenge of
 * the neighbour's, which we echo at once. Resending the old echo instead
 * would also do, but the neighbour takes the age of the challenge an echo
 * answers as its first round-trip sample: a resent echo would give it a
 * round trip inflated by our wait (seconds), and a path cost with it.
 */
static void echo_resend(struct mesh *m, struct mesh_peer *p)
{
	struct endpoint to;

	if (++p->adj.echo_tries > MESH_ECHO_TRIES) {
		p->adj.next_echo = 0;
		return;
	}
	p->adj.echo_backoff = p->adj.echo_backoff * 2 > MESH_ECHO_MAX_MS ? MESH_ECHO_MAX_MS
									  : p->adj.echo_backoff * 2;
	p->adj.next_echo = m->now + p->adj.echo_backoff;
	if (mesh_peer_admin_ep(p, &to))
		send_hello(m, p, &p->id, &to, WIRE_HELLO, true, 0, p->adj.replay.boot);
}

/* Returns true when the adjacency came up with it. */
static bool on_hello(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		     const struct wire_msg *msg, bool echo_ok)
{
	const struct wire_hello *h = &msg->u.hello;
	struct endpoint to;
	bool path_ok;

	/* a neighbour holds a newer record of ours: move past it first */
	if ((h->has & WIRE_HELLO_HAS_HELD_BOOT) && h->held_boot > m->cfg.boot)
		mesh_note_newer_self(m, h->held_boot, "a neighbour holds a newer record of this node");
	if (mesh_peer_learn(p, h->name, h->pubkey, h->wg_port, h->admin_port, h->flags))
		m->routes_dirty = true; /* key or port changed */
	if (h->has & WIRE_HELLO_HAS_OBSERVED) {
		if (!p->adj.has_observed_me || !endpoint_eq(&p->adj.observed_me, &h->observed))
			m->routes_dirty = true; /* may change our NAT keepalive */
		p->adj.has_observed_me = true;
		p->adj.observed_me = h->observed;
	}
	set_peer_has_us(m, p, (h->has & WIRE_HELLO_HAS_PEER_BOOT) && h->peer_boot == m->cfg.boot);
	if (echo_ok)
		mesh_peer_proved(p, from);
	if (!mesh_peer_admin_ep(p, &to))
		return false;
	/* a node not listed that speaks from elsewhere proves the new path first */
	path_ok = p->is_static || endpoint_eq(&to, from);
	/* the answer first: until it arrives the peer drops whatever else we send */
	if (msg->hdr.type == WIRE_HELLO) {
		if (!path_ok)
			to = *from;
		send_hello(m, p, &p->id, &to, WIRE_HELLO_REPLY, !path_ok, h->challenge,
			   msg->hdr.boot);
	} else if (h->challenge) {
		send_hello(m, p, &p->id, &to, WIRE_HELLO, false, h->challenge, msg->hdr.boot);
	}
	if (h->challenge)
		echo_sent(m, p); /* the echo ends the exchange: nothing acknowledges it */
	if (!p->adj.up) {
		adj_up(m, p);
		return true;
	}
	return false;
}

/*
 * Diagnostics: what each neighbour's WireGuard last reported as our
 * endpoint, kept per neighbour (the reflexive endpoint below is one
 * neighbour's). `netcheck` compares them: one port for all neighbours
 * outside our LANs is a NAT that keeps its mapping; several, one that
 * randomises it.
 */
static void note_observed_wg(struct mesh_peer *p, const struct wire_ping *ping)
{
	if (!(ping->has & WIRE_PING_HAS_OBSERVED_WG))
		return;
	p->adj.has_observed_wg = true;
	p->adj.observed_wg = ping->observed_wg;
}

/*
 * Both PING and PONG: our reflexive WireGuard endpoint as the neighbour's
 * WireGuard sees it. (Their database summary is flood.c's.)
 */
static void on_ping_common(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	const struct wire_ping *ping = &msg->u.ping;
	/*
	 * Behind a port-randomising NAT every neighbour sees another port: the
	 * endpoint sticks to the neighbour that reported it first while that
	 * adjacency lasts, or each report would re-flood our record.
	 */
	const struct mesh_peer *from =
		m->has_reflexive ? mesh_peer_get(m, &m->reflexive_from) : NULL;
	struct endpoint ep;

	note_observed_wg(p, ping);
	member_on_ping(m, p, ping); /* revocations: send it what it lacks */
	/*
	 * A neighbour on one of our LANs sees our LAN address, which tells
	 * nobody outside anything: only farther neighbours reveal the
	 * endpoint a NAT gives us (or, with no NAT, our public address).
	 */
	if ((ping->has & WIRE_PING_HAS_OBSERVED_WG) &&
	    !(mesh_peer_admin_ep(p, &ep) && mesh_on_local_lan(m, &ep.addr)) &&
	    (!from || from == p || !from->adj.up) &&
	    (!m->has_reflexive || !endpoint_eq(&m->reflexive, &ping->observed_wg))) {
		char s[ENDPOINT_STRLEN];
		m->reflexive_from = p->id;
		m->has_reflexive = true;
		m->reflexive = ping->observed_wg;
		m->own_dirty = true;
		mesh_log(m, MESH_LOG_INFO, "our WireGuard endpoint as %s sees it: %s", p->name,
			 endpoint_fmt(&m->reflexive, s, sizeof(s)));
	}
}

static void on_ping(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	struct endpoint to;
	struct wire_msg *pong;

	if (mesh_peer_admin_ep(p, &to) && (pong = mesh_send(m, &to, WIRE_PONG)) != NULL) {
		pong->u.ping.probe_id = msg->u.ping.probe_id;
		probe_fill(m, p, &pong->u.ping);
	}
	on_ping_common(m, p, msg);
}

static void on_pong(struct mesh *m, struct mesh_peer *p, const struct wire_msg *msg)
{
	probe_answered(m, p, msg->u.ping.probe_id);
	on_ping_common(m, p, msg);
}

/*
 * The adjacency's own messages. Returns true when the adjacency came up
 * with this one (mesh.c tells flood.c: a full digest to the new neighbour).
 */
static bool dispatch(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		     const struct wire_msg *msg, bool echo_ok)
{
	/*
	 * Anything but a hello from a neighbour means it has confirmed us and
	 * installed our key (it sends nothing else before): our first
	 * WireGuard handshake can start (fib.c). After a restart of ours a
	 * packet meant for our old start could slip in first; that costs one
	 * retry of the handshake.
	 */
	if (!is_hello(msg))
		set_peer_has_us(m, p, true);
	switch ((enum wire_type)msg->hdr.type) {
	case WIRE_HELLO:
	case WIRE_HELLO_REPLY:
		return on_hello(m, p, from, msg, echo_ok);
	case WIRE_LEAVE:
		adj_down(m, p, "it left");
		break;
	case WIRE_PING:
		on_ping(m, p, msg);
		break;
	case WIRE_PONG:
		on_pong(m, p, msg);
		break;
	case WIRE_RECORD:
	case WIRE_DIGEST:
	case WIRE_REQUEST:	/* flood.c's */
	case WIRE_CERT:
	case WIRE_CERT_REQUEST:
	case WIRE_REVOKE:	/* member.c's */
		break;
	}
	return false;
}

/* A node not listed speaks from a new source: ask it to prove the path. */
static void check_path(struct mesh *m, struct mesh_peer *p, const struct endpoint *from,
		       const struct wire_msg *msg)
{
	if (p->is_static || !p->has_admin_ep || endpoint_eq(&p->admin_ep, from) || is_hello(msg))
		return;
	if (challenge_allowed(m, p, from))
		send_hello(m, p, &p->id, from, WIRE_HELLO, true, 0, msg->hdr.boot);
}

struct mesh_peer *adj_on_packet(struct mesh *m, const struct endpoint *from,
				const struct wire_msg *msg, bool *came_up)
{
	const struct wire_header *h = &msg->hdr;
	struct mesh_peer *p = mesh_peer_get(m, &h->sender);
	enum replay_verdict v = p ? replay_check(&p->adj.replay, h->boot, h->counter)
				  : REPLAY_NEEDS_CHALLENGE;
	bool hello = is_hello(msg), echo_ok = false, vouched = false;
	uint32_t rtt = 0;

	if (hello && (msg->u.hello.has & WIRE_HELLO_LAN)) {
		if (v == REPLAY_OK)
			replay_commit(&p->adj.replay, h->boot, h->counter);
		else
			m->ctr.drops[replay_verdict_drop(v)]++;
		on_lan_hello(m, p, from, msg);
		return NULL;
	}
	/* an older start proving itself alive: a host whose clock went back */
	if (hello && v == REPLAY_OLD_BOOT)
		v = REPLAY_NEEDS_CHALLENGE;
	if (v == REPLAY_DUP || v == REPLAY_OLD_BOOT) {
		m->ctr.drops[replay_verdict_drop(v)]++;
		return NULL;
	}
	if (hello && !hello_acceptable(m, p, msg))
		return NULL;
	if (hello && (msg->u.hello.has & WIRE_HELLO_HAS_ECHO)) {
		struct endpoint cep = challenge_ep(p, from);
		echo_ok = cookie_check(&m->cookie, msg->u.hello.echo, &h->sender, &cep, m->now,
				       &rtt);
	}
	/* a network with a CA: the answer to our challenge proves a certificate too */
	if (echo_ok && m->cfg.has_ca) {
		enum member_verdict mv = member_on_hello(m, msg);
		if (mv == MEMBER_REFUSED)
			return NULL;
		vouched = mv == MEMBER_SAME_IDENTITY;
	}
	if (v == REPLAY_NEEDS_CHALLENGE) {
		if (!echo_ok) {
			challenge_sender(m, p, from, msg);
			return NULL;
		}
		if (!(p = admit(m, p, from, msg, rtt, vouched)))
			return NULL;
	} else {
		replay_commit(&p->adj.replay, h->boot, h->counter);
		if (echo_ok)
			probe_rtt_sample(m, p, rtt);
		check_path(m, p, from, msg);
	}
	m->ctr.rx[h->type]++;
	p->adj.last_rx = m->now;
	mesh_peer_heard(p, from);
	/* only hellos until the adjacency is up: nothing else is for us yet */
	if (!p->adj.up && !hello && h->type != WIRE_LEAVE)
		return NULL;
	*came_up = dispatch(m, p, from, msg, echo_ok);
	return p;
}

/* ---- time ---- */

/* A static peer's address is (newly) known: say hello there now. */
void adj_static_moved(struct mesh *m, struct mesh_peer *p)
{
	p->adj.next_hello = m->now;
	p->adj.hello_backoff = MESH_HELLO_FIRST_MS;
	p->adj.hello_tries = 0;
	adj_timers(m, p);
}

/* Would a listed peer's silence be worth its warning (adj_static_silence)? */
static bool static_silence_due(const struct mesh_peer *p)
{
	return p->is_static && p->static_resolved && !p->adj.up && p->adj.silent_since &&
	       !p->adj.silent_warned && mesh_last_heard(p) < p->adj.silent_since;
}

/*
 * A listed peer whose hellos go unanswered is said once, plainly, after
 * MESH_STATIC_SILENT_MS: from here a peer that is down, a port that is
 * blocked and a peer with another sharedKey (it cannot open our hellos)
 * look the same. Said again only after it has answered in between, or
 * when its address changed. The start of the silence stays for the status
 * ("no answer since").
 */
static void adj_static_silence(struct mesh *m, struct mesh_peer *p)
{
	char id[ADDR_STRLEN], ep[ENDPOINT_STRLEN];

	if (!p->is_static || !p->static_resolved || p->adj.up) {
		if (p->adj.up)
			p->adj.silent_warned = false;
		p->adj.silent_since = 0;
		return;
	}
	if (!p->adj.silent_since || !endpoint_eq(&p->adj.silent_ep, &p->static_admin)) {
		p->adj.silent_since = m->now;
		p->adj.silent_ep = p->static_admin;
		p->adj.silent_warned = false;
		return;
	}
	if (!static_silence_due(p) || m->now - p->adj.silent_since < MESH_STATIC_SILENT_MS)
		return;
	p->adj.silent_warned = true;
	mesh_log(m, MESH_LOG_WARN,
		 "static peer %s (%s) does not answer: no hello answered for %llu s (down, "
		 "blocked, or another sharedKey?)",
		 p->has_info ? p->name : fmt_id(&p->id, id),
		 endpoint_fmt(&p->static_admin, ep, sizeof(ep)),
		 (unsigned long long)((m->now - p->adj.silent_since) / 1000));
}

void adj_timers(struct mesh *m, struct mesh_peer *p)
{
	adj_static_silence(m, p);
	if (p->is_static && !p->adj.up && p->static_resolved && m->now >= p->adj.next_hello) {
		send_hello(m, p, &p->id, &p->static_admin, WIRE_HELLO, true, 0,
			   p->adj.replay.confirmed ? p->adj.replay.boot : 0);
		if (!p->adj.hello_backoff)
			p->adj.hello_backoff = MESH_HELLO_FIRST_MS;
		p->adj.next_hello = m->now + p->adj.hello_backoff;
		/* a peer not up yet usually is a moment later: a few quick tries first */
		if (++p->adj.hello_tries > MESH_HELLO_QUICK_TRIES)
			p->adj.hello_backoff = p->adj.hello_backoff * 2 > MESH_HELLO_MAX_MS
						   ? MESH_HELLO_MAX_MS
						   : p->adj.hello_backoff * 2;
	}
	if (echo_due(p) && m->now >= p->adj.next_echo)
		echo_resend(m, p);
	if (p->adj.up) {
		char why[64];
		if (probe_timers(m, p, why, sizeof(why)))
			adj_down(m, p, why);
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t adj_next_timer(const struct mesh *m, const struct mesh_peer *p)
{
	uint64_t t = UINT64_MAX;

	if (p->is_static && !p->adj.up && p->static_resolved)
		t = p->adj.next_hello;
	if (static_silence_due(p))
		t = min_u64(t, p->adj.silent_since + MESH_STATIC_SILENT_MS);
	if (!p->adj.up)
		return t;
	if (echo_due(p))
		t = min_u64(t, p->adj.next_echo);
	return min_u64(t, probe_next_timer(m, p));
}

static uint64_t lan_jitter(struct mesh *m)
{
	return mesh_random(m) % MESH_LAN_HELLO_JITTER_MS;
}

/*
 * Alone (no neighbour answers, say no static peer is reachable): a sealed
 * hello broadcast on our LANs lets nodes there find us. It carries no
 * challenge and names no target: whoever hears it answers with a
 * challenge, and the usual exchange follows. Backs off from 1 s to 30 s;
 * nothing is sent once any neighbour is up, so a connected mesh pays
 * nothing for it.
 */
/*
 * A hello to whoever answers (a LAN broadcast, a seed endpoint): it names
 * no target, and is answered with a challenge.
 */
void adj_fill_open_hello(struct mesh *m, struct wire_msg *msg)
{
	struct wire_hello *h = &msg->u.hello;

	snprintf(h->name, sizeof(h->name), "%s", m->cfg.name);
	h->has = WIRE_HELLO_LAN;
	h->wg_port = m->cfg.wg_port;
	h->admin_port = m->cfg.admin_port;
	h->flags = m->cfg.flags;
	memcpy(h->pubkey, m->cfg.pubkey, WIRE_KEY_LEN);
	h->record_seq = m->seq;
	member_fill_hello(m, msg, NULL);
}

void adj_lan_hello_timer(struct mesh *m)
{
	struct mesh_action *a;

	if (!m->cfg.lan_discovery || !m->n_local || adj_any(m) || m->now < m->lan_hello_at)
		return;
	a = mesh_push(m, MESH_ACT_SEND_LAN);
	if (!a)
		return;
	a->u.send.msg.hdr.type = WIRE_HELLO;
	a->u.send.msg.hdr.sender = m->cfg.id;
	a->u.send.msg.hdr.boot = m->cfg.boot;
	a->u.send.msg.hdr.counter = ++m->counter;
	m->ctr.tx[WIRE_HELLO]++;
	adj_fill_open_hello(m, &a->u.send.msg);
	/* jittered: two nodes started together must not keep broadcasting in step */
	m->lan_hello_at = m->now + m->lan_hello_backoff + lan_jitter(m);
	m->lan_hello_backoff = m->lan_hello_backoff * 2 > MESH_LAN_HELLO_MAX_MS
				       ? MESH_LAN_HELLO_MAX_MS
				       : m->lan_hello_backoff * 2;
}

/* ---- our own changes ---- */

void adj_our_boot_changed(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		struct endpoint to;
		p->adj.peer_has_us = false;
		p->adj.next_echo = 0;
		/* our next packet is a new start to it: say hello now */
		if (p->adj.up && mesh_peer_admin_ep(p, &to))
			send_hello(m, p, &p->id, &to, WIRE_HELLO, true, 0, p->adj.replay.boot);
	}
	m->routes_dirty = true;
}

/*
 * Roaming: a neighbour met on a LAN we just left is gone with it; the
 * others hear from our new address at once (a probe), which lets them
 * check our new path and tell us our new reflexive endpoint.
 */
void adj_roamed(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		struct endpoint ep;
		if (p->adj.up && p->adj.kind == WIRE_PATH_LAN && mesh_peer_admin_ep(p, &ep) &&
		    !mesh_on_local_lan(m, &ep.addr))
			adj_down(m, p, "we left its LAN");
		else if (p->adj.up)
			probe_send(m, p);
	}
}

void adj_leave(struct mesh *m)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		struct endpoint to;
		/* twice: a lost LEAVE costs the others a probe timeout */
		for (int k = 0; k < 2 && p->adj.up && mesh_peer_admin_ep(p, &to); k++) {
			struct wire_msg *msg = mesh_send(m, &to, WIRE_LEAVE);
			if (msg)
				msg->u.leave.reason = 0;
		}
	}
}
