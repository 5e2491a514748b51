/*
 * What the client's files share: the options of the client subcommands
 * (client.c), the control socket's client end (client_conn.c) and ping
 * (client_ping.c).
 */
#ifndef WGNM_CLIENT_INT_H
#define WGNM_CLIENT_INT_H

#include <stdbool.h>
#include <stddef.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define CLIENT_TIMEOUT_S 5
#define CLIENT_PING_COUNT 3u		/* overlay pings by default */
#define CLIENT_PING_COUNT_MAX 100u
#define CLIENT_PING_WAIT_S 1u		/* seconds to wait for each answer */
#define CLIENT_PING_WAIT_MAX_S 10u

enum client_cmd { CMD_STATUS, CMD_METRICS, CMD_TOP, CMD_NETCHECK, CMD_PING, CMD_REVOKE };

struct client_opts {
	enum client_cmd cmd;
	const char *ifname;
	const char *run_dir;
	bool json;
	bool verbose;
	bool edges;		/* status --edges */
	const char *node;	/* ping NODE */
	const char *revocation;	/* revoke REVOCATION */
	unsigned count;		/* ping -c */
	unsigned wait_s;	/* ping -W */
};

/* client_conn.c */

/* The one IF.sock in dir that a daemon answers on, into buf; a negative errno (said). */
int client_pick_ifname(const char *dir, char *buf, size_t len);
/* The daemon's control socket; a negative errno (said on stderr unless quiet). */
int client_connect(const struct client_opts *o, bool quiet);
/* All of s, or a negative errno. */
int client_write_all(int fd, const char *s, size_t n);

/* An input buffer of frames; starts zeroed, the caller frees p. */
struct client_inbuf {
	char *p;
	size_t len;
	size_t cap;
};

/* Bytes read (0 on EINTR), or a negative errno (-ECONNRESET at the end). */
int client_inbuf_read(int fd, struct client_inbuf *in);
/* Drop the first n bytes (a frame taken). */
void client_inbuf_consume(struct client_inbuf *in, size_t n);
/*
 * Send one request line (with its "\n") and take the answer's body, NUL-
 * terminated, into *body (the caller frees it). Returns 0, or -1 after
 * saying why on stderr (the daemon's error text included).
 */
int client_request(int fd, const char *req, char **body, size_t *len);
/* wg_netmanager ping: the exit code. */
int client_ping(const struct client_opts *o);

#endif
