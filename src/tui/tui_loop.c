/* The status view on the daemon's loop; see tui_loop.h. */
#include "tui/tui_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "status.h"
#include "tui/tui.h"

#define TICK_MS 200

struct tui_loop {
	struct tui *view;
	uv_poll_t input;
	uv_timer_t tick;
	uv_signal_t winch;
	unsigned open_handles;
	bool stopped;
	uint64_t last_refresh;
	control_snapshot_fn *snapshot;
	void (*on_quit)(void *arg);
	void *arg;
};

static void refresh(struct tui_loop *tl)
{
	struct status_snapshot s;
	int r = tl->snapshot(&s, 0, tl->arg);

	if (r == 0)
		tui_set_snapshot(tl->view, &s);
	tl->last_refresh = uv_now(tl->tick.loop);
}

static void on_input(uv_poll_t *h, int status, int events)
{
	struct tui_loop *tl = h->data;

	(void)status;
	(void)events;
	if (tl->stopped)
		return;
	if (tui_input(tl->view) == TUI_QUIT) {
		tui_set_message(tl->view, "leaving the network...");
		tui_draw(tl->view, true);
		tl->on_quit(tl->arg);
	}
}

static void on_tick(uv_timer_t *h)
{
	struct tui_loop *tl = h->data;

	if (tl->stopped)
		return;
	if (uv_now(h->loop) - tl->last_refresh >= TUI_LOOP_REFRESH_MS)
		refresh(tl);
	on_input(&tl->input, 0, 0);
}

static void on_winch(uv_signal_t *h, int sig)
{
	struct tui_loop *tl = h->data;

	(void)sig;
	if (!tl->stopped)
		tui_resize(tl->view);
}

static void on_closed(uv_handle_t *h)
{
	struct tui_loop *tl = h->data;

	if (--tl->open_handles == 0)
		free(tl);
}

struct tui_loop *tui_loop_start(struct uv_loop_s *loop, const char *title,
				control_snapshot_fn *snapshot, void (*on_quit)(void *arg),
				void *arg)
{
	struct tui_loop *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	tl->snapshot = snapshot;
	tl->on_quit = on_quit;
	tl->arg = arg;
	if (uv_poll_init(loop, &tl->input, STDIN_FILENO) < 0) {
		free(tl);
		errno = ENOTTY;
		return NULL;
	}
	tl->input.data = tl;
	tl->view = tui_new(title);
	if (!tl->view) {
		int e = errno;

		tl->open_handles = 1;
		tl->stopped = true;
		uv_close((uv_handle_t *)&tl->input, on_closed); /* frees tl */
		errno = e;
		return NULL;
	}
	log_set_quiet_stderr(true);
	tl->input.data = tl->tick.data = tl->winch.data = tl;
	uv_timer_init(loop, &tl->tick);
	uv_signal_init(loop, &tl->winch);
	tl->open_handles = 3;
	uv_poll_start(&tl->input, UV_READABLE, on_input);
	uv_timer_start(&tl->tick, on_tick, TICK_MS, TICK_MS);
	uv_signal_start(&tl->winch, on_winch, SIGWINCH);
	refresh(tl);
	tui_draw(tl->view, true);
	return tl;
}

void tui_loop_stop(struct tui_loop *tl)
{
	if (!tl || tl->stopped)
		return;
	tl->stopped = true;
	tui_free(tl->view);
	tl->view = NULL;
	log_set_quiet_stderr(false);
	uv_close((uv_handle_t *)&tl->input, on_closed);
	uv_close((uv_handle_t *)&tl->tick, on_closed);
	uv_close((uv_handle_t *)&tl->winch, on_closed);
}

void tui_loop_log(struct tui_loop *tl, enum log_level level, const char *line)
{
	if (tl && !tl->stopped)
		tui_log(tl->view, level, line);
}
