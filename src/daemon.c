/*
 * The daemon: one libuv loop, one thread, wiring the sans-IO mesh core to
 * the world.
 *
 * Start order (each step undone in reverse on failure or exit):
 *   keys (admin key from sharedKey and previousSharedKey, this boot's
 *   WireGuard key pair; the identity key and certificate: daemon_member.c)
 *   -> the interface lock (iflock.h) -> rtnetlink command socket
 *   -> WireGuard interface (created, or adopted with -e; a leftover of a
 *   crashed run is removed first, if the lock's record proves it ours)
 *   -> its key, port, address, MTU, up; leftover routes flushed
 *   -> admin UDP socket -> mesh core -> static peers resolved
 *   -> address events, timers, signals.
 * Every event (packet, timer, address change, resolved name) goes into the
 * core with the loop's monotonic time; the core's actions are then carried
 * out (daemon_act.c): datagrams sealed and sent, WireGuard peers set in
 * one batched request, routes added or removed. SIGINT/SIGTERM: the core says LEAVE
 * and withdraws everything; then the interface (unless adopted) goes.
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "control.h"
#include "daemon_act.h"
#include "daemon_member.h"
#include "core/mesh.h"
#include "gateway.h"
#include "iflock.h"
#include "kernel.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "resolve.h"
#include "srclimit.h"
#include "status.h"
#include "tui/tui_loop.h"
#include "udp.h"
#include "wgdev.h"
#include "wire/seal.h"

struct daemon {
	uv_loop_t loop;
	struct config *cfg;
	struct gateway *gw;		/* forwarding, masquerade, exit routing (gateway.c) */
	const struct daemon_opts *opts;
	struct seal_key key;
	struct seal_key prev_key;	/* network.previousSharedKey's: opens, never seals */
	bool has_prev_key;
	uint64_t prev_key_opened;	/* datagrams it opened since it was set (status) */
	struct daemon_member member;	/* identity, certificate, kept revocations */
	uint8_t wg_pub[WGDEV_KEY_LEN];
	struct kernel *k;
	struct iflock *lock;		/* IFLOCK_DIR: one daemon per interface */
	struct wgdev *wg;
	unsigned ifindex;
	struct udp *udp;
	struct udp *lan;		/* LAN discovery broadcasts (NULL: off) */
	struct endpoint bcast[MESH_MAX_LOCAL];	/* our LANs' broadcast addresses */
	size_t n_bcast;
	struct mesh *mesh;
	uint8_t cookie_key[crypto_shorthash_KEYBYTES];	/* this start's challenges */
	/* configurations replaced by reloads: freed at exit (an old resolver may still read hosts) */
	struct config **retired;
	size_t n_retired;
	struct config *main_cfg;	/* the one daemon_run was given */
	uint64_t reloads;
	struct resolver *resolver;
	const char **hosts;
	struct kernel_events *kev;
	uv_poll_t kev_poll;
	bool kev_polling;
	uv_poll_t child_poll;
	bool child_polling;
	uv_timer_t timer;
	uv_timer_t stats_timer;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uv_signal_t sighup;		/* a hung-up terminal (-t over ssh): leave too */
	bool stopping;
	int exit_code;
	uint64_t send_errors;
	struct log_ratelimit drop_log;	/* the per-datagram drop line */
	struct srclimit key_miss;	/* sources sealing with another key, said once */
	/* operator interface: control socket, status view, service manager */
	uint64_t start_ms;
	struct control *ctl;
	struct tui_loop *tui;
	uv_timer_t watchdog;
	bool watchdog_on;
};

static uint64_t now_ms(struct daemon *d)
{
	uv_update_time(&d->loop);
	return uv_now(&d->loop);
}

static uint64_t random64(void *arg)
{
	uint64_t r;

	(void)arg;
	randombytes_buf(&r, sizeof(r));
	return r;
}

/* The core's challenge MAC (core/cookie.h): SipHash under a key of this start. */
static uint64_t cookie_mac(void *arg, const void *data, size_t len)
{
	struct daemon *d = arg;
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(out, data, len, d->cookie_key);
	memcpy(&v, out, sizeof(v));
	return v;
}

/*
 * A clock before this release cannot be right (a board without a
 * real-time clock before NTP): boot ids from it may lie far behind an
 * earlier start's, and the core then follows the network's newer record of
 * us without bound (mesh_config.clock_untrusted).
 */
#define RELEASE_EPOCH_S 1793491200 /* 2026-11-01 */

static bool clock_untrusted(void)
{
	return time(NULL) < RELEASE_EPOCH_S;
}

/*
 * Boot ids must grow from one start to the next without clocks agreeing
 * across nodes: the high bits are this host's own wall-clock milliseconds,
 * the low 22 bits random. Milliseconds, not seconds: a node killed and
 * started again within one second (a crash loop, a quick restart by hand)
 * drew a smaller boot id half of the time with second resolution, and the
 * others then kept its dead predecessor until it expired. 2^42 ms lasts
 * until the year 2109.
 */
static uint64_t choose_boot_id(void)
{
	struct timespec ts;
	uint64_t ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	return (ms << 22) | (random64(NULL) & 0x3fffff) | 1;
}

/* ---- carrying out the core's actions ---- */

static void arm_timer(struct daemon *d);

static void run_actions(struct daemon *d)
{
	const struct mesh_action *acts;
	size_t n = mesh_actions(d->mesh, &acts);
	struct daemon_act h = { .key = &d->key, .udp = d->udp, .bcast = d->bcast,
				.n_bcast = d->n_bcast, .k = d->k, .ifindex = d->ifindex,
				.wg = d->wg, .gw = d->gw, .ifname = d->cfg->ifname,
				.revoked_path = d->member.revoked_path };

	daemon_act_apply(&h, acts, n);
	d->send_errors += h.send_errors;
	mesh_actions_clear(d->mesh);
	if (!d->stopping)
		arm_timer(d);
}

/* ---- events ---- */

static void on_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;

	mesh_on_timer(d->mesh, now_ms(d));
	run_actions(d);
}

static void arm_timer(struct daemon *d)
{
	uint64_t now = now_ms(d), at = mesh_next_timer(d->mesh);

	uv_timer_start(&d->timer, on_timer, at > now ? at - now : 0, 0);
}

/* Debug lines about dropped datagrams: at most 10 a second. */
#define DROP_LOG_BURST 10
#define DROP_LOG_INTERVAL_MS 1000
/* A source whose datagrams do not open under our key: said once per 10 minutes. */
#define KEY_MISS_LOG_MS (10 * 60 * 1000)

/*
 * Datagrams of our format that do not open: another sharedKey, almost
 * always (or forged ones). Said plainly, once per source (srclimit.h).
 */
static void key_miss(struct daemon *d, const struct endpoint *from)
{
	char ep[ENDPOINT_STRLEN];

	if (srclimit_allow(&d->key_miss, from, now_ms(d), KEY_MISS_LOG_MS))
		log_warnx("datagrams from %s are sealed with another key (a different sharedKey?)",
			  endpoint_fmt(from, ep, sizeof(ep)));
}

/* Our key opens it, or during a change of the shared key (reload.h) the previous one. */
static int open_datagram(struct daemon *d, const uint8_t *buf, size_t len, struct wire_msg *msg,
			 enum wire_drop *why)
{
	bool with_prev;

	if (seal_open_decode_either(&d->key, d->has_prev_key ? &d->prev_key : NULL, buf, len, msg,
				    why, &with_prev) < 0)
		return -1;
	d->prev_key_opened += with_prev;
	return 0;
}

static void on_datagram(const uint8_t *buf, size_t len, const struct endpoint *from, void *arg)
{
	struct daemon *d = arg;
	struct wire_msg msg;
	enum wire_drop why;

	if (d->stopping)
		return;
	if (open_datagram(d, buf, len, &msg, &why) < 0) {
		char ep[ENDPOINT_STRLEN], more[48] = "";
		uint64_t quiet;

		mesh_on_drop(d->mesh, why);
		if (why == WIRE_DROP_OPEN_FAILED)
			key_miss(d, from);
		/* a flood of garbage is counted, not written out line by line */
		if (log_enabled(LOG_LEVEL_DEBUG) &&
		    log_ratelimit(&d->drop_log, now_ms(d), DROP_LOG_BURST, DROP_LOG_INTERVAL_MS,
				  &quiet)) {
			if (quiet)
				snprintf(more, sizeof(more), " (%llu more not logged)",
					 (unsigned long long)quiet);
			log_debug("dropped %zu bytes from %s: %s%s", len,
				  endpoint_fmt(from, ep, sizeof(ep)), wire_drop_name(why), more);
		}
		return;
	}
	mesh_on_packet(d->mesh, now_ms(d), from, &msg);
	run_actions(d);
}

#define STATS_INTERVAL_MS 1000
#define STATS_BUSY_INTERVAL_MS 200	/* while direct paths are tried, or just started */

/* WireGuard's own counters: liveness for free, and reflexive endpoints. */
static void on_stats_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	struct wgdev_device *dev = NULL;
	struct mesh_wg_stats *st;
	int r = wgdev_get(d->wg, &dev);

	if (r < 0) {
		log_debug("%s: reading WireGuard peers: %s", d->cfg->ifname, strerror(-r));
		goto rearm;
	}
	st = calloc(dev->n_peers ? dev->n_peers : 1, sizeof(*st));
	if (st) {
		for (size_t i = 0; i < dev->n_peers; i++) {
			const struct wgdev_peer *wp = &dev->peers[i];
			memcpy(st[i].pubkey, wp->public_key, WGDEV_KEY_LEN);
			st[i].rx_bytes = wp->rx_bytes;
			st[i].tx_bytes = wp->tx_bytes;
			st[i].last_handshake_sec = wp->last_handshake_sec;
			st[i].has_endpoint = (wp->flags & WGDEV_PEER_HAS_ENDPOINT) != 0;
			st[i].endpoint = wp->endpoint;
		}
		mesh_on_wg_stats(d->mesh, now_ms(d), st, dev->n_peers);
		run_actions(d);
		free(st);
	}
	wgdev_device_free(dev);
rearm:
	if (!d->stopping)
		uv_timer_start(&d->stats_timer, on_stats_timer,
			       mesh_busy(d->mesh) ? STATS_BUSY_INTERVAL_MS : STATS_INTERVAL_MS, 0);
}

static void on_resolved(size_t idx, const struct addr *a, void *arg)
{
	struct daemon *d = arg;
	char s[ADDR_STRLEN];

	log_debug("static peer %s is at %s", d->hosts[idx], addr_fmt(a, s, sizeof(s)));
	mesh_set_static_addr(d->mesh, idx, a, now_ms(d));
	run_actions(d);
}

static int prefix_cmp_sort(const void *a, const void *b)
{
	const struct prefix *pa = a, *pb = b;
	int c = addr_cmp(&pa->addr, &pb->addr);

	return c ? c : (int)pa->len - (int)pb->len;
}

/* IPv4 LANs (up to /30) have a broadcast address: where LAN hellos go. */
static void set_broadcasts(struct daemon *d, const struct prefix *pfx, size_t n)
{
	d->n_bcast = 0;
	for (size_t i = 0; i < n && d->cfg->lan_port; i++) {
		struct endpoint *e = &d->bcast[d->n_bcast];
		if (!addr_is_v4(&pfx[i].addr) || pfx[i].len > 30)
			continue;
		e->addr = pfx[i].addr;
		for (unsigned bit = 96u + pfx[i].len; bit < 128; bit++)
			e->addr.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
		e->port = d->cfg->lan_port;
		d->n_bcast++;
	}
}

static void refresh_local_addrs(struct daemon *d)
{
	struct kernel_addr *ka = NULL;
	struct prefix pfx[MESH_MAX_LOCAL];
	size_t n = 0, got = 0;
	int r = kernel_addrs_dump(d->k, d->ifindex, &ka, &got);

	if (r < 0) {
		log_warnx("listing local addresses: %s", strerror(-r));
		return;
	}
	for (size_t i = 0; i < got && n < MESH_MAX_LOCAL; i++)
		if (!prefix_contains(&d->cfg->subnet, &ka[i].addr))
			pfx[n++] = (struct prefix){ .addr = ka[i].addr, .len = ka[i].plen };
	free(ka);
	set_broadcasts(d, pfx, n);
	/* sorted, so an unchanged set compares equal in the core */
	qsort(pfx, n, sizeof(pfx[0]), prefix_cmp_sort);
	mesh_set_local_prefixes(d->mesh, pfx, n, now_ms(d));
	run_actions(d);
}

static void on_kernel_event(const struct kernel_event *e, void *arg)
{
	bool *changed = arg;

	*changed = true;
	(void)e;
}

static void daemon_stop(struct daemon *d, int code);

static void on_kev(uv_poll_t *h, int status, int events)
{
	struct daemon *d = h->data;
	bool changed = false;
	int r;

	(void)status;
	(void)events;
	r = kernel_events_read(d->kev, on_kernel_event, &changed);
	if (r == -ENOBUFS)
		changed = true; /* events were lost: look again */
	if (d->ifindex && kernel_link_index(d->k, d->cfg->ifname, &(unsigned){ 0 }) == -ENODEV) {
		log_errx("%s was removed by someone else; stopping", d->cfg->ifname);
		daemon_stop(d, 1);
		return;
	}
	if (changed)
		refresh_local_addrs(d);
}

static void on_child(uv_poll_t *h, int status, int events)
{
	struct daemon *d = h->data;
	int st = 0;

	(void)status;
	(void)events;
	if (wgdev_child_check(d->wg, &st) == 1) {
		log_errx("the userspace WireGuard process for %s exited (status %d); stopping",
			 d->cfg->ifname, st);
		uv_poll_stop(h);
		daemon_stop(d, 1);
	}
}

/* The static peers of cfg for the core, and their host names for the resolver. */
static int statics_of(const struct config *cfg, struct mesh_static_peer **statics,
		      const char ***hosts)
{
	*statics = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(**statics));
	*hosts = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(**hosts));
	if (!*statics || !*hosts) {
		free(*statics);
		free(*hosts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		(*statics)[i] = (struct mesh_static_peer){ .id = cfg->peers[i].wg_ip,
							   .admin_port = cfg->peers[i].admin_port,
							   .wg_port = cfg->peers[i].wg_port };
		(*hosts)[i] = cfg->peers[i].host;
	}
	return 0;
}

static uint32_t node_flags(const struct config *cfg)
{
	return (cfg->no_transit ? WIRE_NODE_NO_TRANSIT : 0) |
	       (cfg->self_static ? WIRE_NODE_STATIC : 0) | (cfg->rt.exit_node ? WIRE_NODE_EXIT : 0);
}

/*
 * The routes settings of cfg into mc (mesh_new, mesh_set_routes). accept
 * has room for CONFIG_MAX_ACCEPT_ROUTES; the core copies it.
 */
static void routes_of(const struct config *cfg, struct mesh_config *mc, struct prefix *accept)
{
	const struct config_routes *rt = &cfg->rt;

	mc->flags = node_flags(cfg);
	mc->n_routes = rt->n_routes;
	for (size_t i = 0; i < rt->n_routes; i++)
		mc->routes[i] = rt->routes[i].p;
	for (size_t i = 0; i < rt->n_accept; i++)
		accept[i] = rt->accept[i].p;
	mc->accept_routes = accept;
	mc->n_accept_routes = rt->n_accept;
	mc->allow_exit_nodes = rt->allow_exit_nodes;
	mc->use_exit = rt->use_exit == CONFIG_EXIT_AUTO    ? MESH_EXIT_AUTO
		       : rt->use_exit == CONFIG_EXIT_NAMED ? MESH_EXIT_NAMED
							   : MESH_EXIT_NONE;
	snprintf(mc->use_exit_name, sizeof(mc->use_exit_name), "%s", rt->use_exit_name);
}

static void on_resolved(size_t idx, const struct addr *a, void *arg);

/* The reload's log: every message of the new configuration, at its priority. */
static bool load_new_config(struct daemon *d, struct config *nc)
{
	struct config_msgs msgs;
	int r;

	config_init(nc);
	config_msgs_init(&msgs);
	r = config_load(nc, d->opts->cli, &msgs);
	for (unsigned i = 0; i < msgs.n_stored; i++) {
		if (msgs.msg[i].warning)
			log_warnx("reload: %s", msgs.msg[i].text);
		else
			log_errx("reload: %s", msgs.msg[i].text);
	}
	if (r < 0)
		log_errx("reload refused: %u error(s) in the configuration; the running one stays",
			 msgs.n_errors);
	return r == 0;
}

static void apply_statics(struct daemon *d, const struct config *nc)
{
	struct mesh_static_peer *statics;
	const char **hosts;
	int r;

	if (statics_of(nc, &statics, &hosts) < 0) {
		log_warnx("reload: out of memory; static peers unchanged");
		return;
	}
	r = mesh_set_statics(d->mesh, statics, nc->n_peers, now_ms(d));
	free(statics);
	if (r < 0) {
		log_warnx("reload: static peers unchanged: %s", strerror(-r));
		free(hosts);
		return;
	}
	resolver_stop(d->resolver);
	free(d->hosts);
	d->hosts = hosts;
	d->resolver = resolver_start(&d->loop, d->hosts, nc->n_peers, on_resolved, d);
}

/* previousSharedKey: set, replaced or dropped; opened with, never sealed with. */
static void apply_prev_key(struct daemon *d, struct config *nc)
{
	struct seal_key k;
	bool has = daemon_member_prev_key(nc, &k);

	if (has && (!d->has_prev_key || sodium_memcmp(k.k, d->prev_key.k, sizeof(k.k)) != 0)) {
		log_info("reload: previousSharedKey set: packets sealed with it are accepted too");
		d->prev_key_opened = 0;
	} else if (!has && d->has_prev_key)
		log_info("reload: previousSharedKey removed: only sharedKey opens packets now");
	seal_key_wipe(&d->prev_key);
	d->prev_key = k;
	d->has_prev_key = has;
	seal_key_wipe(&k);
}

/* New routes settings: the core re-announces and re-judges. */
static void apply_routes(struct daemon *d, const struct config *nc)
{
	struct mesh_config mc = { 0 };
	struct prefix accept[CONFIG_MAX_ACCEPT_ROUTES];

	routes_of(nc, &mc, accept);
	gateway_reconfigure(d->gw, nc);
	if (mesh_set_routes(d->mesh, &mc, now_ms(d)) < 0)
		log_warnx("reload: routes: out of memory; the old routes settings stay");
	else
		log_info("reload: routes settings applied");
}

/*
 * SIGHUP: load net.yaml and peer.yaml again and apply what changed, without
 * touching working tunnels. A configuration with errors is refused whole.
 */
static void daemon_reload(struct daemon *d)
{
	struct config *nc = malloc(sizeof(*nc));
	struct config **ret;
	struct reload_plan plan;
	struct seal_key key;

	if (!nc) {
		log_warnx("reload: out of memory");
		return;
	}
	notify_send("RELOADING=1");
	log_info("reloading %s%s%s", d->cfg->net_path, d->cfg->peer_file_used ? " and " : "",
		 d->cfg->peer_file_used ? d->cfg->peer_path : "");
	ret = realloc(d->retired, (d->n_retired + 1) * sizeof(*ret));
	if (!ret || !load_new_config(d, nc)) {
		if (ret)
			d->retired = ret;
		config_free(nc);
		free(nc);
		notify_send("READY=1");
		return;
	}
	d->retired = ret;
	reload_plan(d->cfg, nc, &plan);
	for (size_t i = 0; i < plan.n_kept; i++)
		log_warnx("reload: %s changed; that takes effect after a restart", plan.kept[i]);
	if (plan.shared_key && seal_key_derive(&key, nc->shared_key) == 0) {
		if (sodium_memcmp(key.k, d->key.k, sizeof(key.k)) != 0) {
			log_info("reload: sharedKey changed; packets are sealed with the new one");
			d->key = key;
		}
		seal_key_wipe(&key);
	}
	sodium_memzero(nc->shared_key, sizeof(nc->shared_key));
	if (plan.prev_key)
		apply_prev_key(d, nc);
	if (plan.member)
		daemon_member_reload(&d->member, d->mesh, nc, now_ms(d));
	if (plan.mtu && kernel_link_set_mtu(d->k, d->ifindex, nc->mtu) < 0)
		log_warnx("reload: %s: mtu %u: not set", nc->ifname, nc->mtu);
	if (plan.options) {
		mesh_set_options(d->mesh, node_flags(nc), nc->direct_idle_s * 1000u, nc->max_nodes,
				 now_ms(d));
		if (!nc->no_transit && d->cfg->no_transit &&
		    kernel_forwarding_enable(nc->ifname, false) < 0)
			log_warnx("reload: cannot enable forwarding; this node will not relay");
	}
	if (plan.statics)
		apply_statics(d, nc);
	if (plan.routes)
		apply_routes(d, nc);
	/* the old one stays allocated: an old resolver may still read its host names */
	d->retired[d->n_retired++] = d->cfg;
	d->cfg = nc;
	d->reloads++;
	log_info("reloaded: %zu static peer(s)%s", nc->n_peers,
		 plan.n_kept ? "; some changes wait for a restart (above)" : "");
	run_actions(d);
	notify_send("READY=1");
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	/* a service reloads; a status view in a terminal that hung up leaves */
	if (signum == SIGHUP && !d->opts->tui && d->opts->cli) {
		daemon_reload(d);
		return;
	}
	log_info("signal %d: leaving the network", signum);
	daemon_stop(d, 0);
}

/* ---- operator interface: control socket, status view, sd_notify ---- */

static int daemon_snapshot(struct status_snapshot *out, unsigned want, void *arg)
{
	struct daemon *d = arg;
	struct wgdev_device *dev = NULL;
	struct status_input in = { 0 };
	int r;

	if (!d->mesh || d->stopping)
		return -EAGAIN;
	if ((r = wgdev_get(d->wg, &dev)) < 0)
		log_debug("%s: reading WireGuard peers for the status: %s", d->cfg->ifname,
			  strerror(-r));
	in.mesh = d->mesh;
	in.want = want;
	in.dev = dev;
	in.now_ms = now_ms(d);
	in.start_ms = d->start_ms;
	in.wall = (int64_t)time(NULL);
	in.ifname = d->cfg->ifname;
	in.backend = wgdev_backend_name(wgdev_backend_of(d->wg));
	in.has_socket_drops[0] = d->udp && udp_rx_drops(d->udp, &in.socket_drops[0]) == 0;
	in.has_socket_drops[1] = d->lan && udp_rx_drops(d->lan, &in.socket_drops[1]) == 0;
	in.has_prev_key = d->has_prev_key;
	in.prev_key_opened = d->prev_key_opened;
	r = status_collect(&in, out);
	wgdev_device_free(dev);
	return r;
}

/* `wg_netmanager revoke`: into the core, and out to the mesh at once. */
static int on_revoke(const char *b64, char *answer, size_t len, void *arg)
{
	struct daemon *d = arg;
	int r;

	if (!d->mesh || d->stopping) {
		snprintf(answer, len, "starting, try again");
		return -EAGAIN;
	}
	r = daemon_member_revoke(d->mesh, b64, now_ms(d), answer, len);
	run_actions(d);
	return r;
}

static void on_log_line(enum log_level level, const char *line, void *arg)
{
	struct daemon *d = arg;

	control_log(d->ctl, level, line);
	tui_loop_log(d->tui, level, line);
}

static void on_tui_quit(void *arg)
{
	struct daemon *d = arg;

	tui_loop_stop(d->tui); /* the terminal first, so the log goes there */
	d->tui = NULL;
	log_info("quit from the status view: leaving the network");
	daemon_stop(d, 0);
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	notify_send("WATCHDOG=1");
}

/*
 * Before the interface: a live daemon on the same interface answers on its
 * socket, and we must not take its interface away as a "leftover".
 */
static int operator_start(struct daemon *d)
{
	const char *dir = d->opts->run_dir ? d->opts->run_dir : CONTROL_DEFAULT_DIR;
	int r;

	d->start_ms = now_ms(d);
	r = control_open(&d->loop, dir, d->cfg->ifname, daemon_snapshot, d, &d->ctl);
	if (r == -EADDRINUSE) {
		log_errx("%s/%s.sock answers: another wg_netmanager serves %s", dir,
			 d->cfg->ifname, d->cfg->ifname);
		return r;
	}
	if (r < 0)
		log_warnx("control socket %s/%s.sock: %s; status, metrics and top will not work",
			  dir, d->cfg->ifname, strerror(-r));
	control_set_revoke(d->ctl, on_revoke, d);
	log_set_sink(on_log_line, d);
	return 0;
}

/* The interface is up and the mesh runs. */
static void operator_ready(struct daemon *d)
{
	uint64_t wd = notify_watchdog_usec();
	char st[128];

	snprintf(st, sizeof(st), "READY=1\nSTATUS=%s serving %s", d->cfg->name, d->cfg->ifname);
	notify_send(st);
	if (wd >= 2000 && uv_timer_init(&d->loop, &d->watchdog) == 0) {
		d->watchdog.data = d;
		d->watchdog_on = true;
		uv_timer_start(&d->watchdog, on_watchdog, wd / 2000, wd / 2000);
	}
	if (d->opts->tui) {
		d->tui = tui_loop_start(&d->loop, "wg_netmanager", daemon_snapshot, on_tui_quit, d);
		if (!d->tui)
			log_warn("-t: no status view");
	}
}

static void close_if_active(uv_handle_t *h);

static void operator_stop(struct daemon *d)
{
	notify_send("STOPPING=1");
	tui_loop_stop(d->tui);
	d->tui = NULL;
	log_set_sink(NULL, NULL);
	control_close(d->ctl);
	d->ctl = NULL;
	if (d->watchdog_on)
		close_if_active((uv_handle_t *)&d->watchdog);
}

/* ---- start and stop ---- */

static int setup_keys(struct daemon *d)
{
	uint8_t priv[WGDEV_KEY_LEN];
	struct wgdev_device dev = { .flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT |
					     WGDEV_REPLACE_PEERS };
	int r;

	randombytes_buf(priv, sizeof(priv));
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
	if (crypto_scalarmult_curve25519_base(d->wg_pub, priv) != 0) {
		sodium_memzero(priv, sizeof(priv));
		return -EINVAL;
	}
	memcpy(dev.private_key, priv, sizeof(priv));
	dev.listen_port = d->cfg->wg_port;
	r = wgdev_set(d->wg, &dev);
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(dev.private_key, sizeof(dev.private_key));
	return r;
}

/*
 * A restart right after a crash can find our WireGuard port still bound:
 * the userspace WireGuard of the earlier run closes its tunnel before its
 * UDP sockets, so its interface is gone a moment before its port is free
 * (seen under load: the new run failed with "Address already in use").
 * So when setting the port is refused as in use, wait for it, bounded,
 * and try once more; a port someone keeps is an error. (Only then: an
 * interface we are given with -e holds the port itself, and setting it
 * again succeeds.)
 */
#define WG_PORT_WAIT_MS 3000
#define WG_PORT_POLL_MS 50

static int setup_keys_waiting(struct daemon *d)
{
	const struct timespec poll = { .tv_nsec = WG_PORT_POLL_MS * 1000000L };
	uint16_t port = d->cfg->wg_port;
	int r = setup_keys(d);

	if (r != -EADDRINUSE)
		return r;
	log_info("%s: WireGuard port %u is still in use (the WireGuard of an earlier run "
		 "exiting?): waiting up to %u s", d->cfg->ifname, port, WG_PORT_WAIT_MS / 1000);
	for (unsigned waited = 0; waited < WG_PORT_WAIT_MS && udp_port_busy(port);
	     waited += WG_PORT_POLL_MS)
		nanosleep(&poll, NULL);
	return setup_keys(d);
}

/*
 * A crashed run may have left our interface behind: remove it, once, and
 * only if the lock file's record proves it ours (iflock.h). Anything else
 * of that name is someone's: a configuration error (exit 2).
 */
static int open_interface(struct daemon *d, enum wgdev_backend backend)
{
	int r = wgdev_open(d->cfg->ifname, backend, d->cfg->existing_interface, &d->wg);

	if (r == -EEXIST && !d->cfg->existing_interface) {
		r = iflock_remove_leftover(d->lock, d->k, d->cfg->ifname);
		if (r == -EEXIST) {
			d->exit_code = 2;
			return r;
		}
		if (r == 0)
			r = wgdev_open(d->cfg->ifname, backend, false, &d->wg);
	}
	if (r < 0) {
		log_errx("%s: cannot %s the WireGuard interface: %s", d->cfg->ifname,
			 d->cfg->existing_interface ? "use" : "create", strerror(-r));
		return r;
	}
	r = iflock_claim(d->lock, d->k, d->cfg->ifname, !d->cfg->existing_interface,
			 wgdev_child_pid(d->wg));
	if (r < 0)
		log_warnx("%s: cannot record it in %s (%s): after a crash it must be removed by "
			  "hand", d->cfg->ifname, iflock_path(d->lock), strerror(-r));
	return 0;
}

static int setup_interface(struct daemon *d)
{
	struct config *cfg = d->cfg;
	enum wgdev_backend backend = WGDEV_BACKEND_AUTO;
	unsigned flushed = 0;
	int r;

	if (d->opts->backend && wgdev_backend_parse(d->opts->backend, &backend) < 0)
		return -EINVAL;
	if ((r = open_interface(d, backend)) < 0)
		return r;
	d->ifindex = wgdev_ifindex(d->wg);
	if (!d->ifindex && (r = kernel_link_index(d->k, cfg->ifname, &d->ifindex)) < 0) {
		log_errx("%s: its index: %s", cfg->ifname, strerror(-r));
		return r;
	}
	if ((r = setup_keys_waiting(d)) == -EADDRINUSE) {
		log_errx("%s: WireGuard port %u is in use by another program (ss -ulpn "
			 "'sport = :%u' shows which)", cfg->ifname, cfg->wg_port, cfg->wg_port);
		return r;
	}
	if (r < 0) {
		log_errx("%s: setting key and port %u: %s", cfg->ifname, cfg->wg_port, strerror(-r));
		return r;
	}
	if ((r = kernel_link_set_mtu(d->k, d->ifindex, cfg->mtu)) < 0)
		log_warnx("%s: mtu %u: %s", cfg->ifname, cfg->mtu, strerror(-r));
	r = kernel_addr_add(d->k, d->ifindex, &cfg->wg_ip, cfg->subnet.len);
	if (r < 0 && r != -EEXIST) {
		log_errx("%s: adding its address: %s", cfg->ifname, strerror(-r));
		return r;
	}
	if ((r = kernel_link_set_up(d->k, d->ifindex, true)) < 0) {
		log_errx("%s: setting it up: %s", cfg->ifname, strerror(-r));
		return r;
	}
	if (kernel_route_flush(d->k, d->ifindex, &flushed) == 0 && flushed)
		log_info("removed %u route(s) left by an earlier run", flushed);
	if (!cfg->no_transit) {
		if (kernel_forwarding_enable(cfg->ifname, false) == 0)
			log_info("%s: forwarding enabled: this node carries others' traffic",
				 cfg->ifname);
		else
			log_warnx("%s: cannot enable forwarding; this node will not relay",
				  cfg->ifname);
	}
	return 0;
}

static int setup_mesh(struct daemon *d)
{
	struct config *cfg = d->cfg;
	struct mesh_static_peer *statics;
	struct mesh_config mc = { 0 };
	struct prefix accept[CONFIG_MAX_ACCEPT_ROUTES];

	if (statics_of(cfg, &statics, &d->hosts) < 0)
		return -ENOMEM;
	mc.id = cfg->wg_ip;
	snprintf(mc.name, sizeof(mc.name), "%s", cfg->name);
	mc.subnet = cfg->subnet;
	mc.boot = choose_boot_id();
	memcpy(mc.pubkey, d->wg_pub, sizeof(mc.pubkey));
	mc.wg_port = cfg->wg_port;
	mc.admin_port = cfg->admin_port;
	routes_of(cfg, &mc, accept);
	mc.n_static = cfg->n_peers;
	mc.statics = statics;
	mc.random64 = random64;
	randombytes_buf(d->cookie_key, sizeof(d->cookie_key));
	mc.mac64 = cookie_mac;
	mc.mac_arg = d;
	mc.clock_untrusted = clock_untrusted();
	if (mc.clock_untrusted)
		log_warnx("this host's clock is before this release: boot ids may not grow "
			  "across restarts until the clock is set (NTP)");
	mc.lan_discovery = cfg->lan_port != 0;
	mc.direct_idle_ms = cfg->direct_idle_s * 1000u;
	mc.max_nodes = cfg->max_nodes;
	if (daemon_member_start(&d->member, cfg, d->opts->state_dir, &mc) < 0) {
		free(statics);
		return -ENOMEM;
	}
	d->mesh = mesh_new(&mc, now_ms(d));
	free(statics); /* the core keeps its own copy */
	daemon_member_settled(&d->member);
	return d->mesh ? 0 : -ENOMEM;
}

static void start_watchers(struct daemon *d)
{
	int fd;

	d->kev = kernel_events_open();
	if (d->kev && uv_poll_init(&d->loop, &d->kev_poll, kernel_events_fd(d->kev)) == 0) {
		d->kev_poll.data = d;
		uv_poll_start(&d->kev_poll, UV_READABLE, on_kev);
		d->kev_polling = true;
	} else {
		log_warnx("no address change events; roaming is noticed only by probes");
	}
	fd = wgdev_child_pidfd(d->wg);
	if (fd >= 0 && uv_poll_init(&d->loop, &d->child_poll, fd) == 0) {
		d->child_poll.data = d;
		uv_poll_start(&d->child_poll, UV_READABLE, on_child);
		d->child_polling = true;
	}
	uv_timer_start(&d->stats_timer, on_stats_timer, STATS_BUSY_INTERVAL_MS, 0);
	uv_signal_start(&d->sigint, on_signal, SIGINT);
	uv_signal_start(&d->sigterm, on_signal, SIGTERM);
	uv_signal_start(&d->sighup, on_signal, SIGHUP);
}

static void close_if_active(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Leave, withdraw, close every handle; the loop then ends by itself. */
static void daemon_stop(struct daemon *d, int code)
{
	if (d->stopping)
		return;
	d->stopping = true;
	d->exit_code = code;
	operator_stop(d);
	if (d->mesh) {
		mesh_leave(d->mesh, now_ms(d));
		run_actions(d);
	}
	resolver_stop(d->resolver);
	d->resolver = NULL;
	udp_close(d->udp);
	d->udp = NULL;
	udp_close(d->lan);
	d->lan = NULL;
	close_if_active((uv_handle_t *)&d->timer);
	close_if_active((uv_handle_t *)&d->stats_timer);
	close_if_active((uv_handle_t *)&d->sigint);
	close_if_active((uv_handle_t *)&d->sigterm);
	close_if_active((uv_handle_t *)&d->sighup);
	if (d->kev_polling)
		close_if_active((uv_handle_t *)&d->kev_poll);
	if (d->child_polling)
		close_if_active((uv_handle_t *)&d->child_poll);
}

static void teardown(struct daemon *d)
{
	gateway_stop(d->gw);
	d->gw = NULL;
	if (d->wg && d->k && d->cfg->existing_interface) {
		/* adopted interface: take back only what we added */
		kernel_route_flush(d->k, d->ifindex, NULL);
		kernel_addr_del(d->k, d->ifindex, &d->cfg->wg_ip, d->cfg->subnet.len);
	}
	if (d->wg)
		wgdev_close(d->wg, !d->cfg->existing_interface);
	iflock_release(d->lock); /* nothing left behind: no record */
	kernel_events_close(d->kev);
	mesh_free(d->mesh);
	daemon_member_free(&d->member);
	free(d->hosts);
	kernel_close(d->k);
	seal_key_wipe(&d->key);
	seal_key_wipe(&d->prev_key);
	sodium_memzero(d->cookie_key, sizeof(d->cookie_key));
	/* configurations of reloads (main's own is main's to free) */
	for (size_t i = 0; i < d->n_retired; i++)
		if (d->retired[i] != d->main_cfg) {
			config_free(d->retired[i]);
			free(d->retired[i]);
		}
	free(d->retired);
	if (d->cfg != d->main_cfg) {
		config_free(d->cfg);
		free(d->cfg);
	}
	d->cfg = d->main_cfg;
}

/*
 * The capability that counts (root has it, unless a container took it; a
 * unit may grant it to another user). Without /proc: root or not.
 */
static bool have_net_admin(void)
{
	char line[128];
	unsigned long long eff;
	bool ok = geteuid() == 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return ok;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			ok = (eff >> 12) & 1; /* CAP_NET_ADMIN */
	fclose(f);
	return ok;
}

/* One daemon per interface, whatever --run-dir says: see iflock.h. */
static int take_lock(struct daemon *d)
{
	int r = iflock_take(IFLOCK_DIR, d->cfg->ifname, &d->lock);

	if (r == -EADDRINUSE)
		log_errx("another wg_netmanager serves %s (it holds %s/%s.*.lock)", d->cfg->ifname,
			 IFLOCK_DIR, d->cfg->ifname);
	else if (r < 0)
		log_errx("%s: cannot take the interface lock in %s: %s", d->cfg->ifname, IFLOCK_DIR,
			 strerror(-r));
	return r;
}

int daemon_run(struct config *cfg, const struct daemon_opts *opts)
{
	struct daemon d = { .cfg = cfg, .main_cfg = cfg, .opts = opts, .exit_code = 1 };
	char a[ADDR_STRLEN];
	int r;

	if (log_init(opts->verbosity, opts->log_file, false) < 0)
		log_warnx("cannot open log file %s", opts->log_file);
	/* No core dump or ptrace by others: memory holds the admin key. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* A control client that hangs up must not end the daemon: EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	if (!have_net_admin()) {
		log_errx("needs root (CAP_NET_ADMIN) to create interfaces and routes");
		log_close();
		return 1;
	}
	if ((r = uv_loop_init(&d.loop)) < 0) {
		log_errx("event loop: %s", uv_strerror(r));
		log_close();
		return 1;
	}
	uv_timer_init(&d.loop, &d.timer);
	uv_timer_init(&d.loop, &d.stats_timer);
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	uv_signal_init(&d.loop, &d.sighup);
	d.timer.data = d.stats_timer.data = d.sigint.data = d.sigterm.data = d.sighup.data = &d;
	if (take_lock(&d) < 0 || operator_start(&d) < 0)
		goto out;
	r = seal_key_derive(&d.key, cfg->shared_key);
	/* the admin key is all we need; the shared key goes */
	sodium_memzero(cfg->shared_key, sizeof(cfg->shared_key));
	d.has_prev_key = daemon_member_prev_key(cfg, &d.prev_key);
	if (r < 0) {
		log_errx("deriving the admin key: %s", strerror(-r));
		goto out;
	}
	d.k = kernel_open();
	if (!d.k) {
		log_err("rtnetlink");
		goto out;
	}
	if (setup_interface(&d) < 0)
		goto out;
	if (!(d.gw = gateway_start(d.k, d.wg, d.lock, cfg, d.ifindex))) {
		log_errx("out of memory");
		goto out;
	}
	if (udp_open(&d.loop, cfg->admin_port, on_datagram, &d, &d.udp) < 0)
		goto out; /* logged as an error */
	if (cfg->lan_port && udp_open_lan(&d.loop, cfg->lan_port, on_datagram, &d, &d.lan) < 0)
		log_warnx("no LAN discovery: nodes on this LAN are found only through others");
	if (setup_mesh(&d) < 0) {
		log_errx("out of memory starting the mesh");
		goto out;
	}
	log_info("%s %s on %s: WireGuard port %u, admin port %u", cfg->name,
		 addr_fmt(&cfg->wg_ip, a, sizeof(a)), cfg->ifname, cfg->wg_port, cfg->admin_port);
	start_watchers(&d);
	refresh_local_addrs(&d);
	d.resolver = resolver_start(&d.loop, d.hosts, cfg->n_peers, on_resolved, &d);
	run_actions(&d);
	operator_ready(&d);
	uv_run(&d.loop, UV_RUN_DEFAULT);
out:
	if (!d.stopping)
		daemon_stop(&d, d.exit_code);
	uv_run(&d.loop, UV_RUN_DEFAULT); /* let the close callbacks run */
	teardown(&d);
	if (uv_loop_close(&d.loop) != 0)
		log_warnx("event loop closed with handles still open");
	log_info("stopped");
	log_close();
	return d.exit_code;
}
