/*
 * WireGuard's own view of each peer, sampled by the host (about every
 * second, every 200 ms while something is in flux): traffic received
 * proves a neighbour alive without a probe; traffic sent into a tunnel
 * that stays silent is a stall, checked at once (adj.c) or, on a direct
 * path, with a fresh handshake (direct.c); a completed handshake lets an
 * adjacency be claimed (fib.c); the endpoint WireGuard reports for a
 * neighbour is its reflexive endpoint behind NAT, which we tell it.
 */
#include <string.h>

#include "core/mesh_int.h"

static struct mesh_peer *peer_by_wg_key(const struct mesh *m, const uint8_t *key)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		struct mesh_peer *p = m->peers.items[i];
		if (p->fib.on && memcmp(p->fib.key, key, WIRE_KEY_LEN) == 0)
			return p;
	}
	return NULL;
}

static uint64_t stall_ms(const struct mesh_peer *p)
{
	uint64_t rtts = 2 * (uint64_t)p->adj.srtt_ms;

	return rtts > MESH_STALL_MS ? rtts : MESH_STALL_MS;
}

static void sample_one(struct mesh *m, struct mesh_peer *p, const struct mesh_wg_stats *s)
{
	bool sent, got;

	/*
	 * Another key: a new start of the node, and nothing of the old
	 * samples holds (its endpoint, when it was last heard). Counters went
	 * back: a fresh peer of the same key (fib.c re-created it).
	 */
	if (memcmp(p->seen.key, s->pubkey, WIRE_KEY_LEN) != 0) {
		memset(&p->seen, 0, sizeof(p->seen));
		memcpy(p->seen.key, s->pubkey, WIRE_KEY_LEN);
	} else if (s->rx_bytes < p->seen.rx || s->tx_bytes < p->seen.tx) {
		p->seen.rx = p->seen.tx = 0;
		p->seen.stall_since = 0;
	}
	sent = s->tx_bytes > p->seen.tx;
	got = s->rx_bytes > p->seen.rx;

	if (got) {
		p->seen.last_rx = m->now;
		p->seen.rx_after = p->seen.at;
	}
	/*
	 * A tunnel that swallows what we send: check the neighbour now, not at
	 * the idle timer. The silence counts from the last thing heard, so a
	 * dead node with traffic flowing to it is down within about three
	 * seconds (a sample, MESH_STALL_MS and MESH_PROBE_DEAD_STALL_MS). On a
	 * slow path an answer takes its round trip: silence counts only from
	 * two of them (600 ms away, an answer late by half a second was taken
	 * for a stall, and every few seconds a check probed a live neighbour).
	 * Before the first handshake what we send are initiations: fib.c
	 * retries those; the adjacency is not in question.
	 */
	if (p->adj.up && p->fib.handshake && sent && !got &&
	    m->now - mesh_last_heard(p) >= stall_ms(p))
		probe_check(m, p, MESH_PROBE_DEAD_STALL_MS, "sending into a silent tunnel");
	p->seen.stall_since = sent && !got ? (p->seen.stall_since ? p->seen.stall_since : m->now) : 0;
	p->seen.has_endpoint = s->has_endpoint;
	if (s->has_endpoint)
		p->seen.endpoint = s->endpoint;
	if (s->last_handshake_sec)
		fib_on_handshake(m, p);
	fib_on_sample(m, p, s->last_handshake_sec != 0);
	/* tell a neighbour at once where its WireGuard packets come from */
	if (p->adj.up && p->seen.has_endpoint && p->seen.last_rx &&
	    (!p->adj.told_wg || !endpoint_eq(&p->adj.told_wg_endpoint, &p->seen.endpoint)))
		probe_send(m, p);
	direct_on_stats(m, p, s);
	p->seen.sending = sent;
	p->seen.rx = s->rx_bytes;
	p->seen.tx = s->tx_bytes;
	p->seen.at = m->now;
}

void sample_on_stats(struct mesh *m, const struct mesh_wg_stats *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mesh_peer *p = peer_by_wg_key(m, s[i].pubkey);
		struct mesh_wg_stats one = s[i];

		/*
		 * An endpoint we could not send to (port 0) is none, for every
		 * reader: we would tell it on, or set it on a peer.
		 */
		if (one.has_endpoint && !endpoint_sendable(&one.endpoint))
			one.has_endpoint = false;
		if (p)
			sample_one(m, p, &one);
	}
}
