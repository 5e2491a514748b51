/*
 * What client.c shares with client_ping.c: the options of the client
 * subcommands and one request/answer over the control socket.
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

enum client_cmd { CMD_STATUS, CMD_METRICS, CMD_TOP, CMD_NETCHECK, CMD_PING };

struct client_opts {
	enum client_cmd cmd;
	const char *ifname;
	const char *run_dir;
	bool json;
	bool verbose;
	bool edges;		/* status --edges */
	const char *node;	/* ping NODE */
	unsigned count;		/* ping -c */
	unsigned wait_s;	/* ping -W */
};

/* The daemon's control socket; a negative errno (said on stderr unless quiet). */
int client_connect(const struct client_opts *o, bool quiet);
/*
 * Send one request line (with its "\n") and take the answer's body, NUL-
 * terminated, into *body (the caller frees it). Returns 0, or -1 after
 * saying why on stderr (the daemon's error text included).
 */
int client_request(int fd, const char *req, char **body, size_t *len);
/* wg_netmanager ping: the exit code. */
int client_ping(const struct client_opts *o);

#endif
