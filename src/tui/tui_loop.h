/*
 * The status view inside the daemon (`wg_netmanager -t`): the view of
 * tui.h driven by the daemon's libuv loop. Keys are read when stdin polls
 * readable, the snapshot is refreshed every TUI_LOOP_REFRESH_MS, SIGWINCH
 * resizes, and log lines arrive through tui_loop_log() (the daemon's log
 * sink). While the view is up, log output to stderr is suppressed.
 */
#ifndef WGNM_TUI_LOOP_H
#define WGNM_TUI_LOOP_H

#include "control.h"
#include "log.h"

struct uv_loop_s;
struct tui_loop;

#define TUI_LOOP_REFRESH_MS 1000

/*
 * Start the view. snapshot fills it (as for the control socket); on_quit
 * is called when the user presses q. NULL with errno set if stdin/stdout
 * are no terminal.
 */
struct tui_loop *tui_loop_start(struct uv_loop_s *loop, const char *title,
				control_snapshot_fn *snapshot, void (*on_quit)(void *arg),
				void *arg);
/* Give the terminal back and close the handles (memory goes with them). */
void tui_loop_stop(struct tui_loop *tl);
void tui_loop_log(struct tui_loop *tl, enum log_level level, const char *line);

#endif
