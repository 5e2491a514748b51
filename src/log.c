/*
 * Logging: see log.h. Lines go to stderr, syslog, a file and a sink.
 *
 * Under systemd, stderr is the journal's stream ($JOURNAL_STREAM names its
 * device and inode): lines then carry the "<N>" priority prefix of
 * sd-daemon(3), so the journal records error/warning/info/debug levels, and no
 * program name (the journal adds it). stderr stays the one log output
 * there; opening syslog as well would store every line twice.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

static int log_verbosity;
static bool log_syslog;
static bool log_quiet_stderr;
static bool log_journal;
static FILE *log_file;
static void (*log_sink)(enum log_level, const char *, void *);
static void *log_sink_arg;

/* Is stderr the journal's stream? $JOURNAL_STREAM is "DEVICE:INODE". */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* Again after an earlier call: main() logs before the log file is known. */
int log_init(int verbosity, const char *file, bool to_syslog)
{
	log_verbosity = verbosity;
	log_journal = stderr_is_journal();
	if (to_syslog && !log_syslog)
		openlog("wg_netmanager", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = log_syslog || to_syslog;
	if (file) {
		if (log_file)
			fclose(log_file);
		log_file = fopen(file, "ae");
		if (!log_file)
			return -errno;
		setvbuf(log_file, NULL, _IOLBF, 0);
	}
	return 0;
}

void log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	if (log_syslog)
		closelog();
	log_syslog = false;
}

/* Errors and warnings always, info by default, each -v one level more. */
bool log_enabled(enum log_level level)
{
	return (int)level <= log_verbosity + 2;
}

void log_set_sink(void (*sink)(enum log_level, const char *, void *), void *arg)
{
	log_sink = sink;
	log_sink_arg = arg;
}

void log_set_quiet_stderr(bool quiet)
{
	log_quiet_stderr = quiet;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_INFO:
		return "info";
	case LOG_LEVEL_DEBUG:
		return "debug";
	case LOG_LEVEL_TRACE:
		return "trace";
	}
	return "?";
}

static int syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return LOG_ERR;
	case LOG_LEVEL_WARN:
		return LOG_WARNING;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	case LOG_LEVEL_DEBUG:
	case LOG_LEVEL_TRACE:
		return LOG_DEBUG;
	}
	return LOG_INFO;
}

const char *log_stderr_prefix(enum log_level level)
{
	static char prefix[8];

	if (!stderr_is_journal())
		return "";
	snprintf(prefix, sizeof(prefix), "<%d>", syslog_priority(level));
	return prefix;
}

bool log_ratelimit(struct log_ratelimit *rl, uint64_t now_ms, unsigned burst,
		   uint64_t interval_ms, uint64_t *suppressed)
{
	*suppressed = 0;
	if (now_ms - rl->window_start >= interval_ms || now_ms < rl->window_start) {
		rl->window_start = now_ms;
		rl->in_window = 0;
	}
	if (rl->in_window >= burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

static void emit(enum log_level level, const char *line)
{
	if (log_syslog)
		syslog(syslog_priority(level), "%s", line);
	else if (!log_quiet_stderr && log_journal)
		fprintf(stderr, "<%d>%s\n", syslog_priority(level), line);
	else if (!log_quiet_stderr)
		fprintf(stderr, "wg_netmanager: %s: %s\n", level_name(level), line);
	if (log_file) {
		char stamp[32];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(log_file, "%s.%03ld %s: %s\n", stamp, ts.tv_nsec / 1000000,
			level_name(level), line);
	}
	if (log_sink)
		log_sink(level, line, log_sink_arg);
}

static void vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (!log_enabled(level))
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (errnum && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(errnum));
	emit(level, line);
}

#define LOG_BODY(level, errnum)                  \
	do {                                     \
		va_list ap;                      \
		va_start(ap, fmt);               \
		vlog(level, errnum, fmt, ap);    \
		va_end(ap);                      \
	} while (0)

void log_err(const char *fmt, ...)
{
	int saved = errno;
	LOG_BODY(LOG_LEVEL_ERR, saved);
	errno = saved;
}

void log_errx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, 0);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	LOG_BODY(LOG_LEVEL_WARN, saved);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, 0);
}

void log_trace(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_TRACE, 0);
}
