/*
 * The daemon: one libuv loop wiring the sans-IO mesh core to the admin UDP
 * socket, the WireGuard backend, rtnetlink and the control socket.
 */
#ifndef WGNM_DAEMON_H
#define WGNM_DAEMON_H

#include <stdbool.h>

#include "config.h"

struct daemon_opts {
	int verbosity;
	const char *log_file;
	bool tui;
	const char *backend;	/* "auto", "kernel" or "userspace" */
	const char *run_dir;	/* control sockets; default /run/wg_netmanager */
	const char *state_dir;	/* kept revocations; default /var/lib/wg_netmanager */
	const struct config_cli *cli;	/* to load the configuration again (SIGHUP) */
};

/*
 * Runs until SIGINT/SIGTERM. SIGHUP reloads the configuration (reload.h),
 * or, with the status view in a terminal (-t), is a hang-up: it leaves.
 * Returns the process exit code (0 or 1).
 */
int daemon_run(struct config *cfg, const struct daemon_opts *opts);

#endif
