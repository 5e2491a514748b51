/*
 * The full-screen status view (ncurses): a live node table, a detail line
 * for the selected node, a log pane and a key line. The same view serves
 * `wg_netmanager -t` (in the daemon, fed by tui_loop.c on its libuv loop)
 * and `wg_netmanager top` (a client of the control socket, client.c).
 *
 * The view owns no I/O but the terminal: the caller hands it snapshots and
 * log lines, calls tui_input() when stdin is readable (or on a tick) and
 * tui_resize() on SIGWINCH. The terminal is restored by tui_free(), at
 * exit (atexit) and on a fatal signal, whichever comes first.
 *
 * Keys: q quit; Up/Down or k/j select; PgUp/PgDn or b/f scroll the log
 * (End or G back to the newest line); s next sort column (its heading is
 * marked); r reverse; ? a help screen listing the keys (any key closes it).
 * Log lines carry the time they were logged.
 */
#ifndef WGNM_TUI_H
#define WGNM_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct status_snapshot;
struct tui;

#define TUI_LOG_LINES 1000

enum tui_key_result {
	TUI_CONTINUE = 0,
	TUI_QUIT,
};

enum tui_sort {
	TUI_SORT_NAME = 0,
	TUI_SORT_ADDRESS,
	TUI_SORT_PATH,
	TUI_SORT_RTT,
	TUI_SORT_RX,
	TUI_SORT_SINCE,
	TUI_SORT__COUNT,
};

/* Take the terminal (stdin and stdout must be one). NULL with errno set. */
struct tui *tui_new(const char *title);
/* Give the terminal back. NULL-safe, idempotent with the exit paths. */
void tui_free(struct tui *t);
/* Takes over *s (the caller's copy is emptied); redraws. */
void tui_set_snapshot(struct tui *t, struct status_snapshot *s);
/* A log line logged now, or at time_ms (ms since the epoch; the daemon's backlog). */
void tui_log(struct tui *t, enum log_level level, const char *line);
void tui_log_at(struct tui *t, enum log_level level, int64_t time_ms, const char *line);
/* A message in the key line, e.g. "connection lost"; NULL clears. */
void tui_set_message(struct tui *t, const char *msg);
/* Read and act on every pending key. */
enum tui_key_result tui_input(struct tui *t);
void tui_resize(struct tui *t);
/* Redraw if anything changed since the last draw. */
void tui_draw(struct tui *t, bool force);

/* Sorting and names, pure (tests). */
const char *tui_sort_name(enum tui_sort s);
void tui_sort_nodes(struct status_snapshot *s, enum tui_sort by, bool reverse);
/* The table column (0 NAME .. 8 SINCE) a sort key orders by. */
int tui_sort_column(enum tui_sort s);
/*
 * The title line for a screen `cols` wide: the fullest form that fits
 * (program, interface, node, uptime, counts, clock right-aligned), then
 * shorter ones, cut at cols as a last resort. s may be NULL (no status yet).
 */
void tui_title(const char *title, const struct status_snapshot *s, const char *clock, int cols,
	       char *buf, size_t len);

#endif
