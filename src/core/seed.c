/*
 * Seeds: static peers given only by an endpoint (--peer HOST:PORT/ADMIN),
 * the original's "static server per command line parameter". We do not
 * know who listens there, so the hello names no one (as a LAN hello does)
 * and whoever answers is challenged and admitted like any neighbour. A
 * seed is said hello to while no neighbour answers from its endpoint:
 * at once when resolved, then after 1 s, doubling to MESH_HELLO_MAX_MS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mesh_int.h"

#define SEED_FIRST_MS 1000

int mesh_set_seeds(struct mesh *m, size_t n, uint64_t now)
{
	struct seed *s = calloc(n ? n : 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	m->now = now;
	free(m->seeds);
	m->seeds = s;
	m->n_seeds = n;
	return 0;
}

void mesh_set_seed_endpoint(struct mesh *m, size_t idx, const struct endpoint *admin_ep,
			    uint64_t now)
{
	struct seed *s;

	if (idx >= m->n_seeds || !endpoint_sendable(admin_ep))
		return;
	m->now = now;
	s = &m->seeds[idx];
	if (s->resolved && endpoint_eq(&s->ep, admin_ep))
		return;
	s->resolved = true;
	s->ep = *admin_ep;
	s->next = now;
	s->backoff = SEED_FIRST_MS;
	seed_timers(m);
}

/* Does a neighbour answer from there? */
static bool answered(const struct mesh *m, const struct endpoint *ep)
{
	for (size_t i = 0; i < m->peers.n; i++) {
		const struct mesh_peer *p = m->peers.items[i];
		struct endpoint at;
		if (p->adj.up && mesh_peer_admin_ep(p, &at) && endpoint_eq(&at, ep))
			return true;
	}
	return false;
}

void seed_timers(struct mesh *m)
{
	for (size_t i = 0; i < m->n_seeds; i++) {
		struct seed *s = &m->seeds[i];
		struct wire_msg *msg;

		if (!s->resolved || m->now < s->next)
			continue;
		if (answered(m, &s->ep)) {
			s->backoff = SEED_FIRST_MS; /* if it goes, start again soon */
			s->next = m->now + MESH_HELLO_MAX_MS;
			continue;
		}
		if ((msg = mesh_send(m, &s->ep, WIRE_HELLO)) != NULL)
			adj_fill_open_hello(m, msg);
		s->next = m->now + s->backoff;
		s->backoff = s->backoff * 2 > MESH_HELLO_MAX_MS ? MESH_HELLO_MAX_MS : s->backoff * 2;
	}
}

uint64_t seed_next_timer(const struct mesh *m)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < m->n_seeds; i++)
		if (m->seeds[i].resolved && m->seeds[i].next < t)
			t = m->seeds[i].next;
	return t;
}

void seed_free(struct mesh *m)
{
	free(m->seeds);
	m->seeds = NULL;
	m->n_seeds = 0;
}
