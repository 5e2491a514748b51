/*
 * The operator's subcommands, clients of a running daemon's control socket
 * (control.h):
 *
 *     wg_netmanager status [-i IF] [--json] [--run-dir DIR]
 *     wg_netmanager metrics [-i IF] [--run-dir DIR]
 *     wg_netmanager top [-i IF] [-v] [--run-dir DIR]
 *
 * Without -i, the one daemon with a socket in DIR is asked; with several,
 * -i must choose.
 */
#ifndef WGNM_CLIENT_H
#define WGNM_CLIENT_H

#include <stdbool.h>

/* Is argv[1] one of the client subcommands? */
bool client_is_command(const char *word);
/* argv[0] is the subcommand. Returns the exit code (0, 1 runtime, 2 usage). */
int client_main(int argc, char **argv);

#endif
