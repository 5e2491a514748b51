/*
 * Static peers' host names, resolved on the loop (uv_getaddrinfo runs in
 * libuv's thread pool, so the loop never blocks on DNS). Literal addresses
 * are reported at once. Names are resolved again every RESOLVE_REFRESH_MS
 * (dynamic DNS), and after a failure with back-off from 1 s to 60 s.
 */
#ifndef WGNM_RESOLVE_H
#define WGNM_RESOLVE_H

#include <stddef.h>
#include <uv.h>

#include "addr.h"

#define RESOLVE_REFRESH_MS (5 * 60 * 1000)

struct resolver;

/* Called with the index into hosts[] and the (new) address. */
typedef void resolve_cb(size_t idx, const struct addr *a, void *arg);

/* hosts must outlive the resolver. */
struct resolver *resolver_start(uv_loop_t *loop, const char *const *hosts, size_t n,
				resolve_cb *cb, void *arg);
/* Cancel what is pending; memory goes when the last callback has run. */
void resolver_stop(struct resolver *r);

#endif
