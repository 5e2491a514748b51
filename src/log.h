/*
 * Logging in the manner of OpenBSD's log.c: log_warn appends strerror(errno),
 * log_warnx does not. stderr in the foreground, syslog under a service
 * manager, optionally a file. Never pass a secret to these functions.
 *
 * log_err/log_errx are for what ends the daemon (or stops it starting): they
 * reach the journal at error priority, so `journalctl -p err` says why a
 * service failed. Everything that goes on is a warning or lower.
 */
#ifndef WGNM_LOG_H
#define WGNM_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERR = 0,	/* fatal: the daemon stops, or does not start */
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
	LOG_LEVEL_TRACE = 4,
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* verbosity: number of -v; to_syslog: under a service manager. */
int log_init(int verbosity, const char *file, bool to_syslog);
void log_close(void);
bool log_enabled(enum log_level level);
/* Extra sink (the TUI log pane); NULL to remove. */
void log_set_sink(void (*sink)(enum log_level, const char *line, void *arg), void *arg);
/* While a full-screen view owns the terminal, stderr output is suppressed. */
void log_set_quiet_stderr(bool quiet);
/*
 * "<N>" (sd-daemon(3) priority) for a line written to stderr outside the
 * log functions when stderr is the journal's stream, else "". Usage and
 * configuration errors printed by main() use it.
 */
const char *log_stderr_prefix(enum log_level level);

/*
 * At most `burst` lines per `interval_ms` for one kind of repeated event
 * (a dropped datagram). log_ratelimit() says whether to log this one; when
 * it does after a quiet spell, *suppressed holds how many were not logged
 * since the last one that was (0 otherwise).
 */
struct log_ratelimit {
	uint64_t window_start;
	unsigned in_window;
	uint64_t suppressed;
};

bool log_ratelimit(struct log_ratelimit *rl, uint64_t now_ms, unsigned burst,
		   uint64_t interval_ms, uint64_t *suppressed);

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_errx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_trace(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
