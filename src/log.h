/*
 * Logging in the manner of OpenBSD's log.c: log_warn appends strerror(errno),
 * log_warnx does not. stderr in the foreground, syslog under a service
 * manager, optionally a file. Never pass a secret to these functions.
 */
#ifndef WGNM_LOG_H
#define WGNM_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_WARN = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
	LOG_LEVEL_TRACE = 3,
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

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_trace(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
