/* Asynchronous resolution of static peers; see resolve.h. */
#include "resolve.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

#define RESOLVE_RETRY_MIN_MS 1000
#define RESOLVE_RETRY_MAX_MS 60000

struct resolve_slot {
	struct resolver *r;
	size_t idx;
	uv_getaddrinfo_t req;
	uv_timer_t timer;
	bool busy;
	uint64_t retry_ms;
};

struct resolver {
	const char *const *hosts;
	size_t n;
	resolve_cb *cb;
	void *arg;
	bool stopping;
	size_t open_handles;	/* timers not yet closed + requests in flight */
	struct resolve_slot *slots;
};

static void maybe_free(struct resolver *r)
{
	if (r->stopping && r->open_handles == 0) {
		free(r->slots);
		free(r);
	}
}

static void lookup(struct resolve_slot *s);

static void on_timer(uv_timer_t *t)
{
	lookup(t->data);
}

/* Prefer IPv4: the overlay and the original's configurations are IPv4. */
static bool pick(const struct addrinfo *res, struct addr *out)
{
	const struct addrinfo *v6 = NULL;
	struct endpoint ep;

	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && endpoint_from_sockaddr(&ep, ai->ai_addr) == 0) {
			*out = ep.addr;
			return true;
		}
		if (ai->ai_family == AF_INET6 && !v6)
			v6 = ai;
	}
	if (v6 && endpoint_from_sockaddr(&ep, v6->ai_addr) == 0) {
		*out = ep.addr;
		return true;
	}
	return false;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct resolve_slot *s = req->data;
	struct resolver *r = s->r;
	struct addr a;
	uint64_t next;

	s->busy = false;
	r->open_handles--;
	if (r->stopping) {
		uv_freeaddrinfo(res);
		maybe_free(r);
		return;
	}
	if (status == 0 && pick(res, &a)) {
		s->retry_ms = RESOLVE_RETRY_MIN_MS;
		next = RESOLVE_REFRESH_MS;
		r->cb(s->idx, &a, r->arg);
	} else {
		log_warnx("cannot resolve static peer %s: %s; retrying in %llu s", r->hosts[s->idx],
			  status ? uv_strerror(status) : "no usable address",
			  (unsigned long long)(s->retry_ms / 1000));
		next = s->retry_ms;
		s->retry_ms = s->retry_ms * 2 > RESOLVE_RETRY_MAX_MS ? RESOLVE_RETRY_MAX_MS
								    : s->retry_ms * 2;
	}
	uv_freeaddrinfo(res);
	uv_timer_start(&s->timer, on_timer, next, 0);
}

static void lookup(struct resolve_slot *s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct resolver *r = s->r;
	int e;

	if (s->busy || r->stopping)
		return;
	s->req.data = s;
	e = uv_getaddrinfo(s->timer.loop, &s->req, on_resolved, r->hosts[s->idx], NULL, &hints);
	if (e < 0) {
		log_warnx("cannot resolve static peer %s: %s", r->hosts[s->idx], uv_strerror(e));
		uv_timer_start(&s->timer, on_timer, s->retry_ms, 0);
		return;
	}
	s->busy = true;
	r->open_handles++;
}

struct resolver *resolver_start(uv_loop_t *loop, const char *const *hosts, size_t n,
				resolve_cb *cb, void *arg)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->slots = calloc(n ? n : 1, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		return NULL;
	}
	r->hosts = hosts;
	r->n = n;
	r->cb = cb;
	r->arg = arg;
	for (size_t i = 0; i < n; i++) {
		struct resolve_slot *s = &r->slots[i];
		struct addr a;

		s->r = r;
		s->idx = i;
		s->retry_ms = RESOLVE_RETRY_MIN_MS;
		uv_timer_init(loop, &s->timer);
		s->timer.data = s;
		r->open_handles++;
		if (addr_parse(&a, hosts[i]) == 0)
			cb(i, &a, arg); /* a literal: nothing to look up, ever */
		else
			lookup(s);
	}
	return r;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct resolve_slot *s = h->data;

	s->r->open_handles--;
	maybe_free(s->r);
}

void resolver_stop(struct resolver *r)
{
	if (!r)
		return;
	r->stopping = true;
	for (size_t i = 0; i < r->n; i++) {
		if (r->slots[i].busy)
			uv_cancel((uv_req_t *)&r->slots[i].req);
		uv_close((uv_handle_t *)&r->slots[i].timer, on_timer_closed);
	}
	if (r->n == 0)
		maybe_free(r);
}
