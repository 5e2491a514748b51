/*
 * The control socket: a unix stream socket per interface,
 * RUN_DIR/IFNAME.sock (RUN_DIR defaults to /run/wg_netmanager, mode 0700;
 * the socket is 0600), served on the daemon's libuv loop.
 *
 * Protocol (documented for operators in wg_netmanager(8)). A request is one
 * line of printable ASCII words separated by spaces, at most
 * CONTROL_LINE_MAX bytes with its "\n" (a "\r" before it is ignored):
 *
 *     status            the status table, as `wg_netmanager status` prints it
 *     status json       the same as JSON (fields in wg_netmanager(8))
 *     status edges      the table and every edge of the graph (status --edges)
 *     status edges json the JSON with an "edges" array
 *     status tsv        tab-separated, for `top` (not a stable interface)
 *     netcheck          this node's underlay as its neighbours see it
 *     netcheck json     the same as JSON
 *     metrics           Prometheus text exposition format 0.0.4
 *     log [LEVEL] [time]  stream log lines of LEVEL (error, warning, info,
 *                       debug, trace; default info) and more severe, starting
 *                       with the last CONTROL_LOG_BACKLOG lines logged; with
 *                       "time", each line says when it was logged
 *     nolog             stop streaming
 *     revoke REVOCATION a revocation (base64, from `wg_netmanager ca revoke`)
 *                       for the mesh: the answer says in words what became
 *                       of it (applied and spreading, already known, or why
 *                       not); an error frame if it was refused
 *     version           the daemon's version
 *     help              the list of requests
 *     quit              close the connection
 *
 * Every request is answered in order with one frame:
 *
 *     ok LEN\n  followed by LEN bytes of body
 *     error TEXT\n
 *
 * and, between frames, a client that asked for "log" gets
 *
 *     log LEVEL TEXT\n
 *
 * or, if it asked with "time",
 *
 *     logt LEVEL MS TEXT\n
 *
 * MS being the daemon's wall clock when the line was logged, in
 * milliseconds since the epoch (the backlog keeps its times).
 *
 * Limits, so that no client can hold up the daemon: CONTROL_MAX_CLIENTS at
 * once (the next one reads "error too many clients" and is closed); a
 * request line longer than CONTROL_LINE_MAX closes the connection; replies
 * are queued without blocking and a client that lets more than
 * CONTROL_MAX_QUEUE bytes pile up is disconnected; log lines beyond
 * CONTROL_LOG_QUEUE queued bytes are dropped and counted ("log warning N
 * lines dropped" follows when the client catches up).
 */
#ifndef WGNM_CONTROL_H
#define WGNM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct uv_loop_s;
struct status_snapshot;

#ifdef __linux__
#define CONTROL_DEFAULT_DIR "/run/wg_netmanager"
#else
#define CONTROL_DEFAULT_DIR "/var/run/wg_netmanager"
#endif
#define CONTROL_LINE_MAX 256	/* a revocation in base64 is up to 156 bytes */
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_MAX_REPLY (8u << 20)
#define CONTROL_MAX_QUEUE (16u << 20)
#define CONTROL_LOG_QUEUE (256u << 10)
#define CONTROL_LOG_BACKLOG 100	/* recent lines a new "log" client gets first */

enum control_cmd {
	CONTROL_STATUS = 0,
	CONTROL_STATUS_JSON,
	CONTROL_STATUS_TSV,
	CONTROL_NETCHECK,
	CONTROL_NETCHECK_JSON,
	CONTROL_METRICS,
	CONTROL_LOG,
	CONTROL_NOLOG,
	CONTROL_VERSION,
	CONTROL_HELP,
	CONTROL_QUIT,
	CONTROL_REVOKE,
};

struct control_req {
	enum control_cmd cmd;
	bool edges;		/* CONTROL_STATUS, CONTROL_STATUS_JSON: and the edges */
	enum log_level level;	/* CONTROL_LOG */
	bool time;		/* CONTROL_LOG: timed frames (logt) */
	char arg[CONTROL_LINE_MAX];	/* CONTROL_REVOKE: the revocation, as sent */
};

/*
 * Parse one request line, without its "\n" (a trailing "\r" is allowed).
 * Pure; the fuzz target. Returns 0, or -EINVAL with *why saying why.
 */
int control_parse(const char *line, size_t len, struct control_req *req, const char **why);

/* A reply frame as the client sees it. */
enum control_frame_type {
	CONTROL_FRAME_OK = 0,
	CONTROL_FRAME_ERROR,
	CONTROL_FRAME_LOG,
};

struct control_frame {
	enum control_frame_type type;
	enum log_level level;		/* LOG */
	bool has_time;			/* LOG, from a logt frame */
	int64_t time_ms;		/* when it was logged, ms since the epoch */
	const char *body;		/* points into the buffer; not NUL-terminated */
	size_t body_len;
};

/*
 * Take one frame from the start of buf. Returns the bytes it spans, 0 if
 * more bytes are needed, or -EPROTO. Pure; fuzzed with control_parse.
 */
long control_frame_parse(const char *buf, size_t len, struct control_frame *f);

/* RUN_DIR/IFNAME.sock into buf; -ENAMETOOLONG if it does not fit sun_path. */
int control_socket_path(const char *dir, const char *ifname, char *buf, size_t len);

/* ---- the server ---- */

/*
 * Fill a snapshot (status_snapshot_free releases it) with what `want`
 * asks beyond the node table (STATUS_WANT_*); negative errno if none.
 */
typedef int control_snapshot_fn(struct status_snapshot *out, unsigned want, void *arg);

struct control;

/*
 * Create dir (0700) if missing and listen on dir/ifname.sock. An existing
 * socket that answers means another daemon serves ifname: -EADDRINUSE; a
 * dead one is replaced.
 */
int control_open(struct uv_loop_s *loop, const char *dir, const char *ifname,
		 control_snapshot_fn *fn, void *arg, struct control **out);
/*
 * What the daemon does with "revoke ARG": 0 with answer filled (one or
 * more lines, each ending in "\n"), or a negative errno with answer
 * saying why (one line, no "\n"), sent as an error frame.
 */
typedef int control_revoke_fn(const char *arg, char *answer, size_t len, void *ctx);
/* Take "revoke" requests (without: they are answered with an error). */
void control_set_revoke(struct control *c, control_revoke_fn *fn, void *ctx);

/* Close every connection and remove the socket. NULL-safe. */
void control_close(struct control *c);
/* Hand a log line to every client streaming logs (a log_set_sink target). */
void control_log(struct control *c, enum log_level level, const char *line);
size_t control_clients(const struct control *c);

#endif
