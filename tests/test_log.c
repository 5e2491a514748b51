/*
 * Tests for src/log.c: levels (errors always shown), the journal's
 * priority prefixes, and the rate limit of repeated lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static void test_levels(void **state)
{
	static const struct {
		int verbosity;
		enum log_level level;
		bool on;
	} cases[] = {
		{ 0, LOG_LEVEL_ERR, true },   { 0, LOG_LEVEL_WARN, true },
		{ 0, LOG_LEVEL_INFO, true },  { 0, LOG_LEVEL_DEBUG, false },
		{ 1, LOG_LEVEL_DEBUG, true }, { 1, LOG_LEVEL_TRACE, false },
		{ 2, LOG_LEVEL_TRACE, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(log_init(cases[i].verbosity, NULL, false), 0);
		assert_int_equal(log_enabled(cases[i].level), cases[i].on);
	}
	log_close();
}

struct seen {
	enum log_level level;
	char line[128];
	unsigned n;
};

static void sink(enum log_level level, const char *line, void *arg)
{
	struct seen *s = arg;

	s->level = level;
	snprintf(s->line, sizeof(s->line), "%s", line);
	s->n++;
}

/* log_err appends strerror(errno) and keeps errno, as log_warn does. */
static void test_err_reaches_sinks(void **state)
{
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(log_init(0, NULL, false), 0);
	log_set_quiet_stderr(true);
	log_set_sink(sink, &s);
	errno = ENOENT;
	log_err("opening %s", "x");
	assert_int_equal(errno, ENOENT);
	assert_int_equal(s.level, LOG_LEVEL_ERR);
	assert_string_equal(s.line, "opening x: No such file or directory");
	log_errx("plain %d", 7);
	assert_string_equal(s.line, "plain 7");
	assert_int_equal(s.n, 2);
	log_set_sink(NULL, NULL);
	log_set_quiet_stderr(false);
	log_close();
}

/* stderr is the journal's when $JOURNAL_STREAM names its device and inode. */
static void test_journal_prefix(void **state)
{
	struct stat st;
	char js[64];

	(void)state;
	unsetenv("JOURNAL_STREAM");
	assert_string_equal(log_stderr_prefix(LOG_LEVEL_ERR), "");
	assert_int_equal(fstat(2, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	assert_string_equal(log_stderr_prefix(LOG_LEVEL_ERR), "<3>");
	assert_string_equal(log_stderr_prefix(LOG_LEVEL_WARN), "<4>");
	assert_string_equal(log_stderr_prefix(LOG_LEVEL_INFO), "<6>");
	/* another file's inode: not the journal */
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	assert_string_equal(log_stderr_prefix(LOG_LEVEL_ERR), "");
	unsetenv("JOURNAL_STREAM");
}

/*
 * A burst of 3 per second: events at these times (ms), and whether each
 * is logged with how many were left out before it.
 */
static void test_ratelimit(void **state)
{
	static const struct {
		uint64_t t;
		bool logged;
		uint64_t suppressed;
	} steps[] = {
		{ 1000, true, 0 },  { 1001, true, 0 },  { 1002, true, 0 },
		{ 1003, false, 0 }, { 1500, false, 0 }, { 1999, false, 0 },
		/* a new second: the next line says three were left out */
		{ 2000, true, 3 },  { 2001, true, 0 },  { 2002, true, 0 },
		{ 2003, false, 0 },
		{ 9000, true, 1 },
		/* a clock that went backwards starts a new window */
		{ 500, true, 0 },
	};
	struct log_ratelimit rl = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint64_t sup = 99;
		bool on = log_ratelimit(&rl, steps[i].t, 3, 1000, &sup);

		if (on != steps[i].logged)
			fail_msg("step %zu (t=%llu): logged %d", i, (unsigned long long)steps[i].t, on);
		assert_int_equal(sup, steps[i].suppressed);
	}
}

/* A flood: never more than the burst per interval, whatever comes. */
static void test_ratelimit_flood(void **state)
{
	struct log_ratelimit rl = { 0 };
	unsigned logged = 0;
	uint64_t sup, total_sup = 0;

	(void)state;
	for (uint64_t t = 0; t < 10000; t++) {	/* 10 s, ten events per ms */
		for (int k = 0; k < 10; k++) {
			if (log_ratelimit(&rl, t, 10, 1000, &sup))
				logged++;
			total_sup += sup;
		}
	}
	assert_int_equal(logged, 100);
	assert_int_equal(total_sup, 100000 - 100 - rl.suppressed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_err_reaches_sinks),
		cmocka_unit_test(test_journal_prefix),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
