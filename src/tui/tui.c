/*
 * The ncurses status view; see tui.h.
 *
 * Layout, top to bottom: a title line; the node table (headings, then one
 * row per node, scrolled to keep the selection visible); a detail line for
 * the selected node (why it is not direct, its key); a log pane taking the
 * lower part of the screen; the key line. Everything is recomputed from
 * LINES/COLS on every draw, so a resize only needs resize_term() and a
 * redraw. The selection follows the node's address across refreshes and
 * re-sorts.
 *
 * Restoring the terminal: tui_restore() is idempotent and is reached from
 * tui_free(), atexit() and (as far as a signal handler can go: the saved
 * termios and the escape sequences leaving the alternate screen) a fatal
 * signal, which is then re-raised with the default action.
 */
#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

#define TITLE_MAX 64
#define MSG_MAX 96

struct log_line {
	enum log_level level;
	int64_t time_ms;		/* when it was logged */
	char text[240];
};

struct tui {
	SCREEN *screen;
	char title[TITLE_MAX];
	struct status_snapshot snap;
	bool have_snap;
	struct addr selected;
	bool has_selected;
	size_t table_top;		/* first node row shown */
	enum tui_sort sort;
	bool reverse;
	struct log_line *log;		/* ring of TUI_LOG_LINES */
	size_t log_head;		/* next slot */
	size_t log_n;
	size_t log_scroll;		/* lines back from the newest */
	char msg[MSG_MAX];
	bool dirty;
	bool colors;
	bool help;			/* the help screen is up */
};

/* ---- restoring the terminal on every exit path ---- */

static volatile sig_atomic_t tui_active;
static struct termios saved_termios;
static bool saved_termios_ok;
static bool hooks_installed;

static void tui_restore(void)
{
	if (!tui_active)
		return;
	tui_active = 0;
	endwin();
	if (saved_termios_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

#if !defined(__SANITIZE_ADDRESS__)
static void on_fatal(int sig)
{
	static const char seq[] = "\033[?1049l\033[?25h\033[0m\r\n";

	if (tui_active) {
		tui_active = 0;
		if (saved_termios_ok)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		if (write(STDOUT_FILENO, seq, sizeof(seq) - 1) < 0) {
			/* nothing more to try in a signal handler */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}
#endif

static void install_hooks(void)
{
	/* Sanitizers report these signals themselves; leave them theirs. */
#if !defined(__SANITIZE_ADDRESS__)
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = (int)SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
#endif
	if (!hooks_installed)
		atexit(tui_restore);
	hooks_installed = true;
}

/* ---- sorting (pure) ---- */

static const char *const sort_names[TUI_SORT__COUNT] = {
	[TUI_SORT_NAME] = "name",
	[TUI_SORT_ADDRESS] = "address",
	[TUI_SORT_PATH] = "path",
	[TUI_SORT_RTT] = "rtt",
	[TUI_SORT_RX] = "rx",
	[TUI_SORT_SINCE] = "since",
};

const char *tui_sort_name(enum tui_sort s)
{
	return (unsigned)s < TUI_SORT__COUNT ? sort_names[s] : "?";
}

static enum tui_sort sort_by;
static bool sort_reverse;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int node_cmp(const void *pa, const void *pb)
{
	const struct status_node *a = pa, *b = pb;
	int c = 0;

	switch (sort_by) {
	case TUI_SORT_NAME:
	case TUI_SORT__COUNT:
		c = strcmp(a->name, b->name);
		break;
	case TUI_SORT_ADDRESS:
		c = addr_cmp(&a->id, &b->id);
		break;
	case TUI_SORT_PATH:
		c = (int)a->path - (int)b->path;
		break;
	case TUI_SORT_RTT:
		/* unmeasured last */
		c = cmp_u64((a->has & STATUS_HAS_RTT) ? a->rtt_ms : UINT64_MAX,
			    (b->has & STATUS_HAS_RTT) ? b->rtt_ms : UINT64_MAX);
		break;
	case TUI_SORT_RX:
		c = -cmp_u64(a->rx_bytes, b->rx_bytes);
		break;
	case TUI_SORT_SINCE:
		c = cmp_u64(a->since_s, b->since_s);
		break;
	}
	if (c == 0)
		c = addr_cmp(&a->id, &b->id);
	return sort_reverse ? -c : c;
}

/* This node stays on top; the others are sorted. */
void tui_sort_nodes(struct status_snapshot *s, enum tui_sort by, bool reverse)
{
	size_t first = s->n_nodes && s->nodes[0].path == STATUS_PATH_SELF;

	sort_by = by;
	sort_reverse = reverse;
	if (s->n_nodes > first + 1)
		qsort(s->nodes + first, s->n_nodes - first, sizeof(*s->nodes), node_cmp);
}

/* ---- the view ---- */

enum { C_TITLE = 1, C_GOOD, C_VIA, C_BAD, C_WARN, C_DIM };

struct tui *tui_new(const char *title)
{
	struct tui *t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		errno = ENOTTY;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->log = calloc(TUI_LOG_LINES, sizeof(*t->log));
	if (!t->log) {
		free(t);
		return NULL;
	}
	snprintf(t->title, sizeof(t->title), "%s", title ? title : "wg_netmanager");
	setlocale(LC_ALL, "");
	saved_termios_ok = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
	install_hooks();
	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		free(t->log);
		free(t);
		errno = ENOTTY;
		return NULL;
	}
	set_term(t->screen);
	tui_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(C_TITLE, COLOR_BLACK, COLOR_CYAN);
		init_pair(C_GOOD, COLOR_GREEN, -1);
		init_pair(C_VIA, COLOR_YELLOW, -1);
		init_pair(C_BAD, COLOR_RED, -1);
		init_pair(C_WARN, COLOR_YELLOW, -1);
		init_pair(C_DIM, COLOR_BLUE, -1);
		t->colors = true;
	}
	t->dirty = true;
	tui_draw(t, true);
	return t;
}

void tui_free(struct tui *t)
{
	if (!t)
		return;
	tui_restore();
	delscreen(t->screen);
	status_snapshot_free(&t->snap);
	free(t->log);
	free(t);
}

void tui_set_snapshot(struct tui *t, struct status_snapshot *s)
{
	status_snapshot_free(&t->snap);
	t->snap = *s;
	memset(s, 0, sizeof(*s));
	t->have_snap = true;
	tui_sort_nodes(&t->snap, t->sort, t->reverse);
	if (!t->has_selected && t->snap.n_nodes) {
		t->selected = t->snap.nodes[0].id;
		t->has_selected = true;
	}
	t->dirty = true;
}

void tui_log(struct tui *t, enum log_level level, const char *line)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tui_log_at(t, level, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, line);
}

void tui_log_at(struct tui *t, enum log_level level, int64_t time_ms, const char *line)
{
	struct log_line *l;

	if (!t)
		return;
	l = &t->log[t->log_head];
	l->level = level;
	l->time_ms = time_ms;
	snprintf(l->text, sizeof(l->text), "%s", line);
	for (char *p = l->text; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	t->log_head = (t->log_head + 1) % TUI_LOG_LINES;
	if (t->log_n < TUI_LOG_LINES)
		t->log_n++;
	if (t->log_scroll && t->log_scroll + 1 < t->log_n)
		t->log_scroll++; /* keep the view still while scrolled back */
	t->dirty = true;
}

void tui_set_message(struct tui *t, const char *msg)
{
	snprintf(t->msg, sizeof(t->msg), "%s", msg ? msg : "");
	t->dirty = true;
}

static long selected_index(const struct tui *t)
{
	for (size_t i = 0; i < t->snap.n_nodes; i++)
		if (t->has_selected && addr_eq(&t->snap.nodes[i].id, &t->selected))
			return (long)i;
	return -1;
}

static void move_selection(struct tui *t, long delta)
{
	long i = selected_index(t), n = (long)t->snap.n_nodes;

	if (n == 0)
		return;
	i = i < 0 ? 0 : i + delta;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	t->selected = t->snap.nodes[i].id;
	t->has_selected = true;
}

static int log_rows(void)
{
	int avail = LINES - 5;	/* title, headings, detail, log rule, keys */

	return avail > 6 ? avail * 2 / 5 : (avail > 2 ? 1 : 0);
}

static void scroll_log(struct tui *t, long delta)
{
	long s = (long)t->log_scroll + delta, max = (long)t->log_n - log_rows();

	if (max < 0)
		max = 0;
	if (s > max)
		s = max;
	if (s < 0)
		s = 0;
	t->log_scroll = (size_t)s;
}

enum tui_key_result tui_input(struct tui *t)
{
	int ch;

	while ((ch = getch()) != ERR) {
		if (t->help && ch != KEY_RESIZE) {
			t->help = false; /* any key closes the help */
			t->dirty = true;
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			return TUI_QUIT;
		case '?':
			t->help = true;
			break;
		case KEY_UP:
		case 'k':
			move_selection(t, -1);
			break;
		case KEY_DOWN:
		case 'j':
			move_selection(t, 1);
			break;
		case KEY_HOME:
			move_selection(t, -(long)t->snap.n_nodes);
			break;
		case KEY_PPAGE:
		case 'b':
			scroll_log(t, log_rows() > 1 ? log_rows() - 1 : 1);
			break;
		case KEY_NPAGE:
		case 'f':
		case ' ':
			scroll_log(t, -(log_rows() > 1 ? log_rows() - 1 : 1));
			break;
		case KEY_END:
		case 'G':
			t->log_scroll = 0;
			break;
		case 's':
			t->sort = (enum tui_sort)((t->sort + 1) % TUI_SORT__COUNT);
			tui_sort_nodes(&t->snap, t->sort, t->reverse);
			break;
		case 'r':
			t->reverse = !t->reverse;
			tui_sort_nodes(&t->snap, t->sort, t->reverse);
			break;
		case KEY_RESIZE:
			tui_resize(t);
			break;
		case 12: /* ^L */
			clearok(curscr, TRUE);
			break;
		default:
			continue;
		}
		t->dirty = true;
	}
	tui_draw(t, false);
	return TUI_CONTINUE;
}

void tui_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	clear();
	t->dirty = true;
	tui_draw(t, true);
}

/* ---- drawing ---- */

static void put_line(int y, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put_line(int y, int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y < 0 || y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	move(y, 0);
	clrtoeol();
	if (attr)
		attron(attr);
	addnstr(buf, COLS);
	if (attr) {
		/* fill the rest of a highlighted line */
		for (int x = (int)strlen(buf); x < COLS; x++)
			addch(' ');
		attroff(attr);
	}
}

static int path_attr(const struct tui *t, enum status_path p)
{
	if (!t->colors)
		return p == STATUS_PATH_UNREACHABLE ? A_BOLD : 0;
	switch (p) {
	case STATUS_PATH_LAN:
	case STATUS_PATH_DIRECT:
	case STATUS_PATH_NAT:
		return COLOR_PAIR(C_GOOD);
	case STATUS_PATH_GATEWAY:
		return COLOR_PAIR(C_VIA);
	case STATUS_PATH_UNREACHABLE:
		return COLOR_PAIR(C_BAD) | A_BOLD;
	case STATUS_PATH_SELF:
	case STATUS_PATH__COUNT:
		break;
	}
	return 0;
}

static void node_cells(const struct status_snapshot *s, const struct status_node *n,
		       char cells[9][48])
{
	char tmp[32];

	snprintf(cells[0], 48, "%s", n->name);
	addr_fmt(&n->id, cells[1], 48);
	switch (n->path) {
	case STATUS_PATH_GATEWAY:
		snprintf(cells[2], 48, "via %s", n->via_name[0] ? n->via_name : "?");
		break;
	case STATUS_PATH_LAN:
		snprintf(cells[2], 48, "LAN");
		break;
	case STATUS_PATH_NAT:
		snprintf(cells[2], 48, "direct (NAT)");
		break;
	case STATUS_PATH_SELF:
	case STATUS_PATH_DIRECT:
	case STATUS_PATH_UNREACHABLE:
	case STATUS_PATH__COUNT:
		snprintf(cells[2], 48, "%s", status_path_name(n->path));
		break;
	}
	if (n->has & STATUS_HAS_ENDPOINT)
		endpoint_fmt(&n->endpoint, cells[3], 48);
	else
		snprintf(cells[3], 48, "-");
	if (n->has & STATUS_HAS_HANDSHAKE)
		snprintf(cells[4], 48, "%s ago",
			 status_fmt_age(s->now > n->last_handshake ?
						(uint64_t)(s->now - n->last_handshake) : 0,
					tmp, sizeof(tmp)));
	else
		snprintf(cells[4], 48, "%s", (n->has & STATUS_HAS_TRAFFIC) ? "never" : "-");
	if (n->has & STATUS_HAS_TRAFFIC) {
		status_fmt_bytes(n->rx_bytes, cells[5], 48);
		status_fmt_bytes(n->tx_bytes, cells[6], 48);
	} else {
		snprintf(cells[5], 48, "-");
		snprintf(cells[6], 48, "-");
	}
	if (n->has & STATUS_HAS_RTT)
		status_fmt_rtt(n, cells[7], 48);
	else
		snprintf(cells[7], 48, "-");
	if (n->has & STATUS_HAS_SINCE)
		status_fmt_age(n->since_s, cells[8], 48);
	else
		snprintf(cells[8], 48, "-");
}

int tui_sort_column(enum tui_sort s)
{
	static const int col[TUI_SORT__COUNT] = {
		[TUI_SORT_NAME] = 0, [TUI_SORT_ADDRESS] = 1, [TUI_SORT_PATH] = 2,
		[TUI_SORT_RTT] = 7,  [TUI_SORT_RX] = 5,	     [TUI_SORT_SINCE] = 8,
	};

	return (unsigned)s < TUI_SORT__COUNT ? col[s] : 0;
}

static void draw_table(struct tui *t, int y0, int rows)
{
	static const char *const names[9] = { "NAME", "ADDRESS", "PATH", "ENDPOINT",
					      "HANDSHAKE", "RX", "TX", "RTT", "SINCE" };
	const struct status_snapshot *s = &t->snap;
	int w[9], x, sorted = tui_sort_column(t->sort);
	long sel = selected_index(t);
	char cells[9][48], heads[9][16];

	/* the sort column's heading is marked: NAME* (the key line says which way) */
	for (int c = 0; c < 9; c++) {
		snprintf(heads[c], sizeof(heads[c]), "%s%s", names[c], c == sorted ? "*" : "");
		w[c] = (int)strlen(heads[c]);
	}
	for (size_t i = 0; i < s->n_nodes; i++) {
		node_cells(s, &s->nodes[i], cells);
		for (int c = 0; c < 9; c++)
			if ((int)strlen(cells[c]) > w[c])
				w[c] = (int)strlen(cells[c]);
	}
	move(y0, 0);
	clrtoeol();
	attron(A_BOLD);
	for (int c = 0, xx = 0; c < 9 && xx < COLS; c++) {
		if (c == sorted)
			attron(A_UNDERLINE);
		mvaddnstr(y0, xx, heads[c], COLS - xx);
		if (c == sorted)
			attroff(A_UNDERLINE);
		xx += w[c] + 2;
	}
	attroff(A_BOLD);
	/* keep the selection in view */
	if (sel >= 0 && (size_t)sel < t->table_top)
		t->table_top = (size_t)sel;
	if (sel >= 0 && rows > 0 && (size_t)sel >= t->table_top + (size_t)rows)
		t->table_top = (size_t)sel - (size_t)rows + 1;
	if (t->table_top > s->n_nodes)
		t->table_top = 0;
	for (int r = 0; r < rows; r++) {
		size_t i = t->table_top + (size_t)r;
		int y = y0 + 1 + r;

		move(y, 0);
		clrtoeol();
		if (i >= s->n_nodes)
			continue;
		node_cells(s, &s->nodes[i], cells);
		if ((long)i == sel)
			attron(A_REVERSE);
		x = 0;
		for (int c = 0; c < 9 && x < COLS; c++) {
			int a = c == 2 ? path_attr(t, s->nodes[i].path) : 0;
			if (a)
				attron(a);
			mvaddnstr(y, x, cells[c], COLS - x);
			if (a)
				attroff(a);
			if ((long)i == sel)
				for (int k = (int)strlen(cells[c]); k < w[c] + 2 && x + k < COLS; k++)
					mvaddch(y, x + k, ' ');
			x += w[c] + 2;
		}
		if ((long)i == sel) {
			for (; x < COLS; x++)
				mvaddch(y, x, ' ');
			attroff(A_REVERSE);
		}
	}
}

static void draw_detail(const struct tui *t, int y)
{
	long sel = selected_index(t);
	const struct status_node *n;

	if (sel < 0) {
		put_line(y, 0, "%s", t->have_snap ? "" : "waiting for the daemon...");
		return;
	}
	n = &t->snap.nodes[sel];
	if (n->reason[0])
		put_line(y, t->colors ? COLOR_PAIR(C_VIA) : A_BOLD, " %s: %s", n->name, n->reason);
	else
		put_line(y, 0, " %s: %s%s%s, key %s", n->name, status_path_name(n->path),
			 n->is_static ? ", static" : "", n->no_transit ? ", no transit" : "",
			 n->public_key[0] ? n->public_key : "-");
}

/* "12:01:33 " in local time; the date too for a line of another day. */
static void log_stamp(int64_t time_ms, char *buf, size_t len)
{
	time_t when = (time_t)(time_ms / 1000), now = time(NULL);
	struct tm tm, today;

	if (!localtime_r(&when, &tm) || !localtime_r(&now, &today) ||
	    !strftime(buf, len,
		      tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year ? "%H:%M:%S "
										  : "%m-%d %H:%M:%S ",
		      &tm))
		snprintf(buf, len, "%s", "");
}

static void draw_log(const struct tui *t, int y0, int rows)
{
	char stamp[32];

	for (int r = 0; r < rows; r++) {
		/* bottom row is the newest line shown */
		long back = (long)t->log_scroll + (rows - 1 - r);
		const struct log_line *l;
		int a = 0;

		if (back >= (long)t->log_n) {
			put_line(y0 + r, 0, "%s", "");
			continue;
		}
		l = &t->log[(t->log_head + TUI_LOG_LINES - 1 - (size_t)back) % TUI_LOG_LINES];
		if (l->level <= LOG_LEVEL_WARN)
			a = t->colors ? (int)COLOR_PAIR(C_WARN) : A_BOLD;
		else if (l->level >= LOG_LEVEL_DEBUG)
			a = t->colors ? (int)COLOR_PAIR(C_DIM) : A_DIM;
		move(y0 + r, 0);
		clrtoeol();
		if (a)
			attron(a);
		log_stamp(l->time_ms, stamp, sizeof(stamp));
		addnstr(stamp, COLS);
		if (COLS > (int)strlen(stamp))
			addnstr(l->text, COLS - (int)strlen(stamp));
		if (a)
			attroff(a);
	}
}

/* One form of the title; false if it does not fit in cols. */
static bool title_form(int form, const char *title, const struct status_snapshot *s,
		       const char *clock, int cols, char *buf, size_t len)
{
	char a[ADDR_STRLEN], up[16];
	size_t n_nodes = s ? s->n_nodes : 0, reach = s ? status_count_reachable(s) : 0;
	size_t direct = s ? status_count_direct(s) : 0;
	int w;

	if (s) {
		addr_fmt(&s->id, a, sizeof(a));
		status_fmt_age(s->uptime_s, up, sizeof(up));
	}
	if (!s)
		w = snprintf(buf, len, " %s", title);
	else if (form == 0)
		w = snprintf(buf, len, " %s  %s  %s %s  up %s  nodes %zu  reachable %zu  direct %zu",
			     title, s->ifname, s->name, a, up, n_nodes, reach, direct);
	else if (form == 1)
		w = snprintf(buf, len, " %s %s %s %s up %s nodes %zu reach %zu direct %zu", title,
			     s->ifname, s->name, a, up, n_nodes, reach, direct);
	else if (form == 2)
		w = snprintf(buf, len, " %s %s %s up %s nodes %zu reach %zu direct %zu", s->ifname,
			     s->name, a, up, n_nodes, reach, direct);
	else if (form == 3)
		w = snprintf(buf, len, " %s %s %s nodes %zu reach %zu direct %zu", s->ifname,
			     s->name, a, n_nodes, reach, direct);
	else
		w = snprintf(buf, len, " %s %s %zu/%zu reach %zu direct", s->name, a, reach, n_nodes,
			     direct);
	if (w < 0 || (size_t)w >= len || w > cols)
		return false;
	/* the clock at the right edge, if there is room for it */
	if (clock && w + 2 + (int)strlen(clock) <= cols)
		snprintf(buf + w, len - (size_t)w, "%*s", cols - w, clock);
	else if (clock)
		return false;
	return true;
}

void tui_title(const char *title, const struct status_snapshot *s, const char *clock, int cols,
	       char *buf, size_t len)
{
	/*
	 * From the fullest form down: the program's name goes first, then
	 * the clock, the uptime, the interface; as a last resort the
	 * shortest form is cut.
	 */
	static const struct {
		int form;
		bool clock;
	} order[] = { { 0, true }, { 1, true }, { 2, true }, { 2, false },
		      { 3, true }, { 3, false }, { 4, true }, { 4, false } };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (title_form(order[i].form, title, s, order[i].clock ? clock : NULL, cols, buf,
			       len))
			return;
	title_form(4, title, s, NULL, INT32_MAX, buf, len);
	if (cols >= 0 && (size_t)cols < len)
		buf[cols] = '\0';
}

/* The keys, in a box over the middle of the screen; any key closes it. */
static void draw_help(const struct tui *t)
{
	static const char *const lines[] = {
		"Keys",
		"",
		"  q           quit (in the daemon's own view: leave the network)",
		"  j k  Down Up  select a node; its detail is the line under the table",
		"  Home        the first node",
		"  s           sort by the next column (the marked heading: NAME*)",
		"  r           reverse the order",
		"  PgUp PgDn   scroll the log (also b, f, Space)",
		"  End  G      back to the newest log line",
		"  ^L          redraw the screen",
		"  ?           this help",
		"",
		"Any key closes this help.",
	};
	size_t n = sizeof(lines) / sizeof(lines[0]);
	int w = 0, h = (int)n + 2, x0, y0;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(lines[i]) > w)
			w = (int)strlen(lines[i]);
	w += 4;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	x0 = (COLS - w) / 2;
	y0 = (LINES - h) / 2;
	attron(t->colors ? COLOR_PAIR(C_TITLE) : A_REVERSE);
	for (int y = 0; y < h; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < w; x++)
			addch(' ');
		if (y >= 1 && y <= (int)n && w > 2)
			mvaddnstr(y0 + y, x0 + 2, lines[y - 1], w - 4 > 0 ? w - 4 : 0);
	}
	attroff(t->colors ? COLOR_PAIR(C_TITLE) : A_REVERSE);
}

void tui_draw(struct tui *t, bool force)
{
	char clock[16], title[512];
	int lr = log_rows(), tr;
	time_t now = time(NULL);
	struct tm tm;

	if (!t->dirty && !force)
		return;
	t->dirty = false;
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	tui_title(t->title, t->have_snap ? &t->snap : NULL, clock, COLS, title, sizeof(title));
	put_line(0, t->colors ? COLOR_PAIR(C_TITLE) : A_REVERSE, "%s", title);
	tr = LINES - 5 - lr;
	if (tr < 0)
		tr = 0;
	draw_table(t, 1, tr);
	draw_detail(t, 2 + tr);
	move(3 + tr, 0);
	clrtoeol();
	if (3 + tr < LINES) {
		mvhline(3 + tr, 0, ACS_HLINE, COLS);
		mvaddnstr(3 + tr, 2, t->log_scroll ? " log (scrolled back; End: newest) " : " log ",
			  COLS - 2 > 0 ? COLS - 2 : 0);
	}
	draw_log(t, 4 + tr, lr);
	put_line(LINES - 1, A_REVERSE,
		 " q quit  ? help  j/k select  s sort: %s%s  r reverse  PgUp/PgDn log  %s",
		 tui_sort_name(t->sort), t->reverse ? " (reversed)" : "", t->msg);
	if (t->help)
		draw_help(t);
	refresh();
}
