/*
 * Probes, round trips and costs of adjacencies.
 *
 * Every PING carries its own id (probe_base + n); the PONG to one of the
 * last MESH_PROBE_RING gives a round-trip sample. Any authentic packet, or
 * WireGuard traffic from the neighbour, proves it alive (mesh_last_heard).
 *
 * Liveness. A neighbour silent for MESH_PROBE_IDLE_MS is checked (the side
 * with the higher id waits MESH_PROBE_IDLE_SLACK_MS longer, so usually one
 * side probes and its answer keeps the other quiet); so is one whose
 * tunnel swallows what we send (sample.c), and one another node lost
 * (flood.c). A check probes every MESH_PROBE_EVERY_MS (or half an RTT) and
 * ends with the first answer; with none for its budget (3 s idle, 2 s
 * stalled, 1 s when another node lost it; at least four RTT) the neighbour
 * is dead and adj.c takes the adjacency down. Many probes over a short
 * time, rather than a few over a long one, make a dead node noticed
 * quickly and a lossy link (20% loss) almost never flap.
 *
 * Costs. An edge costs a hop (MESH_COST_DEFAULT; a LAN hop 1) plus the
 * base round trip (the minimum of the last MESH_RTT_WINDOW samples),
 * rounded up to a power of two, moved only when the base leaves its
 * bucket by a quarter: jitter and a loaded host do not re-flood records.
 */
#include <stdio.h>
#include <string.h>

#include "core/mesh_int.h"


/*
 * Edge costs: a hop (MESH_COST_DEFAULT; a LAN hop costs 1) plus the
 * measured round trip in ms where we have one, rounded up to a power of
 * two so that jitter does not re-flood records. Hop count decides between
 * paths of similar latency, measured latency where it differs.
 */
static uint16_t kind_cost(uint8_t kind)
{
	return kind == WIRE_PATH_LAN ? 1 : MESH_COST_DEFAULT;
}

static uint16_t rtt_extra(uint32_t rtt_ms)
{
	uint16_t c = 8;

	if (rtt_ms < MESH_RTT_FLOOR_MS)
		return 0; /* LAN-like latency: hop count decides */
	while (c < rtt_ms && c < MESH_COST_MAX / 2)
		c = (uint16_t)(c * 2);
	return c;
}

/*
 * The base round trip of an adjacency: the minimum of its last
 * MESH_RTT_WINDOW samples. A busy host delays answers by anything from a
 * millisecond to a second; that only ever adds to the path's own delay,
 * so the minimum tracks the path and the load drops out. With a smoothed
 * average instead, fifty daemons on one busy host moved their costs
 * between buckets every few seconds, and each move flooded a record to
 * every node, which made the host busier.
 */
static uint32_t rtt_base(const struct mesh_peer *p)
{
	uint32_t b = UINT32_MAX;

	for (unsigned i = 0; i < p->adj.rtt_n; i++)
		if (p->adj.rtt_win[i] < b)
			b = p->adj.rtt_win[i];
	return p->adj.rtt_n ? b : 0;
}

static void rtt_push(struct mesh_peer *p, uint32_t rtt)
{
	p->adj.rtt_win[p->adj.rtt_pos] = rtt;
	p->adj.rtt_pos = (uint8_t)((p->adj.rtt_pos + 1) % MESH_RTT_WINDOW);
	if (p->adj.rtt_n < MESH_RTT_WINDOW)
		p->adj.rtt_n++;
}

/* The challenge's round trip: the first sample of a new contact. */
void probe_rtt_first(struct mesh_peer *p, uint32_t rtt)
{
	p->adj.rtt_ms = p->adj.srtt_ms = rtt;
	p->adj.rtt_n = p->adj.rtt_pos = 0;
	rtt_push(p, rtt);
}

/*
 * A new RTT sample. The cost follows the base RTT's bucket, and moves only
 * when the base leaves its bucket by a quarter, so a base at a bucket's
 * edge does not re-flood our record either.
 */
void probe_rtt_sample(struct mesh *m, struct mesh_peer *p, uint32_t rtt)
{
	uint16_t extra, cur;
	uint32_t base;

	p->adj.srtt_ms = p->adj.srtt_ms ? (3 * p->adj.srtt_ms + rtt) / 4 : rtt;
	p->adj.rtt_ms = rtt;
	rtt_push(p, rtt);
	if (!p->adj.up)
		return;
	base = rtt_base(p);
	extra = rtt_extra(base);
	cur = (uint16_t)(p->adj.cost - kind_cost(p->adj.kind));
	if (extra == cur)
		return;
	if (extra > cur && base * 4 <= (uint32_t)(cur ? cur : MESH_RTT_FLOOR_MS) * 5)
		return; /* not clearly above the current bucket */
	if (extra < cur && base * 8 >= (uint32_t)cur * 3)
		return; /* not clearly below it (the bucket below ends at cur / 2) */
	p->adj.cost = (uint16_t)(kind_cost(p->adj.kind) + extra);
	m->own_dirty = true;
}

/* ---- probes ---- */

/* What every PING and PONG carries besides the probe id. */
void probe_fill(const struct mesh *m, struct mesh_peer *p, struct wire_ping *ping)
{
	ping->record_seq = m->seq;
	ping->has = WIRE_PING_HAS_DB;
	ping->db_total = (uint16_t)lsdb_count(&m->db);
	ping->db_hash = lsdb_hash(&m->db);
	/* only once WireGuard heard from it: before, the endpoint is our guess */
	if (mesh_peer_sampled(p) && p->seen.has_endpoint && p->seen.last_rx) {
		ping->has |= WIRE_PING_HAS_OBSERVED_WG;
		ping->observed_wg = p->seen.endpoint;
		p->adj.told_wg_endpoint = p->seen.endpoint;
		p->adj.told_wg = true;
	}
	member_fill_ping(m, ping); /* a network with a CA: our revocations' summary */
}

void probe_send(struct mesh *m, struct mesh_peer *p)
{
	struct endpoint to;
	struct wire_msg *msg;

	if (!mesh_peer_admin_ep(p, &to) || !(msg = mesh_send(m, &to, WIRE_PING)))
		return;
	if (p->adj.probe_n >= UINT32_MAX / 2) {
		p->adj.probe_base = (uint32_t)mesh_random(m);
		p->adj.probe_n = 0;
	}
	msg->u.ping.probe_id = p->adj.probe_base + p->adj.probe_n;
	p->adj.probe_sent[p->adj.probe_n % MESH_PROBE_RING] = m->now;
	p->adj.probe_n++;
	probe_fill(m, p, &msg->u.ping);
}

/* The PONG to one of our last MESH_PROBE_RING probes: a round trip. */
void probe_answered(struct mesh *m, struct mesh_peer *p, uint32_t probe_id)
{
	uint32_t k = probe_id - p->adj.probe_base;

	if (k >= p->adj.probe_n || p->adj.probe_n - k > MESH_PROBE_RING)
		return;
	probe_rtt_sample(m, p, (uint32_t)(m->now - p->adj.probe_sent[k % MESH_PROBE_RING]));
}

uint64_t probe_idle_ms(const struct mesh *m, const struct mesh_peer *p)
{
	return addr_cmp(&m->cfg.id, &p->id) < 0 ? MESH_PROBE_IDLE_MS
						 : MESH_PROBE_IDLE_MS + MESH_PROBE_IDLE_SLACK_MS;
}

static uint64_t probe_every_ms(const struct mesh_peer *p)
{
	uint64_t half = p->adj.srtt_ms / 2;

	return half > MESH_PROBE_EVERY_MS ? half : MESH_PROBE_EVERY_MS;
}

void probe_check(struct mesh *m, struct mesh_peer *p, uint64_t dead_ms, const char *why)
{
	uint64_t rtts = 4 * (uint64_t)p->adj.srtt_ms;

	if (!p->adj.up || p->adj.check_since)
		return;
	p->adj.check_since = m->now;
	p->adj.check_dead_ms = dead_ms > rtts ? dead_ms : rtts;
	p->adj.next_probe = m->now;
	mesh_log(m, MESH_LOG_DEBUG, "checking neighbour %s: %s", p->name, why);
	probe_send(m, p);
	p->adj.next_probe = m->now + probe_every_ms(p);
}


/*
 * A running check: ended by an answer, dead after its budget (then why
 * says so and true is returned), else probing. An idle neighbour: a check
 * starts.
 */
bool probe_timers(struct mesh *m, struct mesh_peer *p, char *why, size_t len)
{
	if (!p->adj.check_since) {
		if (m->now - mesh_last_heard(p) >= probe_idle_ms(m, p))
			probe_check(m, p, MESH_PROBE_DEAD_IDLE_MS, "silent");
		return false;
	}
	if (mesh_heard_since(p, p->adj.check_since)) {
		p->adj.check_since = 0; /* it answered */
	} else if (m->now - p->adj.check_since >= p->adj.check_dead_ms) {
		snprintf(why, len, "no answer for %llu ms",
			 (unsigned long long)(m->now - p->adj.check_since));
		p->adj.check_since = 0;
		return true;
	} else if (m->now >= p->adj.next_probe) {
		probe_send(m, p);
		p->adj.next_probe = m->now + probe_every_ms(p);
	}
	return false;
}

uint64_t probe_next_timer(const struct mesh *m, const struct mesh_peer *p)
{
	if (!p->adj.check_since)
		return mesh_last_heard(p) + probe_idle_ms(m, p);
	return p->adj.next_probe < p->adj.check_since + p->adj.check_dead_ms ? p->adj.next_probe
								 : p->adj.check_since + p->adj.check_dead_ms;
}

uint16_t probe_cost(const struct mesh_peer *p)
{
	return (uint16_t)(kind_cost(p->adj.kind) + rtt_extra(rtt_base(p)));
}
